// Engine work runs off the event loop, and idempotency keys hold when many placements race.
import assert from "node:assert/strict";
import { test } from "node:test";

import { openEngine, place, setCoffeeCart } from "./helpers.mjs";

test("Promise.all of 50 placements with overlapping keys places one order per key", async () => {
  const engine = await openEngine();
  setCoffeeCart(engine);
  const keys = Array.from({ length: 50 }, (_, n) => `order-${n % 10}`); // 10 keys, 5 calls each
  const placements = await Promise.all(keys.map((key) => place(engine, key)));

  const idsByKey = new Map();
  keys.forEach((key, n) => {
    if (!idsByKey.has(key)) idsByKey.set(key, new Set());
    idsByKey.get(key).add(placements[n].order.orderId);
  });
  assert.equal(idsByKey.size, 10);
  for (const [key, ids] of idsByKey) assert.equal(ids.size, 1, `${key} placed ${ids.size} orders`);
  assert.equal(placements.filter((p) => p.created).length, 10);

  const page = await engine.ordersForUser("alice", { limit: 100 });
  assert.equal(page.orders.length, 10);
  const placedEvents = (await engine.pendingEvents(1000)).filter((e) => e.type === "order.placed");
  assert.equal(placedEvents.length, 10);
});

test("calls return Promises at once and settle after the event loop has moved on", async () => {
  const engine = await openEngine();
  setCoffeeCart(engine);
  let settled = 0;
  const pending = Array.from({ length: 20 }, (_, n) => {
    const promise = place(engine, `async-${n}`);
    assert.ok(promise instanceof Promise);
    return promise.then(() => settled++);
  });
  // Work done on the calling thread would have settled every Promise before this turn ends.
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(settled < pending.length, `${settled} of ${pending.length} settled within one turn`);
  await Promise.all(pending);
  assert.equal(settled, pending.length);
});
