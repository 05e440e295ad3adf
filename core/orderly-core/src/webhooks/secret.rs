//! Webhook signing secrets in the Standard Webhooks form: `whsec_` and the base64 of the key.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::ValidationError;

const PREFIX: &str = "whsec_";
/// Bytes of a generated key.
const GENERATED_LEN: usize = 32;
const MIN_LEN: usize = 24;
const MAX_LEN: usize = 64;

/// A signing secret. Its text is shown once (when it is made or rotated) and stored; `Debug`
/// and `Display` never print it, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    key: Vec<u8>,
}

impl WebhookSecret {
    /// A new random secret from the operating system's generator.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut key = vec![0u8; GENERATED_LEN];
        getrandom::fill(&mut key)?;
        Ok(WebhookSecret { key })
    }

    /// Parses `whsec_<base64>` of a key of 24 to 64 bytes.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let encoded = text
            .strip_prefix(PREFIX)
            .ok_or(ValidationError::InvalidWebhookSecret)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| ValidationError::InvalidWebhookSecret)?;
        if !(MIN_LEN..=MAX_LEN).contains(&key.len()) {
            return Err(ValidationError::InvalidWebhookSecret);
        }
        Ok(WebhookSecret { key })
    }

    /// The HMAC key.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// The secret's text, `whsec_<base64>`: for storing it and for the one answer that
    /// shows it.
    pub fn reveal(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.key))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_stay_out_of_debug() {
        let secret = WebhookSecret::generate().unwrap();
        let text = secret.reveal();
        assert!(text.starts_with("whsec_"));
        assert_eq!(WebhookSecret::parse(&text).unwrap(), secret);
        assert!(!format!("{secret:?}").contains(&text[6..]));
        assert_ne!(WebhookSecret::generate().unwrap(), secret);
    }

    #[test]
    fn malformed_secrets_are_refused() {
        for bad in [
            "",
            "whsec_",
            "abc",
            "whsec_!!!",
            "whsec_c2hvcnQ=",
            &format!("whsec_{}", STANDARD.encode([7u8; 65])),
        ] {
            assert_eq!(
                WebhookSecret::parse(bad).unwrap_err().code(),
                "invalid_webhook_secret"
            );
        }
    }
}
