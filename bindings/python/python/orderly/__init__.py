"""Orderly for Python: an order engine that is exact to the cent and never places an order twice.

Open an engine on embedded SQLite (or MySQL), set a user's cart, place orders::

    import orderly
    from decimal import Decimal

    engine = orderly.Engine.open("sqlite:///orders.db")
    engine.set_cart("alice", "USD", [orderly.CartItem("sku-1", "Beans", 2, Decimal("19.99"))])
    placed = engine.place_order(
        user_id="alice",
        delivery_address=orderly.Address(name="Alice", line1="1 Main St", city="Springfield",
                                         postal_code="62701", country="US"),
        payment_method=orderly.CashOnDelivery(),
        idempotency_key="order-1",
    )
    print(placed.order.order_id, placed.order.totals.total)  # ... Decimal('44.97')

Money is ``decimal.Decimal`` (the currency is on the enclosing object), times are aware UTC
``datetime`` objects, results are immutable, and every engine error is an
:class:`orderly.OrderlyError` with a stable ``code``. Engine calls release the GIL, so one
``Engine`` can serve many threads.

Offline devices open their engine with a device id and sync with the server when online::

    engine = orderly.Engine.open("sqlite:///pos.db", device_id="pos-12")
    ...  # place and cancel orders with no network
    report = engine.sync("https://orders.example.com", device_token)
    print(report.pushed, report.pending, [r.outcome for r in report.results])
"""

from typing import Literal, Union

from ._orderly import (
    Address,
    CancellationCount,
    Card,
    Cart,
    CartItem,
    CartLine,
    CashOnDelivery,
    Checkout,
    Engine,
    Milestone,
    Order,
    OrderLine,
    OrderPage,
    OutboxEvent,
    PayPal,
    Placement,
    ProductSales,
    SalesSummary,
    Shipment,
    ShipmentLine,
    ShipmentMilestone,
    StaffNote,
    StatusCount,
    StatusView,
    SyncReport,
    SyncResult,
    SyncState,
    TimelineEntry,
    Totals,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryPage,
    WebhookHealth,
    default_policy,
)
from .errors import (
    CartChanged,
    CheckoutExpired,
    Conflict,
    Forbidden,
    IdempotencyConflict,
    InternalError,
    InvalidTransition,
    NotFound,
    OpenError,
    OrderlyError,
    Unavailable,
    UpstreamError,
    ValidationError,
    VersionConflict,
)

#: Any of the three payment method classes.
PaymentMethod = Union[Card, PayPal, CashOnDelivery]
#: An order's status, as results report it and ``update_status`` takes it.
OrderStatus = Literal["placed", "processing", "partially_shipped", "shipped", "delivered", "cancelled"]
#: A shipment's state.
ShipmentStatus = Literal["pending", "shipped", "delivered", "cancelled"]
#: Why an order was cancelled.
CancelReason = Literal["customer", "inventory", "fraud", "payment_declined", "staff", "other"]
#: A delivery speed.
ShippingMethod = Literal["standard", "express"]
#: What the sync server did with a pushed operation.
SyncOutcome = Literal["accepted", "accepted_with_variance", "needs_review", "rejected", "conflict"]
#: An outbox event's type.
EventType = Literal["order.placed", "order.status_changed", "order.cancelled", "order.shipment_changed"]

__all__ = [
    "Engine",
    "default_policy",
    "Address",
    "Card",
    "PayPal",
    "CashOnDelivery",
    "PaymentMethod",
    "OrderStatus",
    "ShipmentStatus",
    "CancelReason",
    "ShippingMethod",
    "EventType",
    "CartItem",
    "Cart",
    "CartLine",
    "Totals",
    "OrderLine",
    "Milestone",
    "Order",
    "Checkout",
    "Placement",
    "OrderPage",
    "StatusView",
    "OutboxEvent",
    "SalesSummary",
    "ProductSales",
    "StatusCount",
    "ShipmentLine",
    "Shipment",
    "ShipmentMilestone",
    "StaffNote",
    "TimelineEntry",
    "CancellationCount",
    "Webhook",
    "WebhookHealth",
    "WebhookDelivery",
    "WebhookAttempt",
    "WebhookDeliveryPage",
    "SyncReport",
    "SyncResult",
    "SyncState",
    "SyncOutcome",
    "OrderlyError",
    "ValidationError",
    "NotFound",
    "Forbidden",
    "Conflict",
    "InvalidTransition",
    "IdempotencyConflict",
    "CheckoutExpired",
    "CartChanged",
    "VersionConflict",
    "Unavailable",
    "UpstreamError",
    "InternalError",
    "OpenError",
]
