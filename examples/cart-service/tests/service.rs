//! The Cart Service over real HTTP on loopback: the contract's endpoints, the user id rule,
//! the bearer token, the request log and the injected faults.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use orderly_example_cart_service::{
    Cart, CartItem, CartState, Faults, ServiceOptions, parse_seed, serve,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Service {
    base: String,
    state: CartState,
    http: reqwest::Client,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Service {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Service {
    async fn start(options: ServiceOptions) -> Service {
        let state = CartState::new(options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(serve(listener, state.clone()));
        Service {
            base,
            state,
            http: reqwest::Client::new(),
            task,
        }
    }

    async fn plain() -> Service {
        Service::start(ServiceOptions::default()).await
    }

    async fn with_admin() -> Service {
        Service::start(ServiceOptions {
            auth_token: None,
            admin_endpoints: true,
        })
        .await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }

    async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let r = self
            .http
            .put(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn faults(&self, faults: Value) {
        let r = self
            .http
            .post(self.url("/_faults"))
            .json(&faults)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }
}

fn alice_cart() -> Value {
    json!({
        "userId": "alice",
        "currency": "USD",
        "items": [{"productId": "sku-1001", "name": "Espresso beans 1kg", "quantity": 2,
                   "unitPrice": "19.99"}],
        "updatedAt": "2026-11-24T10:15:00Z"
    })
}

#[tokio::test]
async fn put_then_get_returns_the_cart_and_replacing_it_is_200() {
    let s = Service::plain().await;
    let (status, stored) = s.put("/carts/alice", &alice_cart()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(stored, alice_cart());

    let (status, body) = s.get("/carts/alice").await;
    assert_eq!(status, StatusCode::OK);
    let got: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(got, alice_cart());
    assert!(body.contains(r#""unitPrice":"19.99""#), "{body}");

    let mut changed = alice_cart();
    changed["items"][0]["quantity"] = json!(5);
    let (status, _) = s.put("/carts/alice", &changed).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s.state.cart("alice").unwrap().items[0].quantity, 5);
}

#[tokio::test]
async fn unknown_fields_are_kept_and_a_missing_user_id_or_timestamp_is_filled_in() {
    let s = Service::plain().await;
    let body = json!({"currency": "EUR", "channel": "mobile",
        "items": [{"productId": "p", "name": "n", "quantity": 1, "unitPrice": "1.00",
                   "giftWrap": true}]});
    let (status, stored) = s.put("/carts/bob", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(stored["userId"], "bob");
    assert!(
        stored["updatedAt"].as_str().unwrap().ends_with('Z'),
        "{stored}"
    );
    let got: Value = serde_json::from_str(&s.get("/carts/bob").await.1).unwrap();
    assert_eq!(got["channel"], "mobile");
    assert_eq!(got["items"][0]["giftWrap"], true);
}

#[tokio::test]
async fn cart_rules_are_not_this_services_job_but_the_shape_is() {
    let s = Service::plain().await;
    // Quantity 0, a negative price and an unknown currency: stored as given.
    let odd = json!({"userId": "u1", "currency": "XXX",
        "items": [{"productId": "p", "name": "n", "quantity": 0, "unitPrice": "-3"}]});
    assert_eq!(s.put("/carts/u1", &odd).await.0, StatusCode::CREATED);
    assert_eq!(s.state.cart("u1").unwrap().items[0].unit_price, "-3");

    let wrong_shapes = [
        json!({"userId": "u2", "currency": "USD",
               "items": [{"productId": "p", "name": "n", "quantity": 1, "unitPrice": 1.5}]}),
        json!({"userId": "u2", "currency": "USD",
               "items": [{"productId": "p", "name": "n", "quantity": "1", "unitPrice": "1"}]}),
        json!({"userId": "u2", "items": []}),
        json!({"userId": "someone-else", "currency": "USD", "items": []}),
        json!([1, 2, 3]),
    ];
    for body in wrong_shapes {
        let (status, problem) = s.put("/carts/u2", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(problem["code"], "invalid_cart", "{body}");
    }
    assert!(s.state.cart("u2").is_none());

    let r = s
        .http
        .put(s.url("/carts/u2"))
        .header("content-type", "text/plain")
        .body(alice_cart().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = s
        .http
        .put(s.url("/carts/u2"))
        .header("content-type", "application/json")
        .body("{\"userId\": \"u2\", ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_users_get_404_and_delete_removes_a_cart() {
    let s = Service::plain().await;
    let (status, body) = s.get("/carts/nobody").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "cart_not_found"
    );

    s.put("/carts/alice", &alice_cart()).await;
    let r = s.http.delete(s.url("/carts/alice")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.get("/carts/alice").await.0, StatusCode::NOT_FOUND);
    let r = s.http.delete(s.url("/carts/alice")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invalid_user_ids_get_400_on_every_method() {
    let s = Service::plain().await;
    let long = "x".repeat(65);
    for user in [
        "al%20ice",
        "a%2Fb",
        "%C3%A5lice",
        long.as_str(),
        "al'ice",
        "%FF",
    ] {
        let path = format!("/carts/{user}");
        let (status, body) = s.get(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "GET {path}");
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["code"], "invalid_user_id");
        assert_eq!(
            s.put(&path, &alice_cart()).await.0,
            StatusCode::BAD_REQUEST,
            "PUT {path}"
        );
        let r = s.http.delete(s.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "DELETE {path}");
    }
    assert_eq!(
        s.get(&format!("/carts/{}", "x".repeat(64))).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn percent_encoded_user_ids_are_decoded() {
    let s = Service::plain().await;
    s.state
        .put_cart(Cart::new(
            "dave@example.com",
            "USD",
            vec![CartItem::new("p", "Mug", 1, "24.00")],
        ))
        .unwrap();
    for path in ["/carts/dave%40example.com", "/carts/dave@example.com"] {
        let (status, body) = s.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.contains("dave@example.com"));
    }
}

#[tokio::test]
async fn a_configured_token_is_required_except_for_health() {
    let s = Service::start(ServiceOptions {
        auth_token: Some("s3cret-token".into()),
        admin_endpoints: true,
    })
    .await;
    s.state
        .put_cart(Cart::new("alice", "USD", Vec::new()))
        .unwrap();
    assert_eq!(s.get("/health").await.0, StatusCode::OK);
    let (status, body) = s.get("/carts/alice").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("unauthorized"));
    assert_eq!(s.get("/_faults").await.0, StatusCode::UNAUTHORIZED);

    let with = |token: &str| {
        s.http
            .get(s.url("/carts/alice"))
            .header("authorization", token.to_owned())
            .send()
    };
    assert_eq!(
        with("Bearer wrong").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        with("s3cret-token").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        with("Bearer s3cret-token-and-more").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        with("Bearer s3cret-token").await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn request_ids_are_logged_and_echoed() {
    let s = Service::plain().await;
    let r = s
        .http
        .get(s.url("/carts/nobody"))
        .header("x-request-id", "req-42")
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "req-42");
    let log = s.state.requests();
    let last = log.last().unwrap();
    assert_eq!(last.path, "/carts/nobody");
    assert_eq!(last.request_id.as_deref(), Some("req-42"));
    assert_eq!(last.accept.as_deref(), Some("application/json"));
    assert_eq!(last.status, 404);
}

#[tokio::test]
async fn admin_endpoints_exist_only_when_enabled() {
    let s = Service::plain().await;
    let r = s
        .http
        .post(s.url("/_faults"))
        .json(&json!({"status": 500}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(s.get("/_requests").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn injected_status_lasts_until_cleared_or_for_fail_next_reads() {
    let s = Service::with_admin().await;
    s.put("/carts/alice", &alice_cart()).await;

    s.faults(json!({"status": 503})).await;
    for _ in 0..3 {
        assert_eq!(
            s.get("/carts/alice").await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
    // Writes and health are not affected.
    assert_eq!(s.put("/carts/alice", &alice_cart()).await.0, StatusCode::OK);
    assert_eq!(s.get("/health").await.0, StatusCode::OK);
    let r = s.http.delete(s.url("/_faults")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.get("/carts/alice").await.0, StatusCode::OK);

    s.faults(json!({"failNext": 2})).await;
    assert_eq!(
        s.get("/carts/alice").await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        s.get("/carts/alice").await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(s.get("/carts/alice").await.0, StatusCode::OK);
    assert_eq!(s.state.faults(), None);
}

#[tokio::test]
async fn injected_delay_slows_cart_reads() {
    let s = Service::with_admin().await;
    s.put("/carts/alice", &alice_cart()).await;
    s.faults(json!({"delayMs": 300, "failNext": 1})).await;
    let started = Instant::now();
    assert_eq!(s.get("/carts/alice").await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(s.get("/carts/alice").await.0, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn injected_malformed_and_numeric_answers_break_the_contract() {
    let s = Service::with_admin().await;
    s.put("/carts/alice", &alice_cart()).await;

    s.faults(json!({"malformed": true, "failNext": 1})).await;
    let (status, body) = s.get("/carts/alice").await;
    assert_eq!(status, StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&body).is_err(), "{body}");

    s.faults(json!({"numericPrices": true})).await;
    let (status, body) = s.get("/carts/alice").await;
    assert_eq!(status, StatusCode::OK);
    let got: Value = serde_json::from_str(&body).unwrap();
    assert!(got["items"][0]["unitPrice"].is_number(), "{body}");
    assert_eq!(got["items"][0]["unitPrice"].as_f64(), Some(19.99));
}

#[tokio::test]
async fn nonsense_faults_are_refused() {
    let s = Service::with_admin().await;
    for body in [
        json!({"status": 200}),
        json!({"failNext": 0}),
        json!({"delayMs": -1}),
        json!({"malformed": true, "status": 500}),
        json!({"explode": true}),
    ] {
        let r = s
            .http
            .post(s.url("/_faults"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(s.state.faults(), None);
    s.state
        .set_faults(Faults {
            delay_ms: 5,
            ..Faults::default()
        })
        .unwrap();
    let (status, body) = s.get("/_faults").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["faults"]["delayMs"],
        5
    );
}

#[test]
fn the_binary_serves_the_shipped_seed() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/carts.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cart-service"))
        .args(["--listen", "127.0.0.1:0", "--seed", seed])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");

    let answer = reqwest::blocking::get(format!("{base}/carts/carol")).unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let cart: Value = answer.json().unwrap();
    let seeded = parse_seed(&std::fs::read_to_string(seed).unwrap()).unwrap();
    let carol = seeded.iter().find(|c| c.user_id == "carol").unwrap();
    assert_eq!(cart, serde_json::to_value(carol).unwrap());
    assert_eq!(cart["currency"], "JPY");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn the_binary_refuses_a_bad_seed() {
    let dir = std::env::temp_dir().join(format!("cart-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"[{"userId": "no spaces allowed", "currency": "USD", "items": []}]"#,
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cart-service"))
        .args(["--listen", "127.0.0.1:0", "--seed"])
        .arg(&bad)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid user id"), "{stderr}");
}
