//! The storage contract. Each method is one atomic unit: a backend runs it in one transaction
//! and either applies all of it or none. The engine decides *what* to write (order rows,
//! milestones, outbox events, rollup deltas); a backend only decides *how*.
//!
//! Every backend must pass the conformance suite in the `orderly-tests` crate.

use std::fmt;

use crate::analytics::{ProductSales, RollupDelta, StatusCount, TopBy};
use crate::clock::Timestamp;
use crate::document::OrderDocument;
use crate::error::StoreError;
use crate::events::OutboxEvent;
use crate::ids::{CheckoutId, EventId, IdempotencyKey, OrderId, UserId};
use crate::model::{Checkout, Milestone, Order};
use crate::money::Currency;
use crate::status::OrderStatus;

pub type StoreResult<T> = Result<T, StoreError>;

/// What an idempotency key was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub order_id: OrderId,
    /// Hash of the request that used the key first.
    pub fingerprint: String,
}

/// A new order with everything that must be written with it.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub order: Order,
    /// `order` encoded once, as the store writes it (in format [`OrderDocument::FORMAT`]).
    pub document: OrderDocument,
    /// The payment method's token, kept in its own column and never in the document.
    pub payment_token: Option<String>,
    pub idempotency_key: IdempotencyKey,
    pub fingerprint: String,
    pub event: OutboxEvent,
    pub rollup: RollupDelta,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InsertOutcome {
    Created,
    /// The key was already used (possibly by a request that committed while this one ran);
    /// nothing was written.
    KeyTaken(IdempotencyRecord),
}

/// A status change to an existing order.
#[derive(Debug, Clone)]
pub struct OrderChange {
    pub order_id: OrderId,
    pub user_id: UserId,
    /// The version the change was computed from; the write applies only if it is current.
    pub from_version: u32,
    /// The order as it is after the change (status, `updated_at`, `version`, `history`).
    pub order: Order,
    /// `order` encoded once, as the store writes it (in format [`OrderDocument::FORMAT`]).
    pub document: OrderDocument,
    /// The milestone the change appends (also the last entry of `order.history`).
    pub milestone: Milestone,
    pub event: OutboxEvent,
    pub rollup: RollupDelta,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChangeOutcome {
    Applied,
    /// The stored version is no longer `from_version` (or the order is gone); nothing written.
    Stale,
}

/// The position after which a history page starts: newest first, by (created_at, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryPosition {
    pub created_at: Timestamp,
    pub order_id: OrderId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    pub user_id: UserId,
    /// Only orders strictly older than this position.
    pub after: Option<HistoryPosition>,
    pub status: Option<OrderStatus>,
    /// How many orders to return at most.
    pub limit: u32,
}

/// Sales rows as stored: total and count per currency over whole hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesRow {
    pub currency: Currency,
    pub total_minor: i64,
    pub orders: i64,
}

/// Storage for orders, checkouts, idempotency keys, the outbox and analytics rollups.
pub trait Store: Send + Sync + fmt::Debug {
    /// A short name for logs and errors: `"sqlite"`, `"mysql"`.
    fn backend(&self) -> &'static str;

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

    fn save_checkout(&self, checkout: &Checkout) -> StoreResult<()>;
    fn checkout(&self, id: &CheckoutId) -> StoreResult<Option<Checkout>>;

    fn idempotency_record(
        &self,
        user: &UserId,
        key: &IdempotencyKey,
    ) -> StoreResult<Option<IdempotencyRecord>>;

    /// Writes the order, its idempotency key, its outbox event and its rollup deltas, all or
    /// nothing. If the key is already taken for this user, writes nothing and says by whom.
    fn insert_order(&self, new: &NewOrder) -> StoreResult<InsertOutcome>;

    /// One order as stored, undecoded.
    fn order_document(&self, id: &OrderId) -> StoreResult<Option<OrderDocument>>;

    /// A user's orders as stored, undecoded, newest first by (created_at, id).
    fn order_documents_for_user(&self, query: &HistoryQuery) -> StoreResult<Vec<OrderDocument>>;

    /// The payment token of an order's payment method, kept beside its document and never in
    /// it; `None` for an unknown order or one paid without a token (cash on delivery).
    fn payment_token(&self, id: &OrderId) -> StoreResult<Option<String>>;

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
            .map(|doc| doc.decode(self.backend()))
            .collect()
    }

    /// Applies a status change if the order is still at `from_version`, with its event and
    /// rollup deltas, all or nothing.
    fn apply_change(&self, change: &OrderChange) -> StoreResult<ChangeOutcome>;

    /// Undelivered outbox events, oldest first, at most `limit`.
    fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxEvent>>;

    /// Marks events delivered; returns how many were pending.
    fn mark_delivered(&self, ids: &[EventId], at: Timestamp) -> StoreResult<u64>;

    /// Takes the named lease for `owner` until `now + ttl_ms`, or renews it, if it is free,
    /// expired at `now` or already held by `owner`; returns whether `owner` holds it now.
    /// A lease lets one of several processes (e.g. outbox relays) do a job at a time.
    fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> StoreResult<bool>;

    /// Gives the named lease up if `owner` holds it; otherwise does nothing.
    fn release_lease(&self, name: &str, owner: &str) -> StoreResult<()>;

    /// Sales per currency for hour buckets in `[from_hour, to_hour_exclusive)`.
    fn sales(&self, from_hour: i64, to_hour_exclusive: i64) -> StoreResult<Vec<SalesRow>>;

    /// Best-selling products in one currency.
    fn top_products(
        &self,
        currency: Currency,
        by: TopBy,
        limit: u32,
    ) -> StoreResult<Vec<ProductSales>>;

    /// Orders per status (every status, zero included).
    fn status_counts(&self) -> StoreResult<Vec<StatusCount>>;
}

mod decorator;
pub use decorator::StoreDecorator;
