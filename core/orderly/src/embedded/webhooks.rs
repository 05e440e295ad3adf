//! Webhook subscriptions through [`Embedded`]: the staff calls of `POST /webhooks` and the
//! rest, with ids as text and the caller from [`ActAs`]. An embedded engine sends no webhooks
//! itself; a server on the same database does, and the application manages what it sends.

use orderly_core::webhooks::{DeliveryPage, WebhookView};
use orderly_core::{IdempotencyKey, Result, WebhookChange, parse};

use super::{ActAs, Embedded};

/// Deliveries per page when the caller gives no limit.
pub const DEFAULT_DELIVERY_PAGE: i64 = orderly_core::service::DEFAULT_DELIVERY_PAGE;

impl Embedded {
    /// Creates a subscription (staff only) and answers it with its secret, shown this once:
    /// `url` an `https` URL on a public address, `event_types` dotted names, `secret` a
    /// `whsec_…` of your own or `None` for a random one. With `idempotency_key`, a retry
    /// answers the same subscription.
    pub fn create_webhook(
        &self,
        url: &str,
        event_types: &[String],
        secret: Option<&str>,
        idempotency_key: Option<&str>,
        who: &ActAs,
    ) -> Result<WebhookView> {
        let caller = who.caller()?;
        let key = idempotency_key.map(IdempotencyKey::new).transpose()?;
        let (view, _) =
            self.service
                .create_webhook(&caller, url, event_types, secret, key.as_ref())?;
        Ok(view)
    }

    /// Every subscription with its health, oldest first (staff only).
    pub fn webhooks(&self, who: &ActAs) -> Result<Vec<WebhookView>> {
        self.service.webhooks(&who.caller()?)
    }

    /// One subscription with its health (staff only).
    pub fn webhook(&self, webhook_id: &str, who: &ActAs) -> Result<WebhookView> {
        let caller = who.caller()?;
        self.service
            .webhook(&caller, &parse::webhook_id(webhook_id)?)
    }

    /// Changes a subscription's url, event types or enabled flag; `None` keeps each.
    pub fn update_webhook(
        &self,
        webhook_id: &str,
        url: Option<&str>,
        event_types: Option<&[String]>,
        enabled: Option<bool>,
        who: &ActAs,
    ) -> Result<WebhookView> {
        let caller = who.caller()?;
        let change = WebhookChange {
            url,
            event_types,
            enabled,
        };
        self.service
            .update_webhook(&caller, &parse::webhook_id(webhook_id)?, &change)
    }

    /// Gives a subscription a new random secret and answers it, shown this once; the
    /// previous one signs beside it for a day.
    pub fn rotate_webhook_secret(&self, webhook_id: &str, who: &ActAs) -> Result<WebhookView> {
        let caller = who.caller()?;
        self.service
            .rotate_webhook_secret(&caller, &parse::webhook_id(webhook_id)?, None)
    }

    /// Deletes a subscription with its deliveries and their log.
    pub fn delete_webhook(&self, webhook_id: &str, who: &ActAs) -> Result<()> {
        let caller = who.caller()?;
        self.service
            .delete_webhook(&caller, &parse::webhook_id(webhook_id)?)
    }

    /// A subscription's deliveries, newest first, with their attempts; `limit` 1 to 100
    /// ([`DEFAULT_DELIVERY_PAGE`] when `None`), `cursor` a page's `next_cursor`.
    pub fn webhook_deliveries(
        &self,
        webhook_id: &str,
        cursor: Option<&str>,
        limit: Option<i64>,
        who: &ActAs,
    ) -> Result<DeliveryPage> {
        let caller = who.caller()?;
        self.service.webhook_deliveries(
            &caller,
            &parse::webhook_id(webhook_id)?,
            cursor,
            limit.unwrap_or(DEFAULT_DELIVERY_PAGE),
        )
    }

    /// Sends a delivery again from now, with the same `webhook-id`.
    pub fn redeliver_webhook(
        &self,
        webhook_id: &str,
        delivery_id: &str,
        who: &ActAs,
    ) -> Result<()> {
        let caller = who.caller()?;
        self.service
            .redeliver_webhook(&caller, &parse::webhook_id(webhook_id)?, delivery_id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use orderly_core::webhooks::HealthStatus;

    use super::*;
    use crate::embedded::tests::{engine, input};

    #[test]
    fn staff_manage_webhooks_and_customers_may_not() {
        let engine = engine();
        let staff = ActAs::default();
        let alice = ActAs {
            user_id: Some("alice".into()),
            actor: None,
        };
        let types = vec!["order.placed".to_owned()];
        let err = engine
            .create_webhook("https://hooks.example.com/", &types, None, None, &alice)
            .unwrap_err();
        assert_eq!(err.code(), "forbidden");
        let err = engine
            .create_webhook("https://127.0.0.1/", &types, None, None, &staff)
            .unwrap_err();
        assert_eq!(err.code(), "webhook_target_refused");
        let created = engine
            .create_webhook(
                "https://hooks.example.com/",
                &types,
                None,
                Some("w-1"),
                &staff,
            )
            .unwrap();
        assert!(created.secret.as_deref().unwrap().starts_with("whsec_"));
        let again = engine
            .create_webhook(
                "https://hooks.example.com/",
                &types,
                None,
                Some("w-1"),
                &staff,
            )
            .unwrap();
        assert_eq!(again.id, created.id);
        let id = created.id.to_string();

        engine
            .place_order(input("alice"), "k-1", None, None)
            .unwrap();
        let read = engine.webhook(&id, &staff).unwrap();
        assert_eq!(read.secret, None);
        assert_eq!(read.health.pending_count, 1);
        let off = engine
            .update_webhook(&id, None, None, Some(false), &staff)
            .unwrap();
        assert_eq!(off.health.status, HealthStatus::Disabled);
        let rotated = engine.rotate_webhook_secret(&id, &staff).unwrap();
        assert_ne!(rotated.secret, created.secret);
        let page = engine.webhook_deliveries(&id, None, None, &staff).unwrap();
        assert_eq!(page.deliveries.len(), 1);
        let delivery = page.deliveries[0].delivery_id.to_string();
        engine.redeliver_webhook(&id, &delivery, &staff).unwrap();
        assert_eq!(engine.webhooks(&staff).unwrap().len(), 1);
        engine.delete_webhook(&id, &staff).unwrap();
        assert_eq!(engine.webhook(&id, &staff).unwrap_err().code(), "not_found");
        assert_eq!(
            engine.webhook("nope", &staff).unwrap_err().code(),
            "not_found"
        );
    }
}
