//! The device side of offline sync: `engine.sync(serverUrl, token)` and the by-hand calls
//! (`buildPush`, `applyPushResponse`, `applyPullPage`, `syncState`), each run on the libuv
//! thread pool and returning a Promise, and the plain objects they resolve with. A sync blocks
//! one pool thread while it talks to the server (at most its retry deadline per call).

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use orderly::store::DeviceLogState;
use orderly::sync::{MAX_PUSH_OPERATIONS, OperationResult, Outcome};

use crate::engine::Engine;
use crate::inputs::whole_field;
use crate::results::count;
use crate::task::{Job, run};

/// What the server did with a pushed operation.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    Accepted,
    AcceptedWithVariance,
    NeedsReview,
    Rejected,
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
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SyncResult {
    pub seq: i64,
    pub order_id: String,
    pub outcome: SyncOutcome,
    pub code: Option<String>,
    pub detail: Option<String>,
}

impl From<OperationResult> for SyncResult {
    fn from(r: OperationResult) -> Self {
        SyncResult {
            seq: count(r.seq),
            order_id: r.order_id.to_string(),
            outcome: r.outcome.into(),
            code: r.code,
            detail: r.detail,
        }
    }
}

/// What one sync did.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SyncReport {
    /// Operations whose result this sync received.
    pub pushed: i64,
    /// Those results, in `seq` order.
    pub results: Vec<SyncResult>,
    /// Changes received from the server's feed.
    pub changes_pulled: i64,
    /// Local orders those changes updated.
    pub orders_updated: i64,
    /// Operations still without a result.
    pub pending: i64,
}

impl From<orderly::SyncReport> for SyncReport {
    fn from(r: orderly::SyncReport) -> Self {
        SyncReport {
            pushed: count(r.pushed),
            results: r.results.into_iter().map(Into::into).collect(),
            changes_pulled: count(r.changes_pulled),
            orders_updated: count(r.orders_updated),
            pending: count(r.pending),
        }
    }
}

/// What the device's sync log holds.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SyncState {
    /// Operations without a result yet.
    pub pending: i64,
    /// The highest `seq` recorded (0 before any).
    pub last_recorded: i64,
    /// Where the next pull starts; absent before the first pull.
    pub cursor: Option<String>,
}

impl From<DeviceLogState> for SyncState {
    fn from(s: DeviceLogState) -> Self {
        SyncState {
            pending: count(s.pending),
            last_recorded: count(s.last_recorded),
            cursor: s.cursor,
        }
    }
}

#[napi]
impl Engine {
    /// The device id this engine records operations for; `null` unless opened with one.
    #[napi(getter)]
    pub fn device_id(&self) -> Option<String> {
        self.engine.device_id().map(|d| d.as_str().to_owned())
    }

    /// Pushes every pending operation to the sync server at `serverUrl` with the device token
    /// `token`, then pulls the server's changes to this device's orders. Rejects with code
    /// `sync_unavailable` when the server cannot be reached and `sync_unauthorized` when it
    /// refuses the token; nothing on the device is lost either way, so call again.
    #[napi(ts_return_type = "Promise<SyncReport>")]
    pub fn sync(&self, server_url: String, token: String) -> AsyncTask<Job<SyncReport>> {
        let engine = self.engine.clone();
        run(move || Ok(engine.sync(&server_url, &token)?.into()))
    }

    /// The body of the next `POST /sync/push` as JSON text: pending operations in `seq` order,
    /// at most `maxOperations` (1 to 500, default 500).
    #[napi(ts_return_type = "Promise<string>")]
    pub fn build_push(&self, max_operations: Option<f64>) -> AsyncTask<Job<String>> {
        let engine = self.engine.clone();
        run(move || {
            let max = match max_operations {
                None => MAX_PUSH_OPERATIONS,
                Some(n) => usize::try_from(whole_field("maxOperations", n)?.max(0)).unwrap_or(0),
            };
            Ok(engine.build_push_json(max)?)
        })
    }

    /// Stores the results of a push's answer (its JSON text); resolves with how many were new.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn apply_push_response(&self, json: String) -> AsyncTask<Job<i64>> {
        let engine = self.engine.clone();
        run(move || Ok(count(engine.apply_push_response_json(&json)?)))
    }

    /// Applies one `GET /sync/pull` page (its JSON text) to the local orders and keeps its
    /// cursor; resolves with how many local orders changed.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn apply_pull_page(&self, json: String) -> AsyncTask<Job<i64>> {
        let engine = self.engine.clone();
        run(move || {
            let updated = engine.apply_pull_page_json(&json)?;
            Ok(count(u64::try_from(updated).unwrap_or(u64::MAX)))
        })
    }

    /// Pending operations, the highest `seq` recorded and the pull cursor.
    #[napi(ts_return_type = "Promise<SyncState>")]
    pub fn sync_state(&self) -> AsyncTask<Job<SyncState>> {
        let engine = self.engine.clone();
        run(move || Ok(engine.sync_state()?.into()))
    }
}
