//! `POST /sync/push` and `GET /sync/pull`: offline capture and sync for devices (JWT role
//! `device`, `sub` the device id), as the sync contract fixes them. Business outcomes are
//! per-operation results in a 200; only a malformed push (400/422), a caller that may not sync
//! for the device (403) and a transient failure (503) are errors.

use axum::Json;
use axum::extract::State;
use orderly::service::DEFAULT_PULL_LIMIT;
use orderly::sync::{IncomingPush, PullPage, PushRequest, PushResponse};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::blocking;
use crate::extract::{ApiBody, ApiJson, ApiQuery, MAX_SYNC_BODY_BYTES};
use crate::problem::Problem;
use crate::state::AppState;

impl ApiBody for IncomingPush {
    fn precheck(value: &Value) -> Result<(), Problem> {
        let too_many = value
            .get("operations")
            .and_then(Value::as_array)
            .is_some_and(|ops| ops.len() > orderly::sync::MAX_PUSH_OPERATIONS);
        if too_many {
            return Err(Problem::from(orderly::OrderlyError::from(
                orderly::ValidationError::TooManyOperations {
                    count: value
                        .get("operations")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len),
                    max: orderly::sync::MAX_PUSH_OPERATIONS,
                },
            )));
        }
        Ok(())
    }
}

/// Applies a device's operations in `seq` order, each exactly once, and answers one result per
/// operation received (an operation already applied answers its stored result; the first one
/// after a gap stops the push, and `lastSeq` says where to resume). Retrying a whole push is
/// always safe.
#[utoipa::path(
    post,
    path = "/sync/push",
    tag = "sync",
    request_body = PushRequest,
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "One result per operation applied now or before", body = PushResponse),
        (status = 403, description = "The caller is not a device, or not the device named by `deviceId`"),
        (status = 422, description = "A malformed push: an invalid `deviceId` (`invalid_device_id`) or `deviceTime` (`invalid_field`), more than 500 operations (`too_many_operations`), `seq`s not starting at 1 or not increasing (`invalid_field`)"),
        (status = 503, description = "The store is unavailable; retry the same push"),
    )
)]
pub async fn push(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<IncomingPush, MAX_SYNC_BODY_BYTES>,
) -> Result<Json<PushResponse>, Problem> {
    state.service().authorize_sync(&caller)?;
    let push = body.check().map_err(orderly::OrderlyError::from)?;
    let answer = blocking::run(&state, move |service| service.sync_push(&caller, &push)).await?;
    Ok(Json(answer))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// Where to start: a `nextCursor` from an earlier page; absent, from the beginning.
    #[param(pattern = "^c(0|[1-9][0-9]{0,18})$")]
    pub cursor: Option<String>,
    /// Changes per page, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Every change made on the server to orders this device pushed (status changes,
/// cancellations, review decisions), oldest first, from `cursor`.
#[utoipa::path(
    get,
    path = "/sync/pull",
    tag = "sync",
    params(PullQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of changes", body = PullPage),
        (status = 400, description = "limit is not a number"),
        (status = 403, description = "The caller is not a device"),
        (status = 422, description = "A cursor this server did not issue (`invalid_cursor`) or a limit outside 1 to 500 (`invalid_field`)"),
        (status = 503, description = "The store is unavailable; retry"),
    )
)]
pub async fn pull(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> Result<Json<PullPage>, Problem> {
    let device = state.service().authorize_sync(&caller)?;
    let cursor = orderly::parse::pull_cursor(query.cursor.as_deref())
        .map_err(orderly::OrderlyError::from)?;
    let limit = match query.limit {
        None => DEFAULT_PULL_LIMIT,
        Some(n) => u32::try_from(n).unwrap_or(0),
    };
    let page = blocking::read(&state, move |service| {
        service.sync_pull(&caller, &device, cursor, limit)
    })
    .await?;
    Ok(Json(page))
}
