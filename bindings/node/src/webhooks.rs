//! Webhook subscriptions, their health and delivery log, each call run on the libuv thread
//! pool and returning a Promise.

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use orderly::ActAs as CoreActAs;
use orderly::webhooks::{
    Attempt, DeliveryPage, DeliveryView, HealthStatus, WebhookHealth as CoreHealth, WebhookView,
};

use crate::engine::Engine;
use crate::inputs::ActAs;
use crate::task::{Job, run};

fn who(user_id: Option<String>, actor: Option<String>) -> CoreActAs {
    CoreActAs { user_id, actor }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Options of `createWebhook`.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct CreateWebhookOptions {
    /// A signing secret of your own (`whsec_` and the base64 of 24 to 64 bytes); random
    /// when absent.
    pub secret: Option<String>,
    /// A retry with the same key returns the same subscription.
    pub idempotency_key: Option<String>,
    pub user_id: Option<String>,
    pub actor: Option<String>,
}

/// What `updateWebhook` changes; absent fields stay as they are.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct UpdateWebhookOptions {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub user_id: Option<String>,
    pub actor: Option<String>,
}

/// Options of `webhookDeliveries`.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct WebhookDeliveriesOptions {
    /// A page's `nextCursor`.
    pub cursor: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<i64>,
    pub user_id: Option<String>,
    pub actor: Option<String>,
}

/// How a subscription's deliveries are doing.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct WebhookHealth {
    #[napi(ts_type = "'healthy' | 'failing' | 'disabled'")]
    pub status: String,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_failure_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub pending_count: i64,
    pub oldest_pending_age_seconds: Option<i64>,
}

impl From<CoreHealth> for WebhookHealth {
    fn from(h: CoreHealth) -> Self {
        let status = match h.status {
            HealthStatus::Healthy => "healthy",
            HealthStatus::Failing => "failing",
            HealthStatus::Disabled => "disabled",
        };
        WebhookHealth {
            status: status.to_owned(),
            last_success_at: h.last_success_at.map(|t| t.to_datetime()),
            last_failure_at: h.last_failure_at.map(|t| t.to_datetime()),
            last_failure_reason: h.last_failure_reason,
            failing_since: h.failing_since.map(|t| t.to_datetime()),
            pending_count: count(h.pending_count),
            oldest_pending_age_seconds: h.oldest_pending_age_seconds.map(count),
        }
    }
}

/// A webhook subscription; `secret` only right after it was made or rotated.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Webhook {
    pub webhook_id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
            created_at: v.created_at.to_datetime(),
            updated_at: v.updated_at.to_datetime(),
            health: v.health.into(),
            secret: v.secret,
        }
    }
}

/// One attempt at a delivery: an HTTP status, or an error when there was no answer.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct WebhookAttempt {
    pub number: u32,
    pub at: DateTime<Utc>,
    pub status: Option<u32>,
    pub error: Option<String>,
    pub latency_ms: u32,
    /// The first KiB of the answer.
    pub snippet: String,
}

impl From<Attempt> for WebhookAttempt {
    fn from(a: Attempt) -> Self {
        WebhookAttempt {
            number: a.number,
            at: a.at.to_datetime(),
            status: a.status.map(u32::from),
            error: a.error,
            latency_ms: a.latency_ms,
            snippet: a.snippet,
        }
    }
}

/// One event's delivery to a subscription, with every attempt.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    /// The delivery's id: its event's id.
    pub delivery_id: String,
    /// The `webhook-id` it is sent with, the same on every attempt.
    pub message_id: String,
    pub event_type: String,
    pub order_id: String,
    pub sequence: u32,
    #[napi(ts_type = "'pending' | 'retrying' | 'delivered' | 'failed'")]
    pub status: String,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
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
            status: d.status.as_str().to_owned(),
            next_attempt_at: d.next_attempt_at.map(|t| t.to_datetime()),
            created_at: d.created_at.to_datetime(),
            attempts: d.attempts.into_iter().map(Into::into).collect(),
        }
    }
}

/// A page of deliveries, newest first.
#[napi(object)]
#[derive(Debug, Clone)]
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

#[napi]
impl Engine {
    /// Creates a webhook subscription (staff only); the answer carries its secret, shown
    /// this once.
    #[napi(ts_return_type = "Promise<Webhook>")]
    pub fn create_webhook(
        &self,
        url: String,
        event_types: Vec<String>,
        options: Option<CreateWebhookOptions>,
    ) -> AsyncTask<Job<Webhook>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let view = engine.create_webhook(
                &url,
                &event_types,
                o.secret.as_deref(),
                o.idempotency_key.as_deref(),
                &who(o.user_id, o.actor),
            )?;
            Ok(view.into())
        })
    }

    /// Every webhook subscription with its health, oldest first (staff only).
    #[napi(ts_return_type = "Promise<Webhook[]>")]
    pub fn webhooks(&self, options: Option<ActAs>) -> AsyncTask<Job<Vec<Webhook>>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let views = engine.webhooks(&who(o.user_id, o.actor))?;
            Ok(views.into_iter().map(Into::into).collect())
        })
    }

    /// One webhook subscription with its health (staff only).
    #[napi(ts_return_type = "Promise<Webhook>")]
    pub fn webhook(&self, webhook_id: String, options: Option<ActAs>) -> AsyncTask<Job<Webhook>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            Ok(engine
                .webhook(&webhook_id, &who(o.user_id, o.actor))?
                .into())
        })
    }

    /// Changes a subscription's url, event types or enabled flag.
    #[napi(ts_return_type = "Promise<Webhook>")]
    pub fn update_webhook(
        &self,
        webhook_id: String,
        options: UpdateWebhookOptions,
    ) -> AsyncTask<Job<Webhook>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options;
            let view = engine.update_webhook(
                &webhook_id,
                o.url.as_deref(),
                o.event_types.as_deref(),
                o.enabled,
                &who(o.user_id, o.actor),
            )?;
            Ok(view.into())
        })
    }

    /// Gives a subscription a new random secret (shown this once); the previous one keeps
    /// signing beside it for a day.
    #[napi(ts_return_type = "Promise<Webhook>")]
    pub fn rotate_webhook_secret(
        &self,
        webhook_id: String,
        options: Option<ActAs>,
    ) -> AsyncTask<Job<Webhook>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            Ok(engine
                .rotate_webhook_secret(&webhook_id, &who(o.user_id, o.actor))?
                .into())
        })
    }

    /// Deletes a subscription with its deliveries and their log.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn delete_webhook(&self, webhook_id: String, options: Option<ActAs>) -> AsyncTask<Job<()>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            Ok(engine.delete_webhook(&webhook_id, &who(o.user_id, o.actor))?)
        })
    }

    /// A subscription's deliveries, newest first, each with its attempts.
    #[napi(ts_return_type = "Promise<WebhookDeliveryPage>")]
    pub fn webhook_deliveries(
        &self,
        webhook_id: String,
        options: Option<WebhookDeliveriesOptions>,
    ) -> AsyncTask<Job<WebhookDeliveryPage>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let page = engine.webhook_deliveries(
                &webhook_id,
                o.cursor.as_deref(),
                o.limit,
                &who(o.user_id, o.actor),
            )?;
            Ok(page.into())
        })
    }

    /// Sends a delivery again from now, with the same `webhook-id`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn redeliver_webhook(
        &self,
        webhook_id: String,
        delivery_id: String,
        options: Option<ActAs>,
    ) -> AsyncTask<Job<()>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            Ok(engine.redeliver_webhook(&webhook_id, &delivery_id, &who(o.user_id, o.actor))?)
        })
    }
}
