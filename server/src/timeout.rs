//! Every request has a deadline: past `--request-timeout` the client gets 503
//! `request_timeout` with `Retry-After` instead of waiting on.

use std::future::Future;
use std::time::Duration;

use axum::http::Uri;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// The handler's response, or a timeout problem once the request has taken longer than
/// `limit`. An engine call already handed to a thread finishes there (its store retries end
/// by their own deadline); only the wait for it ends.
pub async fn within(
    limit: Duration,
    uri: &Uri,
    answer: impl Future<Output = Response>,
) -> Response {
    match tokio::time::timeout(limit, answer).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path = %uri.path(), limit_ms = limit.as_millis() as u64, "request timed out");
            Problem::timed_out(limit).into_response()
        }
    }
}
