//! The transactional outbox: events written with the change they describe, read by a relay
//! until delivered, then purged after a retention period.

use crate::clock::Timestamp;
use crate::events::OutboxEvent;
use crate::ids::EventId;

use super::StoreResult;

/// Outbox events.
pub trait OutboxStore: Send + Sync {
    /// Undelivered outbox events, oldest first, at most `limit`.
    fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxEvent>>;

    /// Marks events delivered; returns how many were pending.
    fn mark_delivered(&self, ids: &[EventId], at: Timestamp) -> StoreResult<u64>;

    /// Deletes at most `limit` events delivered before `delivered_before`; returns how many it
    /// deleted (fewer than `limit`: none are left). Pending events are never deleted.
    fn purge_delivered_events(&self, delivered_before: Timestamp, limit: u32) -> StoreResult<u64>;
}
