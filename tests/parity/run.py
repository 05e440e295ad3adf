"""Runs the table of bad inputs (cases.json) through every front end and checks that each one
answers with the case's code: REST (a real `orderly-server` over HTTP, reading carts from the
example Cart Service), the Python binding, the Node binding and the Swift binding's generated
code. A front end may refuse an input by type only where the case says its types cannot carry
it. Exits non-zero on any difference.

    python3 tests/parity/run.py --server BIN --cart-service BIN --binding-python PY \
        --uniffi-dir DIR --node-dir bindings/node

Run by scripts/test-parity.sh, which builds everything first.
"""

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rest_front  # noqa: E402
from common import HERE, load_cases  # noqa: E402

FRONTS = ("rest", "python", "node", "swift")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"parity: {what} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"parity: {what} did not answer {url} within 30 s")


def spawn(stack: ExitStack, argv: list, env: dict, log: Path) -> subprocess.Popen:
    out = stack.enter_context(open(log, "wb"))
    proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    stack.callback(proc.wait)
    stack.callback(proc.terminate)
    return proc


def rest_outcomes(args, table: dict, scratch: Path) -> list:
    secret = secrets.token_hex(32)
    cart_port, server_port = free_port(), free_port()
    with ExitStack() as stack:
        carts = spawn(
            stack,
            [args.cart_service, "--listen", f"127.0.0.1:{cart_port}", "--seed", str(HERE / "carts.json")],
            {},
            scratch / "cart-service.log",
        )
        wait_healthy(f"http://127.0.0.1:{cart_port}/health", carts, "the cart service")
        server = spawn(
            stack,
            [args.server, "--listen", f"127.0.0.1:{server_port}", "--database", f"sqlite://{scratch / 'rest.db'}"],
            {"ORDERLY_JWT_SECRET": secret, "CART_SERVICE_URL": f"http://127.0.0.1:{cart_port}"},
            scratch / "server.log",
        )
        base = f"http://127.0.0.1:{server_port}"
        wait_healthy(f"{base}/health", server, "orderly-server")
        return rest_front.run(base, secret, table)


def front_outcomes(argv: list, env: dict) -> list:
    done = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True, cwd=HERE)
    if done.returncode != 0:
        raise SystemExit(f"parity: {' '.join(argv)} failed:\n{done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def check(table: dict, results: dict) -> list:
    failures = []
    for case in table["cases"]:
        typed = set(case.get("typed", []))
        for front in FRONTS:
            got = results[front].get(case["name"])
            if got is None:
                failures.append(f"{case['name']}: {front} did not report the case")
            elif "typed" in got:
                if front not in typed:
                    failures.append(f"{case['name']}: {front} refused it by type ({got['typed']}); expected {case['code']}")
            elif front in typed:
                failures.append(f"{case['name']}: {front} accepted an input its types should not carry (code {got['code']})")
            elif got["code"] != case["code"]:
                failures.append(f"{case['name']}: {front} answered {got['code']}, expected {case['code']}")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="the orderly-server binary")
    parser.add_argument("--cart-service", required=True, help="the example cart-service binary")
    parser.add_argument("--binding-python", required=True, help="a Python with the orderly wheel installed")
    parser.add_argument("--uniffi-dir", required=True, help="UniFFI's generated Python module next to liborderly_ffi")
    parser.add_argument("--node-dir", required=True, help="bindings/node with the addon built")
    args = parser.parse_args()

    table = load_cases()
    clean = {"PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as scratch:
        results = {
            "rest": rest_outcomes(args, table, Path(scratch)),
            "python": front_outcomes([args.binding_python, "python_front.py"], clean),
            "node": front_outcomes(["node", "node_front.mjs", os.path.abspath(args.node_dir)], {}),
            "swift": front_outcomes([sys.executable, "swift_front.py"], {**clean, "PYTHONPATH": args.uniffi_dir}),
        }
    by_name = {front: {o["name"]: o for o in outcomes} for front, outcomes in results.items()}
    failures = check(table, by_name)
    for case in table["cases"]:
        cells = []
        for front in FRONTS:
            got = by_name[front].get(case["name"], {})
            cells.append(f"{front}={'(typed)' if 'typed' in got else got.get('code')}")
        print(f"  {case['name']:<42} {case['code']:<28} {' '.join(cells)}")
    if failures:
        print("\nparity: the front ends disagree:", *failures, sep="\n  ", file=sys.stderr)
        raise SystemExit(1)
    print(f"parity: {len(table['cases'])} bad inputs, the same code from {', '.join(FRONTS)}")


if __name__ == "__main__":
    main()
