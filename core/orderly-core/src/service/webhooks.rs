//! Webhook subscriptions (staff only) and the two calls a sender makes: claim due deliveries,
//! record what an attempt got.

use std::time::Duration;

use crate::error::{OrderlyError, Result, ValidationError};
use crate::ids::{EventId, IdempotencyKey, WebhookId};
use crate::model::Caller;
use crate::store::{CreateWebhookOutcome, DeliveryLog, NewWebhook, RecordedAttempt, StoredWebhook};
use crate::webhooks::subscription::{ROTATION_GRACE_MS, parse_event_types};
use crate::webhooks::{
    Attempt, ClaimedDelivery, DeliveryPage, DeliveryRecord, DeliverySchedule, DeliveryView,
    SigningSecrets, Subscription, TargetPolicy, WebhookHealth, WebhookSecret, WebhookView,
    after_attempt, message_id,
};

use super::OrderService;
use super::checkout::fingerprint;

/// The most subscriptions listed (and kept: creating more is refused).
pub const MAX_WEBHOOKS: u32 = 1000;

/// Deliveries per page when the caller does not say.
pub const DEFAULT_DELIVERY_PAGE: i64 = 20;

/// How webhooks are delivered: where to, how often, how long a sender holds a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Which targets are allowed.
    pub targets: TargetPolicy,
    /// Retries and the window after which a delivery fails.
    pub schedule: DeliverySchedule,
    /// How long a claimed delivery stays with its sender: longer than one attempt may take.
    pub lease: Duration,
}

impl Default for WebhookConfig {
    /// Public `https` targets, 24 hours of retries, a 60 s lease.
    fn default() -> Self {
        WebhookConfig {
            targets: TargetPolicy::PUBLIC_ONLY,
            schedule: DeliverySchedule::default(),
            lease: Duration::from_secs(60),
        }
    }
}

/// A subscription as requested: the fields of a create or a change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookChange<'a> {
    /// The target URL.
    pub url: Option<&'a str>,
    /// Event type names.
    pub event_types: Option<&'a [String]>,
    /// Whether deliveries are made.
    pub enabled: Option<bool>,
}

impl OrderService {
    /// Creates a subscription (staff only) and answers it with its secret, the one time the
    /// secret is shown besides a rotation. `secret` is `whsec_…` or `None` for a new random
    /// one. With `key`, a repeated request answers the same subscription (and `false`); the
    /// same key with a different request is `idempotency_conflict`.
    pub fn create_webhook(
        &self,
        caller: &Caller,
        url: &str,
        event_types: &[String],
        secret: Option<&str>,
        key: Option<&IdempotencyKey>,
    ) -> Result<(WebhookView, bool)> {
        self.require_staff(caller, "manage webhooks")?;
        let url = self.config.webhooks.targets.validate_url(url)?;
        let event_types = parse_event_types(event_types)?;
        let current = match secret {
            Some(text) => WebhookSecret::parse(text)?,
            None => self.generate_secret()?,
        };
        let request_print = fingerprint(&(url.as_str(), &event_types, secret));
        let idempotency = key.map(|k| {
            (
                format!("{}:{}", caller.actor(), k.as_str()),
                request_print.clone(),
            )
        });
        if self.with_retry(|| self.store.webhooks(MAX_WEBHOOKS))?.len() >= MAX_WEBHOOKS as usize {
            return Err(ValidationError::InvalidField {
                field: "webhooks".to_owned(),
                reason: format!("at most {MAX_WEBHOOKS} subscriptions may exist"),
            }
            .into());
        }
        let now = self.clock.now();
        let new = NewWebhook {
            subscription: Subscription {
                id: WebhookId::from_uuid(self.new_uuid()),
                url,
                event_types,
                enabled: true,
                created_at: now,
                updated_at: now,
                record: DeliveryRecord::default(),
            },
            secrets: SigningSecrets {
                current,
                previous: None,
            },
            idempotency,
        };
        match self.with_retry(|| self.store.create_webhook(&new))? {
            CreateWebhookOutcome::Created => {
                let stored = StoredWebhook {
                    subscription: new.subscription,
                    secrets: new.secrets,
                };
                Ok((self.view(&stored, true)?, true))
            }
            CreateWebhookOutcome::KeyTaken { id, fingerprint } => {
                if fingerprint != request_print {
                    return Err(OrderlyError::IdempotencyConflict);
                }
                let stored = self.stored_webhook(&id)?;
                Ok((self.view(&stored, true)?, false))
            }
        }
    }

    /// Every subscription with its health, oldest first (staff only).
    pub fn webhooks(&self, caller: &Caller) -> Result<Vec<WebhookView>> {
        self.require_staff(caller, "manage webhooks")?;
        self.with_retry(|| self.store.webhooks(MAX_WEBHOOKS))?
            .into_iter()
            .map(|subscription| self.health_view(subscription, None))
            .collect()
    }

    /// One subscription with its health (staff only).
    pub fn webhook(&self, caller: &Caller, id: &WebhookId) -> Result<WebhookView> {
        self.require_staff(caller, "manage webhooks")?;
        let stored = self.stored_webhook(id)?;
        self.view(&stored, false)
    }

    /// Changes a subscription's url, event types or enabled flag (staff only). Disabling
    /// keeps its deliveries; they resume when it is enabled again.
    pub fn update_webhook(
        &self,
        caller: &Caller,
        id: &WebhookId,
        change: &WebhookChange<'_>,
    ) -> Result<WebhookView> {
        self.require_staff(caller, "manage webhooks")?;
        let mut subscription = self.stored_webhook(id)?.subscription;
        if let Some(url) = change.url {
            subscription.url = self.config.webhooks.targets.validate_url(url)?;
        }
        if let Some(types) = change.event_types {
            subscription.event_types = parse_event_types(types)?;
        }
        if let Some(enabled) = change.enabled {
            subscription.enabled = enabled;
        }
        subscription.updated_at = self.clock.now();
        if !self.with_retry(|| self.store.update_webhook(&subscription))? {
            return Err(OrderlyError::not_found("webhook", id));
        }
        self.health_view(subscription, None)
    }

    /// Gives a subscription a new secret (`whsec_…`, or a random one) and answers it; the
    /// previous secret keeps signing beside it for a day, so receivers can switch over.
    pub fn rotate_webhook_secret(
        &self,
        caller: &Caller,
        id: &WebhookId,
        secret: Option<&str>,
    ) -> Result<WebhookView> {
        self.require_staff(caller, "manage webhooks")?;
        let stored = self.stored_webhook(id)?;
        let current = match secret {
            Some(text) => WebhookSecret::parse(text)?,
            None => self.generate_secret()?,
        };
        let now = self.clock.now();
        let secrets = SigningSecrets {
            current,
            previous: Some((
                stored.secrets.current.clone(),
                now.plus_millis(ROTATION_GRACE_MS),
            )),
        };
        if !self.with_retry(|| self.store.rotate_webhook_secret(id, &secrets, now))? {
            return Err(OrderlyError::not_found("webhook", id));
        }
        let rotated = StoredWebhook {
            subscription: stored.subscription,
            secrets,
        };
        self.view(&rotated, true)
    }

    /// Deletes a subscription with its deliveries and their log (staff only).
    pub fn delete_webhook(&self, caller: &Caller, id: &WebhookId) -> Result<()> {
        self.require_staff(caller, "manage webhooks")?;
        if self.with_retry(|| self.store.delete_webhook(id))? {
            Ok(())
        } else {
            Err(OrderlyError::not_found("webhook", id))
        }
    }

    /// A subscription's deliveries, newest first, each with its attempts (staff only).
    /// `limit` is 1 to 100; `cursor` is a page's `nextCursor`.
    pub fn webhook_deliveries(
        &self,
        caller: &Caller,
        id: &WebhookId,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<DeliveryPage> {
        self.require_staff(caller, "manage webhooks")?;
        let limit = u32::try_from(limit)
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or(ValidationError::LimitOutOfRange(limit))?;
        let before = cursor
            .map(|c| EventId::parse(c).ok_or(ValidationError::InvalidCursor))
            .transpose()?;
        self.stored_webhook(id)?;
        let mut logs = self.with_retry(|| {
            self.store
                .webhook_deliveries(id, before.as_ref(), limit + 1)
        })?;
        let has_more = logs.len() > limit as usize;
        logs.truncate(limit as usize);
        let next_cursor = has_more
            .then(|| logs.last().map(|d| d.event_id.to_string()))
            .flatten();
        Ok(DeliveryPage {
            deliveries: logs.into_iter().map(|log| delivery_view(id, log)).collect(),
            next_cursor,
        })
    }

    /// Sends a delivery again (staff only): a new series of attempts from now, whatever it
    /// came to before; the receiver gets the same `webhook-id`.
    pub fn redeliver_webhook(&self, caller: &Caller, id: &WebhookId, delivery: &str) -> Result<()> {
        self.require_staff(caller, "manage webhooks")?;
        let event = EventId::parse(delivery)
            .ok_or_else(|| OrderlyError::not_found("delivery", delivery))?;
        self.stored_webhook(id)?;
        let now = self.clock.now();
        if self.with_retry(|| self.store.redeliver_webhook(id, &event, now))? {
            Ok(())
        } else {
            Err(OrderlyError::not_found("delivery", delivery))
        }
    }

    /// The enabled subscriptions with their secrets: what a sender sends for.
    pub fn webhook_senders(&self) -> Result<Vec<StoredWebhook>> {
        let mut senders = Vec::new();
        for subscription in self.with_retry(|| self.store.webhooks(MAX_WEBHOOKS))? {
            if !subscription.enabled {
                continue;
            }
            if let Some(stored) = self.with_retry(|| self.store.webhook(&subscription.id))? {
                senders.push(stored);
            }
        }
        Ok(senders)
    }

    /// Takes at most `limit` due deliveries of a subscription for one attempt each, leased
    /// for the configured lease.
    pub fn claim_webhook_deliveries(
        &self,
        id: &WebhookId,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>> {
        let now = self.clock.now();
        let lease_ms = i64::try_from(self.config.webhooks.lease.as_millis()).unwrap_or(i64::MAX);
        let until = now.plus_millis(lease_ms);
        self.with_retry(|| self.store.claim_webhook_deliveries(id, now, until, limit))
    }

    /// Records what an attempt got and moves the delivery on by the schedule; false when the
    /// lease was lost meanwhile (the attempt is then another sender's to make and record).
    pub fn record_webhook_attempt(
        &self,
        delivery: &ClaimedDelivery,
        attempt: Attempt,
    ) -> Result<bool> {
        let after = after_attempt(
            &self.config.webhooks.schedule,
            delivery,
            &attempt,
            self.clock.now(),
        );
        let recorded = RecordedAttempt {
            delivery: delivery.clone(),
            attempt,
            after,
        };
        self.with_retry(|| self.store.record_webhook_attempt(&recorded))
    }

    /// The configured webhook delivery settings.
    pub fn webhook_config(&self) -> &WebhookConfig {
        &self.config.webhooks
    }

    fn generate_secret(&self) -> Result<WebhookSecret> {
        WebhookSecret::generate().map_err(|e| {
            OrderlyError::Store(crate::error::StoreError::new(
                crate::error::StoreErrorKind::Other,
                "random",
                format!("no random bytes for a webhook secret: {e}"),
            ))
        })
    }

    fn stored_webhook(&self, id: &WebhookId) -> Result<StoredWebhook> {
        self.with_retry(|| self.store.webhook(id))?
            .ok_or_else(|| OrderlyError::not_found("webhook", id))
    }

    fn view(&self, stored: &StoredWebhook, reveal: bool) -> Result<WebhookView> {
        let secret = reveal.then(|| stored.secrets.current.reveal());
        self.health_view(stored.subscription.clone(), secret)
    }

    fn health_view(&self, s: Subscription, secret: Option<String>) -> Result<WebhookView> {
        let backlog = self.with_retry(|| self.store.webhook_backlog(&s.id))?;
        let now = self.clock.now();
        let age = backlog.oldest_pending_at.map(|oldest| {
            u64::try_from(now.unix_millis().saturating_sub(oldest.unix_millis()) / 1000)
                .unwrap_or(0)
        });
        Ok(WebhookView {
            id: s.id,
            health: WebhookHealth {
                status: s.status(),
                last_success_at: s.record.last_success_at,
                last_failure_at: s.record.last_failure_at,
                last_failure_reason: s.record.last_failure_reason,
                failing_since: s.record.failing_since,
                pending_count: backlog.pending,
                oldest_pending_age_seconds: age,
            },
            url: s.url.as_str().to_owned(),
            event_types: s.event_types,
            enabled: s.enabled,
            created_at: s.created_at,
            updated_at: s.updated_at,
            secret,
        })
    }
}

fn delivery_view(id: &WebhookId, log: DeliveryLog) -> DeliveryView {
    DeliveryView {
        message_id: message_id(id, &log.event_id),
        delivery_id: log.event_id,
        event_type: log.event_type,
        order_id: log.order_id,
        sequence: log.sequence,
        status: log.status,
        next_attempt_at: log.next_attempt_at,
        created_at: log.created_at,
        attempts: log.attempts,
    }
}
