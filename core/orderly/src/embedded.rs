//! [`Embedded`]: the engine as an application embeds it in process, which the Python, Node and
//! Swift bindings wrap. It owns what those three would otherwise each write: the in-process
//! cart source, who acts on each call (customer or staff), the default actor and page sizes,
//! and the parsing of the ids and keys callers pass as text. The bindings only convert values
//! between their language and these types.
//!
//! Who acts: calls that name a user (`cart`, `checkout`, `place_order`, `orders_for_user`) act
//! as that customer; `order`, `status` and `cancel` act as the customer [`ActAs::user_id`]
//! when it is given (who must own the order) and otherwise, like the staff operations
//! (`update_status`, analytics), as the service actor ([`DEFAULT_ACTOR`] unless named), which
//! the milestones record as `service:<actor>`.

use std::sync::Arc;

use orderly_core::{
    Address, Caller, Cart, Checkout, CheckoutRequest, Currency, DeviceId, EventId, HistoryRequest,
    IdempotencyKey, InMemoryCarts, Metadata, Order, OrderPage, OrderService, OrderStatus,
    OutboxEvent, PaymentMethod, PlaceOrderRequest, Placement, PricingPolicy, ProductSales, RawCart,
    RawCartItem, Result, SalesSummary, ServiceConfig, ShippingMethod, StatusCount, StatusUpdate,
    StatusView, Store, Timestamp, TopBy, UserId, parse,
};

use crate::OpenError;

/// The service actor when a call names none.
pub const DEFAULT_ACTOR: &str = "app";
/// How many best sellers `top_products` returns when no limit is given.
pub const DEFAULT_TOP_PRODUCTS: u32 = 10;
/// How many outbox events `pending_events` returns when no limit is given.
pub const DEFAULT_PENDING_EVENTS: u32 = 100;

/// Who reads or cancels an order: the customer `user_id` when given, else the service
/// `actor` ([`DEFAULT_ACTOR`] when `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActAs {
    /// The customer acting on their own orders; `None` for staff.
    pub user_id: Option<String>,
    /// The staff actor recorded in milestones when `user_id` is `None`.
    pub actor: Option<String>,
}

impl ActAs {
    fn caller(&self) -> Result<Caller> {
        match &self.user_id {
            Some(id) => Ok(Caller::customer(&UserId::new(id.as_str())?)),
            None => Ok(staff(self.actor.as_deref())),
        }
    }
}

fn staff(actor: Option<&str>) -> Caller {
    Caller::service(actor.unwrap_or(DEFAULT_ACTOR))
}

/// What a checkout and an order have in common, with the user id as the caller gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderInput {
    /// Whose cart is checked out; parsed by the engine, so a bad id gets its code.
    pub user_id: String,
    /// Where the order goes.
    pub delivery_address: Address,
    /// How it is paid (validated, never charged).
    pub payment_method: PaymentMethod,
    /// Standard when `None`.
    pub shipping_method: Option<ShippingMethod>,
    /// A discount code, if the customer gave one.
    pub discount_code: Option<String>,
}

/// An engine over one store, with carts the application sets in process. Cheap to clone;
/// every call blocks until the store answers.
#[derive(Debug, Clone)]
pub struct Embedded {
    service: OrderService,
    carts: Arc<InMemoryCarts>,
}

impl Embedded {
    /// Opens (creating and migrating if needed) the store at `url`, priced by `policy` or the
    /// default policy. A database a device engine created stays that device's: its orders and
    /// cancellations are still recorded for sync (see [`Embedded::open_device`]).
    pub fn open(url: &str, policy: Option<PricingPolicy>) -> Result<Self, OpenError> {
        let store = crate::open_store(url)?;
        let device = store.device_identity()?;
        Ok(Self::over(store, policy, device))
    }

    /// The engine over `store`; a device engine for `device` when it is given.
    pub(crate) fn over(
        store: Arc<dyn Store>,
        policy: Option<PricingPolicy>,
        device: Option<DeviceId>,
    ) -> Self {
        let carts = Arc::new(InMemoryCarts::new());
        let config = ServiceConfig {
            device,
            ..ServiceConfig::default()
        };
        let service = OrderService::builder(store, carts.clone())
            .policy(policy.unwrap_or_default())
            .config(config)
            .build();
        Embedded { service, carts }
    }

    /// The service underneath, for what this type does not wrap.
    pub fn service(&self) -> &OrderService {
        &self.service
    }

    /// Sets (or replaces) a user's cart. The engine applies the cart rules when it reads the
    /// cart, exactly as for a remote cart service.
    pub fn set_cart(&self, user_id: String, currency: String, items: Vec<RawCartItem>) {
        self.carts.set(RawCart {
            user_id,
            currency,
            items,
            updated_at: None,
        });
    }

    /// Forgets a user's cart; the user then has an empty cart.
    pub fn remove_cart(&self, user_id: &str) {
        self.carts.remove(user_id);
    }

    /// The user's cart, validated and totalled, as that customer.
    pub fn cart(&self, user_id: &str) -> Result<Cart> {
        let user = UserId::new(user_id)?;
        self.service.cart(&Caller::customer(&user), &user)
    }

    /// Validates the cart, address and payment method, prices the order and stores a quote.
    pub fn checkout(&self, input: OrderInput) -> Result<Checkout> {
        let req = CheckoutRequest {
            user_id: UserId::new(input.user_id)?,
            delivery_address: input.delivery_address,
            payment_method: input.payment_method,
            shipping_method: input.shipping_method,
            discount_code: input.discount_code,
        };
        self.service.checkout(&Caller::customer(&req.user_id), &req)
    }

    /// Places an order from the user's cart, or from the checkout quote `checkout_id` (a
    /// malformed one is `not_found`), exactly once per `idempotency_key`.
    pub fn place_order(
        &self,
        input: OrderInput,
        idempotency_key: &str,
        checkout_id: Option<&str>,
        metadata: Option<Metadata>,
    ) -> Result<Placement> {
        let key = IdempotencyKey::new(idempotency_key)?;
        let req = PlaceOrderRequest {
            user_id: UserId::new(input.user_id)?,
            delivery_address: input.delivery_address,
            payment_method: input.payment_method,
            shipping_method: input.shipping_method,
            checkout_id: checkout_id.map(parse::checkout_id).transpose()?,
            discount_code: input.discount_code,
            metadata,
        };
        self.service
            .place_order(&Caller::customer(&req.user_id), &req, &key)
    }

    /// One order; a malformed id is `not_found` like an unknown one.
    pub fn order(&self, order_id: &str, who: &ActAs) -> Result<Order> {
        let caller = who.caller()?;
        self.service.order(&caller, &parse::order_id(order_id)?)
    }

    /// A user's orders, newest first, a page at a time, as that customer.
    pub fn orders_for_user(&self, user_id: &str, req: &HistoryRequest) -> Result<OrderPage> {
        let user = UserId::new(user_id)?;
        self.service
            .orders_for_user(&Caller::customer(&user), &user, req)
    }

    /// The order's status and every milestone, oldest first.
    pub fn status(&self, order_id: &str, who: &ActAs) -> Result<StatusView> {
        let caller = who.caller()?;
        self.service.status(&caller, &parse::order_id(order_id)?)
    }

    /// Cancels an order from `placed` or `processing`; the `reason` is kept in the history.
    pub fn cancel(&self, order_id: &str, reason: Option<&str>, who: &ActAs) -> Result<Order> {
        let caller = who.caller()?;
        self.service
            .cancel(&caller, &parse::order_id(order_id)?, reason)
    }

    /// Moves an order along its status machine as the service `actor`.
    pub fn update_status(
        &self,
        order_id: &str,
        to: OrderStatus,
        update: &StatusUpdate,
        actor: Option<&str>,
    ) -> Result<Order> {
        let id = parse::order_id(order_id)?;
        self.service.update_status(&staff(actor), &id, to, update)
    }

    /// Sales per currency for orders created in `[from, to)`, widened to whole UTC hours.
    pub fn sales(
        &self,
        from: Timestamp,
        to: Timestamp,
        actor: Option<&str>,
    ) -> Result<Vec<SalesSummary>> {
        self.service.sales(&staff(actor), from, to)
    }

    /// Best sellers in `currency` (the policy's default currency when `None`), by quantity
    /// unless `by` says otherwise, [`DEFAULT_TOP_PRODUCTS`] unless `limit` is given.
    pub fn top_products(
        &self,
        by: Option<TopBy>,
        limit: Option<u32>,
        currency: Option<&str>,
        actor: Option<&str>,
    ) -> Result<Vec<ProductSales>> {
        let currency = currency.map(Currency::from_code).transpose()?;
        self.service.top_products(
            &staff(actor),
            by.unwrap_or_default(),
            limit.unwrap_or(DEFAULT_TOP_PRODUCTS),
            currency,
        )
    }

    /// How many orders are in each status now.
    pub fn orders_by_status(&self, actor: Option<&str>) -> Result<Vec<StatusCount>> {
        self.service.orders_by_status(&staff(actor))
    }

    /// Undelivered outbox events, oldest first ([`DEFAULT_PENDING_EVENTS`] unless `limit` is
    /// given; the engine keeps it within 1 to 10 000).
    pub fn pending_events(&self, limit: Option<u32>) -> Result<Vec<OutboxEvent>> {
        self.service
            .pending_events(limit.unwrap_or(DEFAULT_PENDING_EVENTS))
    }

    /// Marks events delivered; returns how many were newly marked.
    pub fn mark_events_delivered(&self, ids: &[EventId]) -> Result<u64> {
        self.service.mark_events_delivered(ids)
    }

    /// Fails if the store does not answer.
    pub fn ready(&self) -> Result<()> {
        self.service.ready()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;

    fn engine() -> Embedded {
        let engine = Embedded::open("sqlite::memory:", None).unwrap();
        engine.set_cart(
            "alice".into(),
            "USD".into(),
            vec![RawCartItem {
                product_id: "sku-1".into(),
                name: "Espresso beans".into(),
                quantity: 2,
                unit_price: "19.99".into(),
            }],
        );
        engine
    }

    /// An order input for `user`: a New York address, cash on delivery.
    pub(crate) fn input(user: &str) -> OrderInput {
        OrderInput {
            user_id: user.into(),
            delivery_address: Address {
                name: "Alice".into(),
                line1: "350 Fifth Ave".into(),
                line2: None,
                city: "New York".into(),
                region: Some("NY".into()),
                postal_code: "10118".into(),
                country: "US".into(),
            },
            payment_method: PaymentMethod::CashOnDelivery,
            shipping_method: None,
            discount_code: None,
        }
    }

    #[test]
    fn customers_see_only_their_orders_and_staff_act_as_the_default_actor() {
        let engine = engine();
        let placed = engine
            .place_order(input("alice"), "k-1", None, None)
            .unwrap();
        let id = placed.order.id.to_string();

        let alice = ActAs {
            user_id: Some("alice".into()),
            actor: None,
        };
        let bob = ActAs {
            user_id: Some("bob".into()),
            actor: None,
        };
        assert!(engine.order(&id, &alice).is_ok());
        assert_eq!(engine.order(&id, &bob).unwrap_err().code(), "not_found");

        engine
            .update_status(&id, OrderStatus::Processing, &StatusUpdate::default(), None)
            .unwrap();
        let view = engine.status(&id, &alice).unwrap();
        let by = &view.history.last().unwrap().actor;
        assert_eq!(by, &format!("service:{DEFAULT_ACTOR}"));
    }

    #[test]
    fn text_ids_are_parsed_once_here() {
        let engine = engine();
        let staff = ActAs::default();
        assert_eq!(engine.order("42", &staff).unwrap_err().code(), "not_found");
        let err = engine
            .place_order(input("alice"), "k-2", Some("not-a-checkout"), None)
            .unwrap_err();
        assert_eq!(err.code(), "not_found");
        let err = engine
            .place_order(input("alice"), "", None, None)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_idempotency_key");
        assert_eq!(
            engine.cart("not a user").unwrap_err().code(),
            "invalid_user_id"
        );
    }

    #[test]
    fn removing_a_cart_leaves_an_empty_one() {
        let engine = engine();
        assert_eq!(engine.cart("alice").unwrap().items.len(), 1);
        engine.remove_cart("alice");
        assert!(engine.cart("alice").unwrap().items.is_empty());
    }
}
