// The example page in a real browser: Debian's chromium (tests/run.sh installs it), driven by playwright-core with
// the system executable. The page, served from its own origin, writes a record with the client and shows it arrive
// through subscribe(); a record written by another client (this test) arrives too.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { Client } from "../src/index.js";
import { Silo } from "./support/silo.mjs";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };
let silo;
let pages;
let browser;

/** Serves the package's files (examples/, src/) on a loopback port of its own: another origin than the service. */
async function servePackage() {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, "http://x").pathname)).replace(/^([/\\])+/, "");
    const file = join(packageRoot, path);
    if (!file.startsWith(packageRoot) || !existsSync(file) || !statSync(file).isFile()) {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader("Content-Type", types[extname(file)] ?? "application/octet-stream");
    response.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

before(async () => {
  silo = await Silo.start();
  pages = await servePackage();
  const executablePath = process.env.APPERATE_CHROMIUM || "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new Error(`no chromium at ${executablePath}: apt-get install -y chromium (tests/run.sh installs it)`);
  // No background networking: the machine's closed network refuses Chromium's own connections.
  browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
});

after(async () => {
  await browser?.close();
  await pages?.close();
  await silo?.dispose();
});

test("the example page writes a record and shows it arrive live", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const id = `EXAMPLE_${Math.random().toString(36).slice(2, 8)}`;
  const query = new URLSearchParams({ baseUrl: silo.baseUrl, token: silo.token, workspace: "DEMO", id });
  await page.goto(`${pages.origin}/examples/live.html?${query}`);
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Following"), null, { timeout: 20_000 });

  await page.fill("#write [name=symbol]", "MSFT");
  await page.fill("#write [name=price]", "370.87");
  await page.click("#write button");
  await page.waitForFunction(() => document.querySelectorAll("#records li").length >= 1, null, { timeout: 20_000 });
  assert.equal(await page.textContent("#records li:nth-child(1)"), "MSFT 370.87");

  // Written by another client: it arrives the same way.
  const other = new Client({ api_token: silo.token, baseUrl: silo.baseUrl });
  await other.apperate.write({ workspace: "DEMO", id, data: [{ symbol: "IBM", price: 161.5, time: "2024-01-02T15:00:00Z" }], wait: true });
  await page.waitForFunction(() => document.querySelectorAll("#records li").length >= 2, null, { timeout: 20_000 });
  assert.equal(await page.textContent("#records li:nth-child(2)"), "IBM 161.5");
  const sequences = await page.$$eval("#records li", (items) => items.map((i) => Number(i.dataset.sequence)));
  assert.ok(sequences[1] > sequences[0], `sequences ${sequences}`);
  assert.deepEqual(errors, []);
  // The record the page wrote is stored.
  assert.equal((await other.apperate.queryData({ workspace: "DEMO", id, key: "MSFT" }))[0].price, 370.87);
  await page.close();
});
