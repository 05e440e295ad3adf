//! One event's delivery to one subscription, and what an attempt's outcome makes of it:
//! `pending` → `delivered`, or `retrying` until the schedule's window is over → `failed`.
//! A redelivery starts a new series from `pending`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::events::EventType;
use crate::ids::{EventId, OrderId, WebhookId};

use super::schedule::DeliverySchedule;

/// The longest answer snippet kept per attempt, in bytes.
pub const SNIPPET_MAX: usize = 1024;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not attempted yet in this series.
    Pending,
    /// Attempted and failed; tried again when due.
    Retrying,
    /// A receiver answered 2xx.
    Delivered,
    /// Every attempt of the window failed.
    Failed,
}

impl DeliveryStatus {
    /// The stored and serialized name.
    pub fn as_str(&self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Retrying => "retrying",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// True while attempts are still to come (it holds back later events of its order).
    pub fn is_open(&self) -> bool {
        matches!(self, DeliveryStatus::Pending | DeliveryStatus::Retrying)
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeliveryStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Retrying,
            DeliveryStatus::Delivered,
            DeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
        .ok_or_else(|| format!("unknown delivery status {s:?}"))
    }
}

/// A delivery taken for one attempt, with everything the sender needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// The subscription.
    pub subscription_id: WebhookId,
    /// The event (also the delivery's id within its subscription).
    pub event_id: EventId,
    /// The event's order.
    pub order_id: OrderId,
    /// The event's per-order sequence.
    pub sequence: u32,
    /// The event's type.
    pub event_type: EventType,
    /// The body: the event's envelope as encoded when the event was written.
    pub body: String,
    /// Attempts already made in this series.
    pub attempts: u32,
    /// When this series began.
    pub series_started_at: Timestamp,
    /// The lease: no other sender takes the delivery before this, and only the holder of
    /// this exact lease may record the attempt.
    pub claimed_until: Timestamp,
}

/// What one attempt got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// Attempt number within the delivery, from 1 (the store numbers it).
    pub number: u32,
    /// When it started.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// The HTTP status answered, if any.
    pub status: Option<u16>,
    /// Why it failed without an answer (timeout, connection refused, refused target).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub latency_ms: u32,
    /// The start of the answer's body, at most [`SNIPPET_MAX`] bytes.
    pub snippet: String,
}

impl Attempt {
    /// True when the receiver took the event: a 2xx answer. A redirect is a failure.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The failure's reason for the subscription's health: the error, or the status.
    pub fn failure_reason(&self) -> Option<String> {
        if self.succeeded() {
            return None;
        }
        Some(match (&self.error, self.status) {
            (Some(error), _) => error.clone(),
            (None, Some(status)) => format!("HTTP {status}"),
            (None, None) => "no answer".to_owned(),
        })
    }
}

/// The start of `body` as a snippet: at most [`SNIPPET_MAX`] bytes, cut on a character
/// boundary, invalid UTF-8 replaced.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body.get(..body.len().min(SNIPPET_MAX)).unwrap_or(body));
    let mut end = text.len().min(SNIPPET_MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

/// A delivery's state after an attempt, as the store writes it with the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterAttempt {
    /// The new status.
    pub status: DeliveryStatus,
    /// Attempts made in the series, this one included.
    pub attempts: u32,
    /// When to try again (`retrying` only).
    pub next_attempt_at: Option<Timestamp>,
}

/// Decides what an attempt makes of a claimed delivery.
pub fn after_attempt(
    schedule: &DeliverySchedule,
    delivery: &ClaimedDelivery,
    attempt: &Attempt,
    now: Timestamp,
) -> AfterAttempt {
    let attempts = delivery.attempts.saturating_add(1);
    if attempt.succeeded() {
        return AfterAttempt {
            status: DeliveryStatus::Delivered,
            attempts,
            next_attempt_at: None,
        };
    }
    match schedule.next_attempt(delivery.series_started_at, attempts, now) {
        Some(next) => AfterAttempt {
            status: DeliveryStatus::Retrying,
            attempts,
            next_attempt_at: Some(next),
        },
        None => AfterAttempt {
            status: DeliveryStatus::Failed,
            attempts,
            next_attempt_at: None,
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn claimed(attempts: u32) -> ClaimedDelivery {
        ClaimedDelivery {
            subscription_id: WebhookId::from_uuid(uuid::Uuid::from_u128(1)),
            event_id: EventId::from_uuid(uuid::Uuid::from_u128(2)),
            order_id: OrderId::from_uuid(uuid::Uuid::from_u128(3)),
            sequence: 1,
            event_type: EventType::OrderPlaced,
            body: "{}".to_owned(),
            attempts,
            series_started_at: Timestamp::from_unix_millis(0),
            claimed_until: Timestamp::from_unix_millis(10_000),
        }
    }

    fn answered(status: Option<u16>) -> Attempt {
        Attempt {
            number: 1,
            at: Timestamp::from_unix_millis(0),
            status,
            error: status.is_none().then(|| "timed out".to_owned()),
            latency_ms: 5,
            snippet: String::new(),
        }
    }

    #[test]
    fn a_2xx_delivers_and_anything_else_retries_until_the_window_ends() {
        let schedule = DeliverySchedule::new(Duration::from_secs(60));
        let now = Timestamp::from_unix_millis(1_000);
        let ok = after_attempt(&schedule, &claimed(0), &answered(Some(204)), now);
        assert_eq!(
            (ok.status, ok.attempts, ok.next_attempt_at),
            (DeliveryStatus::Delivered, 1, None)
        );
        for failure in [Some(500), Some(302), Some(404), None] {
            let next = after_attempt(&schedule, &claimed(2), &answered(failure), now);
            assert_eq!(next.status, DeliveryStatus::Retrying);
            assert_eq!(next.attempts, 3);
            assert!(next.next_attempt_at.is_some_and(|t| t > now));
        }
        let late = Timestamp::from_unix_millis(60_000);
        let over = after_attempt(&schedule, &claimed(9), &answered(Some(503)), late);
        assert_eq!(over.status, DeliveryStatus::Failed);
        assert_eq!(answered(Some(503)).failure_reason().unwrap(), "HTTP 503");
        assert_eq!(answered(None).failure_reason().unwrap(), "timed out");
    }

    #[test]
    fn snippets_are_cut_on_a_character_boundary() {
        let body = "é".repeat(SNIPPET_MAX);
        let cut = snippet(body.as_bytes());
        assert!(cut.len() <= SNIPPET_MAX && cut.len() >= SNIPPET_MAX - 1);
        assert_eq!(snippet(b"ok"), "ok");
        assert_eq!(
            "pending".parse::<DeliveryStatus>().unwrap(),
            DeliveryStatus::Pending
        );
    }
}
