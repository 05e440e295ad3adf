//! `SqliteStore`: one writer connection with group commit (concurrent writes share a
//! `BEGIN IMMEDIATE` transaction and its sync, each in its own savepoint) and a pool of readers
//! that WAL lets run beside it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    OutboxEvent, ProductSales, RetryPolicy, ShipmentId, StatusCount, Timestamp, TopBy, UserId,
    WebhookId,
};
use parking_lot::MappedFairMutexGuard;
use rusqlite::Connection;

use crate::codec::to_json;
use crate::config::{SqliteOptions, Synchronous};
use crate::error::{BACKEND, OpError};
use crate::group_commit::{Finish, GroupCommitStats, GroupWriter};
use crate::pool::ReaderPool;
use crate::{
    checkouts, confirmations, connection, leases, migrate, notes, orders, outbox, rollups, search,
    sync, webhooks,
};

/// An Orderly [`Store`] on SQLite. Cheap to share behind an `Arc`; every method is one
/// transaction.
pub struct SqliteStore {
    writer: GroupWriter,
    /// `None` for an in-memory database, whose single connection also serves reads.
    readers: Option<ReaderPool>,
    path: Option<PathBuf>,
    synchronous: Synchronous,
}

/// Writes one commit may carry: enough to share a sync among every connection of a busy
/// server, few enough that the first writer of a batch is not kept waiting long.
const MAX_BATCH: usize = 256;

/// Opening the database (and migrating it) when another process holds the write lock.
const OPEN_RETRY: RetryPolicy = RetryPolicy::new(4, Duration::from_secs(2));

impl SqliteStore {
    /// Opens (creating if needed) a database file, switches it to WAL and applies pending
    /// migrations. A database written by a newer build is refused with a `Migration` error.
    pub fn open(path: impl AsRef<Path>, options: SqliteOptions) -> StoreResult<SqliteStore> {
        let path = path.as_ref();
        // Processes starting together may race for the migration lock: wait a little for it.
        let writer = OPEN_RETRY.run(OpError::is_busy, |_| {
            let mut conn = connection::open_writer(path, &options)?;
            migrate::migrate(&mut conn)?;
            // Planner statistics: staff searches choose among several indexes by them. SQLite
            // advises this at every open of a long-lived connection; the limit keeps it to a
            // sample, milliseconds even on millions of orders, and it does nothing when the
            // statistics are fresh.
            conn.execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
            Ok(conn)
        })?;
        let first = connection::open_reader(path, &options)?;
        let rest = (1..options.readers.max(1))
            .map(|_| connection::open_reader(path, &options))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SqliteStore {
            writer: GroupWriter::new(writer, MAX_BATCH),
            readers: Some(ReaderPool::new(first, rest)),
            path: Some(path.to_owned()),
            synchronous: options.synchronous,
        })
    }

    /// A private, empty in-memory database, gone when the store is dropped. Its single
    /// connection serves every call in turn, so concurrent callers stay correct.
    pub fn open_in_memory() -> StoreResult<SqliteStore> {
        let mut conn = connection::open_memory()?;
        migrate::migrate(&mut conn)?;
        Ok(SqliteStore {
            // No sync to share, and reads use this connection: every write commits alone.
            writer: GroupWriter::new(conn, 1),
            readers: None,
            path: None,
            synchronous: Synchronous::Full,
        })
    }

    /// The database file, or `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open database (equal to [`crate::SCHEMA_VERSION`]).
    pub fn schema_version(&self) -> StoreResult<u32> {
        self.read(migrate::schema_version)
    }

    /// How the database runs a staff search: `EXPLAIN QUERY PLAN`, one line per step. For
    /// operators and benchmarks checking that searches stay on indexes.
    pub fn explain_search(&self, search: &OrderSearch) -> StoreResult<Vec<String>> {
        self.read(|conn| search::explain(conn, search))
    }

    /// How group commit has batched this store's writes so far.
    pub fn group_commit_stats(&self) -> GroupCommitStats {
        self.writer.stats()
    }

    pub(crate) fn writer(&self) -> MappedFairMutexGuard<'_, Connection> {
        // No poisoning: a write that panicked rolled its savepoint back as it unwound, so the
        // connection is usable.
        self.writer.connection()
    }

    fn read<T>(&self, mut op: impl FnMut(&Connection) -> Result<T, OpError>) -> StoreResult<T> {
        // A busy reader is reported as contention after the busy timeout; the engine's one
        // retry policy decides whether there is time to try again.
        match &self.readers {
            Some(pool) => op(&pool.get()),
            None => op(&self.writer()),
        }
        .map_err(OpError::into_store_error)
    }

    fn write<T>(
        &self,
        op: impl FnMut(&Connection) -> Result<Finish<T>, OpError>,
    ) -> StoreResult<T> {
        self.writer.write(op)
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field(
                "readers",
                &self.readers.as_ref().map_or(0, ReaderPool::size),
            )
            .finish()
    }
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    /// Reads are CPU and page-cache work on this machine, as many at once as there are read
    /// connections (one for an in-memory store).
    fn capabilities(&self) -> StoreCapabilities {
        StoreCapabilities::local(self.readers.as_ref().map_or(1, ReaderPool::size))
    }

    fn durability_warnings(&self) -> StoreResult<Vec<String>> {
        Ok(match (self.synchronous, &self.path) {
            (Synchronous::MayLoseLastTransactions, Some(path)) => vec![format!(
                "{} is opened with synchronous=may_lose_last_transactions: it may lose the last \
                 transactions on power loss, including orders already acknowledged; leave the \
                 parameter out for durable commits",
                path.display()
            )],
            _ => Vec::new(),
        })
    }

    fn ping(&self) -> StoreResult<()> {
        self.read(|conn| {
            conn.prepare_cached("SELECT 1")?.query_row([], |_| Ok(()))?;
            Ok(())
        })
    }
}

impl OrderStore for SqliteStore {
    fn save_checkout(&self, checkout: &Checkout) -> StoreResult<()> {
        let doc = to_json(checkout)?;
        self.write(|tx| checkouts::save(tx, checkout, &doc).map(Finish::Commit))
    }

    fn checkout(&self, id: &CheckoutId) -> StoreResult<Option<Checkout>> {
        self.read(|conn| checkouts::get(conn, id))
    }

    fn purge_expired_checkouts(&self, expired_before: Timestamp, limit: u32) -> StoreResult<u64> {
        self.write(|tx| checkouts::purge_expired(tx, expired_before, limit).map(Finish::Commit))
    }

    fn idempotency_record(
        &self,
        user: &UserId,
        key: &IdempotencyKey,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        self.read(|conn| orders::idempotency_record(conn, user, key))
    }

    fn insert_order(&self, new: &NewOrder) -> StoreResult<InsertOutcome> {
        // The engine encoded the document and the event once; they are written as they are.
        self.write(|tx| {
            // The key goes first: if it is taken, nothing else is written.
            if let Some(record) = orders::claim_key(tx, new)? {
                return Ok(Finish::Rollback(InsertOutcome::KeyTaken(record)));
            }
            write_new_order(tx, new)?;
            Ok(Finish::Commit(InsertOutcome::Created))
        })
    }

    fn order_document(&self, id: &OrderId) -> StoreResult<Option<OrderDocument>> {
        self.read(|conn| orders::order(conn, id))
    }

    fn order_documents_for_user(&self, query: &HistoryQuery) -> StoreResult<Vec<OrderDocument>> {
        self.read(|conn| orders::orders_for_user(conn, query))
    }

    fn payment_token(&self, id: &OrderId) -> StoreResult<Option<String>> {
        self.read(|conn| orders::payment_token(conn, id))
    }

    fn apply_change(&self, change: &OrderChange) -> StoreResult<ChangeOutcome> {
        self.write(|tx| {
            if !write_change(tx, change)? {
                return Ok(Finish::Rollback(ChangeOutcome::Stale));
            }
            Ok(Finish::Commit(ChangeOutcome::Applied))
        })
    }
}

/// An order with everything written with it: rollups, its event, and on a device its
/// operation. The key has been claimed.
fn write_new_order(tx: &Connection, new: &NewOrder) -> Result<(), OpError> {
    orders::insert(tx, new)?;
    rollups::apply(tx, &new.rollup)?;
    outbox::insert(tx, &new.event, new.event.payload.get())?;
    if let Some(op) = &new.device_op {
        sync::log_op(tx, op, new.order.created_at)?;
    }
    if let Some(entry) = &new.feed {
        sync::append_change(tx, entry, new.order.updated_at)?;
    }
    Ok(())
}

/// A change with everything written with it: rollups, its event, its device feed entry, and
/// on a device its operation. False, with nothing written, when the order is stale.
fn write_change(tx: &Connection, change: &OrderChange) -> Result<bool, OpError> {
    if !orders::update(tx, change)? {
        return Ok(false);
    }
    rollups::apply(tx, &change.rollup)?;
    outbox::insert(tx, &change.event, change.event.payload.get())?;
    if let Some(entry) = &change.feed {
        sync::append_change(tx, entry, change.milestone.at)?;
    }
    if let Some(op) = &change.device_op {
        sync::log_op(tx, op, change.milestone.at)?;
    }
    Ok(true)
}

impl SyncStore for SqliteStore {
    fn device_state(&self, device: &DeviceId) -> StoreResult<Option<DeviceState>> {
        self.read(|conn| sync::device_state(conn, device))
    }

    fn sync_result(&self, device: &DeviceId, seq: u64) -> StoreResult<Option<OperationResult>> {
        self.read(|conn| sync::result(conn, device, seq))
    }

    fn apply_sync_write(&self, w: &SyncWrite) -> StoreResult<SyncWriteOutcome> {
        self.write(|tx| {
            Ok(match apply_sync_write_in(tx, w)? {
                SyncWriteOutcome::Applied => Finish::Commit(SyncWriteOutcome::Applied),
                other => Finish::Rollback(other),
            })
        })
    }

    fn apply_sync_writes(&self, writes: &[SyncWrite]) -> StoreResult<Vec<SyncWriteOutcome>> {
        // One write of the group commit for the whole run: each operation in a savepoint of
        // its own inside it, one commit and one sync for all.
        self.write(|tx| {
            let mut outcomes = Vec::with_capacity(writes.len());
            for w in writes {
                tx.execute_batch("SAVEPOINT sync_operation")?;
                let outcome = match apply_sync_write_in(tx, w) {
                    Ok(outcome) => outcome,
                    Err(e) => {
                        tx.execute_batch("ROLLBACK TO sync_operation; RELEASE sync_operation")?;
                        return Err(e);
                    }
                };
                let applied = outcome == SyncWriteOutcome::Applied;
                if applied {
                    tx.execute_batch("RELEASE sync_operation")?;
                } else {
                    tx.execute_batch("ROLLBACK TO sync_operation; RELEASE sync_operation")?;
                }
                outcomes.push(outcome);
                if !applied {
                    break;
                }
            }
            Ok(Finish::Commit(outcomes))
        })
    }

    fn device_changes(
        &self,
        device: &DeviceId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<FeedRow>> {
        self.read(|conn| sync::changes(conn, device, after, limit))
    }

    fn device_identity(&self) -> StoreResult<Option<DeviceId>> {
        self.read(sync::identity)
    }

    fn claim_device_identity(&self, device: &DeviceId, at: Timestamp) -> StoreResult<DeviceId> {
        self.write(|tx| sync::claim_identity(tx, device, at).map(Finish::Commit))
    }

    fn pending_operations(&self, limit: u32) -> StoreResult<Vec<LoggedOperation>> {
        self.read(|conn| sync::pending(conn, limit))
    }

    fn logged_operations(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<LoggedOperation>> {
        self.read(|conn| sync::logged_after(conn, after_seq, limit))
    }

    fn operations_for_order(&self, order: &OrderId) -> StoreResult<Vec<LoggedOperation>> {
        self.read(|conn| sync::for_order(conn, order))
    }

    fn record_operation_results(
        &self,
        results: &[OperationResult],
        at: Timestamp,
    ) -> StoreResult<u64> {
        self.write(|tx| sync::record_results(tx, results, at).map(Finish::Commit))
    }

    fn device_log_state(&self) -> StoreResult<DeviceLogState> {
        self.read(sync::log_state)
    }

    fn apply_pulled(&self, write: &PulledWrite) -> StoreResult<bool> {
        self.write(|tx| {
            for pulled in &write.orders {
                if !sync::update_pulled(tx, pulled)? {
                    return Ok(Finish::Rollback(false));
                }
                let order = &pulled.order;
                orders::replace_index(tx, &order.id, order.created_at, &pulled.index)?;
                rollups::apply(tx, &pulled.rollup)?;
            }
            sync::set_cursor(tx, &write.cursor)?;
            Ok(Finish::Commit(true))
        })
    }
}

impl OutboxStore for SqliteStore {
    fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxEvent>> {
        self.read(|conn| outbox::pending(conn, limit))
    }

    fn mark_delivered(&self, ids: &[EventId], at: Timestamp) -> StoreResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.write(|tx| outbox::mark_delivered(tx, ids, at).map(Finish::Commit))
    }

    fn purge_delivered_events(&self, delivered_before: Timestamp, limit: u32) -> StoreResult<u64> {
        self.write(|tx| outbox::purge_delivered(tx, delivered_before, limit).map(Finish::Commit))
    }
}

impl LeaseStore for SqliteStore {
    fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> StoreResult<bool> {
        self.write(|tx| leases::acquire(tx, name, owner, now, ttl_ms).map(Finish::Commit))
    }

    fn release_lease(&self, name: &str, owner: &str) -> StoreResult<()> {
        self.write(|tx| leases::release(tx, name, owner).map(Finish::Commit))
    }
}

impl RollupStore for SqliteStore {
    fn sales(&self, from_hour: i64, to_hour_exclusive: i64) -> StoreResult<Vec<SalesRow>> {
        self.read(|conn| rollups::sales(conn, from_hour, to_hour_exclusive))
    }

    fn hourly_sales(
        &self,
        from_hour: i64,
        to_hour_exclusive: i64,
    ) -> StoreResult<Vec<HourlySales>> {
        self.read(|conn| rollups::hourly_sales(conn, from_hour, to_hour_exclusive))
    }

    fn top_products(
        &self,
        currency: Currency,
        by: TopBy,
        limit: u32,
        days: DayRange,
    ) -> StoreResult<Vec<ProductSales>> {
        self.read(|conn| rollups::top_products(conn, currency, by, limit, days))
    }

    fn status_counts(&self, days: DayRange) -> StoreResult<Vec<StatusCount>> {
        self.read(|conn| rollups::status_counts(conn, days))
    }

    fn cancellation_counts(&self, days: DayRange) -> StoreResult<Vec<CancellationCount>> {
        self.read(|conn| rollups::cancellation_counts(conn, days))
    }
}

impl StaffStore for SqliteStore {
    fn search_orders(&self, search: &OrderSearch) -> StoreResult<Vec<SearchHit>> {
        self.read(|conn| search::search(conn, search))
    }

    fn add_staff_note(&self, note: &StaffNote) -> StoreResult<bool> {
        self.write(|tx| notes::add(tx, note).map(Finish::Commit))
    }

    fn staff_notes(&self, order_id: &OrderId) -> StoreResult<Vec<StaffNote>> {
        self.read(|conn| notes::for_order(conn, order_id))
    }
}

impl ConfirmationStore for SqliteStore {
    fn sent_confirmation(&self, order_id: &OrderId) -> StoreResult<Option<SentConfirmation>> {
        self.read(|conn| confirmations::get(conn, order_id))
    }

    fn record_confirmation(&self, sent: &SentConfirmation) -> StoreResult<bool> {
        self.write(|tx| confirmations::record(tx, sent).map(Finish::Commit))
    }

    fn shipping_notice_sent(&self, order_id: &OrderId, shipment: &ShipmentId) -> StoreResult<bool> {
        self.read(|conn| confirmations::notice_sent(conn, order_id, shipment))
    }

    fn record_shipping_notice(&self, sent: &SentShippingNotice) -> StoreResult<bool> {
        self.write(|tx| confirmations::record_notice(tx, sent).map(Finish::Commit))
    }
}

impl WebhookStore for SqliteStore {
    fn create_webhook(&self, new: &NewWebhook) -> StoreResult<CreateWebhookOutcome> {
        self.write(|tx| webhooks::create(tx, new).map(Finish::Commit))
    }

    fn webhook(&self, id: &WebhookId) -> StoreResult<Option<StoredWebhook>> {
        self.read(|conn| webhooks::get(conn, id))
    }

    fn webhooks(&self, limit: u32) -> StoreResult<Vec<Subscription>> {
        self.read(|conn| webhooks::list(conn, limit))
    }

    fn update_webhook(&self, subscription: &Subscription) -> StoreResult<bool> {
        self.write(|tx| webhooks::update(tx, subscription).map(Finish::Commit))
    }

    fn rotate_webhook_secret(
        &self,
        id: &WebhookId,
        secrets: &SigningSecrets,
        at: Timestamp,
    ) -> StoreResult<bool> {
        self.write(|tx| webhooks::rotate(tx, id, secrets, at).map(Finish::Commit))
    }

    fn delete_webhook(&self, id: &WebhookId) -> StoreResult<bool> {
        self.write(|tx| webhooks::delete(tx, id).map(Finish::Commit))
    }

    fn webhook_backlog(&self, id: &WebhookId) -> StoreResult<Backlog> {
        self.read(|conn| webhooks::backlog(conn, id))
    }

    fn claim_webhook_deliveries(
        &self,
        id: &WebhookId,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        self.write(|tx| webhooks::claim(tx, id, now, lease_until, limit).map(Finish::Commit))
    }

    fn record_webhook_attempt(&self, recorded: &RecordedAttempt) -> StoreResult<bool> {
        self.write(|tx| webhooks::record(tx, recorded).map(Finish::Commit))
    }

    fn webhook_deliveries(
        &self,
        id: &WebhookId,
        before: Option<&EventId>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryLog>> {
        self.read(|conn| webhooks::deliveries(conn, id, before, limit))
    }

    fn redeliver_webhook(
        &self,
        id: &WebhookId,
        event: &EventId,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.write(|tx| webhooks::redeliver(tx, id, event, now).map(Finish::Commit))
    }

    fn purge_finished_webhook_deliveries(
        &self,
        finished_before: Timestamp,
        limit: u32,
    ) -> StoreResult<u64> {
        self.write(|tx| webhooks::purge_finished(tx, finished_before, limit).map(Finish::Commit))
    }
}

/// One pushed operation inside the caller's transaction: its order or change, result and the
/// device's new `last_seq` when the device is at `seq - 1`; otherwise what stopped it, having
/// written nothing the caller must keep.
fn apply_sync_write_in(tx: &Connection, w: &SyncWrite) -> Result<SyncWriteOutcome, OpError> {
    let state = sync::ensure_device(tx, &w.device_id, w.at)?;
    if state.last_seq.checked_add(1) != Some(w.seq) {
        return Ok(SyncWriteOutcome::SeqTaken {
            last_seq: state.last_seq,
        });
    }
    if let Some(new) = &w.place {
        if let Some(record) = orders::claim_key(tx, new)? {
            return Ok(SyncWriteOutcome::KeyTaken(record));
        }
        // Another device's push stored an order with this id since it was planned: plan
        // again, and the plan refuses the duplicate id.
        if orders::exists(tx, &new.order.id)? {
            return Ok(SyncWriteOutcome::Stale);
        }
        write_new_order(tx, new)?;
    }
    if let Some(change) = &w.change
        && !write_change(tx, change)?
    {
        return Ok(SyncWriteOutcome::Stale);
    }
    sync::insert_result(tx, &w.device_id, &w.result, w.at)?;
    sync::advance(tx, &w.device_id, w.seq, w.at)?;
    Ok(SyncWriteOutcome::Applied)
}
