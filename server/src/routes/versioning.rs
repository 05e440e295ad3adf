//! Applying `If-Match` to a change, and answering with an order and its ETag.

use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, ETAG, HeaderValue};
use axum::response::{IntoResponse, Response};
use orderly::{Caller, OrderDocument, OrderId, OrderService, OrderlyError};

use crate::etag::{IfMatch, etag};

/// What axum's `Json` sends, for bodies that are JSON already.
static JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The version a change must apply to. One usable tag is pinned as is (the engine checks it
/// atomically, after checking that the order exists); any other list is compared with the
/// order's current version, which must exist and be among the tags (else 412).
pub fn expected_version(
    service: &OrderService,
    caller: &Caller,
    id: &OrderId,
    if_match: &IfMatch,
) -> Result<Option<u32>, OrderlyError> {
    if matches!(if_match, IfMatch::Any) {
        return Ok(None);
    }
    if let Some(version) = if_match.single_version() {
        return Ok(Some(version));
    }
    let actual = service.order_document(caller, id)?.version;
    let versions = if_match.versions();
    if versions.contains(&actual) {
        Ok(Some(actual))
    } else {
        Err(OrderlyError::VersionConflict {
            expected: versions.first().copied().unwrap_or(0),
            actual,
        })
    }
}

/// A stored order as the body, passed on as stored (it is the API's JSON), with its ETag.
/// Reads and writes alike answer with the document the engine encoded once.
pub fn document_response(status: StatusCode, document: OrderDocument) -> Response {
    let version = document.version;
    let mut response = json_response(document.into_json());
    *response.status_mut() = status;
    with_etag(response, version)
}

/// A 200 whose body is `json`, already encoded, sent as axum's `Json` would send it.
pub fn json_response(json: String) -> Response {
    ([(CONTENT_TYPE, JSON.clone())], json).into_response()
}

fn with_etag(mut response: Response, version: u32) -> Response {
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}
