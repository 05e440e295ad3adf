"""Offline capture and sync through the Swift binding's FFI, driven from UniFFI's Python
bindings over the same library (see test_full_flow.py), against a real orderly-server over HTTP.

Run by `scripts/test-swift.sh`, which builds the server and names it in ORDERLY_SERVER_BIN. The
server runs on a free loopback port over a fresh SQLite file with a random JWT secret; tokens
come from its `token` subcommand. Plain `python3`, no packages needed.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

import orderly

from test_full_flow import CARD, NY, expect_error, set_coffee_cart


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One orderly-server process over a fresh SQLite file in `directory`."""

    def __init__(self, binary: str, directory: str) -> None:
        self.binary = binary
        self.env = {**os.environ, "ORDERLY_JWT_SECRET": secrets.token_hex(32)}
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log_path = os.path.join(directory, "server.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary, "--listen", self.url[len("http://"):], "--database", f"sqlite://{os.path.join(directory, 'server.db')}"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"orderly-server did not start: {open(self.log_path).read()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)

    def token(self, sub: str, role: str) -> str:
        argv = [self.binary, "token", "--sub", sub, "--role", role, "--ttl", "1h"]
        return subprocess.run(argv, env=self.env, capture_output=True, text=True, check=True).stdout.strip()

    def call(self, method: str, path: str, token: str, body=None, headers=None):
        """One HTTP call; returns the status, the headers (lower-case names) and the body text."""
        request = urllib.request.Request(f"{self.url}{path}", data=None if body is None else body.encode(), method=method)
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read().decode()

    def staff_status(self, order_id: str, status: str, note: str) -> None:
        """Moves an order as staff: reads its ETag, then `PUT /order/{id}/status` with `If-Match`."""
        admin = self.token("ops", "admin")
        code, headers, _ = self.call("GET", f"/order/{order_id}", admin)
        assert code == 200, code
        body = json.dumps({"status": status, "note": note})
        code, _, text = self.call("PUT", f"/order/{order_id}/status", admin, body, {"If-Match": headers["etag"]})
        assert code == 200, (code, text)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def capture_offline(engine: orderly.Engine) -> list:
    """Places two orders and cancels the second, as a register with no network would."""
    set_coffee_cart(engine)
    ids = [
        engine.place_order(user_id="alice", delivery_address=NY, payment_method=CARD, idempotency_key=key).order.order_id
        for key in ("sale-1", "sale-2")
    ]
    engine.cancel(ids[1], reason="customer left")
    return ids


def test_device_sync(directory: str, server: Server) -> None:
    url = f"sqlite:///{os.path.join(directory, 'pos.db')}"
    engine = orderly.Engine.open(url, device_id="pos-12")
    assert engine.device_id() == "pos-12"
    kept, cancelled = capture_offline(engine)
    assert engine.sync_state() == orderly.SyncState(pending=3, last_recorded=3, cursor=None)
    token = server.token("pos-12", "device")

    # No network: the sync throws with a code, and nothing is lost.
    expect_error("Unavailable", "sync_unavailable", lambda: engine.sync(f"http://127.0.0.1:{free_port()}", token))
    assert engine.sync_state().pending == 3

    report = engine.sync(server.url, token)
    assert report.pushed == 3
    assert report.results == [
        orderly.SyncResult(seq=1, order_id=kept, outcome=orderly.SyncOutcome.ACCEPTED, code=None, detail=None),
        orderly.SyncResult(seq=2, order_id=cancelled, outcome=orderly.SyncOutcome.ACCEPTED, code=None, detail=None),
        orderly.SyncResult(seq=3, order_id=cancelled, outcome=orderly.SyncOutcome.ACCEPTED, code=None, detail=None),
    ]
    assert report.pending == 0
    again = engine.sync(server.url, token)
    assert again == orderly.SyncReport(pushed=0, results=[], changes_pulled=0, orders_updated=0, pending=0)

    # Staff move the order on the server; the next sync brings the status and its milestone.
    server.staff_status(kept, "processing", "picked at the warehouse")
    pulled = engine.sync(server.url, token)
    assert (pulled.pushed, pulled.changes_pulled, pulled.orders_updated) == (0, 1, 1)
    assert engine.order(kept).status == orderly.OrderStatus.PROCESSING
    last = engine.status(kept).history[-1]
    assert (last.status, last.note) == (orderly.OrderStatus.PROCESSING, "picked at the warehouse")

    expect_error("Forbidden", "sync_unauthorized", lambda: engine.sync(server.url, server.token("alice", "customer")))
    expect_error("Open", "device_mismatch", lambda: orderly.Engine.open(url, device_id="pos-13"))
    expect_error("Open", "invalid_device_id", lambda: orderly.Engine.open(url, device_id="pos 12"))
    assert orderly.Engine.open(url, device_id="pos-12").device_id() == "pos-12"
    assert orderly.Engine.open(f"sqlite:///{os.path.join(directory, 'plain.db')}").device_id() is None


def test_by_hand_sync(directory: str, server: Server) -> None:
    engine = orderly.Engine.open(f"sqlite:///{os.path.join(directory, 'pos.db')}", device_id="pos-14")
    kept, _ = capture_offline(engine)
    token = server.token("pos-14", "device")
    first = json.loads(engine.build_push(max_operations=2))
    assert (first["deviceId"], [op["seq"] for op in first["operations"]]) == ("pos-14", [1, 2])

    body = engine.build_push()
    code, _, answer = server.call("POST", "/sync/push", token, body)
    assert code == 200, answer
    assert engine.apply_push_response(answer) == 3
    assert engine.apply_push_response(answer) == 0
    assert engine.sync_state().pending == 0

    server.staff_status(kept, "processing", "packed")
    code, _, page = server.call("GET", "/sync/pull?limit=500", token)
    assert code == 200, page
    assert engine.apply_pull_page(page) == 2  # both orders: the placements and the cancellation as the server recorded them, then the move
    assert engine.order(kept).status == orderly.OrderStatus.PROCESSING
    assert engine.sync_state().cursor == json.loads(page)["nextCursor"]
    expect_error("UpstreamInvalid", "sync_protocol", lambda: engine.apply_push_response("<html>bad gateway</html>"))
    plain = orderly.Engine.open("sqlite::memory:")
    expect_error("Conflict", "not_a_device", lambda: plain.build_push())


def main() -> int:
    binary = os.environ.get("ORDERLY_SERVER_BIN")
    if not binary:
        print("test_sync: set ORDERLY_SERVER_BIN to the orderly-server binary", file=sys.stderr)
        return 2
    tests = [value for name, value in sorted(globals().items()) if name.startswith("test_") and callable(value)]
    failed = 0
    for test in tests:
        with tempfile.TemporaryDirectory() as directory:
            server = Server(binary, directory)
            try:
                test(directory, server)
            except Exception:  # report every failing test, then fail the run
                failed += 1
                print(f"FAIL {test.__name__}")
                traceback.print_exc()
            else:
                print(f"ok   {test.__name__}")
            finally:
                server.stop()
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
