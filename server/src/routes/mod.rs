//! The router: one module per resource, every handler a thin conversion around one engine
//! call.

pub mod analytics;
pub mod cart;
pub mod checkout;
pub mod health;
pub mod notes;
pub mod openapi;
pub mod orders;
pub mod search;
pub mod shipments;
pub mod status;
pub mod sync;
mod versioning;
pub mod webhooks;

use axum::Router;
use axum::http::Uri;
use axum::middleware;
use axum::routing::{get, post, put};

use crate::around_request::around_request;
use crate::problem::Problem;
use crate::state::AppState;

/// The whole API. Tests drive it with `tower::ServiceExt::oneshot`; `serve` puts it on a
/// socket.
pub fn app(state: AppState) -> Router {
    let request_timeout = state.limits().request_timeout;
    Router::new()
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/openapi.json", get(openapi::document))
        .route("/cart/{userId}", get(cart::get_cart))
        .route("/checkout", post(checkout::checkout))
        .route("/order", post(orders::place_order))
        .route(
            "/order/{orderId}",
            get(orders::get_order).delete(orders::cancel_order),
        )
        .route(
            "/order/{orderId}/status",
            get(status::get_status).put(status::put_status),
        )
        .route(
            "/order/{orderId}/shipments",
            post(shipments::create_shipment),
        )
        .route(
            "/order/{orderId}/shipments/{shipmentId}/status",
            put(shipments::update_shipment),
        )
        .route("/order/{orderId}/timeline", get(notes::timeline))
        .route("/order/{orderId}/notes", post(notes::add_note))
        .route("/orders", get(search::search_orders))
        // A static segment wins over a parameter: /orders/export is the export, and a user
        // named `export` cannot have their history read at /orders/{userId}.
        .route("/orders/export", get(search::export_orders))
        .route("/orders/{userId}", get(orders::list_orders))
        .route("/analytics/sales", get(analytics::sales))
        .route("/analytics/sales/daily", get(analytics::sales_daily))
        .route("/analytics/top-products", get(analytics::top_products))
        .route(
            "/analytics/orders-by-status",
            get(analytics::orders_by_status),
        )
        .route("/analytics/cancellations", get(analytics::cancellations))
        .route("/sync/push", post(sync::push))
        .route("/sync/pull", get(sync::pull))
        .route(
            "/webhooks",
            get(webhooks::list_webhooks).post(webhooks::create_webhook),
        )
        .route(
            "/webhooks/{webhookId}",
            get(webhooks::get_webhook)
                .patch(webhooks::update_webhook)
                .delete(webhooks::delete_webhook),
        )
        .route(
            "/webhooks/{webhookId}/rotate-secret",
            post(webhooks::rotate_secret),
        )
        .route(
            "/webhooks/{webhookId}/deliveries",
            get(webhooks::list_deliveries),
        )
        .route(
            "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
            post(webhooks::redeliver),
        )
        .merge(crate::admin::routes())
        .fallback(not_found)
        .layer(middleware::from_fn(move |request, next| {
            around_request(request_timeout, request, next)
        }))
        .with_state(state)
}

async fn not_found(uri: Uri) -> Problem {
    Problem::not_found(format!("no resource at {}", uri.path()))
}
