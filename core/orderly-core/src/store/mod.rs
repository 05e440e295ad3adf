//! The storage contract, one trait per concern, each in its own module:
//!
//! * [`OrderStore`]: orders, idempotency keys, checkout quotes;
//! * [`OutboxStore`]: the transactional outbox;
//! * [`LeaseStore`]: named leases;
//! * [`RollupStore`]: analytics rollups;
//! * [`ConfirmationStore`]: order confirmations already sent;
//! * [`StaffStore`]: search across all orders, staff notes;
//! * [`WebhookStore`]: webhook subscriptions and their deliveries;
//! * [`SyncStore`]: offline sync, on the server (device rows, results, change feeds) and on a
//!   device (its identity, its operation log, its pull cursor).
//!
//! [`Store`] is all of them plus what describes the store itself (its name, its
//! [`StoreCapabilities`], its health); the engine holds an `Arc<dyn Store>`. Import the concern
//! traits whose methods you call, or everything with `use orderly_core::store::prelude::*`.
//!
//! Each method is one atomic unit: a backend runs it in one transaction and either applies all
//! of it or none. The engine decides *what* to write (order rows, milestones, outbox events,
//! rollup deltas); a backend only decides *how*. Every backend must pass the conformance suite
//! in the `orderly-tests` crate.

use std::fmt;

use crate::document::OrderDocument;
use crate::error::StoreError;
use crate::ids::OrderId;
use crate::model::Order;

mod capabilities;
mod confirmations;
mod decorator;
mod leases;
mod orders;
mod outbox;
mod rollups;
mod staff;
mod sync;
mod webhooks;

pub use capabilities::StoreCapabilities;
pub use confirmations::{ConfirmationStore, SentConfirmation, SentShippingNotice};
pub use decorator::StoreDecorator;
pub use leases::LeaseStore;
pub use orders::{
    ChangeOutcome, HistoryPosition, HistoryQuery, IdempotencyRecord, InsertOutcome, NewOrder,
    OrderChange, OrderStore,
};
pub use outbox::OutboxStore;
pub use rollups::{RollupStore, SalesRow};
pub use staff::StaffStore;
pub use sync::{
    DeviceLogState, DeviceOp, DeviceState, FeedEntry, FeedRow, LoggedOperation, PulledOrder,
    PulledWrite, SyncStore, SyncWrite, SyncWriteOutcome,
};
pub use webhooks::{
    Backlog, CreateWebhookOutcome, DeliveryLog, NewWebhook, RecordedAttempt, StoredWebhook,
    WebhookStore,
};

/// What every store call returns: a [`StoreError`] on failure.
pub type StoreResult<T> = Result<T, StoreError>;

/// Every store trait, for `use orderly_core::store::prelude::*`.
pub mod prelude {
    pub use super::{
        ConfirmationStore, LeaseStore, OrderStore, OutboxStore, RollupStore, StaffStore, Store,
        SyncStore, WebhookStore,
    };
}

/// A complete store: every concern, plus what describes the store itself.
pub trait Store:
    OrderStore
    + OutboxStore
    + LeaseStore
    + RollupStore
    + ConfirmationStore
    + StaffStore
    + SyncStore
    + WebhookStore
    + fmt::Debug
{
    /// A short name for logs and errors: `"sqlite"`, `"mysql"`. Not for deciding behaviour:
    /// ask [`Store::capabilities`].
    fn backend(&self) -> &'static str;

    /// What the store is like to call.
    fn capabilities(&self) -> StoreCapabilities;

    /// Answers when the store can serve requests.
    fn ping(&self) -> StoreResult<()>;

    /// Settings of the underlying database that let an acknowledged write be lost, one
    /// sentence each saying what can be lost and what to set instead; empty when durable.
    /// Advice, not a failure: a store that reports warnings still serves requests (servers
    /// log them at startup and show them in readiness answers). A setting the database does
    /// not have, or whose value the store does not recognise, gives no warning.
    ///
    /// The default reports nothing, for stores whose durability does not depend on settings
    /// outside the store's own control.
    fn durability_warnings(&self) -> StoreResult<Vec<String>> {
        Ok(Vec::new())
    }

    /// One order, decoded.
    fn order(&self, id: &OrderId) -> StoreResult<Option<Order>> {
        self.order_document(id)?
            .map(|doc| doc.decode(self.backend()))
            .transpose()
    }

    /// A user's orders, decoded, newest first by (created_at, id).
    fn orders_for_user(&self, query: &HistoryQuery) -> StoreResult<Vec<Order>> {
        self.order_documents_for_user(query)?
            .iter()
            .map(|doc: &OrderDocument| doc.decode(self.backend()))
            .collect()
    }
}
