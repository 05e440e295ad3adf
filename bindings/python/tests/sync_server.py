"""A real ``orderly-server`` for the sync tests: started on a free loopback port over a fresh
SQLite file with a random JWT secret, tokens minted by its ``token`` subcommand, and the staff
calls a test needs made over HTTP.

The binary is ``$ORDERLY_SERVER_BIN`` (``scripts/test-bindings.sh`` builds it and sets it), or
else ``orderly-server`` in ``$CARGO_TARGET_DIR/debug`` or the workspace's ``target/debug``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

ROOT = Path(__file__).resolve().parents[3]


def server_binary() -> Optional[Path]:
    """The server binary to run, or ``None`` when it is not built and no variable names it."""
    named = os.environ.get("ORDERLY_SERVER_BIN")
    if named:
        return Path(named)  # named explicitly: a missing file must fail, not skip
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    built = target / "debug" / "orderly-server"
    return built if built.exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class SyncServer:
    """One server process; ``stop`` ends it (the fixture does)."""

    def __init__(self, binary: Path, workdir: Path) -> None:
        self.binary = binary
        self.secret = secrets.token_hex(32)
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = workdir / "server.log"
        database = f"sqlite://{workdir / 'server.db'}"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(binary), "--listen", self.url.removeprefix("http://"), "--database", database],
                env={**os.environ, "ORDERLY_JWT_SECRET": self.secret},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"orderly-server exited: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"orderly-server did not become healthy: {self.log.read_text()}")

    def token(self, sub: str, role: str) -> str:
        """A token minted by ``orderly-server token``, as an operator would."""
        done = subprocess.run(
            [str(self.binary), "token", "--sub", sub, "--role", role, "--ttl", "1h"],
            env={**os.environ, "ORDERLY_JWT_SECRET": self.secret},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def call(self, method: str, path: str, token: str, body: Optional[Dict[str, Any]] = None, headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], Any]:
        """One HTTP call; returns the status, the headers and the decoded JSON body."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, dict(answer.headers), json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), json.loads(err.read() or b"null")

    def post_raw(self, path: str, token: str, body: str) -> str:
        """POSTs a JSON body as it is and returns the answer's text (200 expected)."""
        request = urllib.request.Request(f"{self.url}{path}", data=body.encode(), method="POST")
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:
            text: str = answer.read().decode()
            return text

    def get_raw(self, path: str, token: str) -> str:
        """GETs a path and returns the answer's text (200 expected)."""
        request = urllib.request.Request(f"{self.url}{path}")
        request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as answer:
            text: str = answer.read().decode()
            return text

    def staff_status(self, order_id: str, status: str, note: str) -> Dict[str, Any]:
        """Moves an order as staff: reads its ETag, then ``PUT /order/{id}/status`` with ``If-Match``."""
        admin = self.token("ops", "admin")
        code, headers, _ = self.call("GET", f"/order/{order_id}", admin)
        assert code == 200, f"GET /order/{order_id}: {code}"
        etag = {k.lower(): v for k, v in headers.items()}["etag"]
        code, _, order = self.call("PUT", f"/order/{order_id}/status", admin, {"status": status, "note": note}, {"If-Match": etag})
        assert code == 200, f"PUT /order/{order_id}/status: {code} {order}"
        result: Dict[str, Any] = order
        return result

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
