//! `POST /order/{orderId}/shipments` and `PUT /order/{orderId}/shipments/{shipmentId}/status`:
//! staff ship an order in one or more shipments; the order's status follows them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{HeaderValue, LOCATION};
use axum::response::Response;
use orderly::{Order, OrderlyError, ShipmentId};

use super::versioning::{document_response, expected_version};
use crate::auth::Authenticated;
use crate::blocking;
use crate::dto::{ShipmentBody, ShipmentStatusBody};
use crate::etag::IfMatchHeader;
use crate::extract::{ApiJson, ApiPath, OptionalIdempotencyKeyHeader, order_id};
use crate::problem::Problem;
use crate::state::AppState;

/// A shipment id from the path. A malformed id cannot name a shipment, so it is a 404 like an
/// unknown one.
fn shipment_id(raw: &str) -> Result<ShipmentId, Problem> {
    ShipmentId::parse(raw).ok_or_else(|| {
        OrderlyError::not_found("shipment", raw.chars().take(64).collect::<String>()).into()
    })
}

/// Adds a shipment to an order in `processing` or `partially_shipped` (admin and service
/// callers only): the given lines, or everything not yet in a shipment. The order becomes
/// `partially_shipped`, or `shipped` once every unit has shipped. With an `Idempotency-Key`,
/// repeating the request changes nothing and answers 201 with the order again, as it is now.
#[utoipa::path(
    post,
    path = "/order/{orderId}/shipments",
    tag = "orders",
    request_body = ShipmentBody,
    params(
        ("orderId" = String, Path, description = "The order id"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 printable ASCII characters: the same key (for this order) creates one shipment however often it is sent", min_length = 1, max_length = 255, pattern = "^[ -~]{1,255}$"),
        ("If-Match" = Option<String>, Header, description = "Apply only if the order is still at this ETag: `*` or a list of ETags such as `\"3\"`"),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 201, description = "The order with the shipment (also when an Idempotency-Key repeats a shipment already made)", body = Order,
            headers(("Location" = String, description = "/order/{orderId}"), ("ETag" = String, description = "The order's version, quoted"))),
        (status = 400, description = "An invalid Idempotency-Key (`invalid_idempotency_key`), or malformed JSON"),
        (status = 403, description = "The caller is a customer"),
        (status = 404, description = "No such order"),
        (status = 409, description = "More units than are left to ship (`shipment_exceeds_order`), an order that is not in processing or partially_shipped (`order_not_shippable`), or the key used for another shipment (`idempotency_conflict`)"),
        (status = 412, description = "If-Match names no current ETag of the order (`version_conflict`)"),
        (status = 422, description = "Lines, carrier, tracking number or link, status or note break a rule; `code` names it"),
    )
)]
pub async fn create_shipment(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    OptionalIdempotencyKeyHeader(key): OptionalIdempotencyKeyHeader,
    IfMatchHeader(if_match): IfMatchHeader,
    ApiJson(body): ApiJson<ShipmentBody>,
) -> Result<Response, Problem> {
    let id = order_id(&id)?;
    let request = body.into_request()?;
    let document = blocking::run(&state, move |service| {
        // Who may act is decided before If-Match is weighed, as for status changes.
        service.authorize_status_update(&caller)?;
        let expected = expected_version(service, &caller, &id, &if_match)?;
        service.create_shipment(&caller, &id, &request, key.as_ref(), expected)
    })
    .await?;
    let location = format!("/order/{}", document.id);
    let mut response = document_response(StatusCode::CREATED, document);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    Ok(response)
}

/// Moves a shipment (admin and service callers only): `pending` → `shipped` → `delivered`, or
/// `cancelled` while pending. The same state again changes nothing. The order's status
/// follows: `shipped` once every unit has shipped, `delivered` once every shipment is.
#[utoipa::path(
    put,
    path = "/order/{orderId}/shipments/{shipmentId}/status",
    tag = "orders",
    request_body = ShipmentStatusBody,
    params(
        ("orderId" = String, Path, description = "The order id"),
        ("shipmentId" = String, Path, description = "The shipment id"),
        ("If-Match" = Option<String>, Header, description = "Apply only if the order is still at this ETag: `*` or a list of ETags such as `\"3\"`"),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The order after the change", body = Order,
            headers(("ETag" = String, description = "The order's version, quoted"))),
        (status = 403, description = "The caller is a customer"),
        (status = 404, description = "No such order or shipment"),
        (status = 409, description = "The shipment machine does not allow this move (`invalid_shipment_transition`), or the order cannot ship (`order_not_shippable`)"),
        (status = 412, description = "If-Match names no current ETag of the order (`version_conflict`)"),
        (status = 422, description = "An unknown shipment status (`invalid_field`) or an invalid note"),
    )
)]
pub async fn update_shipment(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath((id, shipment)): ApiPath<(String, String)>,
    IfMatchHeader(if_match): IfMatchHeader,
    ApiJson(body): ApiJson<ShipmentStatusBody>,
) -> Result<Response, Problem> {
    let id = order_id(&id)?;
    let shipment = shipment_id(&shipment)?;
    let document = blocking::run(&state, move |service| {
        service.authorize_status_update(&caller)?;
        let expected = expected_version(service, &caller, &id, &if_match)?;
        service.update_shipment(
            &caller,
            &id,
            &shipment,
            body.status,
            body.note.as_deref(),
            expected,
        )
    })
    .await?;
    Ok(document_response(StatusCode::OK, document))
}
