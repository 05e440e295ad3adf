//! # orderly-server
//!
//! Orderly's REST server: the order API contract over the synchronous engine, on axum and
//! Tokio. Requests carry an HS256 bearer token whose claims become the engine's `Caller`
//! (the engine enforces ownership and roles); every error is RFC 9457 problem+json with a
//! stable `code` (see [`Problem`]); the OpenAPI 3.1 document is generated from the code and
//! served at `GET /openapi.json`; orders carry an `ETag` and honour `If-Match`; each request
//! gets an id that appears in the logs and is forwarded to the Cart Service; SIGTERM and
//! Ctrl-C stop the server once in-flight requests are answered.
//!
//! Its load is bounded ([`ServerLimits`]): carts are fetched asynchronously before the engine
//! call, engine calls run on a bounded pool that sheds what it cannot queue with 503
//! `overloaded`, every request has a timeout, and connections are capped, with header-read and
//! idle timeouts ([`ConnectionLimits`]).
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
//! `orderly-server token --sub alice --role customer --ttl 1h` for a token; [`run`] is its
//! whole `main`.
//!
//! ## The API
//!
//! The modules are private; what the crate offers is re-exported here: the router ([`app`],
//! [`serve`]) and its state ([`AppState`], [`Authenticator`], [`ServerLimits`], the Cart
//! Service client [`HttpCartSource`]), the Redis order cache ([`CachingStore`]), the outbox
//! relay ([`run_relay`], [`RelayConfig`], [`Envelope`]), the confirmation email worker
//! ([`run_notifier`]) and the webhook sender ([`run_webhook_sender`], [`WebhookSenderConfig`]).

#![warn(missing_docs)]

mod admin;
#[cfg(test)]
#[path = "../admin_stamp.rs"]
mod admin_stamp;
mod admission;
mod around_request;
mod auth;
mod blocking;
mod cache;
mod cart_client;
mod carts;
mod cli;
mod config;
mod connections;
mod dto;
mod etag;
mod extract;
mod fd_limit;
mod limits;
mod logging;
mod no_cart_service;
mod notify;
mod openapi;
mod problem;
mod read_pool;
mod relay;
mod request_id;
mod retention;
mod routes;
mod shutdown;
mod state;
mod timeout;
mod verified_tokens;
mod webhooks;

pub use admin::{AdminSecret, AdminSecretError};
pub use auth::{Authenticated, Authenticator};
pub use cache::CachingStore;
pub use cart_client::{HttpCartConfig, HttpCartSource};
pub use cli::run;
pub use connections::ConnectionLimits;
pub use limits::ServerLimits;
pub use no_cart_service::NoCartService;
pub use notify::{NotifyConfig, run as run_notifier};
pub use problem::Problem;
pub use relay::{Envelope, KafkaPublisher, RelayConfig, drain as drain_relay, run as run_relay};
pub use routes::app;
pub use state::AppState;
pub use webhooks::{SenderConfig as WebhookSenderConfig, run as run_webhook_sender};

/// Internals the integration tests (server/tests/it) reach for, re-exported for them alone:
/// not part of the API, and free to change with the tests.
#[doc(hidden)]
pub mod testing {
    pub use crate::fd_limit::raise_open_files_limit;
    pub use crate::notify::{WorkerStats, run_counting as run_notifier_counting};
    pub use crate::relay::{DEFAULT_TOPIC as RELAY_DEFAULT_TOPIC, LEASE_NAME as RELAY_LEASE_NAME};
    pub use crate::retention::{Purged, RetentionConfig, spawn, stop, sweep, sweep_as};
}

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
