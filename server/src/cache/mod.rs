//! Optional read-through cache of orders in Redis (`--redis-url`), as a store decorator.
//!
//! `Store::order_document` (and the typed `Store::order` that decodes it) — behind
//! `GET /order/{id}` and `GET /order/{id}/status` — reads Redis first and fills it on a miss.
//! Entries are the stored documents themselves (payment method without its token), so a hit
//! is served without decoding. Every
//! write through this server (`insert_order`, `apply_change`) puts the new version in Redis
//! right after the store committed it, in the same call. A put never replaces a newer cached
//! version with an older one (entries carry the order version).
//!
//! Redis down or slow (250 ms timeouts) never fails a request: reads are served from the store
//! and a warning is logged. If a write could not be put into Redis, this server stops trusting
//! everything it cached (the key generation changes), so it never serves a version older than
//! one it wrote. Authorization stays in the engine: it reads through this store as before.

mod redis_cache;

use std::sync::Arc;
use std::time::Duration;

use orderly::store::{
    ChangeOutcome, InsertOutcome, NewOrder, OrderChange, StoreCapabilities, StoreResult, SyncWrite,
    SyncWriteOutcome,
};
use orderly::{OrderDocument, OrderId, Store, StoreDecorator};

use redis_cache::RedisCache;

/// How long an entry lives without being refreshed.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

/// Why the cache could not be set up (a malformed URL; an unreachable server is fine).
#[derive(Debug, thiserror::Error)]
#[error("invalid redis url: {0}")]
pub struct CacheConfigError(String);

impl CacheConfigError {
    pub fn code(&self) -> &'static str {
        "invalid_redis_url"
    }
}

/// `store` behind the cache when `redis_url` is given, else `store` itself.
pub fn wrap(
    store: Arc<dyn Store>,
    redis_url: Option<&str>,
) -> Result<Arc<dyn Store>, CacheConfigError> {
    match redis_url.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok(store),
        Some(url) => Ok(Arc::new(CachingStore::new(
            store,
            url,
            "orderly:",
            DEFAULT_TTL,
        )?)),
    }
}

/// A store whose order reads go through Redis.
#[derive(Debug)]
pub struct CachingStore {
    inner: Arc<dyn Store>,
    cache: RedisCache,
}

impl CachingStore {
    /// Wraps `inner`; keys start with `prefix` (e.g. `orderly:`).
    pub fn new(
        inner: Arc<dyn Store>,
        redis_url: &str,
        prefix: &str,
        ttl: Duration,
    ) -> Result<Self, CacheConfigError> {
        let cache =
            RedisCache::new(redis_url, prefix, ttl).map_err(|e| CacheConfigError(e.to_string()))?;
        Ok(CachingStore { inner, cache })
    }

    /// Puts a version this server just wrote (the document the engine encoded for the store);
    /// if Redis did not take it, trusts nothing cached.
    fn refresh(&self, document: &OrderDocument) {
        if !self.cache.put(document) {
            self.cache.invalidate_all();
        }
    }
}

impl StoreDecorator for CachingStore {
    fn inner(&self) -> &dyn Store {
        self.inner.as_ref()
    }
    /// Reads now wait on the cache server first.
    fn capabilities(&self) -> StoreCapabilities {
        self.inner.capabilities().with_reads_over_network()
    }
    fn insert_order(&self, new: &NewOrder) -> StoreResult<InsertOutcome> {
        let outcome = self.inner.insert_order(new)?;
        if outcome == InsertOutcome::Created {
            self.refresh(&new.document);
        }
        Ok(outcome)
    }
    fn order_document(&self, id: &OrderId) -> StoreResult<Option<OrderDocument>> {
        if let Some(document) = self.cache.get(id) {
            return Ok(Some(document));
        }
        let document = self.inner.order_document(id)?;
        if let Some(document) = &document {
            // A failed fill is harmless: the next read tries again.
            self.cache.put(document);
        }
        Ok(document)
    }
    fn apply_change(&self, change: &OrderChange) -> StoreResult<ChangeOutcome> {
        let result = self.inner.apply_change(change);
        match &result {
            Ok(ChangeOutcome::Applied) => self.refresh(&change.document),
            // Stale: the engine read a version that is no longer current (another server
            // wrote): drop it so that its next read comes from the store.
            Ok(_) => {
                if !self.cache.remove(&change.order_id) {
                    self.cache.invalidate_all();
                }
            }
            // The change may have committed before the error: drop what is cached.
            Err(_) => self.cache.invalidate_all(),
        }
        result
    }
    /// A pushed operation that stores an order or changes one refreshes it like
    /// `insert_order` and `apply_change` do.
    fn apply_sync_write(&self, write: &SyncWrite) -> StoreResult<SyncWriteOutcome> {
        let result = self.inner.apply_sync_write(write);
        match &result {
            Ok(SyncWriteOutcome::Applied) => {
                if let Some(new) = &write.place {
                    self.refresh(&new.document);
                }
                if let Some(change) = &write.change {
                    self.refresh(&change.document);
                }
            }
            Ok(SyncWriteOutcome::Stale) => {
                if let Some(change) = &write.change
                    && !self.cache.remove(&change.order_id)
                {
                    self.cache.invalidate_all();
                }
            }
            Ok(_) => {}
            Err(_) if write.place.is_some() || write.change.is_some() => {
                self.cache.invalidate_all();
            }
            Err(_) => {}
        }
        result
    }
}
