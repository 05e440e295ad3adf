//! `GET /health` (no token) and `GET /ready` (the store answers, and whether its database is
//! set up durably).

use axum::Json;
use axum::extract::State;

use crate::auth::Authenticated;
use crate::blocking;
use crate::dto::{Health, Ready};
use crate::problem::Problem;
use crate::state::AppState;

/// The server accepts requests.
#[utoipa::path(
    get,
    path = "/health",
    tag = "health",
    responses((status = 200, description = "The server is up", body = Health))
)]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The store answers (any authenticated caller). The answer also lists the database settings
/// that let an acknowledged order be lost (`warnings`, empty when durable); the server is
/// ready either way.
#[utoipa::path(
    get,
    path = "/ready",
    tag = "health",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The store answers; `warnings` lists database settings \
            weaker than durable (empty when none)", body = Ready),
        (status = 503, description = "The store does not answer"),
    )
)]
pub async fn ready(
    Authenticated(_caller): Authenticated,
    State(state): State<AppState>,
) -> Result<Json<Ready>, Problem> {
    let store = state.service().store().backend();
    let warnings = blocking::read(&state, |service| {
        service.ready()?;
        service.durability_warnings()
    })
    .await?;
    Ok(Json(Ready {
        status: "ready",
        store,
        warnings,
    }))
}
