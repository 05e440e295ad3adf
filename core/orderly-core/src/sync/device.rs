//! The device's side, as pure functions: the operation recorded with each local change, the
//! push built from the log, and a pulled change applied to the local copy of an order.

use crate::clock::Timestamp;
use crate::error::{OrderlyError, Result, StoreError, StoreErrorKind};
use crate::ids::{DeviceId, IdempotencyKey};
use crate::model::{Order, PaymentMethod};
use crate::store::{DeviceOp, LoggedOperation};

use super::wire::{
    CapturedLine, CapturedOrder, CapturedTotals, Change, OpBody, Operation, PushRequest,
};

/// The `place` operation for an order the device just placed, with the payment method as
/// given (token included: the server stores it beside the order, as online).
pub fn place_op(order: &Order, payment: &PaymentMethod, key: &IdempotencyKey) -> OpBody {
    let t = &order.totals;
    OpBody::Place {
        idempotency_key: key.clone(),
        order: Box::new(CapturedOrder {
            order_id: order.id,
            user_id: order.user_id.clone(),
            currency: order.currency.code().to_owned(),
            items: order
                .items
                .iter()
                .map(|l| CapturedLine {
                    product_id: l.product_id.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                    unit_price: l.unit_price.amount_string(),
                })
                .collect(),
            totals: CapturedTotals {
                subtotal: t.subtotal.amount_string(),
                shipping: t.shipping.amount_string(),
                tax: t.tax.amount_string(),
                discount: t.discount.amount_string(),
                total: t.total.amount_string(),
            },
            delivery_address: order.delivery_address.clone(),
            payment_method: payment.clone(),
            shipping_method: order.shipping_method,
            discount_code: order.discount_code.clone(),
            captured_at: order.created_at,
            metadata: order.metadata.clone(),
        }),
    }
}

/// The `cancel` operation for an order the device just cancelled.
pub fn cancel_op(order: &Order, reason: Option<&str>) -> OpBody {
    OpBody::Cancel {
        order_id: order.id,
        reason: reason.map(str::to_owned),
    }
}

/// `body` as the store logs it.
pub fn encode_op(body: &OpBody, backend: &'static str) -> Result<DeviceOp> {
    let json = serde_json::to_string(body).map_err(|e| {
        OrderlyError::from(StoreError::new(
            StoreErrorKind::Other,
            backend,
            format!("operation does not encode: {e}"),
        ))
    })?;
    Ok(DeviceOp {
        kind: body.kind(),
        order_id: body.order_id(),
        body: json,
    })
}

/// The push of `pending` logged operations (already in `seq` order), sent at `device_time`.
pub fn build_push(
    device_id: &DeviceId,
    device_time: Timestamp,
    pending: &[LoggedOperation],
    backend: &'static str,
) -> Result<PushRequest> {
    let operations = pending
        .iter()
        .map(|logged| {
            serde_json::from_str::<OpBody>(&logged.body)
                .map(|op| Operation {
                    seq: logged.seq,
                    op,
                })
                .map_err(|e| {
                    OrderlyError::from(StoreError::new(
                        StoreErrorKind::Corrupt,
                        backend,
                        format!("logged operation {} does not decode: {e}", logged.seq),
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PushRequest {
        device_id: device_id.clone(),
        device_time,
        operations,
    })
}

/// The local order after a pulled change, or `None` when the change brings nothing new. The
/// server is the authority: a change of a higher version is applied (status, milestone,
/// version), and a change of the same version that differs from the local one replaces it
/// (a local cancellation the server refused). A change of an earlier version replaces that
/// version's milestone only (the placement as the server recorded it, pulled after a local
/// cancellation): the newer local state stands. Applying a change twice is harmless.
pub fn apply_change(local: &Order, change: &Change) -> Option<Order> {
    if change.version < local.version {
        return replace_earlier_milestone(local, change);
    }
    let same_version_differs = change.version == local.version
        && (local.status != change.status || local.history.last() != Some(&change.milestone));
    if change.version < local.version || (change.version == local.version && !same_version_differs)
    {
        return None;
    }
    let mut order = local.clone();
    if same_version_differs {
        order.history.pop();
    }
    order.status = change.status;
    order.version = change.version;
    order.updated_at = order
        .updated_at
        .max(change.updated_at.unwrap_or(change.milestone.at));
    // A change that moved no status (a shipment) repeats the last milestone.
    if order.history.last() != Some(&change.milestone) {
        order.history.push(change.milestone.clone());
    }
    order.shipments = change.shipments.clone();
    if let Some(offline) = &mut order.offline {
        offline.review = None;
    }
    Some(order)
}

/// `local` with version `change.version`'s milestone as the server recorded it, when it
/// differs; the history holds one milestone per version, the first being version 1's.
fn replace_earlier_milestone(local: &Order, change: &Change) -> Option<Order> {
    if usize::try_from(local.version).ok()? != local.history.len() {
        return None;
    }
    let index = usize::try_from(change.version).ok()?.checked_sub(1)?;
    if local.history.get(index)? == &change.milestone {
        return None;
    }
    let mut order = local.clone();
    *order.history.get_mut(index)? = change.milestone.clone();
    Some(order)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::Milestone;
    use crate::status::OrderStatus;
    use proptest::prelude::*;

    fn order() -> Order {
        let json = serde_json::json!({
            "orderId": "0190a0a0-0000-7000-8000-000000000001", "userId": "alice",
            "status": "placed", "currency": "USD", "items": [],
            "totals": {"subtotal": {"amount": "0.00", "currency": "USD"},
                "shipping": {"amount": "0.00", "currency": "USD"},
                "tax": {"amount": "0.00", "currency": "USD"},
                "discount": {"amount": "0.00", "currency": "USD"},
                "total": {"amount": "0.00", "currency": "USD"}},
            "deliveryAddress": {"name": "A", "line1": "1", "city": "C", "postalCode": "10001", "country": "US"},
            "paymentMethod": {"type": "cash_on_delivery"}, "shippingMethod": "standard",
            "metadata": {}, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "version": 1,
            "history": [{"status": "placed", "at": "2026-01-01T00:00:00Z", "actor": "device:pos-1", "note": null}]
        });
        serde_json::from_value(json).unwrap()
    }

    fn change(version: u32, status: OrderStatus) -> Change {
        Change {
            order_id: order().id,
            version,
            status,
            milestone: Milestone {
                status,
                at: Timestamp::from_unix_millis(1_767_225_600_000 + i64::from(version)),
                actor: "admin:ops".into(),
                note: None,
                reason: None,
            },
            shipments: Vec::new(),
            updated_at: None,
        }
    }

    #[test]
    fn higher_versions_apply_and_repeats_do_nothing() {
        let o = order();
        let moved = apply_change(&o, &change(2, OrderStatus::Processing)).unwrap();
        assert_eq!(
            (moved.status, moved.version, moved.history.len()),
            (OrderStatus::Processing, 2, 2)
        );
        assert!(apply_change(&moved, &change(2, OrderStatus::Processing)).is_none());
        // The server's placement, pulled after a later change: version 1's milestone only.
        let placed = apply_change(&moved, &change(1, OrderStatus::Placed)).unwrap();
        assert_eq!(
            (placed.status, placed.version, placed.history.len()),
            (OrderStatus::Processing, 2, 2)
        );
        assert_eq!(placed.history[0], change(1, OrderStatus::Placed).milestone);
        assert_eq!(placed.history[1], moved.history[1]);
        assert!(apply_change(&placed, &change(1, OrderStatus::Placed)).is_none());
    }

    #[test]
    fn the_servers_placement_replaces_the_devices_own() {
        let local = order();
        let placed = apply_change(&local, &change(1, OrderStatus::Placed)).unwrap();
        assert_eq!((placed.status, placed.version), (OrderStatus::Placed, 1));
        assert_eq!(
            placed.history,
            vec![change(1, OrderStatus::Placed).milestone]
        );
        assert!(apply_change(&placed, &change(1, OrderStatus::Placed)).is_none());
    }

    #[test]
    fn the_server_wins_at_the_same_version() {
        let mut local = order();
        local.status = OrderStatus::Cancelled;
        local.version = 2;
        local.history.push(Milestone {
            status: OrderStatus::Cancelled,
            at: local.created_at,
            actor: "device".into(),
            note: None,
            reason: None,
        });
        let fixed = apply_change(&local, &change(2, OrderStatus::Processing)).unwrap();
        assert_eq!(fixed.status, OrderStatus::Processing);
        assert_eq!(fixed.history.len(), 2);
    }

    proptest! {
        #[test]
        fn any_replay_of_a_feed_converges(repeats in proptest::collection::vec(0usize..4, 1..12)) {
            let feed = [
                change(1, OrderStatus::Placed),
                change(2, OrderStatus::Processing),
                change(3, OrderStatus::Shipped),
                change(4, OrderStatus::Delivered),
            ];
            let mut once = order();
            for c in &feed {
                if let Some(next) = apply_change(&once, c) { once = next; }
            }
            // Pull again and again, each time from a cursor no later than what was applied:
            // a page may be cut anywhere, and a restart repeats what was already read.
            let mut replayed = order();
            let mut applied = 0;
            for start in &repeats {
                let from = (*start).min(applied);
                let to = (from + 1 + start).min(feed.len());
                for c in &feed[from..to] {
                    if let Some(next) = apply_change(&replayed, c) { replayed = next; }
                }
                applied = applied.max(to);
            }
            for c in &feed[applied.min(feed.len())..] {
                if let Some(next) = apply_change(&replayed, c) { replayed = next; }
            }
            prop_assert_eq!(replayed, once);
        }
    }
}
