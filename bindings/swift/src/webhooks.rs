//! Webhook subscriptions, their health and delivery log, as more `Engine` methods and records.

use std::time::SystemTime;

use orderly::ActAs;
use orderly::webhooks::{
    Attempt, DeliveryPage, DeliveryStatus, DeliveryView, HealthStatus, WebhookHealth as CoreHealth,
    WebhookView,
};

use crate::engine::Engine;
use crate::errors::OrderlyError;
use crate::values::system_time;

type Result<T, E = OrderlyError> = std::result::Result<T, E>;

/// Whether a subscription is healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum WebhookStatus {
    Healthy,
    /// A delivery failed for good since the last success.
    Failing,
    Disabled,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum WebhookDeliveryStatus {
    Pending,
    Retrying,
    Delivered,
    Failed,
}

/// How a subscription's deliveries are doing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct WebhookHealth {
    pub status: WebhookStatus,
    pub last_success_at: Option<SystemTime>,
    pub last_failure_at: Option<SystemTime>,
    pub last_failure_reason: Option<String>,
    pub failing_since: Option<SystemTime>,
    pub pending_count: u64,
    pub oldest_pending_age_seconds: Option<u64>,
}

impl From<CoreHealth> for WebhookHealth {
    fn from(h: CoreHealth) -> Self {
        WebhookHealth {
            status: match h.status {
                HealthStatus::Healthy => WebhookStatus::Healthy,
                HealthStatus::Failing => WebhookStatus::Failing,
                HealthStatus::Disabled => WebhookStatus::Disabled,
            },
            last_success_at: h.last_success_at.map(system_time),
            last_failure_at: h.last_failure_at.map(system_time),
            last_failure_reason: h.last_failure_reason,
            failing_since: h.failing_since.map(system_time),
            pending_count: h.pending_count,
            oldest_pending_age_seconds: h.oldest_pending_age_seconds,
        }
    }
}

/// A webhook subscription; `secret` only right after it was made or rotated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Webhook {
    pub webhook_id: String,
    pub url: String,
    /// Dotted names: `order.placed`, ...
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub health: WebhookHealth,
    pub secret: Option<String>,
}

impl From<WebhookView> for Webhook {
    fn from(v: WebhookView) -> Self {
        Webhook {
            webhook_id: v.id.to_string(),
            url: v.url,
            event_types: v
                .event_types
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
            enabled: v.enabled,
            created_at: system_time(v.created_at),
            updated_at: system_time(v.updated_at),
            health: v.health.into(),
            secret: v.secret,
        }
    }
}

/// One attempt at a delivery: an HTTP status, or an error when there was no answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct WebhookAttempt {
    pub number: u32,
    pub at: SystemTime,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: u32,
    /// The first KiB of the answer.
    pub snippet: String,
}

impl From<Attempt> for WebhookAttempt {
    fn from(a: Attempt) -> Self {
        WebhookAttempt {
            number: a.number,
            at: system_time(a.at),
            status: a.status,
            error: a.error,
            latency_ms: a.latency_ms,
            snippet: a.snippet,
        }
    }
}

/// One event's delivery to a subscription, with every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct WebhookDelivery {
    /// The delivery's id: its event's id.
    pub delivery_id: String,
    /// The `webhook-id` it is sent with, the same on every attempt.
    pub message_id: String,
    pub event_type: String,
    pub order_id: String,
    pub sequence: u32,
    pub status: WebhookDeliveryStatus,
    pub next_attempt_at: Option<SystemTime>,
    pub created_at: SystemTime,
    pub attempts: Vec<WebhookAttempt>,
}

impl From<DeliveryView> for WebhookDelivery {
    fn from(d: DeliveryView) -> Self {
        WebhookDelivery {
            delivery_id: d.delivery_id.to_string(),
            message_id: d.message_id,
            event_type: d.event_type.as_str().to_owned(),
            order_id: d.order_id.to_string(),
            sequence: d.sequence,
            status: match d.status {
                DeliveryStatus::Pending => WebhookDeliveryStatus::Pending,
                DeliveryStatus::Retrying => WebhookDeliveryStatus::Retrying,
                DeliveryStatus::Delivered => WebhookDeliveryStatus::Delivered,
                DeliveryStatus::Failed => WebhookDeliveryStatus::Failed,
            },
            next_attempt_at: d.next_attempt_at.map(system_time),
            created_at: system_time(d.created_at),
            attempts: d.attempts.into_iter().map(Into::into).collect(),
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct WebhookDeliveryPage {
    pub deliveries: Vec<WebhookDelivery>,
    pub next_cursor: Option<String>,
}

impl From<DeliveryPage> for WebhookDeliveryPage {
    fn from(p: DeliveryPage) -> Self {
        WebhookDeliveryPage {
            deliveries: p.deliveries.into_iter().map(Into::into).collect(),
            next_cursor: p.next_cursor,
        }
    }
}

#[uniffi::export]
impl Engine {
    /// Creates a webhook subscription (staff only); the answer carries its secret, shown
    /// this once. With `idempotency_key`, a retry returns the same subscription.
    #[uniffi::method(default(secret = None, idempotency_key = None, user_id = None, actor = None))]
    pub fn create_webhook(
        &self,
        url: String,
        event_types: Vec<String>,
        secret: Option<String>,
        idempotency_key: Option<String>,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<Webhook> {
        let who = ActAs { user_id, actor };
        let view = self.engine.create_webhook(
            &url,
            &event_types,
            secret.as_deref(),
            idempotency_key.as_deref(),
            &who,
        )?;
        Ok(view.into())
    }

    /// Every webhook subscription with its health, oldest first (staff only).
    #[uniffi::method(default(user_id = None, actor = None))]
    pub fn webhooks(&self, user_id: Option<String>, actor: Option<String>) -> Result<Vec<Webhook>> {
        let views = self.engine.webhooks(&ActAs { user_id, actor })?;
        Ok(views.into_iter().map(Into::into).collect())
    }

    /// One webhook subscription with its health (staff only).
    #[uniffi::method(default(user_id = None, actor = None))]
    pub fn webhook(
        &self,
        webhook_id: String,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<Webhook> {
        Ok(self
            .engine
            .webhook(&webhook_id, &ActAs { user_id, actor })?
            .into())
    }

    /// Changes a subscription's url, event types or enabled flag; nil keeps each.
    #[uniffi::method(default(url = None, event_types = None, enabled = None, user_id = None, actor = None))]
    pub fn update_webhook(
        &self,
        webhook_id: String,
        url: Option<String>,
        event_types: Option<Vec<String>>,
        enabled: Option<bool>,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<Webhook> {
        let view = self.engine.update_webhook(
            &webhook_id,
            url.as_deref(),
            event_types.as_deref(),
            enabled,
            &ActAs { user_id, actor },
        )?;
        Ok(view.into())
    }

    /// Gives a subscription a new random secret (shown this once); the previous one keeps
    /// signing beside it for a day.
    #[uniffi::method(default(user_id = None, actor = None))]
    pub fn rotate_webhook_secret(
        &self,
        webhook_id: String,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<Webhook> {
        Ok(self
            .engine
            .rotate_webhook_secret(&webhook_id, &ActAs { user_id, actor })?
            .into())
    }

    /// Deletes a subscription with its deliveries and their log.
    #[uniffi::method(default(user_id = None, actor = None))]
    pub fn delete_webhook(
        &self,
        webhook_id: String,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<()> {
        Ok(self
            .engine
            .delete_webhook(&webhook_id, &ActAs { user_id, actor })?)
    }

    /// A subscription's deliveries, newest first, each with its attempts; `limit` 1 to 100.
    #[uniffi::method(default(cursor = None, limit = None, user_id = None, actor = None))]
    pub fn webhook_deliveries(
        &self,
        webhook_id: String,
        cursor: Option<String>,
        limit: Option<i64>,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<WebhookDeliveryPage> {
        let page = self.engine.webhook_deliveries(
            &webhook_id,
            cursor.as_deref(),
            limit,
            &ActAs { user_id, actor },
        )?;
        Ok(page.into())
    }

    /// Sends a delivery again from now, with the same `webhook-id`.
    #[uniffi::method(default(user_id = None, actor = None))]
    pub fn redeliver_webhook(
        &self,
        webhook_id: String,
        delivery_id: String,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<()> {
        Ok(self
            .engine
            .redeliver_webhook(&webhook_id, &delivery_id, &ActAs { user_id, actor })?)
    }
}
