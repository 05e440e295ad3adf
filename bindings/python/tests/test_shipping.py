"""Shipments, structured cancellation, staff search, export, notes and the timeline."""

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest

import orderly
from conftest import set_coffee_cart


def place(engine: orderly.Engine, address: orderly.Address, card: orderly.Card, key: str, user: str = "alice") -> orderly.Order:
    set_coffee_cart(engine, user)
    return engine.place_order(user_id=user, delivery_address=address, payment_method=card, idempotency_key=key).order


def processing(engine: orderly.Engine, address: orderly.Address, card: orderly.Card, key: str = "k-ship") -> str:
    order_id = place(engine, address, card, key).order_id
    engine.update_status(order_id, "processing", actor="warehouse")
    return order_id


def test_the_order_status_follows_its_shipments(
    engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card
) -> None:
    order_id = processing(engine, ny_address, card)

    order = engine.create_shipment(
        order_id,
        lines=[orderly.ShipmentLine("sku-espresso", 2)],
        carrier="UPS",
        tracking_number="1z999aa10123456784",
        idempotency_key="box-1",
        actor="warehouse",
    )
    assert order.status == "partially_shipped"
    [first] = order.shipments
    assert (first.status, first.carrier, first.tracking_number) == ("shipped", "ups", "1Z999AA10123456784")
    assert first.tracking_url == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert first.lines == [orderly.ShipmentLine("sku-espresso", 2)]
    assert [(m.status, m.actor) for m in first.history] == [("shipped", "service:warehouse")]
    # A retry with the same key finds the shipment it created.
    again = engine.create_shipment(
        order_id,
        lines=[orderly.ShipmentLine("sku-espresso", 2)],
        carrier="UPS",
        tracking_number="1z999aa10123456784",
        idempotency_key="box-1",
    )
    assert [s.shipment_id for s in again.shipments] == [first.shipment_id]

    # One grinder was ordered: two cannot ship.
    with pytest.raises(orderly.Conflict) as exceeded:
        engine.create_shipment(order_id, lines=[orderly.ShipmentLine("sku-grinder", 2)])
    assert exceeded.value.code == "shipment_exceeds_order"
    with pytest.raises(orderly.ValidationError) as bad_url:
        engine.create_shipment(order_id, tracking_url="javascript:alert(1)")
    assert bad_url.value.code == "invalid_field"
    with pytest.raises(orderly.ValidationError) as bad_status:
        engine.create_shipment(order_id, status="lost")  # type: ignore[arg-type]
    assert bad_status.value.code == "invalid_field"

    # Everything left, in a second shipment: the order has shipped.
    order = engine.create_shipment(order_id, status="pending", note="packed")
    assert order.status == "partially_shipped"
    second = order.shipments[1]
    assert second.status == "pending"
    assert [(line.product_id, line.quantity) for line in second.lines] == [("sku-grinder", 1), ("sku-filters", 3)]
    order = engine.update_shipment(order_id, second.shipment_id, "shipped")
    assert order.status == "shipped"

    # Delivered once every shipment is.
    assert engine.update_shipment(order_id, first.shipment_id, "delivered").status == "shipped"
    order = engine.update_shipment(order_id, second.shipment_id, "delivered", note="left with the porter")
    assert order.status == "delivered"
    assert [m.status for m in order.history] == ["placed", "processing", "partially_shipped", "shipped", "delivered"]
    assert engine.status(order_id, user_id="alice").shipments == order.shipments
    with pytest.raises(orderly.InvalidTransition):
        engine.cancel(order_id)
    with pytest.raises(orderly.NotFound):
        engine.update_shipment(order_id, "not-a-shipment", "delivered")


def test_cancellation_reasons_are_kept_and_counted(
    engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card
) -> None:
    first = place(engine, ny_address, card, "k-1")
    second = place(engine, ny_address, card, "k-2")
    third = place(engine, ny_address, card, "k-3")

    cancelled = engine.cancel(first.order_id, reason="inventory", note="out of beans", actor="warehouse")
    last = cancelled.history[-1]
    assert (last.status, last.reason, last.note, last.actor) == ("cancelled", "inventory", "out of beans", "service:warehouse")
    # Text that is no reason, alone, is the note; the customer's reason is theirs.
    by_alice = engine.cancel(second.order_id, reason="changed my mind", user_id="alice")
    assert (by_alice.history[-1].reason, by_alice.history[-1].note) == ("customer", "changed my mind")

    with pytest.raises(orderly.ValidationError) as bad:
        engine.cancel(third.order_id, reason="bored", note="no reason from the list")
    assert bad.value.code == "invalid_field"
    with pytest.raises(orderly.Forbidden) as forbidden:
        engine.cancel(third.order_id, reason="fraud", user_id="alice")
    assert forbidden.value.code == "forbidden"
    assert engine.order(third.order_id).status == "placed"

    counts = {c.reason: c.orders for c in engine.cancellations_by_reason()}
    assert counts == {"customer": 1, "inventory": 1, "fraud": 0, "payment_declined": 0, "staff": 0, "other": 0}


def test_staff_search_filters_and_pages(engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card) -> None:
    alice = [place(engine, ny_address, card, f"a-{i}") for i in range(3)]
    bob = place(engine, ny_address, card, "b-1", user="bob")
    engine.cancel(alice[0].order_id, reason="fraud")

    everyone = engine.search_orders()
    assert {o.order_id for o in everyone.orders} == {o.order_id for o in [bob, *alice]}
    assert [o.created_at for o in everyone.orders] == sorted((o.created_at for o in everyone.orders), reverse=True)
    assert everyone.next_cursor is None

    # A page at a time, the same filters with each page's cursor.
    seen: List[str] = []
    page = engine.search_orders(user_id="alice", limit=2)
    assert len(page) == 2 and page.next_cursor is not None
    seen += [o.order_id for o in page.orders]
    page = engine.search_orders(user_id="alice", limit=2, cursor=page.next_cursor)
    assert len(page) == 1 and page.next_cursor is None
    seen += [o.order_id for o in page.orders]
    assert sorted(seen) == sorted(o.order_id for o in alice)

    assert [o.order_id for o in engine.search_orders(status="cancelled").orders] == [alice[0].order_id]
    assert len(engine.search_orders(status=["placed", "cancelled"])) == 4
    assert len(engine.search_orders(product_id="sku-grinder", user_id="bob")) == 1
    assert len(engine.search_orders(q="martin")) == 4
    assert len(engine.search_orders(q=bob.order_id[:8])) >= 1
    assert len(engine.search_orders(currency="USD", total_min="100.00", total_max=bob.totals.total)) == 4
    assert len(engine.search_orders(currency="USD", total_min="1000")) == 0
    now = datetime.now(timezone.utc)
    assert len(engine.search_orders(created_from=now - timedelta(hours=1), created_to=now + timedelta(hours=1))) == 4
    assert len(engine.search_orders(created_from=now + timedelta(hours=1))) == 0
    ascending = engine.search_orders(sort="createdAt", direction="asc")
    assert [o.created_at for o in ascending.orders] == sorted(o.created_at for o in ascending.orders)

    cases: List[Tuple[Dict[str, Any], str]] = [
        ({"status": "lost"}, "invalid_status"),
        ({"limit": 0}, "limit_out_of_range"),
        ({"limit": 201}, "limit_out_of_range"),
        ({"total_min": "10"}, "invalid_field"),  # an amount needs its currency
        ({"sort": "colour"}, "invalid_field"),
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"metadata_key": "channel"}, "invalid_field"),
        ({"created_from": "yesterday"}, "invalid_field"),
    ]
    for kwargs, code in cases:
        with pytest.raises(orderly.ValidationError) as err:
            engine.search_orders(**kwargs)
        assert err.value.code == code, kwargs
    with pytest.raises(orderly.ValidationError):
        engine.search_orders(created_from=datetime(2026, 1, 1))  # naive: names no instant
    with pytest.raises(TypeError):
        engine.search_orders(colour="red")  # type: ignore[call-arg]


def test_export_writes_one_row_per_order_line(
    engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card, tmp_path: Path
) -> None:
    orders = [place(engine, ny_address, card, f"e-{i}") for i in range(3)]
    place(engine, ny_address, card, "e-bob", user="bob")

    path = tmp_path / "orders.csv"
    assert engine.export_orders_csv(path) == 4
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 * 3  # three lines per order
    assert {r["orderId"] for r in rows} >= {o.order_id for o in orders}
    espresso = next(r for r in rows if r["orderId"] == orders[0].order_id and r["productId"] == "sku-espresso")
    assert (espresso["quantity"], espresso["unitPrice"], espresso["currency"]) == ("2", "19.99", "USD")

    only_bob = tmp_path / "bob.csv"
    assert engine.export_orders_csv(str(only_bob), user_id="bob") == 1
    with open(only_bob, newline="", encoding="utf-8") as f:
        assert {r["userId"] for r in csv.DictReader(f)} == {"bob"}

    with pytest.raises(orderly.ValidationError) as err:
        engine.export_orders_csv(tmp_path / "bad.csv", status="lost")  # type: ignore[arg-type]
    assert err.value.code == "invalid_status"
    assert not (tmp_path / "bad.csv").exists()


def test_staff_notes_join_the_timeline_and_customers_may_not_act_as_staff(
    engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card
) -> None:
    order_id = processing(engine, ny_address, card)
    note = engine.add_staff_note(order_id, "Customer called about the grinder", idempotency_key="call-1", actor="bob")
    assert (note.order_id, note.actor, note.text) == (order_id, "service:bob", "Customer called about the grinder")
    assert engine.add_staff_note(order_id, "Customer called about the grinder", idempotency_key="call-1").note_id == note.note_id
    engine.create_shipment(order_id, carrier="dhl", tracking_number="JD0123")

    timeline = engine.timeline(order_id)
    assert sorted((e.kind, e.status or "") for e in timeline) == [
        ("note", ""),
        ("shipment", "shipped"),
        ("status", "placed"),
        ("status", "processing"),
        ("status", "shipped"),
    ]
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)
    [internal] = [e for e in timeline if e.internal]
    assert (internal.note, internal.actor_kind, internal.actor_id) == ("Customer called about the grinder", "service", "bob")
    assert timeline[0].actor_kind == "customer" and timeline[0].actor_id == "alice"
    [shipped] = [e for e in timeline if e.kind == "shipment"]
    assert shipped.shipment_id == engine.order(order_id).shipments[0].shipment_id

    with pytest.raises(orderly.ValidationError) as empty:
        engine.add_staff_note(order_id, "   ")
    assert empty.value.code == "invalid_field"

    shipment_id = engine.order(order_id).shipments[0].shipment_id
    refused_calls: List[Callable[[], object]] = [
        lambda: engine.add_staff_note(order_id, "hello", user_id="alice"),
        lambda: engine.timeline(order_id, user_id="alice"),
        lambda: engine.create_shipment(order_id, user_id="alice"),
        lambda: engine.update_shipment(order_id, shipment_id, "delivered", user_id="alice"),
    ]
    for refused in refused_calls:
        with pytest.raises(orderly.Forbidden) as err:
            refused()
        assert err.value.code == "forbidden"


def test_new_results_have_a_useful_repr(engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card) -> None:
    order_id = processing(engine, ny_address, card)
    order = engine.create_shipment(order_id, lines=[orderly.ShipmentLine("sku-filters", 1)], carrier="fedex", tracking_number="123")
    assert repr(orderly.ShipmentLine("sku-1", 2)) == "ShipmentLine(product_id='sku-1', quantity=2)"
    assert repr(order.shipments[0]).startswith("Shipment(shipment_id=")
    assert "reason=None" in repr(order.history[0])
    assert repr(engine.cancellations_by_reason()[0]) == "CancellationCount(reason='customer', orders=0)"
