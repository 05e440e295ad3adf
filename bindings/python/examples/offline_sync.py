import os
from decimal import Decimal
import orderly

server, token = os.environ["ORDERLY_SERVER_URL"], os.environ["ORDERLY_DEVICE_TOKEN"]  # token: orderly-server token --sub pos-12 --role device
engine = orderly.Engine.open("sqlite://pos.db", device_id="pos-12")  # the register's own database
engine.set_cart("walk-in", "USD", [orderly.CartItem("sku-1", "Espresso beans", 2, Decimal("19.99"))])
shop = orderly.Address(name="Corner Shop", line1="350 Fifth Ave", city="New York", region="NY", postal_code="10118", country="US")
for key in ("sale-1", "sale-2"):  # taken with no network: kept on the device, queued for the server
    engine.place_order(user_id="walk-in", delivery_address=shop, payment_method=orderly.CashOnDelivery(), idempotency_key=key)
print("pending", engine.sync_state().pending)  # pending 2
try:
    report = engine.sync(server, token)  # push what is pending, then pull the server's changes
    print([r.outcome for r in report.results], "pending", report.pending)  # ['accepted', 'accepted'] pending 0
except orderly.Unavailable as err:
    print(err.code, "pending", engine.sync_state().pending)  # offline: sync_unavailable pending 2, nothing lost
