// Offline capture and sync against a real orderly-server over HTTP: orders taken with no network
// are kept, pushed exactly once, and the server's later changes come back.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { Engine } from "../index.js";
import { card, nyAddress, place, rejectsWith, setCoffeeCart } from "./helpers.mjs";
import { SyncServer, freePort, serverBinary } from "./sync-server.mjs";

const binary = serverBinary();
const skip = binary ? false : "orderly-server is not built (cargo build -p orderly-server) and ORDERLY_SERVER_BIN is not set";
let server;
before(async () => {
  if (binary) server = await SyncServer.start(binary);
});
after(async () => {
  await server?.stop();
});

function dbUrl(name = "pos.db") {
  return `sqlite://${join(mkdtempSync(join(tmpdir(), "orderly-node-sync-")), name)}`;
}

/**
 * Places two orders for `user` and cancels the second, as a register with no network would.
 * The tests share one server, where idempotency keys are per user: each test has its own user.
 */
async function captureOffline(engine, user) {
  setCoffeeCart(engine, user);
  const kept = (await place(engine, "sale-1", { userId: user })).order.orderId;
  const cancelled = (await place(engine, "sale-2", { userId: user })).order.orderId;
  await engine.cancel(cancelled, { reason: "customer left" });
  return [kept, cancelled];
}

test("a device syncs what it captured offline, exactly once", { skip }, async () => {
  const url = dbUrl();
  const engine = await Engine.open(url, { deviceId: "pos-12" });
  assert.equal(engine.deviceId, "pos-12");
  const [kept, cancelled] = await captureOffline(engine, "alice");
  assert.deepEqual(await engine.syncState(), { pending: 3, lastRecorded: 3 });
  const token = server.token("pos-12", "device");

  // No network: the sync rejects with a code, and nothing is lost.
  await rejectsWith(assert, engine.sync(`http://127.0.0.1:${await freePort()}`, token), "sync_unavailable", "unavailable");
  assert.equal((await engine.syncState()).pending, 3);
  assert.equal((await engine.order(cancelled)).status, "cancelled");

  const report = await engine.sync(server.url, token);
  assert.equal(report.pushed, 3);
  assert.deepEqual(
    report.results.map((r) => [r.seq, r.orderId, r.outcome, r.code]),
    [
      [1, kept, "accepted", undefined],
      [2, cancelled, "accepted", undefined],
      [3, cancelled, "accepted", undefined],
    ],
  );
  assert.equal(report.pending, 0);
  assert.ok((await engine.syncState()).cursor);

  // The server holds what the device captured, as it captured it, without the card token.
  const admin = server.token("ops", "admin");
  const onServer = await (await server.call("GET", `/order/${kept}`, admin)).json();
  assert.equal(onServer.status, "placed");
  assert.equal(onServer.totals.total.amount, (await engine.order(kept)).totals.total);
  assert.equal(onServer.paymentMethod.token, undefined);

  const again = await engine.sync(server.url, token);
  assert.deepEqual(again, { pushed: 0, results: [], changesPulled: 0, ordersUpdated: 0, pending: 0 });

  // Staff move the order on the server; the next sync brings the status and its milestone.
  await server.staffStatus(kept, "processing", "picked at the warehouse");
  const pulled = await engine.sync(server.url, token);
  assert.deepEqual([pulled.pushed, pulled.changesPulled, pulled.ordersUpdated], [0, 1, 1]);
  assert.equal((await engine.order(kept)).status, "processing");
  const history = (await engine.status(kept)).history;
  assert.deepEqual([history.at(-1).status, history.at(-1).note], ["processing", "picked at the warehouse"]);
  assert.equal((await engine.sync(server.url, token)).ordersUpdated, 0);

  await rejectsWith(assert, Engine.open(url, { deviceId: "pos-13" }), "device_mismatch", "open");
  assert.equal((await Engine.open(url, { deviceId: "pos-12" })).deviceId, "pos-12");
});

test("sync refusals carry the sync client's codes", { skip }, async () => {
  const engine = await Engine.open(dbUrl(), { deviceId: "pos-12" });
  await captureOffline(engine, "bob");
  for (const token of [server.token("pos-99", "device"), server.token("alice", "customer")]) {
    await rejectsWith(assert, engine.sync(server.url, token), "sync_unauthorized", "forbidden");
  }
  assert.equal((await engine.syncState()).pending, 3);
  await rejectsWith(assert, Engine.open(dbUrl(), { deviceId: "pos 12" }), "invalid_device_id", "open");
  const plain = await Engine.open(dbUrl());
  assert.equal(plain.deviceId, null);
  await rejectsWith(assert, plain.buildPush(), "not_a_device", "conflict");
});

test("apps can move the bytes themselves", { skip }, async () => {
  const engine = await Engine.open(dbUrl(), { deviceId: "pos-14" });
  const [kept, cancelled] = await captureOffline(engine, "carol");
  const token = server.token("pos-14", "device");

  const first = JSON.parse(await engine.buildPush(2));
  assert.equal(first.deviceId, "pos-14");
  assert.ok(first.deviceTime);
  assert.deepEqual(first.operations.map((op) => [op.seq, op.op]), [[1, "place"], [2, "place"]]);
  assert.equal(first.operations[0].idempotencyKey, "sale-1");
  assert.equal(first.operations[0].order.orderId, kept);
  await rejectsWith(assert, engine.buildPush(1.5), "invalid_field", "invalid");

  const body = await engine.buildPush();
  assert.deepEqual(JSON.parse(body).operations.map((op) => op.seq), [1, 2, 3]);
  const pushed = await server.call("POST", "/sync/push", token, { body });
  assert.equal(pushed.status, 200);
  const answer = await pushed.text();
  assert.equal(JSON.parse(answer).lastSeq, 3);
  assert.equal(await engine.applyPushResponse(answer), 3);
  assert.equal(await engine.applyPushResponse(answer), 0); // applying an answer twice is harmless
  assert.equal((await engine.syncState()).pending, 0);
  assert.deepEqual(JSON.parse(await engine.buildPush()).operations, []);

  await server.staffStatus(kept, "processing", "packed");
  const page = await (await server.call("GET", "/sync/pull?limit=500", token)).text();
  // The feed has each placement and the cancellation as the server recorded them, then the
  // staff's move.
  assert.deepEqual(JSON.parse(page).changes.map((c) => c.status), ["placed", "placed", "cancelled", "processing"]);
  assert.equal(await engine.applyPullPage(page), 2);
  assert.equal((await engine.order(kept)).status, "processing");
  assert.equal((await engine.syncState()).cursor, JSON.parse(page).nextCursor);
  assert.equal(await engine.applyPullPage(page), 0);

  await rejectsWith(assert, engine.applyPushResponse("<html>bad gateway</html>"), "sync_protocol", "upstream_invalid");
  await rejectsWith(assert, engine.applyPullPage('{"changes": 3}'), "sync_protocol", "upstream_invalid");
  assert.equal((await engine.order(cancelled)).status, "cancelled");
});

test("a device engine still places orders as before", async () => {
  const engine = await Engine.open(dbUrl(), { deviceId: "pos-15" });
  setCoffeeCart(engine);
  const { order } = await engine.placeOrder({ userId: "alice", deliveryAddress: nyAddress, paymentMethod: card, idempotencyKey: "k" });
  assert.equal(order.status, "placed");
  assert.deepEqual(await engine.syncState(), { pending: 1, lastRecorded: 1 });
});

test("a sync runs off the event loop", async () => {
  const engine = await Engine.open(dbUrl(), { deviceId: "pos-16" });
  const unreachable = `http://127.0.0.1:${await freePort()}`;
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 10);
  const started = Date.now();
  try {
    await rejectsWith(assert, engine.sync(unreachable, "token"), "sync_unavailable", "unavailable");
  } finally {
    clearInterval(timer);
  }
  const elapsed = Date.now() - started;
  assert.ok(elapsed > 1000, `the sync retried for a while (${elapsed} ms)`);
  assert.ok(ticks > elapsed / 10 / 4, `the event loop kept running (${ticks} ticks in ${elapsed} ms)`);
});
