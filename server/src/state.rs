//! What every handler shares: the engine, the token verifier, the read threads and the
//! OpenAPI document.

use std::sync::Arc;

use orderly::OrderService;

use crate::auth::Authenticator;
use crate::read_pool::{ReadPool, default_read_threads};

/// Cheap to clone: everything sits behind one `Arc`.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    service: OrderService,
    auth: Authenticator,
    reads: ReadPool,
    openapi: String,
}

impl AppState {
    /// The state with the [`default_read_threads`] for the service's store.
    ///
    /// # Panics
    /// If the operating system refuses to start a thread; see [`AppState::with_read_threads`].
    #[allow(clippy::expect_used)] // Only a machine out of threads fails here, at start-up.
    pub fn new(service: OrderService, auth: Authenticator) -> Self {
        let threads = default_read_threads(&service.store().capabilities());
        Self::with_read_threads(service, auth, threads).expect("cannot start the read threads")
    }

    /// The state with `read_threads` threads for store reads (at least one).
    pub fn with_read_threads(
        service: OrderService,
        auth: Authenticator,
        read_threads: u16,
    ) -> std::io::Result<Self> {
        Ok(AppState {
            inner: Arc::new(Inner {
                service,
                auth,
                reads: ReadPool::new(read_threads)?,
                openapi: crate::openapi::document_json(),
            }),
        })
    }

    /// The engine. Its calls block: run them through `blocking::run` or `blocking::read`.
    pub fn service(&self) -> &OrderService {
        &self.inner.service
    }

    pub fn read_pool(&self) -> &ReadPool {
        &self.inner.reads
    }

    pub fn auth(&self) -> &Authenticator {
        &self.inner.auth
    }

    /// The OpenAPI document, rendered once.
    pub fn openapi_json(&self) -> &str {
        &self.inner.openapi
    }
}
