//! The staff secret: an optional second way to sign in to the dashboard, for a small shop
//! that would rather type one configured secret than mint tokens. `--admin-secret` (or
//! `ORDERLY_ADMIN_SECRET`) turns it on; a match mints a short-lived staff token for sub
//! `admin`, kept in the same HttpOnly cookie as a token sign-in.

use std::time::Duration;

/// The shortest secret accepted: long enough that guessing it over HTTP is hopeless.
pub const MIN_ADMIN_SECRET_BYTES: usize = 16;

/// How long a session started with the secret lasts.
pub const SECRET_SESSION_TTL: Duration = Duration::from_secs(3600);

/// The subject of the tokens minted for the secret.
pub const SECRET_SUBJECT: &str = "admin";

/// Why a staff secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminSecretError {
    /// Shorter than [`MIN_ADMIN_SECRET_BYTES`].
    #[error("the admin secret must be at least {MIN_ADMIN_SECRET_BYTES} bytes")]
    TooShort,
}

/// A configured staff secret. Its `Debug` never shows it.
#[derive(Clone)]
pub struct AdminSecret(Box<[u8]>);

impl std::fmt::Debug for AdminSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminSecret(..)")
    }
}

impl AdminSecret {
    /// The secret `secret`; refuses one too short to be safe.
    pub fn new(secret: &str) -> Result<Self, AdminSecretError> {
        if secret.len() < MIN_ADMIN_SECRET_BYTES {
            return Err(AdminSecretError::TooShort);
        }
        Ok(AdminSecret(secret.as_bytes().into()))
    }

    /// Whether `given` is the secret, in time that does not depend on where they differ (only
    /// on their lengths), so the answer's timing tells nothing about the secret's bytes.
    pub fn matches(&self, given: &str) -> bool {
        let given = given.as_bytes();
        let differences = self
            .0
            .iter()
            .zip(given.iter().chain(std::iter::repeat(&0)))
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        differences == 0 && given.len() == self.0.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_matches() {
        let secret = AdminSecret::new("correct horse battery").unwrap();
        assert!(secret.matches("correct horse battery"));
        assert!(!secret.matches("correct horse batterx"));
        assert!(!secret.matches("correct horse battery "));
        assert!(!secret.matches("correct horse"));
        assert!(!secret.matches(""));
        assert_eq!(format!("{secret:?}"), "AdminSecret(..)");
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(
            AdminSecret::new("short").unwrap_err(),
            AdminSecretError::TooShort
        );
    }
}
