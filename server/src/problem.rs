//! RFC 9457 problem details: the one place where failures become HTTP responses.
//!
//! Every 4xx/5xx the server sends is `application/problem+json` with a stable `code`. Engine
//! errors are mapped here by their `ErrorKind`; request-framing failures (body, JSON, headers,
//! path and query values) are built here too, and `fallback` turns whatever the
//! framework answers on its own (unknown route, wrong method) into a problem as well.

use std::borrow::Cow;

use axum::Json;
use axum::body::Body;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER};
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use orderly::{ErrorKind, OrderlyError};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Prefix of the `type` URI; the code completes it (`urn:orderly:problem:not_found`).
const TYPE_PREFIX: &str = "urn:orderly:problem:";

/// An error response: status, stable code, and a human-readable detail.
#[derive(Debug, Clone)]
pub struct Problem {
    status: StatusCode,
    code: Cow<'static, str>,
    detail: String,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// The problem+json body (RFC 9457) with the `code` extension member.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
#[schema(
    as = Problem,
    example = json!({
        "type": "urn:orderly:problem:invalid_transition",
        "title": "Conflict",
        "status": 409,
        "detail": "cannot move an order from shipped to cancelled",
        "code": "invalid_transition"
    })
)]
pub struct ProblemBody {
    /// A URI naming the problem type: `urn:orderly:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP reason phrase of `status`.
    pub title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong in this occurrence, for people.
    pub detail: String,
    /// Stable machine-readable code, e.g. `invalid_transition`, `card_expired`.
    #[schema(pattern = "^[a-z0-9_]+$")]
    pub code: String,
}

impl Problem {
    /// A problem with `status`, the stable `code` clients match on, and a human `detail`.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            code: code.into(),
            detail: detail.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a response header (e.g. `WWW-Authenticate` on 401).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable, machine-readable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable explanation.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// A failure whose detail must not reach the client: the detail is logged, the client
    /// gets a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }

    /// Malformed request framing: a bad header, query or path value.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// Well-formed input that breaks a rule.
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// The server has more work waiting than it takes on: 503 `overloaded`, retry in a second.
    pub fn overloaded(detail: impl std::fmt::Display) -> Self {
        tracing::warn!(reason = %detail, "shedding load");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is busy; retry shortly",
        )
        .with_header(RETRY_AFTER, HeaderValue::from_static("1"))
    }

    /// The request took longer than the server gives one: 503 `request_timeout`.
    pub fn timed_out(limit: std::time::Duration) -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "request_timeout",
            format!(
                "the request was not answered within {} ms; retry shortly",
                limit.as_millis()
            ),
        )
        .with_header(RETRY_AFTER, HeaderValue::from_static("1"))
    }

    fn body(&self) -> ProblemBody {
        ProblemBody {
            problem_type: format!("{TYPE_PREFIX}{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body();
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        response
    }
}

/// The engine's errors, by kind. This is the only place an `OrderlyError` becomes a status.
impl From<OrderlyError> for Problem {
    fn from(err: OrderlyError) -> Self {
        let code = err.code();
        let status = match err.kind() {
            ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::StaleVersion => StatusCode::PRECONDITION_FAILED,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::UpstreamInvalid => StatusCode::BAD_GATEWAY,
            // Internal, and any kind this server predates.
            _ => return Problem::internal(&err),
        };
        // Dependency failures keep their detail (hosts, driver messages) in the logs.
        let detail = match &err {
            OrderlyError::Store(e) => {
                tracing::warn!(error = %e, "storage unavailable");
                "storage is temporarily unavailable; retry shortly".to_owned()
            }
            OrderlyError::CartUnavailable(m) => {
                tracing::warn!(error = %m, "cart service unavailable");
                "the cart service is unavailable; retry shortly".to_owned()
            }
            OrderlyError::CartMalformed(m) => {
                tracing::warn!(error = %m, "cart service sent a malformed answer");
                "the cart service sent an answer that does not follow its contract".to_owned()
            }
            other => other.to_string(),
        };
        let problem = Problem::new(status, code, detail);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            problem.with_header(RETRY_AFTER, HeaderValue::from_static("1"))
        } else {
            problem
        }
    }
}

/// The code used when the framework answered with a bare status.
fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// Any 4xx/5xx response that is not already a problem (an unknown route, a method the route
/// does not have, a framework rejection) becomes one, keeping its status and headers such as
/// `Allow`.
pub fn fallback(response: Response, method: &Method, uri: &Uri) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(&response) {
        return response;
    }
    let path = uri.path();
    let (mut parts, _body) = response.into_parts();
    let detail = match status {
        StatusCode::NOT_FOUND => format!("no resource at {path}"),
        StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not allowed on {path}"),
        s if s.is_server_error() => {
            tracing::error!(status = s.as_u16(), "bare server error");
            "an internal error occurred; it has been logged".to_owned()
        }
        s => s.canonical_reason().unwrap_or("request failed").to_owned(),
    };
    let problem = Problem::new(status, code_for_status(status), detail).into_response();
    let (problem_parts, body) = problem.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    for (name, value) in &problem_parts.headers {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, Body::new(body))
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use orderly::{StoreError, StoreErrorKind, ValidationError};

    #[test]
    fn engine_errors_map_by_kind() {
        let cases: Vec<(OrderlyError, u16, &str)> = vec![
            (ValidationError::CartEmpty.into(), 422, "cart_empty"),
            (OrderlyError::not_found("order", "x"), 404, "not_found"),
            (OrderlyError::Forbidden("no".into()), 403, "forbidden"),
            (
                OrderlyError::IdempotencyConflict,
                409,
                "idempotency_conflict",
            ),
            (
                OrderlyError::VersionConflict {
                    expected: 1,
                    actual: 2,
                },
                412,
                "version_conflict",
            ),
            (
                OrderlyError::CartUnavailable("down".into()),
                503,
                "cart_unavailable",
            ),
            (
                OrderlyError::CartMalformed("bad".into()),
                502,
                "cart_malformed",
            ),
            (
                StoreError::new(StoreErrorKind::Corrupt, "sqlite", "secret detail").into(),
                500,
                "internal",
            ),
        ];
        for (err, status, code) in cases {
            let p = Problem::from(err);
            assert_eq!(p.status().as_u16(), status);
            assert_eq!(p.code(), code);
            assert!(!p.detail().contains("secret"));
        }
    }
}
