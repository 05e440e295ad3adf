//! The rules of placing an order and of changing its status, as pure functions: given what
//! the drivers in `placing` and `tracking` read (request, cart or quote, policy, the time and
//! fresh ids), they return what the store must write. No store, cart source, clock or id
//! generator is reached from here, so every rule can be tested without I/O.

use serde_json::json;
use serde_json::value::to_raw_value;

use crate::analytics::RollupDelta;
use crate::cancellation::CancelReason;
use crate::clock::Timestamp;
use crate::document::OrderDocument;
use crate::error::{OrderlyError, Result, StoreError, StoreErrorKind, ValidationError};
use crate::events::{EventType, OutboxEvent};
use crate::ids::{EventId, IdempotencyKey, OrderId, ShipmentId};
use crate::model::{Address, Cart, Checkout, Milestone, Order, PaymentMethod, ShippingMethod};
use crate::money::Money;
use crate::pricing::{self, Priced, PricingPolicy};
use crate::search;
use crate::shipping::rules::Stamp;
use crate::shipping::{self, ShipmentRequest, ShipmentStatus, derived_status};
use crate::status::{self, OrderStatus, Transition};
use crate::store::{FeedEntry, NewOrder, OrderChange};
use crate::sync::Change;
use crate::validation;

use super::PlaceOrderRequest;
use super::checkout::fingerprint;

/// Where a planned order's lines and totals come from.
#[derive(Debug, Clone, Copy)]
pub enum PricedSource<'a> {
    /// Price the user's cart now with `policy`, for the request's shipping method (standard
    /// when it names none) and discount code.
    Cart {
        /// The user's cart, as fetched and validated.
        cart: &'a Cart,
        /// The pricing policy in force.
        policy: &'a PricingPolicy,
    },
    /// Reuse a checkout quote's lines and totals. The quote must be usable for the request:
    /// [`check_quote`] and [`check_cart_unchanged`] passed.
    Quote(&'a Checkout),
}

/// Everything [`plan_order`] decides from.
#[derive(Debug, Clone)]
pub struct PlanInput<'a> {
    /// The request as sent; its fingerprint is stored with the key.
    pub request: &'a PlaceOrderRequest,
    /// The idempotency key the order is placed with.
    pub key: &'a IdempotencyKey,
    /// The request's fingerprint ([`request_fingerprint`]), stored with the key; the driver
    /// has computed it to look the key up, so it is passed rather than hashed again.
    pub fingerprint: String,
    /// Who places it, as recorded on the `placed` milestone (see [`Caller::actor`]).
    ///
    /// [`Caller::actor`]: crate::model::Caller::actor
    pub actor: &'a str,
    /// The cart to price, or the quote to honour.
    pub source: PricedSource<'a>,
    /// The time of placement: `created_at`, `updated_at`, the milestone and the event.
    pub now: Timestamp,
    /// The new order's id.
    pub order_id: OrderId,
    /// The `order.placed` event's id.
    pub event_id: EventId,
    /// The store's name, for the error of an order that does not encode, which like every
    /// failure to write is reported as the store's.
    pub backend: &'static str,
}

/// Plans an order: validates the request, prices the cart (or takes the quote's prices),
/// and builds the order with its `placed` milestone, its document (encoded once), its
/// `order.placed` event carrying that document, its rollup delta, and the payment token
/// kept out of both. The same input always gives the same bytes.
pub fn plan_order(input: PlanInput<'_>) -> Result<NewOrder> {
    let req = input.request;
    validate_request(req, input.now)?;
    let (priced, currency, method) = match input.source {
        PricedSource::Quote(quote) => (
            Priced {
                items: quote.items.clone(),
                totals: quote.totals,
                discount_code: quote.discount_code.clone(),
            },
            quote.currency,
            quote.shipping_method,
        ),
        PricedSource::Cart { cart, policy } => {
            let method = req.shipping_method.unwrap_or_default();
            let priced = price_cart(
                policy,
                cart,
                &req.delivery_address,
                &req.payment_method,
                method,
                req.discount_code.as_deref(),
            )?;
            (priced, cart.currency, method)
        }
    };
    let now = input.now;
    let order = Order {
        id: input.order_id,
        user_id: req.user_id.clone(),
        status: OrderStatus::Placed,
        currency,
        items: priced.items,
        totals: priced.totals,
        delivery_address: req.delivery_address.clone(),
        payment_method: req.payment_method.summary(),
        shipping_method: method,
        discount_code: priced.discount_code,
        checkout_id: req.checkout_id,
        metadata: req.metadata.clone().unwrap_or_default(),
        created_at: now,
        updated_at: now,
        version: 1,
        history: vec![Milestone {
            status: OrderStatus::Placed,
            at: now,
            actor: input.actor.to_owned(),
            note: None,
            reason: None,
        }],
        shipments: Vec::new(),
        offline: None,
    };
    let document = encode(&order, input.backend)?;
    let event = OutboxEvent {
        event_id: input.event_id,
        event_type: EventType::OrderPlaced,
        order_id: order.id,
        user_id: order.user_id.clone(),
        sequence: 1,
        at: now,
        payload: document
            .event_payload()
            .map_err(|e| unencodable(input.backend, order.id, &e))?,
    };
    Ok(NewOrder {
        rollup: RollupDelta::placed(&order),
        index: search::index_entries(&order),
        order,
        document,
        payment_token: req.payment_method.token().map(str::to_owned),
        idempotency_key: input.key.clone(),
        fingerprint: input.fingerprint,
        event,
        device_op: None,
        feed: None,
    })
}

/// What tells a replay of a placing request from a different request under the same key: a
/// hash of the request as sent.
pub fn request_fingerprint(req: &PlaceOrderRequest) -> String {
    fingerprint(req)
}

/// The checks on a placing request that need nothing read: address, payment method (a card
/// must not have expired by `now`) and metadata. [`plan_order`] makes them; the driver makes
/// them first too, so that a bad request is refused before anything is read.
pub fn validate_request(req: &PlaceOrderRequest, now: Timestamp) -> Result<()> {
    validation::validate_address(&req.delivery_address)?;
    validation::validate_payment(&req.payment_method, now)?;
    if let Some(m) = &req.metadata {
        validation::validate_metadata(m)?;
    }
    Ok(())
}

/// Whether `quote` (the user's) can still be ordered from at `now` by `req`: not expired, and
/// the address, payment method, and any shipping method or discount code given all match.
pub fn check_quote(quote: &Checkout, req: &PlaceOrderRequest, now: Timestamp) -> Result<()> {
    let id = quote.checkout_id;
    if now >= quote.expires_at {
        return Err(OrderlyError::CheckoutExpired(id.to_string()));
    }
    let mismatch = |what: &str| {
        Err(OrderlyError::CheckoutMismatch(
            id.to_string(),
            format!("{what} differs from the checkout"),
        ))
    };
    if quote.delivery_address != req.delivery_address {
        return mismatch("deliveryAddress");
    }
    if quote.payment_method != req.payment_method {
        return mismatch("paymentMethod");
    }
    if req
        .shipping_method
        .is_some_and(|m| m != quote.shipping_method)
    {
        return mismatch("shippingMethod");
    }
    if let Some(code) = req.discount_code.as_deref() {
        let normalized = PricingPolicy::normalize_code(code);
        if quote.discount_code.as_deref() != Some(normalized.as_str()) {
            return mismatch("discountCode");
        }
    }
    Ok(())
}

/// Whether the cart is still the one `quote` priced: a changed cart is `CartChanged`.
pub fn check_cart_unchanged(quote: &Checkout, cart: &Cart) -> Result<()> {
    if fingerprint(cart) != quote.cart_fingerprint {
        return Err(OrderlyError::CartChanged(quote.checkout_id.to_string()));
    }
    Ok(())
}

/// Prices a non-empty cart with `policy` and checks the payment method against the total:
/// the one pricing both checkout quotes and orders placed without one.
pub fn price_cart(
    policy: &PricingPolicy,
    cart: &Cart,
    address: &Address,
    payment: &PaymentMethod,
    method: ShippingMethod,
    discount_code: Option<&str>,
) -> Result<Priced> {
    validation::require_non_empty(cart)?;
    let priced = pricing::price(cart, address, method, discount_code, policy)?;
    check_cash_on_delivery(policy, payment, &priced.totals.total)?;
    Ok(priced)
}

fn check_cash_on_delivery(
    policy: &PricingPolicy,
    payment: &PaymentMethod,
    total: &Money,
) -> Result<()> {
    if !matches!(payment, PaymentMethod::CashOnDelivery) {
        return Ok(());
    }
    let currency = total.currency();
    let limit = policy
        .cash_on_delivery_limits
        .get(&currency)
        .ok_or_else(|| ValidationError::CashOnDeliveryUnavailable(currency.to_string()))?;
    if total.minor() > *limit {
        return Err(OrderlyError::Validation(
            ValidationError::CashOnDeliveryOverLimit {
                limit: Money::from_minor(*limit, currency).to_string(),
                total: total.to_string(),
            },
        ));
    }
    Ok(())
}

/// Everything [`plan_change`] decides from.
#[derive(Debug, Clone)]
pub struct ChangeInput<'a> {
    /// The order as read, at the version the change is computed from.
    pub order: Order,
    /// The status asked for.
    pub to: OrderStatus,
    /// Who asks, as recorded on the milestone.
    pub actor: &'a str,
    /// The milestone's note.
    pub note: Option<&'a str>,
    /// For a cancellation, why; `None` is recorded as `other`.
    pub reason: Option<CancelReason>,
    /// The id of the shipment that moving to `shipped` creates for what no shipment covers.
    pub shipment_id: ShipmentId,
    /// The time of the change; an order's clock never runs backwards, so an earlier `now`
    /// than the order's `updated_at` is taken as that.
    pub now: Timestamp,
    /// The event's id.
    pub event_id: EventId,
    /// The store's name, as for [`PlanInput::backend`].
    pub backend: &'static str,
}

/// Plans a status change: the order one version on, its milestone, its document, the event
/// (`order.cancelled` or `order.status_changed`, numbered by the new version) and the rollup
/// delta. Moving to `shipped` ships every pending shipment and what no shipment covers (in a
/// new shipment), `delivered` delivers every shipment, and cancelling calls off pending
/// shipments. A move the status machine refuses is `InvalidTransition`, and so is a move to
/// `partially_shipped`, which only shipments make; asking for the status the order already
/// has is not a change, and callers answer it without planning (see [`status::transition`]),
/// so here it is `InvalidTransition` too.
pub fn plan_change(input: ChangeInput<'_>) -> Result<OrderChange> {
    let ChangeInput {
        order: before,
        to,
        actor,
        note,
        reason,
        shipment_id,
        now,
        event_id,
        backend,
    } = input;
    let from = match status::transition(before.status, to)? {
        Transition::Move { from, .. } if to != OrderStatus::PartiallyShipped => from,
        _ => {
            return Err(OrderlyError::InvalidTransition {
                from: before.status,
                to,
            });
        }
    };
    let now = now.max(before.updated_at);
    let mut order = before.clone();
    let stamp = Stamp { actor, at: now };
    match to {
        OrderStatus::Shipped => {
            shipping::rules::ship_everything(&mut order, shipment_id, note, stamp)
        }
        OrderStatus::Delivered => shipping::rules::deliver_everything(&mut order, note, stamp),
        OrderStatus::Cancelled => shipping::rules::cancel_pending(&mut order, note, stamp),
        _ => {}
    }
    let reason = (to == OrderStatus::Cancelled).then(|| reason.unwrap_or(CancelReason::Other));
    order.status = to;
    order.history.push(Milestone {
        status: to,
        at: now,
        actor: actor.to_owned(),
        note: note.map(str::to_owned),
        reason,
    });
    // A status move is staff's decision on an order flagged for review.
    if let Some(offline) = &mut order.offline {
        offline.review = None;
    }
    let version = before.version + 1;
    let shipped = shipping::rules::newly_shipped(&before, &order);
    let (event_type, payload) = if to == OrderStatus::Cancelled {
        (
            EventType::OrderCancelled,
            json!({ "from": from, "reason": reason, "note": note, "actor": actor, "version": version }),
        )
    } else {
        (
            EventType::StatusChanged,
            json!({ "from": from, "to": to, "note": note, "actor": actor, "version": version, "shipped": shipped }),
        )
    };
    finish(Edited {
        before,
        order,
        now,
        event_id,
        event_type,
        payload,
        backend,
    })
}

/// A change to an order's shipments.
#[derive(Debug, Clone)]
pub enum ShipmentEdit<'a> {
    /// Add a shipment with this id.
    Add {
        /// The new shipment's id.
        id: ShipmentId,
        /// What it carries and how it travels.
        request: &'a ShipmentRequest,
    },
    /// Move a shipment to another state.
    Move {
        /// The shipment.
        id: ShipmentId,
        /// Its new state.
        to: ShipmentStatus,
        /// The milestone's note.
        note: Option<&'a str>,
    },
}

/// Everything [`plan_shipment_change`] decides from.
#[derive(Debug, Clone)]
pub struct ShipmentInput<'a> {
    /// The order as read.
    pub order: Order,
    /// What to change.
    pub edit: ShipmentEdit<'a>,
    /// Who asks, as recorded on the milestones.
    pub actor: &'a str,
    /// The time of the change (never before the order's `updated_at`).
    pub now: Timestamp,
    /// The event's id.
    pub event_id: EventId,
    /// The store's name, as for [`PlanInput::backend`].
    pub backend: &'static str,
}

/// Plans a shipment change (see [`crate::shipping`]): the order one version on with the
/// shipment added or moved, the status its shipments give it (with a milestone when that
/// moved), and an `order.shipment_changed` event. `None` when the shipment already has the
/// state asked for.
pub fn plan_shipment_change(input: ShipmentInput<'_>) -> Result<Option<OrderChange>> {
    let ShipmentInput {
        order: before,
        edit,
        actor,
        now,
        event_id,
        backend,
    } = input;
    let now = now.max(before.updated_at);
    let stamp = Stamp { actor, at: now };
    let mut order = before.clone();
    let (id, from, to) = match edit {
        ShipmentEdit::Add { id, request } => {
            shipping::rules::add_shipment(&mut order, id, request, stamp)?;
            let to = order
                .shipments
                .last()
                .map(|s| s.status)
                .unwrap_or(ShipmentStatus::Pending);
            (id, None, to)
        }
        ShipmentEdit::Move { id, to, note } => {
            let from = before
                .shipments
                .iter()
                .find(|s| s.shipment_id == id)
                .map(|s| s.status);
            if !shipping::rules::move_shipment(&mut order, id, to, note, stamp)? {
                return Ok(None);
            }
            (id, from, to)
        }
    };
    let status = derived_status(&order);
    if status != before.status {
        order.status = status;
        order.history.push(Milestone {
            status,
            at: now,
            actor: actor.to_owned(),
            note: None,
            reason: None,
        });
    }
    let payload = json!({
        "shipmentId": id,
        "from": from,
        "to": to,
        "actor": actor,
        "version": before.version + 1,
        "orderStatus": { "from": before.status, "to": status },
        "shipped": shipping::rules::newly_shipped(&before, &order),
    });
    finish(Edited {
        before,
        order,
        now,
        event_id,
        event_type: EventType::ShipmentChanged,
        payload,
        backend,
    })
    .map(Some)
}

/// An order as read and as an edit left it, with what the write's event says.
struct Edited {
    before: Order,
    order: Order,
    now: Timestamp,
    event_id: EventId,
    event_type: EventType,
    payload: serde_json::Value,
    backend: &'static str,
}

/// What every change writes around the edited order: the version and time, the event, the
/// rollup delta of a status move, the device feed entry of an order captured offline, and the
/// search index when its tracking numbers changed.
fn finish(edited: Edited) -> Result<OrderChange> {
    let Edited {
        before,
        mut order,
        now,
        event_id,
        event_type,
        payload,
        backend,
    } = edited;
    let from_version = before.version;
    order.version = from_version + 1;
    order.updated_at = now;
    let milestone = order
        .history
        .last()
        .cloned()
        .ok_or_else(|| unencodable_reason(backend, order.id, "an order without milestones"))?;
    let feed = order.offline.as_ref().map(|offline| FeedEntry {
        device_id: offline.device_id.clone(),
        change: Change {
            order_id: order.id,
            version: order.version,
            status: order.status,
            milestone: milestone.clone(),
            shipments: order.shipments.clone(),
            updated_at: Some(now),
        },
    });
    let tracking = |o: &Order| -> Vec<Option<String>> {
        o.shipments
            .iter()
            .map(|s| s.tracking_number.clone())
            .collect()
    };
    let index = (tracking(&before) != tracking(&order)).then(|| search::index_entries(&order));
    let rollup = if order.status == before.status {
        RollupDelta::default()
    } else {
        RollupDelta::moved(&order, before.status, order.status)
    };
    let event = OutboxEvent {
        event_id,
        event_type,
        order_id: order.id,
        user_id: order.user_id.clone(),
        sequence: order.version,
        at: now,
        payload: to_raw_value(&payload).map_err(|e| unencodable(backend, order.id, &e))?,
    };
    Ok(OrderChange {
        order_id: order.id,
        user_id: order.user_id.clone(),
        from_version,
        rollup,
        milestone,
        feed,
        device_op: None,
        event,
        index,
        document: encode(&order, backend)?,
        order,
    })
}

/// The order's document, encoded once for the store, its event, caches and responses.
fn encode(order: &Order, backend: &'static str) -> Result<OrderDocument> {
    OrderDocument::encode(order).map_err(|e| unencodable(backend, order.id, &e))
}

fn unencodable_reason(backend: &'static str, id: OrderId, why: &str) -> OrderlyError {
    StoreError::new(
        StoreErrorKind::Other,
        backend,
        format!("order {id} cannot change: {why}"),
    )
    .into()
}

/// An order that does not encode is a bug, reported as the store failure it would cause.
fn unencodable(backend: &'static str, id: OrderId, error: &serde_json::Error) -> OrderlyError {
    StoreError::new(
        StoreErrorKind::Other,
        backend,
        format!("order {id} does not encode: {error}"),
    )
    .into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::ids::{CheckoutId, ProductId, UserId};
    use crate::model::CartLine;
    use crate::money::Currency;
    use proptest::prelude::*;
    use uuid::Uuid;

    const NOW: Timestamp = Timestamp::from_unix_millis(1_767_225_600_000); // 2026-01-01
    const BACKEND: &str = "test";

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    fn cart(lines: &[(i64, u32)]) -> Cart {
        let c = usd();
        let items: Vec<CartLine> = lines
            .iter()
            .enumerate()
            .map(|(i, (p, q))| CartLine {
                product_id: ProductId::new(format!("sku-{i}")).unwrap(),
                name: format!("Product {i}"),
                quantity: *q,
                unit_price: Money::from_minor(*p, c),
                line_total: Money::from_minor(p * i64::from(*q), c),
            })
            .collect();
        Cart {
            user_id: UserId::new("alice").unwrap(),
            currency: c,
            subtotal: Money::sum(c, items.iter().map(|l| &l.line_total)).unwrap(),
            items,
        }
    }

    fn card() -> PaymentMethod {
        PaymentMethod::Card {
            token: "tok_secret_123".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2030,
        }
    }

    fn request(payment: PaymentMethod, shipping: Option<ShippingMethod>) -> PlaceOrderRequest {
        PlaceOrderRequest {
            user_id: UserId::new("alice").unwrap(),
            delivery_address: Address {
                name: "Alice".into(),
                line1: "1 Main St".into(),
                line2: None,
                city: "Springfield".into(),
                region: Some("IL".into()),
                postal_code: "62701".into(),
                country: "US".into(),
            },
            payment_method: payment,
            shipping_method: shipping,
            checkout_id: None,
            discount_code: None,
            metadata: None,
        }
    }

    fn input<'a>(
        req: &'a PlaceOrderRequest,
        key: &'a IdempotencyKey,
        source: PricedSource<'a>,
    ) -> PlanInput<'a> {
        PlanInput {
            request: req,
            key,
            fingerprint: request_fingerprint(req),
            actor: "customer:alice",
            source,
            now: NOW,
            order_id: OrderId::from_uuid(Uuid::from_u128(1)),
            event_id: EventId::from_uuid(Uuid::from_u128(2)),
            backend: BACKEND,
        }
    }

    fn key() -> IdempotencyKey {
        IdempotencyKey::new("key-1").unwrap()
    }

    fn placed(order: &Order) -> ChangeInput<'static> {
        ChangeInput {
            order: order.clone(),
            to: OrderStatus::Processing,
            actor: "admin:bob",
            note: Some("packing"),
            reason: None,
            shipment_id: ShipmentId::from_uuid(Uuid::from_u128(4)),
            now: NOW.plus_millis(1_000),
            event_id: EventId::from_uuid(Uuid::from_u128(3)),
            backend: BACKEND,
        }
    }

    fn plan_from_cart(lines: &[(i64, u32)]) -> NewOrder {
        let (req, key, cart, policy) = (
            request(card(), None),
            key(),
            cart(lines),
            PricingPolicy::default(),
        );
        plan_order(input(
            &req,
            &key,
            PricedSource::Cart {
                cart: &cart,
                policy: &policy,
            },
        ))
        .unwrap()
    }

    #[test]
    fn a_cart_plans_a_placed_order_with_everything_the_store_writes() {
        let new = plan_from_cart(&[(1999, 2), (500, 1)]);
        let order = &new.order;
        assert_eq!(order.id, OrderId::from_uuid(Uuid::from_u128(1)));
        assert_eq!(order.status, OrderStatus::Placed);
        assert_eq!(
            (order.version, order.created_at, order.updated_at),
            (1, NOW, NOW)
        );
        assert_eq!(order.shipping_method, ShippingMethod::Standard);
        assert_eq!(order.totals.subtotal.minor(), 4498);
        assert_eq!(order.history.len(), 1);
        assert_eq!(order.history[0].actor, "customer:alice");
        assert_eq!(new.payment_token.as_deref(), Some("tok_secret_123"));
        assert_eq!(new.idempotency_key, key());
        assert_eq!(new.event.event_id, EventId::from_uuid(Uuid::from_u128(2)));
        assert!(!new.document.json().contains("tok_secret_123"));
    }

    #[test]
    fn a_quote_is_honoured_as_priced() {
        let priced = plan_from_cart(&[(1000, 3)]).order;
        let mut req = request(card(), None);
        let quote = Checkout {
            checkout_id: CheckoutId::from_uuid(Uuid::from_u128(9)),
            user_id: req.user_id.clone(),
            currency: usd(),
            items: priced.items.clone(),
            totals: priced.totals,
            payment_method: req.payment_method.clone(),
            delivery_address: req.delivery_address.clone(),
            shipping_method: ShippingMethod::Express,
            discount_code: None,
            cart_fingerprint: fingerprint(&cart(&[(1000, 3)])),
            created_at: NOW,
            expires_at: NOW.plus_millis(60_000),
        };
        req.checkout_id = Some(quote.checkout_id);
        check_quote(&quote, &req, NOW).unwrap();
        check_cart_unchanged(&quote, &cart(&[(1000, 3)])).unwrap();
        let key = key();
        let new = plan_order(input(&req, &key, PricedSource::Quote(&quote))).unwrap();
        assert_eq!(new.order.totals, quote.totals);
        assert_eq!(new.order.items, quote.items);
        assert_eq!(new.order.shipping_method, ShippingMethod::Express);
        assert_eq!(new.order.checkout_id, Some(quote.checkout_id));

        assert!(matches!(
            check_quote(&quote, &req, quote.expires_at),
            Err(OrderlyError::CheckoutExpired(_))
        ));
        req.shipping_method = Some(ShippingMethod::Standard);
        assert!(matches!(
            check_quote(&quote, &req, NOW),
            Err(OrderlyError::CheckoutMismatch(_, m)) if m.starts_with("shippingMethod")
        ));
        assert!(matches!(
            check_cart_unchanged(&quote, &cart(&[(1000, 4)])),
            Err(OrderlyError::CartChanged(_))
        ));
    }

    #[test]
    fn bad_requests_and_empty_carts_are_refused() {
        let (key, policy) = (key(), PricingPolicy::default());
        let full = cart(&[(100, 1)]);
        let mut req = request(card(), None);
        req.delivery_address.country = String::new();
        let plan = plan_order(input(
            &req,
            &key,
            PricedSource::Cart {
                cart: &full,
                policy: &policy,
            },
        ));
        assert!(matches!(plan, Err(OrderlyError::Validation(_))));

        let req = request(card(), None);
        let empty = cart(&[]);
        let plan = plan_order(input(
            &req,
            &key,
            PricedSource::Cart {
                cart: &empty,
                policy: &policy,
            },
        ));
        assert!(matches!(plan, Err(OrderlyError::Validation(_))));
    }

    #[test]
    fn a_change_moves_the_order_one_version_on() {
        let order = plan_from_cart(&[(1000, 1)]).order;
        let change = plan_change(placed(&order)).unwrap();
        assert_eq!(change.from_version, 1);
        assert_eq!(change.order.version, 2);
        assert_eq!(change.order.status, OrderStatus::Processing);
        assert_eq!(change.order.history.last(), Some(&change.milestone));
        assert_eq!(change.milestone.note.as_deref(), Some("packing"));
        assert_eq!(change.event.event_type, EventType::StatusChanged);
        assert_eq!(change.event.sequence, 2);
        assert_eq!(change.document.decode(BACKEND).unwrap(), change.order);
        assert_eq!(
            change.rollup,
            RollupDelta::moved(&change.order, OrderStatus::Placed, OrderStatus::Processing)
        );
    }

    #[test]
    fn a_cancellation_records_its_reason_and_time_never_runs_backwards() {
        let order = plan_from_cart(&[(1000, 1)]).order;
        let input = ChangeInput {
            to: OrderStatus::Cancelled,
            note: Some("changed my mind"),
            now: NOW.plus_millis(-5_000),
            ..placed(&order)
        };
        let change = plan_change(input).unwrap();
        assert_eq!(change.event.event_type, EventType::OrderCancelled);
        assert!(
            change
                .event
                .payload
                .get()
                .contains("\"note\":\"changed my mind\"")
        );
        assert_eq!(change.order.updated_at, NOW);
    }

    #[test]
    fn a_refused_or_empty_move_is_not_planned() {
        let order = plan_from_cart(&[(1000, 1)]).order;
        for to in [OrderStatus::Delivered, OrderStatus::Placed] {
            let plan = plan_change(ChangeInput {
                to,
                ..placed(&order)
            });
            assert!(matches!(plan, Err(OrderlyError::InvalidTransition { .. })));
        }
    }

    fn arb_lines() -> impl Strategy<Value = Vec<(i64, u32)>> {
        proptest::collection::vec((0i64..100_000, 1u32..=20), 1..8)
    }

    fn arb_payment() -> impl Strategy<Value = PaymentMethod> {
        prop_oneof![
            Just(card()),
            Just(PaymentMethod::Paypal {
                token: "pp_secret_456".into()
            }),
        ]
    }

    fn arb_shipping() -> impl Strategy<Value = Option<ShippingMethod>> {
        proptest::option::of(prop_oneof![
            Just(ShippingMethod::Standard),
            Just(ShippingMethod::Express)
        ])
    }

    proptest! {
        #[test]
        fn planned_orders_are_consistent_and_deterministic(
            lines in arb_lines(),
            payment in arb_payment(),
            shipping in arb_shipping(),
        ) {
            let (req, key, cart, policy) =
                (request(payment, shipping), key(), cart(&lines), PricingPolicy::default());
            let source = PricedSource::Cart { cart: &cart, policy: &policy };
            let new = plan_order(input(&req, &key, source)).unwrap();
            let t = &new.order.totals;
            for m in [&t.subtotal, &t.shipping, &t.tax, &t.discount, &t.total] {
                prop_assert!(m.minor() >= 0);
            }
            prop_assert_eq!(
                t.total.minor(),
                t.subtotal.minor() + t.shipping.minor() + t.tax.minor() - t.discount.minor()
            );
            prop_assert_eq!(&new.document.decode(BACKEND).unwrap(), &new.order);

            let token = req.payment_method.token().unwrap();
            prop_assert_eq!(new.payment_token.as_deref(), Some(token));
            prop_assert!(!new.document.json().contains(token));
            prop_assert_eq!(new.event.event_type, EventType::OrderPlaced);
            prop_assert_eq!(new.event.sequence, 1);
            prop_assert_eq!(new.event.order_id, new.order.id);
            let payload = format!("{{\"order\":{}}}", new.document.json());
            prop_assert_eq!(new.event.payload.get(), payload.as_str());
            prop_assert!(!new.event.payload.get().contains(token));
            prop_assert_eq!(&new.rollup, &RollupDelta::placed(&new.order));

            let again = plan_order(input(&req, &key, source)).unwrap();
            prop_assert_eq!(again.document.json(), new.document.json());
            prop_assert_eq!(again.event.payload.get(), new.event.payload.get());
        }
    }
}
