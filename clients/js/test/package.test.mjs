// The package as npm would publish it: ESM and CommonJS with the same exports, the declarations, no runtime dependencies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

test("the packed tarball installs into a project, which can require and import it", () => {
  const work = mkdtempSync(join(tmpdir(), "apperate-js-pack-"));
  try {
    const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: root, encoding: "utf8" }));
    const project = join(work, "project");
    execFileSync("mkdir", [project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", version: "1.0.0", private: true }));
    execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", join(work, packed.filename)], { cwd: project, encoding: "utf8" });
    const probe = 'const c = new Client({ api_token: "sk_x", baseUrl: "http://127.0.0.1:9" }); console.log(typeof c.apperate.write, typeof c.subscribe, c.baseUrl);';
    const cjs = execFileSync("node", ["-e", `const { Client } = require("@apperate-actors/client"); ${probe}`], { cwd: project, encoding: "utf8" });
    const esm = execFileSync("node", ["--input-type=module", "-e", `import { Client } from "@apperate-actors/client"; ${probe}`], { cwd: project, encoding: "utf8" });
    assert.equal(cjs.trim(), "function function http://127.0.0.1:9");
    assert.equal(esm.trim(), cjs.trim());
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
