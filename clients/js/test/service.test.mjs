// Both clients against the real service: every call Apperate's client makes is answered as it expects, and ours
// gets the same answers; errors carry the service's problem details.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Client, ApperateError } from "../src/index.js";
import { Silo } from "./support/silo.mjs";
import { apperateClient } from "./support/apperate-client.mjs";

let silo;
let ours;
let theirs;

before(async () => {
  silo = await Silo.start();
  ours = new Client({ api_token: silo.token, baseUrl: silo.baseUrl });
  theirs = apperateClient(silo.httpPort, silo.token);
});

after(() => silo?.dispose());

const unique = (prefix) => `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
const schema = (id) => JSON.stringify({
  dataset: {
    datasetId: id,
    schema: { type: "object", properties: { symbol: { type: "string" }, date: { type: "string", format: "date" }, close: { type: "number" } } },
    columnMapping: { key: "symbol", date: "date" },
  },
});

for (const [name, client] of [["ours", () => ours], ["Apperate's", () => theirs]]) {
  test(`${name} client: datasets, writes, queries, batch loads and deletes`, async () => {
    const c = client().apperate;
    const id = unique("PRICES");
    assert.deepEqual(await c.registerDataset({ workspace: "DEMO", data: schema(id) }), { success: true, message: "Dataset has been created", datasetId: id });

    assert.deepEqual(await c.write({ workspace: "DEMO", id, data: [{ symbol: "AAPL", date: "2024-01-02", close: 185.64 }], wait: true }),
      { success: true, message: "wrote 1 messages" });
    await c.write({ workspace: "DEMO", id, data: [{ symbol: "AAPL", date: "2024-01-02", close: 186 }], wait: true, duplicateKeyHandling: "replace" });
    await c.write({ workspace: "DEMO", id, data: { symbol: "MSFT", date: "2024-01-03", close: 370.87 }, wait: true });
    await c.write({ workspace: "DEMO", id, data: [{ symbol: "IBM", date: "2024-01-03", close: 1 }], wait: true, persist: false, event: true });

    assert.deepEqual(await c.queryData({ workspace: "DEMO", id, key: "AAPL" }), [{ symbol: "AAPL", date: "2024-01-02", close: 186 }]);
    assert.deepEqual((await c.queryData({ workspace: "DEMO", id, last: 10, sort: "asc" })).map((r) => r.symbol), ["AAPL", "MSFT"]);
    assert.equal(await c.queryData({ workspace: "DEMO", id, key: "MSFT", format: "csv" }), "symbol,date,close\nMSFT,2024-01-03,370.87\n");
    // Parameters the service does not know (Apperate's cache options) are ignored, not refused.
    assert.equal((await c.queryData({ workspace: "DEMO", id, key: "AAPL", cache: true, cacheTTL: 60 })).length, 1);

    const other = unique("OTHER");
    await c.registerDataset({ workspace: "DEMO", data: schema(other) });
    const listed = await c.listDatasets({ workspace: "DEMO" });
    assert.ok(listed.some((d) => d.datasetId === id) && listed.length >= 2, JSON.stringify(listed.map((d) => d.datasetId)));
    assert.deepEqual((await c.listDatasets({ workspace: "DEMO", limit: 1 })).map((d) => d.datasetId), [listed[0].datasetId]);
    assert.deepEqual((await c.queryDatasets({ workspace: "DEMO" })).map((d) => d.datasetId), listed.map((d) => d.datasetId));
    await c.deleteDataset({ workspace: "DEMO", id: other });
    assert.equal((await c.getDataset({ workspace: "DEMO", id })).records, 2);

    const job = await c.loadData({ workspace: "DEMO", id, data: "symbol,date,close\nORCL,2024-01-04,120\nBAD,not-a-date,1\n", contentType: "text/csv" });
    assert.equal(job.ingested, 1);
    assert.equal(job.invalid, 1);
    assert.equal((await c.getDataJob({ workspace: "DEMO", type: "ingest", id: job.jobId })).status, "ingested");
    assert.ok((await c.queryDataJobs({ workspace: "DEMO", type: "ingest", limit: 50 })).some((j) => j.jobId === job.jobId));

    await c.deleteData({ workspace: "DEMO", id, key: "ORCL" });
    assert.deepEqual(await c.queryData({ workspace: "DEMO", id, key: "ORCL" }), []);
    assert.ok(Array.isArray(await c.fetchLogs({ workspace: "DEMO", period: "1h" })));
    await c.deleteDataset({ workspace: "DEMO", id });
    await assert.rejects(c.getDataset({ workspace: "DEMO", id }), /Response 404 - /);
  });
}

test("updateDataset (Apperate's POST /datasets/:ws/:id) changes the schema as PATCH does", async () => {
  const id = unique("UPD");
  await ours.apperate.registerDataset({ workspace: "DEMO", data: schema(id) });
  const wider = JSON.parse(schema(id));
  wider.dataset.schema.properties.volume = { type: "integer" };
  for (const c of [theirs.apperate, ours.apperate]) await c.updateDataset({ workspace: "DEMO", id, data: JSON.stringify(wider) });
  assert.deepEqual((await ours.apperate.getDataset({ workspace: "DEMO", id })).schema.properties.volume, { type: "integer" });
});

test("errors carry the status, the body and the problem details", async () => {
  const error = await ours.apperate.write({ workspace: "DEMO", id: unique("NOPE"), data: [{ symbol: "A" }], createDatasetOnDemand: false, wait: true })
    .then(() => assert.fail("the write should fail"), (e) => e);
  assert.ok(error instanceof ApperateError);
  assert.ok(error instanceof Error);
  assert.equal(error.status, 404);
  assert.match(error.message, /^Response 404 - \{/);
  assert.equal(error.problem.status, 404);

  const bad = await ours.apperate.queryData({ workspace: "DEMO", id: "Anything", last: -1 }).then(() => assert.fail("should fail"), (e) => e);
  assert.equal(bad.status, 400);
  assert.ok(bad.problem.errors.some((e) => e.field === "last"), bad.body);

  const denied = new Client({ api_token: "sk_wrong", baseUrl: silo.baseUrl });
  await assert.rejects(denied.apperate.listDatasets({ workspace: "DEMO" }), (e) => e.status === 401);
});

test("the rules API", async () => {
  const id = unique("RULED");
  await ours.apperate.registerDataset({ workspace: "DEMO", data: schema(id) });
  const created = await ours.rules.create({
    ruleName: "big close", type: "all", index: [`DEMO:DATASET:${id}:close`], conditions: [["$index[0]", ">", 100]], outputs: [{ method: "logs" }],
  });
  assert.equal(created.success, true);
  const ruleId = created.id;
  await ours.apperate.write({ workspace: "DEMO", id, data: [{ symbol: "A", date: "2024-01-02", close: 150 }, { symbol: "B", date: "2024-01-02", close: 50 }], wait: true });
  assert.equal((await ours.rules.output(ruleId)).length, 1);
  assert.equal((await ours.rules.info(ruleId))[0].ran, 2);
  assert.ok((await ours.rules.list()).some((r) => r.id === ruleId));
  await ours.rules.pause(ruleId);
  assert.equal((await ours.rules.info(ruleId))[0].isActive, false);
  await ours.rules.resume(ruleId);
  assert.ok(JSON.stringify(await ours.rules.schema()).includes(`DEMO:DATASET:${id}:close`), "the schema lists the dataset's facts");
  const tested = await ours.rules.test({ ruleName: "t", index: [`DEMO:DATASET:${id}:close`], conditions: [["$index[0]", ">", 1]], outputs: [{ method: "logs" }],
    records: [{ symbol: "A", date: "2024-01-05", close: 2 }] });
  assert.ok(tested);
  await ours.rules.delete(ruleId);
  await assert.rejects(ours.rules.info(ruleId), (e) => e.status === 404);
});
