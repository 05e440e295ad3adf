//! `MysqlStore`: the connection pool, opening (with migrations), and the `Store` methods, each
//! one transaction on one pooled connection, retried whole on transient failures.

use std::fmt;
use std::sync::Arc;

use mysql::PooledConn;
use mysql::prelude::Queryable;
use orderly_core::analytics::{CancellationCount, DayRange, HourlySales};
use orderly_core::search::{OrderSearch, SearchHit};
use orderly_core::store::prelude::*;
use orderly_core::store::{
    Backlog, CreateWebhookOutcome, DeliveryLog, NewWebhook, RecordedAttempt, StoredWebhook,
};
use orderly_core::store::{
    ChangeOutcome, HistoryQuery, IdempotencyRecord, InsertOutcome, NewOrder, OrderChange, SalesRow,
    SentConfirmation, SentShippingNotice, StoreCapabilities, StoreResult,
};
use orderly_core::store::{
    DeviceLogState, DeviceState, FeedRow, LoggedOperation, PulledWrite, SyncWrite, SyncWriteOutcome,
};
use orderly_core::sync::OperationResult;
use orderly_core::timeline::StaffNote;
use orderly_core::webhooks::{ClaimedDelivery, SigningSecrets, Subscription};
use orderly_core::{
    Checkout, CheckoutId, Currency, DeviceId, EventId, IdempotencyKey, OrderDocument, OrderId,
    OutboxEvent, ProductSales, ShipmentId, StatusCount, StoreErrorKind, Timestamp, TopBy, UserId,
    WebhookId,
};

use crate::config::MysqlOptions;
use crate::error::{BACKEND, DbResult};
use crate::pool::ConnectionPool;
use crate::scratch::ScratchDatabase;
use crate::{
    checkouts, confirmations, durability, leases, migrate, notes, orders, outbox, rollups, search,
    sync, webhooks,
};

/// Orderly's `Store` on MySQL, MariaDB and MySQL-protocol distributed SQL. Cheap to clone:
/// clones share the pool.
#[derive(Clone)]
pub struct MysqlStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: ConnectionPool,
    database: String,
    /// Declared after the pool so that the pool's connections close before the database is
    /// dropped.
    _scratch: Option<ScratchDatabase>,
}

impl fmt::Debug for MysqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MysqlStore")
            .field("database", &self.inner.database)
            .finish_non_exhaustive()
    }
}

impl MysqlStore {
    /// Connects to `mysql://user:pass@host:port/db` (parameters of the `mysql` crate may
    /// follow, e.g. `?pool_max=32`) and brings the schema up to date. TCP is used even for
    /// 127.0.0.1 unless the URL says `prefer_socket=true`.
    pub fn open(url: &str) -> StoreResult<MysqlStore> {
        Self::open_with(MysqlOptions::from_url(url)?)
    }

    /// Opens with options already parsed (see [`MysqlOptions::from_url`]).
    pub fn open_with(options: MysqlOptions) -> StoreResult<MysqlStore> {
        Self::connect(options, None)
    }

    /// Opens a store on a new, empty database created on the server `server_url` names; the
    /// database is dropped when the last clone of the store is. For tests and benchmarks.
    pub fn open_scratch(server_url: &str) -> StoreResult<MysqlStore> {
        let scratch = ScratchDatabase::create(server_url)?;
        let options = MysqlOptions::from_url(scratch.url())?;
        Self::connect(options, Some(scratch))
    }

    fn connect(options: MysqlOptions, scratch: Option<ScratchDatabase>) -> StoreResult<MysqlStore> {
        let database = options.database().to_owned();
        let pool = ConnectionPool::new(&options)?;
        let mut conn = pool.get()?;
        let migrated = migrate::migrate(&mut conn);
        pool.put(conn, migrated.is_err());
        migrated?;
        Ok(MysqlStore {
            inner: Arc::new(Inner {
                pool,
                database,
                _scratch: scratch,
            }),
        })
    }

    /// How the server runs a staff search: `EXPLAIN`, one line per table read. For operators
    /// and benchmarks checking that searches stay on indexes.
    pub fn explain_search(&self, search: &OrderSearch) -> StoreResult<Vec<String>> {
        self.run(|conn| search::explain(conn, search))
    }

    /// The name of the database the store uses.
    pub fn database(&self) -> &str {
        &self.inner.database
    }

    /// Runs `op` once on a pooled connection; a connection that broke is not returned to the
    /// pool. Transient failures are the caller's to retry (the engine's retry policy does),
    /// so retries never nest.
    fn run<T>(&self, op: impl FnOnce(&mut PooledConn) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.inner.pool.get()?;
        let result = op(&mut conn);
        let broken = matches!(&result, Err(e) if e.kind == StoreErrorKind::Connection);
        self.inner.pool.put(conn, broken);
        result
    }
}

impl Store for MysqlStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    /// Every call is a round trip to the server, at most the pool's connections at once.
    fn capabilities(&self) -> StoreCapabilities {
        StoreCapabilities::networked(self.inner.pool.max_connections())
    }

    fn ping(&self) -> StoreResult<()> {
        self.run(|conn| conn.query_drop("SELECT 1").db())
    }

    /// `innodb_flush_log_at_trx_commit` other than 1 (or MariaDB's 3), and `sync_binlog` other
    /// than 1 while the binary log is on; see the README's "Durability" section.
    fn durability_warnings(&self) -> StoreResult<Vec<String>> {
        self.run(durability::warnings_of)
    }
}

impl OrderStore for MysqlStore {
    fn save_checkout(&self, checkout: &Checkout) -> StoreResult<()> {
        self.run(|conn| checkouts::save(conn, checkout))
    }

    fn checkout(&self, id: &CheckoutId) -> StoreResult<Option<Checkout>> {
        self.run(|conn| checkouts::get(conn, id))
    }

    fn purge_expired_checkouts(&self, expired_before: Timestamp, limit: u32) -> StoreResult<u64> {
        self.run(|conn| checkouts::purge_expired(conn, expired_before, limit))
    }

    fn idempotency_record(
        &self,
        user: &UserId,
        key: &IdempotencyKey,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        self.run(|conn| orders::idempotency_record(conn, user, key))
    }

    fn insert_order(&self, new: &NewOrder) -> StoreResult<InsertOutcome> {
        self.run(|conn| orders::insert_order(conn, new))
    }

    fn order_document(&self, id: &OrderId) -> StoreResult<Option<OrderDocument>> {
        self.run(|conn| orders::order(conn, id))
    }

    fn order_documents_for_user(&self, query: &HistoryQuery) -> StoreResult<Vec<OrderDocument>> {
        self.run(|conn| orders::orders_for_user(conn, query))
    }

    fn payment_token(&self, id: &OrderId) -> StoreResult<Option<String>> {
        self.run(|conn| orders::payment_token(conn, id))
    }

    fn apply_change(&self, change: &OrderChange) -> StoreResult<ChangeOutcome> {
        self.run(|conn| orders::apply_change(conn, change))
    }
}

impl OutboxStore for MysqlStore {
    fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxEvent>> {
        self.run(|conn| outbox::pending(conn, limit))
    }

    fn mark_delivered(&self, ids: &[EventId], at: Timestamp) -> StoreResult<u64> {
        self.run(|conn| outbox::mark_delivered(conn, ids, at))
    }

    fn purge_delivered_events(&self, delivered_before: Timestamp, limit: u32) -> StoreResult<u64> {
        self.run(|conn| outbox::purge_delivered(conn, delivered_before, limit))
    }
}

impl LeaseStore for MysqlStore {
    fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> StoreResult<bool> {
        self.run(|conn| leases::acquire(conn, name, owner, now, ttl_ms))
    }

    fn release_lease(&self, name: &str, owner: &str) -> StoreResult<()> {
        self.run(|conn| leases::release(conn, name, owner))
    }
}

impl RollupStore for MysqlStore {
    fn sales(&self, from_hour: i64, to_hour_exclusive: i64) -> StoreResult<Vec<SalesRow>> {
        self.run(|conn| rollups::sales(conn, from_hour, to_hour_exclusive))
    }

    fn hourly_sales(
        &self,
        from_hour: i64,
        to_hour_exclusive: i64,
    ) -> StoreResult<Vec<HourlySales>> {
        self.run(|conn| rollups::hourly_sales(conn, from_hour, to_hour_exclusive))
    }

    fn top_products(
        &self,
        currency: Currency,
        by: TopBy,
        limit: u32,
        days: DayRange,
    ) -> StoreResult<Vec<ProductSales>> {
        self.run(|conn| rollups::top_products(conn, currency, by, limit, days))
    }

    fn status_counts(&self, days: DayRange) -> StoreResult<Vec<StatusCount>> {
        self.run(|conn| rollups::status_counts(conn, days))
    }

    fn cancellation_counts(&self, days: DayRange) -> StoreResult<Vec<CancellationCount>> {
        self.run(|conn| rollups::cancellation_counts(conn, days))
    }
}

impl StaffStore for MysqlStore {
    fn search_orders(&self, query: &OrderSearch) -> StoreResult<Vec<SearchHit>> {
        self.run(|conn| search::search(conn, query))
    }

    fn add_staff_note(&self, note: &StaffNote) -> StoreResult<bool> {
        self.run(|conn| notes::add(conn, note))
    }

    fn staff_notes(&self, order_id: &OrderId) -> StoreResult<Vec<StaffNote>> {
        self.run(|conn| notes::for_order(conn, order_id))
    }
}

impl ConfirmationStore for MysqlStore {
    fn sent_confirmation(&self, order_id: &OrderId) -> StoreResult<Option<SentConfirmation>> {
        self.run(|conn| confirmations::get(conn, order_id))
    }

    fn record_confirmation(&self, sent: &SentConfirmation) -> StoreResult<bool> {
        self.run(|conn| confirmations::record(conn, sent))
    }

    fn shipping_notice_sent(&self, order_id: &OrderId, shipment: &ShipmentId) -> StoreResult<bool> {
        self.run(|conn| confirmations::notice_sent(conn, order_id, shipment))
    }

    fn record_shipping_notice(&self, sent: &SentShippingNotice) -> StoreResult<bool> {
        self.run(|conn| confirmations::record_notice(conn, sent))
    }
}

impl SyncStore for MysqlStore {
    fn device_state(&self, device: &DeviceId) -> StoreResult<Option<DeviceState>> {
        self.run(|conn| sync::device_state(conn, device))
    }

    fn sync_result(&self, device: &DeviceId, seq: u64) -> StoreResult<Option<OperationResult>> {
        self.run(|conn| sync::result(conn, device, seq))
    }

    fn apply_sync_write(&self, write: &SyncWrite) -> StoreResult<SyncWriteOutcome> {
        self.run(|conn| sync::apply_write(conn, write))
    }

    fn device_changes(
        &self,
        device: &DeviceId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<FeedRow>> {
        self.run(|conn| sync::changes(conn, device, after, limit))
    }

    fn device_identity(&self) -> StoreResult<Option<DeviceId>> {
        self.run(sync::identity)
    }

    fn claim_device_identity(&self, device: &DeviceId, at: Timestamp) -> StoreResult<DeviceId> {
        self.run(|conn| sync::claim_identity(conn, device, at))
    }

    fn pending_operations(&self, limit: u32) -> StoreResult<Vec<LoggedOperation>> {
        self.run(|conn| sync::pending(conn, limit))
    }

    fn logged_operations(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<LoggedOperation>> {
        self.run(|conn| sync::logged_after(conn, after_seq, limit))
    }

    fn operations_for_order(&self, order: &OrderId) -> StoreResult<Vec<LoggedOperation>> {
        self.run(|conn| sync::for_order(conn, order))
    }

    fn record_operation_results(
        &self,
        results: &[OperationResult],
        at: Timestamp,
    ) -> StoreResult<u64> {
        self.run(|conn| sync::record_results(conn, results, at))
    }

    fn device_log_state(&self) -> StoreResult<DeviceLogState> {
        self.run(sync::log_state)
    }

    fn apply_pulled(&self, write: &PulledWrite) -> StoreResult<bool> {
        self.run(|conn| sync::apply_pulled(conn, write))
    }
}

impl WebhookStore for MysqlStore {
    fn create_webhook(&self, new: &NewWebhook) -> StoreResult<CreateWebhookOutcome> {
        self.run(|conn| webhooks::create(conn, new))
    }

    fn webhook(&self, id: &WebhookId) -> StoreResult<Option<StoredWebhook>> {
        self.run(|conn| webhooks::get(conn, id))
    }

    fn webhooks(&self, limit: u32) -> StoreResult<Vec<Subscription>> {
        self.run(|conn| webhooks::list(conn, limit))
    }

    fn update_webhook(&self, subscription: &Subscription) -> StoreResult<bool> {
        self.run(|conn| webhooks::update(conn, subscription))
    }

    fn rotate_webhook_secret(
        &self,
        id: &WebhookId,
        secrets: &SigningSecrets,
        at: Timestamp,
    ) -> StoreResult<bool> {
        self.run(|conn| webhooks::rotate(conn, id, secrets, at))
    }

    fn delete_webhook(&self, id: &WebhookId) -> StoreResult<bool> {
        self.run(|conn| webhooks::delete(conn, id))
    }

    fn webhook_backlog(&self, id: &WebhookId) -> StoreResult<Backlog> {
        self.run(|conn| webhooks::backlog(conn, id))
    }

    fn claim_webhook_deliveries(
        &self,
        id: &WebhookId,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        self.run(|conn| webhooks::claim(conn, id, now, lease_until, limit))
    }

    fn record_webhook_attempt(&self, recorded: &RecordedAttempt) -> StoreResult<bool> {
        self.run(|conn| webhooks::record(conn, recorded))
    }

    fn webhook_deliveries(
        &self,
        id: &WebhookId,
        before: Option<&EventId>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryLog>> {
        self.run(|conn| webhooks::deliveries(conn, id, before, limit))
    }

    fn redeliver_webhook(
        &self,
        id: &WebhookId,
        event: &EventId,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.run(|conn| webhooks::redeliver(conn, id, event, now))
    }

    fn purge_finished_webhook_deliveries(
        &self,
        finished_before: Timestamp,
        limit: u32,
    ) -> StoreResult<u64> {
        self.run(|conn| webhooks::purge_finished(conn, finished_before, limit))
    }
}
