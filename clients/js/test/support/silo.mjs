// The real service for these tests: silo/bin/<Configuration>/net10.0/Apperate.Actors.Silo.dll (built by tests/run.sh)
// as a child process on free 127.0.0.1 ports with its own data directory, stopped by its process id.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";

const repository = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `condition` every 50 ms until it is true; fails naming `what` after `timeoutMs`. */
export async function eventually(condition, timeoutMs, what) {
  const start = Date.now();
  for (;;) {
    if (await condition()) return;
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export class Silo {
  static async start() {
    const silo = new Silo();
    silo.dataDirectory = mkdtempSync(join(tmpdir(), "apperate-js-"));
    silo.token = `sk_test_${randomUUID().replaceAll("-", "")}`;
    [silo.httpPort, silo.siloPort, silo.gatewayPort] = [await freePort(), await freePort(), await freePort()];
    await silo.#run();
    return silo;
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** The last lines the process printed, for failure messages. */
  tail(lines = 40) {
    return this.output.slice(-lines).join("\n");
  }

  async #run() {
    const configuration = process.env.CONFIGURATION ?? "Release";
    const dll = join(repository, "silo", "bin", configuration, "net10.0", "Apperate.Actors.Silo.dll");
    if (!existsSync(dll)) throw new Error(`${dll} does not exist: build the solution first (dotnet build Apperate.Actors.sln -c ${configuration})`);
    this.output = [];
    this.process = spawn("dotnet", [dll, "--urls", this.baseUrl, `--Apperate:DataDirectory=${this.dataDirectory}`, `--Apperate:BootstrapToken=${this.token}`,
      `--Apperate:SiloPort=${this.siloPort}`, `--Apperate:GatewayPort=${this.gatewayPort}`, "--Logging:LogLevel:Default=Warning"], { stdio: ["ignore", "pipe", "pipe"] });
    for (const stream of [this.process.stdout, this.process.stderr])
      stream.on("data", (chunk) => this.output.push(...chunk.toString().split("\n").filter(Boolean)));
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.exited = exited;
    await eventually(async () => {
      if (this.process.exitCode !== null) throw new Error(`the silo exited with ${this.process.exitCode}:\n${this.tail()}`);
      try {
        return (await fetch(`${this.baseUrl}/readyz`)).status === 200;
      } catch {
        return false;
      }
    }, 60_000, `the silo (pid ${this.process.pid}) at ${this.baseUrl} to be ready`);
  }

  /** Stops the process (SIGTERM, a graceful stop) and starts it again on the same ports and data directory. */
  async restart() {
    await this.stop();
    await this.#run();
  }

  async stop() {
    if (this.process.exitCode !== null) return;
    process.kill(this.process.pid, "SIGTERM");
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the silo (pid ${this.process.pid}) did not stop within 60 s`)), 60_000);
    });
    try {
      await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async dispose() {
    try {
      await this.stop();
    } finally {
      rmSync(this.dataDirectory, { recursive: true, force: true });
    }
  }
}
