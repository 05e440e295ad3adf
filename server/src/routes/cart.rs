//! `GET /cart/{userId}`.

use axum::Json;
use axum::extract::State;
use orderly::{Cart, OrderlyError, UserId};

use crate::auth::Authenticated;
use crate::extract::ApiPath;
use crate::problem::Problem;
use crate::state::AppState;
use crate::{blocking, carts};

/// A user's cart from the Cart Service, validated and totalled. A user without a cart gets
/// an empty one.
#[utoipa::path(
    get,
    path = "/cart/{userId}",
    tag = "cart",
    params(("userId" = String, Path, description = "The user", pattern = "^[A-Za-z0-9_.@-]{1,64}$")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The cart", body = Cart),
        (status = 403, description = "A customer asking for another user's cart"),
        (status = 422, description = "Invalid user id, or the Cart Service sent a cart that breaks the rules"),
        (status = 502, description = "The Cart Service sent a malformed answer"),
        (status = 503, description = "The Cart Service is unavailable or not configured"),
    )
)]
pub async fn get_cart(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiPath(user): ApiPath<String>,
) -> Result<Json<Cart>, Problem> {
    let user = UserId::new(user).map_err(OrderlyError::from)?;
    let service = carts::engine_for(&state, &caller, &user).await;
    let cart =
        blocking::run_with(&state, service, move |service| service.cart(&caller, &user)).await?;
    Ok(Json(cart))
}
