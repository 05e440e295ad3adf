//! Offline sync use cases: on the server, applying a device's push exactly once and serving its
//! change feed; on a device engine, building pushes from its operation log and applying the
//! server's answers and pull pages. The rules are pure functions in [`crate::sync`].

use std::collections::BTreeMap;

use crate::analytics::RollupDelta;
use crate::error::{OrderlyError, Result, StoreError, StoreErrorKind, ValidationError};
use crate::ids::{DeviceId, EventId, OrderId};
use crate::model::{Caller, Order, Role};
use crate::status::OrderStatus;
use crate::store::{
    DeviceLogState, LoggedOperation, PulledOrder, PulledWrite, SyncWrite, SyncWriteOutcome,
};
use crate::sync::apply::{self, CancelContext, PlaceContext, Planned};
use crate::sync::device;
use crate::sync::{
    CheckedPush, MAX_PUSH_OPERATIONS, OpBody, OperationResult, Outcome, PullCursor, PullPage,
    PushRequest, PushResponse,
};

use super::OrderService;

/// The most changes one pull page holds.
pub const MAX_PULL_LIMIT: u32 = 500;
/// Changes per pull page when the caller names no limit.
pub const DEFAULT_PULL_LIMIT: u32 = 100;

impl OrderService {
    // ---- Server side ----

    /// The device a caller syncs as: only device callers may push or pull (`Forbidden`
    /// otherwise). Front ends ask this before they parse a push, so that a caller who may not
    /// sync is refused the same way whatever it sent.
    pub fn authorize_sync(&self, caller: &Caller) -> Result<DeviceId> {
        match (caller.role, DeviceId::new(caller.id.as_str())) {
            (Role::Device, Ok(device)) => Ok(device),
            _ => Err(OrderlyError::Forbidden(format!(
                "only device callers may sync; {} is not one",
                caller.actor()
            ))),
        }
    }

    /// Applies a device's push: each operation in `seq` order, each in its own transaction
    /// with its result and the device's new `lastSeq`. An operation already applied answers
    /// its stored result; the first one after a gap stops the push. Only the device itself
    /// may push (`Forbidden` otherwise).
    pub fn sync_push(&self, caller: &Caller, push: &CheckedPush) -> Result<PushResponse> {
        if !caller.is_device(&push.device_id) {
            return Err(OrderlyError::Forbidden(format!(
                "{} may not push for device {}",
                caller.actor(),
                push.device_id
            )));
        }
        let device = &push.device_id;
        let received_at = self.clock.now();
        let mut last_seq = self
            .with_retry(|| self.store.device_state(device))?
            .unwrap_or_default()
            .last_seq;
        let mut results = Vec::with_capacity(push.operations.len());
        let mut rest = push.operations.as_slice();
        while let Some(op) = rest.first() {
            if op.seq <= last_seq {
                results.push(self.stored_result(device, op.seq)?);
                rest = rest.get(1..).unwrap_or_default();
                continue;
            }
            if op.seq > last_seq + 1 {
                break;
            }
            // The run of operations from here that can be written together; whatever stops
            // it (another writer, a changed order) is applied alone, planned again.
            let run = self.plan_run(push, rest, received_at)?;
            let outcomes = if run.is_empty() {
                Vec::new()
            } else {
                self.with_retry(|| self.store.apply_sync_writes(&run))?
            };
            let mut applied = 0;
            for (write, outcome) in run.iter().zip(&outcomes) {
                if *outcome != SyncWriteOutcome::Applied {
                    break;
                }
                results.push(write.result.clone());
                last_seq = write.seq;
                applied += 1;
            }
            rest = rest.get(applied..).unwrap_or_default();
            if applied < run.len() || run.is_empty() {
                let Some(op) = rest.first() else { break };
                let result = self.apply_operation(push, op.seq, &op.body, received_at)?;
                last_seq = op.seq;
                results.push(result);
                rest = rest.get(1..).unwrap_or_default();
            }
        }
        Ok(PushResponse {
            last_seq,
            server_time: self.clock.now(),
            results,
        })
    }

    fn stored_result(&self, device: &DeviceId, seq: u64) -> Result<OperationResult> {
        self.with_retry(|| self.store.sync_result(device, seq))?
            .ok_or_else(|| {
                StoreError::new(
                    StoreErrorKind::Corrupt,
                    self.store.backend(),
                    format!("device {device} is past seq {seq} but holds no result for it"),
                )
                .into()
            })
    }

    /// Plans the longest run of consecutive operations from the start of `ops` whose plans do
    /// not depend on each other: it ends before a gap in `seq` and before an operation naming
    /// an order or idempotency key that an earlier one of the run names (a cancellation of an
    /// order placed in the same push is planned after that place is written).
    fn plan_run(
        &self,
        push: &CheckedPush,
        ops: &[crate::sync::CheckedOperation],
        received_at: crate::clock::Timestamp,
    ) -> Result<Vec<SyncWrite>> {
        let mut orders = std::collections::HashSet::new();
        let mut keys = std::collections::HashSet::new();
        let mut run: Vec<SyncWrite> = Vec::new();
        let mut next_seq = ops.first().map(|op| op.seq);
        for op in ops {
            if Some(op.seq) != next_seq || run.len() >= MAX_PUSH_OPERATIONS {
                break;
            }
            let (order, key) = match &op.body {
                Err((order_id, _)) => (*order_id, None),
                Ok(OpBody::Place {
                    idempotency_key,
                    order,
                }) => (
                    order.order_id,
                    Some((order.user_id.clone(), idempotency_key.clone())),
                ),
                Ok(OpBody::Cancel { order_id, .. }) => (*order_id, None),
            };
            if !orders.insert(order) || key.is_some_and(|key| !keys.insert(key)) {
                break;
            }
            run.push(self.planned_write(push, op.seq, &op.body, received_at)?);
            next_seq = op.seq.checked_add(1);
        }
        Ok(run)
    }

    /// The write that applies operation `seq` as planned from what is stored now.
    fn planned_write(
        &self,
        push: &CheckedPush,
        seq: u64,
        body: &Result<OpBody, (OrderId, String)>,
        received_at: crate::clock::Timestamp,
    ) -> Result<SyncWrite> {
        let planned = match body {
            Err((order_id, reason)) => Planned::ResultOnly(OperationResult::with(
                seq,
                *order_id,
                Outcome::Rejected,
                "invalid_operation",
                reason.clone(),
            )),
            Ok(op) => self.plan_operation(push, seq, op, received_at)?,
        };
        let result = planned.result().clone();
        let (place, change) = match planned {
            Planned::ResultOnly(_) => (None, None),
            Planned::Place(_, new) => (Some(*new), None),
            Planned::Change(_, change) => (None, Some(*change)),
        };
        Ok(SyncWrite {
            device_id: push.device_id.clone(),
            seq,
            result,
            at: received_at,
            place,
            change,
        })
    }

    /// Plans and writes one operation; if another push wrote it first, answers what that
    /// push stored.
    fn apply_operation(
        &self,
        push: &CheckedPush,
        seq: u64,
        body: &Result<OpBody, (OrderId, String)>,
        received_at: crate::clock::Timestamp,
    ) -> Result<OperationResult> {
        let device = &push.device_id;
        let attempts = self.config.store_retry.max_attempts.max(1) * 4;
        for _ in 0..attempts {
            let write = self.planned_write(push, seq, body, received_at)?;
            match self.with_retry(|| self.store.apply_sync_write(&write))? {
                SyncWriteOutcome::Applied => return Ok(write.result),
                SyncWriteOutcome::SeqTaken { last_seq } if last_seq >= seq => {
                    return self.stored_result(device, seq);
                }
                SyncWriteOutcome::SeqTaken { last_seq } => {
                    return Err(StoreError::new(
                        StoreErrorKind::Corrupt,
                        self.store.backend(),
                        format!("device {device} went back to seq {last_seq} during a push"),
                    )
                    .into());
                }
                // The key or the order changed under us: plan again from what is stored now.
                _ => continue,
            }
        }
        Err(StoreError::new(
            StoreErrorKind::Contention,
            self.store.backend(),
            format!("operation {seq} of device {device} lost every race to another writer"),
        )
        .into())
    }

    fn plan_operation(
        &self,
        push: &CheckedPush,
        seq: u64,
        op: &OpBody,
        received_at: crate::clock::Timestamp,
    ) -> Result<Planned> {
        let device = &push.device_id;
        match op {
            OpBody::Place {
                idempotency_key,
                order,
            } => {
                let fingerprint = apply::op_fingerprint(op);
                if let Some(record) = self.with_retry(|| {
                    self.store
                        .idempotency_record(&order.user_id, idempotency_key)
                })? {
                    return Ok(Planned::ResultOnly(if record.fingerprint == fingerprint {
                        // The same order pushed again under a new seq: it is stored already.
                        OperationResult::accepted(seq, record.order_id)
                    } else {
                        OperationResult::with(
                            seq,
                            order.order_id,
                            Outcome::Conflict,
                            "idempotency_conflict",
                            "this idempotency key was already used for a different order",
                        )
                    }));
                }
                if self
                    .with_retry(|| self.store.order_document(&order.order_id))?
                    .is_some()
                {
                    return Ok(Planned::ResultOnly(OperationResult::with(
                        seq,
                        order.order_id,
                        Outcome::Rejected,
                        "duplicate_order_id",
                        "another order already has this id",
                    )));
                }
                apply::plan_place(
                    &PlaceContext {
                        device_id: device,
                        seq,
                        device_time: push.device_time,
                        received_at,
                        pricing: &self.policy,
                        offline: &self.config.offline,
                        event_id: EventId::from_uuid(self.new_uuid()),
                        backend: self.store.backend(),
                    },
                    idempotency_key,
                    order,
                    fingerprint,
                )
            }
            OpBody::Cancel { order_id, reason } => {
                let order = self
                    .with_retry(|| self.store.order_document(order_id))?
                    .map(|doc| doc.decode(self.store.backend()))
                    .transpose()?;
                apply::plan_cancel(
                    &CancelContext {
                        device_id: device,
                        seq,
                        order_id: *order_id,
                        reason: reason.as_deref(),
                        now: received_at,
                        event_id: EventId::from_uuid(self.new_uuid()),
                        backend: self.store.backend(),
                    },
                    order,
                )
            }
        }
    }

    /// A page of the device's change feed after `cursor`, at most `limit` (1 to
    /// [`MAX_PULL_LIMIT`]) changes. Only the device itself may pull.
    pub fn sync_pull(
        &self,
        caller: &Caller,
        device: &DeviceId,
        cursor: PullCursor,
        limit: u32,
    ) -> Result<PullPage> {
        if !caller.is_device(device) {
            return Err(OrderlyError::Forbidden(format!(
                "{} may not pull for device {device}",
                caller.actor()
            )));
        }
        if !(1..=MAX_PULL_LIMIT).contains(&limit) {
            return Err(ValidationError::InvalidField {
                field: "limit".into(),
                reason: format!("must be between 1 and {MAX_PULL_LIMIT}, got {limit}"),
            }
            .into());
        }
        // One more than asked tells whether more follow.
        let mut rows = self.with_retry(|| {
            self.store
                .device_changes(device, cursor.change_seq(), limit + 1)
        })?;
        let has_more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next = rows
            .last()
            .map_or(cursor, |row| PullCursor::after(row.change_seq));
        Ok(PullPage {
            changes: rows.into_iter().map(|row| row.change).collect(),
            next_cursor: next.encode(),
            has_more,
        })
    }

    // ---- Device side ----

    /// The device this engine records operations for; `NotADevice` when it was opened
    /// without one.
    pub fn device_id(&self) -> Result<&DeviceId> {
        self.config.device.as_ref().ok_or(OrderlyError::NotADevice)
    }

    /// A push of the pending operations, oldest first, at most `max_ops` (and at most
    /// [`MAX_PUSH_OPERATIONS`]), stamped with this engine's clock.
    pub fn build_push(&self, max_ops: usize) -> Result<PushRequest> {
        let device = self.device_id()?;
        let limit = u32::try_from(max_ops.clamp(1, MAX_PUSH_OPERATIONS)).unwrap_or(500);
        let pending = self.with_retry(|| self.store.pending_operations(limit))?;
        device::build_push(device, self.clock.now(), &pending, self.store.backend())
    }

    /// Stores the results of a push's answer. Results for operations the log does not hold,
    /// or that already have one, are ignored; operations past `lastSeq` stay pending. Returns
    /// how many results were stored.
    pub fn apply_push_response(&self, response: &PushResponse) -> Result<u64> {
        self.device_id()?;
        let results: Vec<OperationResult> = response
            .results
            .iter()
            .filter(|r| r.seq <= response.last_seq)
            .cloned()
            .collect();
        if results.is_empty() {
            return Ok(0);
        }
        let now = self.clock.now();
        self.with_retry(|| self.store.record_operation_results(&results, now))
    }

    /// Applies a pull page to the local orders (each only if the change is newer, see
    /// [`device::apply_change`]) and stores its cursor, in one transaction. Returns how many
    /// local orders changed.
    pub fn apply_pull_page(&self, page: &PullPage) -> Result<usize> {
        self.device_id()?;
        PullCursor::parse(Some(&page.next_cursor))?;
        let attempts = self.config.store_retry.max_attempts.max(1) * 4;
        for _ in 0..attempts {
            // Per order: the version and status read, and the order after the page's changes.
            let mut updated: BTreeMap<OrderId, (u32, OrderStatus, Order)> = BTreeMap::new();
            for change in &page.changes {
                let current = match updated.get(&change.order_id) {
                    Some((_, _, order)) => Some(order.clone()),
                    None => self
                        .with_retry(|| self.store.order_document(&change.order_id))?
                        .map(|doc| doc.decode(self.store.backend()))
                        .transpose()?,
                };
                let Some(current) = current else { continue };
                if let Some(next) = device::apply_change(&current, change) {
                    let (from, status) = updated
                        .get(&change.order_id)
                        .map_or((current.version, current.status), |(from, status, _)| {
                            (*from, *status)
                        });
                    updated.insert(change.order_id, (from, status, next));
                }
            }
            let orders = updated
                .into_values()
                .map(|(from_version, from_status, order)| {
                    let document = crate::document::OrderDocument::encode(&order).map_err(|e| {
                        StoreError::new(
                            StoreErrorKind::Other,
                            self.store.backend(),
                            format!("order {} does not encode: {e}", order.id),
                        )
                    })?;
                    Ok(PulledOrder {
                        order_id: order.id,
                        user_id: order.user_id.clone(),
                        from_version,
                        rollup: RollupDelta::pulled(&order, from_status, order.status),
                        index: crate::search::index_entries(&order),
                        order,
                        document,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let count = orders.len();
            let write = PulledWrite {
                orders,
                cursor: page.next_cursor.clone(),
            };
            if self.with_retry(|| self.store.apply_pulled(&write))? {
                return Ok(count);
            }
        }
        Err(StoreError::new(
            StoreErrorKind::Contention,
            self.store.backend(),
            "local orders changed during each attempt to apply a pull page",
        )
        .into())
    }

    /// The device's log: pending operations, highest `seq`, pull cursor.
    pub fn sync_state(&self) -> Result<DeviceLogState> {
        self.device_id()?;
        self.with_retry(|| self.store.device_log_state())
    }

    /// The operations recorded for one order, with their results once known (an app shows a
    /// `needs_review` or `rejected` order this way).
    pub fn sync_operations_for_order(&self, order: &OrderId) -> Result<Vec<LoggedOperation>> {
        self.device_id()?;
        self.with_retry(|| self.store.operations_for_order(order))
    }

    /// Logged operations after `after_seq`, at most `limit`, with their results once known.
    pub fn sync_operations(&self, after_seq: u64, limit: u32) -> Result<Vec<LoggedOperation>> {
        self.device_id()?;
        self.with_retry(|| self.store.logged_operations(after_seq, limit))
    }
}
