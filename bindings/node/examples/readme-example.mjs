import { Engine } from "orderly";

const engine = await Engine.open("sqlite://orders.db"); // embedded SQLite: orders.db in the current directory
engine.setCart("alice", "USD", [{ productId: "sku-1", name: "Espresso beans", quantity: 2, unitPrice: "19.99" }]);
const home = { name: "Alice", line1: "350 Fifth Ave", city: "New York", region: "NY", postalCode: "10118", country: "US" };
const { order } = await engine.placeOrder({ userId: "alice", deliveryAddress: home, paymentMethod: { type: "cash_on_delivery" }, idempotencyKey: "order-1" });
const moved = await engine.updateStatus(order.orderId, "processing", { note: "picked" });
console.log(moved.status, moved.totals.total); // processing 46.57
await engine.updateStatus(order.orderId, "delivered").catch((err) => console.log(err.code)); // invalid_transition: it has not shipped
