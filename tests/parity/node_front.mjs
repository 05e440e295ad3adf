// The Node binding's front end: each case as a call on the addon's `Engine`.
// Run with `node node_front.mjs <bindings/node>`; prints one outcome per line.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const addonDir = resolve(process.argv[2] ?? join(here, "../../bindings/node"));
const { Engine } = createRequire(import.meta.url)(addonDir);
const table = JSON.parse(readFileSync(join(here, "cases.json"), "utf8"));
const carts = JSON.parse(readFileSync(join(here, "carts.json"), "utf8"));

function call(engine, op, r, args) {
  const order = { userId: r.userId, deliveryAddress: r.deliveryAddress, paymentMethod: r.paymentMethod };
  if (r.shippingMethod !== undefined) order.shippingMethod = r.shippingMethod;
  switch (op) {
    case "checkout":
      return engine.checkout(order);
    case "place_order":
      return engine.placeOrder({ ...order, idempotencyKey: r.idempotencyKey, checkoutId: r.checkoutId });
    case "order":
      return engine.order(r.orderId);
    case "update_status":
      return engine.updateStatus(r.orderId, r.status);
    case "open_device":
      return Engine.open("sqlite::memory:", { deviceId: r.deviceId });
    case "orders_for_user":
      return engine.ordersForUser(r.userId, { status: args.status, limit: args.limit });
    default:
      throw new Error(`unknown op ${op}`);
  }
}

const engine = await Engine.open("sqlite::memory:");
for (const cart of carts) engine.setCart(cart.userId, cart.currency, cart.items);
for (const c of table.cases) {
  const r = { ...table.base, ...c.args };
  let outcome;
  try {
    await call(engine, c.op, r, c.args);
    outcome = { name: c.name, code: null };
  } catch (err) {
    outcome = err?.name === "OrderlyError" ? { name: c.name, code: err.code } : { name: c.name, typed: String(err) };
  }
  process.stdout.write(JSON.stringify(outcome) + "\n");
}
