import { Apperate } from "./client.js";

// Every call of Apperate's `client.apperate` namespace, described once: its method, its path (fixed segments and
// arguments, which stop at the first optional one missing), the query parameters in the order Apperate's client
// sent them (only those given are sent; the token where Apperate put it), and what the body is.
//   body "json": JSON.stringify(args.data), as write() sends it
//   body "data": args.data as given (a string, Blob, Buffer or stream; another object is sent as JSON), with args.contentType

const required = (name) => ({ name, required: true });
const optional = (name) => ({ name, required: false });
const W = required("workspace");
const ID = required("id");

/** The query parameters of `GET /data`, in the order Apperate's client sent them. */
export const QUERY_DATA_PARAMETERS = [
  "cache", "cacheTTL", "token", "format", "schema", "callback", "filter", "calendar", "forward", "future", "range",
  "from", "to", "on", "interval", "last", "next", "first", "limit", "offset", "subattribute", "sort", "updated",
  "dateField", "transform", "batchSeparator", "includeSystemRecordProperties", "queryId", "collectionName",
];

export const CALLS = {
  // Apperate's client never sent updateState; this one sends it (last) when given.
  write: { method: "POST", path: ["record", W, ID], query: ["token", "event", "persist", "duplicateKeyHandling", "createDatasetOnDemand", "wait", "updateState"], body: "json" },
  queryData: { method: "GET", path: ["data", W, ID, optional("key"), optional("subkey")], query: QUERY_DATA_PARAMETERS },
  listDatasets: { method: "GET", path: ["datasets", W], query: ["token", "limit"] },
  queryDatasets: { method: "GET", path: ["data", W], query: ["token"] },
  getDataset: { method: "GET", path: ["datasets", W, ID], query: ["token"] },
  registerDataset: { method: "POST", path: ["datasets", W], query: ["token"], body: "data" },
  updateDataset: { method: "POST", path: ["datasets", W, ID], query: ["token"], body: "data" },
  patchDataset: { method: "PATCH", path: ["datasets", W, ID], query: ["token"], body: "data" },
  renameDataset: { method: "PUT", path: ["datasets", W, ID, required("newDatasetId")], query: ["token"] },
  deleteDataset: { method: "DELETE", path: ["datasets", W, ID], query: ["token"] },
  loadData: { method: "POST", path: ["data", W, ID], query: ["token", "duplicateKeyHandling", "overwrite", "maximumValidationErrors", "wait", "event"], body: "data" },
  deleteData: { method: "DELETE", path: ["data", W, ID, required("key"), optional("subkey"), optional("date")], query: ["token", "from", "to"] },
  queryDataJobs: { method: "GET", path: ["jobs", W, required("type")], query: ["token", "limit", "from", "to", "last", "first", "sort"] },
  getDataJob: { method: "GET", path: ["jobs", W, required("type"), ID], query: ["token"] },
  getInvalidRecordsLog: { method: "GET", path: ["jobs", W, required("type"), ID, "invalid"], query: ["token", "format"] },
  cancelIngestionJob: { method: "DELETE", path: ["jobs", W, required("type"), ID], query: ["token"] },
  fetchLogs: { method: "GET", path: ["logs", W], query: ["period", "token"] },
};

/** Runs one described call with the caller's arguments. */
function call(client, spec, args = {}) {
  const segments = [];
  for (const part of spec.path) {
    if (typeof part === "string") {
      segments.push(part);
      continue;
    }
    const value = args[part.name];
    if (value === undefined || value === null || value === "") {
      if (part.required) throw new Error(`Must provide '${part.name}'`);
      break;
    }
    segments.push(String(value));
  }
  // A fixed segment after an optional argument that was missing (none today) would be dropped with it.
  const withToken = { ...args, token: client._token };
  const query = spec.query.filter((name) => withToken[name] !== undefined && withToken[name] !== null).map((name) => [name, withToken[name]]);
  let body;
  let contentType;
  if (spec.body) {
    if (args.data === undefined || args.data === null) throw new Error("Must provide 'data'");
    if (spec.body === "json") {
      body = JSON.stringify(args.data);
      contentType = "application/json";
    } else {
      body = typeof args.data === "string" || isBinary(args.data) ? args.data : JSON.stringify(args.data);
      contentType = args.contentType ?? "application/json";
    }
  }
  const format = args.format && args.format !== "json" ? args.format : "json";
  return client._request({ method: spec.method, path: segments, query, body, contentType, format, signal: args.signal });
}

function isBinary(value) {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value) || (typeof Blob !== "undefined" && value instanceof Blob)
    || (typeof ReadableStream !== "undefined" && value instanceof ReadableStream);
}

for (const [name, spec] of Object.entries(CALLS)) {
  Object.defineProperty(Apperate.prototype, name, {
    value(args) {
      return call(this._client, spec, args);
    },
    writable: true,
    configurable: true,
  });
}
