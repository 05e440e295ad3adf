// The offline sync example, run as it is printed, offline and then against a real orderly-server.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { SyncServer, freePort, serverBinary } from "./sync-server.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const example = join(root, "examples", "offline-sync.mjs");
const binary = serverBinary();
let server;
before(async () => {
  if (binary) server = await SyncServer.start(binary);
});
after(async () => {
  await server?.stop();
});

/** Runs the example (asynchronously: the server is in this process's event loop's hands). */
function runExample(cwd, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [example], { cwd, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

test("the offline sync example keeps orders offline, then syncs them", { skip: binary ? false : "orderly-server is not built" }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), "orderly-offline-sync-"));
  const token = server.token("pos-12", "device");
  const offline = await runExample(cwd, { ORDERLY_SERVER_URL: `http://127.0.0.1:${await freePort()}`, ORDERLY_DEVICE_TOKEN: token });
  assert.equal(offline.status, 0, offline.stderr);
  assert.equal(offline.stdout, "pending 2\nsync_unavailable pending 2\n");
  // The same keys again place nothing new, so the two orders captured offline are pushed.
  const online = await runExample(cwd, { ORDERLY_SERVER_URL: server.url, ORDERLY_DEVICE_TOKEN: token });
  assert.equal(online.status, 0, online.stderr);
  assert.equal(online.stdout, "pending 2\naccepted accepted pending 0\n");
  assert.ok(existsSync(join(cwd, "pos.db")));
});

test("the README shows the offline sync example verbatim", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  assert.ok(readme.includes(readFileSync(example, "utf8").trim()));
});
