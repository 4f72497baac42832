// The package as npm would publish it: ESM and CommonJS with the same exports, the declarations, no runtime dependencies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import * as esm from "../src/index.js";

const require = createRequire(import.meta.url);
const root = new URL("..", import.meta.url);

test("npm pack holds the sources, the CommonJS build, the declarations and the README, and nothing it depends on", () => {
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" }));
  const files = packed.files.map((f) => f.path);
  for (const expected of ["package.json", "README.md", "index.d.ts", "src/index.js", "src/client.js", "dist/index.cjs", "examples/live.html"])
    assert.ok(files.includes(expected), `${expected} is not in the package: ${files.join(", ")}`);
  assert.ok(!files.some((f) => f.startsWith("test/") || f.startsWith("node_modules/")), files.join(", "));
  const manifest = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
  assert.equal(manifest.dependencies, undefined);
  assert.equal(manifest.exports["."].require, "./dist/index.cjs");
});

test("require() and import give the same client", () => {
  const cjs = require("../dist/index.cjs");
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
  const client = new cjs.Client({ api_token: "sk_x", baseUrl: "http://127.0.0.1:1/" });
  assert.equal(client.baseUrl, "http://127.0.0.1:1");
  assert.deepEqual(Object.getOwnPropertyNames(cjs.Apperate.prototype).sort(), Object.getOwnPropertyNames(esm.Apperate.prototype).sort());
  assert.equal(typeof client.subscribe, "function");
  assert.throws(() => new cjs.Client({ api_token: "" }), /API Token missing/);
});
