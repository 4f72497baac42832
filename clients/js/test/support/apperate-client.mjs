// Apperate's own JavaScript client (@apperate/iexjs, from npm), made to talk to a loopback server: it only knows
// https://cloud.iexapis.com, so its HTTPS requests are sent to the given port over plain HTTP instead.
import { createRequire } from "node:module";
import http from "node:http";
import https from "node:https";

const require = createRequire(import.meta.url);
let target;
const original = https.request;

https.request = function request(url, options, callback) {
  if (target === undefined) return original.apply(this, arguments);
  if (typeof url === "object" && !(url instanceof URL)) {
    callback = options;
    options = url;
  }
  return http.request({ ...options, protocol: "http:", hostname: "127.0.0.1", host: "127.0.0.1", port: target, agent: undefined }, callback);
};

/** Apperate's client with `token`, its requests sent to 127.0.0.1:`port`. */
export function apperateClient(port, token) {
  target = port;
  const { Client } = require("@apperate/iexjs");
  return new Client({ api_token: token, version: "v1" });
}
