//! The shipment rules as pure functions over an order: adding a shipment, moving one, shipping
//! or delivering everything at once (what `PUT /order/{id}/status` does), and the order status
//! that follows from its shipments. Each edits the order in place and fails without touching
//! it; the service plans the write from the edited order.

use std::collections::BTreeMap;

use crate::clock::Timestamp;
use crate::error::{OrderlyError, Result, ValidationError};
use crate::ids::{ProductId, ShipmentId};
use crate::model::Order;
use crate::status::OrderStatus;
use crate::validation;

use super::carrier;
use super::{Shipment, ShipmentLine, ShipmentMilestone, ShipmentStatus};

/// The most shipments one order may have.
pub const MAX_SHIPMENTS: usize = 100;

/// A shipment as staff ask for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShipmentRequest {
    /// What it carries; `None` for everything not yet in a shipment.
    pub lines: Option<Vec<ShipmentLine>>,
    /// The carrier's name (`ups`, `Royal Mail`, any other).
    pub carrier: Option<String>,
    /// The carrier's tracking number.
    pub tracking_number: Option<String>,
    /// An explicit tracking link; without one, a known carrier's template makes it.
    pub tracking_url: Option<String>,
    /// `Shipped` (the default) or `Pending`.
    pub status: Option<ShipmentStatus>,
    /// A note for the shipment's first milestone.
    pub note: Option<String>,
}

impl ShipmentRequest {
    /// The carrier and tracking number as a shipment keeps them (see [`carrier`]).
    pub fn normalized_tracking(&self) -> Result<(Option<String>, Option<String>)> {
        let carrier = self
            .carrier
            .as_deref()
            .map(carrier::normalize_carrier)
            .transpose()?;
        let number = self
            .tracking_number
            .as_deref()
            .map(carrier::normalize_tracking_number)
            .transpose()?;
        Ok((carrier, number))
    }
}

/// Who changes a shipment, and when.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    /// The milestone's actor.
    pub actor: &'a str,
    /// The milestone's time.
    pub at: Timestamp,
}

impl Stamp<'_> {
    fn milestone(&self, status: ShipmentStatus, note: Option<&str>) -> ShipmentMilestone {
        ShipmentMilestone {
            status,
            at: self.at,
            actor: self.actor.to_owned(),
            note: note.map(str::to_owned),
        }
    }
}

/// The status an order in `processing`, `partially_shipped` or `shipped` has given its
/// shipments: `delivered` when every unit shipped and every shipment not cancelled is
/// delivered, `shipped` when every unit shipped, `partially_shipped` when some did, else the
/// status it has. Orders in other statuses keep theirs.
pub fn derived_status(order: &Order) -> OrderStatus {
    if !matches!(
        order.status,
        OrderStatus::Processing | OrderStatus::PartiallyShipped | OrderStatus::Shipped
    ) {
        return order.status;
    }
    let left = quantities(order, ShipmentStatus::has_left);
    let all_left = order
        .items
        .iter()
        .all(|line| left.get(&line.product_id).copied().unwrap_or(0) >= line.quantity);
    let live = || {
        order
            .shipments
            .iter()
            .filter(|s| s.status != ShipmentStatus::Cancelled)
    };
    if all_left && live().all(|s| s.status == ShipmentStatus::Delivered) {
        OrderStatus::Delivered
    } else if all_left {
        OrderStatus::Shipped
    } else if left.values().any(|q| *q > 0) {
        OrderStatus::PartiallyShipped
    } else {
        order.status
    }
}

/// Units per product in the order's shipments whose status passes `counted`.
fn quantities(
    order: &Order,
    counted: impl Fn(&ShipmentStatus) -> bool,
) -> BTreeMap<&ProductId, u32> {
    let mut units = BTreeMap::new();
    for shipment in order.shipments.iter().filter(|s| counted(&s.status)) {
        for line in &shipment.lines {
            let entry = units.entry(&line.product_id).or_insert(0u32);
            *entry = entry.saturating_add(line.quantity);
        }
    }
    units
}

/// What of each line no shipment (but cancelled ones) covers yet, in the order's line order.
pub fn unallocated(order: &Order) -> Vec<ShipmentLine> {
    let allocated = quantities(order, |s| *s != ShipmentStatus::Cancelled);
    order
        .items
        .iter()
        .filter_map(|line| {
            let taken = allocated.get(&line.product_id).copied().unwrap_or(0);
            let quantity = line.quantity.saturating_sub(taken);
            (quantity > 0).then(|| ShipmentLine {
                product_id: line.product_id.clone(),
                quantity,
            })
        })
        .collect()
}

fn require_shippable(order: &Order) -> Result<()> {
    if matches!(
        order.status,
        OrderStatus::Processing | OrderStatus::PartiallyShipped
    ) {
        Ok(())
    } else {
        Err(OrderlyError::OrderNotShippable {
            status: order.status,
        })
    }
}

/// Adds a shipment with id `id` to an order in `processing` or `partially_shipped`. Refused:
/// lines that are not the order's, repeat a product or ask for more than is left
/// (`shipment_exceeds_order`); an order in any other status (`order_not_shippable`).
pub fn add_shipment(
    order: &mut Order,
    id: ShipmentId,
    request: &ShipmentRequest,
    stamp: Stamp<'_>,
) -> Result<()> {
    require_shippable(order)?;
    if order.shipments.len() >= MAX_SHIPMENTS {
        return Err(ValidationError::InvalidField {
            field: "shipments".to_owned(),
            reason: format!("an order has at most {MAX_SHIPMENTS} shipments"),
        }
        .into());
    }
    let status = request.status.unwrap_or(ShipmentStatus::Shipped);
    if !matches!(status, ShipmentStatus::Pending | ShipmentStatus::Shipped) {
        return Err(ValidationError::InvalidField {
            field: "status".to_owned(),
            reason: "a new shipment is pending or shipped".to_owned(),
        }
        .into());
    }
    if let Some(note) = &request.note {
        validation::validate_note("note", note)?;
    }
    let (carrier, tracking_number) = request.normalized_tracking()?;
    let tracking_url = match (&request.tracking_url, &carrier, &tracking_number) {
        (Some(url), _, _) => {
            carrier::validate_tracking_url(url)?;
            Some(url.clone())
        }
        (None, Some(carrier), Some(number)) => carrier::tracking_url(carrier, number),
        _ => None,
    };
    let lines = match &request.lines {
        None => unallocated(order),
        Some(lines) => {
            check_lines(order, lines)?;
            lines.clone()
        }
    };
    if lines.is_empty() {
        return Err(OrderlyError::ShipmentExceedsOrder(
            "every unit of the order is already in a shipment".to_owned(),
        ));
    }
    order.shipments.push(Shipment {
        shipment_id: id,
        status,
        lines,
        carrier,
        tracking_number,
        tracking_url,
        created_at: stamp.at,
        history: vec![stamp.milestone(status, request.note.as_deref())],
    });
    Ok(())
}

fn check_lines(order: &Order, lines: &[ShipmentLine]) -> Result<()> {
    if lines.is_empty() {
        return Err(ValidationError::InvalidField {
            field: "lines".to_owned(),
            reason: "a shipment carries at least one line".to_owned(),
        }
        .into());
    }
    let left: BTreeMap<ProductId, u32> = unallocated(order)
        .into_iter()
        .map(|l| (l.product_id, l.quantity))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for line in lines {
        if !seen.insert(&line.product_id) {
            return Err(ValidationError::InvalidField {
                field: "lines".to_owned(),
                reason: format!("product {} appears twice", line.product_id),
            }
            .into());
        }
        let Some(ordered) = order.items.iter().find(|l| l.product_id == line.product_id) else {
            return Err(ValidationError::InvalidField {
                field: "lines".to_owned(),
                reason: format!("product {} is not on the order", line.product_id),
            }
            .into());
        };
        if line.quantity == 0 {
            return Err(ValidationError::InvalidField {
                field: "lines".to_owned(),
                reason: format!("quantity of {} must be at least 1", line.product_id),
            }
            .into());
        }
        let remaining = left.get(&line.product_id).copied().unwrap_or(0);
        if line.quantity > remaining {
            return Err(OrderlyError::ShipmentExceedsOrder(format!(
                "{} units of {} asked for; {} ordered, {} left to ship",
                line.quantity, line.product_id, ordered.quantity, remaining
            )));
        }
    }
    Ok(())
}

/// Moves shipment `id` to `to`. The same status again changes nothing (`Ok(false)`); a move
/// the shipment machine refuses is `invalid_shipment_transition`; shipping needs the order
/// in `processing` or `partially_shipped`.
pub fn move_shipment(
    order: &mut Order,
    id: ShipmentId,
    to: ShipmentStatus,
    note: Option<&str>,
    stamp: Stamp<'_>,
) -> Result<bool> {
    if let Some(note) = note {
        validation::validate_note("note", note)?;
    }
    let order_status = order.status;
    let shipment = order
        .shipments
        .iter_mut()
        .find(|s| s.shipment_id == id)
        .ok_or_else(|| OrderlyError::not_found("shipment", id))?;
    if shipment.status == to {
        return Ok(false);
    }
    if !shipment.status.can_move_to(to) {
        return Err(OrderlyError::InvalidShipmentTransition {
            from: shipment.status,
            to,
        });
    }
    if to == ShipmentStatus::Shipped
        && !matches!(
            order_status,
            OrderStatus::Processing | OrderStatus::PartiallyShipped
        )
    {
        return Err(OrderlyError::OrderNotShippable {
            status: order_status,
        });
    }
    shipment.status = to;
    shipment.history.push(stamp.milestone(to, note));
    Ok(true)
}

/// Ships everything at once, as `PUT /order/{id}/status` with `shipped` does: pending
/// shipments ship, and what no shipment covers ships in a new one with id `id`.
pub fn ship_everything(order: &mut Order, id: ShipmentId, note: Option<&str>, stamp: Stamp<'_>) {
    for shipment in &mut order.shipments {
        if shipment.status == ShipmentStatus::Pending {
            shipment.status = ShipmentStatus::Shipped;
            shipment
                .history
                .push(stamp.milestone(ShipmentStatus::Shipped, note));
        }
    }
    let rest = unallocated(order);
    if !rest.is_empty() {
        order.shipments.push(Shipment {
            shipment_id: id,
            status: ShipmentStatus::Shipped,
            lines: rest,
            carrier: None,
            tracking_number: None,
            tracking_url: None,
            created_at: stamp.at,
            history: vec![stamp.milestone(ShipmentStatus::Shipped, note)],
        });
    }
}

/// Delivers every shipped shipment, as `PUT /order/{id}/status` with `delivered` does.
pub fn deliver_everything(order: &mut Order, note: Option<&str>, stamp: Stamp<'_>) {
    for shipment in &mut order.shipments {
        if shipment.status == ShipmentStatus::Shipped {
            shipment.status = ShipmentStatus::Delivered;
            shipment
                .history
                .push(stamp.milestone(ShipmentStatus::Delivered, note));
        }
    }
}

/// Calls off every pending shipment, as cancelling the order does.
pub fn cancel_pending(order: &mut Order, note: Option<&str>, stamp: Stamp<'_>) {
    for shipment in &mut order.shipments {
        if shipment.status == ShipmentStatus::Pending {
            shipment.status = ShipmentStatus::Cancelled;
            shipment
                .history
                .push(stamp.milestone(ShipmentStatus::Cancelled, note));
        }
    }
}

/// The ids of shipments that are shipped in `after` but were not in `before`: the ones a
/// change shipped, each of which gets one shipping email.
pub fn newly_shipped(before: &Order, after: &Order) -> Vec<ShipmentId> {
    after
        .shipments
        .iter()
        .filter(|s| s.status == ShipmentStatus::Shipped)
        .filter(|s| {
            !before
                .shipments
                .iter()
                .any(|b| b.shipment_id == s.shipment_id && b.status.has_left())
        })
        .map(|s| s.shipment_id)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::OrderLine;
    use crate::test_orders::sample_order;
    use proptest::prelude::*;
    use uuid::Uuid;

    const STAMP: Stamp<'static> = Stamp {
        actor: "admin:bob",
        at: Timestamp::from_unix_millis(1_700_000_100_000),
    };

    /// A processing order of two lines: 3 of sku-1 and 2 of sku-2.
    fn order() -> Order {
        let mut order = sample_order();
        order.status = OrderStatus::Processing;
        order.items[0].quantity = 3;
        let mut second: OrderLine = order.items[0].clone();
        second.product_id = ProductId::new("sku-2").unwrap();
        second.quantity = 2;
        order.items.push(second);
        order
    }

    fn id(n: u128) -> ShipmentId {
        ShipmentId::from_uuid(Uuid::from_u128(n))
    }

    fn line(product: &str, quantity: u32) -> ShipmentLine {
        ShipmentLine {
            product_id: ProductId::new(product).unwrap(),
            quantity,
        }
    }

    fn ship(lines: Vec<ShipmentLine>) -> ShipmentRequest {
        ShipmentRequest {
            lines: Some(lines),
            carrier: Some("UPS".into()),
            tracking_number: Some("1z 999".into()),
            ..ShipmentRequest::default()
        }
    }

    #[test]
    fn status_follows_shipments_from_partial_to_delivered() {
        let mut o = order();
        add_shipment(&mut o, id(1), &ship(vec![line("sku-1", 2)]), STAMP).unwrap();
        assert_eq!(derived_status(&o), OrderStatus::PartiallyShipped);
        let s = &o.shipments[0];
        assert_eq!(s.carrier.as_deref(), Some("ups"));
        assert_eq!(
            s.tracking_url.as_deref(),
            Some("https://www.ups.com/track?tracknum=1Z999")
        );
        o.status = OrderStatus::PartiallyShipped;
        add_shipment(&mut o, id(2), &ShipmentRequest::default(), STAMP).unwrap();
        assert_eq!(
            o.shipments[1].lines,
            vec![line("sku-1", 1), line("sku-2", 2)]
        );
        assert_eq!(derived_status(&o), OrderStatus::Shipped);
        o.status = OrderStatus::Shipped;
        assert!(move_shipment(&mut o, id(1), ShipmentStatus::Delivered, None, STAMP).unwrap());
        assert_eq!(derived_status(&o), OrderStatus::Shipped);
        assert!(move_shipment(&mut o, id(2), ShipmentStatus::Delivered, None, STAMP).unwrap());
        assert_eq!(derived_status(&o), OrderStatus::Delivered);
        assert!(!move_shipment(&mut o, id(2), ShipmentStatus::Delivered, None, STAMP).unwrap());
    }

    #[test]
    fn refusals_have_their_codes() {
        let mut o = order();
        let code = |r: Result<()>| r.unwrap_err().code();
        assert_eq!(
            code(add_shipment(
                &mut o,
                id(1),
                &ship(vec![line("sku-1", 4)]),
                STAMP
            )),
            "shipment_exceeds_order"
        );
        assert_eq!(
            code(add_shipment(
                &mut o,
                id(1),
                &ship(vec![line("sku-9", 1)]),
                STAMP
            )),
            "invalid_field"
        );
        assert_eq!(
            code(add_shipment(
                &mut o,
                id(1),
                &ship(vec![line("sku-1", 1), line("sku-1", 1)]),
                STAMP
            )),
            "invalid_field"
        );
        let mut cancelled = order();
        cancelled.status = OrderStatus::Cancelled;
        assert_eq!(
            code(add_shipment(
                &mut cancelled,
                id(1),
                &ship(vec![line("sku-1", 1)]),
                STAMP
            )),
            "order_not_shippable"
        );
        add_shipment(&mut o, id(1), &ship(vec![line("sku-1", 1)]), STAMP).unwrap();
        assert_eq!(
            move_shipment(&mut o, id(1), ShipmentStatus::Pending, None, STAMP)
                .unwrap_err()
                .code(),
            "invalid_shipment_transition"
        );
        assert_eq!(
            move_shipment(&mut o, id(7), ShipmentStatus::Shipped, None, STAMP)
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert!(o.shipments.len() == 1, "refusals change nothing");
    }

    #[test]
    fn shipping_everything_ships_pending_and_the_rest() {
        let mut o = order();
        let pending = ShipmentRequest {
            status: Some(ShipmentStatus::Pending),
            ..ship(vec![line("sku-2", 1)])
        };
        add_shipment(&mut o, id(1), &pending, STAMP).unwrap();
        assert_eq!(derived_status(&o), OrderStatus::Processing);
        ship_everything(&mut o, id(2), None, STAMP);
        assert_eq!(derived_status(&o), OrderStatus::Shipped);
        assert_eq!(o.shipments[0].status, ShipmentStatus::Shipped);
        assert_eq!(
            o.shipments[1].lines,
            vec![line("sku-1", 3), line("sku-2", 1)]
        );
        assert_eq!(newly_shipped(&order(), &o), vec![id(1), id(2)]);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(Vec<(bool, u32)>, bool),
        Move(u8, ShipmentStatus),
    }

    fn any_op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (
                proptest::collection::vec((any::<bool>(), 0u32..4), 1..3),
                any::<bool>()
            )
                .prop_map(|(l, p)| Op::Add(l, p)),
            (
                0u8..6,
                proptest::sample::select(ShipmentStatus::ALL.to_vec())
            )
                .prop_map(|(i, s)| Op::Move(i, s)),
        ]
    }

    proptest! {
        /// Whatever staff try, no product ever ships (or is reserved) beyond what was ordered,
        /// and the derived status agrees with the shipped quantities.
        #[test]
        fn shipments_never_exceed_the_order(ops in proptest::collection::vec(any_op(), 0..30)) {
            let mut o = order();
            let mut next = 1u128;
            for op in ops {
                let mut edited = o.clone();
                let result = match op {
                    Op::Add(lines, pending) => {
                        let lines = lines
                            .into_iter()
                            .map(|(first, q)| line(if first { "sku-1" } else { "sku-2" }, q))
                            .collect();
                        let request = ShipmentRequest {
                            status: pending.then_some(ShipmentStatus::Pending),
                            ..ship(lines)
                        };
                        next += 1;
                        add_shipment(&mut edited, id(next), &request, STAMP)
                    }
                    Op::Move(i, to) => match o.shipments.get(usize::from(i)) {
                        Some(s) => move_shipment(&mut edited, s.shipment_id, to, None, STAMP).map(|_| ()),
                        None => Ok(()),
                    },
                };
                match result {
                    Ok(()) => {
                        edited.status = derived_status(&edited);
                        o = edited;
                    }
                    Err(_) => prop_assert_eq!(&edited, &o, "a refused edit changes nothing"),
                }
                let reserved = quantities(&o, |s| *s != ShipmentStatus::Cancelled);
                for item in &o.items {
                    prop_assert!(reserved.get(&item.product_id).copied().unwrap_or(0) <= item.quantity);
                }
                let left = quantities(&o, ShipmentStatus::has_left);
                let all = o.items.iter().all(|l| left.get(&l.product_id).copied().unwrap_or(0) == l.quantity);
                let any = left.values().any(|q| *q > 0);
                match o.status {
                    OrderStatus::Shipped | OrderStatus::Delivered => prop_assert!(all),
                    OrderStatus::PartiallyShipped => prop_assert!(any && !all),
                    _ => prop_assert!(!any),
                }
            }
        }
    }
}
