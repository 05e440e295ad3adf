//! The device side of offline sync: `sync(serverUrl:token:)` and the by-hand calls
//! (`buildPush`, `applyPushResponse`, `applyPullPage`, `syncState`), and the records they
//! return. Like every other call they block the calling thread, a sync for as long as it talks
//! to the server (each HTTP call is retried for at most 30 s): call it off the main thread.

use orderly::store::DeviceLogState;
use orderly::sync::{MAX_PUSH_OPERATIONS, OperationResult, Outcome};

use crate::engine::Engine;
use crate::errors::OrderlyError;

type Result<T, E = OrderlyError> = std::result::Result<T, E>;

/// What the server did with a pushed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SyncOutcome {
    /// Stored as captured.
    Accepted,
    /// Stored as captured; the server's own pricing differs (kept in the order's history).
    AcceptedWithVariance,
    /// Stored and flagged for staff.
    NeedsReview,
    /// Not stored; `code` says why.
    Rejected,
    /// The idempotency key is already used for a different order; nothing stored.
    Conflict,
}

impl From<Outcome> for SyncOutcome {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Accepted => SyncOutcome::Accepted,
            Outcome::AcceptedWithVariance => SyncOutcome::AcceptedWithVariance,
            Outcome::NeedsReview => SyncOutcome::NeedsReview,
            Outcome::Rejected => SyncOutcome::Rejected,
            Outcome::Conflict => SyncOutcome::Conflict,
        }
    }
}

/// The server's result for one pushed operation; `code` is set for every outcome but
/// `accepted`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SyncResult {
    pub seq: u64,
    pub order_id: String,
    pub outcome: SyncOutcome,
    pub code: Option<String>,
    pub detail: Option<String>,
}

impl From<OperationResult> for SyncResult {
    fn from(r: OperationResult) -> Self {
        SyncResult {
            seq: r.seq,
            order_id: r.order_id.to_string(),
            outcome: r.outcome.into(),
            code: r.code,
            detail: r.detail,
        }
    }
}

/// What one sync did: operations pushed and their results, changes pulled, local orders
/// updated, and operations still pending.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SyncReport {
    pub pushed: u64,
    pub results: Vec<SyncResult>,
    pub changes_pulled: u64,
    pub orders_updated: u64,
    pub pending: u64,
}

impl From<orderly::SyncReport> for SyncReport {
    fn from(r: orderly::SyncReport) -> Self {
        SyncReport {
            pushed: r.pushed,
            results: r.results.into_iter().map(Into::into).collect(),
            changes_pulled: r.changes_pulled,
            orders_updated: r.orders_updated,
            pending: r.pending,
        }
    }
}

/// What the device's sync log holds: operations without a result, the highest `seq`
/// recorded, and where the next pull starts (nil before the first pull).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SyncState {
    pub pending: u64,
    pub last_recorded: u64,
    pub cursor: Option<String>,
}

impl From<DeviceLogState> for SyncState {
    fn from(s: DeviceLogState) -> Self {
        SyncState {
            pending: s.pending,
            last_recorded: s.last_recorded,
            cursor: s.cursor,
        }
    }
}

#[uniffi::export]
impl Engine {
    /// The device id this engine records operations for; nil unless opened with one.
    pub fn device_id(&self) -> Option<String> {
        self.engine.device_id().map(|d| d.as_str().to_owned())
    }

    /// Pushes every pending operation to the sync server at `server_url` with the device
    /// token `token`, then pulls the server's changes to this device's orders. Throws
    /// `Unavailable` (`sync_unavailable`) when the server cannot be reached and `Forbidden`
    /// (`sync_unauthorized`) when it refuses the token; nothing on the device is lost either
    /// way, so call again.
    pub fn sync(&self, server_url: String, token: String) -> Result<SyncReport> {
        Ok(self.engine.sync(&server_url, &token)?.into())
    }

    /// The body of the next `POST /sync/push` as JSON text: pending operations in `seq`
    /// order, at most `max_operations` (1 to 500; 500 when nil).
    #[uniffi::method(default(max_operations = None))]
    pub fn build_push(&self, max_operations: Option<u32>) -> Result<String> {
        let max = max_operations.map_or(MAX_PUSH_OPERATIONS, |n| {
            usize::try_from(n).unwrap_or(MAX_PUSH_OPERATIONS)
        });
        Ok(self.engine.build_push_json(max)?)
    }

    /// Stores the results of a push's answer (its JSON text); returns how many were new.
    pub fn apply_push_response(&self, json: String) -> Result<u64> {
        Ok(self.engine.apply_push_response_json(&json)?)
    }

    /// Applies one `GET /sync/pull` page (its JSON text) to the local orders and keeps its
    /// cursor; returns how many local orders changed.
    pub fn apply_pull_page(&self, json: String) -> Result<u64> {
        let updated = self.engine.apply_pull_page_json(&json)?;
        Ok(u64::try_from(updated).unwrap_or(u64::MAX))
    }

    /// Pending operations, the highest `seq` recorded and the pull cursor.
    pub fn sync_state(&self) -> Result<SyncState> {
        Ok(self.engine.sync_state()?.into())
    }
}
