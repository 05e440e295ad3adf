"""place_order throughput from Python, with exactly the data and store settings of the native
baseline (bindings/node/bench/native.rs) and the Node benchmark.

Run: python bench/place_order.py [orders] [warmup] [file|memory]
Prints one JSON line: {"lang": "python", "orders": N, "seconds": S, "perSecond": R}.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

import orderly


def main() -> None:
    orders = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    store = sys.argv[3] if len(sys.argv) > 3 else "file"
    with tempfile.TemporaryDirectory() as tmp:
        url = "sqlite::memory:" if store == "memory" else f"sqlite://{Path(tmp) / 'bench.db'}"
        engine = orderly.Engine.open(url)
        engine.set_cart(
            "bench",
            "USD",
            [
                orderly.CartItem("sku-espresso", "Espresso beans 1kg", 2, "19.99"),
                orderly.CartItem("sku-grinder", "Burr grinder", 1, "89.00"),
                orderly.CartItem("sku-filters", "Paper filters", 3, "4.25"),
            ],
        )
        address = orderly.Address(
            name="Alice Martin", line1="350 Fifth Avenue", city="New York", region="NY", postal_code="10118", country="US"
        )
        card = orderly.Card(token="tok_visa_4242", brand="visa", last4="4242", exp_month=12, exp_year=2099)

        def place(n: int) -> None:
            placed = engine.place_order(
                user_id="bench", delivery_address=address, payment_method=card, idempotency_key=f"bench-{n}"
            )
            if not placed.created or str(placed.order.totals.total) != "147.40":
                raise SystemExit(f"unexpected placement {placed!r}")

        for n in range(warmup):
            place(n)
        start = time.perf_counter()
        for n in range(warmup, warmup + orders):
            place(n)
        seconds = time.perf_counter() - start
    print(json.dumps({"lang": "python", "store": store, "orders": orders, "seconds": round(seconds, 4), "perSecond": round(orders / seconds, 1)}))


if __name__ == "__main__":
    main()
