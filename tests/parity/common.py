"""What the parity front ends share: reading the case table and reporting outcomes.

Every front end prints one JSON line per case: `{"name", "code"}` when the engine answered with
an error code, `{"name", "code": null}` when the call succeeded (a bad input got through), or
`{"name", "typed": "..."}` when the language refused the input before the engine was called
(only allowed where the case lists the front end under `typed`).
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_cases() -> dict:
    return json.loads((HERE / "cases.json").read_text())


def load_carts() -> list:
    return json.loads((HERE / "carts.json").read_text())


def request(table: dict, case: dict) -> dict:
    """The case's request: the base request with the case's overrides."""
    return {**table["base"], **case["args"]}


def snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def snake_keys(obj: dict) -> dict:
    return {snake(k): v for k, v in obj.items()}


def report(outcomes: list) -> None:
    for outcome in outcomes:
        sys.stdout.write(json.dumps(outcome) + "\n")
