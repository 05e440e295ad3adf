//! A synthetic shop's orders, the same for a given count on every run: 100,000 customers
//! (a quarter with email addresses as user ids), 5,000 products of very unequal popularity,
//! three currencies, a year of creation times, statuses as a live shop has them, a tracking
//! number on every shipped order and channel and campaign metadata.

use orderly::analytics::RollupDelta;
use orderly::store::NewOrder;
use orderly::{
    Address, Currency, EventId, EventType, IdGenerator, IdempotencyKey, Milestone, Money, Order,
    OrderDocument, OrderId, OrderLine, OrderStatus, OutboxEvent, PaymentSummary, ProductId,
    Shipment, ShipmentId, ShipmentLine, ShipmentMilestone, ShipmentStatus, ShippingMethod,
    Timestamp, Totals, UserId, UuidV7Generator,
};

/// 2025-12-01T00:00:00Z: the first order.
pub const FIRST_MS: i64 = 1_764_547_200_000;
/// The orders span a year.
pub const SPAN_MS: i64 = 365 * 24 * 3_600_000;
pub const USERS: u64 = 100_000;
pub const PRODUCTS: u64 = 5_000;
pub const CAMPAIGNS: u64 = 200;
pub const LAST_NAMES: u64 = 1_000;

/// A small deterministic generator (SplitMix64): the same data on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn user_name(n: u64) -> String {
    if n.is_multiple_of(4) {
        format!("customer{n}@example.com")
    } else {
        format!("user{n}")
    }
}

/// A product by popularity: low numbers sell far more often.
pub fn product(rng: &mut Rng) -> u64 {
    let u = rng.below(1_000_000);
    u * u / 1_000_000 * PRODUCTS / 1_000_000
}

pub fn tracking(i: u64) -> String {
    format!("TRK{i:010}")
}

fn status(rng: &mut Rng) -> OrderStatus {
    match rng.below(100) {
        0..=9 => OrderStatus::Placed,
        10..=19 => OrderStatus::Processing,
        20..=21 => OrderStatus::PartiallyShipped,
        22..=51 => OrderStatus::Shipped,
        52..=94 => OrderStatus::Delivered,
        _ => OrderStatus::Cancelled,
    }
}

/// Order number `i` of `count`, ready for `Store::insert_order`.
pub fn order(i: u64, count: u64) -> NewOrder {
    let mut rng = Rng::new(i.wrapping_mul(7919) ^ 0x5EED);
    let created = Timestamp::from_unix_millis(
        FIRST_MS + i64::try_from(i * (SPAN_MS as u64) / count.max(1)).unwrap_or(0),
    );
    let currency = match rng.below(10) {
        0..=6 => "USD",
        7..=8 => "EUR",
        _ => "GBP",
    };
    let currency = Currency::from_code(currency).unwrap();
    let user = UserId::new(user_name(rng.below(USERS))).unwrap();
    let mut items: Vec<OrderLine> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let p = product(&mut rng);
        if items
            .iter()
            .any(|l| l.product_id.as_str() == format!("sku-{p}"))
        {
            continue;
        }
        let unit = Money::from_minor(
            i64::try_from(100 + rng.below(10_000)).unwrap_or(100),
            currency,
        );
        let quantity = 1 + u32::try_from(rng.below(4)).unwrap_or(0);
        items.push(OrderLine {
            product_id: ProductId::new(format!("sku-{p}")).unwrap(),
            name: format!("Product {p}"),
            quantity,
            unit_price: unit,
            line_total: Money::from_minor(unit.minor() * i64::from(quantity), currency),
            discount: Money::zero(currency),
        });
    }
    let subtotal = items.iter().map(|l| l.line_total.minor()).sum::<i64>();
    let shipping = 499;
    let status = status(&mut rng);
    let mut metadata = orderly::Metadata::new();
    metadata.insert(
        "channel".into(),
        serde_json::json!(["web", "pos", "app"][usize::try_from(rng.below(3)).unwrap_or(0)]),
    );
    if rng.below(10) < 3 {
        metadata.insert(
            "campaign".into(),
            serde_json::json!(format!("c{}", rng.below(CAMPAIGNS))),
        );
    }
    let actor = format!("customer:{user}");
    let milestone = |status| Milestone {
        status,
        at: created,
        actor: actor.clone(),
        note: None,
        reason: None,
    };
    let mut history = vec![milestone(OrderStatus::Placed)];
    if status != OrderStatus::Placed {
        history.push(milestone(status));
    }
    let shipments = if status.has_shipped() {
        let lines: Vec<ShipmentLine> = items
            .iter()
            .map(|l| ShipmentLine {
                product_id: l.product_id.clone(),
                quantity: l.quantity,
            })
            .collect();
        let shipment_status = if status == OrderStatus::Delivered {
            ShipmentStatus::Delivered
        } else {
            ShipmentStatus::Shipped
        };
        vec![Shipment {
            shipment_id: ShipmentId::from_uuid(UuidV7Generator.new_uuid()),
            status: shipment_status,
            lines,
            carrier: Some("ups".into()),
            tracking_number: Some(tracking(i)),
            tracking_url: orderly::shipping::carrier::tracking_url("ups", &tracking(i)),
            created_at: created,
            history: vec![ShipmentMilestone {
                status: shipment_status,
                at: created,
                actor: "service:warehouse".into(),
                note: None,
            }],
        }]
    } else {
        Vec::new()
    };
    let order = Order {
        id: OrderId::from_uuid(UuidV7Generator.new_uuid()),
        user_id: user,
        status,
        currency,
        items,
        totals: Totals {
            subtotal: Money::from_minor(subtotal, currency),
            shipping: Money::from_minor(shipping, currency),
            tax: Money::zero(currency),
            discount: Money::zero(currency),
            total: Money::from_minor(subtotal + shipping, currency),
        },
        delivery_address: Address {
            name: format!("Given{} Family{}", rng.below(300), rng.below(LAST_NAMES)),
            line1: "1 Main St".into(),
            line2: None,
            city: "Springfield".into(),
            region: None,
            postal_code: "10001".into(),
            country: "US".into(),
        },
        payment_method: PaymentSummary::CashOnDelivery,
        shipping_method: ShippingMethod::Standard,
        discount_code: None,
        checkout_id: None,
        metadata,
        created_at: created,
        updated_at: created,
        version: 1,
        history,
        shipments,
        offline: None,
    };
    let document = OrderDocument::encode(&order).unwrap();
    NewOrder {
        rollup: RollupDelta::placed(&order),
        index: orderly::search::index_entries(&order),
        event: OutboxEvent {
            event_id: EventId::from_uuid(UuidV7Generator.new_uuid()),
            event_type: EventType::OrderPlaced,
            order_id: order.id,
            user_id: order.user_id.clone(),
            sequence: 1,
            at: created,
            payload: document.event_payload().unwrap(),
        },
        document,
        payment_token: None,
        idempotency_key: IdempotencyKey::new(format!("bench-{i}")).unwrap(),
        fingerprint: format!("bench-{i}"),
        device_op: None,
        feed: None,
        order,
    }
}
