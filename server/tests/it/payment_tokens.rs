//! Payment tokens are credentials: the server takes them in requests and never gives them
//! out. A whole run of the binary, logging at `debug`, places card and PayPal orders, quotes a
//! checkout, moves an order through every status, cancels another and sends a refused card:
//! no answer and no log line carries a token.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orderly_example_cart_service::{Cart, CartItem, CartState, RunningCartService, ServiceOptions};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_orderly-server");
const SECRET: &str = "payment-token-test-secret-payment-token";
const CARD_TOKEN: &str = "tok_card_secret_7f3a";
const PAYPAL_TOKEN: &str = "pp_secret_9c1e";
const EXPIRED_CARD_TOKEN: &str = "tok_expired_secret_2b8d";

fn token(sub: &str, role: &str) -> String {
    let out = Command::new(BIN)
        .args(["token", "--sub", sub, "--role", role, "--ttl", "10m"])
        .env("ORDERLY_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The server on a free port, logging at `debug`; every line it writes is kept in `log`.
fn start(db: &std::path::Path, cart_url: &str, log: Arc<Mutex<Vec<String>>>) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--cart-url", cart_url])
        .arg("--database")
        .arg(format!("sqlite://{}", db.display()))
        .env("ORDERLY_JWT_SECRET", SECRET)
        .env("ORDERLY_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && v["fields"]["message"] == "listening"
            {
                let _ = tx.send(v["fields"]["address"].as_str().unwrap_or("").to_owned());
            }
            log.lock().unwrap().push(line);
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("server starts");
    (child, format!("http://{addr}"))
}

fn address() -> Value {
    json!({"name": "Alice", "line1": "1 Main St", "city": "New York", "region": "NY",
           "postalCode": "10001", "country": "US"})
}

fn card(token: &str, exp_year: u32) -> Value {
    json!({"type": "card", "token": token, "brand": "visa", "last4": "4242",
           "expMonth": 12, "expYear": exp_year})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_and_no_log_line_carries_a_payment_token() {
    let state = CartState::new(ServiceOptions::default());
    state
        .put_cart(Cart::new(
            "alice",
            "USD",
            vec![CartItem::new("sku-1", "Beans", 3, "2.50")],
        ))
        .unwrap();
    let carts = RunningCartService::start(state).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (mut child, base) = start(&dir.path().join("orders.db"), &carts.url(), log.clone());
    let client = reqwest::Client::new();
    let alice = token("alice", "customer");
    let ops = token("ops", "admin");
    let mut answers = Vec::new();

    let send = |request: reqwest::RequestBuilder| async move {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    };
    let order_body = |method: Value| json!({"userId": "alice", "deliveryAddress": address(), "paymentMethod": method});

    let quote = send(
        client
            .post(format!("{base}/checkout"))
            .bearer_auth(&alice)
            .json(&order_body(card(CARD_TOKEN, 2099))),
    )
    .await;
    assert_eq!(quote.0, 200, "{}", quote.1);
    let quote_body: Value = serde_json::from_str(&quote.1).unwrap();
    assert_eq!(quote_body["paymentMethod"]["last4"], "4242");
    let checkout_id = quote_body["checkoutId"].as_str().unwrap().to_owned();
    answers.push(quote);

    let mut by_quote = order_body(card(CARD_TOKEN, 2099));
    by_quote["checkoutId"] = json!(checkout_id);
    let placed = send(
        client
            .post(format!("{base}/order"))
            .bearer_auth(&alice)
            .header("Idempotency-Key", "card")
            .json(&by_quote),
    )
    .await;
    assert_eq!(placed.0, 201, "{}", placed.1);
    let card_order: Value = serde_json::from_str(&placed.1).unwrap();
    assert_eq!(
        card_order["paymentMethod"],
        json!({"type": "card", "brand": "visa", "last4": "4242", "expMonth": 12, "expYear": 2099})
    );
    let card_id = card_order["orderId"].as_str().unwrap().to_owned();
    answers.push(placed);

    let paypal = send(
        client
            .post(format!("{base}/order"))
            .bearer_auth(&alice)
            .header("Idempotency-Key", "paypal")
            .json(&order_body(
                json!({"type": "paypal", "token": PAYPAL_TOKEN}),
            )),
    )
    .await;
    assert_eq!(paypal.0, 201, "{}", paypal.1);
    let paypal_order: Value = serde_json::from_str(&paypal.1).unwrap();
    assert_eq!(paypal_order["paymentMethod"], json!({"type": "paypal"}));
    let paypal_id = paypal_order["orderId"].as_str().unwrap().to_owned();
    answers.push(paypal);

    for status in ["processing", "shipped", "delivered"] {
        let moved = send(
            client
                .put(format!("{base}/order/{card_id}/status"))
                .bearer_auth(&ops)
                .json(&json!({"status": status, "note": "on its way"})),
        )
        .await;
        assert_eq!(moved.0, 200, "{}", moved.1);
        answers.push(moved);
    }
    let cancelled = send(
        client
            .delete(format!("{base}/order/{paypal_id}?reason=changed"))
            .bearer_auth(&alice),
    )
    .await;
    assert_eq!(cancelled.0, 200, "{}", cancelled.1);
    answers.push(cancelled);
    for path in [
        format!("/order/{card_id}"),
        format!("/order/{card_id}/status"),
        "/orders/alice".to_owned(),
    ] {
        let read = send(client.get(format!("{base}{path}")).bearer_auth(&alice)).await;
        assert_eq!(read.0, 200, "{path}: {}", read.1);
        answers.push(read);
    }
    let refused = send(
        client
            .post(format!("{base}/order"))
            .bearer_auth(&alice)
            .header("Idempotency-Key", "expired")
            .json(&order_body(card(EXPIRED_CARD_TOKEN, 2001))),
    )
    .await;
    assert_eq!(refused.0, 422, "{}", refused.1);
    answers.push(refused);

    let _ = child.kill();
    let _ = child.wait();
    let log = log.lock().unwrap();
    assert!(
        log.iter().any(|l| l.contains("/order")),
        "the log shows the requests: {log:?}"
    );
    for secret in [CARD_TOKEN, PAYPAL_TOKEN, EXPIRED_CARD_TOKEN] {
        for (status, body) in &answers {
            assert!(
                !body.contains(secret),
                "a {status} answer shows a token: {body}"
            );
        }
        for line in log.iter() {
            assert!(!line.contains(secret), "a log line shows a token: {line}");
        }
    }
}
