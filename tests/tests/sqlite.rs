//! The conformance suite on SQLite: once on a fresh database file per case, once on a
//! private in-memory database per case.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use orderly::store::{
    ChangeOutcome, HistoryQuery, IdempotencyRecord, InsertOutcome, NewOrder, OrderChange, SalesRow,
    StoreResult,
};
use orderly::{
    Checkout, CheckoutId, Currency, EventId, IdempotencyKey, Order, OrderId, OutboxEvent,
    ProductSales, SqliteOptions, SqliteStore, StatusCount, Store, Timestamp, TopBy, UserId,
};
use tempfile::TempDir;

/// A file store that removes its directory once the last handle to it is dropped.
#[derive(Debug)]
struct TempFileStore {
    store: SqliteStore,
    _dir: TempDir,
}

fn file_store() -> Arc<dyn Store> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("orderly.db"), SqliteOptions::default()).unwrap();
    Arc::new(TempFileStore { store, _dir: dir })
}

mod file {
    orderly_tests::conformance_suite!(super::file_store);
}

mod memory {
    orderly_tests::conformance_suite!(|| orderly::open_store("sqlite::memory:").unwrap());
}

impl Store for TempFileStore {
    fn backend(&self) -> &'static str {
        self.store.backend()
    }
    fn ping(&self) -> StoreResult<()> {
        self.store.ping()
    }
    fn save_checkout(&self, checkout: &Checkout) -> StoreResult<()> {
        self.store.save_checkout(checkout)
    }
    fn checkout(&self, id: &CheckoutId) -> StoreResult<Option<Checkout>> {
        self.store.checkout(id)
    }
    fn idempotency_record(
        &self,
        user: &UserId,
        key: &IdempotencyKey,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        self.store.idempotency_record(user, key)
    }
    fn insert_order(&self, new: &NewOrder) -> StoreResult<InsertOutcome> {
        self.store.insert_order(new)
    }
    fn order(&self, id: &OrderId) -> StoreResult<Option<Order>> {
        self.store.order(id)
    }
    fn orders_for_user(&self, query: &HistoryQuery) -> StoreResult<Vec<Order>> {
        self.store.orders_for_user(query)
    }
    fn apply_change(&self, change: &OrderChange) -> StoreResult<ChangeOutcome> {
        self.store.apply_change(change)
    }
    fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxEvent>> {
        self.store.pending_events(limit)
    }
    fn mark_delivered(&self, ids: &[EventId], at: Timestamp) -> StoreResult<u64> {
        self.store.mark_delivered(ids, at)
    }
    fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> StoreResult<bool> {
        self.store.acquire_lease(name, owner, now, ttl_ms)
    }
    fn release_lease(&self, name: &str, owner: &str) -> StoreResult<()> {
        self.store.release_lease(name, owner)
    }
    fn sales(&self, from_hour: i64, to_hour_exclusive: i64) -> StoreResult<Vec<SalesRow>> {
        self.store.sales(from_hour, to_hour_exclusive)
    }
    fn top_products(
        &self,
        currency: Currency,
        by: TopBy,
        limit: u32,
    ) -> StoreResult<Vec<ProductSales>> {
        self.store.top_products(currency, by, limit)
    }
    fn status_counts(&self) -> StoreResult<Vec<StatusCount>> {
        self.store.status_counts()
    }
}
