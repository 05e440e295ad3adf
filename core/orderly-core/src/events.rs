//! Outbox events: written in the same transaction as the order change they describe, then
//! relayed at least once. Consumers deduplicate by `event_id`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::clock::Timestamp;
use crate::ids::{EventId, OrderId, UserId};

/// What an outbox event announces; serialized as its dotted name.
// Deliberately exhaustive (not `#[non_exhaustive]`): the REST schema and the Python, Node and
// Swift bindings each mirror it, so a new variant must fail to compile in every front end
// rather than reach one at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    /// `order.placed`: an order was placed.
    #[serde(rename = "order.placed")]
    OrderPlaced,
    /// `order.status_changed`: an order moved to a status other than cancelled.
    #[serde(rename = "order.status_changed")]
    StatusChanged,
    /// `order.cancelled`: an order was cancelled.
    #[serde(rename = "order.cancelled")]
    OrderCancelled,
    /// `order.shipment_changed`: a shipment was added to an order or changed state.
    #[serde(rename = "order.shipment_changed")]
    ShipmentChanged,
}

impl EventType {
    /// The dotted name, e.g. `order.placed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            EventType::OrderPlaced => "order.placed",
            EventType::StatusChanged => "order.status_changed",
            EventType::OrderCancelled => "order.cancelled",
            EventType::ShipmentChanged => "order.shipment_changed",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            EventType::OrderPlaced,
            EventType::StatusChanged,
            EventType::OrderCancelled,
            EventType::ShipmentChanged,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
        .ok_or_else(|| format!("unknown event type {s:?}"))
    }
}

/// One outbox row.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEvent {
    /// Unique id; consumers deduplicate by it.
    pub event_id: EventId,
    /// What happened (serialized as `type`).
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The order it concerns.
    pub order_id: OrderId,
    /// The order's owner.
    pub user_id: UserId,
    /// Per-order sequence from 1, equal to the order version the change produced.
    pub sequence: u32,
    /// When the change happened.
    pub at: Timestamp,
    /// The event's JSON, encoded once by the engine and passed on as it is: `order.placed`
    /// carries `{"order": <the stored document>}` (payment method without its token),
    /// `order.status_changed` the change (`from`, `to`, `note`, `actor`, `version`, `shipped`),
    /// `order.cancelled` (`from`, `reason`, `note`, `actor`, `version`) and
    /// `order.shipment_changed` (`shipmentId`, `from`, `to`, `actor`, `version`,
    /// `orderStatus`, `shipped`). `shipped` lists the shipments the change shipped.
    pub payload: Box<RawValue>,
}

/// Payloads compare by their JSON text, as they are stored and relayed.
impl PartialEq for OutboxEvent {
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
