//! The server's rules for applying a pushed operation, as pure functions like
//! [`service::plan`](crate::service::plan): given what was read, the policies, the time and
//! fresh ids, they decide the operation's result and what to write with it.
//!
//! A `place` is checked in this order, the first failure deciding:
//!
//! | check | outcome | code |
//! |---|---|---|
//! | currency, lines (the cart rules), address, payment method at capture time, metadata | `rejected` | the rule's code (`unknown_currency`, `invalid_address`, `card_expired`, …) |
//! | totals are amounts of the currency, the subtotal is the lines' sum, `total = subtotal + shipping + tax - discount` | `rejected` | `totals_mismatch` |
//! | cash on delivery over its limit or unavailable (by the server's pricing) | `rejected` | `cod_over_limit`, `cod_unavailable` |
//! | older than the offline limit (clock-corrected) | `needs_review` | `offline_limit_exceeded` |
//! | total over the offline amount limit | `needs_review` | `offline_amount_exceeded` |
//! | the server prices the same lines differently | `accepted_with_variance` | `price_variance` |
//!
//! An order that is stored keeps the device's prices; a price variance is the note of its
//! `placed` milestone. Its `createdAt` is the clock-corrected capture time (capture time plus
//! the server's receipt time minus the push's `deviceTime`), never later than the receipt.

use crate::analytics::RollupDelta;
use crate::cancellation::CancelReason;
use crate::clock::Timestamp;
use crate::document::OrderDocument;
use crate::error::{OrderlyError, Result, StoreError, StoreErrorKind, ValidationError};
use crate::events::{EventType, OutboxEvent};
use crate::ids::ShipmentId;
use crate::ids::{DeviceId, EventId, IdempotencyKey, OrderId};
use crate::model::{
    Cart, Milestone, OfflineCapture, Order, OrderLine, RawCart, RawCartItem, Totals,
};
use crate::money::{Currency, Money};
use crate::pricing::{self, PricingPolicy};
use crate::service::plan::{self, ChangeInput};
use crate::status::{self, OrderStatus, Transition};
use crate::store::{FeedEntry, NewOrder, OrderChange};
use crate::validation;

use super::policy::OfflinePolicy;
use super::wire::{CapturedOrder, Change, OpBody, OperationResult, Outcome};

/// What applying one operation comes to.
#[derive(Debug, Clone)]
pub enum Planned {
    /// Only the result is stored (rejected, conflict, or a cancel that changes nothing).
    ResultOnly(OperationResult),
    /// A new order is stored with its result.
    Place(OperationResult, Box<NewOrder>),
    /// A change is made with its result.
    Change(OperationResult, Box<OrderChange>),
}

impl Planned {
    /// The operation's result.
    pub fn result(&self) -> &OperationResult {
        match self {
            Planned::ResultOnly(r) | Planned::Place(r, _) | Planned::Change(r, _) => r,
        }
    }
}

/// What [`plan_place`] decides from, besides the operation.
#[derive(Debug, Clone, Copy)]
pub struct PlaceContext<'a> {
    /// The pushing device.
    pub device_id: &'a DeviceId,
    /// The operation's `seq`.
    pub seq: u64,
    /// The push's `deviceTime`.
    pub device_time: Timestamp,
    /// When the server received the push.
    pub received_at: Timestamp,
    /// The server's pricing.
    pub pricing: &'a PricingPolicy,
    /// The server's offline limits.
    pub offline: &'a OfflinePolicy,
    /// The `order.placed` event's id.
    pub event_id: EventId,
    /// The store's name, for the error of an order that does not encode.
    pub backend: &'static str,
}

/// What tells a replay of a `place` from a different order under the same key: the SHA-256
/// of the operation's canonical JSON (the body as this build encodes it).
pub fn op_fingerprint(body: &OpBody) -> String {
    use sha2::{Digest, Sha256};
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The actor a device's writes are recorded as: `device:<id>`.
pub fn device_actor(device: &DeviceId) -> String {
    format!("device:{device}")
}

/// Plans a `place`: its result and, unless rejected, the order to store (see the module
/// docs). The idempotency key and the order id are checked by the caller against what is
/// stored. An `Err` is a failure to encode, never a business outcome.
pub fn plan_place(
    ctx: &PlaceContext<'_>,
    key: &IdempotencyKey,
    captured: &CapturedOrder,
    fingerprint: String,
) -> Result<Planned> {
    let reject = |code: &str, detail: String| {
        Ok(Planned::ResultOnly(OperationResult::with(
            ctx.seq,
            captured.order_id,
            Outcome::Rejected,
            code,
            detail,
        )))
    };
    let offset = ctx
        .received_at
        .unix_millis()
        .saturating_sub(ctx.device_time.unix_millis());
    let corrected = captured
        .captured_at
        .plus_millis(offset)
        .min(ctx.received_at);
    let checked = match check_captured(captured, corrected) {
        Ok(checked) => checked,
        Err(e) => return reject(e.code(), e.to_string()),
    };
    let Checked {
        cart,
        totals,
        currency,
    } = checked;
    if !totals_add_up(&cart, &totals) {
        return reject(
            "totals_mismatch",
            "the subtotal is not the sum of the lines, or total is not subtotal + shipping + tax - discount".into(),
        );
    }
    let server = plan::price_cart(
        ctx.pricing,
        &cart,
        &captured.delivery_address,
        &captured.payment_method,
        captured.shipping_method,
        captured.discount_code.as_deref(),
    );
    let variance = match server {
        Err(OrderlyError::Validation(
            e @ (ValidationError::CashOnDeliveryOverLimit { .. }
            | ValidationError::CashOnDeliveryUnavailable(_)),
        )) => return reject(e.code(), e.to_string()),
        Err(e) => Some(format!(
            "price variance: the server could not price the order ({e}); kept as captured"
        )),
        Ok(priced) if priced.totals != totals => Some(format!(
            "price variance: device total {}, server total {} (subtotal {}/{}, shipping {}/{}, tax {}/{}, discount {}/{})",
            totals.total,
            priced.totals.total,
            totals.subtotal,
            priced.totals.subtotal,
            totals.shipping,
            priced.totals.shipping,
            totals.tax,
            priced.totals.tax,
            totals.discount,
            priced.totals.discount,
        )),
        Ok(_) => None,
    };
    let age = ctx
        .received_at
        .unix_millis()
        .saturating_sub(corrected.unix_millis());
    let review = if age > ctx.offline.offline_limit_ms {
        Some((
            "offline_limit_exceeded",
            format!(
                "captured {} hours before it reached the server; the limit is {} hours",
                age / 3_600_000,
                ctx.offline.offline_limit_ms / 3_600_000
            ),
        ))
    } else {
        ctx.offline.amount_over(&totals.total).map(|limit| {
            (
                "offline_amount_exceeded",
                format!(
                    "total {} is over the offline limit of {limit}",
                    totals.total
                ),
            )
        })
    };
    let result = match (&review, &variance) {
        (Some((code, detail)), _) => OperationResult::with(
            ctx.seq,
            captured.order_id,
            Outcome::NeedsReview,
            code,
            detail,
        ),
        (None, Some(note)) => OperationResult::with(
            ctx.seq,
            captured.order_id,
            Outcome::AcceptedWithVariance,
            "price_variance",
            note,
        ),
        (None, None) => OperationResult::accepted(ctx.seq, captured.order_id),
    };
    let order = captured_order(
        ctx,
        captured,
        &cart,
        totals,
        currency,
        corrected,
        variance,
        review.map(|(code, _)| code.to_owned()),
    )?;
    let document = encode(&order, ctx.backend)?;
    let event = OutboxEvent {
        event_id: ctx.event_id,
        event_type: EventType::OrderPlaced,
        order_id: order.id,
        user_id: order.user_id.clone(),
        sequence: 1,
        at: order.updated_at,
        payload: document
            .event_payload()
            .map_err(|e| unencodable(ctx.backend, order.id, &e))?,
    };
    // The device learns the server's record of the placement (its actor and corrected time)
    // from its feed, like every later change.
    let feed = order.history.first().map(|milestone| FeedEntry {
        device_id: ctx.device_id.clone(),
        change: Change {
            order_id: order.id,
            version: order.version,
            status: order.status,
            milestone: milestone.clone(),
            shipments: Vec::new(),
            updated_at: None,
        },
    });
    let new = NewOrder {
        feed,
        rollup: RollupDelta::placed(&order),
        index: crate::search::index_entries(&order),
        payment_token: captured.payment_method.token().map(str::to_owned),
        idempotency_key: key.clone(),
        fingerprint,
        event,
        order,
        document,
        device_op: None,
    };
    Ok(Planned::Place(result, Box::new(new)))
}

struct Checked {
    cart: Cart,
    totals: Totals,
    currency: Currency,
}

/// The rules that need nothing but the operation: the lines (as cart rules), address,
/// payment method (a card must not have expired at capture), metadata and amounts.
fn check_captured(c: &CapturedOrder, captured_at: Timestamp) -> Result<Checked, ValidationError> {
    let currency = Currency::from_code(&c.currency)?;
    let raw = RawCart {
        user_id: c.user_id.to_string(),
        currency: c.currency.clone(),
        items: c
            .items
            .iter()
            .map(|l| RawCartItem {
                product_id: l.product_id.to_string(),
                name: l.name.clone(),
                quantity: i64::from(l.quantity),
                unit_price: l.unit_price.clone(),
            })
            .collect(),
        updated_at: None,
    };
    let cart = validation::validate_cart(&c.user_id, &raw)?;
    validation::require_non_empty(&cart)?;
    validation::validate_address(&c.delivery_address)?;
    validation::validate_payment(&c.payment_method, captured_at)?;
    validation::validate_metadata(&c.metadata)?;
    let amount = |text: &str| Money::parse_non_negative(text, currency);
    let t = &c.totals;
    let totals = Totals {
        subtotal: amount(&t.subtotal)?,
        shipping: amount(&t.shipping)?,
        tax: amount(&t.tax)?,
        discount: amount(&t.discount)?,
        total: amount(&t.total)?,
    };
    Ok(Checked {
        cart,
        totals,
        currency,
    })
}

fn totals_add_up(cart: &Cart, t: &Totals) -> bool {
    let computed = t
        .subtotal
        .checked_add(&t.shipping)
        .and_then(|m| m.checked_add(&t.tax))
        .and_then(|m| m.checked_sub(&t.discount));
    t.subtotal == cart.subtotal
        && t.discount.minor() <= t.subtotal.minor()
        && computed.is_ok_and(|total| total == t.total)
}

#[allow(clippy::too_many_arguments)]
fn captured_order(
    ctx: &PlaceContext<'_>,
    c: &CapturedOrder,
    cart: &Cart,
    totals: Totals,
    currency: Currency,
    corrected: Timestamp,
    variance: Option<String>,
    review: Option<String>,
) -> Result<Order> {
    let weights: Vec<i64> = cart.items.iter().map(|l| l.line_total.minor()).collect();
    let shares = pricing::allocate(totals.discount.minor(), &weights)?;
    let items = cart
        .items
        .iter()
        .zip(shares)
        .map(|(line, share)| OrderLine {
            product_id: line.product_id.clone(),
            name: line.name.clone(),
            quantity: line.quantity,
            unit_price: line.unit_price,
            line_total: line.line_total,
            discount: Money::from_minor(share, currency),
        })
        .collect();
    Ok(Order {
        id: c.order_id,
        user_id: c.user_id.clone(),
        status: OrderStatus::Placed,
        currency,
        items,
        totals,
        delivery_address: c.delivery_address.clone(),
        payment_method: c.payment_method.summary(),
        shipping_method: c.shipping_method,
        discount_code: c
            .discount_code
            .as_deref()
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(PricingPolicy::normalize_code),
        checkout_id: None,
        metadata: c.metadata.clone(),
        created_at: corrected,
        updated_at: ctx.received_at,
        version: 1,
        history: vec![Milestone {
            status: OrderStatus::Placed,
            at: corrected,
            actor: device_actor(ctx.device_id),
            note: variance,
            reason: None,
        }],
        shipments: Vec::new(),
        offline: Some(OfflineCapture {
            device_id: ctx.device_id.clone(),
            captured_at: c.captured_at,
            received_at: ctx.received_at,
            corrected_captured_at: corrected,
            review,
        }),
    })
}

/// What [`plan_cancel`] decides from, besides the order as read.
#[derive(Debug, Clone, Copy)]
pub struct CancelContext<'a> {
    /// The pushing device.
    pub device_id: &'a DeviceId,
    /// The operation's `seq`.
    pub seq: u64,
    /// The order cancelled.
    pub order_id: OrderId,
    /// The reason given.
    pub reason: Option<&'a str>,
    /// The time of the change.
    pub now: Timestamp,
    /// The event's id.
    pub event_id: EventId,
    /// The store's name.
    pub backend: &'static str,
}

/// Plans a `cancel`: `rejected` `not_found` for an order this device did not capture,
/// `rejected` `invalid_transition` for one past `processing`, `accepted` with nothing written
/// for one already cancelled, else the change.
pub fn plan_cancel(ctx: &CancelContext<'_>, order: Option<Order>) -> Result<Planned> {
    let reject = |code: &str, detail: String| {
        Ok(Planned::ResultOnly(OperationResult::with(
            ctx.seq,
            ctx.order_id,
            Outcome::Rejected,
            code,
            detail,
        )))
    };
    let Some(order) = order.filter(|o| {
        o.offline
            .as_ref()
            .is_some_and(|off| &off.device_id == ctx.device_id)
    }) else {
        return reject(
            "not_found",
            format!("order {} was not captured by this device", ctx.order_id),
        );
    };
    if let Some(reason) = ctx.reason
        && let Err(e) = validation::validate_note("reason", reason)
    {
        return reject(e.code(), e.to_string());
    }
    match status::transition(order.status, OrderStatus::Cancelled) {
        Err(e) => reject(e.code(), e.to_string()),
        Ok(Transition::NoOp) => Ok(Planned::ResultOnly(OperationResult::accepted(
            ctx.seq,
            ctx.order_id,
        ))),
        Ok(Transition::Move { .. }) => {
            let change = plan::plan_change(ChangeInput {
                order,
                to: OrderStatus::Cancelled,
                actor: &device_actor(ctx.device_id),
                note: ctx.reason,
                reason: Some(CancelReason::Staff),
                // Cancelling creates no shipment; the id is never used.
                shipment_id: ShipmentId::from_uuid(*ctx.event_id.as_uuid()),
                now: ctx.now,
                event_id: ctx.event_id,
                backend: ctx.backend,
            })?;
            Ok(Planned::Change(
                OperationResult::accepted(ctx.seq, ctx.order_id),
                Box::new(change),
            ))
        }
    }
}

fn encode(order: &Order, backend: &'static str) -> Result<OrderDocument> {
    OrderDocument::encode(order).map_err(|e| unencodable(backend, order.id, &e))
}

fn unencodable(backend: &'static str, id: OrderId, error: &serde_json::Error) -> OrderlyError {
    StoreError::new(
        StoreErrorKind::Other,
        backend,
        format!("order {id} does not encode: {error}"),
    )
    .into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::ids::{ProductId, UserId};
    use crate::model::{Address, PaymentMethod, ShippingMethod};
    use crate::sync::wire::{CapturedLine, CapturedTotals};
    use proptest::prelude::*;
    use uuid::Uuid;

    const NOW: Timestamp = Timestamp::from_unix_millis(1_795_515_300_000); // 2026-11-24
    const HOUR: i64 = 3_600_000;

    fn device() -> DeviceId {
        DeviceId::new("pos-1").unwrap()
    }

    fn address() -> Address {
        Address {
            name: "Alice".into(),
            line1: "350 Fifth Ave".into(),
            line2: None,
            city: "New York".into(),
            region: Some("NY".into()),
            postal_code: "10118".into(),
            country: "US".into(),
        }
    }

    /// `quantity` x 19.99 to New York, priced as the default policy prices it.
    fn captured(quantity: u32) -> CapturedOrder {
        let subtotal = 1999 * i64::from(quantity);
        let shipping = if subtotal >= 5000 { 0 } else { 499 };
        let tax = crate::pricing::Rate::percent("4")
            .unwrap()
            .apply(subtotal, crate::pricing::RoundingMode::HalfEven)
            .unwrap();
        let usd = Currency::from_code("USD").unwrap();
        let s = |minor| Money::from_minor(minor, usd).amount_string();
        CapturedOrder {
            order_id: OrderId::from_uuid(Uuid::now_v7()),
            user_id: UserId::new("alice").unwrap(),
            currency: "USD".into(),
            items: vec![CapturedLine {
                product_id: ProductId::new("sku-1").unwrap(),
                name: "Espresso beans".into(),
                quantity,
                unit_price: "19.99".into(),
            }],
            totals: CapturedTotals {
                subtotal: s(subtotal),
                shipping: s(shipping),
                tax: s(tax),
                discount: s(0),
                total: s(subtotal + shipping + tax),
            },
            delivery_address: address(),
            payment_method: PaymentMethod::Card {
                token: "tok_secret".into(),
                brand: "visa".into(),
                last4: "4242".into(),
                exp_month: 12,
                exp_year: 2030,
            },
            shipping_method: ShippingMethod::Standard,
            discount_code: None,
            captured_at: NOW.plus_millis(-HOUR),
            metadata: Default::default(),
        }
    }

    fn plan(order: &CapturedOrder, device_time: Timestamp, offline: &OfflinePolicy) -> Planned {
        let device = device();
        let policy = PricingPolicy::default();
        let ctx = PlaceContext {
            device_id: &device,
            seq: 7,
            device_time,
            received_at: NOW,
            pricing: &policy,
            offline,
            event_id: EventId::from_uuid(Uuid::now_v7()),
            backend: "test",
        };
        let key = IdempotencyKey::new("k-1").unwrap();
        plan_place(&ctx, &key, order, "fp".into()).unwrap()
    }

    fn code(planned: &Planned) -> (Outcome, Option<&str>) {
        (planned.result().outcome, planned.result().code.as_deref())
    }

    #[test]
    fn an_order_priced_as_the_server_prices_it_is_accepted_as_captured() {
        let order = captured(2);
        let planned = plan(&order, NOW, &OfflinePolicy::default());
        assert_eq!(code(&planned), (Outcome::Accepted, None));
        let Planned::Place(result, new) = planned else {
            panic!("not stored")
        };
        assert_eq!((result.seq, result.order_id), (7, order.order_id));
        assert_eq!(new.order.totals.total.amount_string(), order.totals.total);
        assert_eq!(new.payment_token.as_deref(), Some("tok_secret"));
        assert!(!new.document.json().contains("tok_secret"));
        assert!(!new.event.payload.get().contains("tok_secret"));
        assert_eq!(new.order.history[0].actor, "device:pos-1");
        assert_eq!(new.order.offline.as_ref().unwrap().review, None);
    }

    #[test]
    fn each_rule_has_its_outcome_and_code() {
        let mut cheap = captured(2);
        cheap.totals.tax = "0.00".into();
        cheap.totals.total = "44.97".into();
        let planned = plan(&cheap, NOW, &OfflinePolicy::default());
        assert_eq!(
            code(&planned),
            (Outcome::AcceptedWithVariance, Some("price_variance"))
        );
        let Planned::Place(_, new) = planned else {
            panic!()
        };
        assert!(
            new.order.history[0]
                .note
                .as_deref()
                .unwrap()
                .contains("44.97")
        );

        let mut wrong = captured(2);
        wrong.totals.total = "1.00".into();
        assert_eq!(
            code(&plan(&wrong, NOW, &OfflinePolicy::default())),
            (Outcome::Rejected, Some("totals_mismatch"))
        );
        let mut currency = captured(2);
        currency.currency = "ABC".into();
        assert_eq!(
            code(&plan(&currency, NOW, &OfflinePolicy::default())),
            (Outcome::Rejected, Some("unknown_currency"))
        );
        let mut amount = captured(2);
        amount.totals.tax = "1.605".into();
        assert_eq!(
            code(&plan(&amount, NOW, &OfflinePolicy::default())),
            (Outcome::Rejected, Some("invalid_amount"))
        );
        let mut empty = captured(2);
        empty.items.clear();
        assert_eq!(
            code(&plan(&empty, NOW, &OfflinePolicy::default())),
            (Outcome::Rejected, Some("cart_empty"))
        );

        // Too old, by the corrected capture time; review wins over a variance.
        let mut old = cheap.clone();
        old.captured_at = NOW.plus_millis(-73 * HOUR);
        assert_eq!(
            code(&plan(&old, NOW, &OfflinePolicy::default())),
            (Outcome::NeedsReview, Some("offline_limit_exceeded"))
        );
        let strict = OfflinePolicy {
            default_amount_limit: Some(4_000),
            ..OfflinePolicy::default()
        };
        let planned = plan(&captured(2), NOW, &strict);
        assert_eq!(
            code(&planned),
            (Outcome::NeedsReview, Some("offline_amount_exceeded"))
        );
        let Planned::Place(_, new) = planned else {
            panic!()
        };
        assert_eq!(
            new.order.offline.unwrap().review.as_deref(),
            Some("offline_amount_exceeded")
        );
    }

    #[test]
    fn the_clock_offset_moves_the_capture_time_never_past_receipt() {
        // The device's clock is two hours behind: captured an hour ago by its clock is an hour
        // ago plus two by the server's, older than the hour it seems.
        let order = captured(2);
        let behind = NOW.plus_millis(-2 * HOUR);
        let Planned::Place(_, new) = plan(&order, behind, &OfflinePolicy::default()) else {
            panic!()
        };
        let offline = new.order.offline.unwrap();
        assert_eq!(offline.captured_at, NOW.plus_millis(-HOUR));
        assert_eq!(
            offline.corrected_captured_at,
            NOW.plus_millis(HOUR).min(NOW)
        );
        assert_eq!(new.order.created_at, NOW);
        // Ahead by two hours: an hour before receipt by its clock is three before.
        let ahead = NOW.plus_millis(2 * HOUR);
        let Planned::Place(_, new) = plan(&order, ahead, &OfflinePolicy::default()) else {
            panic!()
        };
        assert_eq!(new.order.created_at, NOW.plus_millis(-3 * HOUR));
        assert_eq!(new.order.offline.unwrap().received_at, NOW);
    }

    fn stored(status: OrderStatus, captured_by: &str) -> Order {
        let Planned::Place(_, new) = plan(&captured(2), NOW, &OfflinePolicy::default()) else {
            panic!()
        };
        let mut order = new.order;
        order.status = status;
        if let Some(offline) = &mut order.offline {
            offline.device_id = DeviceId::new(captured_by).unwrap();
        }
        order
    }

    fn cancel(order: Option<Order>) -> Planned {
        let device = device();
        let order_id = order
            .as_ref()
            .map_or(OrderId::from_uuid(Uuid::nil()), |o| o.id);
        let ctx = CancelContext {
            device_id: &device,
            seq: 3,
            order_id,
            reason: Some("left"),
            now: NOW,
            event_id: EventId::from_uuid(Uuid::now_v7()),
            backend: "test",
        };
        plan_cancel(&ctx, order).unwrap()
    }

    #[test]
    fn a_device_cancels_only_its_own_orders_before_they_ship() {
        assert_eq!(code(&cancel(None)), (Outcome::Rejected, Some("not_found")));
        let theirs = stored(OrderStatus::Placed, "pos-2");
        assert_eq!(
            code(&cancel(Some(theirs))),
            (Outcome::Rejected, Some("not_found"))
        );
        let shipped = stored(OrderStatus::Shipped, "pos-1");
        assert_eq!(
            code(&cancel(Some(shipped))),
            (Outcome::Rejected, Some("invalid_transition"))
        );
        let done = stored(OrderStatus::Cancelled, "pos-1");
        assert!(
            matches!(cancel(Some(done)), Planned::ResultOnly(r) if r.outcome == Outcome::Accepted)
        );
        let Planned::Change(result, change) = cancel(Some(stored(OrderStatus::Placed, "pos-1")))
        else {
            panic!("no change")
        };
        assert_eq!(result.outcome, Outcome::Accepted);
        assert_eq!(change.order.status, OrderStatus::Cancelled);
        let feed = change.feed.unwrap();
        assert_eq!((feed.device_id, feed.change.version), (device(), 2));
        assert_eq!(feed.change.milestone.note.as_deref(), Some("left"));
    }

    proptest! {
        #[test]
        fn stored_orders_keep_the_captured_money_and_never_postdate_receipt(
            quantity in 1u32..=40,
            skew in -(48 * HOUR)..(48 * HOUR),
            age in 0i64..(100 * HOUR),
        ) {
            let mut order = captured(quantity);
            let device_time = NOW.plus_millis(skew);
            order.captured_at = device_time.plus_millis(-age);
            let planned = plan(&order, device_time, &OfflinePolicy::default());
            let Planned::Place(result, new) = planned else {
                return Err(TestCaseError::fail("not stored"));
            };
            prop_assert_eq!(new.order.totals.total.amount_string(), order.totals.total.clone());
            let shares: i64 = new.order.items.iter().map(|l| l.discount.minor()).sum();
            prop_assert_eq!(shares, new.order.totals.discount.minor());
            prop_assert!(new.order.created_at <= NOW);
            prop_assert_eq!(
                result.outcome == Outcome::NeedsReview,
                age > OfflinePolicy::default().offline_limit_ms
            );
            prop_assert!(!new.document.json().contains("tok_secret"));
            // The same operation always plans the same document.
            let again = plan(&order, device_time, &OfflinePolicy::default());
            let Planned::Place(_, same) = again else {
                return Err(TestCaseError::fail("not stored"));
            };
            prop_assert_eq!(same.document.json(), new.document.json());
        }
    }
}
