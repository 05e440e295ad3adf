//! Payment tokens are credentials: the server takes them in requests and never gives them
//! out. A whole run of the binary, logging at `debug`, places card and PayPal orders, quotes a
//! checkout, moves an order through every status, cancels another and sends a refused card:
//! no answer and no log line carries a token.

use orderly_example_cart_service::{Cart, CartItem, CartState, RunningCartService, ServiceOptions};
use serde_json::{Value, json};

use crate::support::server_process::{ServerOptions, ServerProcess};

const SECRET: &str = "payment-token-test-secret-payment-token";
const CARD_TOKEN: &str = "tok_card_secret_7f3a";
const PAYPAL_TOKEN: &str = "pp_secret_9c1e";
const EXPIRED_CARD_TOKEN: &str = "tok_expired_secret_2b8d";

/// The server on `db`, logging JSON at `debug`; every line it writes is kept.
fn start(db: &std::path::Path, cart_url: &str) -> ServerProcess {
    ServerOptions::sqlite(db)
        .secret(SECRET)
        .json_logs()
        .log_level("debug")
        .args(["--cart-url", cart_url])
        .start()
        .expect("the server starts")
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
    let mut server = start(&dir.path().join("orders.db"), &carts.url());
    let base = server.url();
    let client = reqwest::Client::new();
    let alice = server.token("alice", "customer").unwrap();
    let ops = server.token("ops", "admin").unwrap();
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

    // Once killed, the process's log is read whole.
    server.kill9().unwrap();
    let log = server.log_lines();
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
