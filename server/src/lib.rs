//! # orderly-server
//!
//! Orderly's REST server: the order API contract over the synchronous engine, on axum and
//! Tokio. Requests carry an HS256 bearer token whose claims become the engine's `Caller`
//! (the engine enforces ownership and roles); every error is RFC 9457 problem+json with a
//! stable `code` (see [`problem`]); the OpenAPI 3.1 document is generated from the code and
//! served at `GET /openapi.json`; orders carry an `ETag` and honour `If-Match`; each request
//! gets an id that appears in the logs and is forwarded to the Cart Service; SIGTERM and
//! Ctrl-C stop the server once in-flight requests are answered.
//!
//! Its load is bounded ([`limits::ServerLimits`]): carts are fetched asynchronously before the
//! engine call ([`carts`]), engine calls run on a bounded pool that sheds what it cannot queue
//! with 503 `overloaded` ([`blocking`]), every request has a timeout ([`timeout`]), and
//! connections are capped, with header-read and idle timeouts ([`connections`]).
//!
//! ## Quick start
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use orderly::{InMemoryCarts, OrderService, Role};
//! use orderly_server::{AppState, Authenticator, app};
//! use tower::ServiceExt as _;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = orderly::open_store("sqlite::memory:")?;
//! let service = OrderService::builder(store, Arc::new(InMemoryCarts::new())).build();
//! let auth = Authenticator::new(b"a-secret-of-at-least-thirty-two-bytes")?;
//! let token = auth.issue("alice", Role::Customer, Duration::from_secs(3600))?;
//! let router = app(AppState::new(service, auth));
//!
//! let request = axum::http::Request::get("/cart/alice")
//!     .header("authorization", format!("Bearer {token}"))
//!     .body(axum::body::Body::empty())?;
//! let response = router.oneshot(request).await?;
//! assert_eq!(response.status(), 200); // alice has no cart yet: 200 with no items
//! # Ok(())
//! # }
//! ```
//!
//! The binary: `orderly-server --jwt-secret ... --cart-url http://127.0.0.1:8081`, and
//! `orderly-server token --sub alice --role customer --ttl 1h` for a token.

pub mod admission;
pub mod auth;
pub mod blocking;
pub mod cache;
pub mod cart_client;
pub mod carts;
pub mod config;
pub mod connections;
pub mod dto;
pub mod etag;
pub mod extract;
pub mod fd_limit;
pub mod limits;
pub mod logging;
pub mod no_cart_service;
pub mod notify;
pub mod openapi;
pub mod problem;
pub mod read_pool;
pub mod relay;
pub mod request_id;
pub mod retention;
pub mod routes;
pub mod shutdown;
pub mod state;
pub mod timeout;

pub use auth::{Authenticated, Authenticator};
pub use no_cart_service::NoCartService;
pub use problem::Problem;
pub use routes::app;
pub use state::AppState;

/// Serves the API on `listener` under the state's connection limits until `shutdown`
/// resolves, then stops accepting connections and returns once every in-flight request has
/// been answered.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits().connections;
    connections::serve(listener, app(state), limits, shutdown).await
}
