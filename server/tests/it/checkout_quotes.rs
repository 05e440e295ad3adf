//! Ordering from a checkout quote: priced as quoted, refused once it expired or the cart
//! changed, and only for the quote's own user and request.

use crate::common;

use std::sync::Arc;

use common::{Harness, address, call, card, cart, standard_cart};
use orderly::{InMemoryCarts, ManualClock, Timestamp};
use serde_json::json;

fn quote_body(user: &str) -> serde_json::Value {
    json!({"userId": user, "deliveryAddress": address(), "paymentMethod": card()})
}

#[tokio::test]
async fn quotes_expire_and_follow_the_cart() {
    let clock = Arc::new(ManualClock::new(
        Timestamp::parse_rfc3339("2026-06-01T12:00:00Z").unwrap(),
    ));
    let carts = Arc::new(InMemoryCarts::new());
    let h = Harness::build(carts.clone(), |b| b.clock(clock.clone()));
    carts.set(standard_cart("alice"));
    let alice = h.customer("alice");

    let quote = h
        .send(
            call("POST", "/checkout")
                .token(&alice)
                .json(&quote_body("alice")),
        )
        .await;
    quote.expect(200, "");
    assert_eq!(quote.body["expiresAt"], "2026-06-01T12:15:00.000Z");
    let mut order = quote_body("alice");
    order["checkoutId"] = quote.body["checkoutId"].clone();

    // The cart changed since the quote: 409, nothing placed.
    carts.set(cart("alice", &[("sku-1", 3, "19.99")]));
    h.send(call("POST", "/order").token(&alice).key("k1").json(&order))
        .await
        .expect(409, "cart_changed");
    carts.set(standard_cart("alice"));

    // The request must be the one quoted.
    let mut other = order.clone();
    other["shippingMethod"] = json!("express");
    h.send(call("POST", "/order").token(&alice).key("k2").json(&other))
        .await
        .expect(422, "checkout_mismatch");

    // Past its expiry: 409.
    clock.advance_millis(15 * 60 * 1000);
    h.send(call("POST", "/order").token(&alice).key("k3").json(&order))
        .await
        .expect(409, "checkout_expired");

    // Unknown and malformed quote ids name no quote.
    order["checkoutId"] = json!("01890a5d-ac96-774b-bcce-b302099a8057");
    h.send(call("POST", "/order").token(&alice).key("k4").json(&order))
        .await
        .expect(404, "not_found");
    order["checkoutId"] = json!("not-a-quote");
    h.send(call("POST", "/order").token(&alice).key("k5").json(&order))
        .await
        .expect(404, "not_found");

    let r = h.send(call("GET", "/orders/alice").token(&alice)).await;
    assert_eq!(r.body["orders"], json!([]), "none of these placed an order");
}

#[tokio::test]
async fn another_users_quote_cannot_be_ordered() {
    let carts = Arc::new(InMemoryCarts::new());
    let h = Harness::new(carts.clone());
    carts.set(standard_cart("alice"));
    carts.set(standard_cart("bob"));
    let quote = h
        .send(
            call("POST", "/checkout")
                .token(&h.customer("bob"))
                .json(&quote_body("bob")),
        )
        .await;
    quote.expect(200, "");
    let mut order = quote_body("alice");
    order["checkoutId"] = quote.body["checkoutId"].clone();
    h.send(
        call("POST", "/order")
            .token(&h.customer("alice"))
            .key("k")
            .json(&order),
    )
    .await
    .expect(404, "not_found");
}
