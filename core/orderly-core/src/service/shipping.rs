//! Shipments by staff: adding one (idempotent under a key) and moving one along its states.

use crate::document::OrderDocument;
use crate::error::{OrderlyError, Result};
use crate::ids::{EventId, IdempotencyKey, OrderId, ShipmentId, derived_uuid};
use crate::model::{Caller, Order};
use crate::shipping::{ShipmentRequest, ShipmentStatus};

use super::OrderService;
use super::plan::{self, ShipmentEdit, ShipmentInput};

impl OrderService {
    /// Adds a shipment to an order in `processing` or `partially_shipped` (staff only); the
    /// order's status follows. With `key`, the shipment's id is derived from the order and the
    /// key, so a retried request finds the shipment it created and changes nothing (the same
    /// key with another carrier, tracking number or lines is `IdempotencyConflict`). With
    /// `expected_version`, only if the order is still at that version. Answers with the order
    /// as stored.
    pub fn create_shipment(
        &self,
        caller: &Caller,
        id: &OrderId,
        request: &ShipmentRequest,
        key: Option<&IdempotencyKey>,
        expected_version: Option<u32>,
    ) -> Result<OrderDocument> {
        self.require_staff(caller, "create a shipment")?;
        let shipment_id = ShipmentId::from_uuid(match key {
            Some(key) => derived_uuid(id.as_uuid(), "shipment", key),
            None => self.new_uuid(),
        });
        // A retry whose first attempt succeeded finds the order one version on: with a pinned
        // version, look for the shipment before the version check would refuse the replay.
        // Without one, the edit below finds it.
        if expected_version.is_some() {
            let stored = self.order_document(caller, id)?;
            if replayed(&stored.decode(self.store.backend())?, shipment_id, request)? {
                return Ok(stored);
            }
        }
        let actor = caller.actor();
        self.edit_order(caller, id, expected_version, |current| {
            if replayed(&current, shipment_id, request)? {
                return Ok(None);
            }
            plan::plan_shipment_change(ShipmentInput {
                order: current,
                edit: ShipmentEdit::Add {
                    id: shipment_id,
                    request,
                },
                actor: &actor,
                now: self.clock.now(),
                event_id: EventId::from_uuid(self.new_uuid()),
                backend: self.store.backend(),
            })
        })
        .map(|(_, document)| document)
    }

    /// Moves a shipment (staff only): `shipped`, `delivered`, or `cancelled` while pending.
    /// The same state again changes nothing. The order's status follows.
    pub fn update_shipment(
        &self,
        caller: &Caller,
        id: &OrderId,
        shipment: &ShipmentId,
        to: ShipmentStatus,
        note: Option<&str>,
        expected_version: Option<u32>,
    ) -> Result<OrderDocument> {
        self.require_staff(caller, "update a shipment")?;
        let actor = caller.actor();
        self.edit_order(caller, id, expected_version, |current| {
            plan::plan_shipment_change(ShipmentInput {
                order: current,
                edit: ShipmentEdit::Move {
                    id: *shipment,
                    to,
                    note,
                },
                actor: &actor,
                now: self.clock.now(),
                event_id: EventId::from_uuid(self.new_uuid()),
                backend: self.store.backend(),
            })
        })
        .map(|(_, document)| document)
    }
}

/// Whether the order already has shipment `id` as `request` would create it: a replay. The
/// same id with another carrier, tracking number or lines is a different request under the
/// same key.
fn replayed(order: &Order, id: ShipmentId, request: &ShipmentRequest) -> Result<bool> {
    let Some(existing) = order.shipments.iter().find(|s| s.shipment_id == id) else {
        return Ok(false);
    };
    let (carrier, number) = request.normalized_tracking()?;
    let same = existing.carrier == carrier
        && existing.tracking_number == number
        && request
            .lines
            .as_ref()
            .is_none_or(|lines| *lines == existing.lines);
    if same {
        Ok(true)
    } else {
        Err(OrderlyError::IdempotencyConflict)
    }
}
