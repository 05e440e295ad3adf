//! `orderly.Engine`: the facade's `orderly::Embedded` as methods. Each method converts its
//! arguments to the engine's types while holding the GIL, runs the call with the GIL released,
//! then converts the result back. Who acts, the default actor and page sizes, and the parsing of
//! ids are `Embedded`'s, the same for the Node and Swift bindings.
//!
//! Who acts: methods that name a user (`cart`, `checkout`, `place_order`, `orders_for_user`)
//! act as that customer; `order`, `status` and `cancel` act as the customer `user_id` when it
//! is given (who must own the order) and otherwise, like the staff operations
//! (`update_status`, analytics), as the service `actor` (`"app"` when `None`), which the
//! milestones record as `service:<actor>`. The shipment, note and timeline methods take the
//! same `user_id`/`actor` pair, so a customer acting through them is refused (`Forbidden`);
//! search, export and the cancellation counts act as the service `actor`, their `user_id`
//! being a search filter.

use std::path::PathBuf;

use orderly::{
    ActAs, DeviceId, Embedded, HistoryRequest, OrderInput, OrderlyError, PricingPolicy,
    ShipmentInput, ShipmentLineInput, ShipmentStatus, ShippingMethod, StatusUpdate, TopBy,
    ValidationError, parse,
};
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyDict, PyString};

use crate::errors::{IntoPyResult, engine_error, open_error};
use crate::inputs::{CartItem, address, payment_method};
use crate::results::{
    CancellationCount, Cart, Checkout, Order, OrderPage, OutboxEvent, Placement, ProductSales,
    SalesSummary, ShipmentLine, StaffNote, StatusCount, StatusView, TimelineEntry,
};
use crate::sync::{SyncReport, SyncState};
use crate::values::{amount_string, json_object, py_to_json_object, timestamp};
use crate::webhooks::{Webhook, WebhookDeliveryPage};

/// An Orderly engine over one store, with carts the application sets in process.
#[pyclass(module = "orderly", name = "Engine", frozen)]
#[derive(Debug)]
pub(crate) struct Engine {
    engine: Embedded,
}

fn invalid(field: &str, reason: String) -> OrderlyError {
    ValidationError::InvalidField {
        field: field.to_owned(),
        reason,
    }
    .into()
}

/// Parses one of the engine's snake_case enumerations through its serde names.
fn enum_value<T: serde::de::DeserializeOwned>(field: &str, value: &str) -> Result<T, OrderlyError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| invalid(field, format!("{value:?} is not a valid {field}")))
}

fn act_as(user_id: Option<&str>, actor: Option<&str>) -> ActAs {
    ActAs {
        user_id: user_id.map(str::to_owned),
        actor: actor.map(str::to_owned),
    }
}

/// The arguments checkout and place_order share, converted while the GIL is held.
fn order_input(
    py: Python<'_>,
    user_id: &str,
    delivery_address: &Bound<'_, PyAny>,
    payment: &Bound<'_, PyAny>,
    shipping_method: Option<&str>,
    discount_code: Option<String>,
) -> PyResult<OrderInput> {
    Ok(OrderInput {
        user_id: user_id.to_owned(),
        delivery_address: address(delivery_address)?,
        payment_method: payment_method(payment)?,
        shipping_method: shipping(shipping_method).or_raise(py)?,
        discount_code,
    })
}

/// The search filters as Python arguments, before they become the engine's name/value pairs.
struct Filters<'a, 'py> {
    status: Option<&'a Bound<'py, PyAny>>,
    created_from: Option<&'a Bound<'py, PyAny>>,
    created_to: Option<&'a Bound<'py, PyAny>>,
    currency: Option<String>,
    user_id: Option<String>,
    product_id: Option<String>,
    total_min: Option<&'a Bound<'py, PyAny>>,
    total_max: Option<&'a Bound<'py, PyAny>>,
    tracking_number: Option<String>,
    metadata_key: Option<String>,
    metadata_value: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    direction: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// A time filter: an aware `datetime`, or RFC 3339 text the engine parses.
fn time_filter(value: &Bound<'_, PyAny>, field: &str) -> PyResult<String> {
    if value.is_instance_of::<PyDateTime>() {
        return Ok(timestamp(value, field)?.to_rfc3339());
    }
    value.extract::<String>().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(format!(
            "{field} must be a datetime.datetime or str"
        ))
    })
}

impl Filters<'_, '_> {
    /// The filters as `GET /orders` names them; the engine parses and checks every one.
    fn pairs(self) -> PyResult<Vec<(String, String)>> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut push = |name: &str, value: String| pairs.push((name.to_owned(), value));
        if let Some(status) = self.status {
            if let Ok(one) = status.cast::<PyString>() {
                push("status", one.to_cow()?.into_owned());
            } else {
                for item in status.try_iter()? {
                    push("status", item?.extract::<String>()?);
                }
            }
        }
        if let Some(v) = self.created_from {
            push("createdFrom", time_filter(v, "created_from")?);
        }
        if let Some(v) = self.created_to {
            push("createdTo", time_filter(v, "created_to")?);
        }
        let text = [
            ("currency", self.currency),
            ("userId", self.user_id),
            ("productId", self.product_id),
            ("trackingNumber", self.tracking_number),
            ("metadataKey", self.metadata_key),
            ("metadataValue", self.metadata_value),
            ("q", self.q),
            ("sort", self.sort),
            ("direction", self.direction),
            ("cursor", self.cursor),
        ];
        for (name, value) in text {
            if let Some(value) = value {
                push(name, value);
            }
        }
        if let Some(v) = self.total_min {
            push("totalMin", amount_string(v, "total_min")?);
        }
        if let Some(v) = self.total_max {
            push("totalMax", amount_string(v, "total_max")?);
        }
        if let Some(limit) = self.limit {
            push("limit", limit.to_string());
        }
        Ok(pairs)
    }
}

/// Shipment lines from `orderly.ShipmentLine` objects.
fn shipment_lines(lines: &Bound<'_, PyAny>) -> PyResult<Vec<ShipmentLineInput>> {
    let mut out = Vec::new();
    for line in lines.try_iter()? {
        let line = line?;
        let line = line.cast::<ShipmentLine>().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err("shipment lines must be orderly.ShipmentLine")
        })?;
        let line = line.get();
        out.push(ShipmentLineInput {
            product_id: line.product_id.clone(),
            quantity: line.quantity,
        });
    }
    Ok(out)
}

fn shipment_status(text: &str) -> Result<ShipmentStatus, OrderlyError> {
    Ok(text.parse::<ShipmentStatus>()?)
}

#[pymethods]
impl Engine {
    /// Opens (creating and migrating if needed) the store at `url`:
    /// `sqlite:///abs/path.db`, `sqlite://relative.db`, `sqlite::memory:` or, in builds with
    /// MySQL, `mysql://user:pass@host:port/db`. `policy` is a pricing policy in the engine's
    /// JSON shape (start from `orderly.default_policy()`); the default policy otherwise.
    /// With `device_id` (1 to 64 of `A-Z a-z 0-9 . _ -`), the engine is that device's: it
    /// records every order it places and every cancellation for `sync`, and the database
    /// keeps the id (opening it later with another one raises `OpenError`, code
    /// `device_mismatch`).
    #[staticmethod]
    #[pyo3(signature = (url, *, policy=None, device_id=None))]
    fn open(
        py: Python<'_>,
        url: &str,
        policy: Option<&Bound<'_, PyDict>>,
        device_id: Option<&str>,
    ) -> PyResult<Self> {
        let policy = match policy {
            None => None,
            Some(p) => {
                let json = serde_json::Value::Object(py_to_json_object(p, "policy")?);
                let parsed: PricingPolicy = serde_json::from_value(json)
                    .map_err(|e| invalid("policy", e.to_string()))
                    .or_raise(py)?;
                Some(parsed)
            }
        };
        let engine = py
            .detach(|| match device_id {
                Some(device) => Embedded::open_device(url, device, policy),
                None => Embedded::open(url, policy),
            })
            .map_err(|e| open_error(py, e))?;
        Ok(Engine { engine })
    }

    /// Sets (or replaces) a user's cart. The engine applies the cart rules when it reads the
    /// cart (`cart`, `checkout`, `place_order`), exactly as for a remote cart service.
    fn set_cart(
        &self,
        user_id: String,
        currency: String,
        items: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let mut raw_items = Vec::new();
        for item in items.try_iter()? {
            let item = item?;
            let item = item.cast::<CartItem>().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err("cart items must be orderly.CartItem")
            })?;
            raw_items.push(item.get().0.clone());
        }
        self.engine.set_cart(user_id, currency, raw_items);
        Ok(())
    }

    /// Forgets a user's cart; the user then has an empty cart.
    fn remove_cart(&self, user_id: &str) {
        self.engine.remove_cart(user_id);
    }

    /// The user's cart, validated and totalled.
    fn cart(&self, py: Python<'_>, user_id: &str) -> PyResult<Cart> {
        let cart = py.detach(|| self.engine.cart(user_id)).or_raise(py)?;
        Ok(Cart(cart))
    }

    /// Validates the cart, address and payment method, prices the order and stores a quote.
    #[pyo3(signature = (*, user_id, delivery_address, payment_method, shipping_method=None, discount_code=None))]
    fn checkout(
        &self,
        py: Python<'_>,
        user_id: &str,
        delivery_address: &Bound<'_, PyAny>,
        payment_method: &Bound<'_, PyAny>,
        shipping_method: Option<&str>,
        discount_code: Option<String>,
    ) -> PyResult<Checkout> {
        let input = order_input(
            py,
            user_id,
            delivery_address,
            payment_method,
            shipping_method,
            discount_code,
        )?;
        let quote = py.detach(|| self.engine.checkout(input)).or_raise(py)?;
        Ok(Checkout(quote))
    }

    /// Places an order from the user's cart, or from a checkout quote. The same
    /// `idempotency_key` with the same request returns the order it placed
    /// (`created=False`); with a different request it raises `IdempotencyConflict`.
    #[pyo3(signature = (*, user_id, delivery_address, payment_method, idempotency_key, shipping_method=None, checkout_id=None, discount_code=None, metadata=None))]
    #[allow(clippy::too_many_arguments)]
    fn place_order(
        &self,
        py: Python<'_>,
        user_id: &str,
        delivery_address: &Bound<'_, PyAny>,
        payment_method: &Bound<'_, PyAny>,
        idempotency_key: &str,
        shipping_method: Option<&str>,
        checkout_id: Option<&str>,
        discount_code: Option<String>,
        metadata: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Placement> {
        let input = order_input(
            py,
            user_id,
            delivery_address,
            payment_method,
            shipping_method,
            discount_code,
        )?;
        let metadata = metadata
            .map(|m| py_to_json_object(m, "metadata"))
            .transpose()?;
        let placed = py
            .detach(|| {
                self.engine
                    .place_order(input, idempotency_key, checkout_id, metadata)
            })
            .or_raise(py)?;
        Placement::new(py, placed)
    }

    /// One order. With `user_id`, acts as that customer: someone else's order is `NotFound`.
    #[pyo3(signature = (order_id, *, user_id=None, actor=None))]
    fn order(
        &self,
        py: Python<'_>,
        order_id: &str,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Order> {
        let who = act_as(user_id, actor);
        let order = py
            .detach(|| self.engine.order(order_id, &who))
            .or_raise(py)?;
        Ok(Order(order))
    }

    /// A user's orders, newest first, `limit` (1 to 100, default 20) at a time; pass the
    /// page's `next_cursor` as `cursor` for the next page.
    #[pyo3(signature = (user_id, *, limit=None, cursor=None, status=None))]
    fn orders_for_user(
        &self,
        py: Python<'_>,
        user_id: &str,
        limit: Option<i64>,
        cursor: Option<String>,
        status: Option<&str>,
    ) -> PyResult<OrderPage> {
        let req = HistoryRequest {
            limit,
            cursor,
            status: status.map(parse::order_status).transpose().or_raise(py)?,
        };
        let page = py
            .detach(|| self.engine.orders_for_user(user_id, &req))
            .or_raise(py)?;
        OrderPage::new(py, page)
    }

    /// The order's status and every milestone, oldest first.
    #[pyo3(signature = (order_id, *, user_id=None, actor=None))]
    fn status(
        &self,
        py: Python<'_>,
        order_id: &str,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<StatusView> {
        let who = act_as(user_id, actor);
        let view = py
            .detach(|| self.engine.status(order_id, &who))
            .or_raise(py)?;
        Ok(StatusView(view))
    }

    /// Cancels an order from `placed` or `processing` (`InvalidTransition` otherwise).
    /// `reason` is one of `customer`, `inventory`, `fraud`, `payment_declined`, `staff`,
    /// `other` (customers may give only `customer`; the default is `customer` for them and
    /// `staff` otherwise) and `note` is kept in the history. Any other `reason` text given
    /// without a `note` is kept as the note, with the default reason. Cancelling a cancelled
    /// order changes nothing.
    #[pyo3(signature = (order_id, *, reason=None, note=None, user_id=None, actor=None))]
    fn cancel(
        &self,
        py: Python<'_>,
        order_id: &str,
        reason: Option<&str>,
        note: Option<&str>,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Order> {
        let who = act_as(user_id, actor);
        let order = py
            .detach(|| self.engine.cancel_with(order_id, reason, note, &who))
            .or_raise(py)?;
        Ok(Order(order))
    }

    /// Adds a shipment to an order in `processing` or `partially_shipped` (staff only); the
    /// order's status follows (`partially_shipped`, `shipped`). `lines` are
    /// `orderly.ShipmentLine`s (everything not yet in a shipment when `None`); `status` is
    /// `"shipped"` (the default) or `"pending"`. A known carrier's tracking link is made from
    /// its tracking number unless `tracking_url` is given. With `idempotency_key`, a retry
    /// finds the shipment it created. More units than are left raise `Conflict` with code
    /// `shipment_exceeds_order`.
    #[pyo3(signature = (order_id, *, lines=None, carrier=None, tracking_number=None, tracking_url=None, status=None, note=None, idempotency_key=None, user_id=None, actor=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_shipment(
        &self,
        py: Python<'_>,
        order_id: &str,
        lines: Option<&Bound<'_, PyAny>>,
        carrier: Option<String>,
        tracking_number: Option<String>,
        tracking_url: Option<String>,
        status: Option<&str>,
        note: Option<String>,
        idempotency_key: Option<&str>,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Order> {
        let input = ShipmentInput {
            lines: lines.map(shipment_lines).transpose()?,
            carrier,
            tracking_number,
            tracking_url,
            status: status.map(shipment_status).transpose().or_raise(py)?,
            note,
        };
        let who = act_as(user_id, actor);
        let order = py
            .detach(|| {
                self.engine
                    .create_shipment(order_id, input, idempotency_key, &who)
            })
            .or_raise(py)?;
        Ok(Order(order))
    }

    /// Moves a shipment (staff only) to `"shipped"`, `"delivered"`, or `"cancelled"` while
    /// pending; the order's status follows (`delivered` once every shipment is).
    #[pyo3(signature = (order_id, shipment_id, status, *, note=None, user_id=None, actor=None))]
    #[allow(clippy::too_many_arguments)]
    fn update_shipment(
        &self,
        py: Python<'_>,
        order_id: &str,
        shipment_id: &str,
        status: &str,
        note: Option<&str>,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Order> {
        let to = shipment_status(status).or_raise(py)?;
        let who = act_as(user_id, actor);
        let order = py
            .detach(|| {
                self.engine
                    .update_shipment(order_id, shipment_id, to, note, &who)
            })
            .or_raise(py)?;
        Ok(Order(order))
    }

    /// Orders across all users (staff, as the service `actor`), matching every filter given:
    /// `status` (one or several), `created_from` (inclusive) and `created_to` (exclusive) as
    /// aware datetimes, `currency`, `user_id`, `product_id`, `total_min`/`total_max` (with
    /// `currency`), `tracking_number`, `metadata_key` with `metadata_value`, and `q` (a word
    /// of the name, user or email, or the start of the order id). Sorted by `sort`
    /// (`"createdAt"` or `"total"`), `direction` `"desc"` (default) or `"asc"`; `limit` (1 to
    /// 200, default 50) at a time; pass the page's `next_cursor` as `cursor` with the same
    /// filters for the next page.
    #[pyo3(signature = (*, status=None, created_from=None, created_to=None, currency=None, user_id=None, product_id=None, total_min=None, total_max=None, tracking_number=None, metadata_key=None, metadata_value=None, q=None, sort=None, direction=None, cursor=None, limit=None, actor=None))]
    #[allow(clippy::too_many_arguments)]
    fn search_orders(
        &self,
        py: Python<'_>,
        status: Option<&Bound<'_, PyAny>>,
        created_from: Option<&Bound<'_, PyAny>>,
        created_to: Option<&Bound<'_, PyAny>>,
        currency: Option<String>,
        user_id: Option<String>,
        product_id: Option<String>,
        total_min: Option<&Bound<'_, PyAny>>,
        total_max: Option<&Bound<'_, PyAny>>,
        tracking_number: Option<String>,
        metadata_key: Option<String>,
        metadata_value: Option<String>,
        q: Option<String>,
        sort: Option<String>,
        direction: Option<String>,
        cursor: Option<String>,
        limit: Option<i64>,
        actor: Option<&str>,
    ) -> PyResult<OrderPage> {
        let filters = Filters {
            status,
            created_from,
            created_to,
            currency,
            user_id,
            product_id,
            total_min,
            total_max,
            tracking_number,
            metadata_key,
            metadata_value,
            q,
            sort,
            direction,
            cursor,
            limit,
        }
        .pairs()?;
        let who = act_as(None, actor);
        let page = py
            .detach(|| self.engine.search_orders(&filters, &who))
            .or_raise(py)?;
        OrderPage::new(py, page)
    }

    /// Writes every order matching the filters (those of `search_orders`; `cursor` and
    /// `limit` aside) to the file at `path` as CSV, one row per order line after a header
    /// row, a page of orders at a time (memory stays flat). Returns how many orders were
    /// written. Staff only, as the service `actor`.
    #[pyo3(signature = (path, *, status=None, created_from=None, created_to=None, currency=None, user_id=None, product_id=None, total_min=None, total_max=None, tracking_number=None, metadata_key=None, metadata_value=None, q=None, sort=None, direction=None, actor=None))]
    #[allow(clippy::too_many_arguments)]
    fn export_orders_csv(
        &self,
        py: Python<'_>,
        path: PathBuf,
        status: Option<&Bound<'_, PyAny>>,
        created_from: Option<&Bound<'_, PyAny>>,
        created_to: Option<&Bound<'_, PyAny>>,
        currency: Option<String>,
        user_id: Option<String>,
        product_id: Option<String>,
        total_min: Option<&Bound<'_, PyAny>>,
        total_max: Option<&Bound<'_, PyAny>>,
        tracking_number: Option<String>,
        metadata_key: Option<String>,
        metadata_value: Option<String>,
        q: Option<String>,
        sort: Option<String>,
        direction: Option<String>,
        actor: Option<&str>,
    ) -> PyResult<u64> {
        let filters = Filters {
            status,
            created_from,
            created_to,
            currency,
            user_id,
            product_id,
            total_min,
            total_max,
            tracking_number,
            metadata_key,
            metadata_value,
            q,
            sort,
            direction,
            cursor: None,
            limit: None,
        }
        .pairs()?;
        let who = act_as(None, actor);
        py.detach(|| self.engine.export_csv(&path, &filters, &who))
            .or_raise(py)
    }

    /// Keeps an internal note on an order (staff only; customers never see it). With
    /// `idempotency_key`, a retry keeps one note.
    #[pyo3(signature = (order_id, text, *, idempotency_key=None, user_id=None, actor=None))]
    fn add_staff_note(
        &self,
        py: Python<'_>,
        order_id: &str,
        text: &str,
        idempotency_key: Option<&str>,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<StaffNote> {
        let who = act_as(user_id, actor);
        let note = py
            .detach(|| {
                self.engine
                    .add_staff_note(order_id, text, idempotency_key, &who)
            })
            .or_raise(py)?;
        Ok(StaffNote(note))
    }

    /// An order's timeline (staff only): its milestones, shipment steps and staff notes,
    /// oldest first.
    #[pyo3(signature = (order_id, *, user_id=None, actor=None))]
    fn timeline(
        &self,
        py: Python<'_>,
        order_id: &str,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Vec<TimelineEntry>> {
        let who = act_as(user_id, actor);
        let entries = py
            .detach(|| self.engine.timeline(order_id, &who))
            .or_raise(py)?;
        Ok(entries.into_iter().map(TimelineEntry).collect())
    }

    /// Creates a webhook subscription (staff only) and returns it with its secret, shown this
    /// once: `url` an https URL on a public address, `event_types` dotted names
    /// (`order.placed`, ...), `secret` a `whsec_...` of your own or a random one. With
    /// `idempotency_key`, a retry returns the same subscription.
    #[pyo3(signature = (url, event_types, *, secret=None, idempotency_key=None, user_id=None, actor=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_webhook(
        &self,
        py: Python<'_>,
        url: &str,
        event_types: Vec<String>,
        secret: Option<&str>,
        idempotency_key: Option<&str>,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Webhook> {
        let who = act_as(user_id, actor);
        let view = py
            .detach(|| {
                self.engine
                    .create_webhook(url, &event_types, secret, idempotency_key, &who)
            })
            .or_raise(py)?;
        Ok(Webhook(view))
    }

    /// Every webhook subscription with its health, oldest first (staff only).
    #[pyo3(signature = (*, user_id=None, actor=None))]
    fn webhooks(
        &self,
        py: Python<'_>,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Vec<Webhook>> {
        let who = act_as(user_id, actor);
        let views = py.detach(|| self.engine.webhooks(&who)).or_raise(py)?;
        Ok(views.into_iter().map(Webhook).collect())
    }

    /// One webhook subscription with its health (staff only).
    #[pyo3(signature = (webhook_id, *, user_id=None, actor=None))]
    fn webhook(
        &self,
        py: Python<'_>,
        webhook_id: &str,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Webhook> {
        let who = act_as(user_id, actor);
        let view = py
            .detach(|| self.engine.webhook(webhook_id, &who))
            .or_raise(py)?;
        Ok(Webhook(view))
    }

    /// Changes a subscription's url, event types or enabled flag; `None` keeps each.
    #[pyo3(signature = (webhook_id, *, url=None, event_types=None, enabled=None, user_id=None, actor=None))]
    #[allow(clippy::too_many_arguments)]
    fn update_webhook(
        &self,
        py: Python<'_>,
        webhook_id: &str,
        url: Option<&str>,
        event_types: Option<Vec<String>>,
        enabled: Option<bool>,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Webhook> {
        let who = act_as(user_id, actor);
        let view = py
            .detach(|| {
                self.engine
                    .update_webhook(webhook_id, url, event_types.as_deref(), enabled, &who)
            })
            .or_raise(py)?;
        Ok(Webhook(view))
    }

    /// Gives a subscription a new random secret and returns it, shown this once; the previous
    /// one keeps signing beside it for a day.
    #[pyo3(signature = (webhook_id, *, user_id=None, actor=None))]
    fn rotate_webhook_secret(
        &self,
        py: Python<'_>,
        webhook_id: &str,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Webhook> {
        let who = act_as(user_id, actor);
        let view = py
            .detach(|| self.engine.rotate_webhook_secret(webhook_id, &who))
            .or_raise(py)?;
        Ok(Webhook(view))
    }

    /// Deletes a subscription with its deliveries and their log.
    #[pyo3(signature = (webhook_id, *, user_id=None, actor=None))]
    fn delete_webhook(
        &self,
        py: Python<'_>,
        webhook_id: &str,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<()> {
        let who = act_as(user_id, actor);
        py.detach(|| self.engine.delete_webhook(webhook_id, &who))
            .or_raise(py)
    }

    /// A subscription's deliveries, newest first, each with its attempts; `limit` 1 to 100.
    #[pyo3(signature = (webhook_id, *, cursor=None, limit=None, user_id=None, actor=None))]
    fn webhook_deliveries(
        &self,
        py: Python<'_>,
        webhook_id: &str,
        cursor: Option<&str>,
        limit: Option<i64>,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<WebhookDeliveryPage> {
        let who = act_as(user_id, actor);
        let page = py
            .detach(|| {
                self.engine
                    .webhook_deliveries(webhook_id, cursor, limit, &who)
            })
            .or_raise(py)?;
        Ok(WebhookDeliveryPage(page))
    }

    /// Sends a delivery again from now, with the same `webhook-id`.
    #[pyo3(signature = (webhook_id, delivery_id, *, user_id=None, actor=None))]
    fn redeliver_webhook(
        &self,
        py: Python<'_>,
        webhook_id: &str,
        delivery_id: &str,
        user_id: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<()> {
        let who = act_as(user_id, actor);
        py.detach(|| self.engine.redeliver_webhook(webhook_id, delivery_id, &who))
            .or_raise(py)
    }

    /// Cancelled orders per reason, every reason listed.
    #[pyo3(signature = (*, actor=None))]
    fn cancellations_by_reason(
        &self,
        py: Python<'_>,
        actor: Option<&str>,
    ) -> PyResult<Vec<CancellationCount>> {
        let who = act_as(None, actor);
        let rows = py
            .detach(|| self.engine.cancellations_by_reason(&who))
            .or_raise(py)?;
        Ok(rows.into_iter().map(CancellationCount).collect())
    }

    /// Moves an order along `placed -> processing -> shipped -> delivered` (or to
    /// `cancelled`) as the service `actor`. With `expected_version`, applies only if the order
    /// is still at that version (`VersionConflict` otherwise).
    #[pyo3(signature = (order_id, status, *, note=None, expected_version=None, actor=None))]
    fn update_status(
        &self,
        py: Python<'_>,
        order_id: &str,
        status: &str,
        note: Option<String>,
        expected_version: Option<u32>,
        actor: Option<&str>,
    ) -> PyResult<Order> {
        let to = parse::order_status(status).or_raise(py)?;
        let update = StatusUpdate {
            note,
            expected_version,
        };
        let order = py
            .detach(|| self.engine.update_status(order_id, to, &update, actor))
            .or_raise(py)?;
        Ok(Order(order))
    }

    /// Sales per currency for orders created in `[start, end)`, widened to whole UTC hours;
    /// cancelled orders are excluded. `start` and `end` are timezone-aware datetimes.
    #[pyo3(signature = (start, end, *, actor=None))]
    fn sales(
        &self,
        py: Python<'_>,
        start: &Bound<'_, PyAny>,
        end: &Bound<'_, PyAny>,
        actor: Option<&str>,
    ) -> PyResult<Vec<SalesSummary>> {
        let (from, to) = (timestamp(start, "start")?, timestamp(end, "end")?);
        let rows = py
            .detach(|| self.engine.sales(from, to, actor))
            .or_raise(py)?;
        Ok(rows.into_iter().map(SalesSummary).collect())
    }

    /// Best-selling products in `currency` (the policy's default currency when `None`), by
    /// `"quantity"` or `"revenue"`.
    #[pyo3(signature = (*, by="quantity", limit=None, currency=None, actor=None))]
    fn top_products(
        &self,
        py: Python<'_>,
        by: &str,
        limit: Option<u32>,
        currency: Option<&str>,
        actor: Option<&str>,
    ) -> PyResult<Vec<ProductSales>> {
        let by: TopBy = enum_value("by", by).or_raise(py)?;
        let rows = py
            .detach(|| self.engine.top_products(Some(by), limit, currency, actor))
            .or_raise(py)?;
        Ok(rows.into_iter().map(ProductSales).collect())
    }

    /// How many orders are in each status now.
    #[pyo3(signature = (*, actor=None))]
    fn orders_by_status(&self, py: Python<'_>, actor: Option<&str>) -> PyResult<Vec<StatusCount>> {
        let rows = py
            .detach(|| self.engine.orders_by_status(actor))
            .or_raise(py)?;
        Ok(rows.into_iter().map(StatusCount).collect())
    }

    /// Undelivered outbox events, oldest first (at most `limit`, 1 to 10 000).
    #[pyo3(signature = (limit=None))]
    fn pending_events(&self, py: Python<'_>, limit: Option<u32>) -> PyResult<Vec<OutboxEvent>> {
        let events = py
            .detach(|| self.engine.pending_events(limit))
            .or_raise(py)?;
        Ok(events.into_iter().map(OutboxEvent).collect())
    }

    /// Marks events delivered once the application has handed them on; returns how many
    /// were newly marked.
    fn mark_events_delivered(&self, py: Python<'_>, event_ids: &Bound<'_, PyAny>) -> PyResult<u64> {
        let mut ids = Vec::new();
        for id in event_ids.try_iter()? {
            let id: String = id?.extract()?;
            ids.push(parse::event_id("event_ids", &id).or_raise(py)?);
        }
        py.detach(|| self.engine.mark_events_delivered(&ids))
            .or_raise(py)
    }

    /// Raises if the store does not answer.
    fn ready(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.engine.ready()).or_raise(py)
    }

    /// The device id this engine records operations for; `None` unless opened with one.
    #[getter]
    fn device_id(&self) -> Option<&str> {
        self.engine.device_id().map(DeviceId::as_str)
    }

    /// Pushes every pending operation to the sync server at `server_url` with the device
    /// token `token`, then pulls the server's changes to this device's orders. Releases the
    /// GIL throughout. Raises `Unavailable` (`sync_unavailable`) when the server cannot be
    /// reached, `Forbidden` (`sync_unauthorized`) when it refuses the token; nothing on the
    /// device is lost either way, so call again.
    fn sync(&self, py: Python<'_>, server_url: &str, token: &str) -> PyResult<SyncReport> {
        let report = py
            .detach(|| self.engine.sync(server_url, token))
            .or_raise(py)?;
        Ok(SyncReport(report))
    }

    /// The body of the next `POST /sync/push` as JSON text: pending operations in `seq`
    /// order, at most `max_operations` (1 to 500).
    #[pyo3(signature = (max_operations=500))]
    fn build_push(&self, py: Python<'_>, max_operations: usize) -> PyResult<String> {
        py.detach(|| self.engine.build_push_json(max_operations))
            .or_raise(py)
    }

    /// Stores the results of a push's answer (its JSON text); returns how many were new.
    fn apply_push_response(&self, py: Python<'_>, json: &str) -> PyResult<u64> {
        py.detach(|| self.engine.apply_push_response_json(json))
            .or_raise(py)
    }

    /// Applies one `GET /sync/pull` page (its JSON text) to the local orders and keeps its
    /// cursor; returns how many local orders changed.
    fn apply_pull_page(&self, py: Python<'_>, json: &str) -> PyResult<usize> {
        py.detach(|| self.engine.apply_pull_page_json(json))
            .or_raise(py)
    }

    /// Pending operations, the highest `seq` recorded and the pull cursor.
    fn sync_state(&self, py: Python<'_>) -> PyResult<SyncState> {
        let state = py.detach(|| self.engine.sync_state()).or_raise(py)?;
        Ok(SyncState(state))
    }

    fn __repr__(&self) -> String {
        format!(
            "Engine(backend='{}')",
            self.engine.service().store().backend()
        )
    }
}

fn shipping(method: Option<&str>) -> Result<Option<ShippingMethod>, ValidationError> {
    method.map(parse::shipping_method).transpose()
}

/// The engine's default pricing policy as a dict in its JSON shape: adjust it and pass it to
/// `Engine.open(url, policy=...)`.
#[pyfunction]
pub(crate) fn default_policy(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let value = serde_json::to_value(PricingPolicy::default())
        .map_err(|e| engine_error(py, invalid("policy", e.to_string())))?;
    match value {
        serde_json::Value::Object(map) => json_object(py, &map),
        _ => Err(engine_error(py, invalid("policy", "not an object".into()))),
    }
}
