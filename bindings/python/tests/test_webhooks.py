"""Webhook subscriptions through the embedded engine: staff manage them, customers may not,
and the health and delivery log read back as typed objects."""

import pytest

import orderly


def test_staff_manage_webhooks_and_read_their_health_and_log(
    engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card
) -> None:
    with pytest.raises(orderly.ValidationError) as refused:
        engine.create_webhook("https://169.254.169.254/latest", ["order.placed"])
    assert refused.value.code == "webhook_target_refused"
    with pytest.raises(orderly.ValidationError) as unknown:
        engine.create_webhook("https://hooks.example.com/", ["order.paid"])
    assert unknown.value.code == "unknown_event_type"
    with pytest.raises(orderly.Forbidden):
        engine.create_webhook("https://hooks.example.com/", ["order.placed"], user_id="alice")

    hook = engine.create_webhook("https://hooks.example.com/in", ["order.placed"], idempotency_key="w-1")
    assert hook.secret is not None and hook.secret.startswith("whsec_")
    assert hook.secret not in repr(hook)
    again = engine.create_webhook("https://hooks.example.com/in", ["order.placed"], idempotency_key="w-1")
    assert again.webhook_id == hook.webhook_id
    assert hook.event_types == ["order.placed"] and hook.enabled

    engine.set_cart("alice", "USD", [orderly.CartItem("sku-1", "Espresso beans", 1, "12.50")])
    engine.place_order(user_id="alice", delivery_address=ny_address, payment_method=card, idempotency_key="k-1")
    read = engine.webhook(hook.webhook_id)
    assert read.secret is None
    assert (read.health.status, read.health.pending_count) == ("healthy", 1)
    assert read.health.oldest_pending_age_seconds is not None

    off = engine.update_webhook(hook.webhook_id, enabled=False)
    assert off.health.status == "disabled"
    rotated = engine.rotate_webhook_secret(hook.webhook_id)
    assert rotated.secret is not None and rotated.secret != hook.secret

    page = engine.webhook_deliveries(hook.webhook_id, limit=10)
    [delivery] = page.deliveries
    assert page.next_cursor is None
    assert (delivery.event_type, delivery.sequence, delivery.status) == ("order.placed", 1, "pending")
    assert delivery.message_id.startswith("msg_") and delivery.attempts == []
    engine.redeliver_webhook(hook.webhook_id, delivery.delivery_id)
    assert [w.webhook_id for w in engine.webhooks()] == [hook.webhook_id]

    engine.delete_webhook(hook.webhook_id)
    with pytest.raises(orderly.NotFound):
        engine.webhook(hook.webhook_id)
