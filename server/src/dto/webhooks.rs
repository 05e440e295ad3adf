//! Bodies of the webhook subscription requests. The answers are the engine's own
//! (`WebhookView`, `DeliveryPage`).

use serde::Deserialize;
use utoipa::ToSchema;

use crate::extract::ApiBody;

/// Body of `POST /webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = WebhookRequest)]
pub struct WebhookBody {
    /// Where deliveries are posted: an `https` URL on a public address.
    #[schema(min_length = 1, max_length = 2048)]
    pub url: String,
    /// The event types delivered: `order.placed`, `order.status_changed`, `order.cancelled`,
    /// `order.shipment_changed`.
    #[schema(value_type = Vec<orderly::EventType>, min_items = 1)]
    pub event_types: Vec<String>,
    /// A signing secret of your own, `whsec_` and the base64 of 24 to 64 bytes; a random one
    /// when absent.
    #[schema(max_length = 128)]
    pub secret: Option<String>,
}

impl ApiBody for WebhookBody {}

/// Body of `PATCH /webhooks/{webhookId}`: the fields to change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = WebhookChangeRequest)]
pub struct WebhookPatchBody {
    /// A new target URL.
    #[schema(min_length = 1, max_length = 2048)]
    pub url: Option<String>,
    /// New event types.
    #[schema(value_type = Option<Vec<orderly::EventType>>, min_items = 1)]
    pub event_types: Option<Vec<String>>,
    /// Whether deliveries are made.
    pub enabled: Option<bool>,
}

impl ApiBody for WebhookPatchBody {}
