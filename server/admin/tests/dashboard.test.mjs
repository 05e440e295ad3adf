// The dashboard in a real browser: Debian's Chromium driven by playwright-core against a live
// orderly-server holding orders placed through the API (scripts/test-dashboard.sh starts both
// and seeds the orders). Signs in, finds one order, moves it to processing and ships it with a
// tracking number, sees the timeline gain the shipment, tries to cancel the shipped order and
// reads the refusal, checks that the analytics charts show the API's figures and drew
// something, then signs out and in again with the staff secret. Webhooks: before the order
// moves, a subscription is added through the dashboard's form for a receiver run here (it
// answers 500 to its first request and 200 after); the subscription's page then shows the
// failed attempt and the later success, health reads healthy, Redeliver sends the delivery
// again, and disabling it reads disabled (the server runs with --webhook-allow-private and a
// short --webhook-first-retry). Fails on any console error or Content-Security-Policy
// violation. Screenshots go to ORDERLY_SCREENSHOTS.
//
// Environment: ORDERLY_URL, ORDERLY_ADMIN_TOKEN, ORDERLY_ADMIN_SECRET (the server's staff
// secret), ORDERLY_SEED (the seed's JSON summary),
// ORDERLY_CHROMIUM (default /usr/bin/chromium), ORDERLY_SCREENSHOTS (default: a temp dir).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

const base = process.env.ORDERLY_URL;
const adminToken = process.env.ORDERLY_ADMIN_TOKEN;
const seed = JSON.parse(process.env.ORDERLY_SEED ?? "null");
const screenshots = process.env.ORDERLY_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), "orderly-dashboard-shots-"));
const TRACKING = "1Z999AA10123456784";

assert.ok(base && adminToken && seed, "run through scripts/test-dashboard.sh (ORDERLY_URL, ORDERLY_ADMIN_TOKEN, ORDERLY_SEED)");
mkdirSync(screenshots, { recursive: true });

/** Network refusals the test causes on purpose; Chromium logs each as a console error. */
const EXPECTED_REFUSALS = [
  /status of 401 .*\/admin\/session/, // the session check before signing in
  /status of 409 /, // cancelling the shipped order
  /status of 422 .*\/webhooks/, // a subscription to an ftp:// URL
];

/** What the webhook receiver got: one entry per request, with its webhook-id. */
const received = [];
/** The receiver's first answer is a failure whose body is markup, to see it shown as text. */
const FAILURE_BODY = "<b>busy</b>, try later";
let receiver;
let receiverUrl;

let context;
let page;
let profile;
const problems = [];

async function shot(name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

async function staffApi(path) {
  const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${adminToken}` } });
  return { status: response.status, body: await response.json() };
}

before(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ id: request.headers["webhook-id"], signature: request.headers["webhook-signature"], body });
      if (received.length === 1) {
        response.writeHead(500, { "Content-Type": "text/html" }).end(FAILURE_BODY);
      } else {
        response.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      }
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${receiver.address().port}/orderly-events`;
  profile = mkdtempSync(join(tmpdir(), "orderly-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.ORDERLY_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  // Registered before any page script runs; reported violations are checked at the end.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  // A step that fails should fail the run soon, not after Playwright's 30 s default.
  context.setDefaultTimeout(10_000);
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const where = message.location()?.url ?? "";
    const text = `${message.text()} ${where}`;
    if (!EXPECTED_REFUSALS.some((pattern) => pattern.test(text))) problems.push(`console error: ${text}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
});

after(async () => {
  await context?.close();
  receiver?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  console.log(`screenshots: ${screenshots}`);
});

test("the page is served with a strict Content-Security-Policy", async () => {
  const response = await page.goto(`${base}/admin`);
  assert.equal(response.status(), 200);
  const csp = response.headers()["content-security-policy"];
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
});

test("a staff member signs in with a token that the page never keeps", async () => {
  await page.getByLabel("Staff token", { exact: true }).fill(adminToken);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: "Orders", level: 1 }).waitFor();
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  assert.ok(!stored.includes(adminToken.slice(-20)), "the token is not readable by the page's scripts");
  const cookies = await context.cookies(base);
  const session = cookies.find((c) => c.name === "orderly_admin");
  assert.ok(session, "the session cookie is set");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");
  await page.locator("table.orders tbody tr").first().waitFor();
  assert.ok((await page.locator("table.orders tbody tr").count()) >= seed.placed - 0, "the seeded orders are listed");
  await shot("01-orders");
});

test("staff add a webhook subscription, and its secret is shown once", async () => {
  await page.getByRole("link", { name: "Webhooks" }).click();
  await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Webhooks", "focus moved to the heading");
  // The server's refusal reads as it came: status, code and detail.
  await page.getByLabel("Endpoint URL").fill("ftp://hooks.example.com/in");
  await page.getByRole("button", { name: "Add subscription" }).click();
  await page.locator("#webhooks-status").filter({ hasText: "422" }).waitFor();
  assert.match(await page.locator("#webhooks-status").textContent(), /^Refused: 422 invalid_webhook_url: ./);
  assert.equal(await page.locator("#webhooks-status").getAttribute("aria-live"), "polite");
  await page.getByLabel("Endpoint URL").fill(receiverUrl);
  // Every event type starts checked; the placed orders are all in already.
  await page.getByLabel("Order placed").uncheck();
  await page.getByRole("button", { name: "Add subscription" }).click();
  await page.locator("#webhooks-status").filter({ hasText: "Added" }).waitFor();
  const secret = await page.getByLabel("Secret", { exact: true }).inputValue();
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]{30,}$/);
  assert.match(await page.locator("#webhook-secret").textContent(), /Copy it now: it is not shown again/);
  const row = page.locator("table.webhooks tbody tr").filter({ hasText: receiverUrl });
  assert.equal(await row.count(), 1);
  const cells = await row.locator("th, td").allTextContents();
  assert.equal(cells[1], "order.cancelled, order.shipment_changed, order.status_changed");
  assert.equal(cells[2], "yes");
  assert.match(cells[3], /healthy/);
  await shot("02-webhook-added");
  await page.getByRole("button", { name: "I have stored it, hide it" }).click();
  assert.equal(await page.locator("#webhook-secret").count(), 0, "the secret is gone once hidden");
  assert.ok(!(await page.content()).includes(secret), "the secret is not kept in the page");
  await page.getByRole("link", { name: "Orders", exact: true }).click();
  await page.locator("table.orders tbody tr").first().waitFor();
});

test("filtering by user finds the one order, which opens", async () => {
  await page.getByLabel("User id").fill(seed.target.userId);
  // From the keyboard: Enter in a field submits the search.
  await page.getByLabel("User id").press("Enter");
  await page.locator("#orders-status").filter({ hasText: "1 order on this page" }).waitFor();
  assert.equal(await page.locator("table.orders tbody tr").count(), 1);
  assert.match(page.url(), /userId=erin/, "the filter is kept in the URL");
  await shot("03-filtered");
  await page.getByRole("link", { name: seed.target.orderId }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: /^Order / }).waitFor();
  assert.equal(await page.locator("#order-current-status").textContent(), "placed");
});

test("staff move the order to processing and ship it with a tracking number", async () => {
  await page.getByLabel("New status").selectOption("processing");
  await page.getByLabel("Note (optional)").first().fill("packed");
  await page.getByRole("button", { name: "Change status" }).click();
  await page.locator("#order-status").filter({ hasText: "Status changed." }).waitFor();
  assert.equal(await page.locator("#order-current-status").textContent(), "processing");

  const before = await page.locator("#timeline li").count();
  await page.getByLabel("Carrier", { exact: true }).fill("ups");
  await page.getByLabel("Tracking number").fill(TRACKING);
  await page.getByRole("button", { name: "Add shipment" }).click();
  await page.locator("#order-status").filter({ hasText: "Shipment added." }).waitFor();
  assert.equal(await page.locator("#order-current-status").textContent(), "shipped");
  const link = page.getByRole("link", { name: TRACKING });
  assert.match(await link.getAttribute("href"), /ups\.com.*1Z999AA10123456784/);
  assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
  const timeline = page.locator("#timeline li");
  assert.ok((await timeline.count()) > before, "the timeline gained entries");
  assert.match(await timeline.allTextContents().then((t) => t.join("\n")), /Shipment [0-9a-f]{8} shipped/);
  await shot("04-shipped");
});

test("cancelling the shipped order is refused, and the page says why", async () => {
  await page.getByLabel("Reason").selectOption("customer");
  await page.getByRole("button", { name: "Cancel order" }).click();
  const status = page.locator("#order-status");
  await status.filter({ hasText: "409" }).waitFor();
  const text = await status.textContent();
  assert.match(text, /409 invalid_transition/);
  assert.match(text, /cannot move an order from shipped to cancelled/);
  assert.equal(await page.locator("#order-current-status").textContent(), "shipped");
  await shot("05-refused");
});

/** Clicks Refresh on the subscription page until `check` holds (or fails after `ms`). */
async function until(what, check, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.locator("#webhook-status").filter({ hasText: /^Refreshed|^Redelivery/ }).waitFor();
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await page.waitForTimeout(300);
  }
}

/** The delivery log's rows: message id, event, order, sequence, status, attempts' lines. */
async function deliveries() {
  return page.locator("#deliveries tbody tr").evaluateAll((rows) =>
    rows.map((row) => ({
      messageId: row.dataset.message,
      cells: [...row.children].map((cell) => cell.textContent.trim()),
      orderHref: row.querySelector("a")?.getAttribute("href"),
      attempts: [...row.querySelectorAll(".attempts li")].map((li) => li.textContent.trim()),
      snippetsAsMarkup: row.querySelectorAll(".snippet b").length,
    })),
  );
}

test("the subscription's page shows the failed attempt, the later success and healthy", async () => {
  await page.getByRole("link", { name: "Webhooks" }).click();
  await page.getByRole("link", { name: receiverUrl }).click();
  await page.getByRole("heading", { name: /^Webhook / }).waitFor();
  await until("a failed attempt and a later success", async () => {
    const attempts = (await deliveries()).flatMap((d) => d.attempts);
    return attempts.some((a) => /HTTP 500/.test(a)) && attempts.some((a) => /HTTP 200/.test(a));
  });
  const log = await deliveries();
  assert.ok(log.length >= 2, "the status change and the shipment were delivered");
  assert.ok(log.every((d) => d.orderHref === `#/orders/${seed.target.orderId}`), "each links to its order");
  const retried = log.find((d) => d.attempts.some((a) => /HTTP 500/.test(a)));
  assert.match(retried.attempts[0], /HTTP 500 \d+ ms/);
  assert.ok(retried.attempts[0].includes(FAILURE_BODY), "the answer's start, as text");
  assert.equal(retried.snippetsAsMarkup, 0, "the receiver's markup is not rendered");
  assert.match(retried.attempts.at(-1), /HTTP 200/);
  assert.match(retried.messageId, /^msg_[0-9a-f]{32}$/);
  assert.ok(received.filter((r) => r.id === retried.messageId).length >= 2, "the receiver saw it twice, same webhook-id");
  assert.ok(received.every((r) => /^v1,/.test(r.signature ?? "")), "every delivery is signed");
  await until("delivered everywhere", async () => (await deliveries()).every((d) => d.cells[4] === "delivered"));
  assert.match(await page.locator("#webhook-health-status").textContent(), /healthy/);
  assert.match(await page.locator("#webhook-last-success").textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  assert.match(await page.locator("#webhook-last-failure").textContent(), /HTTP 500/);
  await shot("06-webhook-log");
});

test("Redeliver sends a delivery again, and the new attempt shows in the log", async () => {
  const [first] = await deliveries();
  const before = received.filter((r) => r.id === first.messageId).length;
  await page.locator(`#deliveries tr[data-message="${first.messageId}"]`).getByRole("button", { name: "Redeliver" }).click();
  await page.locator("#webhook-status").filter({ hasText: `Redelivery of ${first.messageId} accepted (202)` }).waitFor();
  await until("the new attempt", async () => {
    const row = (await deliveries()).find((d) => d.messageId === first.messageId);
    return row.attempts.length > first.attempts.length && /HTTP 200/.test(row.attempts.at(-1));
  });
  assert.ok(received.filter((r) => r.id === first.messageId).length > before, "the receiver got it again");
  await shot("07-redelivered");
});

test("rotating the secret shows the new one once", async () => {
  await page.getByRole("button", { name: "Rotate secret" }).click();
  await page.locator("#webhook-status").filter({ hasText: "New secret" }).waitFor();
  const secret = await page.getByLabel("Secret", { exact: true }).inputValue();
  assert.match(secret, /^whsec_/);
  assert.match(await page.locator("#webhook-secret").textContent(), /Copy it now: it is not shown again/);
  await page.getByRole("button", { name: "I have stored it, hide it" }).click();
  assert.ok(!(await page.content()).includes(secret), "the secret is not kept in the page");
});

test("disabling the subscription reads disabled", async () => {
  await page.getByRole("button", { name: "Disable" }).click();
  await page.locator("#webhook-status").filter({ hasText: "Disabled" }).waitFor();
  assert.match(await page.locator("#webhook-health-status").textContent(), /disabled/);
  assert.equal(await page.getByRole("button", { name: "Enable" }).count(), 1);
  await page.getByRole("link", { name: "← Webhooks" }).click();
  const row = page.locator("table.webhooks tbody tr").filter({ hasText: receiverUrl });
  await row.waitFor();
  const cells = await row.locator("td").allTextContents();
  assert.equal(cells[1], "no");
  assert.match(cells[2], /disabled/);
  await shot("08-webhook-disabled");
});

test("deleting a subscription asks first, from the keyboard", async () => {
  const row = page.locator("table.webhooks tbody tr").filter({ hasText: receiverUrl });
  const focused = (text) => page.waitForFunction((t) => document.activeElement?.textContent === t, text);
  await row.getByRole("button", { name: "Delete" }).focus();
  await page.keyboard.press("Enter");
  await focused("Yes, delete"); // the question takes the focus
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter"); // "Keep it"
  await focused("Delete");
  assert.equal(await row.count(), 1, "kept");
  await page.keyboard.press("Enter");
  await focused("Yes, delete");
  await page.keyboard.press("Enter");
  await page.locator("#webhooks-status").filter({ hasText: "Deleted" }).waitFor();
  assert.equal(await row.count(), 0);
  assert.equal((await staffApi("/webhooks")).body.length, 0);
});

/** The rows of a chart's text alternative. */
async function figures(id) {
  return page.locator(`table[data-chart="${id}"] tbody tr`).evaluateAll((rows) =>
    rows.map((row) => [...row.children].map((cell) => cell.textContent.trim())),
  );
}

test("analytics draw the API's figures, sales on one scale per currency", async () => {
  await page.getByRole("link", { name: "Analytics" }).click();
  await page.locator("#analytics-status").filter({ hasText: "Figures from" }).waitFor();
  const from = await page.getByLabel("From").inputValue();
  const to = await page.getByLabel("To (inclusive)").inputValue();
  const end = new Date(`${to}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  const range = `from=${from}T00:00:00Z&to=${end.toISOString().replace(".000Z", "Z")}`;

  const daily = await staffApi(`/analytics/sales/daily?${range}`);
  const salesRows = daily.body.days.map((d) => [d.day, d.currency, d.total.amount, String(d.orders)]);
  assert.ok(new Set(salesRows.map((row) => row[1])).size >= 3, "sales in several currencies");
  assert.deepEqual(await figures("chart-sales"), salesRows);

  const byStatus = await staffApi(`/analytics/orders-by-status?${range}`);
  assert.deepEqual(
    await figures("chart-status"),
    byStatus.body.statuses.map((s) => [s.status, String(s.orders)]),
  );
  assert.ok(byStatus.body.statuses.find((s) => s.status === "shipped").orders >= 1);

  const currency = [...new Set(salesRows.map((row) => row[1]))].sort()[0];
  const top = await staffApi(`/analytics/top-products?${range}&currency=${currency}&by=revenue&limit=10`);
  assert.deepEqual(
    await figures("chart-products"),
    top.body.products.map((p) => [p.productId, p.name, String(p.quantity), p.revenue.amount]),
  );

  const cancellations = await staffApi(`/analytics/cancellations?${range}`);
  const reasons = cancellations.body.reasons.filter((r) => r.orders > 0).map((r) => [r.reason, String(r.orders)]);
  assert.ok(reasons.length >= 2, "two reasons were seeded");
  assert.deepEqual(await figures("chart-cancellations"), reasons);

  // One sales chart per currency, each titled with it.
  const salesCurrencies = [...new Set(salesRows.map((row) => row[1]))].sort();
  assert.deepEqual(await page.locator("#chart-sales .panel h3").allTextContents(), salesCurrencies);
  for (const id of ["chart-sales", "chart-status", "chart-products", "chart-cancellations"]) {
    const painted = await page.locator(`#${id} canvas`).evaluateAll((canvases) =>
      canvases.map((canvas) => {
        const { width, height } = canvas;
        const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
        let count = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) count += 1;
        return count;
      }),
    );
    assert.ok(painted.length >= 1 && painted.every((n) => n > 500), `${id} drew (${painted} painted pixels)`);
  }
  await shot("09-analytics");
});

test("signing out forgets the session, and the staff secret signs in again", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Staff secret", { exact: true }).waitFor();
  assert.equal((await context.cookies(base)).find((c) => c.name === "orderly_admin"), undefined);
  await page.getByLabel("Staff secret", { exact: true }).fill(process.env.ORDERLY_ADMIN_SECRET ?? "");
  await page.getByRole("button", { name: "Sign in with the secret" }).click();
  await page.getByRole("heading", { name: "Analytics", level: 1 }).waitFor();
  assert.match(await page.locator(".who").textContent(), /Signed in as admin/);
});

test("no console error and no Content-Security-Policy violation", async () => {
  const violations = await page.evaluate(() => window.__cspViolations ?? []);
  assert.deepEqual(violations, []);
  assert.deepEqual(problems, []);
});
