//! One GET of a cart and what its answer means under the contract.

use std::time::Duration;

use orderly::{RawCart, UserId};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use reqwest::{Client, Response, StatusCode};

/// The header that carries the caller's request id to the Cart Service.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Answers larger than this are not a cart (500 lines of reasonable size are far below it).
pub const MAX_BODY_BYTES: u64 = 2 * 1024 * 1024;

/// What one attempt found out.
#[derive(Debug)]
pub(super) enum Outcome {
    /// 200 with a cart in the contract's shape.
    Cart(RawCart),
    /// 404: the user has no cart.
    NoCart,
    /// 200 with a body that is not the contract's cart.
    Malformed(String),
    /// 5xx, timeout, refused or cut connection: another attempt may succeed.
    Transient(String),
    /// Any other status (3xx, 4xx but 404): a configuration problem retrying cannot fix.
    Refused(String),
}

/// What an attempt sends.
#[derive(Debug)]
pub(super) struct CartRequest<'a> {
    pub url: &'a str,
    pub user: &'a UserId,
    pub request_id: Option<&'a str>,
    pub authorization: Option<&'a HeaderValue>,
    pub timeout: Duration,
}

pub(super) async fn attempt(client: &Client, req: &CartRequest<'_>) -> Outcome {
    let mut builder = client
        .get(req.url)
        .timeout(req.timeout)
        .header(ACCEPT, "application/json");
    // A request id that cannot be a header value is left out rather than failing the fetch.
    if let Some(id) = req.request_id.and_then(|id| HeaderValue::from_str(id).ok()) {
        builder = builder.header(REQUEST_ID_HEADER, id);
    }
    if let Some(auth) = req.authorization {
        builder = builder.header(AUTHORIZATION, auth.clone());
    }
    let response = match builder.send().await {
        Ok(response) => response,
        Err(e) => return Outcome::Transient(describe(&e, req.timeout)),
    };
    let status = response.status();
    match status {
        StatusCode::OK => read_cart(response, req).await,
        StatusCode::NOT_FOUND => Outcome::NoCart,
        s if s.is_server_error() => Outcome::Transient(format!("answered HTTP {s}")),
        s => Outcome::Refused(format!("answered HTTP {s}")),
    }
}

async fn read_cart(mut response: Response, req: &CartRequest<'_>) -> Outcome {
    let too_large = || Outcome::Malformed(format!("the answer is over {MAX_BODY_BYTES} bytes"));
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES)
    {
        return too_large();
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk);
                if body.len() as u64 > MAX_BODY_BYTES {
                    return too_large();
                }
            }
            Ok(None) => break,
            // The connection broke or timed out mid-answer: a transport failure, not a bad cart.
            Err(e) => return Outcome::Transient(format!("reading the answer failed: {e}")),
        }
    }
    match parse_cart(&body, req.user) {
        Ok(cart) => Outcome::Cart(cart),
        Err(reason) => Outcome::Malformed(reason),
    }
}

/// Parses a 200 body: the contract's cart, unknown fields ignored, `unitPrice` a string, and
/// the cart of the user that was asked for.
pub(super) fn parse_cart(body: &[u8], user: &UserId) -> Result<RawCart, String> {
    let cart: RawCart = serde_json::from_slice(body)
        .map_err(|e| format!("the cart of {user} is not the contract's shape: {e}"))?;
    if cart.user_id != user.as_str() {
        return Err(format!(
            "asked for the cart of {user}, got the cart of {:?}",
            cart.user_id.chars().take(64).collect::<String>()
        ));
    }
    Ok(cart)
}

/// A transport error in a sentence, with its underlying cause.
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {} ms", timeout.as_millis());
    }
    let what = if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() {
        format!("{what}: {e}")
    } else {
        format!("{what}: {cause}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserId {
        UserId::new(id).unwrap()
    }

    #[test]
    fn contract_carts_parse_and_unknown_fields_are_ignored() {
        let body = br#"{"userId":"alice","currency":"USD","promo":{"x":1},"items":[
            {"productId":"sku-1","name":"Beans","quantity":2,"unitPrice":"19.99","color":"red"}],
            "updatedAt":"2026-11-24T10:15:00Z"}"#;
        let cart = parse_cart(body, &user("alice")).unwrap();
        assert_eq!(cart.items.len(), 1);
        assert_eq!(cart.items[0].unit_price, "19.99");
        assert_eq!(cart.updated_at.as_deref(), Some("2026-11-24T10:15:00Z"));
    }

    #[test]
    fn shape_problems_are_reported() {
        let alice = user("alice");
        let bad: [&[u8]; 6] = [
            br#"{"userId":"alice","currency":"USD","items":[
                {"productId":"p","name":"n","quantity":1,"unitPrice":19.99}]}"#,
            br#"{"userId":"alice","currency":"USD","items":[
                {"productId":"p","name":"n","quantity":1.5,"unitPrice":"1"}]}"#,
            br#"{"userId":"alice","items":[]}"#,
            br#"{"userId":"alice","currency":"USD","items":{}}"#,
            br#"{"userId":"alice","currency":"US"#,
            b"",
        ];
        for body in bad {
            let reason = parse_cart(body, &alice).unwrap_err();
            assert!(reason.contains("not the contract's shape"), "{reason}");
        }
    }

    #[test]
    fn another_users_cart_is_refused() {
        let body = br#"{"userId":"mallory","currency":"USD","items":[]}"#;
        let reason = parse_cart(body, &user("alice")).unwrap_err();
        assert!(reason.contains("mallory"), "{reason}");
    }
}
