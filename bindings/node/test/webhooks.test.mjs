// Webhook subscriptions through the embedded engine: staff manage them, customers may not,
// and the health and delivery log come back as plain objects.
import assert from "node:assert/strict";
import { test } from "node:test";

import { openEngine, place, rejectsWith, setCoffeeCart } from "./helpers.mjs";

test("staff manage webhooks and read their health and delivery log", async () => {
  const engine = await openEngine();
  await rejectsWith(assert, engine.createWebhook("https://10.1.2.3/", ["order.placed"]), "webhook_target_refused");
  await rejectsWith(assert, engine.createWebhook("https://hooks.example.com/", ["order.paid"]), "unknown_event_type");
  await rejectsWith(assert, engine.createWebhook("https://hooks.example.com/", ["order.placed"], { userId: "alice" }), "forbidden");

  const hook = await engine.createWebhook("https://hooks.example.com/in", ["order.placed"], { idempotencyKey: "w-1" });
  assert.match(hook.secret, /^whsec_/);
  const again = await engine.createWebhook("https://hooks.example.com/in", ["order.placed"], { idempotencyKey: "w-1" });
  assert.equal(again.webhookId, hook.webhookId);
  assert.deepEqual(hook.eventTypes, ["order.placed"]);

  setCoffeeCart(engine);
  await place(engine, "k-1");
  const read = await engine.webhook(hook.webhookId);
  assert.equal(read.secret, undefined);
  assert.equal(read.health.status, "healthy");
  assert.equal(read.health.pendingCount, 1);

  const off = await engine.updateWebhook(hook.webhookId, { enabled: false });
  assert.equal(off.health.status, "disabled");
  const rotated = await engine.rotateWebhookSecret(hook.webhookId);
  assert.notEqual(rotated.secret, hook.secret);

  const page = await engine.webhookDeliveries(hook.webhookId, { limit: 10 });
  assert.equal(page.deliveries.length, 1);
  const [delivery] = page.deliveries;
  assert.equal(delivery.eventType, "order.placed");
  assert.equal(delivery.status, "pending");
  assert.match(delivery.messageId, /^msg_/);
  assert.deepEqual(delivery.attempts, []);
  await engine.redeliverWebhook(hook.webhookId, delivery.deliveryId);
  assert.deepEqual((await engine.webhooks()).map((w) => w.webhookId), [hook.webhookId]);

  await engine.deleteWebhook(hook.webhookId);
  await rejectsWith(assert, engine.webhook(hook.webhookId), "not_found");
});
