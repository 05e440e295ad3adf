//! Offline sync: what the server keeps per device (its last applied `seq`, each operation's
//! result, the feed of changes to the orders it captured) and what a device keeps (its
//! identity, its log of operations and their results, its pull cursor). One trait for both
//! halves: the same schema is in every backend, and a store simply has no rows for the half it
//! does not play.

use crate::analytics::RollupDelta;
use crate::clock::Timestamp;
use crate::document::OrderDocument;
use crate::ids::{DeviceId, OrderId, UserId};
use crate::model::Order;
use crate::sync::{Change, OperationResult};

use super::{IdempotencyRecord, NewOrder, OrderChange, StoreResult};

/// A device's row on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceState {
    /// The highest operation `seq` applied (0 before any).
    pub last_seq: u64,
    /// The highest change sequence number in the device's feed (0 before any).
    pub change_seq: u64,
}

/// One operation applied on the server: its result, and what it writes with it, all in one
/// transaction that also advances the device's `last_seq` from `seq - 1` to `seq`.
#[derive(Debug, Clone)]
pub struct SyncWrite {
    /// The pushing device.
    pub device_id: DeviceId,
    /// The operation's `seq`; the device's `last_seq` must be `seq - 1`.
    pub seq: u64,
    /// The result stored and answered.
    pub result: OperationResult,
    /// When it was applied.
    pub at: Timestamp,
    /// The order a `place` stores (with its key, event and rollups), if it stores one.
    pub place: Option<NewOrder>,
    /// The change a `cancel` makes, if it makes one (with its event, rollups and feed entry).
    pub change: Option<OrderChange>,
}

/// What [`SyncStore::apply_sync_write`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SyncWriteOutcome {
    /// Everything was written.
    Applied,
    /// The device's `last_seq` is not `seq - 1` (another push got there first, or a gap);
    /// nothing written.
    SeqTaken {
        /// The device's `last_seq` as found.
        last_seq: u64,
    },
    /// The place's idempotency key is taken; nothing written.
    KeyTaken(IdempotencyRecord),
    /// What the write was planned from changed (a cancel's order is no longer at its version,
    /// or a place's order id was stored by another push); nothing written: plan again.
    Stale,
}

/// An entry of a device's change feed, written with an [`OrderChange`] to an order that
/// device captured. The store numbers it with the device's next change sequence number, in
/// the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// Whose feed.
    pub device_id: DeviceId,
    /// The change as pulled.
    pub change: Change,
}

/// A feed entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    /// Its position in the device's feed: 1, 2, 3, … with no gaps.
    pub change_seq: u64,
    /// The change.
    pub change: Change,
}

/// An operation a device engine records in the same transaction as the change it describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceOp {
    /// `place` or `cancel`.
    pub kind: &'static str,
    /// The order it is about.
    pub order_id: OrderId,
    /// The operation's body (`op` and its fields, without `seq`) as JSON.
    pub body: String,
}

/// An operation in a device's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedOperation {
    /// Its sequence number: 1, 2, 3, … with no gaps.
    pub seq: u64,
    /// `place` or `cancel`.
    pub kind: String,
    /// The order it is about.
    pub order_id: OrderId,
    /// Its body as JSON.
    pub body: String,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// The server's result, once known.
    pub result: Option<OperationResult>,
}

/// What a device's log holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceLogState {
    /// Operations without a result yet.
    pub pending: u64,
    /// The highest `seq` recorded (0 before any).
    pub last_recorded: u64,
    /// The pull cursor to resume from; `None` before the first pull.
    pub cursor: Option<String>,
}

/// A pulled change applied to a device's copy of an order.
#[derive(Debug, Clone)]
pub struct PulledOrder {
    /// The order.
    pub order_id: OrderId,
    /// Its owner.
    pub user_id: UserId,
    /// The local version the update was computed from; applied only if still current.
    pub from_version: u32,
    /// The order after the change.
    pub order: Order,
    /// `order`, encoded.
    pub document: OrderDocument,
    /// The change's deltas to the device's own analytics rollups.
    pub rollup: RollupDelta,
    /// The order's search index entries after the change (a tracking number staff added on
    /// the server is searchable on the device too).
    pub index: Vec<crate::search::IndexEntry>,
}

/// A pull page applied on a device: the orders it changes and the cursor to resume from, in
/// one transaction.
#[derive(Debug, Clone)]
pub struct PulledWrite {
    /// Local orders to update.
    pub orders: Vec<PulledOrder>,
    /// The page's `nextCursor`.
    pub cursor: String,
}

/// Sync state, server side and device side.
pub trait SyncStore: Send + Sync {
    // Server side.

    /// The device's row, if it ever pushed.
    fn device_state(&self, device: &DeviceId) -> StoreResult<Option<DeviceState>>;
    /// The stored result of the device's operation `seq`.
    fn sync_result(&self, device: &DeviceId, seq: u64) -> StoreResult<Option<OperationResult>>;
    /// Applies one operation: if the device's `last_seq` is `seq - 1`, writes the order or
    /// change (with key, event, rollups and feed entry), the result and the new `last_seq`,
    /// all or nothing.
    fn apply_sync_write(&self, write: &SyncWrite) -> StoreResult<SyncWriteOutcome>;
    /// Applies consecutive operations of one push in order, each all or nothing as
    /// [`apply_sync_write`](Self::apply_sync_write) does, and stops after the first that is
    /// not applied; the outcomes are in the same order, that one last. A store may commit the
    /// applied ones together (each in its own savepoint, one sync for all), so that a push
    /// pays for one commit rather than one per operation; none is answered before the commit
    /// that holds it. Callers give only operations whose plans do not depend on each other.
    fn apply_sync_writes(&self, writes: &[SyncWrite]) -> StoreResult<Vec<SyncWriteOutcome>> {
        let mut outcomes = Vec::with_capacity(writes.len());
        for write in writes {
            let outcome = self.apply_sync_write(write)?;
            let applied = outcome == SyncWriteOutcome::Applied;
            outcomes.push(outcome);
            if !applied {
                break;
            }
        }
        Ok(outcomes)
    }
    /// The device's feed after change `after`, oldest first, at most `limit` entries.
    fn device_changes(
        &self,
        device: &DeviceId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<FeedRow>>;

    // Device side.

    /// The device id this database belongs to, if it has one.
    fn device_identity(&self) -> StoreResult<Option<DeviceId>>;
    /// Gives the database the id `device` unless it has one; returns the id it has.
    fn claim_device_identity(&self, device: &DeviceId, at: Timestamp) -> StoreResult<DeviceId>;
    /// Operations without a result, in `seq` order, at most `limit`.
    fn pending_operations(&self, limit: u32) -> StoreResult<Vec<LoggedOperation>>;
    /// Logged operations after `after_seq`, with or without results, at most `limit`.
    fn logged_operations(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<LoggedOperation>>;
    /// The operations recorded for one order, in `seq` order.
    fn operations_for_order(&self, order: &OrderId) -> StoreResult<Vec<LoggedOperation>>;
    /// Stores results for logged operations that have none yet; returns how many it stored.
    /// Operations are never deleted.
    fn record_operation_results(
        &self,
        results: &[OperationResult],
        at: Timestamp,
    ) -> StoreResult<u64>;
    /// Pending count, highest `seq`, pull cursor.
    fn device_log_state(&self) -> StoreResult<DeviceLogState>;
    /// Updates local orders from a pull page and stores its cursor, in one transaction; false
    /// (nothing written) when an order is no longer at its `from_version`. An order the
    /// device does not hold is not in the write.
    fn apply_pulled(&self, write: &PulledWrite) -> StoreResult<bool>;
}
