//! `durability_warnings` reaches callers unchanged: a store that says nothing reports no
//! warnings, decorators forward the inner store's, and `OrderService` passes them (and the
//! store's errors) on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use orderly_core::ShipmentId;
use orderly_core::WebhookId;
use orderly_core::analytics::{
    CancellationCount, DayRange, HourlySales, ProductSales, StatusCount, TopBy,
};
use orderly_core::search::{OrderSearch, SearchHit};
use orderly_core::store::prelude::*;
use orderly_core::store::{
    Backlog, CreateWebhookOutcome, DeliveryLog, NewWebhook, RecordedAttempt, StoredWebhook,
};
use orderly_core::store::{
    ChangeOutcome, HistoryQuery, IdempotencyRecord, InsertOutcome, NewOrder, OrderChange, SalesRow,
    SentConfirmation, StoreCapabilities, StoreResult,
};
use orderly_core::store::{
    DeviceLogState, DeviceState, FeedRow, LoggedOperation, PulledWrite, SyncWrite, SyncWriteOutcome,
};
use orderly_core::store::{SentShippingNotice, StaffStore};
use orderly_core::sync::OperationResult;
use orderly_core::timeline::StaffNote;
use orderly_core::webhooks::{ClaimedDelivery, SigningSecrets, Subscription};
use orderly_core::{
    Checkout, CheckoutId, Currency, DeviceId, EventId, IdempotencyKey, InMemoryCarts,
    OrderDocument, OrderId, OrderService, OutboxEvent, StoreDecorator, StoreError, StoreErrorKind,
    Timestamp, UserId,
};

/// The concerns these tests never call, for the stores below.
macro_rules! unused_concerns {
    ($store:ty) => {
        impl OrderStore for $store {
            fn save_checkout(&self, _: &Checkout) -> StoreResult<()> {
                unused()
            }
            fn checkout(&self, _: &CheckoutId) -> StoreResult<Option<Checkout>> {
                unused()
            }
            fn purge_expired_checkouts(&self, _: Timestamp, _: u32) -> StoreResult<u64> {
                unused()
            }
            fn idempotency_record(
                &self,
                _: &UserId,
                _: &IdempotencyKey,
            ) -> StoreResult<Option<IdempotencyRecord>> {
                unused()
            }
            fn insert_order(&self, _: &NewOrder) -> StoreResult<InsertOutcome> {
                unused()
            }
            fn order_document(&self, _: &OrderId) -> StoreResult<Option<OrderDocument>> {
                unused()
            }
            fn payment_token(&self, _: &OrderId) -> StoreResult<Option<String>> {
                unused()
            }
            fn order_documents_for_user(
                &self,
                _: &HistoryQuery,
            ) -> StoreResult<Vec<OrderDocument>> {
                unused()
            }
            fn apply_change(&self, _: &OrderChange) -> StoreResult<ChangeOutcome> {
                unused()
            }
        }
        impl OutboxStore for $store {
            fn pending_events(&self, _: u32) -> StoreResult<Vec<OutboxEvent>> {
                unused()
            }
            fn mark_delivered(&self, _: &[EventId], _: Timestamp) -> StoreResult<u64> {
                unused()
            }
            fn purge_delivered_events(&self, _: Timestamp, _: u32) -> StoreResult<u64> {
                unused()
            }
        }
        impl LeaseStore for $store {
            fn acquire_lease(&self, _: &str, _: &str, _: Timestamp, _: i64) -> StoreResult<bool> {
                unused()
            }
            fn release_lease(&self, _: &str, _: &str) -> StoreResult<()> {
                unused()
            }
        }
        impl RollupStore for $store {
            fn sales(&self, _: i64, _: i64) -> StoreResult<Vec<SalesRow>> {
                unused()
            }
            fn hourly_sales(&self, _: i64, _: i64) -> StoreResult<Vec<HourlySales>> {
                unused()
            }
            fn top_products(
                &self,
                _: Currency,
                _: TopBy,
                _: u32,
                _: DayRange,
            ) -> StoreResult<Vec<ProductSales>> {
                unused()
            }
            fn status_counts(&self, _: DayRange) -> StoreResult<Vec<StatusCount>> {
                unused()
            }
            fn cancellation_counts(&self, _: DayRange) -> StoreResult<Vec<CancellationCount>> {
                unused()
            }
        }
        impl StaffStore for $store {
            fn search_orders(&self, _: &OrderSearch) -> StoreResult<Vec<SearchHit>> {
                unused()
            }
            fn add_staff_note(&self, _: &StaffNote) -> StoreResult<bool> {
                unused()
            }
            fn staff_notes(&self, _: &OrderId) -> StoreResult<Vec<StaffNote>> {
                unused()
            }
        }
        impl ConfirmationStore for $store {
            fn sent_confirmation(&self, _: &OrderId) -> StoreResult<Option<SentConfirmation>> {
                unused()
            }
            fn record_confirmation(&self, _: &SentConfirmation) -> StoreResult<bool> {
                unused()
            }
            fn shipping_notice_sent(&self, _: &OrderId, _: &ShipmentId) -> StoreResult<bool> {
                unused()
            }
            fn record_shipping_notice(&self, _: &SentShippingNotice) -> StoreResult<bool> {
                unused()
            }
        }
        impl WebhookStore for $store {
            fn create_webhook(&self, _: &NewWebhook) -> StoreResult<CreateWebhookOutcome> {
                unused()
            }
            fn webhook(&self, _: &WebhookId) -> StoreResult<Option<StoredWebhook>> {
                unused()
            }
            fn webhooks(&self, _: u32) -> StoreResult<Vec<Subscription>> {
                unused()
            }
            fn update_webhook(&self, _: &Subscription) -> StoreResult<bool> {
                unused()
            }
            fn rotate_webhook_secret(
                &self,
                _: &WebhookId,
                _: &SigningSecrets,
                _: Timestamp,
            ) -> StoreResult<bool> {
                unused()
            }
            fn delete_webhook(&self, _: &WebhookId) -> StoreResult<bool> {
                unused()
            }
            fn webhook_backlog(&self, _: &WebhookId) -> StoreResult<Backlog> {
                unused()
            }
            fn claim_webhook_deliveries(
                &self,
                _: &WebhookId,
                _: Timestamp,
                _: Timestamp,
                _: u32,
            ) -> StoreResult<Vec<ClaimedDelivery>> {
                unused()
            }
            fn record_webhook_attempt(&self, _: &RecordedAttempt) -> StoreResult<bool> {
                unused()
            }
            fn webhook_deliveries(
                &self,
                _: &WebhookId,
                _: Option<&EventId>,
                _: u32,
            ) -> StoreResult<Vec<DeliveryLog>> {
                unused()
            }
            fn purge_finished_webhook_deliveries(&self, _: Timestamp, _: u32) -> StoreResult<u64> {
                unused()
            }
            fn redeliver_webhook(
                &self,
                _: &WebhookId,
                _: &EventId,
                _: Timestamp,
            ) -> StoreResult<bool> {
                unused()
            }
        }
        impl SyncStore for $store {
            fn device_state(&self, _: &DeviceId) -> StoreResult<Option<DeviceState>> {
                unused()
            }
            fn sync_result(&self, _: &DeviceId, _: u64) -> StoreResult<Option<OperationResult>> {
                unused()
            }
            fn apply_sync_write(&self, _: &SyncWrite) -> StoreResult<SyncWriteOutcome> {
                unused()
            }
            fn device_changes(&self, _: &DeviceId, _: u64, _: u32) -> StoreResult<Vec<FeedRow>> {
                unused()
            }
            fn device_identity(&self) -> StoreResult<Option<DeviceId>> {
                unused()
            }
            fn claim_device_identity(&self, _: &DeviceId, _: Timestamp) -> StoreResult<DeviceId> {
                unused()
            }
            fn pending_operations(&self, _: u32) -> StoreResult<Vec<LoggedOperation>> {
                unused()
            }
            fn logged_operations(&self, _: u64, _: u32) -> StoreResult<Vec<LoggedOperation>> {
                unused()
            }
            fn operations_for_order(&self, _: &OrderId) -> StoreResult<Vec<LoggedOperation>> {
                unused()
            }
            fn record_operation_results(
                &self,
                _: &[OperationResult],
                _: Timestamp,
            ) -> StoreResult<u64> {
                unused()
            }
            fn device_log_state(&self) -> StoreResult<DeviceLogState> {
                unused()
            }
            fn apply_pulled(&self, _: &PulledWrite) -> StoreResult<bool> {
                unused()
            }
        }
    };
}

fn unused<T>() -> StoreResult<T> {
    Err(StoreError::new(
        StoreErrorKind::Other,
        "test",
        "not used by these tests",
    ))
}

/// A store that keeps the trait's provided `durability_warnings`.
#[derive(Debug)]
struct Plain;

unused_concerns!(Plain);

impl Store for Plain {
    fn backend(&self) -> &'static str {
        "plain"
    }
    fn capabilities(&self) -> StoreCapabilities {
        StoreCapabilities::local(1)
    }
    fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}

/// A store whose database is set up weaker than durable (or cannot say).
#[derive(Debug)]
struct Reporting {
    answer: StoreResult<Vec<String>>,
}

unused_concerns!(Reporting);

impl Store for Reporting {
    fn backend(&self) -> &'static str {
        "reporting"
    }
    fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
    fn capabilities(&self) -> StoreCapabilities {
        StoreCapabilities::local(1)
    }
    fn durability_warnings(&self) -> StoreResult<Vec<String>> {
        self.answer.clone()
    }
}

/// Changes nothing: everything forwards.
#[derive(Debug)]
struct Passthrough<S> {
    inner: S,
}

impl<S: Store> StoreDecorator for Passthrough<S> {
    fn inner(&self) -> &dyn Store {
        &self.inner
    }
}

fn service(store: impl Store + 'static) -> OrderService {
    OrderService::builder(Arc::new(store), Arc::new(InMemoryCarts::new())).build()
}

fn weak() -> Vec<String> {
    vec![
        "the log is flushed once a second".to_owned(),
        "the binary log is not synced".to_owned(),
    ]
}

#[test]
fn a_store_that_reports_nothing_has_no_warnings() {
    assert!(Plain.durability_warnings().unwrap().is_empty());
    let store = Passthrough { inner: Plain };
    assert!(Store::durability_warnings(&store).unwrap().is_empty());
    let service = service(store);
    service.ready().unwrap();
    assert!(service.durability_warnings().unwrap().is_empty());
}

#[test]
fn decorators_and_the_service_pass_the_stores_warnings_on() {
    let store = Passthrough {
        inner: Passthrough {
            inner: Reporting { answer: Ok(weak()) },
        },
    };
    assert_eq!(Store::durability_warnings(&store).unwrap(), weak());
    let service = service(store);
    // Still ready: warnings are advice, not a failure.
    service.ready().unwrap();
    assert_eq!(service.durability_warnings().unwrap(), weak());
}

#[test]
fn a_store_that_cannot_read_its_settings_fails_the_call() {
    let service = service(Passthrough {
        inner: Reporting {
            answer: Err(StoreError::new(
                StoreErrorKind::Connection,
                "reporting",
                "connection lost",
            )),
        },
    });
    let error = service.durability_warnings().unwrap_err();
    assert_eq!(error.code(), "storage_unavailable");
}
