//! Every request has a deadline: past `--request-timeout` the client gets 503
//! `request_timeout` with `Retry-After` instead of waiting on.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;
use crate::state::AppState;

/// Middleware: answers with the handler's response, or with a timeout problem once the
/// request has taken longer than the server's request timeout. An engine call already handed
/// to a thread finishes there (its store retries end by their own deadline); only the wait
/// for it ends.
pub async fn request_timeout(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let limit = state.limits().request_timeout;
    let path = request.uri().path().to_owned();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%path, limit_ms = limit.as_millis() as u64, "request timed out");
            Problem::timed_out(limit).into_response()
        }
    }
}
