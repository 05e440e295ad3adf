"""The whole order flow through the Python API, on a real SQLite file."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Dict, List, Tuple

import pytest

import orderly
from conftest import set_coffee_cart


def test_cart_is_validated_and_totalled_in_decimal(engine: orderly.Engine) -> None:
    set_coffee_cart(engine)
    cart = engine.cart("alice")
    assert cart.user_id == "alice"
    assert cart.currency == "USD"
    assert [line.product_id for line in cart.items] == ["sku-espresso", "sku-grinder", "sku-filters"]
    assert cart.items[0].line_total == Decimal("39.98")
    assert isinstance(cart.subtotal, Decimal)
    assert cart.subtotal == Decimal("141.73")
    # A user without a cart has an empty one.
    assert engine.cart("nobody").items == []


def test_full_flow(engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card) -> None:
    set_coffee_cart(engine)

    quote = engine.checkout(user_id="alice", delivery_address=ny_address, payment_method=card)
    assert quote.totals.subtotal == Decimal("141.73")
    assert quote.totals.shipping == Decimal("0.00")  # free from 50.00
    assert quote.totals.tax == Decimal("5.67")  # NY 4 %, half-even
    assert quote.totals.total == Decimal("147.40")
    assert quote.expires_at.tzinfo is not None
    assert quote.expires_at - quote.created_at == timedelta(minutes=15)

    placed = engine.place_order(
        user_id="alice",
        delivery_address=ny_address,
        payment_method=card,
        checkout_id=quote.checkout_id,
        idempotency_key="alice-001",
        metadata={"channel": "app", "tags": ["gift"], "priority": 2},
    )
    order = placed.order
    assert placed.created is True
    assert placed.order is order  # read without copying
    assert order.status == "placed"
    assert order.version == 1
    assert order.checkout_id == quote.checkout_id
    assert order.totals == quote.totals
    assert order.delivery_address == ny_address
    # The token stays in the store: the order shows the rest.
    assert order.payment_method == {"type": "card", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2099}
    assert order.metadata == {"channel": "app", "tags": ["gift"], "priority": 2}
    assert order.created_at.tzinfo is not None and order.created_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(timezone.utc) - order.created_at) < timedelta(minutes=1)
    assert sum((line.line_total - line.discount for line in order.items), Decimal(0)) == Decimal("141.73")

    # The same key and request: the same order, not a second one.
    again = engine.place_order(
        user_id="alice",
        delivery_address=ny_address,
        payment_method=card,
        checkout_id=quote.checkout_id,
        idempotency_key="alice-001",
        metadata={"channel": "app", "tags": ["gift"], "priority": 2},
    )
    assert again.created is False
    assert again.order.order_id == order.order_id

    # The warehouse moves it along; the customer reads it.
    moved = engine.update_status(order.order_id, "processing", note="picked", expected_version=1, actor="warehouse")
    assert (moved.status, moved.version) == ("processing", 2)
    engine.update_status(order.order_id, "shipped", note="UPS 1Z999", actor="warehouse")
    view = engine.status(order.order_id, user_id="alice")
    assert view.status == "shipped"
    assert view.version == 3
    assert [(m.status, m.actor, m.note) for m in view.history] == [
        ("placed", "customer:alice", None),
        ("processing", "service:warehouse", "picked"),
        ("shipped", "service:warehouse", "UPS 1Z999"),
    ]
    assert view.history[0].at <= view.history[1].at <= view.history[2].at
    assert engine.order(order.order_id).status == "shipped"

    # A second order from the cart (express), then cancelled by its owner.
    second = engine.place_order(
        user_id="alice",
        delivery_address=ny_address,
        payment_method=card,
        shipping_method="express",
        idempotency_key="alice-002",
    ).order
    assert second.shipping_method == "express"
    assert second.totals.shipping == Decimal("14.99")
    assert second.totals.total == Decimal("162.39")
    cancelled = engine.cancel(second.order_id, reason="changed my mind", user_id="alice")
    assert cancelled.status == "cancelled"
    assert cancelled.history[-1].note == "changed my mind"
    assert cancelled.history[-1].actor == "customer:alice"
    # Cancelling again changes nothing.
    assert engine.cancel(second.order_id, user_id="alice").version == cancelled.version

    # History: newest first, a page at a time.
    first_page = engine.orders_for_user("alice", limit=1)
    assert [o.order_id for o in first_page.orders] == [second.order_id]
    assert first_page.next_cursor is not None
    last_page = engine.orders_for_user("alice", limit=1, cursor=first_page.next_cursor)
    assert [o.order_id for o in last_page.orders] == [order.order_id]
    assert last_page.next_cursor is None
    assert len(engine.orders_for_user("alice", status="cancelled")) == 1

    # Events: placed, processing, shipped for the first order; placed, cancelled for the second.
    events = engine.pending_events()
    by_order: Dict[str, List[Tuple[int, str]]] = {}
    for e in events:
        by_order.setdefault(e.order_id, []).append((e.sequence, e.type))
    assert by_order[order.order_id] == [
        (1, "order.placed"),
        (2, "order.status_changed"),
        (3, "order.status_changed"),
    ]
    assert by_order[second.order_id] == [(1, "order.placed"), (2, "order.cancelled")]
    placed_event = next(e for e in events if e.type == "order.placed" and e.order_id == order.order_id)
    assert placed_event.payload["order"]["totals"]["total"] == {"amount": "147.40", "currency": "USD"}
    assert engine.mark_events_delivered([e.event_id for e in events]) == len(events)
    assert engine.pending_events() == []

    # Analytics: the cancelled order is not a sale.
    now = datetime.now(timezone.utc)
    sales = engine.sales(now - timedelta(hours=1), now + timedelta(hours=1))
    assert [(s.currency, s.total, s.orders) for s in sales] == [("USD", Decimal("147.40"), 1)]
    assert sales[0].average_order_value == Decimal("147.40")
    top = engine.top_products(by="quantity", limit=2)
    assert [(p.product_id, p.quantity, p.currency) for p in top] == [("sku-filters", 3, "USD"), ("sku-espresso", 2, "USD")]
    counts = {c.status: c.orders for c in engine.orders_by_status()}
    assert counts["shipped"] == 1 and counts["cancelled"] == 1 and counts.get("placed", 0) == 0


def test_analytics_accept_any_time_zone(engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card) -> None:
    set_coffee_cart(engine)
    engine.place_order(user_id="alice", delivery_address=ny_address, payment_method=card, idempotency_key="k")
    tokyo = timezone(timedelta(hours=9))
    now = datetime.now(tokyo)
    assert len(engine.sales(now - timedelta(minutes=5), now + timedelta(minutes=5))) == 1
    assert engine.sales(now - timedelta(days=3), now - timedelta(days=2)) == []


def test_results_are_immutable_values_with_a_useful_repr(
    engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card
) -> None:
    set_coffee_cart(engine)
    order = engine.place_order(user_id="alice", delivery_address=ny_address, payment_method=card, idempotency_key="k").order
    with pytest.raises(AttributeError):
        order.status = "shipped"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        order.totals.total = Decimal("0")  # type: ignore[misc]
    text = repr(order)
    assert text.startswith("Order(order_id=")
    assert "user_id='alice'" in text and "status='placed'" in text and "total=Decimal('147.40')" in text
    assert repr(order.totals) == (
        "Totals(subtotal=Decimal('141.73'), shipping=Decimal('0.00'), tax=Decimal('5.67'), "
        "discount=Decimal('0.00'), total=Decimal('147.40'))"
    )
    assert repr(card) == "Card(token='tok_visa_4242', brand='visa', last4='4242', exp_month=12, exp_year=2099)"
    assert repr(orderly.CashOnDelivery()) == "CashOnDelivery()"
    assert "postal_code='10118'" in repr(order.delivery_address)
    assert order == engine.order(order.order_id)
    assert {ny_address, order.delivery_address} == {ny_address}
    assert type(order).__module__ == "orderly"


def test_discount_codes_come_from_the_policy(db_url: str, ny_address: orderly.Address, card: orderly.Card) -> None:
    policy = orderly.default_policy()
    policy["discounts"]["WELCOME10"] = {"kind": "percent", "rate": 100_000}  # 10 % in ppm
    engine = orderly.Engine.open(db_url, policy=policy)
    set_coffee_cart(engine)
    quote = engine.checkout(user_id="alice", delivery_address=ny_address, payment_method=card, discount_code="welcome10")
    assert quote.discount_code == "WELCOME10"
    assert quote.totals.discount == Decimal("14.17")  # 10 % of 141.73 = 14.173, half-even
    t = quote.totals
    assert t.total == t.subtotal + t.shipping + t.tax - t.discount


def test_paypal_and_jpy(engine: orderly.Engine) -> None:
    engine.set_cart("kenji", "JPY", [orderly.CartItem("sku-tea", "Sencha", 3, 1200)])
    tokyo = orderly.Address(name="Kenji", line1="1-1 Chiyoda", city="Tokyo", postal_code="100-0001", country="JP")
    order = engine.place_order(
        user_id="kenji", delivery_address=tokyo, payment_method=orderly.PayPal(token="BA-123"), idempotency_key="k1"
    ).order
    assert order.currency == "JPY"
    assert order.totals.subtotal == Decimal("3600")
    assert order.totals.tax == Decimal("360")  # JP 10 %
    assert order.payment_method == {"type": "paypal"}
