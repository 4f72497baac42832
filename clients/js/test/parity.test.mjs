// Our client against Apperate's own (@apperate/iexjs 0.10.0): the same calls must send the same requests
// (method, path, query in order, content type, body), recorded by a loopback server.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "../src/index.js";
import { startRecorder } from "./support/recorder.mjs";
import { apperateClient } from "./support/apperate-client.mjs";

const TOKEN = "sk_parity_token";
let recorder;
let theirs;
let ours;

before(async () => {
  recorder = await startRecorder();
  theirs = apperateClient(recorder.port, TOKEN);
  ours = new Client({ api_token: TOKEN, baseUrl: recorder.baseUrl });
});

after(() => recorder.close());

/** Runs one call through both clients; returns what each sent. */
async function both(method, args) {
  await theirs.apperate[method](structuredClone(args));
  const sentByApperate = recorder.take();
  await ours.apperate[method](structuredClone(args));
  const sentByOurs = recorder.take();
  assert.equal(sentByApperate.length, 1, `Apperate's client sent ${sentByApperate.length} requests`);
  assert.equal(sentByOurs.length, 1, `our client sent ${sentByOurs.length} requests`);
  // Apperate's client sent "Content-Type: undefined" on calls without a body; a content type only matters with one.
  const normalize = (r) => (r.body === "" ? { ...r, contentType: null } : r);
  return [normalize(sentByApperate[0]), normalize(sentByOurs[0])];
}

const records = [{ symbol: "AAPL", date: "2024-01-02", close: 185.64 }, { symbol: "MSFT", date: "2024-01-02", close: 370.87 }];

// write(): every option Apperate's client knew, alone and together, with values of each type it accepted.
const writeCases = [
  {},
  { wait: true },
  { wait: false },
  { wait: "true" },
  { duplicateKeyHandling: "replace" },
  { duplicateKeyHandling: "ignore" },
  { duplicateKeyHandling: true },
  { duplicateKeyHandling: false },
  { createDatasetOnDemand: false },
  { createDatasetOnDemand: true },
  { persist: false },
  { persist: true },
  { event: false },
  { event: true },
  { wait: true, duplicateKeyHandling: "replace" },
  { persist: false, event: true },
  { createDatasetOnDemand: false, wait: true, event: false },
  { wait: true, duplicateKeyHandling: "replace", createDatasetOnDemand: false, persist: true, event: true },
  { event: false, persist: false, duplicateKeyHandling: "ignore", createDatasetOnDemand: true, wait: false },
  { data: { symbol: "IBM", date: "2024-01-03", close: 161.5 } },
  { data: [] },
  { data: [{ text: "l'été <b> & \"quotes\" ✓", n: null, nested: { a: [1, 2] } }] },
  { workspace: "OTHER_WS", id: "some_dataset_2" },
  { id: "Prices", wait: true, duplicateKeyHandling: true },
];

for (const [index, options] of writeCases.entries()) {
  test(`write() #${index + 1} ${JSON.stringify(options)} sends what Apperate's client sends`, async () => {
    const args = { workspace: "DEMO", id: "PRICES", data: records, ...options };
    const [apperate, ours_] = await both("write", args);
    assert.deepEqual(ours_, apperate);
    assert.equal(apperate.method, "POST");
    assert.ok(apperate.url.startsWith(`/v1/record/${args.workspace}/${args.id}?token=${TOKEN}`), apperate.url);
  });
}

test("write() with updateState, which Apperate's client never sent, adds it last", async () => {
  await ours.apperate.write({ workspace: "DEMO", id: "PRICES", data: records, wait: true, updateState: false });
  const [sent] = recorder.take();
  assert.equal(sent.url, `/v1/record/DEMO/PRICES?token=${TOKEN}&wait=true&updateState=false`);
});

// The other calls Apperate's client made, each in a few shapes.
const otherCases = [
  ["queryData", { workspace: "DEMO", id: "PRICES" }],
  ["queryData", { workspace: "DEMO", id: "PRICES", key: "AAPL" }],
  ["queryData", { workspace: "DEMO", id: "PRICES", key: "AAPL", subkey: "X", last: 5 }],
  ["queryData", { workspace: "DEMO", id: "PRICES", key: "AAPL", from: "2024-01-01", to: "2024-01-31", sort: "asc", format: "csv" }],
  ["queryData", { workspace: "DEMO", id: "PRICES", limit: 10, offset: 2, filter: "close,symbol", subattribute: "symbol|AAPL", includeSystemRecordProperties: true }],
  ["queryData", { workspace: "DEMO", id: "PRICES,VOLUMES", key: "AAPL,MSFT", range: "5d", interval: 2, queryId: "poller-1", batchSeparator: "," }],
  ["listDatasets", { workspace: "DEMO" }],
  ["listDatasets", { workspace: "DEMO", limit: 3 }],
  ["queryDatasets", { workspace: "DEMO" }],
  ["getDataset", { workspace: "DEMO", id: "PRICES" }],
  ["deleteDataset", { workspace: "DEMO", id: "PRICES" }],
  ["registerDataset", { workspace: "DEMO", data: JSON.stringify({ dataset: { datasetId: "PRICES" } }) }],
  ["updateDataset", { workspace: "DEMO", id: "PRICES", data: JSON.stringify({ dataset: { title: "t" } }) }],
  ["patchDataset", { workspace: "DEMO", id: "PRICES", data: JSON.stringify({ dataset: { title: "t" } }) }],
  ["renameDataset", { workspace: "DEMO", id: "PRICES", newDatasetId: "QUOTES" }],
  ["loadData", { workspace: "DEMO", id: "PRICES", data: "symbol,date\nAAPL,2024-01-02\n", contentType: "text/csv" }],
  ["loadData", { workspace: "DEMO", id: "PRICES", data: "[]", duplicateKeyHandling: "replace", maximumValidationErrors: 5, wait: false }],
  ["deleteData", { workspace: "DEMO", id: "PRICES", key: "AAPL" }],
  ["deleteData", { workspace: "DEMO", id: "PRICES", key: "AAPL", subkey: "X", date: "2024-01-02" }],
  ["queryDataJobs", { workspace: "DEMO", type: "ingest", limit: 5 }],
  ["getDataJob", { workspace: "DEMO", type: "ingest", id: "0123456789abcdef0123456789abcdef" }],
  ["fetchLogs", { workspace: "DEMO", period: "1h" }],
];

for (const [method, args] of otherCases) {
  test(`${method}(${JSON.stringify(args)}) sends what Apperate's client sends`, async () => {
    const [apperate, ours_] = await both(method, args);
    assert.deepEqual(ours_, apperate);
  });
}

test("where Apperate's client dropped what it was given, ours sends it", async () => {
  // Apperate's client sent only the token on DELETE, so deleteData lost from/to; its job log read the job instead.
  await ours.apperate.deleteData({ workspace: "DEMO", id: "PRICES", key: "AAPL", from: "2024-01-01", to: "2024-01-31" });
  await ours.apperate.getInvalidRecordsLog({ workspace: "DEMO", type: "ingest", id: "abc" });
  assert.deepEqual(recorder.take().map((r) => `${r.method} ${r.url}`), [
    `DELETE /v1/data/DEMO/PRICES/AAPL?token=${TOKEN}&from=2024-01-01&to=2024-01-31`,
    `GET /v1/jobs/DEMO/ingest/abc/invalid?token=${TOKEN}`,
  ]);
});

test("missing required arguments throw before anything is sent, as in Apperate's client", async () => {
  await assert.rejects(async () => ours.apperate.write({ workspace: "DEMO", data: records }), /Must provide 'id'/);
  await assert.rejects(async () => ours.apperate.write({ workspace: "DEMO", id: "P" }), /Must provide 'data'/);
  await assert.rejects(async () => ours.apperate.deleteData({ workspace: "DEMO", id: "P" }), /Must provide 'key'/);
  assert.equal(recorder.take().length, 0);
});
