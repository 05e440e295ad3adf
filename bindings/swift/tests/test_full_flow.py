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
