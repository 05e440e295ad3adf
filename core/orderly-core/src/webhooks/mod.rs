//! Webhooks: the outbox's events delivered over HTTP to staff-managed subscriptions, signed
//! per the Standard Webhooks specification, at least once and in sequence per order.
//!
//! Every rule is here and pure: the [`subscription`] model and its health, the [`target`]
//! policy (URL validation and the address policy against SSRF), [`secret`]s and
//! [`signature`]s, the retry [`schedule`] (the project's one `RetryPolicy`) and the
//! [`delivery`] state machine, and the [`views`] staff read. A store fans each outbox event out to the subscriptions of its
//! type in the transaction that writes the event (`store::WebhookStore`); the server's sender
//! claims due deliveries, posts them and records each attempt.

pub mod delivery;
pub mod schedule;
pub mod secret;
pub mod signature;
pub mod subscription;
pub mod target;
pub mod views;

pub use delivery::{AfterAttempt, Attempt, ClaimedDelivery, DeliveryStatus, after_attempt};
pub use schedule::DeliverySchedule;
pub use secret::WebhookSecret;
pub use signature::{SignedHeaders, message_id, sign};
pub use subscription::{DeliveryRecord, HealthStatus, SigningSecrets, Subscription};
pub use target::{TargetPolicy, WebhookUrl};
pub use views::{DeliveryPage, DeliveryView, WebhookHealth, WebhookView};
