//! Webhook subscriptions for staff: create, list, read (with health), change, rotate the
//! secret, delete; each subscription's deliveries with their attempts, and redelivery.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use orderly::WebhookChange;
use orderly::service::DEFAULT_DELIVERY_PAGE;
use orderly::webhooks::{DeliveryPage, WebhookView};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::blocking;
use crate::dto::{WebhookBody, WebhookPatchBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, OptionalIdempotencyKeyHeader};
use crate::problem::Problem;
use crate::state::AppState;

fn webhook_id(raw: &str) -> Result<orderly::WebhookId, Problem> {
    Ok(orderly::parse::webhook_id(raw)?)
}

/// Creates a subscription (admin and service callers) and answers it with its signing
/// secret, shown this once. Deliveries are signed per the Standard Webhooks specification
/// (`webhook-id`, `webhook-timestamp`, `webhook-signature`); the body is the event's envelope.
/// With an `Idempotency-Key`, repeating the request answers the same subscription (200).
#[utoipa::path(
    post,
    path = "/webhooks",
    tag = "webhooks",
    request_body = WebhookBody,
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 printable ASCII characters: the same key makes one subscription however often it is sent", min_length = 1, max_length = 255, pattern = "^[ -~]{1,255}$"),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 201, description = "The subscription, with its secret", body = WebhookView),
        (status = 200, description = "The subscription an earlier request with this Idempotency-Key made, with its secret", body = WebhookView),
        (status = 400, description = "An invalid Idempotency-Key (`invalid_idempotency_key`), or malformed JSON"),
        (status = 403, description = "The caller is a customer or a device"),
        (status = 409, description = "The Idempotency-Key was used with a different request (`idempotency_conflict`)"),
        (status = 422, description = "Not an https URL (`invalid_webhook_url`), a private, loopback or link-local target (`webhook_target_refused`), an unknown event type (`unknown_event_type`), none (`no_event_types`), or a malformed secret (`invalid_webhook_secret`)"),
    )
)]
pub async fn create_webhook(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    OptionalIdempotencyKeyHeader(key): OptionalIdempotencyKeyHeader,
    ApiJson(body): ApiJson<WebhookBody>,
) -> Result<Response, Problem> {
    let (view, created) = blocking::run(&state, move |service| {
        service.create_webhook(
            &caller,
            &body.url,
            &body.event_types,
            body.secret.as_deref(),
            key.as_ref(),
        )
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)).into_response())
}

/// Every subscription with its health, oldest first (admin and service callers).
#[utoipa::path(
    get,
    path = "/webhooks",
    tag = "webhooks",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The subscriptions", body = Vec<WebhookView>),
        (status = 403, description = "The caller is a customer or a device"),
    )
)]
pub async fn list_webhooks(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
) -> Result<Json<Vec<WebhookView>>, Problem> {
    let views = blocking::read(&state, move |service| service.webhooks(&caller)).await?;
    Ok(Json(views))
}

/// One subscription with its health: status (`healthy`, `failing`, `disabled`), last
/// success, last failure and its reason, deliveries pending and the oldest one's age.
#[utoipa::path(
    get,
    path = "/webhooks/{webhookId}",
    tag = "webhooks",
    params(("webhookId" = String, Path, description = "The subscription's id")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The subscription", body = WebhookView),
        (status = 403, description = "The caller is a customer or a device"),
        (status = 404, description = "No such subscription"),
    )
)]
pub async fn get_webhook(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WebhookView>, Problem> {
    let id = webhook_id(&id)?;
    let view = blocking::read(&state, move |service| service.webhook(&caller, &id)).await?;
    Ok(Json(view))
}

/// Changes a subscription's URL, event types or enabled flag. A disabled subscription keeps
/// its pending deliveries and sends them when enabled again.
#[utoipa::path(
    patch,
    path = "/webhooks/{webhookId}",
    tag = "webhooks",
    request_body = WebhookPatchBody,
    params(("webhookId" = String, Path, description = "The subscription's id")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The subscription as changed", body = WebhookView),
        (status = 400, description = "Malformed JSON"),
        (status = 403, description = "The caller is a customer or a device"),
        (status = 404, description = "No such subscription"),
        (status = 422, description = "As for creating one; `code` names the rule"),
    )
)]
pub async fn update_webhook(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<WebhookPatchBody>,
) -> Result<Json<WebhookView>, Problem> {
    let id = webhook_id(&id)?;
    let view = blocking::run(&state, move |service| {
        let change = WebhookChange {
            url: body.url.as_deref(),
            event_types: body.event_types.as_deref(),
            enabled: body.enabled,
        };
        service.update_webhook(&caller, &id, &change)
    })
    .await?;
    Ok(Json(view))
}

/// Gives a subscription a new random signing secret and answers it, shown this once. For a
/// day the previous secret signs too (a second `v1,` signature), so receivers can switch over.
#[utoipa::path(
    post,
    path = "/webhooks/{webhookId}/rotate-secret",
    tag = "webhooks",
    params(("webhookId" = String, Path, description = "The subscription's id")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The subscription with its new secret", body = WebhookView),
        (status = 403, description = "The caller is a customer or a device"),
        (status = 404, description = "No such subscription"),
    )
)]
pub async fn rotate_secret(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WebhookView>, Problem> {
    let id = webhook_id(&id)?;
    let view = blocking::run(&state, move |service| {
        service.rotate_webhook_secret(&caller, &id, None)
    })
    .await?;
    Ok(Json(view))
}

/// Deletes a subscription with its deliveries and their log.
#[utoipa::path(
    delete,
    path = "/webhooks/{webhookId}",
    tag = "webhooks",
    params(("webhookId" = String, Path, description = "The subscription's id")),
    security(("bearerAuth" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The caller is a customer or a device"),
        (status = 404, description = "No such subscription"),
    )
)]
pub async fn delete_webhook(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, Problem> {
    let id = webhook_id(&id)?;
    blocking::run(&state, move |service| service.delete_webhook(&caller, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Page parameters of the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page.
    #[param(max_length = 64)]
    pub cursor: Option<String>,
}

/// A subscription's deliveries, newest first, each with every attempt (time, HTTP status or
/// error, latency, the start of the answer).
#[utoipa::path(
    get,
    path = "/webhooks/{webhookId}/deliveries",
    tag = "webhooks",
    params(
        ("webhookId" = String, Path, description = "The subscription's id"),
        DeliveryQuery,
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "One page of deliveries", body = DeliveryPage),
        (status = 403, description = "The caller is a customer or a device"),
        (status = 404, description = "No such subscription"),
        (status = 422, description = "limit out of 1..100 (`limit_out_of_range`) or a cursor this server did not issue (`invalid_cursor`)"),
    )
)]
pub async fn list_deliveries(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> Result<Json<DeliveryPage>, Problem> {
    let id = webhook_id(&id)?;
    let page = blocking::read(&state, move |service| {
        service.webhook_deliveries(
            &caller,
            &id,
            query.cursor.as_deref(),
            query.limit.unwrap_or(DEFAULT_DELIVERY_PAGE),
        )
    })
    .await?;
    Ok(Json(page))
}

/// Sends a delivery again: a new series of attempts from now, whatever became of it before.
/// The receiver gets the same `webhook-id`, so it can tell a repeat.
#[utoipa::path(
    post,
    path = "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
    tag = "webhooks",
    params(
        ("webhookId" = String, Path, description = "The subscription's id"),
        ("deliveryId" = String, Path, description = "The delivery's id (its event's id)"),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 202, description = "The delivery is due again"),
        (status = 403, description = "The caller is a customer or a device"),
        (status = 404, description = "No such subscription or delivery"),
    )
)]
pub async fn redeliver(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath((id, delivery)): ApiPath<(String, String)>,
) -> Result<StatusCode, Problem> {
    let id = webhook_id(&id)?;
    blocking::run(&state, move |service| {
        service.redeliver_webhook(&caller, &id, &delivery)
    })
    .await?;
    Ok(StatusCode::ACCEPTED)
}
