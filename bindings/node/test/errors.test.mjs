// Engine errors reject with an Error whose `code` is the engine's code; wrong argument
// types throw at once.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Engine } from "../index.js";
import { card, nyAddress, openEngine, place, rejectsWith, setCoffeeCart } from "./helpers.mjs";

const UNKNOWN_ORDER = "01890a5d-ac96-774b-bcce-b302099a8057";

test("validation errors carry the engine code", async () => {
  const engine = await openEngine();
  setCoffeeCart(engine);
  const expired = { ...card, expMonth: 1, expYear: 2020 };
  const err = await rejectsWith(
    assert,
    engine.checkout({ userId: "alice", deliveryAddress: nyAddress, paymentMethod: expired }),
    "card_expired",
    "invalid",
  );
  assert.match(err.message, /expired/);
  await rejectsWith(assert, engine.cart("not a user id"), "invalid_user_id", "invalid");
  await rejectsWith(
    assert,
    engine.placeOrder({ userId: "nobody", deliveryAddress: nyAddress, paymentMethod: card, idempotencyKey: "k" }),
    "cart_empty",
  );
  await rejectsWith(assert, place(engine, "k2", { deliveryAddress: { ...nyAddress, country: "XX" } }), "invalid_country");
  await rejectsWith(assert, engine.ordersForUser("alice", { limit: 0 }), "limit_out_of_range");
  await rejectsWith(assert, engine.updateStatus(UNKNOWN_ORDER, "teleported"), "invalid_status");
  await rejectsWith(assert, place(engine, "k3", { shippingMethod: "teleport" }), "invalid_shipping_method");
  await rejectsWith(assert, place(engine, ""), "invalid_idempotency_key");
  await rejectsWith(assert, place(engine, "k4", { checkoutId: "not-a-checkout" }), "not_found", "not_found");
  await rejectsWith(assert, engine.topProducts({ by: "colour" }), "invalid_field");
  // The payment object is read whole: an unknown type or a card number under any field name
  // gets the engine's code, as over HTTP, instead of being dropped on the way in.
  await rejectsWith(assert, place(engine, "k6", { paymentMethod: { type: "bitcoin", token: "t" } }), "unsupported_payment_method");
  await rejectsWith(assert, place(engine, "k7", { paymentMethod: { ...card, number: "4242424242424242" } }), "card_number_refused");
  // JavaScript numbers that are not whole numbers are refused, never truncated.
  await rejectsWith(assert, place(engine, "k5", { paymentMethod: { ...card, expMonth: 12.5 } }), "invalid_card_expiry");
  await rejectsWith(assert, engine.ordersForUser("alice", { limit: 2.5 }), "invalid_field");
  await rejectsWith(assert, engine.updateStatus(UNKNOWN_ORDER, "processing", { expectedVersion: -1 }), "invalid_field");
  await rejectsWith(assert, engine.topProducts({ limit: -1 }), "limit_out_of_range");
});

test("cart rules apply when the engine reads the cart", async () => {
  const engine = await openEngine();
  engine.setCart("alice", "USD", [{ productId: "sku-1", name: "Beans", quantity: 2, unitPrice: "19.999" }]);
  await rejectsWith(assert, engine.cart("alice"), "invalid_price");
  engine.setCart("alice", "USD", [{ productId: "sku-1", name: "Beans", quantity: 0, unitPrice: "1.00" }]);
  await rejectsWith(assert, engine.cart("alice"), "invalid_quantity");
  engine.removeCart("alice");
  assert.deepEqual((await engine.cart("alice")).items, []);
});

test("not found", async () => {
  const engine = await openEngine();
  await rejectsWith(assert, engine.order(UNKNOWN_ORDER), "not_found", "not_found");
  await rejectsWith(assert, engine.status("not-an-order-id"), "not_found");
  setCoffeeCart(engine);
  const { order } = await place(engine, "k");
  await rejectsWith(assert, engine.order(order.orderId, { userId: "mallory" }), "not_found");
  await rejectsWith(assert, engine.cancel(order.orderId, { userId: "mallory" }), "not_found");
});

test("invalid transition", async () => {
  const engine = await openEngine();
  setCoffeeCart(engine);
  const { order } = await place(engine, "k");
  await engine.updateStatus(order.orderId, "processing");
  await engine.updateStatus(order.orderId, "shipped");
  await rejectsWith(assert, engine.cancel(order.orderId, { userId: "alice" }), "invalid_transition", "conflict");
  await rejectsWith(assert, engine.updateStatus(order.orderId, "placed"), "invalid_transition");
});

test("idempotency conflict, scoped to the user", async () => {
  const engine = await openEngine();
  setCoffeeCart(engine);
  await place(engine, "same-key");
  await rejectsWith(assert, place(engine, "same-key", { shippingMethod: "express" }), "idempotency_conflict", "conflict");
  setCoffeeCart(engine, "bob");
  const bob = await engine.placeOrder({ userId: "bob", deliveryAddress: nyAddress, paymentMethod: card, idempotencyKey: "same-key" });
  assert.equal(bob.created, true);
});

test("version conflict", async () => {
  const engine = await openEngine();
  setCoffeeCart(engine);
  const { order } = await place(engine, "k");
  await engine.updateStatus(order.orderId, "processing", { expectedVersion: 1 });
  await rejectsWith(
    assert,
    engine.updateStatus(order.orderId, "shipped", { expectedVersion: 1 }),
    "version_conflict",
    "stale_version",
  );
  assert.equal((await engine.order(order.orderId)).status, "processing");
});

test("cart changed since checkout", async () => {
  const engine = await openEngine();
  setCoffeeCart(engine);
  const quote = await engine.checkout({ userId: "alice", deliveryAddress: nyAddress, paymentMethod: card });
  engine.setCart("alice", "USD", [{ productId: "sku-grinder", name: "Burr grinder", quantity: 2, unitPrice: "89.00" }]);
  await rejectsWith(assert, place(engine, "k", { checkoutId: quote.checkoutId }), "cart_changed", "conflict");
});

test("opening an unsupported URL rejects with the facade's code", async () => {
  await rejectsWith(assert, Engine.open("postgres://localhost/orders"), "unsupported_database", "open");
  await rejectsWith(assert, Engine.open("sqlite::memory:", { policy: { rounding: "sideways" } }), "invalid_field");
});

test("wrong argument types throw a TypeError-like error at once", async () => {
  const engine = await openEngine();
  // Money is never a number: the conversion names the field.
  assert.throws(() => engine.setCart("alice", "USD", [{ productId: "a", name: "A", quantity: 1, unitPrice: 19.99 }]), {
    code: "StringExpected",
    message: /CartItem\.unitPrice/,
  });
  assert.throws(() => engine.setCart("alice", "USD", [{ productId: "a", name: "A", quantity: 1.5, unitPrice: "1.00" }]), {
    code: "InvalidArg",
    message: /quantity must be a whole number/,
  });
  assert.throws(() => engine.placeOrder({ userId: "alice", idempotencyKey: "k" }));
});
