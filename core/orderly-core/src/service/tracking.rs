//! Status tracking: the milestones, cancellation by the owner, and status updates by staff.

use crate::cancellation::Cancellation;
use crate::document::OrderDocument;
use crate::error::{OrderlyError, Result, StoreError, StoreErrorKind};
use crate::ids::{EventId, OrderId, ShipmentId};
use crate::model::{Caller, Order};
use crate::status::{self, OrderStatus, Transition};
use crate::store::{ChangeOutcome, OrderChange};
use crate::validation;

use crate::sync::device;

use super::plan::{self, ChangeInput};
use super::{OrderService, StatusUpdate, StatusView};

impl OrderService {
    /// The order's current status, every milestone (oldest first) and its shipments.
    pub fn status(&self, caller: &Caller, id: &OrderId) -> Result<StatusView> {
        let order = self.order(caller, id)?;
        Ok(StatusView {
            order_id: order.id,
            status: order.status,
            updated_at: order.updated_at,
            version: order.version,
            history: order.history,
            shipments: order.shipments,
        })
    }

    /// Cancels an order from `placed` or `processing` with the caller's default reason
    /// (`customer` for customers, `staff` otherwise) and `reason` as its note. Customers may
    /// cancel only their own orders (others are `NotFound`); staff may cancel any. Cancelling
    /// a cancelled order changes nothing; an order of which anything has shipped cannot be
    /// cancelled (`InvalidTransition`).
    pub fn cancel(&self, caller: &Caller, id: &OrderId, reason: Option<&str>) -> Result<Order> {
        self.cancel_at_version(caller, id, reason, None)
    }

    /// Like `cancel`; with `expected_version`, the cancellation applies only if the order is
    /// still at that version (`VersionConflict` if not), as for `update_status`.
    pub fn cancel_at_version(
        &self,
        caller: &Caller,
        id: &OrderId,
        reason: Option<&str>,
        expected_version: Option<u32>,
    ) -> Result<Order> {
        self.change_status(caller, id, OrderStatus::Cancelled, reason, expected_version)
            .map(|(order, _)| order)
    }

    /// [`cancel_at_version`](Self::cancel_at_version), answering with the order as stored.
    pub fn cancel_document_at_version(
        &self,
        caller: &Caller,
        id: &OrderId,
        reason: Option<&str>,
        expected_version: Option<u32>,
    ) -> Result<OrderDocument> {
        self.change_status(caller, id, OrderStatus::Cancelled, reason, expected_version)
            .map(|(_, document)| document)
    }

    /// Cancels an order with a reason from the list and a note (see [`Cancellation`]); with
    /// `expected_version`, only if the order is still at that version. Answers with the order
    /// as stored.
    pub fn cancel_with(
        &self,
        caller: &Caller,
        id: &OrderId,
        cancellation: &Cancellation,
        expected_version: Option<u32>,
    ) -> Result<OrderDocument> {
        self.move_order(
            caller,
            id,
            OrderStatus::Cancelled,
            cancellation,
            expected_version,
        )
        .map(|(_, document)| document)
    }

    /// Whether `caller` may change order statuses at all (only staff may). Front ends that
    /// evaluate a precondition before [`update_status`](Self::update_status) ask this first,
    /// so that a caller who may not act is refused the same way whatever the precondition.
    pub fn authorize_status_update(&self, caller: &Caller) -> Result<()> {
        self.require_staff(caller, "update order status")
    }

    /// Moves an order along the status machine. Only staff may. With `expected_version`, the
    /// update applies only if the order is still at that version (`VersionConflict` if not).
    pub fn update_status(
        &self,
        caller: &Caller,
        id: &OrderId,
        to: OrderStatus,
        update: &StatusUpdate,
    ) -> Result<Order> {
        self.update_status_written(caller, id, to, update)
            .map(|(order, _)| order)
    }

    /// [`update_status`](Self::update_status), answering with the order as stored.
    pub fn update_status_document(
        &self,
        caller: &Caller,
        id: &OrderId,
        to: OrderStatus,
        update: &StatusUpdate,
    ) -> Result<OrderDocument> {
        self.update_status_written(caller, id, to, update)
            .map(|(_, document)| document)
    }

    fn update_status_written(
        &self,
        caller: &Caller,
        id: &OrderId,
        to: OrderStatus,
        update: &StatusUpdate,
    ) -> Result<(Order, OrderDocument)> {
        self.authorize_status_update(caller)?;
        self.change_status(
            caller,
            id,
            to,
            update.note.as_deref(),
            update.expected_version,
        )
    }

    /// The token of an order's payment method, for the system that charges it: staff only,
    /// since it is a credential. `None` when the method has no token (cash on delivery).
    pub fn payment_token(&self, caller: &Caller, id: &OrderId) -> Result<Option<String>> {
        self.require_staff(caller, "read a payment token")?;
        self.order_document(caller, id)?;
        self.with_retry(|| self.store.payment_token(id))
    }

    fn change_status(
        &self,
        caller: &Caller,
        id: &OrderId,
        to: OrderStatus,
        note: Option<&str>,
        expected_version: Option<u32>,
    ) -> Result<(Order, OrderDocument)> {
        let cancellation = Cancellation::with_note(note);
        self.move_order(caller, id, to, &cancellation, expected_version)
    }

    /// Moves an order to `to` with `cancellation`'s reason and note (its note is the
    /// milestone's note for any move).
    pub(super) fn move_order(
        &self,
        caller: &Caller,
        id: &OrderId,
        to: OrderStatus,
        cancellation: &Cancellation,
        expected_version: Option<u32>,
    ) -> Result<(Order, OrderDocument)> {
        let note = cancellation.note.as_deref();
        if let Some(n) = note {
            validation::validate_note("note", n)?;
        }
        let reason = if to == OrderStatus::Cancelled {
            Some(cancellation.resolve(caller)?)
        } else {
            None
        };
        let actor = caller.actor();
        self.edit_order(caller, id, expected_version, |current| {
            if status::transition(current.status, to)? == Transition::NoOp {
                return Ok(None);
            }
            let mut change = plan::plan_change(ChangeInput {
                order: current,
                to,
                actor: &actor,
                note,
                reason,
                shipment_id: ShipmentId::from_uuid(self.new_uuid()),
                now: self.clock.now(),
                event_id: EventId::from_uuid(self.new_uuid()),
                backend: self.store.backend(),
            })?;
            if self.config.device.is_some() && to == OrderStatus::Cancelled {
                let op = device::cancel_op(&change.order, note);
                change.device_op = Some(device::encode_op(&op, self.store.backend())?);
            }
            Ok(Some(change))
        })
    }

    /// The read-plan-write loop of every order change. `plan` gets the order as read and
    /// returns the change to write, or `None` when there is nothing to change (the order as
    /// read is the answer). Optimistic concurrency: the change applies only if the order is
    /// still at the version it was planned from; otherwise the order is read again, unless
    /// the caller pinned a version, in which case that is their conflict to resolve.
    pub(super) fn edit_order(
        &self,
        caller: &Caller,
        id: &OrderId,
        expected_version: Option<u32>,
        plan: impl Fn(Order) -> Result<Option<OrderChange>>,
    ) -> Result<(Order, OrderDocument)> {
        let attempts = self.config.store_retry.max_attempts.max(1) * 4;
        for _ in 0..attempts {
            let stored = self.order_document(caller, id)?;
            let current = stored.decode(self.store.backend())?;
            if let Some(expected) = expected_version
                && current.version != expected
            {
                return Err(OrderlyError::VersionConflict {
                    expected,
                    actual: current.version,
                });
            }
            let Some(change) = plan(current.clone())? else {
                return Ok((current, stored));
            };
            match self.with_retry(|| self.store.apply_change(&change))? {
                ChangeOutcome::Applied => return Ok((change.order, change.document)),
                ChangeOutcome::Stale => {
                    if let Some(expected) = expected_version {
                        let actual = self.order(caller, id)?.version;
                        return Err(OrderlyError::VersionConflict { expected, actual });
                    }
                }
            }
        }
        // Every attempt lost the race to another writer: transient contention, worth retrying.
        Err(StoreError::new(
            StoreErrorKind::Contention,
            self.store.backend(),
            format!("order {id} changed on each of {attempts} attempts"),
        )
        .into())
    }
}
