//! Building blocks for the cases: a service on a `ManualClock` and `InMemoryCarts` over a
//! fresh store, and carts, addresses, payment methods and requests.

use std::sync::Arc;

use orderly::analytics::RollupDelta;
use orderly::store::NewOrder;
use orderly::{
    Address, Caller, EventId, EventType, IdGenerator, IdempotencyKey, InMemoryCarts, ManualClock,
    Order, OrderDocument, OrderId, OrderService, OrderStatus, OrderlyError, OutboxEvent,
    PaymentMethod, PlaceOrderRequest, PricingPolicy, RawCart, RawCartItem, Store, Timestamp,
    UserId, UuidV7Generator,
};

use crate::StoreFactory;

/// 2026-11-24T10:15:00.000Z, when every case starts.
pub const START_MS: i64 = 1_795_515_300_000;
pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 3_600_000;

pub fn start() -> Timestamp {
    Timestamp::from_unix_millis(START_MS)
}

/// A fresh store with the engine around it.
#[derive(Debug)]
pub struct Env {
    pub store: Arc<dyn Store>,
    pub carts: Arc<InMemoryCarts>,
    pub clock: Arc<ManualClock>,
    pub service: OrderService,
}

impl Env {
    pub fn new(factory: &StoreFactory) -> Env {
        Env::with_policy(factory, PricingPolicy::default())
    }

    pub fn with_policy(factory: &StoreFactory, policy: PricingPolicy) -> Env {
        let store = factory();
        let carts = Arc::new(InMemoryCarts::new());
        let clock = Arc::new(ManualClock::new(start()));
        let service = OrderService::builder(store.clone(), carts.clone())
            .clock(clock.clone())
            .policy(policy)
            .build();
        Env {
            store,
            carts,
            clock,
            service,
        }
    }

    /// Another engine over the same store, carts and clock, with a different policy.
    pub fn service_with(&self, policy: PricingPolicy) -> OrderService {
        OrderService::builder(self.store.clone(), self.carts.clone())
            .clock(self.clock.clone())
            .policy(policy)
            .build()
    }

    pub fn now(&self) -> Timestamp {
        orderly::Clock::now(self.clock.as_ref())
    }

    pub fn advance(&self, ms: i64) {
        self.clock.advance_millis(ms);
    }

    /// Sets a user's cart: `(product id, name, quantity, unit price)` lines.
    pub fn set_cart(&self, user: &str, currency: &str, items: &[(&str, &str, i64, &str)]) {
        self.carts.set(cart(user, currency, items));
    }

    /// Places an order for `user` from their cart with a US address and a card; it must be
    /// created by this call.
    pub fn place(&self, user: &str, key: &str) -> Order {
        place_new(&self.service, user, key)
    }

    /// Places an order with a one-line default cart.
    pub fn place_simple(&self, user: &str, key: &str) -> Order {
        self.set_cart(user, "USD", &[("sku-1", "Espresso beans", 1, "12.50")]);
        self.place(user, key)
    }
}

/// Places an order for `user` from their cart with a US address and a card through `service`;
/// it must be created by this call.
pub fn place_new(service: &OrderService, user: &str, key: &str) -> Order {
    let placed = service
        .place_order(&customer(user), &request(user), &idem(key))
        .unwrap();
    assert!(placed.created, "key {key:?} placed no new order");
    placed.order
}

/// A three-line USD cart: what the engine benchmarks order.
pub fn coffee_cart(user: &str) -> RawCart {
    cart(
        user,
        "USD",
        &[
            ("sku-espresso-1kg", "Espresso beans 1kg", 2, "19.99"),
            ("sku-grinder", "Burr grinder", 1, "89.00"),
            ("sku-filters", "Paper filters x100", 3, "4.25"),
        ],
    )
}

pub fn user(id: &str) -> UserId {
    UserId::new(id).unwrap()
}

pub fn idem(key: &str) -> IdempotencyKey {
    IdempotencyKey::new(key).unwrap()
}

pub fn customer(id: &str) -> Caller {
    Caller::customer(&user(id))
}

pub fn admin() -> Caller {
    Caller::admin("ops")
}

pub fn warehouse() -> Caller {
    Caller::service("warehouse")
}

pub fn cart(user: &str, currency: &str, items: &[(&str, &str, i64, &str)]) -> RawCart {
    RawCart {
        user_id: user.into(),
        currency: currency.into(),
        items: items
            .iter()
            .map(|(product_id, name, quantity, unit_price)| RawCartItem {
                product_id: (*product_id).into(),
                name: (*name).into(),
                quantity: *quantity,
                unit_price: (*unit_price).into(),
            })
            .collect(),
        updated_at: None,
    }
}

/// New York: 4 % tax, standard shipping 4.99 USD under 50.00.
pub fn us_address() -> Address {
    Address {
        name: "Alice Martin".into(),
        line1: "350 Fifth Avenue".into(),
        line2: Some("Floor 21".into()),
        city: "New York".into(),
        region: Some("NY".into()),
        postal_code: "10118".into(),
        country: "US".into(),
    }
}

pub fn de_address() -> Address {
    Address {
        name: "Jörg Müller".into(),
        line1: "Unter den Linden 77".into(),
        line2: None,
        city: "Berlin".into(),
        region: None,
        postal_code: "10117".into(),
        country: "DE".into(),
    }
}

pub fn card() -> PaymentMethod {
    PaymentMethod::Card {
        token: "tok_visa_4242".into(),
        brand: "visa".into(),
        last4: "4242".into(),
        exp_month: 12,
        exp_year: 2030,
    }
}

pub fn paypal() -> PaymentMethod {
    PaymentMethod::Paypal {
        token: "pp-token-77".into(),
    }
}

/// An order request from the cart, to the US address, paid by card.
pub fn request(user_id: &str) -> PlaceOrderRequest {
    PlaceOrderRequest {
        user_id: user(user_id),
        delivery_address: us_address(),
        payment_method: card(),
        shipping_method: None,
        checkout_id: None,
        discount_code: None,
        metadata: None,
    }
}

/// A brand-new order copied from `template` (new id, one `placed` milestone), ready for
/// `Store::insert_order` with its key, event and rollup deltas.
pub fn new_order_like(template: &Order, key: &str, at: Timestamp) -> NewOrder {
    let mut order = template.clone();
    order.id = OrderId::from_uuid(UuidV7Generator.new_uuid());
    order.status = OrderStatus::Placed;
    order.created_at = at;
    order.updated_at = at;
    order.version = 1;
    order.history.truncate(1);
    if let Some(m) = order.history.first_mut() {
        m.at = at;
    }
    let event = OutboxEvent {
        event_id: EventId::from_uuid(UuidV7Generator.new_uuid()),
        event_type: EventType::OrderPlaced,
        order_id: order.id,
        user_id: order.user_id.clone(),
        sequence: 1,
        at,
        payload: payload(serde_json::json!({ "order": order })),
    };
    NewOrder {
        rollup: RollupDelta::placed(&order),
        index: orderly::search::index_entries(&order),
        device_op: None,
        feed: None,
        document: document(&order),
        payment_token: Some(format!("tok-of-{key}")),
        idempotency_key: idem(key),
        fingerprint: format!("fingerprint-of-{key}"),
        event,
        order,
    }
}

/// An event payload, as the engine encodes one.
pub fn payload(value: serde_json::Value) -> Box<serde_json::value::RawValue> {
    serde_json::value::to_raw_value(&value).unwrap()
}

/// The stored document of `order`, as the engine encodes it.
pub fn document(order: &Order) -> OrderDocument {
    OrderDocument::encode(order).unwrap()
}

/// The JSON of an event's payload, to look into.
pub fn payload_json(event: &OutboxEvent) -> serde_json::Value {
    serde_json::from_str(event.payload.get()).unwrap()
}

/// Asserts that an engine call failed with the given stable code.
#[track_caller]
pub fn assert_code<T: std::fmt::Debug>(result: Result<T, OrderlyError>, code: &str) {
    match result {
        Err(e) => assert_eq!(e.code(), code, "expected {code}, got {e:?}"),
        Ok(v) => panic!("expected {code}, got Ok({v:?})"),
    }
}
