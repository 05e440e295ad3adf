//! ETag and If-Match: an order's ETag is its version, quoted, and `If-Match` pins a change to
//! the version the client last saw.

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::{ETAG, HeaderValue};
use axum::response::{IntoResponse, Response};
use orderly::{Caller, Order, OrderId, OrderService, OrderlyError};

use crate::dto::OrderDto;
use crate::extract::{IfMatch, etag};

/// The version a change must apply to, from `If-Match`. One tag pins that version (checked
/// atomically by the engine); several tags pin whichever of them is current.
pub fn expected_version(
    service: &OrderService,
    caller: &Caller,
    id: &OrderId,
    if_match: &IfMatch,
) -> Result<Option<u32>, OrderlyError> {
    match if_match {
        IfMatch::Any => Ok(None),
        IfMatch::Versions(versions) => match versions.as_slice() {
            [one] => Ok(Some(*one)),
            many => {
                let actual = service.order(caller, id)?.version;
                if many.contains(&actual) {
                    Ok(Some(actual))
                } else {
                    Err(OrderlyError::VersionConflict {
                        expected: many.first().copied().unwrap_or(0),
                        actual,
                    })
                }
            }
        },
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
