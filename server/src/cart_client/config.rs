//! Configuration of the Cart Service client.

use std::fmt;
use std::time::Duration;

use super::error::CartClientError;

/// Default time one attempt may take, from connecting to the last byte of the answer.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(1);
/// Default time all attempts together may take, pauses included (the contract's default).
pub const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(2);
/// Default number of attempts, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 4;

/// Longest timeout or budget accepted: anything longer is a configuration mistake.
const MAX_DURATION: Duration = Duration::from_secs(3600);

/// Where the Cart Service is and how patient to be with it.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpCartConfig {
    /// `http://host:port` with an optional path prefix; carts are at `{base}/carts/{userId}`.
    pub base_url: String,
    /// Time one attempt may take (connect, send, answer). Capped by what is left of the budget.
    pub request_timeout: Duration,
    /// Time every attempt and pause together may take before the service counts as unavailable.
    pub retry_budget: Duration,
    /// Attempts at most, the first included (at least 1).
    pub max_attempts: u32,
    /// Static bearer token sent as `Authorization: Bearer <token>` when the deployment needs one.
    pub bearer_token: Option<String>,
}

impl HttpCartConfig {
    /// The defaults: 1 s per attempt, 2 s in all, 4 attempts, no token.
    pub fn new(base_url: impl Into<String>) -> Self {
        HttpCartConfig {
            base_url: base_url.into(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry_budget: DEFAULT_RETRY_BUDGET,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            bearer_token: None,
        }
    }

    /// Sets the time one attempt may take.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the time every attempt and pause together may take.
    pub fn with_retry_budget(mut self, budget: Duration) -> Self {
        self.retry_budget = budget;
        self
    }

    /// Sets the number of attempts, the first included.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Sends `token` as a bearer token with every request.
    pub fn with_bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// Checks the numbers; the URL and token are checked when the client is built.
    pub(super) fn validate(&self) -> Result<(), CartClientError> {
        let invalid = |why: &str| Err(CartClientError::InvalidConfig(why.to_owned()));
        if self.request_timeout.is_zero() {
            return invalid("the request timeout must be above zero");
        }
        if self.retry_budget.is_zero() {
            return invalid("the retry budget must be above zero");
        }
        if self.request_timeout > MAX_DURATION || self.retry_budget > MAX_DURATION {
            return invalid("timeouts and the retry budget must be at most one hour");
        }
        if self.max_attempts == 0 {
            return invalid("max attempts must be at least 1");
        }
        Ok(())
    }
}

// The token is a secret: never print it.
impl fmt::Debug for HttpCartConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpCartConfig")
            .field("base_url", &self.base_url)
            .field("request_timeout", &self.request_timeout)
            .field("retry_budget", &self.retry_budget)
            .field("max_attempts", &self.max_attempts)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}
