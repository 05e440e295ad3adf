//! The one middleware every request passes through: its id and span, its deadline, and
//! problem+json for bare errors, then the one log line.
//!
//! One layer rather than one per concern: each `from_fn` layer costs every request a clone of
//! the router below it and a boxed future, which showed as a tenth of a `GET /health`.

use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::request_id::RequestId;
use crate::{problem, timeout};

/// Serves `request` through `next` within `limit`.
pub async fn around_request(limit: Duration, mut request: Request, next: Next) -> Response {
    let id = RequestId::assign(&mut request);
    let span = id.span(&request);
    let started = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let response = async {
        let response = timeout::within(limit, &uri, next.run(request)).await;
        problem::fallback(response, &method, &uri)
    }
    .instrument(span.clone())
    .await;
    id.finish(&span, started, response)
}
