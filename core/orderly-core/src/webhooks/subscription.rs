//! A webhook subscription: where to send which events, whether to, and how it is doing.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::ValidationError;
use crate::events::EventType;
use crate::ids::WebhookId;

use super::secret::WebhookSecret;
use super::target::WebhookUrl;

/// How long the previous secret still signs after a rotation, so receivers can switch over.
pub const ROTATION_GRACE_MS: i64 = 24 * 3600 * 1000;

/// A subscription as stored (without its secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Engine-made id.
    pub id: WebhookId,
    /// The target.
    pub url: WebhookUrl,
    /// The event types delivered, sorted, without repeats, at least one.
    pub event_types: Vec<EventType>,
    /// Disabled subscriptions get no new deliveries and send none.
    pub enabled: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// What deliveries have done lately.
    pub record: DeliveryRecord,
}

/// The latest outcomes of a subscription's deliveries, kept on its row by the store as it
/// records attempts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The last 2xx answer.
    pub last_success_at: Option<Timestamp>,
    /// The last failed attempt.
    pub last_failure_at: Option<Timestamp>,
    /// Why it failed (`HTTP 500`, `timed out`, ...).
    pub last_failure_reason: Option<String>,
    /// Set when a delivery failed for good (its window ended); cleared by the next success.
    pub failing_since: Option<Timestamp>,
}

/// A subscription's signing secrets: the current one, and during a rotation's grace period
/// the previous one, which signs too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningSecrets {
    /// Signs every delivery.
    pub current: WebhookSecret,
    /// The secret before the last rotation, and until when it still signs.
    pub previous: Option<(WebhookSecret, Timestamp)>,
}

impl SigningSecrets {
    /// The secrets that sign at `now`: the current one first.
    pub fn signing_at(&self, now: Timestamp) -> Vec<&WebhookSecret> {
        let mut secrets = vec![&self.current];
        if let Some((previous, until)) = &self.previous
            && now < *until
        {
            secrets.push(previous);
        }
        secrets
    }
}

/// Whether a subscription is healthy, from the dashboard's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Enabled, and no delivery has failed for good since the last success.
    Healthy,
    /// Enabled, and a delivery failed for good (its retry window ended).
    Failing,
    /// Disabled by staff.
    Disabled,
}

impl Subscription {
    /// Its status: disabled wins, then failing.
    pub fn status(&self) -> HealthStatus {
        if !self.enabled {
            HealthStatus::Disabled
        } else if self.record.failing_since.is_some() {
            HealthStatus::Failing
        } else {
            HealthStatus::Healthy
        }
    }
}

/// Parses event type names: at least one, each known; sorted and without repeats.
pub fn parse_event_types(names: &[String]) -> Result<Vec<EventType>, ValidationError> {
    let mut types = names
        .iter()
        .map(|name| {
            name.parse::<EventType>()
                .map_err(|_| ValidationError::UnknownEventType(name.chars().take(64).collect()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if types.is_empty() {
        return Err(ValidationError::NoEventTypes);
    }
    types.sort_by_key(EventType::as_str);
    types.dedup();
    Ok(types)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn event_types_are_known_sorted_and_unique() {
        let names = ["order.placed", "order.cancelled", "order.placed"].map(String::from);
        assert_eq!(
            parse_event_types(&names).unwrap(),
            vec![EventType::OrderCancelled, EventType::OrderPlaced]
        );
        assert_eq!(parse_event_types(&[]).unwrap_err().code(), "no_event_types");
        let bad = ["order.paid".to_owned()];
        assert_eq!(
            parse_event_types(&bad).unwrap_err().code(),
            "unknown_event_type"
        );
    }

    #[test]
    fn the_previous_secret_signs_only_during_its_grace_period() {
        let secrets = SigningSecrets {
            current: WebhookSecret::generate().unwrap(),
            previous: Some((
                WebhookSecret::generate().unwrap(),
                Timestamp::from_unix_millis(10),
            )),
        };
        assert_eq!(secrets.signing_at(Timestamp::from_unix_millis(9)).len(), 2);
        assert_eq!(secrets.signing_at(Timestamp::from_unix_millis(10)).len(), 1);
    }
}
