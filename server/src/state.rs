//! What every handler shares: the engine, the token verifier, the read threads, the store
//! pool, the server's limits and the OpenAPI document.

use std::sync::Arc;

use orderly::OrderService;

use crate::admin::AdminSecret;
use crate::admission::StorePool;
use crate::auth::Authenticator;
use crate::cart_client::HttpCartSource;
use crate::limits::ServerLimits;
use crate::read_pool::{ReadPool, default_read_threads};

/// Cheap to clone: everything sits behind an `Arc`.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    cart_service: Option<Arc<HttpCartSource>>,
    admin_secret: Option<Arc<AdminSecret>>,
}

#[derive(Debug)]
struct Inner {
    service: OrderService,
    auth: Authenticator,
    reads: ReadPool,
    writes: StorePool,
    limits: ServerLimits,
    openapi: String,
}

impl AppState {
    /// The state with the default read threads for the service's store (one per core on
    /// SQLite, a few otherwise) and the default [`ServerLimits`].
    ///
    /// # Panics
    /// If the operating system refuses to start a thread; see [`AppState::with_read_threads`].
    #[allow(clippy::expect_used)] // Only a machine out of threads fails here, at start-up.
    pub fn new(service: OrderService, auth: Authenticator) -> Self {
        let threads = default_read_threads(&service.store().capabilities());
        Self::with_read_threads(service, auth, threads).expect("cannot start the read threads")
    }

    /// The state with `read_threads` threads for store reads (at least one) and the default
    /// [`ServerLimits`].
    pub fn with_read_threads(
        service: OrderService,
        auth: Authenticator,
        read_threads: u16,
    ) -> std::io::Result<Self> {
        Self::configured(service, auth, read_threads, ServerLimits::default())
    }

    /// The state with `read_threads` read threads and `limits`.
    pub fn configured(
        service: OrderService,
        auth: Authenticator,
        read_threads: u16,
        limits: ServerLimits,
    ) -> std::io::Result<Self> {
        Ok(AppState {
            inner: Arc::new(Inner {
                service,
                auth,
                reads: ReadPool::new(read_threads, limits.store_queue)?,
                writes: StorePool::new(limits.store_pool_size, limits.store_queue),
                limits,
                openapi: crate::openapi::document_json(),
            }),
            cart_service: None,
            admin_secret: None,
        })
    }

    /// This state reading carts from the Cart Service through `client`, asynchronously, before
    /// each engine call that may need one.
    pub fn with_cart_service(mut self, client: HttpCartSource) -> Self {
        self.cart_service = Some(Arc::new(client));
        self
    }

    /// This state letting staff sign in to the dashboard with `secret` as well as with a token.
    pub fn with_admin_secret(mut self, secret: AdminSecret) -> Self {
        self.admin_secret = Some(Arc::new(secret));
        self
    }

    /// The staff secret, when one is configured.
    pub fn admin_secret(&self) -> Option<&AdminSecret> {
        self.admin_secret.as_deref()
    }

    /// The Cart Service client, when one is configured.
    pub fn cart_service(&self) -> Option<&HttpCartSource> {
        self.cart_service.as_deref()
    }

    /// The engine. Its calls block: run them through `blocking::run` or `blocking::read`.
    pub fn service(&self) -> &OrderService {
        &self.inner.service
    }

    /// The pool for engine calls that only read.
    pub fn read_pool(&self) -> &ReadPool {
        &self.inner.reads
    }

    /// The bounded pool for engine calls that write.
    pub fn store_pool(&self) -> &StorePool {
        &self.inner.writes
    }

    /// The limits the server runs under.
    pub fn limits(&self) -> &ServerLimits {
        &self.inner.limits
    }

    /// The token authenticator.
    pub fn auth(&self) -> &Authenticator {
        &self.inner.auth
    }

    /// The OpenAPI document, rendered once.
    pub fn openapi_json(&self) -> &str {
        &self.inner.openapi
    }
}
