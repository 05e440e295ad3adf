//! Extractors that turn every malformed request into a problem with its own code: body size
//! (413), content type (415), JSON syntax (400), JSON shape (422), path and query values
//! (400), and the `Idempotency-Key` header (required or optional).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use http_body_util::BodyExt as _;
use orderly::validation::looks_like_card_number;
use orderly::{IdempotencyKey, OrderId};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::problem::Problem;

/// The largest request body accepted, in bytes; [`ApiJson`], the only extractor that reads a
/// body, enforces it.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON request body type, deserialized straight from the bytes.
pub trait ApiBody: DeserializeOwned {
    /// Gives specific codes to mistakes that serde would only call "invalid". Called only for
    /// a body that did not deserialize, on its JSON value, so a good body is parsed once.
    fn precheck(_value: &Value) -> Result<(), Problem> {
        Ok(())
    }
}

/// The largest sync push accepted (500 captured orders), in bytes.
pub const MAX_SYNC_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A JSON body, checked in the order a client would fix it: media type, size (at most `MAX`
/// bytes, [`MAX_BODY_BYTES`] unless a route says otherwise), syntax, shape.
#[derive(Debug, Clone)]
pub struct ApiJson<T, const MAX: usize = MAX_BODY_BYTES>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// How much of a body the server will not use (too large, wrong media type) it still reads and
/// throws away before answering, and for how long. A client that is still sending then reads
/// the answer; closing at once would make its kernel see a reset and lose the answer. Past
/// these bounds the connection is closed.
const DRAIN_BYTES: usize = 16 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(5);

fn too_large(max: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body must be at most {max} bytes"),
    )
}

/// The whole body, at most `max` bytes; a larger one is drained and refused.
async fn read_body(mut body: Body, max: usize) -> Result<Bytes, Problem> {
    let unreadable =
        || Problem::bad_request("unreadable_body", "the request body could not be read");
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| unreadable())?.into_data() else {
            continue;
        };
        if bytes.len() + data.len() > max {
            drain(body).await;
            return Err(too_large(max));
        }
        bytes.extend_from_slice(&data);
    }
    Ok(Bytes::from(bytes))
}

/// Reads and discards the rest of `body`, within [`DRAIN_BYTES`] and [`DRAIN_TIME`].
async fn drain(mut body: Body) {
    let discard = async {
        let mut left = DRAIN_BYTES;
        while let Some(Ok(frame)) = body.frame().await {
            let size = frame.data_ref().map_or(0, |d| d.len());
            if size >= left {
                return;
            }
            left -= size;
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, discard).await;
}

/// serde's message, unless it would echo something that looks like a card number.
fn shape_detail(err: &serde_json::Error) -> String {
    let message = err.to_string();
    if looks_like_card_number(&message) {
        "the request body does not have the expected shape".to_owned()
    } else {
        format!("the request body does not have the expected shape: {message}")
    }
}

impl<S, T, const MAX: usize> FromRequest<S> for ApiJson<T, MAX>
where
    S: Send + Sync,
    T: ApiBody,
{
    type Rejection = Problem;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Problem> {
        if !is_json(request.headers()) {
            drain(request.into_body()).await;
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = read_body(request.into_body(), MAX).await?;
        parse_body::<T>(&bytes).map(ApiJson)
    }
}

/// The body as `T`, parsed once. Only an object is a body: serde would also read a struct
/// from a JSON array, field by field in order.
fn parse_body<T: ApiBody>(bytes: &[u8]) -> Result<T, Problem> {
    let is_object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    match serde_json::from_slice::<T>(bytes) {
        Ok(body) if is_object => Ok(body),
        Ok(_) => Err(Problem::unprocessable(
            "invalid_body",
            "the request body must be a JSON object",
        )),
        Err(err) => Err(refusal::<T>(bytes, &err)),
    }
}

/// Why a body did not deserialize, in the order a client would fix it: JSON syntax, a body
/// that is not an object, the body type's specific codes, then its shape.
fn refusal<T: ApiBody>(bytes: &[u8], err: &serde_json::Error) -> Problem {
    let value = match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => value,
        Err(syntax) => {
            return Problem::bad_request(
                "malformed_json",
                format!("the request body is not valid JSON: {syntax}"),
            );
        }
    };
    if !value.is_object() {
        return Problem::unprocessable("invalid_body", "the request body must be a JSON object");
    }
    match T::precheck(&value) {
        Err(specific) => specific,
        Ok(()) => Problem::unprocessable("invalid_body", shape_detail(err)),
    }
}

/// Path parameters; a value that cannot be decoded is a 400.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|e| Problem::bad_request("invalid_path", e.body_text()))
    }
}

/// Query parameters; a value of the wrong type is a 400.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| Problem::bad_request("invalid_query", e.body_text()))
    }
}

/// An order id from the path. A malformed id cannot name an order, so it is a 404 like an
/// unknown one (the engine's boundary parser decides).
pub fn order_id(raw: &str) -> Result<OrderId, Problem> {
    Ok(orderly::parse::order_id(raw)?)
}

/// The required `Idempotency-Key` header.
pub fn idempotency_key(headers: &HeaderMap) -> Result<IdempotencyKey, Problem> {
    let invalid = |detail: &str| Problem::bad_request("invalid_idempotency_key", detail);
    let value = headers
        .get("idempotency-key")
        .ok_or_else(|| invalid("the Idempotency-Key header is required"))?;
    let text = value
        .to_str()
        .map_err(|_| invalid("the Idempotency-Key header must be printable ASCII"))?;
    IdempotencyKey::new(text).map_err(|_| {
        invalid("the Idempotency-Key header must be 1 to 255 printable ASCII characters")
    })
}

/// The required `Idempotency-Key` header, checked before the body is read.
#[derive(Debug, Clone)]
pub struct IdempotencyKeyHeader(pub IdempotencyKey);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKeyHeader {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        idempotency_key(&parts.headers).map(IdempotencyKeyHeader)
    }
}

/// An optional `Idempotency-Key` header: absent is `None`, present must be valid.
#[derive(Debug, Clone)]
pub struct OptionalIdempotencyKeyHeader(pub Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for OptionalIdempotencyKeyHeader {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        if parts.headers.contains_key("idempotency-key") {
            idempotency_key(&parts.headers).map(|key| OptionalIdempotencyKeyHeader(Some(key)))
        } else {
            Ok(OptionalIdempotencyKeyHeader(None))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn idempotency_keys_are_required_and_checked() {
        assert!(idempotency_key(&HeaderMap::new()).is_err());
        assert!(idempotency_key(&headers("idempotency-key", "k-1")).is_ok());
        assert_eq!(
            idempotency_key(&headers("idempotency-key", &"x".repeat(256)))
                .unwrap_err()
                .code(),
            "invalid_idempotency_key"
        );
    }

    /// A body type whose precheck names one mistake.
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Probe {
        #[allow(dead_code)]
        n: u8,
    }

    impl ApiBody for Probe {
        fn precheck(value: &Value) -> Result<(), Problem> {
            match value.get("n").and_then(Value::as_str) {
                Some("named") => Err(Problem::unprocessable("named_mistake", "n is named")),
                _ => Ok(()),
            }
        }
    }

    fn refused(body: &str) -> String {
        parse_body::<Probe>(body.as_bytes())
            .unwrap_err()
            .code()
            .to_owned()
    }

    #[test]
    fn a_refused_body_gets_the_code_a_client_would_fix_first() {
        assert_eq!(refused(r#"{"n": "#), "malformed_json");
        assert_eq!(
            refused("[1]"),
            "invalid_body",
            "a struct is not read from an array"
        );
        assert_eq!(refused(r#""text""#), "invalid_body");
        assert_eq!(refused(r#"{"n": "named"}"#), "named_mistake");
        assert_eq!(refused(r#"{"n": "other"}"#), "invalid_body");
        assert_eq!(refused(r#"{"n": 1, "m": 2}"#), "invalid_body");
        assert!(parse_body::<Probe>(b" \n{\"n\": 1}").is_ok());
    }

    #[test]
    fn json_media_types() {
        assert!(is_json(&headers("content-type", "application/json")));
        assert!(is_json(&headers(
            "content-type",
            "application/json; charset=utf-8"
        )));
        assert!(is_json(&headers(
            "content-type",
            "application/merge-patch+json"
        )));
        assert!(!is_json(&headers("content-type", "text/plain")));
        assert!(!is_json(&HeaderMap::new()));
    }
}
