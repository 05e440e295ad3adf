//! `Engine`: the facade's `orderly::Embedded` as camelCase methods returning Promises.
//! Arguments are converted and the engine is called on the libuv thread pool; results come back
//! as plain objects. Who acts, the default actor and page sizes, and the parsing of ids are
//! `Embedded`'s, the same for the Python and Swift bindings.
//!
//! Who acts: methods that name a user (`cart`, `checkout`, `placeOrder`, `ordersForUser`) act
//! as that customer; `order`, `status` and `cancel` act as the customer `userId` when it is
//! given (who must own the order) and otherwise, like the staff operations (`updateStatus`,
//! analytics), as the service `actor` (default `"app"`), recorded as `service:<actor>`.
//! Shipments, notes and the timeline are in `staff.rs`.

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use orderly::{
    ActAs as CoreActAs, Embedded, HistoryRequest, OrderInput, PricingPolicy, RawCartItem,
    StatusUpdate, Timestamp, TopBy, ValidationError,
};

use crate::errors::invalid_field;
use crate::inputs::{
    ActAs, CancelOptions, CartItem, CheckoutInput, HistoryOptions, OpenOptions, PlaceOrderInput,
    StaffOptions, TopProductsOptions, UpdateStatusOptions, enum_value, payment_method, shipping,
    status, whole_field,
};
use crate::results::{
    Cart, Checkout, Order, OrderPage, OutboxEvent, Placement, ProductSales, SalesSummary,
    StatusCount, StatusView,
};
use crate::task::{Job, run};

/// A JavaScript `Date` (whole milliseconds, converted by napi's chrono support) as an engine
/// instant.
fn instant(at: DateTime<Utc>) -> Timestamp {
    Timestamp::from_datetime(at)
}

/// An Orderly engine over one store, with carts the application sets in process.
#[napi]
#[derive(Debug)]
pub struct Engine {
    pub(crate) engine: Embedded,
}

#[napi]
impl Engine {
    /// Opens (creating and migrating if needed) the store at `url`: `sqlite:///abs/path.db`,
    /// `sqlite://relative.db`, `sqlite::memory:` or, in builds with MySQL,
    /// `mysql://user:pass@host:port/db`. With `deviceId` (1 to 64 of `A-Z a-z 0-9 . _ -`), the
    /// engine is that device's: it records every order it places and every cancellation for
    /// `sync`, and the database keeps the id (opening it later with another one rejects with
    /// code `device_mismatch`).
    #[napi(ts_return_type = "Promise<Engine>")]
    pub fn open(url: String, options: Option<OpenOptions>) -> AsyncTask<Job<Engine>> {
        run(move || {
            let options = options.unwrap_or_default();
            let policy: Option<PricingPolicy> = match options.policy.clone() {
                None => None,
                Some(p) => Some(
                    serde_json::from_value(p)
                        .map_err(|e| invalid_field("policy", e.to_string()))?,
                ),
            };
            let engine = match options.device_id {
                Some(device) => Embedded::open_device(&url, &device, policy)?,
                None => Embedded::open(&url, policy)?,
            };
            Ok(Engine { engine })
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
        self.engine.set_cart(user_id, currency, items);
        Ok(())
    }

    /// Forgets a user's cart; the user then has an empty cart.
    #[napi]
    pub fn remove_cart(&self, user_id: String) {
        self.engine.remove_cart(&user_id);
    }

    /// The user's cart, validated and totalled.
    #[napi(ts_return_type = "Promise<Cart>")]
    pub fn cart(&self, user_id: String) -> AsyncTask<Job<Cart>> {
        let engine = self.engine.clone();
        run(move || Ok(engine.cart(&user_id)?.into()))
    }

    /// Validates the cart, address and payment method, prices the order and stores a quote.
    #[napi(ts_return_type = "Promise<Checkout>")]
    pub fn checkout(&self, input: CheckoutInput) -> AsyncTask<Job<Checkout>> {
        let engine = self.engine.clone();
        run(move || {
            let order = OrderInput {
                user_id: input.user_id,
                shipping_method: shipping(input.shipping_method.as_deref())?,
                delivery_address: input.delivery_address.into(),
                payment_method: payment_method(input.payment_method)?,
                discount_code: input.discount_code,
            };
            Ok(engine.checkout(order)?.into())
        })
    }

    /// Places an order from the user's cart, or from a checkout quote (`checkoutId`), exactly
    /// once per `idempotencyKey`.
    #[napi(ts_return_type = "Promise<Placement>")]
    pub fn place_order(&self, input: PlaceOrderInput) -> AsyncTask<Job<Placement>> {
        let engine = self.engine.clone();
        run(move || {
            let order = OrderInput {
                user_id: input.user_id,
                shipping_method: shipping(input.shipping_method.as_deref())?,
                delivery_address: input.delivery_address.into(),
                payment_method: payment_method(input.payment_method)?,
                discount_code: input.discount_code,
            };
            let placed = engine.place_order(
                order,
                &input.idempotency_key,
                input.checkout_id.as_deref(),
                input.metadata,
            )?;
            Ok(placed.into())
        })
    }

    /// One order. With `userId`, acts as that customer: someone else's order is not found.
    #[napi(ts_return_type = "Promise<Order>")]
    pub fn order(&self, order_id: String, options: Option<ActAs>) -> AsyncTask<Job<Order>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let who = CoreActAs {
                user_id: o.user_id,
                actor: o.actor,
            };
            Ok(engine.order(&order_id, &who)?.into())
        })
    }

    /// A user's orders, newest first, a page at a time.
    #[napi(ts_return_type = "Promise<OrderPage>")]
    pub fn orders_for_user(
        &self,
        user_id: String,
        options: Option<HistoryOptions>,
    ) -> AsyncTask<Job<OrderPage>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let req = HistoryRequest {
                limit: o.limit.map(|l| whole_field("limit", l)).transpose()?,
                cursor: o.cursor,
                status: o.status.as_deref().map(status).transpose()?,
            };
            Ok(engine.orders_for_user(&user_id, &req)?.into())
        })
    }

    /// The order's status and every milestone, oldest first.
    #[napi(ts_return_type = "Promise<StatusView>")]
    pub fn status(&self, order_id: String, options: Option<ActAs>) -> AsyncTask<Job<StatusView>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let who = CoreActAs {
                user_id: o.user_id,
                actor: o.actor,
            };
            Ok(engine.status(&order_id, &who)?.into())
        })
    }

    /// Cancels an order from `placed` or `processing` (else `code: "invalid_transition"`)
    /// with a reason and a note. Cancelling a cancelled order changes nothing.
    #[napi(ts_return_type = "Promise<Order>")]
    pub fn cancel(
        &self,
        order_id: String,
        options: Option<CancelOptions>,
    ) -> AsyncTask<Job<Order>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let who = CoreActAs {
                user_id: o.user_id,
                actor: o.actor,
            };
            let order =
                engine.cancel_with(&order_id, o.reason.as_deref(), o.note.as_deref(), &who)?;
            Ok(order.into())
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
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
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
            Ok(engine
                .update_status(&order_id, to, &update, o.actor.as_deref())?
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
        let engine = self.engine.clone();
        run(move || {
            let actor = options.unwrap_or_default().actor;
            let rows = engine.sales(instant(from), instant(to), actor.as_deref())?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    /// Best-selling products in a currency, by `quantity` (default) or `revenue`.
    #[napi(ts_return_type = "Promise<ProductSales[]>")]
    pub fn top_products(
        &self,
        options: Option<TopProductsOptions>,
    ) -> AsyncTask<Job<Vec<ProductSales>>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let by: Option<TopBy> = o.by.as_deref().map(|b| enum_value("by", b)).transpose()?;
            let limit = match o.limit {
                None => None,
                Some(l) => {
                    let l = whole_field("limit", l)?;
                    Some(u32::try_from(l).map_err(|_| ValidationError::LimitOutOfRange(l))?)
                }
            };
            let rows = engine.top_products(by, limit, o.currency.as_deref(), o.actor.as_deref())?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    /// How many orders are in each status now.
    #[napi(ts_return_type = "Promise<StatusCount[]>")]
    pub fn orders_by_status(
        &self,
        options: Option<StaffOptions>,
    ) -> AsyncTask<Job<Vec<StatusCount>>> {
        let engine = self.engine.clone();
        run(move || {
            let actor = options.unwrap_or_default().actor;
            let rows = engine.orders_by_status(actor.as_deref())?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    /// Undelivered outbox events, oldest first (at most `limit`, 1 to 10 000, default 100).
    #[napi(ts_return_type = "Promise<OutboxEvent[]>")]
    pub fn pending_events(&self, limit: Option<f64>) -> AsyncTask<Job<Vec<OutboxEvent>>> {
        let engine = self.engine.clone();
        run(move || {
            let limit = match limit {
                None => None,
                // The engine clamps the limit to 1..=10 000.
                Some(l) => Some(u32::try_from(whole_field("limit", l)?.max(0)).unwrap_or(u32::MAX)),
            };
            let events = engine.pending_events(limit)?;
            Ok(events.into_iter().map(Into::into).collect())
        })
    }

    /// Marks events delivered once the application has handed them on; resolves with how
    /// many were newly marked.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn mark_events_delivered(&self, event_ids: Vec<String>) -> AsyncTask<Job<i64>> {
        let engine = self.engine.clone();
        run(move || {
            let ids = event_ids
                .iter()
                .map(|id| orderly::parse::event_id("eventIds", id))
                .collect::<Result<Vec<_>, _>>()?;
            let marked = engine.mark_events_delivered(&ids)?;
            Ok(i64::try_from(marked).unwrap_or(i64::MAX))
        })
    }

    /// Resolves once the store answers; rejects if it does not.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn ready(&self) -> AsyncTask<Job<()>> {
        let engine = self.engine.clone();
        run(move || Ok(engine.ready()?))
    }
}

/// The engine's default pricing policy in its JSON shape: adjust it (tax, shipping, discount
/// codes, cash-on-delivery limits) and pass it to `Engine.open(url, { policy })`.
#[napi(ts_return_type = "Record<string, unknown>")]
pub fn default_policy() -> napi::Result<serde_json::Value> {
    serde_json::to_value(PricingPolicy::default())
        .map_err(|e| napi::Error::from_reason(e.to_string()))
}
