//! What the engine returns, as plain records: ids are canonical UUID strings, money is `Money`,
//! instants are `SystemTime` (Swift `Date`), free-form JSON (order metadata, event payloads) is
//! its JSON text.

use std::time::SystemTime;

use crate::values::{
    ActorKind, Address, CancelReason, EventType, Money, OrderStatus, PaymentMethod, PaymentSummary,
    ShipmentStatus, TimelineKind, system_time,
};

/// One validated, totalled cart line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct CartLine {
    pub product_id: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
}

/// A user's cart as the engine sees it: validated and totalled.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Cart {
    pub user_id: String,
    pub currency: String,
    pub items: Vec<CartLine>,
    pub subtotal: Money,
}

impl From<orderly::Cart> for Cart {
    fn from(c: orderly::Cart) -> Self {
        Cart {
            user_id: c.user_id.as_str().to_owned(),
            currency: c.currency.code().to_owned(),
            items: c
                .items
                .into_iter()
                .map(|l| CartLine {
                    product_id: l.product_id.as_str().to_owned(),
                    name: l.name,
                    quantity: l.quantity,
                    unit_price: l.unit_price.into(),
                    line_total: l.line_total.into(),
                })
                .collect(),
            subtotal: c.subtotal.into(),
        }
    }
}

/// An order's money: `total = subtotal + shipping + tax - discount`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Totals {
    pub subtotal: Money,
    pub shipping: Money,
    pub tax: Money,
    pub discount: Money,
    pub total: Money,
}

impl From<orderly::Totals> for Totals {
    fn from(t: orderly::Totals) -> Self {
        Totals {
            subtotal: t.subtotal.into(),
            shipping: t.shipping.into(),
            tax: t.tax.into(),
            discount: t.discount.into(),
            total: t.total.into(),
        }
    }
}

/// One priced order line; `discount` is its share of the order discount.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct OrderLine {
    pub product_id: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
    pub discount: Money,
}

fn order_lines(lines: Vec<orderly::OrderLine>) -> Vec<OrderLine> {
    lines
        .into_iter()
        .map(|l| OrderLine {
            product_id: l.product_id.as_str().to_owned(),
            name: l.name,
            quantity: l.quantity,
            unit_price: l.unit_price.into(),
            line_total: l.line_total.into(),
            discount: l.discount.into(),
        })
        .collect()
}

/// One step of an order's life: when, who (`customer:alice`, `service:warehouse`) and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Milestone {
    pub status: OrderStatus,
    pub at: SystemTime,
    pub actor: String,
    pub note: Option<String>,
    /// Why, on a cancellation; nil on other milestones.
    pub reason: Option<CancelReason>,
}

fn milestones(history: Vec<orderly::Milestone>) -> Vec<Milestone> {
    history
        .into_iter()
        .map(|m| Milestone {
            status: m.status.into(),
            at: system_time(m.at),
            actor: m.actor,
            note: m.note,
            reason: m.reason.map(Into::into),
        })
        .collect()
}

/// How many units of one order line a shipment carries (in `createShipment(lines:)` and in
/// the shipments orders report).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct ShipmentLine {
    pub product_id: String,
    pub quantity: u32,
}

/// One step of a shipment's life.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct ShipmentMilestone {
    pub status: ShipmentStatus,
    pub at: SystemTime,
    pub actor: String,
    pub note: Option<String>,
}

/// A shipment of some of an order's lines, with its carrier and tracking.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Shipment {
    pub shipment_id: String,
    pub status: ShipmentStatus,
    pub lines: Vec<ShipmentLine>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// Given explicitly, or made from a known carrier's template.
    pub tracking_url: Option<String>,
    pub created_at: SystemTime,
    /// Every step, oldest first.
    pub history: Vec<ShipmentMilestone>,
}

fn shipments(list: Vec<orderly::Shipment>) -> Vec<Shipment> {
    list.into_iter()
        .map(|s| Shipment {
            shipment_id: s.shipment_id.to_string(),
            status: s.status.into(),
            lines: s
                .lines
                .into_iter()
                .map(|l| ShipmentLine {
                    product_id: l.product_id.as_str().to_owned(),
                    quantity: l.quantity,
                })
                .collect(),
            carrier: s.carrier,
            tracking_number: s.tracking_number,
            tracking_url: s.tracking_url,
            created_at: system_time(s.created_at),
            history: s
                .history
                .into_iter()
                .map(|m| ShipmentMilestone {
                    status: m.status.into(),
                    at: system_time(m.at),
                    actor: m.actor,
                    note: m.note,
                })
                .collect(),
        })
        .collect()
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Order {
    pub order_id: String,
    pub user_id: String,
    pub status: OrderStatus,
    pub currency: String,
    pub items: Vec<OrderLine>,
    pub totals: Totals,
    pub delivery_address: Address,
    pub payment_method: PaymentSummary,
    pub shipping_method: crate::values::ShippingMethod,
    pub discount_code: Option<String>,
    pub checkout_id: Option<String>,
    /// The order's metadata: a JSON object, `{}` when none was given.
    pub metadata_json: String,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    /// Starts at 1 and grows by one with every change.
    pub version: u32,
    /// Every milestone, oldest first, starting with `placed`.
    pub history: Vec<Milestone>,
    /// The order's shipments, oldest first; empty until the first.
    pub shipments: Vec<Shipment>,
}

impl From<orderly::Order> for Order {
    fn from(o: orderly::Order) -> Self {
        Order {
            order_id: o.id.to_string(),
            user_id: o.user_id.as_str().to_owned(),
            status: o.status.into(),
            currency: o.currency.code().to_owned(),
            items: order_lines(o.items),
            totals: o.totals.into(),
            delivery_address: o.delivery_address.into(),
            payment_method: o.payment_method.into(),
            shipping_method: o.shipping_method.into(),
            discount_code: o.discount_code,
            checkout_id: o.checkout_id.map(|id| id.to_string()),
            metadata_json: serde_json::Value::Object(o.metadata).to_string(),
            created_at: system_time(o.created_at),
            updated_at: system_time(o.updated_at),
            version: o.version,
            history: milestones(o.history),
            shipments: shipments(o.shipments),
        }
    }
}

/// A priced quote that `placeOrder(checkoutId:)` honours until `expiresAt` if the cart has
/// not changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Checkout {
    pub checkout_id: String,
    pub user_id: String,
    pub currency: String,
    pub items: Vec<OrderLine>,
    pub totals: Totals,
    pub payment_method: PaymentMethod,
    pub delivery_address: Address,
    pub shipping_method: crate::values::ShippingMethod,
    pub discount_code: Option<String>,
    pub created_at: SystemTime,
    pub expires_at: SystemTime,
}

impl From<orderly::Checkout> for Checkout {
    fn from(c: orderly::Checkout) -> Self {
        Checkout {
            checkout_id: c.checkout_id.to_string(),
            user_id: c.user_id.as_str().to_owned(),
            currency: c.currency.code().to_owned(),
            items: order_lines(c.items),
            totals: c.totals.into(),
            payment_method: c.payment_method.into(),
            delivery_address: c.delivery_address.into(),
            shipping_method: c.shipping_method.into(),
            discount_code: c.discount_code,
            created_at: system_time(c.created_at),
            expires_at: system_time(c.expires_at),
        }
    }
}

/// The result of `placeOrder`: the order, and whether this call created it (`false` when the
/// idempotency key had already placed it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Placement {
    pub order: Order,
    pub created: bool,
}

impl From<orderly::Placement> for Placement {
    fn from(p: orderly::Placement) -> Self {
        Placement {
            order: p.order.into(),
            created: p.created,
        }
    }
}

/// One page of orders: a user's, newest first, or a staff search's in its sort order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct OrderPage {
    pub orders: Vec<Order>,
    /// Pass as `cursor` for the next page; `nil` on the last page.
    pub next_cursor: Option<String>,
}

impl From<orderly::OrderPage> for OrderPage {
    fn from(p: orderly::OrderPage) -> Self {
        OrderPage {
            orders: p.orders.into_iter().map(Order::from).collect(),
            next_cursor: p.next_cursor,
        }
    }
}

/// An order's status and every milestone, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct StatusView {
    pub order_id: String,
    pub status: OrderStatus,
    pub updated_at: SystemTime,
    pub version: u32,
    pub history: Vec<Milestone>,
    pub shipments: Vec<Shipment>,
}

impl From<orderly::StatusView> for StatusView {
    fn from(v: orderly::StatusView) -> Self {
        StatusView {
            order_id: v.order_id.to_string(),
            status: v.status.into(),
            updated_at: system_time(v.updated_at),
            version: v.version,
            history: milestones(v.history),
            shipments: shipments(v.shipments),
        }
    }
}

/// Sales in one currency over a range; cancelled orders excluded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SalesSummary {
    pub currency: String,
    pub total: Money,
    pub orders: u64,
    /// `total / orders`, rounded half-even.
    pub average_order_value: Money,
}

impl From<orderly::SalesSummary> for SalesSummary {
    fn from(s: orderly::SalesSummary) -> Self {
        SalesSummary {
            currency: s.currency.code().to_owned(),
            total: s.total.into(),
            orders: s.orders,
            average_order_value: s.average_order_value.into(),
        }
    }
}

/// One product's sales in one currency; revenue is net of discount.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct ProductSales {
    pub product_id: String,
    pub name: String,
    pub quantity: u64,
    pub revenue: Money,
}

impl From<orderly::ProductSales> for ProductSales {
    fn from(p: orderly::ProductSales) -> Self {
        ProductSales {
            product_id: p.product_id.as_str().to_owned(),
            name: p.name,
            quantity: p.quantity,
            revenue: p.revenue.into(),
        }
    }
}

/// How many orders are in one status now.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct StatusCount {
    pub status: OrderStatus,
    pub orders: u64,
}

impl From<orderly::StatusCount> for StatusCount {
    fn from(s: orderly::StatusCount) -> Self {
        StatusCount {
            status: s.status.into(),
            orders: s.orders,
        }
    }
}

/// One outbox event, written with the change it describes. Consumers deduplicate by
/// `eventId`; `sequence` counts from 1 per order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct OutboxEvent {
    pub event_id: String,
    pub event_type: EventType,
    pub order_id: String,
    pub user_id: String,
    pub sequence: u32,
    pub at: SystemTime,
    /// The event's payload as JSON text.
    pub payload_json: String,
}

impl From<orderly::OutboxEvent> for OutboxEvent {
    fn from(e: orderly::OutboxEvent) -> Self {
        OutboxEvent {
            event_id: e.event_id.to_string(),
            event_type: e.event_type.into(),
            order_id: e.order_id.to_string(),
            user_id: e.user_id.as_str().to_owned(),
            sequence: e.sequence,
            at: system_time(e.at),
            payload_json: e.payload.get().to_owned(),
        }
    }
}

/// A note staff keep on an order: internal, never shown to customers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct StaffNote {
    pub note_id: String,
    pub order_id: String,
    pub at: SystemTime,
    /// Who wrote it: `service:app`, `admin:bob`.
    pub actor: String,
    pub text: String,
}

impl From<orderly::timeline::StaffNote> for StaffNote {
    fn from(n: orderly::timeline::StaffNote) -> Self {
        StaffNote {
            note_id: n.note_id.to_string(),
            order_id: n.order_id.to_string(),
            at: system_time(n.at),
            actor: n.actor,
            text: n.text,
        }
    }
}

/// One entry of an order's timeline: a status milestone, a shipment step or a staff note.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct TimelineEntry {
    pub at: SystemTime,
    pub kind: TimelineKind,
    /// True for staff notes, which customers never see.
    pub internal: bool,
    pub actor_kind: ActorKind,
    pub actor_id: String,
    /// The order's status (`status` entries) or the shipment's (`shipment` entries), by name.
    pub status: Option<String>,
    pub shipment_id: Option<String>,
    pub reason: Option<CancelReason>,
    /// The milestone's note or the staff note's text.
    pub note: Option<String>,
}

impl From<orderly::timeline::TimelineEntry> for TimelineEntry {
    fn from(e: orderly::timeline::TimelineEntry) -> Self {
        TimelineEntry {
            at: system_time(e.at),
            kind: e.kind.into(),
            internal: e.internal,
            actor_kind: e.actor_kind.into(),
            actor_id: e.actor_id,
            status: e.status,
            shipment_id: e.shipment_id.map(|id| id.to_string()),
            reason: e.reason.map(Into::into),
            note: e.note,
        }
    }
}

/// How many orders were cancelled for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct CancellationCount {
    pub reason: CancelReason,
    pub orders: u64,
}

impl From<orderly::analytics::CancellationCount> for CancellationCount {
    fn from(c: orderly::analytics::CancellationCount) -> Self {
        CancellationCount {
            reason: c.reason.into(),
            orders: c.orders,
        }
    }
}
