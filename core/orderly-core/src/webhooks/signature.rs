//! Standard Webhooks signatures (<https://www.standardwebhooks.com>): the `webhook-id`,
//! `webhook-timestamp` and `webhook-signature` headers, so receivers verify with the
//! specification's published libraries.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::ids::{EventId, WebhookId};

use super::secret::WebhookSecret;

/// The three headers of one signed delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `webhook-id`: the same for every attempt and redelivery of one event to one
    /// subscription, so receivers deduplicate by it.
    pub id: String,
    /// `webhook-timestamp`: the attempt's time, Unix seconds.
    pub timestamp: String,
    /// `webhook-signature`: `v1,<base64>` per secret, space-separated.
    pub signature: String,
}

/// The message id of `event` sent to `subscription`: `msg_` and 32 hex digits of SHA-256
/// over both ids. Stable across retries and redeliveries, distinct between subscriptions.
pub fn message_id(subscription: &WebhookId, event: &EventId) -> String {
    let digest = Sha256::new()
        .chain_update(b"orderly.webhook-message\0")
        .chain_update(subscription.as_uuid().as_bytes())
        .chain_update(event.as_uuid().as_bytes())
        .finalize();
    let mut id = String::with_capacity(36);
    id.push_str("msg_");
    for byte in digest.iter().take(16) {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

/// Signs `body` for message `id` at `unix_seconds` with each secret (the current one first,
/// then a previous one during its grace period): `v1,` and the base64 of
/// HMAC-SHA256(key, "{id}.{timestamp}.{body}"), space-separated.
pub fn sign(secrets: &[&WebhookSecret], id: &str, unix_seconds: i64, body: &[u8]) -> SignedHeaders {
    let timestamp = unix_seconds.to_string();
    let signature = secrets
        .iter()
        .map(|secret| {
            format!(
                "v1,{}",
                STANDARD.encode(hmac(secret.key(), id, &timestamp, body))
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    SignedHeaders {
        id: id.to_owned(),
        timestamp,
        signature,
    }
}

fn hmac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks reference libraries' test suites.
    #[test]
    fn signs_like_the_reference_libraries() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signed = sign(
            &[&secret],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signed.signature,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(signed.timestamp, "1614265330");
    }

    #[test]
    fn rotation_signs_with_both_secrets() {
        let new = WebhookSecret::generate().unwrap();
        let old = WebhookSecret::generate().unwrap();
        let both = sign(&[&new, &old], "msg_1", 1, b"{}");
        let parts: Vec<&str> = both.signature.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts.first().copied(),
            Some(sign(&[&new], "msg_1", 1, b"{}").signature.as_str())
        );
        assert_eq!(
            parts.get(1).copied(),
            Some(sign(&[&old], "msg_1", 1, b"{}").signature.as_str())
        );
    }

    #[test]
    fn message_ids_are_stable_per_event_and_subscription() {
        let sub = WebhookId::from_uuid(uuid::Uuid::from_u128(1));
        let other = WebhookId::from_uuid(uuid::Uuid::from_u128(2));
        let event = EventId::from_uuid(uuid::Uuid::from_u128(3));
        assert_eq!(message_id(&sub, &event), message_id(&sub, &event));
        assert_ne!(message_id(&sub, &event), message_id(&other, &event));
        assert_eq!(message_id(&sub, &event).len(), 36);
    }
}
