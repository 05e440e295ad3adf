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
//! Retries use jittered exponential backoff (25 ms doubling to 400 ms) and stop at the
//! configured number of attempts or when the total budget (default 2 s) would be exceeded:
//! each attempt's timeout is capped by what is left of it, so a fetch never takes much
//! longer than the budget. A malformed answer is retried once only: it usually means a broken
//! deployment, where more attempts only add latency, but one more read rules out an answer
//! that was damaged in transit or came from one bad instance behind a load balancer.
//!
//! ## Blocking
//!
//! `CartSource` is synchronous, so this uses `reqwest::blocking`. Call `fetch_cart` from a
//! thread that may block (Tokio's blocking pool, as the server does with every engine call),
//! never from an async task. Building and dropping an `HttpCartSource` is safe anywhere: the
//! blocking client is built and, inside a Tokio runtime, dropped on a thread of its own.

mod attempt;
mod backoff;
mod config;
mod error;
mod url;

#[cfg(test)]
mod tests;

use std::fmt;
use std::time::{Duration, Instant};

use orderly::{CartSource, CartSourceError, RawCart, UserId};
use reqwest::blocking::Client;
use reqwest::header::HeaderValue;

pub use attempt::{MAX_BODY_BYTES, REQUEST_ID_HEADER};
pub use config::{
    DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT, DEFAULT_RETRY_BUDGET, HttpCartConfig,
};
pub use error::CartClientError;

use attempt::{CartRequest, Outcome, attempt};

/// Below this much budget left, another attempt is not worth starting.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(10);

/// Reads carts from the Cart Service over HTTP, with timeouts and bounded retries.
pub struct HttpCartSource {
    /// `None` only while being dropped.
    client: Option<Client>,
    carts_prefix: String,
    authorization: Option<HeaderValue>,
    config: HttpCartConfig,
}

impl HttpCartSource {
    /// Checks the configuration and builds the HTTP client (on a thread of its own, so that
    /// this may be called from inside an async runtime).
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
        let builder = Client::builder()
            .user_agent(concat!("orderly-server/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(30));
        let client = std::thread::Builder::new()
            .name("cart-client-init".into())
            .spawn(move || builder.build())
            .map_err(|e| CartClientError::Client(e.to_string()))?
            .join()
            .map_err(|_| CartClientError::Client("client construction failed".into()))?
            .map_err(|e| CartClientError::Client(e.to_string()))?;
        Ok(HttpCartSource {
            client: Some(client),
            carts_prefix,
            authorization,
            config,
        })
    }

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

    fn fetch(
        &self,
        client: &Client,
        user: &UserId,
        request_id: Option<&str>,
    ) -> Result<Option<RawCart>, CartSourceError> {
        let url = self.cart_url(user);
        let started = Instant::now();
        let deadline = started + self.config.retry_budget;
        let mut attempts = 0u32;
        let mut malformed_seen = false;
        let failure = loop {
            attempts += 1;
            let left = deadline.saturating_duration_since(Instant::now());
            let request = CartRequest {
                url: &url,
                user,
                request_id,
                authorization: self.authorization.as_ref(),
                timeout: self.config.request_timeout.min(left),
            };
            let failure = match attempt(client, &request) {
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
            if attempts >= self.config.max_attempts {
                break failure;
            }
            let pause = backoff::pause_after(attempts);
            let left = deadline.saturating_duration_since(Instant::now());
            if pause + MIN_ATTEMPT_TIME > left {
                break failure;
            }
            tracing::debug!(%url, attempt = attempts, error = %failure, ?pause, "retrying cart fetch");
            std::thread::sleep(pause);
        };
        let elapsed = started.elapsed().as_millis();
        let tries = if attempts == 1 { "attempt" } else { "attempts" };
        let failure = match failure {
            CartSourceError::Unavailable(reason) => CartSourceError::Unavailable(format!(
                "GET {url}: {reason} ({attempts} {tries} in {elapsed} ms)"
            )),
            CartSourceError::Malformed(reason) => CartSourceError::Malformed(format!(
                "GET {url}: {reason} ({attempts} {tries} in {elapsed} ms)"
            )),
        };
        tracing::warn!(request_id = request_id.unwrap_or("-"), error = %failure, "cart fetch failed");
        Err(failure)
    }
}

impl CartSource for HttpCartSource {
    fn fetch_cart(
        &self,
        user: &UserId,
        request_id: Option<&str>,
    ) -> Result<Option<RawCart>, CartSourceError> {
        match &self.client {
            Some(client) => self.fetch(client, user, request_id),
            None => Err(CartSourceError::Unavailable(
                "the cart service client is shut down".into(),
            )),
        }
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

impl Drop for HttpCartSource {
    fn drop(&mut self) {
        // Dropping a blocking client joins its internal runtime thread, which must not happen
        // on an async worker: hand it to a plain thread when inside a runtime.
        let Some(client) = self.client.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new()
                .name("cart-client-drop".into())
                .spawn(move || drop(client));
        }
    }
}
