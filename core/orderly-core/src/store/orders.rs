//! Orders, their idempotency keys and checkout quotes: what placing and changing an order
//! reads and writes.

use crate::analytics::RollupDelta;
use crate::clock::Timestamp;
use crate::document::OrderDocument;
use crate::events::OutboxEvent;
use crate::ids::{CheckoutId, IdempotencyKey, OrderId, UserId};
use crate::model::{Checkout, Milestone, Order};
use crate::search::IndexEntry;
use crate::status::OrderStatus;

use super::{DeviceOp, FeedEntry, StoreResult};

/// What an idempotency key was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The order the key placed.
    pub order_id: OrderId,
    /// Hash of the request that used the key first.
    pub fingerprint: String,
}

/// A new order with everything that must be written with it.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// The order to write.
    pub order: Order,
    /// `order` encoded once, as the store writes it (in format [`OrderDocument::FORMAT`]).
    pub document: OrderDocument,
    /// The payment method's token, kept in its own column and never in the document.
    pub payment_token: Option<String>,
    /// The key the order was placed with, unique per user.
    pub idempotency_key: IdempotencyKey,
    /// Hash of the placing request, stored with the key to tell a replay from a different request.
    pub fingerprint: String,
    /// The `order.placed` event, written to the outbox with the order.
    pub event: OutboxEvent,
    /// The order's additions to the analytics rollups.
    pub rollup: RollupDelta,
    /// The order's search index entries ([`index_entries`](crate::search::index_entries)).
    pub index: Vec<IndexEntry>,
    /// On a device engine, the `place` operation recorded with the order.
    pub device_op: Option<DeviceOp>,
    /// On the server, for an order a device captured: its placement as the server recorded
    /// it, appended to that device's feed so the device's copy takes the server's milestone.
    pub feed: Option<FeedEntry>,
}

/// What [`OrderStore::insert_order`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InsertOutcome {
    /// The order and everything with it were written.
    Created,
    /// The key was already used (possibly by a request that committed while this one ran);
    /// nothing was written.
    KeyTaken(IdempotencyRecord),
}

/// A change to an existing order: a status move, a cancellation, a shipment.
#[derive(Debug, Clone)]
pub struct OrderChange {
    /// The order changed.
    pub order_id: OrderId,
    /// The order's owner.
    pub user_id: UserId,
    /// The version the change was computed from; the write applies only if it is current.
    pub from_version: u32,
    /// The order as it is after the change (status, `updated_at`, `version`, `history`).
    pub order: Order,
    /// `order` encoded once, as the store writes it (in format [`OrderDocument::FORMAT`]).
    pub document: OrderDocument,
    /// The order's last milestone after the change: the one it appends when its status moved,
    /// else the last one it had (a shipment change that moves no status appends none).
    pub milestone: Milestone,
    /// The event announcing the change, written to the outbox with it.
    pub event: OutboxEvent,
    /// The change's deltas to the analytics rollups.
    pub rollup: RollupDelta,
    /// The order's search index entries when the change altered them (a tracking number
    /// added): the store replaces the order's entries with these. `None`: unchanged.
    pub index: Option<Vec<IndexEntry>>,
    /// For an order captured offline, the entry appended to its device's change feed.
    pub feed: Option<FeedEntry>,
    /// On a device engine, the `cancel` operation recorded with the change.
    pub device_op: Option<DeviceOp>,
}

/// What [`OrderStore::apply_change`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ChangeOutcome {
    /// The change and everything with it were written.
    Applied,
    /// The stored version is no longer `from_version` (or the order is gone); nothing written.
    Stale,
}

/// The position after which a history page starts: newest first, by (created_at, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryPosition {
    /// The creation time of the last order on the previous page.
    pub created_at: Timestamp,
    /// Its id, which breaks ties between orders created at the same instant.
    pub order_id: OrderId,
}

/// Which of a user's orders to list, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Whose orders.
    pub user_id: UserId,
    /// Only orders strictly older than this position.
    pub after: Option<HistoryPosition>,
    /// Only orders in this status; `None` for all.
    pub status: Option<OrderStatus>,
    /// How many orders to return at most.
    pub limit: u32,
}

/// Orders, idempotency keys and checkout quotes.
pub trait OrderStore: Send + Sync {
    /// Stores a checkout quote.
    fn save_checkout(&self, checkout: &Checkout) -> StoreResult<()>;
    /// The checkout quote with this id, if it is stored.
    fn checkout(&self, id: &CheckoutId) -> StoreResult<Option<Checkout>>;

    /// Deletes at most `limit` checkouts that expired before `expired_before`; returns how many
    /// it deleted (fewer than `limit`: none are left). Orders keep the checkout id they were
    /// placed from; only the quote goes.
    fn purge_expired_checkouts(&self, expired_before: Timestamp, limit: u32) -> StoreResult<u64>;

    /// What `key` was first used for by `user`, if it was used.
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

    /// Applies a status change if the order is still at `from_version`, with its event and
    /// rollup deltas, all or nothing.
    fn apply_change(&self, change: &OrderChange) -> StoreResult<ChangeOutcome>;
}
