//! The order API over the real example Cart Service on loopback: a working service, one that
//! is down, slow, failing, malformed or guarded by a token, and none configured at all.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Harness, call, order_body};
use orderly_example_cart_service::{
    Cart, CartItem, CartState, Faults, RunningCartService, ServiceOptions,
};
use orderly_server::{HttpCartConfig, HttpCartSource, NoCartService};
use serde_json::json;

fn service(options: ServiceOptions) -> RunningCartService {
    let state = CartState::new(ServiceOptions {
        admin_endpoints: true,
        ..options
    });
    for user in ["alice", "dave@example.com"] {
        state
            .put_cart(Cart::new(
                user,
                "USD",
                vec![
                    CartItem::new("sku-1001", "Espresso beans 1kg", 2, "19.99"),
                    CartItem::new("sku-2002", "Paper filters", 1, "4.50"),
                ],
            ))
            .unwrap();
    }
    RunningCartService::start(state).unwrap()
}

/// Short timeouts so that the slow and down cases finish quickly.
fn harness(config: HttpCartConfig) -> Harness {
    let config = config
        .with_request_timeout(Duration::from_millis(300))
        .with_retry_budget(Duration::from_millis(800));
    Harness::with_cart_service(HttpCartSource::new(config).unwrap())
}

fn faults(f: Faults) -> Faults {
    f.validate().unwrap();
    f
}

async fn orders_of(h: &Harness, user: &str) -> usize {
    let r = h
        .send(call("GET", &format!("/orders/{user}")).token(&h.admin()))
        .await;
    r.expect(200, "");
    r.body["orders"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carts_and_orders_come_from_the_cart_service_with_the_request_id() {
    let svc = service(ServiceOptions::default());
    let h = harness(HttpCartConfig::new(svc.url()));
    let alice = h.customer("alice");

    let r = h
        .send(
            call("GET", "/cart/alice")
                .token(&alice)
                .header("x-request-id", "trace-cart-1"),
        )
        .await;
    r.expect(200, "");
    assert_eq!(
        r.body["subtotal"],
        json!({"amount": "44.48", "currency": "USD"})
    );
    assert_eq!(r.body["items"][1]["name"], "Paper filters");
    let seen = svc.state().requests();
    let read = seen.iter().find(|q| q.path == "/carts/alice").unwrap();
    assert_eq!(
        read.request_id.as_deref(),
        Some("trace-cart-1"),
        "request id forwarded"
    );

    // A user id that needs percent-encoding.
    let dave = h.customer("dave@example.com");
    let r = h
        .send(call("GET", "/cart/dave@example.com").token(&dave))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["userId"], "dave@example.com");

    // No cart at the service (404): an empty cart.
    let r = h
        .send(call("GET", "/cart/nobody").token(&h.customer("nobody")))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["items"], json!([]));

    let r = h
        .send(
            call("POST", "/order")
                .token(&alice)
                .key("k")
                .json(&order_body("alice")),
        )
        .await;
    r.expect(201, "");
    assert_eq!(r.body["totals"]["subtotal"]["amount"], "44.48");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cart_service_that_is_down_is_503_and_creates_nothing() {
    let svc = service(ServiceOptions::default());
    let url = svc.url();
    svc.stop();
    let h = harness(HttpCartConfig::new(url));
    let alice = h.customer("alice");

    let r = h.send(call("GET", "/cart/alice").token(&alice)).await;
    r.expect(503, "cart_unavailable");
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(
        !r.text.contains("127.0.0.1"),
        "internal addresses stay in the logs"
    );
    let checkout = json!({"userId": "alice", "deliveryAddress": common::address(), "paymentMethod": common::card()});
    h.send(call("POST", "/checkout").token(&alice).json(&checkout))
        .await
        .expect(503, "cart_unavailable");
    h.send(
        call("POST", "/order")
            .token(&alice)
            .key("k")
            .json(&order_body("alice")),
    )
    .await
    .expect(503, "cart_unavailable");
    assert_eq!(orders_of(&h, "alice").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_cart_service_is_503_within_the_budget() {
    let svc = service(ServiceOptions::default());
    svc.state()
        .set_faults(faults(Faults {
            delay_ms: 5_000,
            ..Faults::default()
        }))
        .unwrap();
    let h = harness(HttpCartConfig::new(svc.url()));
    let alice = h.customer("alice");

    let started = Instant::now();
    h.send(
        call("POST", "/order")
            .token(&alice)
            .key("k")
            .json(&order_body("alice")),
    )
    .await
    .expect(503, "cart_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(orders_of(&h, "alice").await, 0);

    // Once it recovers, the same key places the order.
    svc.state().clear_faults();
    h.send(
        call("POST", "/order")
            .token(&alice)
            .key("k")
            .json(&order_body("alice")),
    )
    .await
    .expect(201, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_and_malformed_answers() {
    let svc = service(ServiceOptions::default());
    let h = harness(HttpCartConfig::new(svc.url()));
    let alice = h.customer("alice");

    svc.state()
        .set_faults(faults(Faults {
            status: Some(500),
            ..Faults::default()
        }))
        .unwrap();
    h.send(call("GET", "/cart/alice").token(&alice))
        .await
        .expect(503, "cart_unavailable");

    svc.state()
        .set_faults(faults(Faults {
            malformed: true,
            ..Faults::default()
        }))
        .unwrap();
    h.send(call("GET", "/cart/alice").token(&alice))
        .await
        .expect(502, "cart_malformed");
    h.send(
        call("POST", "/order")
            .token(&alice)
            .key("k")
            .json(&order_body("alice")),
    )
    .await
    .expect(502, "cart_malformed");

    svc.state()
        .set_faults(faults(Faults {
            numeric_prices: true,
            ..Faults::default()
        }))
        .unwrap();
    h.send(call("GET", "/cart/alice").token(&alice))
        .await
        .expect(502, "cart_malformed");
    assert_eq!(orders_of(&h, "alice").await, 0);

    // One failure, then normal: the client's retry hides it.
    svc.state()
        .set_faults(faults(Faults {
            fail_next: Some(1),
            ..Faults::default()
        }))
        .unwrap();
    h.send(call("GET", "/cart/alice").token(&alice))
        .await
        .expect(200, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_guarded_cart_service() {
    let svc = service(ServiceOptions {
        auth_token: Some("cart-secret".into()),
        ..ServiceOptions::default()
    });
    let good = harness(HttpCartConfig::new(svc.url()).with_bearer_token("cart-secret"));
    good.send(call("GET", "/cart/alice").token(&good.customer("alice")))
        .await
        .expect(200, "");
    let bad = harness(HttpCartConfig::new(svc.url()));
    bad.send(call("GET", "/cart/alice").token(&bad.customer("alice")))
        .await
        .expect(503, "cart_unavailable");
}

#[tokio::test]
async fn without_a_cart_service_cart_endpoints_are_503() {
    let h = Harness::new(Arc::new(NoCartService));
    let alice = h.customer("alice");
    h.send(call("GET", "/cart/alice").token(&alice))
        .await
        .expect(503, "cart_unavailable");
    h.send(
        call("POST", "/order")
            .token(&alice)
            .key("k")
            .json(&order_body("alice")),
    )
    .await
    .expect(503, "cart_unavailable");
    // Everything that needs no cart still works.
    h.send(call("GET", "/orders/alice").token(&alice))
        .await
        .expect(200, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_the_engine_refuses_reads_no_cart_and_a_replay_needs_no_cart_service() {
    let svc = service(ServiceOptions::default());
    let url = svc.url();
    let h = harness(HttpCartConfig::new(url));
    let alice = h.customer("alice");
    let mallory = h.customer("mallory");

    // Another user's cart, checkout or order: refused by the engine, with no read of the cart.
    h.send(call("GET", "/cart/alice").token(&mallory))
        .await
        .expect(403, "forbidden");
    h.send(
        call("POST", "/order")
            .token(&mallory)
            .key("k")
            .json(&order_body("alice")),
    )
    .await
    .expect(403, "forbidden");
    let reads = |svc: &RunningCartService| {
        svc.state()
            .requests()
            .iter()
            .filter(|q| q.path.starts_with("/carts/"))
            .count()
    };
    assert_eq!(reads(&svc), 0);

    let place = || {
        call("POST", "/order")
            .token(&alice)
            .key("k")
            .json(&order_body("alice"))
    };
    let placed = h.send(place()).await;
    placed.expect(201, "");
    assert_eq!(reads(&svc), 1);

    // The Cart Service goes down: the same request again is the same order, since placing it
    // again needs no cart (the failed fetch is never consulted).
    svc.stop();
    let replay = h.send(place()).await;
    replay.expect(200, "");
    assert_eq!(replay.body["orderId"], placed.body["orderId"]);
}
