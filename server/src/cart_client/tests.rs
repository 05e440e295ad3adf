//! `HttpCartSource` against the real example Cart Service on a loopback socket, with faults
//! injected into that service (slow, failing, malformed) rather than mocked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use orderly::{CartSourceError, UserId};
use orderly_example_cart_service::{
    Cart, CartItem, CartState, Faults, RequestRecord, RunningCartService, ServiceOptions,
    parse_seed,
};
use serde_json::{Map, json};

use super::{CartClientError, HttpCartConfig, HttpCartSource};

/// Scheduling on a busy machine adds latency; bounds below allow this much on top.
const SLACK: Duration = Duration::from_millis(700);

fn service_with(options: ServiceOptions) -> RunningCartService {
    let seed = include_str!("../../../examples/cart-service/carts.json");
    let state = CartState::with_seed(options, parse_seed(seed).unwrap()).unwrap();
    RunningCartService::start(state).unwrap()
}

fn service() -> RunningCartService {
    service_with(ServiceOptions {
        auth_token: None,
        admin_endpoints: true,
    })
}

fn client(config: HttpCartConfig) -> HttpCartSource {
    HttpCartSource::new(config).unwrap()
}

fn fast_config(url: String) -> HttpCartConfig {
    HttpCartConfig::new(url)
        .with_request_timeout(Duration::from_millis(300))
        .with_retry_budget(Duration::from_millis(1500))
}

fn user(id: &str) -> UserId {
    UserId::new(id).unwrap()
}

fn cart_reads(service: &RunningCartService) -> Vec<RequestRecord> {
    service
        .state()
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/carts/"))
        .collect()
}

fn fault(service: &RunningCartService, faults: Faults) {
    service.state().set_faults(faults).unwrap();
}

#[tokio::test]
async fn reads_a_cart_exactly_as_served() {
    let s = service();
    let carts = client(HttpCartConfig::new(s.url()));
    let cart = carts
        .fetch_cart(&user("alice"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cart.user_id, "alice");
    assert_eq!(cart.currency, "USD");
    let served = s.state().cart("alice").unwrap();
    assert_eq!(cart.items.len(), served.items.len());
    for (got, want) in cart.items.iter().zip(&served.items) {
        assert_eq!(got.product_id, want.product_id);
        assert_eq!(got.name, want.name);
        assert_eq!(got.quantity, want.quantity);
        assert_eq!(got.unit_price, want.unit_price);
    }
    assert_eq!(cart.updated_at, served.updated_at);

    let carol = carts
        .fetch_cart(&user("carol"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(carol.currency, "JPY");
    assert_eq!(carol.items[0].unit_price, "2800");
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let s = service();
    let mut extra = Map::new();
    extra.insert(
        "loyaltyTier".into(),
        json!({"level": "gold", "points": 1200}),
    );
    let mut item = CartItem::new("sku-9", "Kettle", 1, "49.00");
    item.extra
        .insert("warehouse".into(), json!(["eu-1", "eu-2"]));
    let mut cart = Cart::new("erin", "EUR", vec![item]);
    cart.extra = extra;
    s.state().put_cart(cart).unwrap();

    let got = client(HttpCartConfig::new(s.url()))
        .fetch_cart(&user("erin"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.items[0].unit_price, "49.00");
    assert_eq!(got.currency, "EUR");
}

#[tokio::test]
async fn a_user_without_a_cart_is_none() {
    let s = service();
    let got = client(HttpCartConfig::new(s.url()))
        .fetch_cart(&user("nobody"), None)
        .await
        .unwrap();
    assert_eq!(got, None);
    assert_eq!(cart_reads(&s).len(), 1, "a 404 is an answer, not retried");
}

#[tokio::test]
async fn numeric_unit_prices_are_malformed() {
    let s = service();
    fault(
        &s,
        Faults {
            numeric_prices: true,
            ..Faults::default()
        },
    );
    let err = client(HttpCartConfig::new(s.url()))
        .fetch_cart(&user("alice"), None)
        .await
        .unwrap_err();
    let CartSourceError::Malformed(reason) = &err else {
        panic!("expected Malformed, got {err:?}");
    };
    assert!(reason.contains("expected a string"), "{reason}");
    assert_eq!(
        cart_reads(&s).len(),
        2,
        "a malformed answer is retried once"
    );
}

#[tokio::test]
async fn malformed_json_is_malformed_and_a_single_bad_answer_is_retried_away() {
    let s = service();
    fault(
        &s,
        Faults {
            malformed: true,
            ..Faults::default()
        },
    );
    let carts = client(HttpCartConfig::new(s.url()));
    let err = carts.fetch_cart(&user("alice"), None).await.unwrap_err();
    assert!(matches!(err, CartSourceError::Malformed(_)), "{err:?}");
    assert_eq!(cart_reads(&s).len(), 2);

    s.state().clear_requests();
    fault(
        &s,
        Faults {
            malformed: true,
            fail_next: Some(1),
            ..Faults::default()
        },
    );
    let cart = carts
        .fetch_cart(&user("alice"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cart.user_id, "alice");
    assert_eq!(cart_reads(&s).len(), 2);
}

#[tokio::test]
async fn a_closed_port_is_unavailable_within_the_budget() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let budget = Duration::from_millis(500);
    let carts = client(
        HttpCartConfig::new(format!("http://127.0.0.1:{port}"))
            .with_retry_budget(budget)
            .with_max_attempts(100),
    );
    let started = Instant::now();
    let err = carts.fetch_cart(&user("alice"), None).await.unwrap_err();
    let elapsed = started.elapsed();
    let CartSourceError::Unavailable(reason) = &err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert!(reason.contains("cannot connect"), "{reason}");
    // Retried within the budget (several attempts), and stopped at it.
    assert!(!reason.contains("(1 attempt "), "{reason}");
    assert!(elapsed <= budget + SLACK, "{elapsed:?}");
}

#[tokio::test]
async fn a_stopped_service_is_unavailable() {
    let s = service();
    let carts = client(fast_config(s.url()));
    assert!(
        carts
            .fetch_cart(&user("alice"), None)
            .await
            .unwrap()
            .is_some()
    );
    s.stop();
    let started = Instant::now();
    let err = carts.fetch_cart(&user("alice"), None).await.unwrap_err();
    assert!(matches!(err, CartSourceError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() <= Duration::from_millis(1500) + SLACK);
}

#[tokio::test]
async fn a_slow_service_is_unavailable_within_the_budget() {
    let s = service();
    fault(
        &s,
        Faults {
            delay_ms: 5_000,
            ..Faults::default()
        },
    );
    let budget = Duration::from_millis(800);
    let carts = client(
        HttpCartConfig::new(s.url())
            .with_request_timeout(Duration::from_millis(200))
            .with_retry_budget(budget),
    );
    let started = Instant::now();
    let err = carts.fetch_cart(&user("alice"), None).await.unwrap_err();
    let elapsed = started.elapsed();
    let CartSourceError::Unavailable(reason) = &err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert!(reason.contains("no answer within"), "{reason}");
    assert!(
        elapsed >= Duration::from_millis(400),
        "retried: {elapsed:?}"
    );
    assert!(elapsed <= budget + SLACK, "{elapsed:?}");
}

#[tokio::test]
async fn one_slow_answer_is_retried_away() {
    let s = service();
    fault(
        &s,
        Faults {
            delay_ms: 2_000,
            fail_next: Some(1),
            ..Faults::default()
        },
    );
    let carts = client(fast_config(s.url()));
    let cart = carts
        .fetch_cart(&user("alice"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cart.user_id, "alice");
}

#[tokio::test]
async fn server_errors_are_retried_until_the_service_recovers() {
    let s = service();
    fault(
        &s,
        Faults {
            status: Some(500),
            fail_next: Some(2),
            ..Faults::default()
        },
    );
    let carts = client(HttpCartConfig::new(s.url()));
    let cart = carts
        .fetch_cart(&user("alice"), Some("req-recover-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cart.user_id, "alice");
    let reads = cart_reads(&s);
    let statuses: Vec<u16> = reads.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 500, 200]);
    assert!(
        reads
            .iter()
            .all(|r| r.request_id.as_deref() == Some("req-recover-1"))
    );
}

#[tokio::test]
async fn persistent_server_errors_stop_at_max_attempts() {
    let s = service();
    fault(
        &s,
        Faults {
            status: Some(503),
            ..Faults::default()
        },
    );
    let carts = client(
        HttpCartConfig::new(s.url())
            .with_max_attempts(3)
            .with_retry_budget(Duration::from_secs(10)),
    );
    let err = carts.fetch_cart(&user("alice"), None).await.unwrap_err();
    let CartSourceError::Unavailable(reason) = &err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert!(reason.contains("503"), "{reason}");
    assert!(reason.contains("3 attempts"), "{reason}");
    assert_eq!(cart_reads(&s).len(), 3);
}

#[tokio::test]
async fn request_id_and_accept_reach_the_service() {
    let s = service();
    let carts = client(HttpCartConfig::new(s.url()));
    carts
        .fetch_cart(&user("bob"), Some("0190f3a4-trace-77"))
        .await
        .unwrap();
    carts.fetch_cart(&user("bob"), None).await.unwrap();
    // An id that cannot be a header value is left out; the fetch still works.
    carts
        .fetch_cart(&user("bob"), Some("bad\nid"))
        .await
        .unwrap();
    let reads = cart_reads(&s);
    assert_eq!(reads.len(), 3);
    assert_eq!(reads[0].request_id.as_deref(), Some("0190f3a4-trace-77"));
    assert_eq!(reads[0].accept.as_deref(), Some("application/json"));
    assert_eq!(reads[1].request_id, None);
    assert_eq!(reads[2].request_id, None);
}

#[tokio::test]
async fn user_ids_are_percent_encoded() {
    let s = service();
    let carts = client(HttpCartConfig::new(s.url()));
    let dave = user("dave@example.com");
    assert!(carts.cart_url(&dave).ends_with("/carts/dave%40example.com"));
    let cart = carts.fetch_cart(&dave, None).await.unwrap().unwrap();
    assert_eq!(cart.user_id, "dave@example.com");
    assert_eq!(cart_reads(&s)[0].path, "/carts/dave%40example.com");
}

#[tokio::test]
async fn user_ids_with_dots_are_ordinary_segments() {
    // `.` and `..` would be resolved as dot segments by any URL parser; the engine refuses
    // them as user ids, so they never reach the client.
    assert!(UserId::new(".").is_err() && UserId::new("..").is_err());
    let s = service();
    let carts = client(HttpCartConfig::new(s.url()));
    assert_eq!(carts.fetch_cart(&user("..."), None).await.unwrap(), None);
    assert_eq!(cart_reads(&s).len(), 1);
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_and_trailing_slash_works() {
    let s = service();
    let carts = client(HttpCartConfig::new(format!("{}/", s.url())));
    assert!(
        carts
            .fetch_cart(&user("alice"), None)
            .await
            .unwrap()
            .is_some()
    );
    let prefixed = client(HttpCartConfig::new(format!("{}/api", s.url())));
    let err = prefixed.fetch_cart(&user("alice"), None).await.unwrap();
    // The example service has no /api prefix, so it answers 404 (its unknown-route answer).
    assert_eq!(err, None);
    assert_eq!(
        s.state().requests().last().unwrap().path,
        "/api/carts/alice"
    );
}

#[tokio::test]
async fn the_bearer_token_is_sent_and_a_refusal_is_not_retried() {
    let s = service_with(ServiceOptions {
        auth_token: Some("cart-secret".into()),
        admin_endpoints: false,
    });
    let with_token = client(HttpCartConfig::new(s.url()).with_bearer_token("cart-secret"));
    assert!(
        with_token
            .fetch_cart(&user("alice"), None)
            .await
            .unwrap()
            .is_some()
    );

    s.state().clear_requests();
    let without = client(HttpCartConfig::new(s.url()));
    let err = without.fetch_cart(&user("alice"), None).await.unwrap_err();
    let CartSourceError::Unavailable(reason) = &err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert!(reason.contains("401"), "{reason}");
    assert_eq!(cart_reads(&s).len(), 1, "a 4xx is not retried");
    assert!(!format!("{with_token:?}").contains("cart-secret"));
}

#[tokio::test]
async fn bad_configurations_are_refused() {
    let code = |config: HttpCartConfig| HttpCartSource::new(config).unwrap_err().code();
    assert_eq!(
        code(HttpCartConfig::new("localhost:8081")),
        "invalid_cart_service_url"
    );
    assert_eq!(
        code(HttpCartConfig::new("http://h").with_bearer_token("line\nbreak")),
        "invalid_cart_service_token"
    );
    assert_eq!(
        code(HttpCartConfig::new("http://h").with_max_attempts(0)),
        "invalid_cart_service_config"
    );
    assert_eq!(
        code(HttpCartConfig::new("http://h").with_request_timeout(Duration::ZERO)),
        "invalid_cart_service_config"
    );
    assert_eq!(
        code(HttpCartConfig::new("http://h").with_retry_budget(Duration::MAX)),
        "invalid_cart_service_config"
    );
    assert!(matches!(
        HttpCartSource::new(HttpCartConfig::new("http://h").with_max_attempts(0)),
        Err(CartClientError::InvalidConfig(_))
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn fetches_wait_without_holding_the_only_thread() {
    // One slow answer and one quick one on a runtime with a single thread: the quick one is
    // answered while the slow one waits, which a blocking client could not do.
    let slow = service();
    fault(
        &slow,
        Faults {
            delay_ms: 400,
            ..Faults::default()
        },
    );
    let quick = service();
    let slow_carts = client(HttpCartConfig::new(slow.url()));
    let quick_carts = client(HttpCartConfig::new(quick.url()));
    let bob = user("bob");
    let started = Instant::now();
    let (slow_cart, quick_at) = tokio::join!(slow_carts.fetch_cart(&bob, Some("rt-1")), async {
        quick_carts.fetch_cart(&bob, None).await.unwrap().unwrap();
        started.elapsed()
    });
    assert_eq!(slow_cart.unwrap().unwrap().currency, "EUR");
    assert!(quick_at < Duration::from_millis(300), "{quick_at:?}");
    assert!(started.elapsed() >= Duration::from_millis(400));
}
