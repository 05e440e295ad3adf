"""Shared fixtures: a fresh SQLite engine per test and the request parts most tests use."""

from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest

import orderly
from sync_server import SyncServer, server_binary


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'orders.db'}"


@pytest.fixture
def engine(db_url: str) -> orderly.Engine:
    return orderly.Engine.open(db_url)


@pytest.fixture
def ny_address() -> orderly.Address:
    return orderly.Address(
        name="Alice Martin",
        line1="350 Fifth Avenue",
        line2="Floor 21",
        city="New York",
        region="NY",
        postal_code="10118",
        country="US",
    )


@pytest.fixture
def card() -> orderly.Card:
    return orderly.Card(token="tok_visa_4242", brand="visa", last4="4242", exp_month=12, exp_year=2099)


def set_coffee_cart(engine: orderly.Engine, user: str = "alice") -> None:
    """2 x 19.99 + 1 x 89.00 + 3 x 4.25 = 141.73 USD."""
    engine.set_cart(
        user,
        "USD",
        [
            orderly.CartItem("sku-espresso", "Espresso beans 1kg", 2, Decimal("19.99")),
            orderly.CartItem("sku-grinder", "Burr grinder", 1, "89.00"),
            orderly.CartItem("sku-filters", "Paper filters", 3, "4.25"),
        ],
    )


@pytest.fixture
def sync_server(tmp_path: Path) -> Iterator[SyncServer]:
    """A real orderly-server over HTTP on a fresh SQLite file (see ``sync_server.py``)."""
    binary = server_binary()
    if binary is None:
        pytest.skip("orderly-server is not built (cargo build -p orderly-server) and ORDERLY_SERVER_BIN is not set")
    workdir = tmp_path / "server"
    workdir.mkdir()
    server = SyncServer(binary, workdir)
    try:
        yield server
    finally:
        server.stop()
