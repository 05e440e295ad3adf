//! The Cart Service over HTTP: `HttpCartSource`, the server's `CartSource`.
//!
//! It follows the cart-service contract: `GET {base}/carts/{userId}` with the user id
//! percent-encoded, `Accept: application/json`, the caller's `X-Request-Id` and, when
//! configured, `Authorization: Bearer <token>`.
//!
//! | answer | result |
//! |---|---|
//! | 200 with a cart in the contract's shape (unknown fields ignored) | `Ok(Some(cart))` |
//! | 404 | `Ok(None)`: the user has no cart |
//! | 5xx, timeout, refused or broken connection | retried, then `Unavailable` |
//! | 200 that is not the shape (bad JSON, a numeric `unitPrice`, another user's cart) | retried once, then `Malformed` |
//! | anything else (3xx, 4xx but 404) | `Unavailable` at once, naming the status |
//!
//! Retries follow the core's [`RetryPolicy`]: jittered exponential pauses (25 ms doubling to
//! 400 ms), at most the configured number of attempts, none started unless it and its pause
//! fit in the total budget (default 2 s), and each attempt's timeout capped by what is left of
//! it, so a fetch never takes longer than the budget. A malformed answer is retried once only:
//! it usually means a broken deployment, where more attempts only add latency, but one more
//! read rules out an answer that was damaged in transit or came from one bad instance behind a
//! load balancer.
//!
//! ## Asynchronous
//!
//! The client is `reqwest`'s async one: a fetch holds no thread while it waits, so a slow Cart
//! Service cannot use up the threads that serve the store. The engine's `CartSource` is
//! synchronous, so the server fetches first and hands the engine the answer as a
//! [`FetchedCart`](orderly::FetchedCart) (see [`carts`](crate::carts)).

mod attempt;
mod config;
mod error;
mod url;

#[cfg(test)]
mod tests;

use std::fmt;
use std::time::{Duration, Instant};

use orderly::{CartSourceError, RawCart, RetryPolicy, UserId};
use reqwest::Client;
use reqwest::header::HeaderValue;

pub use config::HttpCartConfig;
pub use error::CartClientError;

use attempt::{CartRequest, Outcome, attempt};

/// Below this much budget left, another attempt is not worth starting.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(10);

/// Reads carts from the Cart Service over HTTP, with timeouts and bounded retries.
pub struct HttpCartSource {
    client: Client,
    carts_prefix: String,
    authorization: Option<HeaderValue>,
    config: HttpCartConfig,
    retry: RetryPolicy,
}

impl HttpCartSource {
    /// Checks the configuration and builds the HTTP client.
    pub fn new(config: HttpCartConfig) -> Result<Self, CartClientError> {
        config.validate()?;
        let carts_prefix = url::carts_prefix(&config.base_url)?;
        let authorization = match &config.bearer_token {
            Some(token) => {
                let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
                    .map_err(|_| CartClientError::InvalidToken)?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        let client = Client::builder()
            .user_agent(concat!("orderly-server/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| CartClientError::Client(e.to_string()))?;
        let retry = RetryPolicy::new(config.max_attempts, config.retry_budget)
            .with_delays(Duration::from_millis(25), Duration::from_millis(400))
            .with_attempt_time(MIN_ATTEMPT_TIME);
        Ok(HttpCartSource {
            client,
            carts_prefix,
            authorization,
            config,
            retry,
        })
    }

    /// The settings this client was built with.
    pub fn config(&self) -> &HttpCartConfig {
        &self.config
    }

    /// The URL a user's cart is read from.
    pub fn cart_url(&self, user: &UserId) -> String {
        format!(
            "{}{}",
            self.carts_prefix,
            url::encode_segment(user.as_str())
        )
    }

    /// Reads `user`'s cart: `Ok(None)` when the user has none (the service's 404).
    pub async fn fetch_cart(
        &self,
        user: &UserId,
        request_id: Option<&str>,
    ) -> Result<Option<RawCart>, CartSourceError> {
        let url = self.cart_url(user);
        let started = Instant::now();
        let mut retry = self.retry.start();
        let mut malformed_seen = false;
        let failure = loop {
            let request = CartRequest {
                url: &url,
                user,
                request_id,
                authorization: self.authorization.as_ref(),
                timeout: self.config.request_timeout.min(retry.remaining()),
            };
            let failure = match attempt(&self.client, &request).await {
                Outcome::Cart(cart) => return Ok(Some(cart)),
                Outcome::NoCart => return Ok(None),
                Outcome::Refused(reason) => break CartSourceError::Unavailable(reason),
                Outcome::Malformed(reason) if malformed_seen => {
                    break CartSourceError::Malformed(reason);
                }
                Outcome::Malformed(reason) => {
                    malformed_seen = true;
                    CartSourceError::Malformed(reason)
                }
                Outcome::Transient(reason) => CartSourceError::Unavailable(reason),
            };
            let Some(pause) = retry.next_delay() else {
                break failure;
            };
            tracing::debug!(%url, attempt = retry.attempts() - 1, error = %failure, ?pause, "retrying cart fetch");
            tokio::time::sleep(pause).await;
        };
        let attempts = retry.attempts();
        let elapsed = started.elapsed().as_millis();
        let tries = if attempts == 1 { "attempt" } else { "attempts" };
        let failure = match failure {
            CartSourceError::Unavailable(reason) => CartSourceError::Unavailable(format!(
                "GET {url}: {reason} ({attempts} {tries} in {elapsed} ms)"
            )),
            CartSourceError::Malformed(reason) => CartSourceError::Malformed(format!(
                "GET {url}: {reason} ({attempts} {tries} in {elapsed} ms)"
            )),
            other => other,
        };
        tracing::warn!(request_id = request_id.unwrap_or("-"), error = %failure, "cart fetch failed");
        Err(failure)
    }
}

impl fmt::Debug for HttpCartSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpCartSource")
            .field("carts_prefix", &self.carts_prefix)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
