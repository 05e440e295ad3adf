import { Engine } from "orderly";

const { ORDERLY_SERVER_URL: server, ORDERLY_DEVICE_TOKEN: token } = process.env; // token: orderly-server token --sub pos-12 --role device
const engine = await Engine.open("sqlite://pos.db", { deviceId: "pos-12" }); // the register's own database
engine.setCart("walk-in", "USD", [{ productId: "sku-1", name: "Espresso beans", quantity: 2, unitPrice: "19.99" }]);
const shop = { name: "Corner Shop", line1: "350 Fifth Ave", city: "New York", region: "NY", postalCode: "10118", country: "US" };
for (const idempotencyKey of ["sale-1", "sale-2"]) { // taken with no network: kept on the device, queued for the server
  await engine.placeOrder({ userId: "walk-in", deliveryAddress: shop, paymentMethod: { type: "cash_on_delivery" }, idempotencyKey });
}
console.log("pending", (await engine.syncState()).pending); // pending 2
try {
  const report = await engine.sync(server, token); // push what is pending, then pull the server's changes
  console.log(report.results.map((r) => r.outcome).join(" "), "pending", report.pending); // accepted accepted pending 0
} catch (err) {
  console.log(err.code, "pending", (await engine.syncState()).pending); // offline: sync_unavailable pending 2, nothing lost
}
