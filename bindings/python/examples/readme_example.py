from decimal import Decimal
import orderly

engine = orderly.Engine.open("sqlite://orders.db")  # embedded SQLite: orders.db in the current directory
engine.set_cart("alice", "USD", [orderly.CartItem("sku-1", "Espresso beans", 2, Decimal("19.99"))])
home = orderly.Address(name="Alice", line1="350 Fifth Ave", city="New York", region="NY", postal_code="10118", country="US")
placed = engine.place_order(user_id="alice", delivery_address=home, payment_method=orderly.CashOnDelivery(), idempotency_key="order-1")
order = engine.update_status(placed.order.order_id, "processing", note="picked")
print(order.status, order.totals.total)  # processing 46.57
try:
    engine.update_status(order.order_id, "delivered")  # it has not shipped yet
except orderly.InvalidTransition as err:
    print(err.code)  # invalid_transition
