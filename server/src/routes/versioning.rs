//! Applying `If-Match` to a change, and answering with an order and its ETag.

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::{ETAG, HeaderValue};
use axum::response::{IntoResponse, Response};
use orderly::{Caller, Order, OrderId, OrderService, OrderlyError};

use crate::dto::OrderDto;
use crate::etag::{IfMatch, etag};

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
    let actual = service.order(caller, id)?.version;
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

/// An order as the body, with its ETag.
pub fn order_response(status: StatusCode, order: Order) -> Response {
    let tag = etag(order.version);
    let mut response = (status, Json(OrderDto::from(order))).into_response();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}
