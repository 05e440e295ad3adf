// Places orders through the real API for the dashboard's browser test: a checkout and then an
// order per cart, as each customer, for several users, products and currencies; then moves a
// few of them on as staff (one to processing, two cancelled with different reasons). Prints a
// JSON summary the test reads.
//
// Usage: node tests/seed.mjs BASE_URL CART_SERVICE_URL   with the customer tokens in
// ORDERLY_SEED_TOKENS (JSON: {"user": "token", ...}) and a staff token in ORDERLY_ADMIN_TOKEN.
const [base, cartService] = process.argv.slice(2);
const tokens = JSON.parse(process.env.ORDERLY_SEED_TOKENS ?? "{}");
const admin = process.env.ORDERLY_ADMIN_TOKEN;
if (!base || !cartService || !admin) {
  console.error("usage: node tests/seed.mjs BASE_URL CART_SERVICE_URL (ORDERLY_SEED_TOKENS, ORDERLY_ADMIN_TOKEN)");
  process.exit(2);
}

async function call(method, path, token, { body, headers = {}, base: root = base } = {}) {
  const response = await fetch(`${root}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return { body: text ? JSON.parse(text) : null, etag: response.headers.get("etag") };
}

const ADDRESSES = {
  alice: { name: "Alice Martin", line1: "350 Fifth Avenue", city: "New York", region: "NY", postalCode: "10118", country: "US" },
  bob: { name: "Bob Durand", line1: "5 Rue de Rivoli", city: "Paris", postalCode: "75001", country: "FR" },
  carol: { name: "Carol Tanaka", line1: "1-1 Chiyoda", city: "Tokyo", postalCode: "100-0001", country: "JP" },
  erin: { name: "Erin Walsh", line1: "221B Baker Street", city: "London", postalCode: "NW1 6XE", country: "GB" },
};
const CARD = { type: "card", token: "tok_visa", brand: "visa", last4: "4242", expMonth: 12, expYear: 2035 };

// erin is not in the example carts: her cart is put into the Cart Service here.
const ERIN_CART = {
  userId: "erin",
  currency: "GBP",
  items: [
    { productId: "sku-7001", name: "Tea caddy", quantity: 1, unitPrice: "18.00" },
    { productId: "sku-1001", name: "Espresso beans 1kg", quantity: 1, unitPrice: "16.50" },
  ],
};

async function place(user, n) {
  const token = tokens[user];
  const request = { userId: user, deliveryAddress: ADDRESSES[user], paymentMethod: CARD };
  const quote = await call("POST", "/checkout", token, { body: request });
  const order = await call("POST", "/order", token, {
    body: { ...request, checkoutId: quote.body.checkoutId },
    headers: { "Idempotency-Key": `dashboard-seed-${user}-${n}` },
  });
  return order.body;
}

await call("PUT", `/carts/erin`, null, { base: cartService, body: ERIN_CART });
const plan = [["alice", 3], ["bob", 2], ["carol", 2], ["erin", 1]];
const orders = {};
for (const [user, count] of plan) {
  orders[user] = [];
  for (let n = 1; n <= count; n += 1) orders[user].push(await place(user, n));
}

async function move(order, status, note) {
  const current = await call("GET", `/order/${order.orderId}`, admin);
  await call("PUT", `/order/${order.orderId}/status`, admin, {
    body: { status, note },
    headers: { "If-Match": current.etag },
  });
}
await move(orders.alice[1], "processing", "picked");
await call("DELETE", `/order/${orders.bob[1].orderId}?reason=inventory&note=out%20of%20stock`, admin);
await call("DELETE", `/order/${orders.carol[1].orderId}?reason=customer`, admin);

console.log(
  JSON.stringify({
    // The order the test ships: erin's only order, found by her user id.
    target: { orderId: orders.erin[0].orderId, userId: "erin", items: orders.erin[0].items.map((i) => i.productId) },
    placed: Object.values(orders).flat().length,
  }),
);
