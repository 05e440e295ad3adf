// A real orderly-server for the sync tests: started on a free loopback port over a fresh SQLite
// file with a random JWT secret, tokens minted by its `token` subcommand, and the staff calls a
// test needs made over HTTP. The binary is $ORDERLY_SERVER_BIN (scripts/test-bindings.sh builds
// it and sets it), or else orderly-server in $CARGO_TARGET_DIR/debug or the workspace's
// target/debug.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));

/** The server binary, or null when it is not built and no variable names it. */
export function serverBinary() {
  if (process.env.ORDERLY_SERVER_BIN) return process.env.ORDERLY_SERVER_BIN; // named: missing must fail
  const built = join(process.env.CARGO_TARGET_DIR || join(root, "target"), "debug", "orderly-server");
  return existsSync(built) ? built : null;
}

/** A loopback port nothing listens on (at the moment it is returned). */
export async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export class SyncServer {
  static async start(binary) {
    const server = new SyncServer(binary, await freePort());
    await server.#waitHealthy();
    return server;
  }

  constructor(binary, port) {
    this.binary = binary;
    this.secret = randomBytes(32).toString("hex");
    this.url = `http://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), "orderly-sync-server-"));
    this.log = join(dir, "server.log");
    const out = openSync(this.log, "w");
    this.process = spawn(binary, ["--listen", `127.0.0.1:${port}`, "--database", `sqlite://${join(dir, "server.db")}`], {
      env: { ...process.env, ORDERLY_JWT_SECRET: this.secret },
      stdio: ["ignore", out, out],
    });
    this.exited = new Promise((resolve) => this.process.once("exit", resolve));
  }

  async #waitHealthy() {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`orderly-server exited: ${readFileSync(this.log, "utf8")}`);
      try {
        if ((await fetch(`${this.url}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`orderly-server did not become healthy: ${readFileSync(this.log, "utf8")}`);
  }

  /** A token minted by `orderly-server token`, as an operator would. */
  token(sub, role) {
    const run = spawnSync(this.binary, ["token", "--sub", sub, "--role", role, "--ttl", "1h"], {
      env: { ...process.env, ORDERLY_JWT_SECRET: this.secret },
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`orderly-server token: ${run.stderr}`);
    return run.stdout.trim();
  }

  /** One HTTP call with a bearer token; resolves with the fetch Response. */
  call(method, path, token, { body, headers = {} } = {}) {
    return fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
      body,
    });
  }

  /** Moves an order as staff: reads its ETag, then `PUT /order/{id}/status` with `If-Match`. */
  async staffStatus(orderId, status, note) {
    const admin = this.token("ops", "admin");
    const current = await this.call("GET", `/order/${orderId}`, admin);
    if (current.status !== 200) throw new Error(`GET /order/${orderId}: ${current.status}`);
    const moved = await this.call("PUT", `/order/${orderId}/status`, admin, {
      body: JSON.stringify({ status, note }),
      headers: { "if-match": current.headers.get("etag") },
    });
    if (moved.status !== 200) throw new Error(`PUT /order/${orderId}/status: ${moved.status} ${await moved.text()}`);
    return moved.json();
  }

  async stop() {
    if (this.process.exitCode === null) this.process.kill("SIGTERM");
    await this.exited;
  }
}
