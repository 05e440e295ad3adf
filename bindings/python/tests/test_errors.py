"""Every exception class: raised by the engine where the Python API can reach it, and the
class chosen for every code and kind the engine reports."""

import pickle
from datetime import datetime
from decimal import Decimal

import pytest

import orderly
from orderly import errors
from conftest import set_coffee_cart

UNKNOWN_ORDER = "01890a5d-ac96-774b-bcce-b302099a8057"


def place(engine: orderly.Engine, address: orderly.Address, payment: object, key: str, **extra: object) -> orderly.Order:
    return engine.place_order(
        user_id="alice", delivery_address=address, payment_method=payment, idempotency_key=key, **extra  # type: ignore[arg-type]
    ).order


def test_validation_errors_carry_the_engine_code(engine: orderly.Engine, ny_address: orderly.Address) -> None:
    set_coffee_cart(engine)
    expired = orderly.Card(token="tok", brand="visa", last4="4242", exp_month=1, exp_year=2020)
    with pytest.raises(orderly.ValidationError) as err:
        engine.checkout(user_id="alice", delivery_address=ny_address, payment_method=expired)
    assert err.value.code == "card_expired"
    assert isinstance(err.value, orderly.OrderlyError)
    assert "expired" in str(err.value)

    with pytest.raises(orderly.ValidationError) as err:
        engine.cart("not a user id")
    assert err.value.code == "invalid_user_id"

    with pytest.raises(orderly.ValidationError) as err:
        engine.place_order(
            user_id="nobody", delivery_address=ny_address, payment_method=orderly.CashOnDelivery(), idempotency_key="k"
        )
    assert err.value.code == "cart_empty"

    bad_country = orderly.Address(name="A", line1="x", city="y", postal_code="1", country="XX")
    with pytest.raises(orderly.ValidationError) as err:
        place(engine, bad_country, orderly.CashOnDelivery(), "k2")
    assert err.value.code == "invalid_country"

    with pytest.raises(orderly.ValidationError) as err:
        engine.orders_for_user("alice", limit=0)
    assert err.value.code == "limit_out_of_range"

    with pytest.raises(orderly.ValidationError) as err:
        engine.update_status(UNKNOWN_ORDER, "teleported")  # type: ignore[arg-type]
    assert err.value.code == "invalid_status"

    with pytest.raises(orderly.ValidationError) as err:
        engine.sales(datetime(2026, 1, 1), datetime(2026, 1, 2))  # naive: no instant
    assert err.value.code == "invalid_field"

    with pytest.raises(orderly.ValidationError) as err:
        place(engine, ny_address, orderly.CashOnDelivery(), "k3", shipping_method="teleport")
    assert err.value.code == "invalid_shipping_method"

    with pytest.raises(orderly.ValidationError) as err:
        place(engine, ny_address, orderly.CashOnDelivery(), "")
    assert err.value.code == "invalid_idempotency_key"


def test_cart_rules_apply_when_the_engine_reads_the_cart(engine: orderly.Engine) -> None:
    engine.set_cart("alice", "USD", [orderly.CartItem("sku-1", "Beans", 2, "19.999")])
    with pytest.raises(orderly.ValidationError) as err:
        engine.cart("alice")
    assert err.value.code == "invalid_price"
    engine.set_cart("alice", "USD", [orderly.CartItem("sku-1", "Beans", 0, "1.00")])
    with pytest.raises(orderly.ValidationError) as err:
        engine.cart("alice")
    assert err.value.code == "invalid_quantity"
    engine.set_cart("alice", "XYZ", [])
    with pytest.raises(orderly.ValidationError) as err:
        engine.cart("alice")
    assert err.value.code == "invalid_currency"


def test_money_never_arrives_as_a_float() -> None:
    with pytest.raises(TypeError, match="decimal.Decimal, str or int"):
        orderly.CartItem("sku-1", "Beans", 1, 19.99)  # type: ignore[arg-type]
    assert orderly.CartItem("sku-1", "Beans", 1, Decimal("1E+1")).unit_price == "10"


def test_not_found(engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card) -> None:
    with pytest.raises(orderly.NotFound) as err:
        engine.order(UNKNOWN_ORDER)
    assert err.value.code == "not_found"
    with pytest.raises(orderly.NotFound):
        engine.status("not-an-order-id")
    # Someone else's order does not exist for a customer.
    set_coffee_cart(engine)
    order = place(engine, ny_address, card, "k")
    with pytest.raises(orderly.NotFound):
        engine.order(order.order_id, user_id="mallory")
    with pytest.raises(orderly.NotFound):
        engine.cancel(order.order_id, user_id="mallory")


def test_invalid_transition(engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card) -> None:
    set_coffee_cart(engine)
    order = place(engine, ny_address, card, "k")
    engine.update_status(order.order_id, "processing")
    engine.update_status(order.order_id, "shipped")
    with pytest.raises(orderly.InvalidTransition) as err:
        engine.cancel(order.order_id, user_id="alice")
    assert err.value.code == "invalid_transition"
    assert isinstance(err.value, orderly.Conflict)
    with pytest.raises(orderly.InvalidTransition):
        engine.update_status(order.order_id, "placed")


def test_idempotency_conflict(engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card) -> None:
    set_coffee_cart(engine)
    place(engine, ny_address, card, "same-key")
    with pytest.raises(orderly.IdempotencyConflict) as err:
        place(engine, ny_address, card, "same-key", shipping_method="express")
    assert err.value.code == "idempotency_conflict"
    # Keys are scoped to the user: bob may use the same key.
    set_coffee_cart(engine, "bob")
    bob = engine.place_order(user_id="bob", delivery_address=ny_address, payment_method=card, idempotency_key="same-key")
    assert bob.created


def test_version_conflict(engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card) -> None:
    set_coffee_cart(engine)
    order = place(engine, ny_address, card, "k")
    engine.update_status(order.order_id, "processing", expected_version=1)
    with pytest.raises(orderly.VersionConflict) as err:
        engine.update_status(order.order_id, "shipped", expected_version=1)
    assert err.value.code == "version_conflict"
    assert engine.order(order.order_id).status == "processing"


def test_cart_changed_since_checkout(engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card) -> None:
    set_coffee_cart(engine)
    quote = engine.checkout(user_id="alice", delivery_address=ny_address, payment_method=card)
    engine.set_cart("alice", "USD", [orderly.CartItem("sku-grinder", "Burr grinder", 2, "89.00")])
    with pytest.raises(orderly.CartChanged) as err:
        place(engine, ny_address, card, "k", checkout_id=quote.checkout_id)
    assert err.value.code == "cart_changed"
    # A malformed checkout id names no checkout, as over HTTP.
    with pytest.raises(orderly.NotFound) as nerr:
        place(engine, ny_address, card, "k", checkout_id="not-a-checkout")
    assert nerr.value.code == "not_found"


def test_open_error() -> None:
    with pytest.raises(orderly.OpenError) as err:
        orderly.Engine.open("postgres://localhost/orders")
    assert isinstance(err.value, orderly.OrderlyError)
    assert err.value.code == "unsupported_database"
    with pytest.raises(orderly.ValidationError) as verr:
        orderly.Engine.open("sqlite::memory:", policy={"rounding": "sideways"})
    assert verr.value.code == "invalid_field"


def test_wrong_argument_types_are_type_errors(engine: orderly.Engine, ny_address: orderly.Address) -> None:
    with pytest.raises(TypeError):
        engine.place_order(
            user_id="alice",
            delivery_address={"name": "A"},  # type: ignore[arg-type]
            payment_method=orderly.CashOnDelivery(),
            idempotency_key="k",
        )
    with pytest.raises(TypeError):
        engine.place_order(
            user_id="alice", delivery_address=ny_address, payment_method="cash", idempotency_key="k"  # type: ignore[arg-type]
        )
    with pytest.raises(TypeError):
        engine.place_order(
            user_id="alice",
            delivery_address=ny_address,
            payment_method=orderly.CashOnDelivery(),
            idempotency_key="k",
            metadata={"when": datetime(2026, 1, 1)},
        )


@pytest.mark.parametrize(
    ("kind", "code", "cls"),
    [
        ("invalid", "card_expired", orderly.ValidationError),
        ("invalid", "checkout_mismatch", orderly.ValidationError),
        ("not_found", "not_found", orderly.NotFound),
        ("forbidden", "forbidden", orderly.Forbidden),
        ("conflict", "invalid_transition", orderly.InvalidTransition),
        ("conflict", "idempotency_conflict", orderly.IdempotencyConflict),
        ("conflict", "checkout_expired", orderly.CheckoutExpired),
        ("conflict", "cart_changed", orderly.CartChanged),
        ("stale_version", "version_conflict", orderly.VersionConflict),
        ("unavailable", "storage_unavailable", orderly.Unavailable),
        ("unavailable", "cart_unavailable", orderly.Unavailable),
        ("upstream_invalid", "cart_malformed", orderly.UpstreamError),
        ("internal", "internal", orderly.InternalError),
        ("open", "invalid_database_url", orderly.OpenError),
        ("something_new", "something_new", orderly.OrderlyError),
    ],
)
def test_every_code_maps_to_its_class(kind: str, code: str, cls: type) -> None:
    err = errors._from_engine(kind, code, "message")
    assert type(err) is cls
    assert err.code == code
    assert str(err) == "message"
    assert repr(err) == f"{cls.__name__}('message', code={code!r})"
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is cls and copy.code == code and str(copy) == "message"
