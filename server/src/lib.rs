//! Orderly's REST server (axum): the order API, JWT auth, problem+json errors, OpenAPI.
pub mod cart_client;
