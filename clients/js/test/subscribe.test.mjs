// subscribe() against the real service: snapshot then live, and a server restart in the middle of a stream of
// writes, after which the subscription resumes from its last event id with nothing lost and nothing repeated.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Client, ApperateError } from "../src/index.js";
import { Silo, eventually } from "./support/silo.mjs";

let silo;
let client;

before(async () => {
  silo = await Silo.start();
  client = new Client({ api_token: silo.token, baseUrl: silo.baseUrl });
});

after(() => silo?.dispose());

async function dataset() {
  const id = `LIVE_${Math.random().toString(36).slice(2, 10)}`;
  await client.apperate.registerDataset({ workspace: "DEMO", data: {
    dataset: { datasetId: id, schema: { type: "object", properties: { symbol: { type: "string" }, n: { type: "integer" } } }, columnMapping: { key: "symbol" } },
  } });
  return id;
}

// One key per record: the dataset has no date column, so records of one write share their date (the write time).
const batch = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => ({ symbol: `S${from + i}`, n: from + i }));

test("a subscription gets the snapshot, then every commit, with ids", async () => {
  const id = await dataset();
  await client.apperate.write({ workspace: "DEMO", id, data: [{ symbol: "A", n: 1 }], wait: true });
  const frames = [];
  const subscription = client.subscribe({ workspace: "DEMO", id, symbols: ["A", "B"], onData: (records, meta) => frames.push({ records, meta }) });
  try {
    await eventually(() => frames.length >= 1, 20_000, "the snapshot");
    assert.deepEqual(frames[0].records.map((r) => r.n), [1]);
    await client.apperate.write({ workspace: "DEMO", id, data: [{ symbol: "B", n: 2 }, { symbol: "C", n: 3 }], wait: true });
    await eventually(() => frames.length >= 2, 20_000, "B live");
    assert.deepEqual(frames[1].records, [{ symbol: "B", n: 2 }]);
    assert.ok(Number(frames[1].meta.id) > Number(frames[0].meta.id));
    assert.equal(subscription.lastEventId, frames[1].meta.id);
  } finally {
    subscription.close();
  }
});

test("a subscription survives a server restart without losing or repeating a record", async () => {
  const id = await dataset();
  const received = [];
  const errors = [];
  let opened = 0;
  const subscription = client.subscribe({
    workspace: "DEMO", id, nosnapshot: true,
    onOpen: () => opened++,
    onData: (records) => received.push(...records.map((r) => r.n)),
    onError: (error) => errors.push(error),
  });
  try {
    await eventually(() => opened === 1, 20_000, "the subscription to open");
    for (let n = 1; n <= 200; n += 20) await client.apperate.write({ workspace: "DEMO", id, data: batch(n, n + 19), wait: true });
    await eventually(() => received.length >= 200, 20_000, "the first 200 records live");

    await silo.restart();
    for (let n = 201; n <= 400; n += 20) await client.apperate.write({ workspace: "DEMO", id, data: batch(n, n + 19), wait: true });
    await eventually(() => received.length >= 400, 60_000, `the 200 records written after the restart (have ${received.length}; ${errors.length} errors: ${errors.at(-1)})`);

    assert.deepEqual(received, Array.from({ length: 400 }, (_, i) => i + 1));
    assert.ok(opened >= 2, `opened ${opened} times`);
    assert.ok(errors.length >= 1, "the broken stream was reported");
  } finally {
    subscription.close();
  }
});

test("a refused subscription reports why and does not retry", async () => {
  const errors = [];
  const calls = [];
  const denied = new Client({ api_token: "sk_wrong", baseUrl: silo.baseUrl, fetch: (...args) => { calls.push(args[0]); return fetch(...args); } });
  const subscription = denied.subscribe({ workspace: "DEMO", id: "Anything", onData: () => {}, onError: (e) => errors.push(e) });
  try {
    await eventually(() => errors.length === 1, 20_000, "the refusal");
    assert.ok(errors[0] instanceof ApperateError);
    assert.equal(errors[0].status, 401);
    assert.equal(calls.length, 1);
  } finally {
    subscription.close();
  }
  assert.throws(() => client.subscribe({ workspace: "DEMO", onData: () => {} }), /Must provide 'id'/);
});
