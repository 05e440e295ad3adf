//! Order confirmations already sent, so that a worker that reads an `order.placed` event again
//! (a redelivery, a restart, a second worker) does not send a second email.

use crate::clock::Timestamp;
use crate::ids::{EventId, OrderId, ShipmentId, UserId};

use super::StoreResult;

/// A confirmation the mail server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentConfirmation {
    /// The order confirmed.
    pub order_id: OrderId,
    /// The customer it was sent to.
    pub user_id: UserId,
    /// The `order.placed` event the confirmation was sent for.
    pub event_id: EventId,
    /// When the mail server accepted it.
    pub sent_at: Timestamp,
}

/// A shipping email the mail server accepted: one per shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentShippingNotice {
    /// The order.
    pub order_id: OrderId,
    /// The shipment announced.
    pub shipment_id: ShipmentId,
    /// The event the email was sent for.
    pub event_id: EventId,
    /// When the mail server accepted it.
    pub sent_at: Timestamp,
}

/// The record of sent order confirmations (one row per order) and shipping emails (one per
/// shipment), kept as long as the order.
pub trait ConfirmationStore: Send + Sync {
    /// The confirmation sent for `order_id`, if one was.
    fn sent_confirmation(&self, order_id: &OrderId) -> StoreResult<Option<SentConfirmation>>;

    /// Records a sent confirmation; returns false (and changes nothing) when one was already
    /// recorded for the order.
    fn record_confirmation(&self, sent: &SentConfirmation) -> StoreResult<bool>;

    /// Whether the shipping email for `shipment` of `order_id` was sent.
    fn shipping_notice_sent(&self, order_id: &OrderId, shipment: &ShipmentId) -> StoreResult<bool>;

    /// Records a sent shipping email; returns false (and changes nothing) when one was
    /// already recorded for the shipment.
    fn record_shipping_notice(&self, sent: &SentShippingNotice) -> StoreResult<bool>;
}
