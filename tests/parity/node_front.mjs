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

// An order of the base user's to cancel or ship, placed for this case.
async function freshOrder(engine, r, name, processing) {
  const { order } = await engine.placeOrder({
    userId: r.userId,
    deliveryAddress: r.deliveryAddress,
    paymentMethod: r.paymentMethod,
    idempotencyKey: `setup ${name}`,
  });
  if (processing) await engine.updateStatus(order.orderId, "processing");
  return order.orderId;
}

async function call(engine, op, r, args, name) {
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
    case "search_orders":
      return engine.searchOrders(args.filters);
    case "cancel": {
      const orderId = await freshOrder(engine, r, name, false);
      const options = { reason: args.reason, note: args.note };
      if (args.asCustomer) options.userId = r.userId;
      return engine.cancel(orderId, options);
    }
    case "create_shipment": {
      const orderId = await freshOrder(engine, r, name, true);
      const { asCustomer: _, ...shipment } = args;
      return engine.createShipment(orderId, shipment);
    }
    case "create_webhook": {
      const hook = { ...r.webhook, ...args };
      return engine.createWebhook(hook.url, hook.eventTypes, { secret: hook.secret });
    }
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
    await call(engine, c.op, r, c.args, c.name);
    outcome = { name: c.name, code: null };
  } catch (err) {
    outcome = err?.name === "OrderlyError" ? { name: c.name, code: err.code } : { name: c.name, typed: String(err) };
  }
  process.stdout.write(JSON.stringify(outcome) + "\n");
}
