//! `POST /checkout`.

use axum::Json;
use axum::extract::State;

use crate::auth::Authenticated;
use crate::dto::{CheckoutBody, CheckoutDto};
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::state::AppState;
use crate::{blocking, carts};

/// Validates the cart, address and payment method and prices the order. The quote can be
/// ordered with its `checkoutId` until it expires.
#[utoipa::path(
    post,
    path = "/checkout",
    tag = "orders",
    request_body = CheckoutBody,
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The priced quote", body = CheckoutDto),
        (status = 403, description = "A customer checking out for another user"),
        (status = 422, description = "Invalid address or payment method (expired card, unsupported type, cash on delivery over its limit, ...), or an empty or invalid cart; `code` names the cause"),
        (status = 502, description = "The Cart Service sent a malformed answer"),
        (status = 503, description = "The Cart Service is unavailable or not configured"),
    )
)]
pub async fn checkout(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CheckoutBody>,
) -> Result<Json<CheckoutDto>, Problem> {
    let request = body.into_request()?;
    let service = carts::engine_for(&state, &caller, &request.user_id).await;
    let quote = blocking::run_with(&state, service, move |service| {
        service.checkout(&caller, &request)
    })
    .await?;
    Ok(Json(quote.into()))
}
