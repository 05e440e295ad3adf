//! The JSON envelope every outbox event travels in, to Kafka and to webhooks alike: one
//! function encodes it, so both carry the same bytes. Consumers deduplicate by `eventId`.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::events::OutboxEvent;

/// One event as published. On Kafka the record's key is the order id, so that all events of
/// one order land on one partition, in sequence; a webhook's body is this envelope.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Unique per event: the deduplication key for consumers.
    pub event_id: String,
    /// `order.placed`, `order.status_changed`, `order.cancelled` or `order.shipment_changed`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The order the event belongs to; also the Kafka record's key.
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

/// The envelope's JSON text: what the relay publishes and a webhook delivery posts.
pub fn encode(event: &OutboxEvent) -> Result<String, serde_json::Error> {
    serde_json::to_string(&Envelope::from(event))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::events::EventType;
    use crate::ids::{EventId, OrderId, UserId};

    #[test]
    fn the_envelope_embeds_the_payload_as_encoded() {
        let event = OutboxEvent {
            event_id: EventId::from_uuid(uuid::Uuid::from_u128(1)),
            event_type: EventType::OrderPlaced,
            order_id: OrderId::from_uuid(uuid::Uuid::from_u128(2)),
            user_id: UserId::new("alice").unwrap(),
            sequence: 1,
            at: Timestamp::from_unix_millis(1_700_000_000_123),
            payload: RawValue::from_string(r#"{"order":{"id": 1}}"#.to_owned()).unwrap(),
        };
        assert_eq!(
            encode(&event).unwrap(),
            r#"{"eventId":"00000000-0000-0000-0000-000000000001","type":"order.placed","orderId":"00000000-0000-0000-0000-000000000002","userId":"alice","sequence":1,"at":"2023-11-14T22:13:20.123Z","payload":{"order":{"id": 1}}}"#
        );
    }
}
