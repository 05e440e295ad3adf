//! One delivery attempt: sign the body per Standard Webhooks, post it without following
//! redirects, read at most a bounded part of the answer, and say what happened.

use std::time::{Duration, Instant};

use orderly::Timestamp;
use orderly::webhooks::delivery::snippet;
use orderly::webhooks::{
    Attempt, ClaimedDelivery, SigningSecrets, TargetPolicy, WebhookUrl, message_id, sign,
};

use super::resolver::PolicyResolver;

/// The most of an answer's body read; the rest is dropped unread.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The longest error text kept for an attempt.
const MAX_ERROR_CHARS: usize = 200;

/// The HTTP client of webhook deliveries: no redirects (a 3xx is a failed attempt), no
/// proxies (the address policy must see the real target), the policy's resolver, and a
/// timeout for the whole attempt.
pub fn client(policy: TargetPolicy, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(std::sync::Arc::new(PolicyResolver::new(policy)))
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("orderly-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Makes one attempt at `delivery` to `url` at `at`, signed with the secrets that sign then.
pub async fn attempt(
    client: &reqwest::Client,
    policy: TargetPolicy,
    url: &WebhookUrl,
    secrets: &SigningSecrets,
    delivery: &ClaimedDelivery,
    at: Timestamp,
) -> Attempt {
    let started = Instant::now();
    let (status, error, answer) = match post(client, policy, url, secrets, delivery, at).await {
        Ok((status, answer)) => (Some(status), None, answer),
        Err(error) => (None, Some(error), Vec::new()),
    };
    Attempt {
        number: 0,
        at,
        status,
        error,
        latency_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        snippet: snippet(&answer),
    }
}

async fn post(
    client: &reqwest::Client,
    policy: TargetPolicy,
    url: &WebhookUrl,
    secrets: &SigningSecrets,
    delivery: &ClaimedDelivery,
    at: Timestamp,
) -> Result<(u16, Vec<u8>), String> {
    // Checked again at each attempt: a literal address never reaches the resolver, and the
    // configuration may have changed since the subscription was made.
    policy
        .validate_url(url.as_str())
        .map_err(|e| format!("target refused: {e}"))?;
    let id = message_id(&delivery.subscription_id, &delivery.event_id);
    let signed = sign(
        &secrets.signing_at(at),
        &id,
        at.unix_millis().div_euclid(1000),
        delivery.body.as_bytes(),
    );
    let mut response = client
        .post(url.as_str())
        .header("content-type", "application/json")
        .header("webhook-id", signed.id)
        .header("webhook-timestamp", signed.timestamp)
        .header("webhook-signature", signed.signature)
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(describe)?;
    let status = response.status().as_u16();
    let mut answer = Vec::new();
    while answer.len() < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_ANSWER_BYTES - answer.len();
                answer.extend_from_slice(chunk.get(..chunk.len().min(room)).unwrap_or(&chunk));
            }
            Ok(None) => break,
            // The status is what counts; a body cut short still leaves it.
            Err(_) => break,
        }
    }
    Ok((status, answer))
}

/// A failed request in a few words: `timed out`, or the innermost cause.
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_owned();
    }
    let mut cause: &dyn std::error::Error = &e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let text = if e.is_connect() {
        format!("connect: {cause}")
    } else {
        format!("request: {cause}")
    };
    text.chars().take(MAX_ERROR_CHARS).collect()
}
