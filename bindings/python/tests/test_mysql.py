"""The same API on MySQL/MariaDB. Runs when ORDERLY_TEST_MYSQL_URL names a server and the
extension was built with the `mysql` feature (`scripts/test-bindings.sh --mysql`)."""

import os
import uuid

import pytest

import orderly
from conftest import set_coffee_cart

URL = os.environ.get("ORDERLY_TEST_MYSQL_URL")
pytestmark = pytest.mark.skipif(not URL, reason="ORDERLY_TEST_MYSQL_URL is not set")


@pytest.fixture
def mysql_engine() -> orderly.Engine:
    assert URL is not None
    try:
        return orderly.Engine.open(URL)
    except orderly.OpenError as err:
        if err.code == "backend_not_built":
            pytest.skip("this build leaves MySQL out (build with --features mysql)")
        raise


def test_place_track_and_page_on_mysql(mysql_engine: orderly.Engine, ny_address: orderly.Address, card: orderly.Card) -> None:
    user = f"py-{uuid.uuid4().hex[:16]}"  # the database outlives the test
    set_coffee_cart(mysql_engine, user)
    first = mysql_engine.place_order(user_id=user, delivery_address=ny_address, payment_method=card, idempotency_key="k1")
    again = mysql_engine.place_order(user_id=user, delivery_address=ny_address, payment_method=card, idempotency_key="k1")
    assert first.created and not again.created
    assert again.order.order_id == first.order.order_id
    assert str(first.order.totals.total) == "147.40"
    moved = mysql_engine.update_status(first.order.order_id, "processing", expected_version=1)
    assert (moved.status, moved.version) == ("processing", 2)
    with pytest.raises(orderly.VersionConflict):
        mysql_engine.update_status(first.order.order_id, "shipped", expected_version=1)
    second = mysql_engine.place_order(user_id=user, delivery_address=ny_address, payment_method=card, idempotency_key="k2")
    page = mysql_engine.orders_for_user(user, limit=1)
    assert [o.order_id for o in page.orders] == [second.order.order_id]
    assert page.next_cursor is not None
