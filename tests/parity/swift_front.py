"""The Swift binding's front end, through the code UniFFI generates from the same library.

`orderly` here is UniFFI's generated module over `liborderly_ffi` (scripts/test-swift.sh
generates it): the same FFI functions, records, enums and error type as
`Sources/Orderly/Orderly.swift`. An input that the generated types cannot hold (a status that is
no `OrderStatus` case, a payment type that is no `PaymentMethod` case, a field a record does not
have) is refused by type, as the Swift compiler would refuse it.
"""

import orderly

from common import load_carts, load_cases, report, request, snake_keys


class Untyped(Exception):
    """The generated Swift API has no value for this input."""


def enum_case(enum, word: str):
    cases = {name.lower(): getattr(enum, name) for name in dir(enum) if name.isupper()}
    if word not in cases:
        raise Untyped(f"{enum.__name__} has no case {word!r}")
    return cases[word]


def payment(method: dict):
    fields = snake_keys({k: v for k, v in method.items() if k != "type"})
    variant = enum_case(orderly.PaymentMethod, method.get("type", ""))
    return variant(**fields)


def fresh_order(engine, r: dict, name: str, processing: bool) -> str:
    """An order of the base user's to cancel or ship, placed for this case."""
    order = engine.place_order(
        user_id=r["userId"],
        delivery_address=orderly.Address(**{"line2": None, "region": None, **snake_keys(r["deliveryAddress"])}),
        payment_method=payment(r["paymentMethod"]),
        idempotency_key=f"setup {name}",
    ).order
    if processing:
        engine.update_status(order.order_id, orderly.OrderStatus.PROCESSING)
    return order.order_id


def search_filters(filters: dict):
    """The filters as the generated `SearchFilters` record; a status is a case of `OrderStatus`."""
    fields = snake_keys(filters)
    if "status" in fields:
        fields["statuses"] = [enum_case(orderly.OrderStatus, s) for s in fields.pop("status").split(",")]
    return orderly.SearchFilters(**fields)


def call(engine, op: str, r: dict, args: dict, name: str = ""):
    if op in ("checkout", "place_order"):
        shipping = r.get("shippingMethod")
        kwargs = {
            "user_id": r["userId"],
            "delivery_address": orderly.Address(**{"line2": None, "region": None, **snake_keys(r["deliveryAddress"])}),
            "payment_method": payment(r["paymentMethod"]),
            "shipping_method": None if shipping is None else enum_case(orderly.ShippingMethod, shipping),
        }
        if op == "checkout":
            return engine.checkout(**kwargs)
        return engine.place_order(**kwargs, idempotency_key=r["idempotencyKey"], checkout_id=r.get("checkoutId"))
    if op == "order":
        return engine.order(r["orderId"])
    if op == "update_status":
        return engine.update_status(r["orderId"], enum_case(orderly.OrderStatus, r["status"]))
    if op == "open_device":
        return orderly.Engine.open("sqlite::memory:", device_id=r["deviceId"])
    if op == "orders_for_user":
        status = args.get("status")
        return engine.orders_for_user(
            r["userId"],
            limit=args.get("limit"),
            status=None if status is None else enum_case(orderly.OrderStatus, status),
        )
    if op == "search_orders":
        return engine.search_orders(search_filters(args["filters"]))
    if op == "cancel":
        order_id = fresh_order(engine, r, name, processing=False)
        as_customer = {"user_id": r["userId"]} if args.get("asCustomer") else {}
        return engine.cancel(order_id, reason=args.get("reason"), note=args.get("note"), **as_customer)
    if op == "create_shipment":
        order_id = fresh_order(engine, r, name, processing=True)
        body = snake_keys({k: v for k, v in args.items() if k != "lines"})
        lines = [orderly.ShipmentLine(**snake_keys(line)) for line in args["lines"]] if "lines" in args else None
        return engine.create_shipment(order_id, lines=lines, **body)
    if op == "create_webhook":
        hook = {**r["webhook"], **args}
        return engine.create_webhook(hook["url"], hook["eventTypes"], hook.get("secret"), None, None, None)
    raise ValueError(f"unknown op {op!r}")


def main() -> None:
    table = load_cases()
    engine = orderly.Engine.open("sqlite::memory:")
    for cart in load_carts():
        items = [orderly.CartItem(**snake_keys(i)) for i in cart["items"]]
        engine.set_cart(cart["userId"], cart["currency"], items)
    outcomes = []
    for case in table["cases"]:
        try:
            call(engine, case["op"], request(table, case), case["args"], case["name"])
            outcomes.append({"name": case["name"], "code": None})
        except orderly.OrderlyError as err:
            outcomes.append({"name": case["name"], "code": err.code})
        except (Untyped, TypeError) as err:
            outcomes.append({"name": case["name"], "typed": f"{type(err).__name__}: {err}"})
    report(outcomes)


if __name__ == "__main__":
    main()
