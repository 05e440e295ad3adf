// The whole order flow through the Node API, on a real SQLite file.
import assert from "node:assert/strict";
import { test } from "node:test";

import { defaultPolicy } from "../index.js";
import { card, nyAddress, openEngine, place, setCoffeeCart } from "./helpers.mjs";

test("the cart is validated and totalled as decimal strings", async () => {
  const engine = await openEngine();
  setCoffeeCart(engine);
  const cart = await engine.cart("alice");
  assert.equal(cart.userId, "alice");
  assert.equal(cart.currency, "USD");
  assert.deepEqual(cart.items.map((l) => l.productId), ["sku-espresso", "sku-grinder", "sku-filters"]);
  assert.equal(cart.items[0].lineTotal, "39.98");
  assert.equal(cart.subtotal, "141.73");
  assert.deepEqual((await engine.cart("nobody")).items, []);
});

test("full flow: checkout, place, replay, track, history, cancel, events, analytics", async () => {
  const engine = await openEngine();
  setCoffeeCart(engine);

  const quote = await engine.checkout({ userId: "alice", deliveryAddress: nyAddress, paymentMethod: card });
  assert.deepEqual(quote.totals, { subtotal: "141.73", shipping: "0.00", tax: "5.67", discount: "0.00", total: "147.40" });
  assert.ok(quote.expiresAt instanceof Date);
  assert.equal(quote.expiresAt.getTime() - quote.createdAt.getTime(), 15 * 60 * 1000);

  const metadata = { channel: "app", tags: ["gift"], priority: 2 };
  const placed = await place(engine, "alice-001", { checkoutId: quote.checkoutId, metadata });
  const order = placed.order;
  assert.equal(placed.created, true);
  assert.equal(order.status, "placed");
  assert.equal(order.version, 1);
  assert.equal(order.checkoutId, quote.checkoutId);
  assert.deepEqual(order.totals, quote.totals);
  assert.deepEqual(order.deliveryAddress, nyAddress);
  // The token stays in the store: the order shows the rest.
  const { token: _token, ...shown } = card;
  assert.deepEqual(order.paymentMethod, shown);
  assert.deepEqual(order.metadata, metadata);
  assert.ok(order.createdAt instanceof Date);
  assert.ok(Math.abs(Date.now() - order.createdAt.getTime()) < 60_000);

  const again = await place(engine, "alice-001", { checkoutId: quote.checkoutId, metadata });
  assert.equal(again.created, false);
  assert.equal(again.order.orderId, order.orderId);

  const moved = await engine.updateStatus(order.orderId, "processing", { note: "picked", expectedVersion: 1, actor: "warehouse" });
  assert.equal(moved.status, "processing");
  assert.equal(moved.version, 2);
  await engine.updateStatus(order.orderId, "shipped", { note: "UPS 1Z999", actor: "warehouse" });
  const view = await engine.status(order.orderId, { userId: "alice" });
  assert.equal(view.status, "shipped");
  assert.equal(view.version, 3);
  assert.deepEqual(
    view.history.map((m) => [m.status, m.actor, m.note]),
    [
      ["placed", "customer:alice", undefined],
      ["processing", "service:warehouse", "picked"],
      ["shipped", "service:warehouse", "UPS 1Z999"],
    ],
  );
  assert.ok(view.history.every((m) => m.at instanceof Date));
  assert.equal((await engine.order(order.orderId)).status, "shipped");

  const second = (await place(engine, "alice-002", { shippingMethod: "express" })).order;
  assert.equal(second.shippingMethod, "express");
  assert.equal(second.totals.shipping, "14.99");
  assert.equal(second.totals.total, "162.39");
  const cancelled = await engine.cancel(second.orderId, { reason: "changed my mind", userId: "alice" });
  assert.equal(cancelled.status, "cancelled");
  assert.equal(cancelled.history.at(-1).note, "changed my mind");
  assert.equal((await engine.cancel(second.orderId, { userId: "alice" })).version, cancelled.version);

  const firstPage = await engine.ordersForUser("alice", { limit: 1 });
  assert.deepEqual(firstPage.orders.map((o) => o.orderId), [second.orderId]);
  assert.equal(typeof firstPage.nextCursor, "string");
  const lastPage = await engine.ordersForUser("alice", { limit: 1, cursor: firstPage.nextCursor });
  assert.deepEqual(lastPage.orders.map((o) => o.orderId), [order.orderId]);
  assert.equal(lastPage.nextCursor, null);
  assert.equal((await engine.ordersForUser("alice", { status: "cancelled" })).orders.length, 1);

  const events = await engine.pendingEvents();
  const byOrder = (id) => events.filter((e) => e.orderId === id).map((e) => [e.sequence, e.type]);
  assert.deepEqual(byOrder(order.orderId), [
    [1, "order.placed"],
    [2, "order.status_changed"],
    [3, "order.status_changed"],
  ]);
  assert.deepEqual(byOrder(second.orderId), [
    [1, "order.placed"],
    [2, "order.cancelled"],
  ]);
  const placedEvent = events.find((e) => e.type === "order.placed" && e.orderId === order.orderId);
  assert.deepEqual(placedEvent.payload.order.totals.total, { amount: "147.40", currency: "USD" });
  assert.equal(await engine.markEventsDelivered(events.map((e) => e.eventId)), events.length);
  assert.deepEqual(await engine.pendingEvents(), []);

  const now = Date.now();
  const sales = await engine.sales(new Date(now - 3_600_000), new Date(now + 3_600_000));
  assert.deepEqual(sales, [{ currency: "USD", total: "147.40", orders: 1, averageOrderValue: "147.40" }]);
  const top = await engine.topProducts({ by: "quantity", limit: 2 });
  assert.deepEqual(top.map((p) => [p.productId, p.quantity, p.currency]), [
    ["sku-filters", 3, "USD"],
    ["sku-espresso", 2, "USD"],
  ]);
  const counts = Object.fromEntries((await engine.ordersByStatus()).map((c) => [c.status, c.orders]));
  assert.equal(counts.shipped, 1);
  assert.equal(counts.cancelled, 1);
  assert.equal(counts.placed ?? 0, 0);
  await engine.ready();
});

test("discount codes come from the pricing policy", async () => {
  const policy = defaultPolicy();
  policy.discounts.WELCOME10 = { kind: "percent", rate: 100_000 }; // 10 % in parts per million
  const engine = await openEngine({ policy });
  setCoffeeCart(engine);
  const quote = await engine.checkout({ userId: "alice", deliveryAddress: nyAddress, paymentMethod: card, discountCode: "welcome10" });
  assert.equal(quote.discountCode, "WELCOME10");
  assert.equal(quote.totals.discount, "14.17"); // 10 % of 141.73 = 14.173, half-even
});

test("PayPal in yen", async () => {
  const engine = await openEngine();
  engine.setCart("kenji", "JPY", [{ productId: "sku-tea", name: "Sencha", quantity: 3, unitPrice: "1200" }]);
  const tokyo = { name: "Kenji", line1: "1-1 Chiyoda", city: "Tokyo", postalCode: "100-0001", country: "JP" };
  const { order } = await engine.placeOrder({
    userId: "kenji",
    deliveryAddress: tokyo,
    paymentMethod: { type: "paypal", token: "BA-123" },
    idempotencyKey: "k1",
  });
  assert.equal(order.currency, "JPY");
  assert.equal(order.totals.subtotal, "3600");
  assert.equal(order.totals.tax, "360");
  assert.deepEqual(order.paymentMethod, { type: "paypal" });
});
