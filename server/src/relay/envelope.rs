//! The JSON envelope each outbox event travels in. Consumers deduplicate by `eventId`.

use orderly::OutboxEvent;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// One event as published: the record's value. The record's key is the order id, so that all
/// events of one order land on one partition, in sequence.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Unique per event: the deduplication key for consumers.
    pub event_id: String,
    /// `order.placed`, `order.status_changed`, `order.cancelled` or `order.shipment_changed`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The order the event belongs to; also the record's key.
    pub order_id: String,
    /// The order's owner.
    pub user_id: String,
    /// Per-order sequence from 1 (the order version the change produced).
    pub sequence: u32,
    /// When the change happened, RFC 3339 UTC.
    pub at: String,
    /// The payload as the engine encoded it, embedded as it is (never parsed and re-encoded).
    /// An `order.placed` carries the order's document, whose payment method has no token.
    pub payload: Box<RawValue>,
}

impl PartialEq for Envelope {
    fn eq(&self, other: &Self) -> bool {
        self.event_id == other.event_id
            && self.event_type == other.event_type
            && self.order_id == other.order_id
            && self.user_id == other.user_id
            && self.sequence == other.sequence
            && self.at == other.at
            && self.payload.get() == other.payload.get()
    }
}

impl From<&OutboxEvent> for Envelope {
    fn from(e: &OutboxEvent) -> Self {
        Envelope {
            event_id: e.event_id.to_string(),
            event_type: e.event_type.as_str().to_owned(),
            order_id: e.order_id.to_string(),
            user_id: e.user_id.as_str().to_owned(),
            sequence: e.sequence,
            at: e.at.to_rfc3339(),
            payload: e.payload.clone(),
        }
    }
}
