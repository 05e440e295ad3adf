//! The HTTP surface: `/carts/{userId}` (GET, PUT, DELETE), `/health`, and, when enabled, the
//! test-only admin endpoints `/_faults` and `/_requests`.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::cart::{Cart, is_valid_user_id};
use crate::faults::{FaultPlan, Faults};
use crate::problem::Problem;
use crate::state::{CartState, RequestRecord};

/// The header that carries a caller's request id; it is logged and echoed back.
pub const REQUEST_ID: &str = "x-request-id";

/// The service's router over `state`.
pub fn app(state: CartState) -> Router {
    let mut protected = Router::new().route(
        "/carts/{user_id}",
        get(get_cart).put(put_cart).delete(delete_cart),
    );
    if state.options().admin_endpoints {
        protected = protected
            .route(
                "/_faults",
                get(show_faults).post(set_faults).delete(clear_faults),
            )
            .route("/_requests", get(list_requests).delete(clear_requests));
    }
    let protected =
        protected.route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/health", get(health))
        .merge(protected)
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(state.clone(), log_request))
        .with_state(state)
}

async fn health(State(state): State<CartState>) -> Response {
    Json(json!({ "status": "ok", "carts": state.cart_count() })).into_response()
}

async fn get_cart(
    State(state): State<CartState>,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let user = match user_from_path(path) {
        Ok(user) => user,
        Err(problem) => return problem.into_response(),
    };
    let plan = state.take_fault_plan().unwrap_or_default();
    if plan.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(plan.delay_ms)).await;
    }
    if let Some(status) = plan.status {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return Problem::new(status, "injected_fault", "fault injected through /_faults")
            .into_response();
    }
    let cart = state.cart(&user);
    if plan.malformed {
        return json_response(StatusCode::OK, truncated(&user, cart.as_ref()));
    }
    match cart {
        Some(cart) => cart_response(StatusCode::OK, &cart, &plan),
        None => Problem::no_cart(&user).into_response(),
    }
}

async fn put_cart(
    State(state): State<CartState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match user_from_path(path) {
        Ok(user) => user,
        Err(problem) => return problem.into_response(),
    };
    if !is_json(&headers) {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the cart as application/json",
        )
        .into_response();
    }
    let cart = match parse_cart(&user, &body) {
        Ok(cart) => cart,
        Err(problem) => return problem.into_response(),
    };
    match state.put_cart(cart.clone()) {
        Ok(true) => cart_response(StatusCode::CREATED, &cart, &FaultPlan::default()),
        Ok(false) => cart_response(StatusCode::OK, &cart, &FaultPlan::default()),
        Err(_) => Problem::invalid_user_id().into_response(),
    }
}

async fn delete_cart(
    State(state): State<CartState>,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    match user_from_path(path) {
        Ok(user) if state.remove_cart(&user) => StatusCode::NO_CONTENT.into_response(),
        Ok(user) => Problem::no_cart(&user).into_response(),
        Err(problem) => problem.into_response(),
    }
}

async fn show_faults(State(state): State<CartState>) -> Response {
    Json(json!({ "faults": state.faults() })).into_response()
}

async fn set_faults(State(state): State<CartState>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(e) => {
            return Problem::new(StatusCode::BAD_REQUEST, "invalid_faults", e.to_string())
                .into_response();
        }
    };
    match state.set_faults(faults.clone()) {
        Ok(()) => Json(json!({ "faults": faults })).into_response(),
        Err(reason) => {
            Problem::new(StatusCode::BAD_REQUEST, "invalid_faults", reason).into_response()
        }
    }
}

async fn clear_faults(State(state): State<CartState>) -> StatusCode {
    state.clear_faults();
    StatusCode::NO_CONTENT
}

async fn list_requests(State(state): State<CartState>) -> Response {
    Json(state.requests()).into_response()
}

async fn clear_requests(State(state): State<CartState>) -> StatusCode {
    state.clear_requests();
    StatusCode::NO_CONTENT
}

async fn unknown_route() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// Refuses requests without the configured bearer token.
async fn require_token(State(state): State<CartState>, req: Request, next: Next) -> Response {
    if let Some(expected) = &state.options().auth_token {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if !presented.is_some_and(|token| same_secret(token.as_bytes(), expected.as_bytes())) {
            let mut response = Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid bearer token is required",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    next.run(req).await
}

/// Logs every request with its `X-Request-Id`, echoes that id, and keeps a record of it.
async fn log_request(State(state): State<CartState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let request_id = header_text(req.headers(), REQUEST_ID);
    let accept = header_text(req.headers(), header::ACCEPT.as_str());
    let echoed = req.headers().get(REQUEST_ID).cloned();
    let mut response = next.run(req).await;
    if let Some(id) = echoed {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    let status = response.status().as_u16();
    tracing::info!(
        method = %method,
        path = %path,
        status,
        request_id = request_id.as_deref().unwrap_or("-"),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    state.record(RequestRecord {
        method,
        path,
        request_id,
        accept,
        status,
    });
    response
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn user_from_path(path: Result<Path<String>, PathRejection>) -> Result<String, Problem> {
    match path {
        Ok(Path(user)) if is_valid_user_id(&user) => Ok(user),
        _ => Err(Problem::invalid_user_id()),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"))
}

/// Checks the shape only. A body without `userId` takes the path's; a different one is refused.
/// A missing `updatedAt` is set to now.
fn parse_cart(user: &str, body: &[u8]) -> Result<Cart, Problem> {
    let invalid = |detail: String| Problem::new(StatusCode::BAD_REQUEST, "invalid_cart", detail);
    let mut doc: Value = serde_json::from_slice(body).map_err(|e| invalid(e.to_string()))?;
    if let Value::Object(fields) = &mut doc {
        fields
            .entry("userId")
            .or_insert_with(|| Value::String(user.to_owned()));
    }
    let mut cart: Cart = serde_json::from_value(doc).map_err(|e| invalid(e.to_string()))?;
    if cart.user_id != user {
        return Err(invalid(format!(
            "body userId {:?} differs from the path's {user:?}",
            cart.user_id
        )));
    }
    if cart.updated_at.is_none() {
        cart.updated_at = now_rfc3339();
    }
    Ok(cart)
}

fn now_rfc3339() -> Option<String> {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).ok()?;
    now.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn cart_response(status: StatusCode, cart: &Cart, plan: &FaultPlan) -> Response {
    let mut doc = serde_json::to_value(cart).unwrap_or(Value::Null);
    if plan.numeric_prices {
        numeric_prices(&mut doc);
    }
    json_response(status, doc.to_string())
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The contract violation `numericPrices` injects: every `unitPrice` as a JSON number.
fn numeric_prices(doc: &mut Value) {
    let Some(items) = doc.get_mut("items").and_then(Value::as_array_mut) else {
        return;
    };
    for item in items {
        if let Some(price) = item.get_mut("unitPrice") {
            let number = price
                .as_str()
                .and_then(|s| s.parse::<serde_json::Number>().ok())
                .unwrap_or_else(|| serde_json::Number::from(0));
            *price = Value::Number(number);
        }
    }
}

/// The first half of the cart's JSON: what a crash mid-answer looks like.
fn truncated(user: &str, cart: Option<&Cart>) -> String {
    let full = match cart {
        Some(cart) => serde_json::to_string(cart).unwrap_or_default(),
        None => json!({ "userId": user, "currency": "USD", "items": [] }).to_string(),
    };
    let mut cut = full.len() / 2;
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    full.get(..cut).unwrap_or_default().to_owned()
}

/// Compares secrets in time independent of where they first differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
