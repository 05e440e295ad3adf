"""Threads share one engine (the GIL is released during engine calls) and idempotency keys
hold under contention: each key places exactly one order, whoever wins."""

import random
import threading
from typing import Dict, List, Set

import orderly
from conftest import set_coffee_cart

THREADS = 8
KEYS = [f"order-{n}" for n in range(12)]


def test_eight_threads_with_overlapping_keys_place_one_order_per_key(
    engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card
) -> None:
    set_coffee_cart(engine)
    barrier = threading.Barrier(THREADS)
    results: Dict[str, Set[str]] = {key: set() for key in KEYS}
    created: List[str] = []
    failures: List[BaseException] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        keys = KEYS[:]
        random.Random(seed).shuffle(keys)
        barrier.wait()
        for key in keys:
            try:
                placed = engine.place_order(
                    user_id="alice", delivery_address=ny_address, payment_method=card, idempotency_key=key
                )
            except BaseException as e:  # noqa: BLE001 - reported below
                with lock:
                    failures.append(e)
                continue
            with lock:
                results[key].add(placed.order.order_id)
                if placed.created:
                    created.append(key)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == []
    assert all(len(ids) == 1 for ids in results.values()), results
    assert sorted(created) == sorted(KEYS)  # each key created exactly once
    page = engine.orders_for_user("alice", limit=100)
    assert sorted(o.order_id for o in page.orders) == sorted(next(iter(ids)) for ids in results.values())
    placed_events = [e for e in engine.pending_events(1000) if e.type == "order.placed"]
    assert len(placed_events) == len(KEYS)

