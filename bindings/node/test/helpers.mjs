// Shared set-up: a fresh SQLite file per engine and the request parts most tests use.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Engine } from "../index.js";

export async function openEngine(options) {
  const dir = mkdtempSync(join(tmpdir(), "orderly-node-"));
  return Engine.open(`sqlite://${join(dir, "orders.db")}`, options);
}

export const nyAddress = {
  name: "Alice Martin",
  line1: "350 Fifth Avenue",
  line2: "Floor 21",
  city: "New York",
  region: "NY",
  postalCode: "10118",
  country: "US",
};

export const card = { type: "card", token: "tok_visa_4242", brand: "visa", last4: "4242", expMonth: 12, expYear: 2099 };

/** 2 x 19.99 + 1 x 89.00 + 3 x 4.25 = 141.73 USD. */
export function setCoffeeCart(engine, user = "alice") {
  engine.setCart(user, "USD", [
    { productId: "sku-espresso", name: "Espresso beans 1kg", quantity: 2, unitPrice: "19.99" },
    { productId: "sku-grinder", name: "Burr grinder", quantity: 1, unitPrice: "89.00" },
    { productId: "sku-filters", name: "Paper filters", quantity: 3, unitPrice: "4.25" },
  ]);
}

export function place(engine, idempotencyKey, extra = {}) {
  return engine.placeOrder({ userId: "alice", deliveryAddress: nyAddress, paymentMethod: card, idempotencyKey, ...extra });
}

/** Asserts that `promise` rejects with an OrderlyError carrying `code`, and returns the error. */
export async function rejectsWith(assert, promise, code, kind) {
  let caught;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof Error, "rejects with an Error");
  assert.equal(caught.name, "OrderlyError");
  assert.equal(caught.code, code, caught.message);
  if (kind) assert.equal(caught.kind, kind);
  return caught;
}
