//! `GET /order/{orderId}/timeline` and `POST /order/{orderId}/notes`: what staff see of an
//! order's life, and the internal notes they keep on it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use orderly::timeline::StaffNote;

use crate::auth::Authenticated;
use crate::blocking;
use crate::dto::{NoteBody, Timeline};
use crate::extract::{ApiJson, ApiPath, OptionalIdempotencyKeyHeader, order_id};
use crate::problem::Problem;
use crate::state::AppState;

/// The order's timeline (admin and service callers): its status milestones and its shipments'
/// steps, which customers see too, and the staff notes, which they never do, oldest first,
/// each with who and when.
#[utoipa::path(
    get,
    path = "/order/{orderId}/timeline",
    tag = "orders",
    params(("orderId" = String, Path, description = "The order id")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The timeline", body = Timeline),
        (status = 403, description = "The caller is a customer"),
        (status = 404, description = "No such order"),
    )
)]
pub async fn timeline(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Timeline>, Problem> {
    let id = order_id(&id)?;
    let entries = blocking::read(&state, move |service| service.timeline(&caller, &id)).await?;
    Ok(Json(Timeline {
        order_id: id.to_string(),
        entries,
    }))
}

/// Keeps an internal note on an order (admin and service callers); customers never see it.
/// With an `Idempotency-Key`, repeating the request keeps one note and answers with it again.
#[utoipa::path(
    post,
    path = "/order/{orderId}/notes",
    tag = "orders",
    request_body = NoteBody,
    params(
        ("orderId" = String, Path, description = "The order id"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 printable ASCII characters: the same key (for this order) keeps one note however often it is sent", min_length = 1, max_length = 255, pattern = "^[ -~]{1,255}$"),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 201, description = "The note as kept (also when an Idempotency-Key repeats it)", body = StaffNote),
        (status = 400, description = "An invalid Idempotency-Key (`invalid_idempotency_key`), or malformed JSON"),
        (status = 403, description = "The caller is a customer"),
        (status = 404, description = "No such order"),
        (status = 422, description = "Empty, too long, with control characters or a card number; `code` names it"),
    )
)]
pub async fn add_note(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    OptionalIdempotencyKeyHeader(key): OptionalIdempotencyKeyHeader,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<Response, Problem> {
    let id = order_id(&id)?;
    let note = blocking::run(&state, move |service| {
        service.add_staff_note(&caller, &id, &body.text, key.as_ref())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(note)).into_response())
}
