"""The full order flow through the Swift binding's FFI, driven from UniFFI's Python bindings.

The Swift package cannot be compiled without a Swift toolchain, but the library it wraps can be
exercised anyway: UniFFI generates Python bindings from the same library and the same
scaffolding, so every call here crosses exactly the functions, records, enums and error type
that `Sources/Orderly/Orderly.swift` calls. The flow mirrors `Tests/OrderlyTests/FullFlowTests.swift`.

Run by `scripts/test-swift.sh`, which generates the `orderly` module next to the library and puts
it on `PYTHONPATH`. Plain `python3`, no packages needed.
"""

import json
import os
import sys
import tempfile
import traceback
from datetime import datetime, timedelta, timezone

import orderly

NY = orderly.Address(
    name="Alice Martin",
    line1="350 Fifth Avenue",
    line2="Floor 21",
    city="New York",
    region="NY",
    postal_code="10118",
    country="US",
)
CARD = orderly.PaymentMethod.CARD(token="tok_visa_4242", brand="visa", last4="4242", exp_month=12, exp_year=2099)


def money(amount: str, currency: str = "USD") -> orderly.Money:
    return orderly.Money(amount=amount, currency=currency)


def set_coffee_cart(engine: orderly.Engine, user: str = "alice") -> None:
    """2 x 19.99 + 1 x 89.00 + 3 x 4.25 = 141.73 USD."""
    engine.set_cart(
        user,
        "USD",
        [
            orderly.CartItem(product_id="sku-espresso", name="Espresso beans 1kg", quantity=2, unit_price="19.99"),
            orderly.CartItem(product_id="sku-grinder", name="Burr grinder", quantity=1, unit_price="89.00"),
            orderly.CartItem(product_id="sku-filters", name="Paper filters", quantity=3, unit_price="4.25"),
        ],
    )


def expect_error(kind, code: str, call):
    """Runs `call`, which must raise `OrderlyError.<kind>` carrying `code`."""
    try:
        call()
    except getattr(orderly.OrderlyError, kind) as err:  # the case is the broad class
        assert err.code == code, (err.code, code, err.message)
        assert err.message, "every error has a message for people"
        return err
    raise AssertionError(f"expected OrderlyError.{kind} with code {code!r}")


def open_engine(directory: str, name: str = "orders.db") -> orderly.Engine:
    return orderly.Engine.open(f"sqlite:///{os.path.join(directory, name)}")


def test_full_flow(directory: str) -> None:
    engine = open_engine(directory)
    set_coffee_cart(engine)

    # The cart, validated and totalled by the engine.
    cart = engine.cart("alice")
    assert (cart.user_id, cart.currency) == ("alice", "USD")
    assert [line.product_id for line in cart.items] == ["sku-espresso", "sku-grinder", "sku-filters"]
    assert cart.items[0].line_total == money("39.98")
    assert cart.subtotal == money("141.73")
    assert engine.cart("nobody").items == []

    # Checkout: a priced quote. Free shipping from 50.00; NY tax 4 %, half-even.
    quote = engine.checkout(user_id="alice", delivery_address=NY, payment_method=CARD)
    assert quote.totals == orderly.Totals(
        subtotal=money("141.73"), shipping=money("0.00"), tax=money("5.67"), discount=money("0.00"), total=money("147.40")
    )
    assert quote.shipping_method == orderly.ShippingMethod.STANDARD
    assert quote.expires_at - quote.created_at == timedelta(minutes=15)

    # Place the order from the quote, with metadata.
    request = dict(
        user_id="alice",
        delivery_address=NY,
        payment_method=CARD,
        checkout_id=quote.checkout_id,
        idempotency_key="alice-001",
        metadata_json='{"channel": "app", "tags": ["gift"]}',
    )
    placed = engine.place_order(**request)
    order = placed.order
    assert placed.created is True
    assert (order.status, order.version) == (orderly.OrderStatus.PLACED, 1)
    assert order.checkout_id == quote.checkout_id
    assert order.totals == quote.totals
    assert order.delivery_address == NY
    # The token stays in the store: the order shows the rest.
    assert order.payment_method == orderly.PaymentSummary.CARD(brand="visa", last4="4242", exp_month=12, exp_year=2099)
    assert json.loads(order.metadata_json) == {"channel": "app", "tags": ["gift"]}
    assert abs(datetime.now(timezone.utc) - order.created_at) < timedelta(minutes=1)
    assert [(m.status, m.actor, m.note) for m in order.history] == [(orderly.OrderStatus.PLACED, "customer:alice", None)]

    # The same key with the same request: the same order, not a second one.
    again = engine.place_order(**request)
    assert again.created is False
    assert again.order.order_id == order.order_id
    assert again.order == order
    # The same key with another request is refused.
    expect_error(
        "Conflict",
        "idempotency_conflict",
        lambda: engine.place_order(**{**request, "metadata_json": '{"channel": "web"}'}),
    )

    # The warehouse moves it along; a stale expected version is refused.
    moved = engine.update_status(order.order_id, orderly.OrderStatus.PROCESSING, note="picked", expected_version=1, actor="warehouse")
    assert (moved.status, moved.version) == (orderly.OrderStatus.PROCESSING, 2)
    expect_error(
        "StaleVersion",
        "version_conflict",
        lambda: engine.update_status(order.order_id, orderly.OrderStatus.SHIPPED, expected_version=1),
    )
    engine.update_status(order.order_id, orderly.OrderStatus.SHIPPED, note="UPS 1Z999", actor="warehouse")

    # A shipped order cannot be cancelled; nothing changes.
    refused = expect_error("Conflict", "invalid_transition", lambda: engine.cancel(order.order_id, user_id="alice"))
    assert "shipped" in refused.message
    view = engine.status(order.order_id, user_id="alice")
    assert (view.status, view.version) == (orderly.OrderStatus.SHIPPED, 3)
    assert [(m.status, m.actor, m.note) for m in view.history] == [
        (orderly.OrderStatus.PLACED, "customer:alice", None),
        (orderly.OrderStatus.PROCESSING, "service:warehouse", "picked"),
        (orderly.OrderStatus.SHIPPED, "service:warehouse", "UPS 1Z999"),
    ]
    assert view.history[0].at <= view.history[1].at <= view.history[2].at
    # Skipping a step is refused too.
    expect_error("Conflict", "invalid_transition", lambda: engine.update_status(order.order_id, orderly.OrderStatus.PLACED))

    # Another customer cannot see the order; a customer cannot move statuses.
    expect_error("NotFound", "not_found", lambda: engine.order(order.order_id, user_id="mallory"))
    expect_error("NotFound", "not_found", lambda: engine.order("not-an-order-id"))

    # A second order straight from the cart (express), cancelled by its owner.
    second = engine.place_order(
        user_id="alice",
        delivery_address=NY,
        payment_method=CARD,
        shipping_method=orderly.ShippingMethod.EXPRESS,
        idempotency_key="alice-002",
    ).order
    assert second.checkout_id is None
    assert json.loads(second.metadata_json) == {}
    assert second.totals.shipping == money("14.99")
    assert second.totals.total == money("162.39")
    cancelled = engine.cancel(second.order_id, reason="changed my mind", user_id="alice")
    assert cancelled.status == orderly.OrderStatus.CANCELLED
    assert (cancelled.history[-1].actor, cancelled.history[-1].note) == ("customer:alice", "changed my mind")
    # Cancelling again changes nothing.
    assert engine.cancel(second.order_id, user_id="alice").version == cancelled.version

    # History: newest first, a page at a time.
    first_page = engine.orders_for_user("alice", limit=1)
    assert [o.order_id for o in first_page.orders] == [second.order_id]
    assert first_page.next_cursor is not None
    last_page = engine.orders_for_user("alice", limit=1, cursor=first_page.next_cursor)
    assert [o.order_id for o in last_page.orders] == [order.order_id]
    assert last_page.next_cursor is None
    only_cancelled = engine.orders_for_user("alice", status=orderly.OrderStatus.CANCELLED)
    assert [o.order_id for o in only_cancelled.orders] == [second.order_id]
    expect_error("Invalid", "limit_out_of_range", lambda: engine.orders_for_user("alice", limit=0))
    expect_error("Invalid", "invalid_cursor", lambda: engine.orders_for_user("alice", cursor="garbage"))

    # Analytics: the cancelled order is not a sale.
    now = datetime.now(timezone.utc)
    sales = engine.sales(now - timedelta(hours=1), now + timedelta(hours=1))
    assert [(s.currency, s.total, s.orders, s.average_order_value) for s in sales] == [
        ("USD", money("147.40"), 1, money("147.40"))
    ]
    assert engine.sales(now - timedelta(days=3), now - timedelta(days=2)) == []
    top = engine.top_products(limit=2)
    assert [(p.product_id, p.quantity) for p in top] == [("sku-filters", 3), ("sku-espresso", 2)]
    by_revenue = engine.top_products(by=orderly.TopBy.REVENUE, limit=1)
    assert [(p.product_id, p.revenue) for p in by_revenue] == [("sku-grinder", money("89.00"))]
    counts = {c.status: c.orders for c in engine.orders_by_status()}
    assert counts[orderly.OrderStatus.SHIPPED] == 1
    assert counts[orderly.OrderStatus.CANCELLED] == 1
    assert counts[orderly.OrderStatus.PLACED] == 0

    # Events: placed, processing, shipped for the first order; placed, cancelled for the second.
    events = engine.pending_events()
    by_order: dict = {}
    for e in events:
        by_order.setdefault(e.order_id, []).append((e.sequence, e.event_type))
    assert by_order[order.order_id] == [
        (1, orderly.EventType.ORDER_PLACED),
        (2, orderly.EventType.STATUS_CHANGED),
        (3, orderly.EventType.STATUS_CHANGED),
    ]
    assert by_order[second.order_id] == [(1, orderly.EventType.ORDER_PLACED), (2, orderly.EventType.ORDER_CANCELLED)]
    placed_event = next(e for e in events if e.event_type == orderly.EventType.ORDER_PLACED and e.order_id == order.order_id)
    assert json.loads(placed_event.payload_json)["order"]["totals"]["total"] == {"amount": "147.40", "currency": "USD"}
    assert engine.mark_events_delivered([e.event_id for e in events[:2]]) == 2
    assert len(engine.pending_events()) == len(events) - 2
    assert engine.mark_events_delivered([e.event_id for e in events]) == len(events) - 2
    assert engine.pending_events() == []
    expect_error("Invalid", "invalid_field", lambda: engine.mark_events_delivered(["nope"]))

    # Everything above is on disk: a second engine on the same file sees it.
    reopened = open_engine(directory)
    assert reopened.order(order.order_id) == engine.order(order.order_id)


def test_bad_input_gets_the_engines_codes(directory: str) -> None:
    engine = open_engine(directory)
    expect_error("Invalid", "invalid_user_id", lambda: engine.cart("not a user"))
    # Too many fraction digits for USD: the engine's cart rules apply to in-process carts.
    engine.set_cart("bob", "USD", [orderly.CartItem(product_id="sku-1", name="Beans", quantity=1, unit_price="1.999")])
    expect_error("Invalid", "invalid_price", lambda: engine.cart("bob"))
    engine.remove_cart("bob")
    expect_error(
        "Invalid",
        "cart_empty",
        lambda: engine.place_order(user_id="bob", delivery_address=NY, payment_method=CARD, idempotency_key="k"),
    )
    set_coffee_cart(engine, "bob")
    expired = orderly.PaymentMethod.CARD(token="tok", brand="visa", last4="4242", exp_month=1, exp_year=2001)
    expect_error("Invalid", "card_expired", lambda: engine.checkout(user_id="bob", delivery_address=NY, payment_method=expired))
    expect_error(
        "Invalid",
        "invalid_metadata",
        lambda: engine.place_order(user_id="bob", delivery_address=NY, payment_method=CARD, idempotency_key="k", metadata_json="[1]"),
    )
    expect_error(
        "NotFound",
        "not_found",
        lambda: engine.place_order(user_id="bob", delivery_address=NY, payment_method=CARD, idempotency_key="k", checkout_id="x"),
    )
    expect_error("Invalid", "unknown_currency", lambda: engine.top_products(currency="usd"))
    expect_error("Invalid", "invalid_field", lambda: engine.sales(datetime.now(timezone.utc), datetime.now(timezone.utc) - timedelta(hours=1)))
    # Nothing was written by any of the refused calls.
    assert engine.orders_for_user("bob").orders == []
    assert engine.pending_events() == []

    # Cash on delivery and PayPal, in JPY.
    engine.set_cart("kenji", "JPY", [orderly.CartItem(product_id="sku-tea", name="Sencha", quantity=3, unit_price="1200")])
    tokyo = orderly.Address(name="Kenji", line1="1-1 Chiyoda", city="Tokyo", postal_code="100-0001", country="JP")
    paypal = orderly.PaymentMethod.PAYPAL(token="BA-123")
    jpy = engine.place_order(user_id="kenji", delivery_address=tokyo, payment_method=paypal, idempotency_key="k1").order
    assert (jpy.currency, jpy.totals.subtotal, jpy.totals.tax) == ("JPY", money("3600", "JPY"), money("360", "JPY"))
    assert jpy.payment_method == orderly.PaymentSummary.PAYPAL()
    assert (jpy.delivery_address.line2, jpy.delivery_address.region) == (None, None)


def test_open_errors_and_policy(directory: str) -> None:
    expect_error("Open", "unsupported_database", lambda: orderly.Engine.open("postgres://localhost/db"))
    expect_error("Open", "backend_not_built", lambda: orderly.Engine.open("mysql://root@127.0.0.1:3306/test"))
    expect_error("Invalid", "invalid_field", lambda: orderly.Engine.open("sqlite::memory:", policy_json="{"))

    policy = json.loads(orderly.default_policy_json())
    policy["discounts"]["WELCOME10"] = {"kind": "percent", "rate": 100_000}  # 10 % in ppm
    engine = orderly.Engine.open("sqlite::memory:", policy_json=json.dumps(policy))
    set_coffee_cart(engine)
    quote = engine.checkout(user_id="alice", delivery_address=NY, payment_method=CARD, discount_code="welcome10")
    assert quote.discount_code == "WELCOME10"
    assert quote.totals.discount == money("14.17")  # 10 % of 141.73 = 14.173, half-even
    expect_error(
        "Invalid",
        "unknown_discount_code",
        lambda: engine.checkout(user_id="alice", delivery_address=NY, payment_method=CARD, discount_code="NOPE"),
    )
    engine.ready()


def place(engine: orderly.Engine, key: str, user: str = "alice") -> orderly.Order:
    set_coffee_cart(engine, user)
    return engine.place_order(user_id=user, delivery_address=NY, payment_method=CARD, idempotency_key=key).order


def processing(engine: orderly.Engine, key: str = "k-ship") -> str:
    order_id = place(engine, key).order_id
    engine.update_status(order_id, orderly.OrderStatus.PROCESSING, actor="warehouse")
    return order_id


def test_the_order_status_follows_its_shipments(directory: str) -> None:
    engine = open_engine(directory)
    order_id = processing(engine)
    S = orderly.ShipmentStatus

    espresso = [orderly.ShipmentLine(product_id="sku-espresso", quantity=2)]
    order = engine.create_shipment(
        order_id, lines=espresso, carrier="UPS", tracking_number="1z999aa10123456784", idempotency_key="box-1", actor="warehouse"
    )
    assert order.status == orderly.OrderStatus.PARTIALLY_SHIPPED
    [first] = order.shipments
    assert (first.status, first.carrier, first.tracking_number) == (S.SHIPPED, "ups", "1Z999AA10123456784")
    assert first.tracking_url == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert first.lines == espresso
    assert [(m.status, m.actor) for m in first.history] == [(S.SHIPPED, "service:warehouse")]
    again = engine.create_shipment(order_id, lines=espresso, carrier="UPS", tracking_number="1z999aa10123456784", idempotency_key="box-1")
    assert [s.shipment_id for s in again.shipments] == [first.shipment_id]

    two_grinders = [orderly.ShipmentLine(product_id="sku-grinder", quantity=2)]
    expect_error("Conflict", "shipment_exceeds_order", lambda: engine.create_shipment(order_id, lines=two_grinders))
    expect_error("Invalid", "invalid_field", lambda: engine.create_shipment(order_id, tracking_url="ftp://example.com/x"))
    expect_error("Invalid", "invalid_field", lambda: engine.create_shipment(order_id, status=S.DELIVERED))

    order = engine.create_shipment(order_id, status=S.PENDING, note="packed")
    assert order.status == orderly.OrderStatus.PARTIALLY_SHIPPED
    second = order.shipments[1]
    assert [(line.product_id, line.quantity) for line in second.lines] == [("sku-grinder", 1), ("sku-filters", 3)]
    assert engine.update_shipment(order_id, second.shipment_id, S.SHIPPED).status == orderly.OrderStatus.SHIPPED
    assert engine.update_shipment(order_id, first.shipment_id, S.DELIVERED).status == orderly.OrderStatus.SHIPPED
    order = engine.update_shipment(order_id, second.shipment_id, S.DELIVERED, note="left with the porter")
    assert order.status == orderly.OrderStatus.DELIVERED
    O = orderly.OrderStatus
    assert [m.status for m in order.history] == [O.PLACED, O.PROCESSING, O.PARTIALLY_SHIPPED, O.SHIPPED, O.DELIVERED]
    assert engine.status(order_id, user_id="alice").shipments == order.shipments
    expect_error("NotFound", "not_found", lambda: engine.update_shipment(order_id, "not-a-shipment", S.DELIVERED))
    expect_error("Conflict", "invalid_transition", lambda: engine.cancel(order_id))


def test_cancellation_reasons_are_kept_and_counted(directory: str) -> None:
    engine = open_engine(directory)
    first, second, third = place(engine, "k-1"), place(engine, "k-2"), place(engine, "k-3")
    R = orderly.CancelReason

    cancelled = engine.cancel(first.order_id, reason="inventory", note="out of beans", actor="warehouse")
    last = cancelled.history[-1]
    assert (last.status, last.reason, last.note, last.actor) == (orderly.OrderStatus.CANCELLED, R.INVENTORY, "out of beans", "service:warehouse")
    by_alice = engine.cancel(second.order_id, reason="changed my mind", user_id="alice")
    assert (by_alice.history[-1].reason, by_alice.history[-1].note) == (R.CUSTOMER, "changed my mind")
    expect_error("Invalid", "invalid_field", lambda: engine.cancel(third.order_id, reason="bored", note="no reason from the list"))
    expect_error("Forbidden", "forbidden", lambda: engine.cancel(third.order_id, reason="fraud", user_id="alice"))

    counts = {c.reason: c.orders for c in engine.cancellations_by_reason()}
    assert counts == {R.CUSTOMER: 1, R.INVENTORY: 1, R.FRAUD: 0, R.PAYMENT_DECLINED: 0, R.STAFF: 0, R.OTHER: 0}


def test_staff_search_filters_and_pages(directory: str) -> None:
    engine = open_engine(directory)
    alice = [place(engine, f"a-{i}") for i in range(3)]
    bob = place(engine, "b-1", user="bob")
    engine.cancel(alice[0].order_id, reason="fraud")
    F = orderly.SearchFilters

    everyone = engine.search_orders(F())
    assert {o.order_id for o in everyone.orders} == {o.order_id for o in [bob, *alice]}
    assert everyone.next_cursor is None
    page = engine.search_orders(F(user_id="alice", limit=2))
    assert len(page.orders) == 2 and page.next_cursor is not None
    seen = [o.order_id for o in page.orders]
    page = engine.search_orders(F(user_id="alice", limit=2, cursor=page.next_cursor))
    assert len(page.orders) == 1 and page.next_cursor is None
    seen += [o.order_id for o in page.orders]
    assert sorted(seen) == sorted(o.order_id for o in alice)

    O = orderly.OrderStatus
    assert [o.order_id for o in engine.search_orders(F(statuses=[O.CANCELLED])).orders] == [alice[0].order_id]
    assert len(engine.search_orders(F(statuses=[O.PLACED, O.CANCELLED])).orders) == 4
    assert len(engine.search_orders(F(product_id="sku-grinder", user_id="bob")).orders) == 1
    assert len(engine.search_orders(F(q="martin")).orders) == 4
    assert len(engine.search_orders(F(currency="USD", total_min="100.00", total_max=bob.totals.total.amount)).orders) == 4
    now = datetime.now(timezone.utc)
    hour = timedelta(hours=1)
    assert len(engine.search_orders(F(created_from=now - hour, created_to=now + hour)).orders) == 4
    assert len(engine.search_orders(F(created_from=now + hour)).orders) == 0
    ascending = engine.search_orders(F(sort=orderly.SearchSort.CREATED_AT, direction=orderly.SortDirection.ASCENDING)).orders
    assert [o.created_at for o in ascending] == sorted(o.created_at for o in ascending)

    expect_error("Invalid", "limit_out_of_range", lambda: engine.search_orders(F(limit=0)))
    expect_error("Invalid", "invalid_field", lambda: engine.search_orders(F(total_min="10")))
    expect_error("Invalid", "invalid_cursor", lambda: engine.search_orders(F(cursor="not-a-cursor")))
    expect_error("Invalid", "invalid_field", lambda: engine.search_orders(F(metadata_key="channel")))
    expect_error("Invalid", "invalid_field", lambda: engine.search_orders(F(created_from=now, created_to=now - hour)))


def test_export_writes_one_row_per_order_line(directory: str) -> None:
    import csv

    engine = open_engine(directory)
    orders = [place(engine, f"e-{i}") for i in range(3)]
    place(engine, "e-bob", user="bob")

    path = os.path.join(directory, "orders.csv")
    assert engine.export_orders_csv(path, orderly.SearchFilters()) == 4
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 * 3
    espresso = next(r for r in rows if r["orderId"] == orders[0].order_id and r["productId"] == "sku-espresso")
    assert (espresso["quantity"], espresso["unitPrice"], espresso["currency"]) == ("2", "19.99", "USD")
    only_bob = os.path.join(directory, "bob.csv")
    assert engine.export_orders_csv(only_bob, orderly.SearchFilters(user_id="bob")) == 1
    with open(only_bob, newline="", encoding="utf-8") as f:
        assert {r["userId"] for r in csv.DictReader(f)} == {"bob"}
    bad = os.path.join(directory, "bad.csv")
    expect_error("Invalid", "invalid_field", lambda: engine.export_orders_csv(bad, orderly.SearchFilters(total_max="1")))
    assert not os.path.exists(bad)


def test_staff_notes_join_the_timeline_and_customers_may_not_act_as_staff(directory: str) -> None:
    engine = open_engine(directory)
    order_id = processing(engine)
    note = engine.add_staff_note(order_id, "Customer called about the grinder", idempotency_key="call-1", actor="bob")
    assert (note.order_id, note.actor, note.text) == (order_id, "service:bob", "Customer called about the grinder")
    assert engine.add_staff_note(order_id, "Customer called about the grinder", idempotency_key="call-1").note_id == note.note_id
    engine.create_shipment(order_id, carrier="dhl", tracking_number="JD0123")

    timeline = engine.timeline(order_id)
    K = orderly.TimelineKind
    assert sorted((e.kind.name, e.status or "") for e in timeline) == [
        ("NOTE", ""),
        ("SHIPMENT", "shipped"),
        ("STATUS", "placed"),
        ("STATUS", "processing"),
        ("STATUS", "shipped"),
    ]
    [internal] = [e for e in timeline if e.internal]
    assert (internal.kind, internal.note, internal.actor_kind, internal.actor_id) == (
        K.NOTE,
        "Customer called about the grinder",
        orderly.ActorKind.SERVICE,
        "bob",
    )
    expect_error("Invalid", "invalid_field", lambda: engine.add_staff_note(order_id, "   "))

    shipment_id = engine.order(order_id).shipments[0].shipment_id
    for refused in [
        lambda: engine.add_staff_note(order_id, "hello", user_id="alice"),
        lambda: engine.timeline(order_id, user_id="alice"),
        lambda: engine.create_shipment(order_id, user_id="alice"),
        lambda: engine.update_shipment(order_id, shipment_id, orderly.ShipmentStatus.DELIVERED, user_id="alice"),
    ]:
        expect_error("Forbidden", "forbidden", refused)


def test_staff_manage_webhooks_and_read_their_health_and_log(directory: str) -> None:
    engine = open_engine(directory)
    expect_error("Invalid", "webhook_target_refused", lambda: engine.create_webhook("https://192.168.0.9/", ["order.placed"]))
    expect_error("Invalid", "unknown_event_type", lambda: engine.create_webhook("https://hooks.example.com/", ["order.paid"]))
    expect_error(
        "Forbidden", "forbidden", lambda: engine.create_webhook("https://hooks.example.com/", ["order.placed"], user_id="alice")
    )
    hook = engine.create_webhook("https://hooks.example.com/in", ["order.placed"], idempotency_key="w-1")
    assert hook.secret.startswith("whsec_")
    again = engine.create_webhook("https://hooks.example.com/in", ["order.placed"], idempotency_key="w-1")
    assert again.webhook_id == hook.webhook_id and hook.event_types == ["order.placed"]

    place(engine, "k-1")
    read = engine.webhook(hook.webhook_id)
    assert read.secret is None
    assert (read.health.status, read.health.pending_count) == (orderly.WebhookStatus.HEALTHY, 1)
    off = engine.update_webhook(hook.webhook_id, enabled=False)
    assert off.health.status == orderly.WebhookStatus.DISABLED
    rotated = engine.rotate_webhook_secret(hook.webhook_id)
    assert rotated.secret != hook.secret

    page = engine.webhook_deliveries(hook.webhook_id, limit=10)
    [delivery] = page.deliveries
    assert (delivery.event_type, delivery.status) == ("order.placed", orderly.WebhookDeliveryStatus.PENDING)
    assert delivery.message_id.startswith("msg_") and delivery.attempts == []
    engine.redeliver_webhook(hook.webhook_id, delivery.delivery_id)
    assert [w.webhook_id for w in engine.webhooks()] == [hook.webhook_id]
    engine.delete_webhook(hook.webhook_id)
    expect_error("NotFound", "not_found", lambda: engine.webhook(hook.webhook_id))


def main() -> int:
    tests = [value for name, value in sorted(globals().items()) if name.startswith("test_") and callable(value)]
    failed = 0
    for test in tests:
        with tempfile.TemporaryDirectory() as directory:
            try:
                test(directory)
            except Exception:  # report every failing test, then fail the run
                failed += 1
                print(f"FAIL {test.__name__}")
                traceback.print_exc()
            else:
                print(f"ok   {test.__name__}")
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
