//! Exactly one order per idempotency key, with 50 identical requests racing over real sockets.

use crate::common;

use std::collections::HashSet;

use common::{Harness, Reply, TestServer, call, order_body, standard_cart};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_identical_posts_with_one_key_make_one_order() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let server = TestServer::start(h.state.clone()).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let token = h.customer("alice");
    let body = order_body("alice");

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(50));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let request = call("POST", "/order")
            .token(&token)
            .key("race-key")
            .json(&body)
            .into_reqwest(&client, &server.base);
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            Reply::from_reqwest(request.send().await.unwrap()).await
        }));
    }
    let mut replies = Vec::new();
    for t in tasks {
        replies.push(t.await.unwrap());
    }

    let created = replies.iter().filter(|r| r.status == 201).count();
    let mut ids = HashSet::new();
    for r in &replies {
        match r.status {
            // A request racing the first with its key waits for it and returns its order
            // (the contract's other choice, 409 idempotency_in_progress, is not used).
            200 | 201 => {
                ids.insert(r.body["orderId"].as_str().unwrap().to_owned());
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!(created, 1, "exactly one request created the order");
    assert_eq!(ids.len(), 1, "every answer names the same order: {ids:?}");

    let page = h.send(call("GET", "/orders/alice").token(&token)).await;
    assert_eq!(
        page.body["orders"].as_array().unwrap().len(),
        1,
        "one order in the store"
    );
    let sales = h
        .send(call("GET", "/analytics/sales").token(&h.admin()))
        .await;
    assert_eq!(
        sales.body["sales"][0]["orders"], 1,
        "counted once in analytics"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_key_different_body_is_a_conflict_and_keys_are_per_user() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    carts.set(standard_cart("bob"));
    let alice = h.customer("alice");
    let first = h
        .send(
            call("POST", "/order")
                .token(&alice)
                .key("shared")
                .json(&order_body("alice")),
        )
        .await;
    first.expect(201, "");
    let mut other = order_body("alice");
    other["shippingMethod"] = serde_json::json!("express");
    h.send(
        call("POST", "/order")
            .token(&alice)
            .key("shared")
            .json(&other),
    )
    .await
    .expect(409, "idempotency_conflict");
    // Bob's "shared" key is his own.
    let bob = h
        .send(
            call("POST", "/order")
                .token(&h.customer("bob"))
                .key("shared")
                .json(&order_body("bob")),
        )
        .await;
    bob.expect(201, "");
    assert_ne!(bob.body["orderId"], first.body["orderId"]);
}
