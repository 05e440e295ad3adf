//! Stores that wrap another store and change a few of its methods (a cache, a fault injector,
//! a metrics layer). A decorator names its inner store and overrides only what it changes;
//! every other method forwards to the inner store. Typed order reads decode the decorator's
//! documents, so a decorator that changes documents changes them too. A decorator that puts a
//! network hop in front of reads says so in [`StoreDecorator::capabilities`].

use std::fmt;

use super::{
    Backlog, CreateWebhookOutcome, DeliveryLog, NewWebhook, RecordedAttempt, StoredWebhook,
    WebhookStore,
};
use super::{
    ChangeOutcome, ConfirmationStore, HistoryQuery, IdempotencyRecord, InsertOutcome, LeaseStore,
    NewOrder, OrderChange, OrderStore, OutboxStore, RollupStore, SalesRow, SentConfirmation,
    SentShippingNotice, StaffStore, Store, StoreCapabilities, StoreResult,
};
use super::{
    DeviceLogState, DeviceState, FeedRow, LoggedOperation, PulledWrite, SyncStore, SyncWrite,
    SyncWriteOutcome,
};
use crate::analytics::{
    CancellationCount, DayRange, HourlySales, ProductSales, StatusCount, TopBy,
};
use crate::clock::Timestamp;
use crate::document::OrderDocument;
use crate::events::OutboxEvent;
use crate::ids::{
    CheckoutId, DeviceId, EventId, IdempotencyKey, OrderId, ShipmentId, UserId, WebhookId,
};
use crate::model::Checkout;
use crate::money::Currency;
use crate::search::{OrderSearch, SearchHit};
use crate::sync::OperationResult;
use crate::timeline::StaffNote;
use crate::webhooks::{ClaimedDelivery, SigningSecrets, Subscription};

/// A store built around another; see the module docs. Every type that implements it is a
/// [`Store`].
///
/// ```
/// use orderly_core::store::prelude::*;
/// use orderly_core::store::{InsertOutcome, NewOrder, StoreDecorator, StoreResult};
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// /// Counts the orders written through it.
/// #[derive(Debug)]
/// struct Counting<S> {
///     inner: S,
///     inserts: AtomicU64,
/// }
///
/// impl<S: Store> StoreDecorator for Counting<S> {
///     fn inner(&self) -> &dyn Store {
///         &self.inner
///     }
///     fn insert_order(&self, new: &NewOrder) -> StoreResult<InsertOutcome> {
///         self.inserts.fetch_add(1, Ordering::Relaxed);
///         self.inner.insert_order(new)
///     }
/// }
/// ```
pub trait StoreDecorator: Send + Sync + fmt::Debug {
    /// The store every method not overridden forwards to.
    fn inner(&self) -> &dyn Store;

    /// See [`Store::backend`]; forwards to the inner store.
    fn backend(&self) -> &'static str {
        self.inner().backend()
    }
    /// See [`Store::capabilities`]; forwards to the inner store.
    fn capabilities(&self) -> StoreCapabilities {
        self.inner().capabilities()
    }
    /// See [`Store::ping`]; forwards to the inner store.
    fn ping(&self) -> StoreResult<()> {
        self.inner().ping()
    }
    /// See [`Store::durability_warnings`]; forwards to the inner store.
    fn durability_warnings(&self) -> StoreResult<Vec<String>> {
        self.inner().durability_warnings()
    }
    /// See [`OrderStore::save_checkout`]; forwards to the inner store.
    fn save_checkout(&self, checkout: &Checkout) -> StoreResult<()> {
        self.inner().save_checkout(checkout)
    }
    /// See [`OrderStore::checkout`]; forwards to the inner store.
    fn checkout(&self, id: &CheckoutId) -> StoreResult<Option<Checkout>> {
        self.inner().checkout(id)
    }
    /// See [`OrderStore::purge_expired_checkouts`]; forwards to the inner store.
    fn purge_expired_checkouts(&self, expired_before: Timestamp, limit: u32) -> StoreResult<u64> {
        self.inner().purge_expired_checkouts(expired_before, limit)
    }
    /// See [`OrderStore::idempotency_record`]; forwards to the inner store.
    fn idempotency_record(
        &self,
        user: &UserId,
        key: &IdempotencyKey,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        self.inner().idempotency_record(user, key)
    }
    /// See [`OrderStore::insert_order`]; forwards to the inner store.
    fn insert_order(&self, new: &NewOrder) -> StoreResult<InsertOutcome> {
        self.inner().insert_order(new)
    }
    /// See [`OrderStore::order_document`]; forwards to the inner store.
    fn order_document(&self, id: &OrderId) -> StoreResult<Option<OrderDocument>> {
        self.inner().order_document(id)
    }
    /// See [`OrderStore::order_documents_for_user`]; forwards to the inner store.
    fn order_documents_for_user(&self, query: &HistoryQuery) -> StoreResult<Vec<OrderDocument>> {
        self.inner().order_documents_for_user(query)
    }
    /// See [`OrderStore::payment_token`]; forwards to the inner store.
    fn payment_token(&self, id: &OrderId) -> StoreResult<Option<String>> {
        self.inner().payment_token(id)
    }
    /// See [`OrderStore::apply_change`]; forwards to the inner store.
    fn apply_change(&self, change: &OrderChange) -> StoreResult<ChangeOutcome> {
        self.inner().apply_change(change)
    }
    /// See [`OutboxStore::pending_events`]; forwards to the inner store.
    fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxEvent>> {
        self.inner().pending_events(limit)
    }
    /// See [`OutboxStore::mark_delivered`]; forwards to the inner store.
    fn mark_delivered(&self, ids: &[EventId], at: Timestamp) -> StoreResult<u64> {
        self.inner().mark_delivered(ids, at)
    }
    /// See [`OutboxStore::purge_delivered_events`]; forwards to the inner store.
    fn purge_delivered_events(&self, delivered_before: Timestamp, limit: u32) -> StoreResult<u64> {
        self.inner().purge_delivered_events(delivered_before, limit)
    }
    /// See [`LeaseStore::acquire_lease`]; forwards to the inner store.
    fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> StoreResult<bool> {
        self.inner().acquire_lease(name, owner, now, ttl_ms)
    }
    /// See [`LeaseStore::release_lease`]; forwards to the inner store.
    fn release_lease(&self, name: &str, owner: &str) -> StoreResult<()> {
        self.inner().release_lease(name, owner)
    }
    /// See [`RollupStore::sales`]; forwards to the inner store.
    fn sales(&self, from_hour: i64, to_hour_exclusive: i64) -> StoreResult<Vec<SalesRow>> {
        self.inner().sales(from_hour, to_hour_exclusive)
    }
    /// See [`RollupStore::hourly_sales`]; forwards to the inner store.
    fn hourly_sales(
        &self,
        from_hour: i64,
        to_hour_exclusive: i64,
    ) -> StoreResult<Vec<HourlySales>> {
        self.inner().hourly_sales(from_hour, to_hour_exclusive)
    }
    /// See [`RollupStore::top_products`]; forwards to the inner store.
    fn top_products(
        &self,
        currency: Currency,
        by: TopBy,
        limit: u32,
        days: DayRange,
    ) -> StoreResult<Vec<ProductSales>> {
        self.inner().top_products(currency, by, limit, days)
    }
    /// See [`RollupStore::status_counts`]; forwards to the inner store.
    fn status_counts(&self, days: DayRange) -> StoreResult<Vec<StatusCount>> {
        self.inner().status_counts(days)
    }
    /// See [`RollupStore::cancellation_counts`]; forwards to the inner store.
    fn cancellation_counts(&self, days: DayRange) -> StoreResult<Vec<CancellationCount>> {
        self.inner().cancellation_counts(days)
    }
    /// See [`ConfirmationStore::record_shipping_notice`]; forwards to the inner store.
    fn record_shipping_notice(&self, sent: &SentShippingNotice) -> StoreResult<bool> {
        self.inner().record_shipping_notice(sent)
    }
    /// See [`ConfirmationStore::shipping_notice_sent`]; forwards to the inner store.
    fn shipping_notice_sent(&self, order_id: &OrderId, shipment: &ShipmentId) -> StoreResult<bool> {
        self.inner().shipping_notice_sent(order_id, shipment)
    }
    /// See [`StaffStore::search_orders`]; forwards to the inner store.
    fn search_orders(&self, search: &OrderSearch) -> StoreResult<Vec<SearchHit>> {
        self.inner().search_orders(search)
    }
    /// See [`StaffStore::add_staff_note`]; forwards to the inner store.
    fn add_staff_note(&self, note: &StaffNote) -> StoreResult<bool> {
        self.inner().add_staff_note(note)
    }
    /// See [`StaffStore::staff_notes`]; forwards to the inner store.
    fn staff_notes(&self, order_id: &OrderId) -> StoreResult<Vec<StaffNote>> {
        self.inner().staff_notes(order_id)
    }
    /// See [`ConfirmationStore::sent_confirmation`]; forwards to the inner store.
    fn sent_confirmation(&self, order_id: &OrderId) -> StoreResult<Option<SentConfirmation>> {
        self.inner().sent_confirmation(order_id)
    }
    /// See [`ConfirmationStore::record_confirmation`]; forwards to the inner store.
    fn record_confirmation(&self, sent: &SentConfirmation) -> StoreResult<bool> {
        self.inner().record_confirmation(sent)
    }
    /// See [`SyncStore::device_state`]; forwards to the inner store.
    fn device_state(&self, device: &DeviceId) -> StoreResult<Option<DeviceState>> {
        self.inner().device_state(device)
    }
    /// See [`SyncStore::sync_result`]; forwards to the inner store.
    fn sync_result(&self, device: &DeviceId, seq: u64) -> StoreResult<Option<OperationResult>> {
        self.inner().sync_result(device, seq)
    }
    /// See [`SyncStore::apply_sync_write`]; forwards to the inner store.
    fn apply_sync_write(&self, write: &SyncWrite) -> StoreResult<SyncWriteOutcome> {
        self.inner().apply_sync_write(write)
    }
    /// See [`SyncStore::apply_sync_writes`]; forwards to the inner store.
    fn apply_sync_writes(&self, writes: &[SyncWrite]) -> StoreResult<Vec<SyncWriteOutcome>> {
        self.inner().apply_sync_writes(writes)
    }
    /// See [`SyncStore::device_changes`]; forwards to the inner store.
    fn device_changes(
        &self,
        device: &DeviceId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<FeedRow>> {
        self.inner().device_changes(device, after, limit)
    }
    /// See [`SyncStore::device_identity`]; forwards to the inner store.
    fn device_identity(&self) -> StoreResult<Option<DeviceId>> {
        self.inner().device_identity()
    }
    /// See [`SyncStore::claim_device_identity`]; forwards to the inner store.
    fn claim_device_identity(&self, device: &DeviceId, at: Timestamp) -> StoreResult<DeviceId> {
        self.inner().claim_device_identity(device, at)
    }
    /// See [`SyncStore::pending_operations`]; forwards to the inner store.
    fn pending_operations(&self, limit: u32) -> StoreResult<Vec<LoggedOperation>> {
        self.inner().pending_operations(limit)
    }
    /// See [`SyncStore::logged_operations`]; forwards to the inner store.
    fn logged_operations(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<LoggedOperation>> {
        self.inner().logged_operations(after_seq, limit)
    }
    /// See [`SyncStore::operations_for_order`]; forwards to the inner store.
    fn operations_for_order(&self, order: &OrderId) -> StoreResult<Vec<LoggedOperation>> {
        self.inner().operations_for_order(order)
    }
    /// See [`SyncStore::record_operation_results`]; forwards to the inner store.
    fn record_operation_results(
        &self,
        results: &[OperationResult],
        at: Timestamp,
    ) -> StoreResult<u64> {
        self.inner().record_operation_results(results, at)
    }
    /// See [`SyncStore::device_log_state`]; forwards to the inner store.
    fn device_log_state(&self) -> StoreResult<DeviceLogState> {
        self.inner().device_log_state()
    }
    /// See [`SyncStore::apply_pulled`]; forwards to the inner store.
    fn apply_pulled(&self, write: &PulledWrite) -> StoreResult<bool> {
        self.inner().apply_pulled(write)
    }
    /// See [`WebhookStore::create_webhook`]; forwards to the inner store.
    fn create_webhook(&self, new: &NewWebhook) -> StoreResult<CreateWebhookOutcome> {
        self.inner().create_webhook(new)
    }
    /// See [`WebhookStore::webhook`]; forwards to the inner store.
    fn webhook(&self, id: &WebhookId) -> StoreResult<Option<StoredWebhook>> {
        self.inner().webhook(id)
    }
    /// See [`WebhookStore::webhooks`]; forwards to the inner store.
    fn webhooks(&self, limit: u32) -> StoreResult<Vec<Subscription>> {
        self.inner().webhooks(limit)
    }
    /// See [`WebhookStore::update_webhook`]; forwards to the inner store.
    fn update_webhook(&self, subscription: &Subscription) -> StoreResult<bool> {
        self.inner().update_webhook(subscription)
    }
    /// See [`WebhookStore::rotate_webhook_secret`]; forwards to the inner store.
    fn rotate_webhook_secret(
        &self,
        id: &WebhookId,
        secrets: &SigningSecrets,
        at: Timestamp,
    ) -> StoreResult<bool> {
        self.inner().rotate_webhook_secret(id, secrets, at)
    }
    /// See [`WebhookStore::delete_webhook`]; forwards to the inner store.
    fn delete_webhook(&self, id: &WebhookId) -> StoreResult<bool> {
        self.inner().delete_webhook(id)
    }
    /// See [`WebhookStore::webhook_backlog`]; forwards to the inner store.
    fn webhook_backlog(&self, id: &WebhookId) -> StoreResult<Backlog> {
        self.inner().webhook_backlog(id)
    }
    /// See [`WebhookStore::claim_webhook_deliveries`]; forwards to the inner store.
    fn claim_webhook_deliveries(
        &self,
        id: &WebhookId,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        self.inner()
            .claim_webhook_deliveries(id, now, lease_until, limit)
    }
    /// See [`WebhookStore::record_webhook_attempt`]; forwards to the inner store.
    fn record_webhook_attempt(&self, recorded: &RecordedAttempt) -> StoreResult<bool> {
        self.inner().record_webhook_attempt(recorded)
    }
    /// See [`WebhookStore::webhook_deliveries`]; forwards to the inner store.
    fn webhook_deliveries(
        &self,
        id: &WebhookId,
        before: Option<&EventId>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryLog>> {
        self.inner().webhook_deliveries(id, before, limit)
    }
    /// See [`WebhookStore::redeliver_webhook`]; forwards to the inner store.
    fn redeliver_webhook(
        &self,
        id: &WebhookId,
        event: &EventId,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.inner().redeliver_webhook(id, event, now)
    }
    /// See [`WebhookStore::purge_finished_webhook_deliveries`]; forwards to the inner store.
    fn purge_finished_webhook_deliveries(
        &self,
        finished_before: Timestamp,
        limit: u32,
    ) -> StoreResult<u64> {
        self.inner()
            .purge_finished_webhook_deliveries(finished_before, limit)
    }
}

impl<D: StoreDecorator> Store for D {
    fn backend(&self) -> &'static str {
        StoreDecorator::backend(self)
    }
    fn capabilities(&self) -> StoreCapabilities {
        StoreDecorator::capabilities(self)
    }
    fn ping(&self) -> StoreResult<()> {
        StoreDecorator::ping(self)
    }
    fn durability_warnings(&self) -> StoreResult<Vec<String>> {
        StoreDecorator::durability_warnings(self)
    }
}

impl<D: StoreDecorator> OrderStore for D {
    fn save_checkout(&self, checkout: &Checkout) -> StoreResult<()> {
        StoreDecorator::save_checkout(self, checkout)
    }
    fn checkout(&self, id: &CheckoutId) -> StoreResult<Option<Checkout>> {
        StoreDecorator::checkout(self, id)
    }
    fn purge_expired_checkouts(&self, expired_before: Timestamp, limit: u32) -> StoreResult<u64> {
        StoreDecorator::purge_expired_checkouts(self, expired_before, limit)
    }
    fn idempotency_record(
        &self,
        user: &UserId,
        key: &IdempotencyKey,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        StoreDecorator::idempotency_record(self, user, key)
    }
    fn insert_order(&self, new: &NewOrder) -> StoreResult<InsertOutcome> {
        StoreDecorator::insert_order(self, new)
    }
    fn order_document(&self, id: &OrderId) -> StoreResult<Option<OrderDocument>> {
        StoreDecorator::order_document(self, id)
    }
    fn order_documents_for_user(&self, query: &HistoryQuery) -> StoreResult<Vec<OrderDocument>> {
        StoreDecorator::order_documents_for_user(self, query)
    }
    fn payment_token(&self, id: &OrderId) -> StoreResult<Option<String>> {
        StoreDecorator::payment_token(self, id)
    }
    fn apply_change(&self, change: &OrderChange) -> StoreResult<ChangeOutcome> {
        StoreDecorator::apply_change(self, change)
    }
}

impl<D: StoreDecorator> OutboxStore for D {
    fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxEvent>> {
        StoreDecorator::pending_events(self, limit)
    }
    fn mark_delivered(&self, ids: &[EventId], at: Timestamp) -> StoreResult<u64> {
        StoreDecorator::mark_delivered(self, ids, at)
    }
    fn purge_delivered_events(&self, delivered_before: Timestamp, limit: u32) -> StoreResult<u64> {
        StoreDecorator::purge_delivered_events(self, delivered_before, limit)
    }
}

impl<D: StoreDecorator> LeaseStore for D {
    fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> StoreResult<bool> {
        StoreDecorator::acquire_lease(self, name, owner, now, ttl_ms)
    }
    fn release_lease(&self, name: &str, owner: &str) -> StoreResult<()> {
        StoreDecorator::release_lease(self, name, owner)
    }
}

impl<D: StoreDecorator> RollupStore for D {
    fn sales(&self, from_hour: i64, to_hour_exclusive: i64) -> StoreResult<Vec<SalesRow>> {
        StoreDecorator::sales(self, from_hour, to_hour_exclusive)
    }
    fn hourly_sales(
        &self,
        from_hour: i64,
        to_hour_exclusive: i64,
    ) -> StoreResult<Vec<HourlySales>> {
        StoreDecorator::hourly_sales(self, from_hour, to_hour_exclusive)
    }
    fn top_products(
        &self,
        currency: Currency,
        by: TopBy,
        limit: u32,
        days: DayRange,
    ) -> StoreResult<Vec<ProductSales>> {
        StoreDecorator::top_products(self, currency, by, limit, days)
    }
    fn status_counts(&self, days: DayRange) -> StoreResult<Vec<StatusCount>> {
        StoreDecorator::status_counts(self, days)
    }
    fn cancellation_counts(&self, days: DayRange) -> StoreResult<Vec<CancellationCount>> {
        StoreDecorator::cancellation_counts(self, days)
    }
}

impl<D: StoreDecorator> StaffStore for D {
    fn search_orders(&self, search: &OrderSearch) -> StoreResult<Vec<SearchHit>> {
        StoreDecorator::search_orders(self, search)
    }
    fn add_staff_note(&self, note: &StaffNote) -> StoreResult<bool> {
        StoreDecorator::add_staff_note(self, note)
    }
    fn staff_notes(&self, order_id: &OrderId) -> StoreResult<Vec<StaffNote>> {
        StoreDecorator::staff_notes(self, order_id)
    }
}

impl<D: StoreDecorator> ConfirmationStore for D {
    fn sent_confirmation(&self, order_id: &OrderId) -> StoreResult<Option<SentConfirmation>> {
        StoreDecorator::sent_confirmation(self, order_id)
    }
    fn record_confirmation(&self, sent: &SentConfirmation) -> StoreResult<bool> {
        StoreDecorator::record_confirmation(self, sent)
    }
    fn record_shipping_notice(&self, sent: &SentShippingNotice) -> StoreResult<bool> {
        StoreDecorator::record_shipping_notice(self, sent)
    }
    fn shipping_notice_sent(&self, order_id: &OrderId, shipment: &ShipmentId) -> StoreResult<bool> {
        StoreDecorator::shipping_notice_sent(self, order_id, shipment)
    }
}

impl<D: StoreDecorator> SyncStore for D {
    fn device_state(&self, device: &DeviceId) -> StoreResult<Option<DeviceState>> {
        StoreDecorator::device_state(self, device)
    }
    fn sync_result(&self, device: &DeviceId, seq: u64) -> StoreResult<Option<OperationResult>> {
        StoreDecorator::sync_result(self, device, seq)
    }
    fn apply_sync_write(&self, write: &SyncWrite) -> StoreResult<SyncWriteOutcome> {
        StoreDecorator::apply_sync_write(self, write)
    }
    fn device_changes(
        &self,
        device: &DeviceId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<FeedRow>> {
        StoreDecorator::device_changes(self, device, after, limit)
    }
    fn device_identity(&self) -> StoreResult<Option<DeviceId>> {
        StoreDecorator::device_identity(self)
    }
    fn claim_device_identity(&self, device: &DeviceId, at: Timestamp) -> StoreResult<DeviceId> {
        StoreDecorator::claim_device_identity(self, device, at)
    }
    fn pending_operations(&self, limit: u32) -> StoreResult<Vec<LoggedOperation>> {
        StoreDecorator::pending_operations(self, limit)
    }
    fn logged_operations(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<LoggedOperation>> {
        StoreDecorator::logged_operations(self, after_seq, limit)
    }
    fn operations_for_order(&self, order: &OrderId) -> StoreResult<Vec<LoggedOperation>> {
        StoreDecorator::operations_for_order(self, order)
    }
    fn record_operation_results(
        &self,
        results: &[OperationResult],
        at: Timestamp,
    ) -> StoreResult<u64> {
        StoreDecorator::record_operation_results(self, results, at)
    }
    fn device_log_state(&self) -> StoreResult<DeviceLogState> {
        StoreDecorator::device_log_state(self)
    }
    fn apply_pulled(&self, write: &PulledWrite) -> StoreResult<bool> {
        StoreDecorator::apply_pulled(self, write)
    }
}

impl<D: StoreDecorator> WebhookStore for D {
    fn create_webhook(&self, new: &NewWebhook) -> StoreResult<CreateWebhookOutcome> {
        StoreDecorator::create_webhook(self, new)
    }
    fn webhook(&self, id: &WebhookId) -> StoreResult<Option<StoredWebhook>> {
        StoreDecorator::webhook(self, id)
    }
    fn webhooks(&self, limit: u32) -> StoreResult<Vec<Subscription>> {
        StoreDecorator::webhooks(self, limit)
    }
    fn update_webhook(&self, subscription: &Subscription) -> StoreResult<bool> {
        StoreDecorator::update_webhook(self, subscription)
    }
    fn rotate_webhook_secret(
        &self,
        id: &WebhookId,
        secrets: &SigningSecrets,
        at: Timestamp,
    ) -> StoreResult<bool> {
        StoreDecorator::rotate_webhook_secret(self, id, secrets, at)
    }
    fn delete_webhook(&self, id: &WebhookId) -> StoreResult<bool> {
        StoreDecorator::delete_webhook(self, id)
    }
    fn webhook_backlog(&self, id: &WebhookId) -> StoreResult<Backlog> {
        StoreDecorator::webhook_backlog(self, id)
    }
    fn claim_webhook_deliveries(
        &self,
        id: &WebhookId,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        StoreDecorator::claim_webhook_deliveries(self, id, now, lease_until, limit)
    }
    fn record_webhook_attempt(&self, recorded: &RecordedAttempt) -> StoreResult<bool> {
        StoreDecorator::record_webhook_attempt(self, recorded)
    }
    fn webhook_deliveries(
        &self,
        id: &WebhookId,
        before: Option<&EventId>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryLog>> {
        StoreDecorator::webhook_deliveries(self, id, before, limit)
    }
    fn redeliver_webhook(
        &self,
        id: &WebhookId,
        event: &EventId,
        now: Timestamp,
    ) -> StoreResult<bool> {
        StoreDecorator::redeliver_webhook(self, id, event, now)
    }
    fn purge_finished_webhook_deliveries(
        &self,
        finished_before: Timestamp,
        limit: u32,
    ) -> StoreResult<u64> {
        StoreDecorator::purge_finished_webhook_deliveries(self, finished_before, limit)
    }
}
