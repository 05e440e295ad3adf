//! Request ids: taken from `X-Request-Id` when the client sends a sane one, generated (UUIDv7)
//! otherwise; recorded on the request's tracing span, returned on the response, and given to
//! the engine (through the `Caller`) so the Cart Service sees the same id. The middleware that
//! calls these is `around_request`.

use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::HeaderName;
use axum::response::Response;
use tracing::Span;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served (a request extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Accepts 1 to 128 characters of `A-Z a-z 0-9 - _ . :` so that ids are safe in logs and
    /// headers.
    pub fn parse(value: &str) -> Option<Self> {
        let ok = !value.is_empty()
            && value.len() <= 128
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        ok.then(|| RequestId(value.to_owned()))
    }

    pub fn generate() -> Self {
        RequestId(uuid::Uuid::now_v7().to_string())
    }
}

impl RequestId {
    /// The client's sane `X-Request-Id`, or a new one; kept on the request for the handlers.
    pub fn assign(request: &mut Request) -> RequestId {
        let id = request
            .headers()
            .get(&X_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .and_then(RequestId::parse)
            .unwrap_or_else(RequestId::generate);
        request.extensions_mut().insert(id.clone());
        id
    }

    /// The span every line logged while serving the request carries.
    pub fn span(&self, request: &Request) -> Span {
        tracing::info_span!(
            "request",
            request_id = %self.as_str(),
            method = %request.method(),
            path = %request.uri().path(),
            actor = tracing::field::Empty,
        )
    }

    /// Logs the one line per request and returns the id to the client.
    pub fn finish(&self, span: &Span, started: Instant, mut response: Response) -> Response {
        let status = response.status().as_u16();
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.in_scope(|| {
            if status == 500 {
                tracing::error!(status, elapsed_ms, "request failed");
            } else if status >= 500 {
                tracing::warn!(
                    status,
                    elapsed_ms,
                    "request failed: a dependency is unavailable"
                );
            } else {
                tracing::info!(status, elapsed_ms, "request served");
            }
        });
        if let Ok(value) = HeaderValue::from_str(self.as_str()) {
            response.headers_mut().insert(X_REQUEST_ID.clone(), value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_ids_are_kept() {
        assert!(RequestId::parse("abc-123_x.y:z").is_some());
        assert!(RequestId::parse("").is_none());
        assert!(RequestId::parse("a b").is_none());
        assert!(RequestId::parse("line\nbreak").is_none());
        assert!(RequestId::parse(&"x".repeat(129)).is_none());
        assert_eq!(RequestId::generate().as_str().len(), 36);
    }
}
