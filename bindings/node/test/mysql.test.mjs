// The same API on MySQL/MariaDB. Runs when ORDERLY_TEST_MYSQL_URL names a server and the addon
// was built with the `mysql` feature (`scripts/test-bindings.sh --mysql`).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { Engine } from "../index.js";
import { card, nyAddress, rejectsWith, setCoffeeCart } from "./helpers.mjs";

const url = process.env.ORDERLY_TEST_MYSQL_URL;

test("place, track and page on MySQL", { skip: !url && "ORDERLY_TEST_MYSQL_URL is not set" }, async (t) => {
  let engine;
  try {
    engine = await Engine.open(url);
  } catch (err) {
    if (err.code === "backend_not_built") return t.skip("this build leaves MySQL out (build with --features mysql)");
    throw err;
  }
  const userId = `js-${randomUUID().slice(0, 16)}`; // the database outlives the test
  setCoffeeCart(engine, userId);
  const input = (idempotencyKey) => ({ userId, deliveryAddress: nyAddress, paymentMethod: card, idempotencyKey });
  const [first, again] = await Promise.all([engine.placeOrder(input("k1")), engine.placeOrder(input("k1"))]);
  assert.equal(first.order.orderId, again.order.orderId);
  assert.equal([first, again].filter((p) => p.created).length, 1);
  assert.equal(first.order.totals.total, "147.40");
  const moved = await engine.updateStatus(first.order.orderId, "processing", { expectedVersion: 1 });
  assert.equal(moved.version, 2);
  await rejectsWith(assert, engine.updateStatus(first.order.orderId, "shipped", { expectedVersion: 1 }), "version_conflict");
  const second = await engine.placeOrder(input("k2"));
  const page = await engine.ordersForUser(userId, { limit: 1 });
  assert.deepEqual(page.orders.map((o) => o.orderId), [second.order.orderId]);
  assert.equal(typeof page.nextCursor, "string");
});
