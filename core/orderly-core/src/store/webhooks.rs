//! Webhook subscriptions and their deliveries. The deliveries themselves are written by the
//! outbox: a store fans each event out to the enabled subscriptions of its type in the
//! transaction that writes the event (one `INSERT … SELECT`), so a delivery exists exactly
//! when its event does, with the event's envelope as its body.

use crate::clock::Timestamp;
use crate::events::EventType;
use crate::ids::{EventId, OrderId, WebhookId};
use crate::webhooks::{
    AfterAttempt, Attempt, ClaimedDelivery, DeliveryStatus, SigningSecrets, Subscription,
};

use super::StoreResult;

/// A subscription to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// The subscription (its record empty).
    pub subscription: Subscription,
    /// Its first secret.
    pub secrets: SigningSecrets,
    /// The creating request's idempotency key and fingerprint: a second create with the same
    /// key finds the first subscription instead of making another.
    pub idempotency: Option<(String, String)>,
}

/// What [`WebhookStore::create_webhook`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateWebhookOutcome {
    /// The subscription was stored.
    Created,
    /// The idempotency key was used before: for this subscription, by a request with this
    /// fingerprint.
    KeyTaken {
        /// The subscription the key created.
        id: WebhookId,
        /// The fingerprint of the request that created it.
        fingerprint: String,
    },
}

/// A subscription with its secrets, for the sender and for rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWebhook {
    /// The subscription.
    pub subscription: Subscription,
    /// Its secrets.
    pub secrets: SigningSecrets,
}

/// A subscription's deliveries still to be made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Deliveries pending or retrying.
    pub pending: u64,
    /// When the oldest of them was created.
    pub oldest_pending_at: Option<Timestamp>,
}

/// An attempt to record, with the state it leaves the delivery in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAttempt {
    /// The delivery as it was claimed; only the holder of its lease records.
    pub delivery: ClaimedDelivery,
    /// What the attempt got (the store numbers it).
    pub attempt: Attempt,
    /// The delivery's new state.
    pub after: AfterAttempt,
}

/// One delivery for staff: where it stands and every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryLog {
    /// The event, which is also the delivery's id within its subscription.
    pub event_id: EventId,
    /// The event's type.
    pub event_type: EventType,
    /// The event's order.
    pub order_id: OrderId,
    /// The event's per-order sequence.
    pub sequence: u32,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// When the next attempt is due (pending or retrying).
    pub next_attempt_at: Option<Timestamp>,
    /// When the delivery was created (with its event).
    pub created_at: Timestamp,
    /// Every attempt, oldest first.
    pub attempts: Vec<Attempt>,
}

/// Webhook subscriptions and deliveries.
pub trait WebhookStore: Send + Sync {
    /// Stores a new subscription, or reports that its idempotency key was used before.
    fn create_webhook(&self, new: &NewWebhook) -> StoreResult<CreateWebhookOutcome>;

    /// One subscription with its secrets.
    fn webhook(&self, id: &WebhookId) -> StoreResult<Option<StoredWebhook>>;

    /// Subscriptions in creation order, at most `limit`.
    fn webhooks(&self, limit: u32) -> StoreResult<Vec<Subscription>>;

    /// Writes a subscription's url, event types, enabled flag and `updated_at`; false when
    /// there is no such subscription.
    fn update_webhook(&self, subscription: &Subscription) -> StoreResult<bool>;

    /// Replaces a subscription's secrets; false when there is no such subscription.
    fn rotate_webhook_secret(
        &self,
        id: &WebhookId,
        secrets: &SigningSecrets,
        at: Timestamp,
    ) -> StoreResult<bool>;

    /// Deletes a subscription with its deliveries and their attempts; false when there was
    /// none.
    fn delete_webhook(&self, id: &WebhookId) -> StoreResult<bool>;

    /// The subscription's deliveries still to be made.
    fn webhook_backlog(&self, id: &WebhookId) -> StoreResult<Backlog>;

    /// Takes at most `limit` due deliveries of an enabled subscription (pending or retrying,
    /// due by `now`, not leased past `now`, and with no earlier-sequence delivery of the same
    /// order still pending or retrying) and leases them until `lease_until`.
    fn claim_webhook_deliveries(
        &self,
        id: &WebhookId,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>>;

    /// Records an attempt and the delivery's new state in one transaction, and updates the
    /// subscription's record (last success; last failure and its reason; failing from a
    /// failed delivery until the next success). False, writing nothing, when the lease is no
    /// longer the one claimed (it expired and another sender took the delivery, or the
    /// subscription was deleted).
    fn record_webhook_attempt(&self, recorded: &RecordedAttempt) -> StoreResult<bool>;

    /// A subscription's deliveries, newest event first, after the event `before` when given,
    /// at most `limit`, each with its attempts.
    fn webhook_deliveries(
        &self,
        id: &WebhookId,
        before: Option<&EventId>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryLog>>;

    /// Starts a new series for a delivery: pending, due at `now`, its attempt count reset
    /// (its log kept). A delivery being attempted keeps its lease. False when there is no
    /// such delivery.
    fn redeliver_webhook(
        &self,
        id: &WebhookId,
        event: &EventId,
        now: Timestamp,
    ) -> StoreResult<bool>;

    /// Deletes at most `limit` deliveries that are over (delivered or failed) and whose last
    /// attempt was before `finished_before`, with their attempts; returns how many it deleted
    /// (fewer than `limit`: none are left). Open deliveries are never deleted.
    fn purge_finished_webhook_deliveries(
        &self,
        finished_before: Timestamp,
        limit: u32,
    ) -> StoreResult<u64>;
}
