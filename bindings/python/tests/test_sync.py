"""Offline capture and sync against a real orderly-server over HTTP: orders taken with no
network are kept, pushed exactly once, and the server's later changes come back."""

import json
import threading
import time
from pathlib import Path
from typing import List

import pytest

import orderly
from conftest import set_coffee_cart
from sync_server import SyncServer, free_port


def capture_offline(engine: orderly.Engine, address: orderly.Address, card: orderly.Card) -> List[str]:
    """Places two orders and cancels the second, as a register with no network would."""
    set_coffee_cart(engine)
    ids = []
    for key in ("sale-1", "sale-2"):
        placed = engine.place_order(user_id="alice", delivery_address=address, payment_method=card, idempotency_key=key)
        ids.append(placed.order.order_id)
    engine.cancel(ids[1], reason="customer left")
    return ids


def test_a_device_syncs_what_it_captured_offline_exactly_once(
    tmp_path: Path, sync_server: SyncServer, ny_address: orderly.Address, card: orderly.Card
) -> None:
    url = f"sqlite:///{tmp_path / 'pos.db'}"
    engine = orderly.Engine.open(url, device_id="pos-12")
    assert engine.device_id == "pos-12"
    kept, cancelled = capture_offline(engine, ny_address, card)
    assert (engine.sync_state().pending, engine.sync_state().last_recorded) == (3, 3)
    token = sync_server.token("pos-12", "device")

    # No network: the sync fails with a code, and nothing is lost.
    with pytest.raises(orderly.Unavailable) as offline:
        engine.sync(f"http://127.0.0.1:{free_port()}", token)
    assert offline.value.code == "sync_unavailable"
    assert engine.sync_state().pending == 3
    assert engine.order(cancelled).status == "cancelled"

    report = engine.sync(sync_server.url, token)
    assert report.pushed == 3
    assert [(r.seq, r.order_id, r.outcome, r.code) for r in report.results] == [
        (1, kept, "accepted", None),
        (2, cancelled, "accepted", None),
        (3, cancelled, "accepted", None),
    ]
    assert report.pending == 0
    assert engine.sync_state().pending == 0
    assert engine.sync_state().cursor is not None

    # The server holds what the device captured, as it captured it.
    admin = sync_server.token("ops", "admin")
    code, _, on_server = sync_server.call("GET", f"/order/{kept}", admin)
    assert code == 200
    assert (on_server["status"], on_server["totals"]["total"]["amount"]) == ("placed", str(engine.order(kept).totals.total))
    assert "token" not in on_server["paymentMethod"]
    assert sync_server.call("GET", f"/order/{cancelled}", admin)[2]["status"] == "cancelled"

    again = engine.sync(sync_server.url, token)
    assert (again.pushed, again.results, again.changes_pulled, again.orders_updated, again.pending) == (0, [], 0, 0, 0)

    # Staff move the order on the server; the next sync brings the status and its milestone.
    sync_server.staff_status(kept, "processing", "picked at the warehouse")
    pulled = engine.sync(sync_server.url, token)
    assert (pulled.pushed, pulled.changes_pulled, pulled.orders_updated) == (0, 1, 1)
    assert engine.order(kept).status == "processing"
    last = engine.status(kept).history[-1]
    assert (last.status, last.note) == ("processing", "picked at the warehouse")
    assert engine.sync(sync_server.url, token).orders_updated == 0

    with pytest.raises(orderly.OpenError) as mismatch:
        orderly.Engine.open(url, device_id="pos-13")
    assert mismatch.value.code == "device_mismatch"
    assert orderly.Engine.open(url, device_id="pos-12").device_id == "pos-12"


def test_sync_refusals_carry_the_clients_codes(tmp_path: Path, sync_server: SyncServer, ny_address: orderly.Address, card: orderly.Card) -> None:
    engine = orderly.Engine.open(f"sqlite:///{tmp_path / 'pos.db'}", device_id="pos-12")
    capture_offline(engine, ny_address, card)
    # Another device's token, and a customer's: refused, and nothing is lost.
    for token in (sync_server.token("pos-99", "device"), sync_server.token("alice", "customer")):
        with pytest.raises(orderly.Forbidden) as refused:
            engine.sync(sync_server.url, token)
        assert refused.value.code == "sync_unauthorized"
    assert engine.sync_state().pending == 3

    with pytest.raises(orderly.OpenError) as bad_id:
        orderly.Engine.open(f"sqlite:///{tmp_path / 'other.db'}", device_id="pos 12")
    assert bad_id.value.code == "invalid_device_id"

    plain = orderly.Engine.open(f"sqlite:///{tmp_path / 'plain.db'}")
    assert plain.device_id is None
    with pytest.raises(orderly.Conflict) as not_device:
        plain.build_push()
    assert not_device.value.code == "not_a_device"


def test_apps_can_move_the_bytes_themselves(tmp_path: Path, sync_server: SyncServer, ny_address: orderly.Address, card: orderly.Card) -> None:
    engine = orderly.Engine.open(f"sqlite:///{tmp_path / 'pos.db'}", device_id="pos-13")
    kept, cancelled = capture_offline(engine, ny_address, card)
    token = sync_server.token("pos-13", "device")

    first = json.loads(engine.build_push(max_operations=2))
    assert first["deviceId"] == "pos-13"
    assert "deviceTime" in first
    assert [(op["seq"], op["op"]) for op in first["operations"]] == [(1, "place"), (2, "place")]
    assert first["operations"][0]["idempotencyKey"] == "sale-1"
    assert first["operations"][0]["order"]["orderId"] == kept

    body = engine.build_push()
    assert [op["seq"] for op in json.loads(body)["operations"]] == [1, 2, 3]
    answer = sync_server.post_raw("/sync/push", token, body)
    assert json.loads(answer)["lastSeq"] == 3
    assert engine.apply_push_response(answer) == 3
    assert engine.apply_push_response(answer) == 0  # applying an answer twice is harmless
    assert engine.sync_state().pending == 0
    assert json.loads(engine.build_push())["operations"] == []

    sync_server.staff_status(kept, "processing", "packed")
    page = sync_server.get_raw("/sync/pull?limit=500", token)
    # The feed has each placement and the cancellation as the server recorded them, then the
    # staff's move.
    assert [c["status"] for c in json.loads(page)["changes"]] == ["placed", "placed", "cancelled", "processing"]
    assert engine.apply_pull_page(page) == 2
    assert engine.order(kept).status == "processing"
    assert engine.sync_state().cursor == json.loads(page)["nextCursor"]
    assert engine.apply_pull_page(page) == 0

    with pytest.raises(orderly.UpstreamError) as malformed:
        engine.apply_push_response("<html>bad gateway</html>")
    assert malformed.value.code == "sync_protocol"
    with pytest.raises(orderly.UpstreamError):
        engine.apply_pull_page('{"changes": 3}')
    assert engine.order(cancelled).status == "cancelled"


def test_sync_releases_the_gil_while_it_waits_for_the_server(tmp_path: Path) -> None:
    engine = orderly.Engine.open(f"sqlite:///{tmp_path / 'pos.db'}", device_id="pos-12")
    unreachable = f"http://127.0.0.1:{free_port()}"
    done = threading.Event()
    codes: List[str] = []

    def offline_sync() -> None:
        try:
            engine.sync(unreachable, "token")
        except orderly.Unavailable as err:
            codes.append(err.code)
        finally:
            done.set()

    started = time.monotonic()
    worker = threading.Thread(target=offline_sync)
    worker.start()
    last, longest_stall = started, 0.0
    while not done.is_set():  # pure Python: it runs only while the sync does not hold the GIL
        now = time.monotonic()
        longest_stall, last = max(longest_stall, now - last), now
    worker.join()
    assert codes == ["sync_unavailable"]
    assert time.monotonic() - started > 1.0  # the sync retried for a while ...
    assert longest_stall < 0.5  # ... and this thread ran all along
