// Shipments, structured cancellation, staff search, export, notes and the timeline.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { openEngine, place, rejectsWith, setCoffeeCart } from "./helpers.mjs";

async function placeFor(engine, key, user = "alice") {
  setCoffeeCart(engine, user);
  return (await place(engine, key, { userId: user })).order;
}

async function processing(engine, key = "k-ship") {
  const order = await placeFor(engine, key);
  await engine.updateStatus(order.orderId, "processing", { actor: "warehouse" });
  return order.orderId;
}

/** RFC 4180 rows (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field), rows.push(row), (row = []), (field = ""), i++;
    } else field += c;
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i]])));
}

test("the order status follows its shipments", async () => {
  const engine = await openEngine();
  const orderId = await processing(engine);

  let order = await engine.createShipment(orderId, {
    lines: [{ productId: "sku-espresso", quantity: 2 }],
    carrier: "UPS",
    trackingNumber: "1z999aa10123456784",
    idempotencyKey: "box-1",
    actor: "warehouse",
  });
  assert.equal(order.status, "partially_shipped");
  const [first] = order.shipments;
  assert.equal(first.status, "shipped");
  assert.equal(first.carrier, "ups");
  assert.equal(first.trackingUrl, "https://www.ups.com/track?tracknum=1Z999AA10123456784");
  assert.deepEqual(first.lines, [{ productId: "sku-espresso", quantity: 2 }]);
  assert.ok(first.createdAt instanceof Date);
  assert.deepEqual(first.history.map((m) => [m.status, m.actor]), [["shipped", "service:warehouse"]]);
  const again = await engine.createShipment(orderId, {
    lines: [{ productId: "sku-espresso", quantity: 2 }],
    carrier: "UPS",
    trackingNumber: "1z999aa10123456784",
    idempotencyKey: "box-1",
  });
  assert.deepEqual(again.shipments.map((s) => s.shipmentId), [first.shipmentId]);

  await rejectsWith(assert, engine.createShipment(orderId, { lines: [{ productId: "sku-grinder", quantity: 2 }] }), "shipment_exceeds_order", "conflict");
  await rejectsWith(assert, engine.createShipment(orderId, { lines: [{ productId: "sku-grinder", quantity: 0.5 }] }), "invalid_field");
  await rejectsWith(assert, engine.createShipment(orderId, { trackingUrl: "http://example.com/track" }), "invalid_field");
  await rejectsWith(assert, engine.createShipment(orderId, { status: "lost" }), "invalid_field");

  order = await engine.createShipment(orderId, { status: "pending", note: "packed" });
  assert.equal(order.status, "partially_shipped");
  const second = order.shipments[1];
  assert.deepEqual(second.lines, [{ productId: "sku-grinder", quantity: 1 }, { productId: "sku-filters", quantity: 3 }]);
  assert.equal((await engine.updateShipment(orderId, second.shipmentId, "shipped")).status, "shipped");
  assert.equal((await engine.updateShipment(orderId, first.shipmentId, "delivered")).status, "shipped");
  order = await engine.updateShipment(orderId, second.shipmentId, "delivered", { note: "left with the porter" });
  assert.equal(order.status, "delivered");
  assert.deepEqual(order.history.map((m) => m.status), ["placed", "processing", "partially_shipped", "shipped", "delivered"]);
  assert.deepEqual((await engine.status(orderId, { userId: "alice" })).shipments, order.shipments);
  await rejectsWith(assert, engine.updateShipment(orderId, "not-a-shipment", "delivered"), "not_found");
  await rejectsWith(assert, engine.cancel(orderId), "invalid_transition");
});

test("cancellation reasons are kept and counted", async () => {
  const engine = await openEngine();
  const [first, second, third] = [await placeFor(engine, "k-1"), await placeFor(engine, "k-2"), await placeFor(engine, "k-3")];

  const cancelled = await engine.cancel(first.orderId, { reason: "inventory", note: "out of beans", actor: "warehouse" });
  const last = cancelled.history.at(-1);
  assert.deepEqual([last.status, last.reason, last.note, last.actor], ["cancelled", "inventory", "out of beans", "service:warehouse"]);
  const byAlice = await engine.cancel(second.orderId, { reason: "changed my mind", userId: "alice" });
  assert.deepEqual([byAlice.history.at(-1).reason, byAlice.history.at(-1).note], ["customer", "changed my mind"]);

  await rejectsWith(assert, engine.cancel(third.orderId, { reason: "bored", note: "no reason from the list" }), "invalid_field");
  await rejectsWith(assert, engine.cancel(third.orderId, { reason: "fraud", userId: "alice" }), "forbidden", "forbidden");

  const counts = Object.fromEntries((await engine.cancellationsByReason()).map((c) => [c.reason, c.orders]));
  assert.deepEqual(counts, { customer: 1, inventory: 1, fraud: 0, payment_declined: 0, staff: 0, other: 0 });
});

test("staff search filters and pages", async () => {
  const engine = await openEngine();
  const alice = [];
  for (let i = 0; i < 3; i++) alice.push(await placeFor(engine, `a-${i}`));
  const bob = await placeFor(engine, "b-1", "bob");
  await engine.cancel(alice[0].orderId, { reason: "fraud" });

  const everyone = await engine.searchOrders();
  assert.deepEqual(new Set(everyone.orders.map((o) => o.orderId)), new Set([bob, ...alice].map((o) => o.orderId)));
  assert.equal(everyone.nextCursor, null);

  let page = await engine.searchOrders({ userId: "alice", limit: 2 });
  assert.equal(page.orders.length, 2);
  const seen = page.orders.map((o) => o.orderId);
  page = await engine.searchOrders({ userId: "alice", limit: 2, cursor: page.nextCursor });
  assert.equal(page.orders.length, 1);
  assert.equal(page.nextCursor, null);
  seen.push(...page.orders.map((o) => o.orderId));
  assert.deepEqual(seen.sort(), alice.map((o) => o.orderId).sort());

  assert.deepEqual((await engine.searchOrders({ status: "cancelled" })).orders.map((o) => o.orderId), [alice[0].orderId]);
  assert.equal((await engine.searchOrders({ status: ["placed", "cancelled"] })).orders.length, 4);
  assert.equal((await engine.searchOrders({ productId: "sku-grinder", userId: "bob" })).orders.length, 1);
  assert.equal((await engine.searchOrders({ q: "martin" })).orders.length, 4);
  assert.equal((await engine.searchOrders({ currency: "USD", totalMin: "100.00", totalMax: bob.totals.total })).orders.length, 4);
  const now = Date.now();
  assert.equal((await engine.searchOrders({ createdFrom: new Date(now - 3_600_000), createdTo: new Date(now + 3_600_000) })).orders.length, 4);
  assert.equal((await engine.searchOrders({ createdFrom: new Date(now + 3_600_000).toISOString() })).orders.length, 0);
  assert.equal((await engine.searchOrders({ status: undefined, q: null })).orders.length, 4);
  const ascending = (await engine.searchOrders({ sort: "createdAt", direction: "asc" })).orders.map((o) => o.createdAt.getTime());
  assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b));

  for (const [filters, code] of [
    [{ status: "lost" }, "invalid_status"],
    [{ limit: 0 }, "limit_out_of_range"],
    [{ limit: 201 }, "limit_out_of_range"],
    [{ totalMin: "10" }, "invalid_field"],
    [{ sort: "colour" }, "invalid_field"],
    [{ cursor: "not-a-cursor" }, "invalid_cursor"],
    [{ metadataKey: "channel" }, "invalid_field"],
    [{ createdFrom: new Date(Number.NaN) }, "invalid_field"],
    [{ colour: "red" }, "invalid_field"], // a misspelt filter is refused, never ignored
  ]) {
    await rejectsWith(assert, engine.searchOrders(filters), code);
  }
});

test("export writes one row per order line", async () => {
  const engine = await openEngine();
  const orders = [];
  for (let i = 0; i < 3; i++) orders.push(await placeFor(engine, `e-${i}`));
  await placeFor(engine, "e-bob", "bob");
  const dir = mkdtempSync(join(tmpdir(), "orderly-export-"));

  const path = join(dir, "orders.csv");
  assert.equal(await engine.exportOrdersCsv(path), 4);
  const rows = parseCsv(readFileSync(path, "utf8"));
  assert.equal(rows.length, 4 * 3);
  const espresso = rows.find((r) => r.orderId === orders[0].orderId && r.productId === "sku-espresso");
  assert.deepEqual([espresso.quantity, espresso.unitPrice, espresso.currency], ["2", "19.99", "USD"]);

  const onlyBob = join(dir, "bob.csv");
  assert.equal(await engine.exportOrdersCsv(onlyBob, { userId: "bob" }), 1);
  assert.deepEqual(new Set(parseCsv(readFileSync(onlyBob, "utf8")).map((r) => r.userId)), new Set(["bob"]));

  await rejectsWith(assert, engine.exportOrdersCsv(join(dir, "bad.csv"), { status: "lost" }), "invalid_status");
  assert.equal(existsSync(join(dir, "bad.csv")), false);
});

test("staff notes join the timeline, and customers may not act as staff", async () => {
  const engine = await openEngine();
  const orderId = await processing(engine);
  const note = await engine.addStaffNote(orderId, "Customer called about the grinder", { idempotencyKey: "call-1", actor: "bob" });
  assert.deepEqual([note.orderId, note.actor, note.text], [orderId, "service:bob", "Customer called about the grinder"]);
  assert.equal((await engine.addStaffNote(orderId, "Customer called about the grinder", { idempotencyKey: "call-1" })).noteId, note.noteId);
  await engine.createShipment(orderId, { carrier: "dhl", trackingNumber: "JD0123" });

  const timeline = await engine.timeline(orderId);
  assert.deepEqual(timeline.map((e) => `${e.kind}:${e.status ?? ""}`).sort(), [
    "note:",
    "shipment:shipped",
    "status:placed",
    "status:processing",
    "status:shipped",
  ]);
  const internal = timeline.filter((e) => e.internal);
  assert.equal(internal.length, 1);
  assert.deepEqual([internal[0].note, internal[0].actorKind, internal[0].actorId], ["Customer called about the grinder", "service", "bob"]);
  assert.deepEqual([timeline[0].actorKind, timeline[0].actorId], ["customer", "alice"]);
  await rejectsWith(assert, engine.addStaffNote(orderId, "   "), "invalid_field");

  const [shipment] = (await engine.order(orderId)).shipments;
  for (const refused of [
    () => engine.addStaffNote(orderId, "hello", { userId: "alice" }),
    () => engine.timeline(orderId, { userId: "alice" }),
    () => engine.createShipment(orderId, { userId: "alice" }),
    () => engine.updateShipment(orderId, shipment.shipmentId, "delivered", { userId: "alice" }),
  ]) {
    await rejectsWith(assert, refused(), "forbidden", "forbidden");
  }
});
