//! The HTTP sync client of a device engine (feature `sync-client`): [`Embedded::sync`] pushes
//! every pending operation to `POST /sync/push` in batches, then pulls `GET /sync/pull` until
//! the server has nothing more, and reports what happened. Transient failures (connection
//! errors, timeouts, 502/503/504, 429) are retried under a [`RetryPolicy`]; whatever fails, the
//! log and the cursor on disk are left as they are, so the next call resumes: an interrupted
//! sync loses nothing and duplicates nothing.

use std::time::Duration;

use orderly_core::sync::{
    MAX_PUSH_OPERATIONS, OperationResult, Outcome, PullPage, PushRequest, PushResponse,
};
use orderly_core::{ErrorKind, OrderlyError, RetryPolicy, Timestamp};
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde::de::DeserializeOwned;

use crate::Embedded;

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Operations per push, 1 to 500. Default 500.
    pub batch: usize,
    /// Changes per pull page, 1 to 500. Default 500.
    pub pull_limit: u32,
    /// Retries of each HTTP call that failed transiently. Default: 5 attempts within 30 s,
    /// pauses from 200 ms to 5 s.
    pub retry: RetryPolicy,
    /// Time allowed for one HTTP call. Default 30 s.
    pub timeout: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            batch: MAX_PUSH_OPERATIONS,
            pull_limit: 500,
            retry: RetryPolicy::new(5, Duration::from_secs(30))
                .with_delays(Duration::from_millis(200), Duration::from_secs(5)),
            timeout: Duration::from_secs(30),
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Operations whose result this sync received (and stored).
    pub pushed: u64,
    /// Those results, in `seq` order; every outcome but `accepted` carries a code.
    pub results: Vec<OperationResult>,
    /// Changes received from the pull feed.
    pub changes_pulled: u64,
    /// Local orders those changes updated.
    pub orders_updated: u64,
    /// Operations still without a result (a gap, or pushed past by nothing).
    pub pending: u64,
}

impl SyncReport {
    /// The results whose outcome is not `accepted` (variance, review, rejected, conflict).
    pub fn not_accepted(&self) -> impl Iterator<Item = &OperationResult> {
        self.results
            .iter()
            .filter(|r| r.outcome != Outcome::Accepted)
    }
}

/// Why a sync stopped. Whatever it was, nothing on the device was lost: call again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncClientError {
    /// The server could not be reached or stayed unavailable through every retry.
    #[error("sync server unavailable: {0}")]
    Unavailable(String),
    /// The server refused the token (401) or its role or device (403).
    #[error("sync refused by the server ({status}): {detail}")]
    Unauthorized {
        /// The HTTP status.
        status: u16,
        /// The server's problem detail.
        detail: String,
    },
    /// The server refused the request (another 4xx), with its problem code.
    #[error("sync request refused ({status}, {code}): {detail}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's problem `code`.
        code: String,
        /// The server's problem detail.
        detail: String,
    },
    /// The server answered something that is not the sync contract.
    #[error("malformed sync answer: {0}")]
    Protocol(String),
    /// The local engine failed (its code says why).
    #[error(transparent)]
    Engine(#[from] OrderlyError),
}

impl SyncClientError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SyncClientError::Unavailable(_) => "sync_unavailable",
            SyncClientError::Unauthorized { .. } => "sync_unauthorized",
            SyncClientError::Refused { .. } => "sync_refused",
            SyncClientError::Protocol(_) => "sync_protocol",
            SyncClientError::Engine(e) => e.code(),
        }
    }

    /// The broad class of the failure, in the engine's terms, so that each front end maps a
    /// sync failure as it maps engine errors: `Unavailable` (retry later), `Forbidden` (the
    /// token), `Invalid` (a request the server refused), `UpstreamInvalid` (an answer that is
    /// not the contract), or the engine error's own kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            SyncClientError::Unavailable(_) => ErrorKind::Unavailable,
            SyncClientError::Unauthorized { .. } => ErrorKind::Forbidden,
            SyncClientError::Refused { .. } => ErrorKind::Invalid,
            SyncClientError::Protocol(_) => ErrorKind::UpstreamInvalid,
            SyncClientError::Engine(e) => e.kind(),
        }
    }

    fn is_transient(&self) -> bool {
        matches!(self, SyncClientError::Unavailable(_))
    }
}

impl Embedded {
    /// Syncs with the server at `server_url` (e.g. `https://orders.example.com`) using the
    /// device token `token`, with [`SyncOptions::default`].
    pub fn sync(&self, server_url: &str, token: &str) -> Result<SyncReport, SyncClientError> {
        self.sync_with(server_url, token, &SyncOptions::default())
    }

    /// Pushes pending operations in batches until none are pending or the server stops
    /// advancing, then pulls pages until `hasMore` is false. Blocks the calling thread (do
    /// not call it on an async runtime's worker).
    pub fn sync_with(
        &self,
        server_url: &str,
        token: &str,
        options: &SyncOptions,
    ) -> Result<SyncReport, SyncClientError> {
        self.service().device_id()?;
        let http = Http::new(server_url, token, options)?;
        let mut report = SyncReport::default();
        self.push_all(&http, options, &mut report)?;
        self.pull_all(&http, options, &mut report)?;
        report.pending = self.sync_state()?.pending;
        Ok(report)
    }

    fn push_all(
        &self,
        http: &Http,
        options: &SyncOptions,
        report: &mut SyncReport,
    ) -> Result<(), SyncClientError> {
        let batch = options.batch.clamp(1, MAX_PUSH_OPERATIONS);
        loop {
            let push = self.build_push(batch)?;
            if push.operations.is_empty() {
                return Ok(());
            }
            let answer: PushResponse = http.push(&push, || self.service().clock().now())?;
            let stored = self.apply_push_response(&answer)?;
            let sent: Vec<u64> = push.operations.iter().map(|op| op.seq).collect();
            let mut results: Vec<OperationResult> = answer
                .results
                .into_iter()
                .filter(|r| r.seq <= answer.last_seq && sent.contains(&r.seq))
                .collect();
            results.sort_by_key(|r| r.seq);
            report.pushed += stored;
            report.results.extend(results);
            // The server stopped advancing (a gap it cannot close): what is left stays
            // pending for the next sync.
            if stored == 0 {
                return Ok(());
            }
        }
    }

    fn pull_all(
        &self,
        http: &Http,
        options: &SyncOptions,
        report: &mut SyncReport,
    ) -> Result<(), SyncClientError> {
        let limit = options.pull_limit.clamp(1, 500);
        let mut cursor = self.sync_state()?.cursor;
        loop {
            let page: PullPage = http.pull(cursor.as_deref(), limit)?;
            report.changes_pulled += page.changes.len() as u64;
            report.orders_updated += self.apply_pull_page(&page)? as u64;
            let advanced = cursor.as_deref() != Some(page.next_cursor.as_str());
            if !page.has_more || !advanced {
                return Ok(());
            }
            cursor = Some(page.next_cursor);
        }
    }
}

struct Http<'a> {
    client: Client,
    base: String,
    token: &'a str,
    retry: RetryPolicy,
}

impl<'a> Http<'a> {
    fn new(base: &str, token: &'a str, options: &SyncOptions) -> Result<Self, SyncClientError> {
        let client = Client::builder()
            .timeout(options.timeout)
            .build()
            .map_err(|e| SyncClientError::Unavailable(e.to_string()))?;
        Ok(Http {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token,
            retry: options.retry,
        })
    }

    /// Sends `push`, each attempt stamped with the device's clock as it is sent: the server
    /// corrects capture times by the offset between its clock and `deviceTime`, to which a
    /// retry's pause would otherwise be added.
    fn push(
        &self,
        push: &PushRequest,
        now: impl Fn() -> Timestamp,
    ) -> Result<PushResponse, SyncClientError> {
        let url = format!("{}/sync/push", self.base);
        self.call(|| {
            let mut sent = push.clone();
            sent.device_time = now();
            self.client.post(&url).json(&sent)
        })
    }

    fn pull(&self, cursor: Option<&str>, limit: u32) -> Result<PullPage, SyncClientError> {
        let url = format!("{}/sync/pull", self.base);
        let limit = limit.to_string();
        self.call(|| {
            let mut query = vec![("limit", limit.as_str())];
            if let Some(c) = cursor {
                query.push(("cursor", c));
            }
            self.client.get(&url).query(&query)
        })
    }

    fn call<T: DeserializeOwned>(
        &self,
        request: impl Fn() -> RequestBuilder,
    ) -> Result<T, SyncClientError> {
        self.retry.run(SyncClientError::is_transient, |_| {
            let response = request()
                .bearer_auth(self.token)
                .send()
                .map_err(|e| SyncClientError::Unavailable(e.to_string()))?;
            answer(response)
        })
    }
}

fn answer<T: DeserializeOwned>(response: Response) -> Result<T, SyncClientError> {
    let status = response.status();
    if status.is_success() {
        // A body cut short by a dropped connection is a transport failure, worth retrying.
        let bytes = response
            .bytes()
            .map_err(|e| SyncClientError::Unavailable(e.to_string()))?;
        return serde_json::from_slice(&bytes)
            .map_err(|e| SyncClientError::Protocol(e.to_string()));
    }
    let transient = matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    );
    let problem: serde_json::Value = response.json().unwrap_or_default();
    let field = |name: &str| {
        problem
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let detail = field("detail");
    if transient {
        return Err(SyncClientError::Unavailable(format!("{status}: {detail}")));
    }
    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        return Err(SyncClientError::Unauthorized {
            status: status.as_u16(),
            detail,
        });
    }
    if status.is_server_error() {
        return Err(SyncClientError::Unavailable(format!("{status}: {detail}")));
    }
    Err(SyncClientError::Refused {
        status: status.as_u16(),
        code: field("code"),
        detail,
    })
}
