//! `GET /order/{orderId}/status` and `PUT /order/{orderId}/status`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{ETAG, HeaderValue};
use axum::response::{IntoResponse, Response};
use orderly::{Order, StatusUpdate, StatusView};

use super::versioning::{document_response, expected_version};
use crate::auth::Authenticated;
use crate::blocking;
use crate::dto::StatusBody;
use crate::etag::{IfMatchHeader, etag};
use crate::extract::{ApiJson, ApiPath, order_id};
use crate::problem::Problem;
use crate::state::AppState;

/// The order's status and every milestone, oldest first, starting with `placed`.
#[utoipa::path(
    get,
    path = "/order/{orderId}/status",
    tag = "orders",
    params(("orderId" = String, Path, description = "The order id")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Status and history", body = StatusView,
            headers(("ETag" = String, description = "The order's version, quoted"))),
        (status = 404, description = "No such order (or not the caller's)"),
    )
)]
pub async fn get_status(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Problem> {
    let id = order_id(&id)?;
    let view = blocking::read(&state, move |service| service.status(&caller, &id)).await?;
    let tag = etag(view.version);
    let mut response = Json(view).into_response();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(ETAG, value);
    }
    Ok(response)
}

/// Moves an order along placed → processing → shipped → delivered, or cancels it from placed
/// or processing (admin and service callers only). Setting the current status again changes
/// nothing.
#[utoipa::path(
    put,
    path = "/order/{orderId}/status",
    tag = "orders",
    request_body = StatusBody,
    params(
        ("orderId" = String, Path, description = "The order id"),
        ("If-Match" = Option<String>, Header, description = "Apply only if the order is still at this ETag: `*` or a list of ETags such as `\"3\"`"),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The order after the change", body = Order,
            headers(("ETag" = String, description = "The order's version, quoted"))),
        (status = 403, description = "The caller is a customer"),
        (status = 404, description = "No such order"),
        (status = 409, description = "The status machine does not allow this move (`invalid_transition`)"),
        (status = 412, description = "If-Match names no current ETag of the order (`version_conflict`); a value that is not `*` or a list of entity tags never matches"),
        (status = 422, description = "An unknown status (`invalid_status`) or an invalid note"),
    )
)]
pub async fn put_status(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    IfMatchHeader(if_match): IfMatchHeader,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Response, Problem> {
    let id = order_id(&id)?;
    let to = body.status;
    let note = body.note;
    let order = blocking::run(&state, move |service| {
        // Who may act is decided before If-Match is weighed: a customer is refused with 403
        // whatever the header says.
        service.authorize_status_update(&caller)?;
        let update = StatusUpdate {
            note,
            expected_version: expected_version(service, &caller, &id, &if_match)?,
        };
        service.update_status_document(&caller, &id, to, &update)
    })
    .await?;
    Ok(document_response(StatusCode::OK, order))
}
