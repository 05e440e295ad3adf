//! `Engine`: the facade's `orderly::Embedded` as methods. Each converts its arguments to the
//! engine's types, calls it on the calling thread and converts the result back; who acts, the
//! default actor (`"app"`) and page sizes, and the parsing of ids are `Embedded`'s, the same
//! for the Python and Node bindings.
//!
//! Who acts: methods that name a user (`cart`, `checkout`, `place_order`, `orders_for_user`)
//! act as that customer; `order`, `status` and `cancel` act as the customer `user_id` when it
//! is given (who must own the order) and otherwise, like the staff operations
//! (`update_status`, analytics), as the service `actor` (`"app"` when nil), which the
//! milestones record as `service:<actor>`.

use std::sync::Arc;
use std::time::SystemTime;

use orderly::validation::MAX_METADATA_BYTES;
use orderly::{
    ActAs, Embedded, HistoryRequest, OrderInput, PricingPolicy, StatusUpdate, ValidationError,
    parse,
};

use crate::errors::{OrderlyError, invalid_field};
use crate::results::{
    Cart, Checkout, Order, OrderPage, OutboxEvent, Placement, ProductSales, SalesSummary,
    StatusCount, StatusView,
};
use crate::values::{
    Address, CartItem, OrderStatus, PaymentMethod, ShippingMethod, TopBy, timestamp,
};

type Result<T, E = OrderlyError> = std::result::Result<T, E>;

/// Order metadata from its JSON text: a JSON object, or the engine's `invalid_metadata`.
fn metadata(json: &str) -> Result<orderly::Metadata> {
    match serde_json::from_str(json) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(ValidationError::InvalidMetadata {
            max: MAX_METADATA_BYTES,
        }
        .into()),
    }
}

fn order_input(
    user_id: String,
    delivery_address: Address,
    payment_method: PaymentMethod,
    shipping_method: Option<ShippingMethod>,
    discount_code: Option<String>,
) -> OrderInput {
    OrderInput {
        user_id,
        delivery_address: delivery_address.into(),
        payment_method: payment_method.into(),
        shipping_method: shipping_method.map(Into::into),
        discount_code,
    }
}

/// The engine's default pricing policy as JSON text: edit it and pass it to
/// `Engine.open(url:policyJson:)`.
#[uniffi::export]
pub fn default_policy_json() -> Result<String> {
    serde_json::to_string_pretty(&PricingPolicy::default())
        .map_err(|e| invalid_field("policy_json", e.to_string()))
}

/// An Orderly engine over one store, with carts the application sets in process. Safe to
/// share between threads; every call blocks the calling thread until the store answers.
#[derive(Debug, uniffi::Object)]
pub struct Engine {
    pub(crate) engine: Embedded,
}

#[uniffi::export]
impl Engine {
    /// Opens (creating and migrating if needed) the SQLite store at `url`:
    /// `sqlite:///abs/path.db`, `sqlite://relative.db` or `sqlite::memory:`. `policy_json` is
    /// a pricing policy in the engine's JSON shape (start from `default_policy_json()`); the
    /// default policy otherwise. With `device_id` (1 to 64 of `A-Z a-z 0-9 . _ -`), the
    /// engine is that device's: it records every order it places and every cancellation for
    /// `sync`, and the database keeps the id (opening it later with another one throws `Open`
    /// with code `device_mismatch`).
    #[uniffi::constructor(default(policy_json = None, device_id = None))]
    pub fn open(
        url: String,
        policy_json: Option<String>,
        device_id: Option<String>,
    ) -> Result<Arc<Self>> {
        let policy: Option<PricingPolicy> = match policy_json {
            None => None,
            Some(json) => Some(
                serde_json::from_str(&json)
                    .map_err(|e| invalid_field("policy_json", e.to_string()))?,
            ),
        };
        let engine = match device_id {
            Some(device) => Embedded::open_device(&url, &device, policy)?,
            None => Embedded::open(&url, policy)?,
        };
        Ok(Arc::new(Engine { engine }))
    }

    /// Sets (or replaces) a user's cart. The engine applies the cart rules when it reads the
    /// cart (`cart`, `checkout`, `place_order`), exactly as for a remote cart service.
    pub fn set_cart(&self, user_id: String, currency: String, items: Vec<CartItem>) {
        let items = items.into_iter().map(Into::into).collect();
        self.engine.set_cart(user_id, currency, items);
    }

    /// Forgets a user's cart; the user then has an empty cart.
    pub fn remove_cart(&self, user_id: String) {
        self.engine.remove_cart(&user_id);
    }

    /// The user's cart, validated and totalled.
    pub fn cart(&self, user_id: String) -> Result<Cart> {
        Ok(self.engine.cart(&user_id)?.into())
    }

    /// Validates the cart, address and payment method, prices the order and stores a quote.
    #[uniffi::method(default(shipping_method = None, discount_code = None))]
    pub fn checkout(
        &self,
        user_id: String,
        delivery_address: Address,
        payment_method: PaymentMethod,
        shipping_method: Option<ShippingMethod>,
        discount_code: Option<String>,
    ) -> Result<Checkout> {
        let input = order_input(
            user_id,
            delivery_address,
            payment_method,
            shipping_method,
            discount_code,
        );
        Ok(self.engine.checkout(input)?.into())
    }

    /// Places an order from the user's cart, or from a checkout quote (`checkout_id`), exactly
    /// once per `idempotency_key`: the same key with the same request returns the order it
    /// placed (`created == false`); with a different request it is `idempotency_conflict`.
    /// `metadata_json` is a JSON object stored with the order.
    #[uniffi::method(default(
        shipping_method = None,
        checkout_id = None,
        discount_code = None,
        metadata_json = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn place_order(
        &self,
        user_id: String,
        delivery_address: Address,
        payment_method: PaymentMethod,
        idempotency_key: String,
        shipping_method: Option<ShippingMethod>,
        checkout_id: Option<String>,
        discount_code: Option<String>,
        metadata_json: Option<String>,
    ) -> Result<Placement> {
        let input = order_input(
            user_id,
            delivery_address,
            payment_method,
            shipping_method,
            discount_code,
        );
        let metadata = metadata_json.as_deref().map(metadata).transpose()?;
        let placed =
            self.engine
                .place_order(input, &idempotency_key, checkout_id.as_deref(), metadata)?;
        Ok(placed.into())
    }

    /// One order. With `user_id`, acts as that customer: someone else's order is not found;
    /// otherwise as the service `actor` (`"app"` when nil).
    #[uniffi::method(default(user_id = None, actor = None))]
    pub fn order(
        &self,
        order_id: String,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<Order> {
        let who = ActAs { user_id, actor };
        Ok(self.engine.order(&order_id, &who)?.into())
    }

    /// A user's orders, newest first, `limit` (1 to 100, default 20) at a time; pass the
    /// page's `next_cursor` as `cursor` for the next page.
    #[uniffi::method(default(limit = None, cursor = None, status = None))]
    pub fn orders_for_user(
        &self,
        user_id: String,
        limit: Option<i64>,
        cursor: Option<String>,
        status: Option<OrderStatus>,
    ) -> Result<OrderPage> {
        let req = HistoryRequest {
            limit,
            cursor,
            status: status.map(Into::into),
        };
        Ok(self.engine.orders_for_user(&user_id, &req)?.into())
    }

    /// The order's status and every milestone, oldest first.
    #[uniffi::method(default(user_id = None, actor = None))]
    pub fn status(
        &self,
        order_id: String,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<StatusView> {
        let who = ActAs { user_id, actor };
        Ok(self.engine.status(&order_id, &who)?.into())
    }

    /// Cancels an order from `placed` or `processing` (else `invalid_transition`).
    /// `reason` is one of `customer`, `inventory`, `fraud`, `payment_declined`, `staff`,
    /// `other` (customers may give only `customer`; the default is `customer` for them and
    /// `staff` otherwise) and `note` is kept in the history; any other `reason` text given
    /// without a `note` is kept as the note, with the default reason. Cancelling a cancelled
    /// order changes nothing.
    #[uniffi::method(default(reason = None, note = None, user_id = None, actor = None))]
    pub fn cancel(
        &self,
        order_id: String,
        reason: Option<String>,
        note: Option<String>,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<Order> {
        let who = ActAs { user_id, actor };
        let order = self
            .engine
            .cancel_with(&order_id, reason.as_deref(), note.as_deref(), &who)?;
        Ok(order.into())
    }

    /// Moves an order along placed -> processing -> shipped -> delivered (or to cancelled) as
    /// the service `actor` (`"app"` when nil). With `expected_version`, applies only if the
    /// order is still at that version (`version_conflict` otherwise).
    #[uniffi::method(default(note = None, expected_version = None, actor = None))]
    pub fn update_status(
        &self,
        order_id: String,
        status: OrderStatus,
        note: Option<String>,
        expected_version: Option<u32>,
        actor: Option<String>,
    ) -> Result<Order> {
        let update = StatusUpdate {
            note,
            expected_version,
        };
        let order =
            self.engine
                .update_status(&order_id, status.into(), &update, actor.as_deref())?;
        Ok(order.into())
    }

    /// Sales per currency for orders created in `[start, end)`, widened to whole UTC hours;
    /// cancelled orders are excluded.
    #[uniffi::method(default(actor = None))]
    pub fn sales(
        &self,
        start: SystemTime,
        end: SystemTime,
        actor: Option<String>,
    ) -> Result<Vec<SalesSummary>> {
        let (from, to) = (timestamp(start, "start")?, timestamp(end, "end")?);
        let rows = self.engine.sales(from, to, actor.as_deref())?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Best-selling products in `currency` (the policy's default currency when `nil`), by
    /// quantity unless `by` says revenue; 10 unless `limit` says otherwise.
    #[uniffi::method(default(by = None, limit = None, currency = None, actor = None))]
    pub fn top_products(
        &self,
        by: Option<TopBy>,
        limit: Option<u32>,
        currency: Option<String>,
        actor: Option<String>,
    ) -> Result<Vec<ProductSales>> {
        let rows = self.engine.top_products(
            by.map(Into::into),
            limit,
            currency.as_deref(),
            actor.as_deref(),
        )?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// How many orders are in each status now.
    #[uniffi::method(default(actor = None))]
    pub fn orders_by_status(&self, actor: Option<String>) -> Result<Vec<StatusCount>> {
        let rows = self.engine.orders_by_status(actor.as_deref())?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Undelivered outbox events, oldest first (at most `limit`, 1 to 10 000; 100 when nil).
    #[uniffi::method(default(limit = None))]
    pub fn pending_events(&self, limit: Option<u32>) -> Result<Vec<OutboxEvent>> {
        let events = self.engine.pending_events(limit)?;
        Ok(events.into_iter().map(Into::into).collect())
    }

    /// Marks events delivered once the application has handed them on; returns how many
    /// were newly marked.
    pub fn mark_events_delivered(&self, event_ids: Vec<String>) -> Result<u64> {
        let ids = event_ids
            .iter()
            .map(|id| parse::event_id("event_ids", id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.engine.mark_events_delivered(&ids)?)
    }

    /// Throws if the store does not answer.
    pub fn ready(&self) -> Result<()> {
        Ok(self.engine.ready()?)
    }
}
