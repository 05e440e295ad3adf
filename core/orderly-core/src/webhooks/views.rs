//! What staff see of webhooks, in the REST API's JSON shape: a subscription with its health
//! (everything a dashboard shows), and its deliveries with their attempts.

use serde::Serialize;

use crate::clock::Timestamp;
use crate::events::EventType;
use crate::ids::{EventId, OrderId, WebhookId};

use super::delivery::{Attempt, DeliveryStatus};
use super::subscription::HealthStatus;

/// A subscription as answered to staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    /// The subscription's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub id: WebhookId,
    /// The target URL.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub url: String,
    /// The event types delivered.
    pub event_types: Vec<EventType>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// When it was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it was last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// How its deliveries are doing.
    pub health: WebhookHealth,
    /// The signing secret (`whsec_…`): only in the answers to creating the subscription and
    /// rotating its secret, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A subscription's health: what the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookHealth {
    /// `healthy`, `failing` (a delivery failed for good since the last success) or
    /// `disabled`.
    pub status: HealthStatus,
    /// The last 2xx answer.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_success_at: Option<Timestamp>,
    /// The last failed attempt.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_failure_at: Option<Timestamp>,
    /// Why it failed: `HTTP 500`, `timed out`, ...
    pub last_failure_reason: Option<String>,
    /// Since when it is failing.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub failing_since: Option<Timestamp>,
    /// Deliveries pending or retrying.
    pub pending_count: u64,
    /// Age of the oldest of them, in seconds (`null` when none is pending).
    pub oldest_pending_age_seconds: Option<u64>,
}

/// One delivery: an event sent (or to be sent) to a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// The delivery's id within its subscription: the event's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub delivery_id: EventId,
    /// The `webhook-id` header it is sent with, the same on every attempt and redelivery.
    pub message_id: String,
    /// The event's type.
    pub event_type: EventType,
    /// The event's order.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub order_id: OrderId,
    /// The event's per-order sequence.
    pub sequence: u32,
    /// `pending`, `retrying`, `delivered` or `failed`.
    pub status: DeliveryStatus,
    /// When the next attempt is due.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub next_attempt_at: Option<Timestamp>,
    /// When the event happened.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Every attempt, oldest first.
    pub attempts: Vec<Attempt>,
}

/// A page of deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPage {
    /// The deliveries on this page.
    pub deliveries: Vec<DeliveryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
