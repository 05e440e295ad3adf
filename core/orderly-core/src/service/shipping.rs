//! Shipments by staff: adding one (idempotent under a key) and moving one along its states.

use crate::document::OrderDocument;
use crate::error::{OrderlyError, Result};
use crate::ids::{EventId, IdempotencyKey, OrderId, ShipmentId, derived_uuid};
use crate::model::{Caller, Order};
use crate::shipping::{ShipmentRequest, ShipmentStatus, carrier};

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
        let stored = self.order_document(caller, id)?;
        let current = stored.decode(self.store.backend())?;
        if replayed(&current, shipment_id, request)? {
            return Ok(stored);
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
    let carrier = request
        .carrier
        .as_deref()
        .map(carrier::normalize_carrier)
        .transpose()?;
    let number = request
        .tracking_number
        .as_deref()
        .map(carrier::normalize_tracking_number)
        .transpose()?;
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
