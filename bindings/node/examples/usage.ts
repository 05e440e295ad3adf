// Typed use of the Node API; `tsc --strict --noEmit -p tsconfig.json` checks it against the
// generated index.d.ts. The `@ts-expect-error` lines prove the types refuse what the engine
// would refuse.
import { Engine, defaultPolicy } from "orderly";
import type {
  Address,
  CancellationCount,
  Order,
  OrderPage,
  OrderStatus,
  PaymentMethod,
  Placement,
  SearchFilters,
  Shipment,
  ShipmentStatus,
  SyncOutcome,
  SyncReport,
  SyncState,
  TimelineEntry,
} from "orderly";

interface OrderlyFailure extends Error {
  code: string;
  kind: string;
}

function isOrderlyError(err: unknown): err is OrderlyFailure {
  return err instanceof Error && err.name === "OrderlyError" && typeof (err as Partial<OrderlyFailure>).code === "string";
}

async function main(): Promise<void> {
  const policy = defaultPolicy();
  const engine: Engine = await Engine.open("sqlite::memory:", { policy });
  engine.setCart("alice", "USD", [{ productId: "sku-1", name: "Espresso beans", quantity: 2, unitPrice: "19.99" }]);

  const home: Address = { name: "Alice", line1: "350 Fifth Ave", city: "New York", region: "NY", postalCode: "10118", country: "US" };
  const card: PaymentMethod = { type: "card", token: "tok_visa_4242", brand: "visa", last4: "4242", expMonth: 12, expYear: 2030 };
  const quote = await engine.checkout({ userId: "alice", deliveryAddress: home, paymentMethod: card, shippingMethod: "express" });
  const total: string = quote.totals.total; // money is a decimal string
  const expires: Date = quote.expiresAt;

  const placed: Placement = await engine.placeOrder({
    userId: "alice",
    deliveryAddress: home,
    paymentMethod: card,
    checkoutId: quote.checkoutId,
    idempotencyKey: "order-1",
    metadata: { channel: "app" },
  });
  const order: Order = placed.order;
  const next: OrderStatus = order.status === "placed" ? "processing" : order.status;
  await engine.updateStatus(order.orderId, next, { note: "picked", expectedVersion: order.version, actor: "warehouse" });

  const page = await engine.ordersForUser("alice", { limit: 10, status: "processing" });
  const cursor: string | null = page.nextCursor;
  for (const event of await engine.pendingEvents(50)) {
    const kind: "order.placed" | "order.status_changed" | "order.cancelled" | "order.shipment_changed" = event.type;
    console.log(kind, event.sequence, event.at.toISOString());
  }
  const [usd] = await engine.sales(new Date(Date.now() - 3_600_000), new Date());
  console.log(total, expires.toISOString(), cursor, usd?.averageOrderValue);

  try {
    await engine.cancel(order.orderId, { userId: "alice", reason: "changed my mind" });
  } catch (err) {
    if (isOrderlyError(err) && err.code === "invalid_transition") console.log("too late to cancel");
    else throw err;
  }

  await staff(engine, order.orderId);

  // @ts-expect-error: not a status
  await engine.updateStatus(order.orderId, "teleported").catch(() => undefined);
  // @ts-expect-error: money is never a number
  engine.setCart("bob", "USD", [{ productId: "sku-2", name: "Mug", quantity: 1, unitPrice: 9.5 }]);
  // @ts-expect-error: a card needs its token, brand, last4 and expiry
  const noToken: PaymentMethod = { type: "card", brand: "visa" };
  void noToken;
}

/** Shipments, staff search and export, notes and the timeline, as the service acting for staff. */
async function staff(engine: Engine, orderId: string): Promise<void> {
  const shipped: Order = await engine.createShipment(orderId, {
    lines: [{ productId: "sku-1", quantity: 1 }],
    carrier: "ups",
    trackingNumber: "1Z999AA10123456784",
    idempotencyKey: "box-1",
    actor: "warehouse",
  });
  const [first]: Shipment[] = shipped.shipments;
  const next: ShipmentStatus = "delivered";
  if (first) await engine.updateShipment(orderId, first.shipmentId, next, { note: "at the door" });
  await engine.cancel(orderId, { reason: "inventory", note: "out of beans" }).catch(() => undefined);

  const filters: SearchFilters = { status: ["placed", "processing"], createdFrom: new Date(Date.now() - 86_400_000), currency: "USD", totalMin: "10.00" };
  const page: OrderPage = await engine.searchOrders({ ...filters, sort: "total", direction: "asc", limit: 50 });
  if (page.nextCursor) await engine.searchOrders({ ...filters, cursor: page.nextCursor });
  const written: number = await engine.exportOrdersCsv("orders.csv", { userId: "alice" });
  await engine.addStaffNote(orderId, "Customer called", { idempotencyKey: "call-1" });
  const timeline: TimelineEntry[] = await engine.timeline(orderId);
  const counts: CancellationCount[] = await engine.cancellationsByReason();
  console.log(written, timeline.filter((e) => e.internal).length, counts.map((c) => `${c.reason}=${c.orders}`));

  // @ts-expect-error: not a search filter
  await engine.searchOrders({ colour: "red" }).catch(() => undefined);
  // @ts-expect-error: not a shipment status
  await engine.updateShipment(orderId, "id", "lost").catch(() => undefined);
}

/** A device engine syncing, then the by-hand calls for an app that moves the bytes itself. */
async function offlineSync(serverUrl: string, token: string, send: (body: string) => Promise<string>): Promise<void> {
  const device: Engine = await Engine.open("sqlite://pos.db", { deviceId: "pos-12" });
  const id: string | null = device.deviceId;
  const report: SyncReport = await device.sync(serverUrl, token);
  for (const result of report.results) {
    const outcome: SyncOutcome = result.outcome;
    if (outcome !== "accepted") console.log(result.seq, result.orderId, result.code ?? "", result.detail ?? "");
  }
  const stored: number = await device.applyPushResponse(await send(await device.buildPush(100)));
  const state: SyncState = await device.syncState();
  console.log(id, report.pending, report.changesPulled, report.ordersUpdated, stored, state.cursor ?? "no pull yet", state.lastRecorded);
  // @ts-expect-error: a device id is given in the open options, not as a string argument
  await Engine.open("sqlite://pos.db", "pos-12");
}

void main();
void offlineSync;
