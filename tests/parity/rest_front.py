"""The REST front end: each case as an HTTP request to a running `orderly-server`.

Tokens are HS256 JWTs minted here with the server's secret: the customer named in the request
for customer operations, an admin for staff ones.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from common import request


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(secret: str, sub: str, role: str) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64(json.dumps({"sub": sub, "role": role, "exp": int(time.time()) + 600}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{_b64(signature)}"


def _path(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _call(base: str, method: str, path: str, bearer: str, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {bearer}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()
            return None
    except urllib.error.HTTPError as err:
        problem = json.loads(err.read() or b"{}")
        return problem.get("code", f"http {err.code} without a code")


def _fresh_order(base: str, customer: str, admin: str, r: dict, name: str, processing: bool) -> str:
    """An order of the base user's to cancel or ship, placed for this case."""
    body = json.dumps(_order_body(r)).encode()
    req = urllib.request.Request(base + "/order", data=body, method="POST")
    req.add_header("Authorization", f"Bearer {customer}")
    req.add_header("Content-Type", "application/json")
    req.add_header("Idempotency-Key", f"setup {name}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        order_id = json.loads(resp.read())["orderId"]
    if processing:
        code = _call(base, "PUT", f"/order/{_path(order_id)}/status", admin, {"status": "processing"})
        if code is not None:
            raise RuntimeError(f"could not move the set-up order to processing: {code}")
    return order_id


def _order_body(r: dict, *fields: str) -> dict:
    body = {"userId": r["userId"], "deliveryAddress": r["deliveryAddress"], "paymentMethod": r["paymentMethod"]}
    for field in fields:
        if field in r:
            body[field] = r[field]
    return body


def run_case(base: str, secret: str, table: dict, case: dict) -> dict:
    r = request(table, case)
    customer = token(secret, r["userId"], "customer")
    admin = token(secret, "parity", "admin")
    op = case["op"]
    if op == "checkout":
        code = _call(base, "POST", "/checkout", customer, _order_body(r, "shippingMethod"))
    elif op == "place_order":
        body = _order_body(r, "shippingMethod", "checkoutId")
        code = _call(base, "POST", "/order", customer, body, {"Idempotency-Key": r["idempotencyKey"]})
    elif op == "order":
        code = _call(base, "GET", f"/order/{_path(r['orderId'])}", admin)
    elif op == "update_status":
        code = _call(base, "PUT", f"/order/{_path(r['orderId'])}/status", admin, {"status": r["status"]})
    elif op == "open_device":
        # A device opens its engine with its id; over REST the id travels in each push.
        device = token(secret, table["base"]["deviceId"], "device")
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        code = _call(base, "POST", "/sync/push", device, {"deviceId": r["deviceId"], "deviceTime": now, "operations": []})
    elif op == "orders_for_user":
        query = {k: r[k] for k in ("status", "limit") if k in case["args"]}
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        code = _call(base, "GET", f"/orders/{_path(r['userId'])}{suffix}", customer)
    elif op == "search_orders":
        query = urllib.parse.urlencode(case["args"]["filters"])
        code = _call(base, "GET", f"/orders?{query}", admin)
    elif op == "cancel":
        order_id = _fresh_order(base, customer, admin, r, case["name"], processing=False)
        args = case["args"]
        query = urllib.parse.urlencode({k: args[k] for k in ("reason", "note") if k in args})
        bearer = customer if args.get("asCustomer") else admin
        code = _call(base, "DELETE", f"/order/{_path(order_id)}?{query}", bearer)
    elif op == "create_shipment":
        order_id = _fresh_order(base, customer, admin, r, case["name"], processing=True)
        code = _call(base, "POST", f"/order/{_path(order_id)}/shipments", admin, case["args"])
    elif op == "create_webhook":
        code = _call(base, "POST", "/webhooks", admin, {**table["base"]["webhook"], **case["args"]})
    else:
        raise ValueError(f"unknown op {op!r}")
    return {"name": case["name"], "code": code}


def run(base: str, secret: str, table: dict) -> list:
    return [run_case(base, secret, table, case) for case in table["cases"]]
