//! What every handler shares: the engine, the token verifier and the OpenAPI document.

use std::sync::Arc;

use orderly::OrderService;

use crate::auth::Authenticator;

/// Cheap to clone: everything sits behind one `Arc`.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    service: OrderService,
    auth: Authenticator,
    openapi: String,
}

impl AppState {
    pub fn new(service: OrderService, auth: Authenticator) -> Self {
        AppState {
            inner: Arc::new(Inner {
                service,
                auth,
                openapi: crate::openapi::document_json(),
            }),
        }
    }

    /// The engine. Its calls block: run them through `blocking::run`.
    pub fn service(&self) -> &OrderService {
        &self.inner.service
    }

    pub fn auth(&self) -> &Authenticator {
        &self.inner.auth
    }

    /// The OpenAPI document, rendered once.
    pub fn openapi_json(&self) -> &str {
        &self.inner.openapi
    }
}
