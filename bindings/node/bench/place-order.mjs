// placeOrder throughput from Node, with exactly the data and store settings of the native
// baseline (bench/native.rs) and the Python benchmark. Calls are awaited one at a time, like
// the baseline's loop.
//
// Run: node bench/place-order.mjs [orders] [warmup] [file|memory]
// Prints one JSON line: {"lang":"node","orders":N,"seconds":S,"perSecond":R}.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Engine } from "../index.js";

const orders = Number(process.argv[2] ?? 2000);
const warmup = Number(process.argv[3] ?? 200);
const store = process.argv[4] ?? "file";
const dir = mkdtempSync(join(tmpdir(), "orderly-bench-"));
try {
  const engine = await Engine.open(store === "memory" ? "sqlite::memory:" : `sqlite://${join(dir, "bench.db")}`);
  engine.setCart("bench", "USD", [
    { productId: "sku-espresso", name: "Espresso beans 1kg", quantity: 2, unitPrice: "19.99" },
    { productId: "sku-grinder", name: "Burr grinder", quantity: 1, unitPrice: "89.00" },
    { productId: "sku-filters", name: "Paper filters", quantity: 3, unitPrice: "4.25" },
  ]);
  const deliveryAddress = { name: "Alice Martin", line1: "350 Fifth Avenue", city: "New York", region: "NY", postalCode: "10118", country: "US" };
  const paymentMethod = { type: "card", token: "tok_visa_4242", brand: "visa", last4: "4242", expMonth: 12, expYear: 2099 };

  const place = async (n) => {
    const placed = await engine.placeOrder({ userId: "bench", deliveryAddress, paymentMethod, idempotencyKey: `bench-${n}` });
    if (!placed.created || placed.order.totals.total !== "147.40") throw new Error(`unexpected placement ${JSON.stringify(placed)}`);
  };
  for (let n = 0; n < warmup; n++) await place(n);
  const start = process.hrtime.bigint();
  for (let n = warmup; n < warmup + orders; n++) await place(n);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ lang: "node", store, orders, seconds: Number(seconds.toFixed(4)), perSecond: Number((orders / seconds).toFixed(1)) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
