//! What the engine returns, as plain objects: camelCase fields, money as decimal strings in
//! the currency's minor digits (the currency code is on the enclosing object), instants as
//! `Date`, statuses and other enumerations as their lower-case names.

use chrono::{DateTime, Utc};
use napi_derive::napi;
use orderly::{Money, Timestamp};

use crate::inputs::{Address, PaymentMethod};

/// How an order is paid, without the token (the store keeps it).
#[napi(discriminant = "type", discriminant_case = "snake_case")]
#[derive(Debug, Clone)]
pub enum PaymentSummary {
    Card {
        brand: String,
        last4: String,
        exp_month: f64,
        exp_year: f64,
    },
    Paypal,
    CashOnDelivery,
}

impl From<orderly::PaymentSummary> for PaymentSummary {
    fn from(p: orderly::PaymentSummary) -> Self {
        match p {
            orderly::PaymentSummary::Card {
                brand,
                last4,
                exp_month,
                exp_year,
            } => PaymentSummary::Card {
                brand,
                last4,
                exp_month: exp_month as f64,
                exp_year: exp_year as f64,
            },
            orderly::PaymentSummary::Paypal => PaymentSummary::Paypal,
            orderly::PaymentSummary::CashOnDelivery => PaymentSummary::CashOnDelivery,
        }
    }
}

fn amount(m: &Money) -> String {
    m.amount_string()
}

fn date(t: Timestamp) -> DateTime<Utc> {
    t.to_datetime()
}

pub(crate) fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Placed,
    Processing,
    PartiallyShipped,
    Shipped,
    Delivered,
    Cancelled,
}

impl From<orderly::OrderStatus> for OrderStatus {
    fn from(s: orderly::OrderStatus) -> Self {
        match s {
            orderly::OrderStatus::Placed => OrderStatus::Placed,
            orderly::OrderStatus::Processing => OrderStatus::Processing,
            orderly::OrderStatus::PartiallyShipped => OrderStatus::PartiallyShipped,
            orderly::OrderStatus::Shipped => OrderStatus::Shipped,
            orderly::OrderStatus::Delivered => OrderStatus::Delivered,
            orderly::OrderStatus::Cancelled => OrderStatus::Cancelled,
        }
    }
}

#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShippingMethod {
    Standard,
    Express,
}

impl From<orderly::ShippingMethod> for ShippingMethod {
    fn from(m: orderly::ShippingMethod) -> Self {
        match m {
            orderly::ShippingMethod::Standard => ShippingMethod::Standard,
            orderly::ShippingMethod::Express => ShippingMethod::Express,
        }
    }
}

/// A validated cart line.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CartLine {
    pub product_id: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price: String,
    pub line_total: String,
}

/// A user's cart as the engine validated it.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Cart {
    pub user_id: String,
    pub currency: String,
    pub items: Vec<CartLine>,
    pub subtotal: String,
}

impl From<orderly::Cart> for Cart {
    fn from(c: orderly::Cart) -> Self {
        Cart {
            user_id: c.user_id.to_string(),
            currency: c.currency.code().to_owned(),
            items: c
                .items
                .into_iter()
                .map(|l| CartLine {
                    product_id: l.product_id.to_string(),
                    name: l.name,
                    quantity: l.quantity,
                    unit_price: amount(&l.unit_price),
                    line_total: amount(&l.line_total),
                })
                .collect(),
            subtotal: amount(&c.subtotal),
        }
    }
}

/// An order's money: `total = subtotal + shipping + tax - discount`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Totals {
    pub subtotal: String,
    pub shipping: String,
    pub tax: String,
    pub discount: String,
    pub total: String,
}

impl From<orderly::Totals> for Totals {
    fn from(t: orderly::Totals) -> Self {
        Totals {
            subtotal: amount(&t.subtotal),
            shipping: amount(&t.shipping),
            tax: amount(&t.tax),
            discount: amount(&t.discount),
            total: amount(&t.total),
        }
    }
}

/// A priced order line; `discount` is this line's share of the order discount.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct OrderLine {
    pub product_id: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price: String,
    pub line_total: String,
    pub discount: String,
}

fn order_lines(lines: Vec<orderly::OrderLine>) -> Vec<OrderLine> {
    lines
        .into_iter()
        .map(|l| OrderLine {
            product_id: l.product_id.to_string(),
            name: l.name,
            quantity: l.quantity,
            unit_price: amount(&l.unit_price),
            line_total: amount(&l.line_total),
            discount: amount(&l.discount),
        })
        .collect()
}

/// Why an order was cancelled; customers cancel with `customer` only.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    Customer,
    Inventory,
    Fraud,
    PaymentDeclined,
    Staff,
    Other,
}

impl From<orderly::CancelReason> for CancelReason {
    fn from(r: orderly::CancelReason) -> Self {
        match r {
            orderly::CancelReason::Customer => CancelReason::Customer,
            orderly::CancelReason::Inventory => CancelReason::Inventory,
            orderly::CancelReason::Fraud => CancelReason::Fraud,
            orderly::CancelReason::PaymentDeclined => CancelReason::PaymentDeclined,
            orderly::CancelReason::Staff => CancelReason::Staff,
            orderly::CancelReason::Other => CancelReason::Other,
        }
    }
}

/// One step of an order's life: when, who (`customer:alice`, `service:warehouse`) and why.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Milestone {
    pub status: OrderStatus,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub note: Option<String>,
    /// Why, on a cancellation; absent on other milestones.
    pub reason: Option<CancelReason>,
}

fn milestones(history: Vec<orderly::Milestone>) -> Vec<Milestone> {
    history
        .into_iter()
        .map(|m| Milestone {
            status: m.status.into(),
            at: date(m.at),
            actor: m.actor,
            note: m.note,
            reason: m.reason.map(Into::into),
        })
        .collect()
}

/// Where a shipment is in its life: pending -> shipped -> delivered, or cancelled while
/// pending.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentStatus {
    Pending,
    Shipped,
    Delivered,
    Cancelled,
}

impl From<orderly::ShipmentStatus> for ShipmentStatus {
    fn from(s: orderly::ShipmentStatus) -> Self {
        match s {
            orderly::ShipmentStatus::Pending => ShipmentStatus::Pending,
            orderly::ShipmentStatus::Shipped => ShipmentStatus::Shipped,
            orderly::ShipmentStatus::Delivered => ShipmentStatus::Delivered,
            orderly::ShipmentStatus::Cancelled => ShipmentStatus::Cancelled,
        }
    }
}

/// How many units of one order line a shipment carries (in `createShipment({ lines })` and
/// in the shipments orders report).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ShipmentLine {
    pub product_id: String,
    pub quantity: f64,
}

/// One step of a shipment's life.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ShipmentMilestone {
    pub status: ShipmentStatus,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub note: Option<String>,
}

/// A shipment of some of an order's lines, with its carrier and tracking.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Shipment {
    pub shipment_id: String,
    pub status: ShipmentStatus,
    pub lines: Vec<ShipmentLine>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// Given explicitly, or made from a known carrier's template.
    pub tracking_url: Option<String>,
    pub created_at: DateTime<Utc>,
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
                    product_id: l.product_id.to_string(),
                    quantity: f64::from(l.quantity),
                })
                .collect(),
            carrier: s.carrier,
            tracking_number: s.tracking_number,
            tracking_url: s.tracking_url,
            created_at: date(s.created_at),
            history: s
                .history
                .into_iter()
                .map(|m| ShipmentMilestone {
                    status: m.status.into(),
                    at: date(m.at),
                    actor: m.actor,
                    note: m.note,
                })
                .collect(),
        })
        .collect()
}

/// A placed order.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Order {
    pub order_id: String,
    pub user_id: String,
    pub status: OrderStatus,
    pub currency: String,
    pub items: Vec<OrderLine>,
    pub totals: Totals,
    pub delivery_address: Address,
    pub payment_method: PaymentSummary,
    pub shipping_method: ShippingMethod,
    pub discount_code: Option<String>,
    pub checkout_id: Option<String>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
            user_id: o.user_id.to_string(),
            status: o.status.into(),
            currency: o.currency.code().to_owned(),
            items: order_lines(o.items),
            totals: o.totals.into(),
            delivery_address: o.delivery_address.into(),
            payment_method: o.payment_method.into(),
            shipping_method: o.shipping_method.into(),
            discount_code: o.discount_code,
            checkout_id: o.checkout_id.map(|id| id.to_string()),
            metadata: o.metadata,
            created_at: date(o.created_at),
            updated_at: date(o.updated_at),
            version: o.version,
            history: milestones(o.history),
            shipments: shipments(o.shipments),
        }
    }
}

/// A stored quote that `placeOrder({ checkoutId })` honours until `expiresAt`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Checkout {
    pub checkout_id: String,
    pub user_id: String,
    pub currency: String,
    pub items: Vec<OrderLine>,
    pub totals: Totals,
    pub payment_method: PaymentMethod,
    pub delivery_address: Address,
    pub shipping_method: ShippingMethod,
    pub discount_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<orderly::Checkout> for Checkout {
    fn from(c: orderly::Checkout) -> Self {
        Checkout {
            checkout_id: c.checkout_id.to_string(),
            user_id: c.user_id.to_string(),
            currency: c.currency.code().to_owned(),
            items: order_lines(c.items),
            totals: c.totals.into(),
            payment_method: c.payment_method.into(),
            delivery_address: c.delivery_address.into(),
            shipping_method: c.shipping_method.into(),
            discount_code: c.discount_code,
            created_at: date(c.created_at),
            expires_at: date(c.expires_at),
        }
    }
}

/// What `placeOrder` resolves with: the order, and whether this call created it (`false`
/// when the idempotency key had already placed it).
#[napi(object)]
#[derive(Debug, Clone)]
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

/// One page of orders (a user's, newest first, or a staff search's in its sort order);
/// `nextCursor` is `null` on the last page.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct OrderPage {
    pub orders: Vec<Order>,
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

/// An order's current status and every milestone, oldest first.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct StatusView {
    pub order_id: String,
    pub status: OrderStatus,
    pub updated_at: DateTime<Utc>,
    pub version: u32,
    pub history: Vec<Milestone>,
    pub shipments: Vec<Shipment>,
}

impl From<orderly::StatusView> for StatusView {
    fn from(v: orderly::StatusView) -> Self {
        StatusView {
            order_id: v.order_id.to_string(),
            status: v.status.into(),
            updated_at: date(v.updated_at),
            version: v.version,
            history: milestones(v.history),
            shipments: shipments(v.shipments),
        }
    }
}

/// An outbox event; consumers deduplicate by `eventId`. `payload` is the event's JSON body in
/// the REST API's shape (money as `{ amount: "12.34", currency: "USD" }`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    pub event_id: String,
    #[napi(
        js_name = "type",
        ts_type = "'order.placed' | 'order.status_changed' | 'order.cancelled' | 'order.shipment_changed'"
    )]
    pub event_type: String,
    pub order_id: String,
    pub user_id: String,
    /// Per-order sequence from 1, equal to the order version the change produced.
    pub sequence: u32,
    pub at: DateTime<Utc>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub payload: serde_json::Value,
}

impl From<orderly::OutboxEvent> for OutboxEvent {
    fn from(e: orderly::OutboxEvent) -> Self {
        OutboxEvent {
            event_id: e.event_id.to_string(),
            event_type: e.event_type.as_str().to_owned(),
            order_id: e.order_id.to_string(),
            user_id: e.user_id.to_string(),
            sequence: e.sequence,
            at: date(e.at),
            payload: serde_json::from_str(e.payload.get()).unwrap_or_default(),
        }
    }
}

/// Sales in one currency over a range; cancelled orders excluded.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SalesSummary {
    pub currency: String,
    pub total: String,
    pub orders: i64,
    /// `total / orders`, rounded half-even; zero when there are no orders.
    pub average_order_value: String,
}

impl From<orderly::SalesSummary> for SalesSummary {
    fn from(s: orderly::SalesSummary) -> Self {
        SalesSummary {
            currency: s.currency.code().to_owned(),
            total: amount(&s.total),
            orders: count(s.orders),
            average_order_value: amount(&s.average_order_value),
        }
    }
}

/// One product's sales in one currency; revenue is net of discounts.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ProductSales {
    pub product_id: String,
    pub name: String,
    pub quantity: i64,
    pub revenue: String,
    pub currency: String,
}

impl From<orderly::ProductSales> for ProductSales {
    fn from(p: orderly::ProductSales) -> Self {
        ProductSales {
            product_id: p.product_id.to_string(),
            name: p.name,
            quantity: count(p.quantity),
            currency: p.revenue.currency().code().to_owned(),
            revenue: amount(&p.revenue),
        }
    }
}

/// How many orders are in one status now.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct StatusCount {
    pub status: OrderStatus,
    pub orders: i64,
}

impl From<orderly::StatusCount> for StatusCount {
    fn from(c: orderly::StatusCount) -> Self {
        StatusCount {
            status: c.status.into(),
            orders: count(c.orders),
        }
    }
}

/// A note staff keep on an order: internal, never shown to customers.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct StaffNote {
    pub note_id: String,
    pub order_id: String,
    pub at: DateTime<Utc>,
    /// Who wrote it: `service:app`, `admin:bob`.
    pub actor: String,
    pub text: String,
}

impl From<orderly::timeline::StaffNote> for StaffNote {
    fn from(n: orderly::timeline::StaffNote) -> Self {
        StaffNote {
            note_id: n.note_id.to_string(),
            order_id: n.order_id.to_string(),
            at: date(n.at),
            actor: n.actor,
            text: n.text,
        }
    }
}

/// What a timeline entry records.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineKind {
    Status,
    Shipment,
    Note,
}

/// Who made a change, by kind.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    Customer,
    Staff,
    Service,
    Device,
}

/// One entry of an order's timeline: a status milestone, a shipment step or a staff note.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub kind: TimelineKind,
    /// True for staff notes, which customers never see.
    pub internal: bool,
    pub actor_kind: ActorKind,
    pub actor_id: String,
    /// The order's status (`status` entries) or the shipment's (`shipment` entries).
    pub status: Option<String>,
    pub shipment_id: Option<String>,
    pub reason: Option<CancelReason>,
    /// The milestone's note or the staff note's text.
    pub note: Option<String>,
}

impl From<orderly::timeline::TimelineEntry> for TimelineEntry {
    fn from(e: orderly::timeline::TimelineEntry) -> Self {
        use orderly::timeline::{ActorKind as A, TimelineKind as K};
        TimelineEntry {
            at: date(e.at),
            kind: match e.kind {
                K::Status => TimelineKind::Status,
                K::Shipment => TimelineKind::Shipment,
                K::Note => TimelineKind::Note,
            },
            internal: e.internal,
            actor_kind: match e.actor_kind {
                A::Customer => ActorKind::Customer,
                A::Staff => ActorKind::Staff,
                A::Service => ActorKind::Service,
                A::Device => ActorKind::Device,
            },
            actor_id: e.actor_id,
            status: e.status,
            shipment_id: e.shipment_id.map(|id| id.to_string()),
            reason: e.reason.map(Into::into),
            note: e.note,
        }
    }
}

/// How many orders were cancelled for one reason.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CancellationCount {
    pub reason: CancelReason,
    pub orders: i64,
}

impl From<orderly::analytics::CancellationCount> for CancellationCount {
    fn from(c: orderly::analytics::CancellationCount) -> Self {
        CancellationCount {
            reason: c.reason.into(),
            orders: count(c.orders),
        }
    }
}
