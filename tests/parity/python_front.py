"""The Python binding's front end: each case as a call on `orderly.Engine` (the installed wheel).

Run with the binding's interpreter: `python python_front.py`; prints one outcome per line.
"""

import orderly

from common import load_carts, load_cases, report, request, snake_keys


def payment(method: dict):
    fields = snake_keys({k: v for k, v in method.items() if k != "type"})
    kind = method.get("type")
    if kind == "card":
        return orderly.Card(**fields)
    if kind == "paypal":
        return orderly.PayPal(**fields)
    if kind == "cash_on_delivery":
        return orderly.CashOnDelivery(**fields)
    return method  # no class for it: the engine call must refuse the dict by type


def fresh_order(engine, r: dict, name: str, processing: bool) -> str:
    """An order of the base user's to cancel or ship, placed for this case."""
    order = engine.place_order(
        user_id=r["userId"],
        delivery_address=orderly.Address(**snake_keys(r["deliveryAddress"])),
        payment_method=payment(r["paymentMethod"]),
        idempotency_key=f"setup {name}",
    ).order
    if processing:
        engine.update_status(order.order_id, "processing")
    return order.order_id


def call(engine, op: str, r: dict, args: dict, name: str = ""):
    if op in ("checkout", "place_order"):
        kwargs = {
            "user_id": r["userId"],
            "delivery_address": orderly.Address(**snake_keys(r["deliveryAddress"])),
            "payment_method": payment(r["paymentMethod"]),
            "shipping_method": r.get("shippingMethod"),
        }
        if op == "checkout":
            return engine.checkout(**kwargs)
        return engine.place_order(**kwargs, idempotency_key=r["idempotencyKey"], checkout_id=r.get("checkoutId"))
    if op == "order":
        return engine.order(r["orderId"])
    if op == "update_status":
        return engine.update_status(r["orderId"], r["status"])
    if op == "open_device":
        return orderly.Engine.open("sqlite::memory:", device_id=r["deviceId"])
    if op == "orders_for_user":
        return engine.orders_for_user(r["userId"], status=args.get("status"), limit=args.get("limit"))
    if op == "search_orders":
        return engine.search_orders(**snake_keys(args["filters"]))
    if op == "cancel":
        order_id = fresh_order(engine, r, name, processing=False)
        as_customer = {"user_id": r["userId"]} if args.get("asCustomer") else {}
        return engine.cancel(order_id, reason=args.get("reason"), note=args.get("note"), **as_customer)
    if op == "create_shipment":
        order_id = fresh_order(engine, r, name, processing=True)
        body = snake_keys({k: v for k, v in args.items() if k != "lines"})
        lines = [orderly.ShipmentLine(line["productId"], line["quantity"]) for line in args.get("lines", [])]
        return engine.create_shipment(order_id, lines=lines or None, **body)
    if op == "create_webhook":
        hook = {**r["webhook"], **args}
        return engine.create_webhook(hook["url"], hook["eventTypes"], secret=hook.get("secret"))
    raise ValueError(f"unknown op {op!r}")


def main() -> None:
    table = load_cases()
    engine = orderly.Engine.open("sqlite::memory:")
    for cart in load_carts():
        items = [orderly.CartItem(i["productId"], i["name"], i["quantity"], i["unitPrice"]) for i in cart["items"]]
        engine.set_cart(cart["userId"], cart["currency"], items)
    outcomes = []
    for case in table["cases"]:
        try:
            call(engine, case["op"], request(table, case), case["args"], case["name"])
            outcomes.append({"name": case["name"], "code": None})
        except orderly.OrderlyError as err:
            outcomes.append({"name": case["name"], "code": err.code})
        except TypeError as err:
            outcomes.append({"name": case["name"], "typed": f"TypeError: {err}"})
    report(outcomes)


if __name__ == "__main__":
    main()
