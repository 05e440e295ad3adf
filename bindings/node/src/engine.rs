//! `Engine`: the engine's use cases as camelCase methods returning Promises. Arguments are
//! converted and the engine is called on the libuv thread pool; results come back as plain
//! objects.
//!
//! Who acts: methods that name a user (`cart`, `checkout`, `placeOrder`, `ordersForUser`) act
//! as that customer; `order`, `status` and `cancel` act as the customer `userId` when it is
//! given (who must own the order) and otherwise, like the staff operations (`updateStatus`,
//! analytics), as the service `actor` (default `"app"`), recorded as `service:<actor>`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use orderly::{
    Caller, CheckoutRequest, Currency, HistoryRequest, IdempotencyKey, InMemoryCarts, OrderService,
    PlaceOrderRequest, PricingPolicy, RawCart, RawCartItem, StatusUpdate, Timestamp, TopBy,
    ValidationError,
};

use crate::errors::{Failure, invalid_field};
use crate::inputs::{
    ActAs, CancelOptions, CartItem, CheckoutInput, HistoryOptions, OpenOptions, PlaceOrderInput,
    StaffOptions, TopProductsOptions, UpdateStatusOptions, checkout_id, enum_value, order_id,
    payment_method, shipping, status, user, whole_field,
};
use crate::results::{
    Cart, Checkout, Order, OrderPage, OutboxEvent, Placement, ProductSales, SalesSummary,
    StatusCount, StatusView,
};
use crate::task::{Job, run};

const DEFAULT_ACTOR: &str = "app";

/// The customer `user_id` when given, else the service `actor`.
fn reader(user_id: Option<&str>, actor: Option<&str>) -> Result<Caller, Failure> {
    match user_id {
        Some(id) => Ok(Caller::customer(&user(id)?)),
        None => Ok(staff(actor)),
    }
}

fn staff(actor: Option<&str>) -> Caller {
    Caller::service(actor.unwrap_or(DEFAULT_ACTOR))
}

/// A JavaScript `Date` (whole milliseconds) as an engine instant.
fn instant(at: DateTime<Utc>) -> Timestamp {
    Timestamp::from_unix_millis(at.timestamp_millis())
}

/// An Orderly engine over one store, with carts the application sets in process.
#[napi]
#[derive(Debug)]
pub struct Engine {
    service: OrderService,
    carts: Arc<InMemoryCarts>,
}

#[napi]
impl Engine {
    /// Opens (creating and migrating if needed) the store at `url`: `sqlite:///abs/path.db`,
    /// `sqlite://relative.db`, `sqlite::memory:` or, in builds with MySQL,
    /// `mysql://user:pass@host:port/db`.
    #[napi(ts_return_type = "Promise<Engine>")]
    pub fn open(url: String, options: Option<OpenOptions>) -> AsyncTask<Job<Engine>> {
        run(move || {
            let policy = match options.and_then(|o| o.policy) {
                None => PricingPolicy::default(),
                Some(p) => {
                    serde_json::from_value(p).map_err(|e| invalid_field("policy", e.to_string()))?
                }
            };
            let carts = Arc::new(InMemoryCarts::new());
            let store = orderly::open_store(&url)?;
            let service = OrderService::builder(store, carts.clone())
                .policy(policy)
                .build();
            Ok(Engine { service, carts })
        })
    }

    /// Sets (or replaces) a user's cart. The engine applies the cart rules when it reads the
    /// cart (`cart`, `checkout`, `placeOrder`), exactly as for a remote cart service.
    #[napi]
    pub fn set_cart(
        &self,
        user_id: String,
        currency: String,
        items: Vec<CartItem>,
    ) -> napi::Result<()> {
        let items = items
            .into_iter()
            .map(RawCartItem::try_from)
            .collect::<napi::Result<_>>()?;
        self.carts.set(RawCart {
            user_id,
            currency,
            items,
            updated_at: None,
        });
        Ok(())
    }

    /// Forgets a user's cart; the user then has an empty cart.
    #[napi]
    pub fn remove_cart(&self, user_id: String) {
        self.carts.remove(&user_id);
    }

    /// The user's cart, validated and totalled.
    #[napi(ts_return_type = "Promise<Cart>")]
    pub fn cart(&self, user_id: String) -> AsyncTask<Job<Cart>> {
        let service = self.service.clone();
        run(move || {
            let user = user(&user_id)?;
            Ok(service.cart(&Caller::customer(&user), &user)?.into())
        })
    }

    /// Validates the cart, address and payment method, prices the order and stores a quote.
    #[napi(ts_return_type = "Promise<Checkout>")]
    pub fn checkout(&self, input: CheckoutInput) -> AsyncTask<Job<Checkout>> {
        let service = self.service.clone();
        run(move || {
            let req = CheckoutRequest {
                user_id: user(&input.user_id)?,
                shipping_method: shipping(input.shipping_method.as_deref())?,
                delivery_address: input.delivery_address.into(),
                payment_method: payment_method(input.payment_method)?,
                discount_code: input.discount_code,
            };
            let caller = Caller::customer(&req.user_id);
            Ok(service.checkout(&caller, &req)?.into())
        })
    }

    /// Places an order from the user's cart, or from a checkout quote (`checkoutId`), exactly
    /// once per `idempotencyKey`.
    #[napi(ts_return_type = "Promise<Placement>")]
    pub fn place_order(&self, input: PlaceOrderInput) -> AsyncTask<Job<Placement>> {
        let service = self.service.clone();
        run(move || {
            let key = IdempotencyKey::new(input.idempotency_key)?;
            let req = PlaceOrderRequest {
                user_id: user(&input.user_id)?,
                shipping_method: shipping(input.shipping_method.as_deref())?,
                checkout_id: input.checkout_id.as_deref().map(checkout_id).transpose()?,
                delivery_address: input.delivery_address.into(),
                payment_method: payment_method(input.payment_method)?,
                discount_code: input.discount_code,
                metadata: input.metadata,
            };
            let caller = Caller::customer(&req.user_id);
            Ok(service.place_order(&caller, &req, &key)?.into())
        })
    }

    /// One order. With `userId`, acts as that customer: someone else's order is not found.
    #[napi(ts_return_type = "Promise<Order>")]
    pub fn order(&self, order_id: String, options: Option<ActAs>) -> AsyncTask<Job<Order>> {
        let service = self.service.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let caller = reader(o.user_id.as_deref(), o.actor.as_deref())?;
            Ok(service.order(&caller, &self::order_id(&order_id)?)?.into())
        })
    }

    /// A user's orders, newest first, a page at a time.
    #[napi(ts_return_type = "Promise<OrderPage>")]
    pub fn orders_for_user(
        &self,
        user_id: String,
        options: Option<HistoryOptions>,
    ) -> AsyncTask<Job<OrderPage>> {
        let service = self.service.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let user = user(&user_id)?;
            let req = HistoryRequest {
                limit: o.limit.map(|l| whole_field("limit", l)).transpose()?,
                cursor: o.cursor,
                status: o.status.as_deref().map(status).transpose()?,
            };
            Ok(service
                .orders_for_user(&Caller::customer(&user), &user, &req)?
                .into())
        })
    }

    /// The order's status and every milestone, oldest first.
    #[napi(ts_return_type = "Promise<StatusView>")]
    pub fn status(&self, order_id: String, options: Option<ActAs>) -> AsyncTask<Job<StatusView>> {
        let service = self.service.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let caller = reader(o.user_id.as_deref(), o.actor.as_deref())?;
            Ok(service.status(&caller, &self::order_id(&order_id)?)?.into())
        })
    }

    /// Cancels an order from `placed` or `processing` (else `code: "invalid_transition"`).
    /// Cancelling a cancelled order changes nothing.
    #[napi(ts_return_type = "Promise<Order>")]
    pub fn cancel(
        &self,
        order_id: String,
        options: Option<CancelOptions>,
    ) -> AsyncTask<Job<Order>> {
        let service = self.service.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let caller = reader(o.user_id.as_deref(), o.actor.as_deref())?;
            let id = self::order_id(&order_id)?;
            Ok(service.cancel(&caller, &id, o.reason.as_deref())?.into())
        })
    }

    /// Moves an order along `placed -> processing -> shipped -> delivered` (or to
    /// `cancelled`) as the service `actor`.
    #[napi(
        ts_args_type = "orderId: string, status: OrderStatus, options?: UpdateStatusOptions | undefined | null",
        ts_return_type = "Promise<Order>"
    )]
    pub fn update_status(
        &self,
        order_id: String,
        status: String,
        options: Option<UpdateStatusOptions>,
    ) -> AsyncTask<Job<Order>> {
        let service = self.service.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let id = self::order_id(&order_id)?;
            let to = self::status(&status)?;
            let expected_version = match o.expected_version {
                None => None,
                Some(v) => Some(u32::try_from(whole_field("expectedVersion", v)?).map_err(
                    |_| invalid_field("expectedVersion", format!("{v} is not an order version")),
                )?),
            };
            let update = StatusUpdate {
                note: o.note,
                expected_version,
            };
            Ok(service
                .update_status(&staff(o.actor.as_deref()), &id, to, &update)?
                .into())
        })
    }

    /// Sales per currency for orders created in `[from, to)`, widened to whole UTC hours;
    /// cancelled orders are excluded.
    #[napi(ts_return_type = "Promise<SalesSummary[]>")]
    pub fn sales(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        options: Option<StaffOptions>,
    ) -> AsyncTask<Job<Vec<SalesSummary>>> {
        let service = self.service.clone();
        run(move || {
            let caller = staff(options.unwrap_or_default().actor.as_deref());
            let rows = service.sales(&caller, instant(from), instant(to))?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    /// Best-selling products in a currency, by `quantity` (default) or `revenue`.
    #[napi(ts_return_type = "Promise<ProductSales[]>")]
    pub fn top_products(
        &self,
        options: Option<TopProductsOptions>,
    ) -> AsyncTask<Job<Vec<ProductSales>>> {
        let service = self.service.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let by: TopBy = match o.by.as_deref() {
                Some(b) => enum_value("by", b)?,
                None => TopBy::Quantity,
            };
            let currency = o
                .currency
                .as_deref()
                .map(Currency::from_code)
                .transpose()
                .map_err(orderly::OrderlyError::from)?;
            let caller = staff(o.actor.as_deref());
            let limit = match o.limit {
                None => 10,
                Some(l) => {
                    let l = whole_field("limit", l)?;
                    u32::try_from(l).map_err(|_| ValidationError::LimitOutOfRange(l))?
                }
            };
            let rows = service.top_products(&caller, by, limit, currency)?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    /// How many orders are in each status now.
    #[napi(ts_return_type = "Promise<StatusCount[]>")]
    pub fn orders_by_status(
        &self,
        options: Option<StaffOptions>,
    ) -> AsyncTask<Job<Vec<StatusCount>>> {
        let service = self.service.clone();
        run(move || {
            let caller = staff(options.unwrap_or_default().actor.as_deref());
            let rows = service.orders_by_status(&caller)?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    /// Undelivered outbox events, oldest first (at most `limit`, 1 to 10 000, default 100).
    #[napi(ts_return_type = "Promise<OutboxEvent[]>")]
    pub fn pending_events(&self, limit: Option<f64>) -> AsyncTask<Job<Vec<OutboxEvent>>> {
        let service = self.service.clone();
        run(move || {
            let limit = match limit {
                None => 100,
                // The engine clamps the limit to 1..=10 000.
                Some(l) => u32::try_from(whole_field("limit", l)?.max(0)).unwrap_or(u32::MAX),
            };
            let events = service.pending_events(limit)?;
            Ok(events.into_iter().map(Into::into).collect())
        })
    }

    /// Marks events delivered once the application has handed them on; resolves with how
    /// many were newly marked.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn mark_events_delivered(&self, event_ids: Vec<String>) -> AsyncTask<Job<i64>> {
        let service = self.service.clone();
        run(move || {
            let ids = event_ids
                .iter()
                .map(|id| orderly::parse::event_id("eventIds", id))
                .collect::<Result<Vec<_>, _>>()?;
            let marked = service.mark_events_delivered(&ids)?;
            Ok(i64::try_from(marked).unwrap_or(i64::MAX))
        })
    }

    /// Resolves once the store answers; rejects if it does not.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn ready(&self) -> AsyncTask<Job<()>> {
        let service = self.service.clone();
        run(move || Ok(service.ready()?))
    }
}

/// The engine's default pricing policy in its JSON shape: adjust it (tax, shipping, discount
/// codes, cash-on-delivery limits) and pass it to `Engine.open(url, { policy })`.
#[napi(ts_return_type = "Record<string, unknown>")]
pub fn default_policy() -> napi::Result<serde_json::Value> {
    serde_json::to_value(PricingPolicy::default())
        .map_err(|e| napi::Error::from_reason(e.to_string()))
}
