//! `POST /order`, `GET /order/{orderId}`, `DELETE /order/{orderId}` and
//! `GET /orders/{userId}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_LOCATION, HeaderValue, LOCATION};
use axum::response::Response;
use orderly::{Cancellation, HistoryRequest, Order, OrderPage, OrderlyError, UserId};
use serde::Deserialize;
use utoipa::IntoParams;

use super::versioning::{document_response, expected_version, json_response};
use crate::auth::Authenticated;
use crate::dto::{PlaceOrderBody, order_page_json, parse_status};
use crate::etag::IfMatchHeader;
use crate::extract::{ApiJson, ApiPath, ApiQuery, IdempotencyKeyHeader, order_id};
use crate::problem::Problem;
use crate::state::AppState;
use crate::{blocking, carts};

/// Places an order from the user's cart, or from a checkout quote. Exactly one order per
/// `Idempotency-Key` (scoped to the user): repeating the request returns the same order.
#[utoipa::path(
    post,
    path = "/order",
    tag = "orders",
    request_body = PlaceOrderBody,
    params(
        ("Idempotency-Key" = String, Header, description = "1 to 255 printable ASCII characters; the same key with the same body returns the same order", min_length = 1, max_length = 255, pattern = "^[ -~]{1,255}$"),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 201, description = "The order was placed", body = Order,
            headers(("Location" = String, description = "/order/{orderId}"), ("ETag" = String, description = "The order's version, quoted"))),
        (status = 200, description = "This key already placed this order: the same order again", body = Order,
            headers(("Content-Location" = String, description = "/order/{orderId}"), ("ETag" = String, description = "The order's version, quoted"))),
        (status = 400, description = "Missing or invalid Idempotency-Key (`invalid_idempotency_key`), or malformed JSON"),
        (status = 403, description = "A customer ordering for another user"),
        (status = 404, description = "Unknown checkoutId"),
        (status = 409, description = "The key was used with a different body (`idempotency_conflict`), the checkout expired (`checkout_expired`) or the cart changed since (`cart_changed`)"),
        (status = 422, description = "Invalid address, payment method or cart; `code` names the cause"),
        (status = 502, description = "The Cart Service sent a malformed answer"),
        (status = 503, description = "The Cart Service is unavailable or not configured"),
    )
)]
pub async fn place_order(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(body): ApiJson<PlaceOrderBody>,
) -> Result<Response, Problem> {
    let request = body.into_request()?;
    let service = carts::engine_for(&state, &caller, &request.user_id).await;
    let placement = blocking::run_with(&state, service, move |service| {
        service.place_order(&caller, &request, &key)
    })
    .await?;
    let location = format!("/order/{}", placement.document.id);
    let (status, header) = if placement.created {
        (StatusCode::CREATED, LOCATION)
    } else {
        (StatusCode::OK, CONTENT_LOCATION)
    };
    let mut response = document_response(status, placement.document);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header, value);
    }
    Ok(response)
}

/// One order. A customer sees only their own orders; anyone else's is a 404.
#[utoipa::path(
    get,
    path = "/order/{orderId}",
    tag = "orders",
    params(("orderId" = String, Path, description = "The order id")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The order", body = Order,
            headers(("ETag" = String, description = "The order's version, quoted"))),
        (status = 404, description = "No such order (or not the caller's)"),
    )
)]
pub async fn get_order(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Problem> {
    let id = order_id(&id)?;
    let document =
        blocking::read(&state, move |service| service.order_document(&caller, &id)).await?;
    Ok(document_response(StatusCode::OK, document))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancelQuery {
    /// Why the order is cancelled: one of `customer`, `inventory`, `fraud`,
    /// `payment_declined`, `staff`, `other` (counted in the analytics), or, without `note`, any
    /// other text, kept in the order's history as its note. Customers may give only
    /// `customer`; the default is `customer` for customers and `staff` for anyone else.
    #[param(max_length = 1000)]
    pub reason: Option<String>,
    /// A note kept in the order's history with the cancellation.
    #[param(max_length = 1000)]
    pub note: Option<String>,
}

/// Cancels an order from `placed` or `processing`, with a reason and a note. Cancelling a
/// cancelled order changes nothing; an order of which anything has shipped cannot be
/// cancelled.
#[utoipa::path(
    delete,
    path = "/order/{orderId}",
    tag = "orders",
    params(
        ("orderId" = String, Path, description = "The order id"),
        ("If-Match" = Option<String>, Header, description = "Cancel only if the order is still at this ETag: `*` or a list of ETags such as `\"3\"`"),
        CancelQuery,
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The order, now cancelled", body = Order,
            headers(("ETag" = String, description = "The order's version, quoted"))),
        (status = 403, description = "A customer giving a reason other than `customer`"),
        (status = 404, description = "No such order (or not the caller's)"),
        (status = 409, description = "Some or all of the order has shipped, or it was delivered (`invalid_transition`)"),
        (status = 412, description = "If-Match names no current ETag of the order (`version_conflict`); a value that is not `*` or a list of entity tags never matches"),
        (status = 422, description = "With `note`, a `reason` that is not one of the list (`invalid_field`), or an invalid note"),
    )
)]
pub async fn cancel_order(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    IfMatchHeader(if_match): IfMatchHeader,
    ApiQuery(query): ApiQuery<CancelQuery>,
) -> Result<Response, Problem> {
    let id = order_id(&id)?;
    let cancellation = Cancellation::from_request(query.reason.as_deref(), query.note.as_deref())
        .map_err(OrderlyError::from)?;
    let document = blocking::run(&state, move |service| {
        // A reason the caller may not give, or a note that breaks the rules, is refused
        // whatever If-Match says (as a customer is refused a status change).
        cancellation.resolve(&caller)?;
        let expected = expected_version(service, &caller, &id, &if_match)?;
        service.cancel_with(&caller, &id, &cancellation, expected)
    })
    .await?;
    Ok(document_response(StatusCode::OK, document))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
    /// Only orders in this status.
    #[param(inline, value_type = Option<orderly::OrderStatus>)]
    pub status: Option<String>,
}

/// A user's orders, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/orders/{userId}",
    tag = "orders",
    params(
        ("userId" = String, Path, description = "The user", pattern = "^[A-Za-z0-9_.@-]{1,64}$"),
        HistoryQuery,
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "One page of orders", body = OrderPage),
        (status = 403, description = "A customer asking for another user's history"),
        (status = 422, description = "limit out of 1..100 (`limit_out_of_range`), a cursor this server did not issue (`invalid_cursor`), an unknown status (`invalid_status`) or an invalid user id"),
    )
)]
pub async fn list_orders(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(user): ApiPath<String>,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Response, Problem> {
    let user = UserId::new(user).map_err(OrderlyError::from)?;
    let status = query.status.as_deref().map(parse_status).transpose()?;
    let request = HistoryRequest {
        limit: query.limit,
        cursor: query.cursor,
        status,
    };
    let page = blocking::read(&state, move |service| {
        service.order_documents_for_user(&caller, &user, &request)
    })
    .await?;
    Ok(json_response(order_page_json(page)))
}
