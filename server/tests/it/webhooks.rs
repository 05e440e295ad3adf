//! Webhooks end to end: the staff API, and the sender posting to a real receiver in Python
//! that verifies every signature with the `standardwebhooks` library: deliveries in sequence
//! per order, a receiver down then up, 500 then 200, a slow receiver beside a fast one,
//! private targets and redirects refused, secret rotation, and the failing mark once the
//! retry window is over.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orderly::webhooks::{DeliverySchedule, TargetPolicy};
use orderly::{
    Caller, InMemoryCarts, OrderId, OrderStatus, ServiceConfig, StatusUpdate, WebhookConfig,
};
use orderly_server::{WebhookSenderConfig, run_webhook_sender};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::common::{Harness, call, place, standard_cart};
use crate::support::webhook_receiver::{
    PATIENCE, Receiver, accepted_ids, assert_verified_in_sequence, free_port, python, url,
};

const ALL_TYPES: [&str; 4] = [
    "order.placed",
    "order.status_changed",
    "order.cancelled",
    "order.shipment_changed",
];

/// A harness whose engine allows loopback targets and retries quickly within `window`.
fn harness(window: Duration) -> (Harness, Arc<InMemoryCarts>) {
    let carts = Arc::new(InMemoryCarts::new());
    let config = ServiceConfig {
        webhooks: WebhookConfig {
            targets: TargetPolicy {
                allow_private: true,
            },
            schedule: DeliverySchedule::new(window)
                .with_pauses(Duration::from_millis(200), Duration::from_secs(1)),
            lease: Duration::from_secs(10),
        },
        ..ServiceConfig::default()
    };
    (Harness::build(carts.clone(), |b| b.config(config)), carts)
}

/// The sender, running until the returned sender is dropped or sent `true`.
fn start_sender(h: &Harness, per_subscription: usize) -> watch::Sender<bool> {
    start_sender_capped(h, per_subscription, 64)
}

/// The sender with at most `max_in_flight` attempts in flight in all.
fn start_sender_capped(
    h: &Harness,
    per_subscription: usize,
    max_in_flight: usize,
) -> watch::Sender<bool> {
    let (stop, stopped) = watch::channel(false);
    let config = WebhookSenderConfig {
        timeout: Duration::from_secs(10),
        max_in_flight,
        per_subscription,
        idle_poll: Duration::from_millis(50),
        refresh: Duration::from_millis(100),
    };
    tokio::spawn(run_webhook_sender(
        h.state.service().clone(),
        config,
        stopped,
    ));
    stop
}

/// Creates a subscription through the API; returns it as answered (with its secret).
async fn subscribe(h: &Harness, target: &str, types: &[&str]) -> Value {
    let reply = h
        .send(
            call("POST", "/webhooks")
                .token(&h.admin())
                .json(&json!({"url": target, "eventTypes": types})),
        )
        .await;
    reply.expect(201, "");
    reply.body
}

fn secret(subscription: &Value) -> String {
    subscription["secret"].as_str().unwrap().to_owned()
}

fn id(subscription: &Value) -> String {
    subscription["id"].as_str().unwrap().to_owned()
}

/// Places `count` orders (users u0, u1, ...) and moves every one to processing and shipped:
/// three events each. Returns the order ids.
async fn orders_with_history(h: &Harness, carts: &InMemoryCarts, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..count {
        let user = format!("u{i}");
        carts.set(standard_cart(&user));
        let order = place(h, &user, &format!("k-{i}")).await;
        ids.push(order["orderId"].as_str().unwrap().to_owned());
    }
    for to in [OrderStatus::Processing, OrderStatus::Shipped] {
        for order in &ids {
            let id = OrderId::parse(order).unwrap();
            h.state
                .service()
                .update_status(&Caller::admin("ops"), &id, to, &StatusUpdate::default())
                .unwrap();
        }
    }
    ids
}

async fn get(h: &Harness, path: &str) -> Value {
    let reply = h.send(call("GET", path).token(&h.admin())).await;
    reply.expect(200, "");
    reply.body
}

/// Waits until `check` holds for the subscription's answer.
async fn wait_for_webhook(h: &Harness, id: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let view = get(h, &format!("/webhooks/{id}")).await;
        if check(&view) {
            return view;
        }
        assert!(Instant::now() < deadline, "never reached: {view:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn staff_manage_subscriptions_and_private_targets_are_refused() {
    let (h, _) = Harness::in_memory();
    let admin = h.admin();
    let create = |body: Value| call("POST", "/webhooks").token(&admin).json(&body);
    for target in [
        "https://127.0.0.1/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:192.168.0.1]/hook",
        "https://localhost:8443/hook",
    ] {
        h.send(create(
            json!({"url": target, "eventTypes": ["order.placed"]}),
        ))
        .await
        .expect(422, "webhook_target_refused");
    }
    h.send(create(
        json!({"url": "http://hooks.example.com/", "eventTypes": ["order.placed"]}),
    ))
    .await
    .expect(422, "invalid_webhook_url");
    h.send(create(
        json!({"url": "https://hooks.example.com/", "eventTypes": ["order.paid"]}),
    ))
    .await
    .expect(422, "unknown_event_type");
    h.send(create(
        json!({"url": "https://hooks.example.com/", "eventTypes": []}),
    ))
    .await
    .expect(422, "no_event_types");
    h.send(
        call("POST", "/webhooks")
            .token(&h.customer("alice"))
            .json(&json!({"url": "https://hooks.example.com/", "eventTypes": ["order.placed"]})),
    )
    .await
    .expect(403, "forbidden");

    let body = json!({"url": "https://hooks.example.com/in", "eventTypes": ["order.placed"]});
    let first = h.send(create(body.clone()).key("hook-1")).await;
    first.expect(201, "");
    let secret = first.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let again = h.send(create(body.clone()).key("hook-1")).await;
    again.expect(200, "");
    assert_eq!(again.body["id"], first.body["id"]);
    let mut other = body.clone();
    other["url"] = json!("https://other.example.com/");
    h.send(create(other).key("hook-1"))
        .await
        .expect(409, "idempotency_conflict");

    let id = id(&first.body);
    let view = get(&h, &format!("/webhooks/{id}")).await;
    assert!(
        view.get("secret").is_none(),
        "a read never shows the secret"
    );
    assert_eq!(view["health"]["status"], "healthy");
    assert_eq!(view["health"]["pendingCount"], 0);
    assert_eq!(get(&h, "/webhooks").await.as_array().unwrap().len(), 1);

    let patched = h
        .send(
            call("PATCH", &format!("/webhooks/{id}"))
                .token(&admin)
                .json(&json!({"enabled": false, "eventTypes": ALL_TYPES})),
        )
        .await;
    patched.expect(200, "");
    assert_eq!(patched.body["health"]["status"], "disabled");
    assert_eq!(patched.body["eventTypes"].as_array().unwrap().len(), 4);
    h.send(
        call("PATCH", &format!("/webhooks/{id}"))
            .token(&admin)
            .json(&json!({"url": "https://192.168.1.1/"})),
    )
    .await
    .expect(422, "webhook_target_refused");

    let rotated = h
        .send(call("POST", &format!("/webhooks/{id}/rotate-secret")).token(&admin))
        .await;
    rotated.expect(200, "");
    assert_ne!(rotated.body["secret"].as_str().unwrap(), secret);

    let page = get(&h, &format!("/webhooks/{id}/deliveries?limit=5")).await;
    assert_eq!(page["deliveries"], json!([]));
    h.send(call("GET", &format!("/webhooks/{id}/deliveries?limit=0")).token(&admin))
        .await
        .expect(422, "limit_out_of_range");
    let missing = "01890000-0000-7000-8000-000000000000";
    h.send(
        call(
            "POST",
            &format!("/webhooks/{id}/deliveries/{missing}/redeliver"),
        )
        .token(&admin),
    )
    .await
    .expect(404, "not_found");
    h.send(call("DELETE", &format!("/webhooks/{id}")).token(&admin))
        .await
        .expect(204, "");
    h.send(call("GET", &format!("/webhooks/{id}")).token(&admin))
        .await
        .expect(404, "not_found");
    h.send(call("GET", "/webhooks/not-an-id").token(&admin))
        .await
        .expect(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delivery_is_signed_and_each_order_arrives_in_sequence() {
    let Some(python) = python() else { return };
    let receiver = Receiver::start(&python, free_port());
    let (h, carts) = harness(Duration::from_secs(60));
    let sub = subscribe(&h, &receiver.url("all"), &ALL_TYPES).await;
    receiver.accept("all", &secret(&sub)).await;
    let orders = orders_with_history(&h, &carts, 5).await;
    let _sender = start_sender(&h, 4);

    let got = receiver.wait_for("all", orders.len() * 3).await;
    assert_verified_in_sequence(&got);
    for r in &got {
        assert!(r["hasPayload"].as_bool().unwrap());
        assert!(
            !r["body"].as_str().unwrap().contains("tok_"),
            "no payment token: {r}"
        );
    }
    // The body is the event's envelope as the relay sends it, and the webhook-id is the one
    // the delivery log shows.
    let events = h.state.service().store().pending_events(100).unwrap();
    let bodies: Vec<String> = events
        .iter()
        .map(|e| orderly::envelope::encode(e).unwrap())
        .collect();
    for r in &got {
        assert!(
            bodies.iter().any(|b| b == r["body"].as_str().unwrap()),
            "{r}"
        );
    }
    // The receiver answered before each attempt was recorded: wait for the records.
    let view = wait_for_webhook(&h, &id(&sub), |v| v["health"]["pendingCount"] == 0).await;
    assert_eq!(view["health"]["status"], "healthy");
    assert!(view["health"]["lastSuccessAt"].is_string());
    let log = get(&h, &format!("/webhooks/{}/deliveries?limit=100", id(&sub))).await;
    let log = log["deliveries"].as_array().unwrap();
    assert_eq!(log.len(), 15);
    for d in log {
        assert_eq!(d["status"], "delivered");
        assert_eq!(d["attempts"][0]["status"], 200);
        assert!(got.iter().any(|r| r["webhookId"] == d["messageId"]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_then_up_gets_everything_in_order() {
    let Some(python) = python() else { return };
    let port = free_port();
    let (h, carts) = harness(Duration::from_secs(3600));
    let sub = subscribe(&h, &url(port, "late"), &ALL_TYPES).await;
    let orders = orders_with_history(&h, &carts, 3).await;
    let _sender = start_sender(&h, 4);

    // Nothing listens: attempts fail to connect and are retried.
    let id = id(&sub);
    let down = wait_for_webhook(&h, &id, |v| v["health"]["lastFailureAt"].is_string()).await;
    assert!(
        down["health"]["lastFailureReason"]
            .as_str()
            .unwrap()
            .starts_with("connect"),
        "{down:#}"
    );
    assert_eq!(down["health"]["pendingCount"], 9);
    tokio::time::sleep(Duration::from_secs(1)).await;

    let receiver = Receiver::start(&python, port);
    receiver.accept("late", &secret(&sub)).await;
    let got = receiver.wait_for("late", orders.len() * 3).await;
    assert_verified_in_sequence(&got);
    wait_for_webhook(&h, &id, |v| v["health"]["pendingCount"] == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_retried_until_a_200() {
    let Some(python) = python() else { return };
    let receiver = Receiver::start(&python, free_port());
    let (h, carts) = harness(Duration::from_secs(3600));
    let sub = subscribe(&h, &receiver.url("flaky"), &["order.placed"]).await;
    receiver
        .configure(
            "flaky",
            json!({"secrets": [secret(&sub)], "statuses": [500, 500, 200]}),
        )
        .await;
    carts.set(standard_cart("alice"));
    place(&h, "alice", "k-1").await;
    let _sender = start_sender(&h, 1);

    let got = receiver.wait_for("flaky", 1).await;
    let statuses: Vec<_> = got.iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, vec![500, 500, 200]);
    assert_eq!(
        accepted_ids(&got).len(),
        1,
        "one webhook-id across the attempts"
    );
    assert!(got.iter().all(|r| r["verifiedWith"] == 0));
    wait_for_webhook(&h, &id(&sub), |v| v["health"]["pendingCount"] == 0).await;
    let log = get(&h, &format!("/webhooks/{}/deliveries", id(&sub))).await;
    let attempts = log["deliveries"][0]["attempts"].as_array().unwrap().clone();
    let answered: Vec<_> = attempts.iter().map(|a| a["status"].clone()).collect();
    assert_eq!(answered, vec![json!(500), json!(500), json!(200)]);
    assert_eq!(attempts[0]["snippet"], r#"{"received": false}"#);
    assert!(attempts.iter().all(|a| a["latencyMs"].is_u64()));
    assert_eq!(log["deliveries"][0]["status"], "delivered");
}

/// Three slots in all, two per subscription: the slow receiver can hold two, never the
/// third, so the fast one always has a slot and finishes long before the slow one's first
/// answers come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receiver_does_not_hold_up_a_fast_one() {
    let Some(python) = python() else { return };
    let receiver = Receiver::start(&python, free_port());
    let (h, carts) = harness(Duration::from_secs(3600));
    let slow = subscribe(&h, &receiver.url("slow"), &["order.placed"]).await;
    let fast = subscribe(&h, &receiver.url("fast"), &["order.placed"]).await;
    receiver
        .configure("slow", json!({"secrets": [secret(&slow)], "delayMs": 6000}))
        .await;
    receiver.accept("fast", &secret(&fast)).await;
    for i in 0..12 {
        let user = format!("u{i}");
        carts.set(standard_cart(&user));
        place(&h, &user, &format!("k-{i}")).await;
    }
    let _sender = start_sender_capped(&h, 2, 3);
    receiver.wait_for("fast", 12).await;
    let slow_done = accepted_ids(&receiver.received_by("slow").await).len();
    assert_eq!(
        slow_done, 0,
        "the fast receiver finished behind the slow one"
    );
    let view = get(&h, &format!("/webhooks/{}", id(&slow))).await;
    assert_eq!(view["health"]["pendingCount"], 12);
    receiver.wait_for("slow", 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed_and_private_targets_are_refused_at_connect() {
    let Some(python) = python() else { return };
    let receiver = Receiver::start(&python, free_port());
    let (h, carts) = harness(Duration::from_secs(3600));
    let hop = subscribe(&h, &receiver.url("hop"), &["order.placed"]).await;
    receiver
        .configure(
            "hop",
            json!({"secrets": [secret(&hop)], "redirect": receiver.url("elsewhere")}),
        )
        .await;
    carts.set(standard_cart("alice"));
    place(&h, "alice", "k-1").await;
    let sender = start_sender(&h, 1);
    let view = wait_for_webhook(&h, &id(&hop), |v| v["health"]["lastFailureAt"].is_string()).await;
    assert_eq!(view["health"]["lastFailureReason"], "HTTP 302");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.received_by("elsewhere").await.is_empty());

    // The same delivery again, now sent by a server whose policy refuses loopback targets:
    // refused before anything is sent.
    let _ = sender.send(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    receiver
        .configure("hop", json!({"secrets": [secret(&hop)]}))
        .await;
    let before = receiver.received_by("hop").await.len();
    let log = get(&h, &format!("/webhooks/{}/deliveries", id(&hop))).await;
    let delivery = log["deliveries"][0]["deliveryId"]
        .as_str()
        .unwrap()
        .to_owned();
    h.send(
        call(
            "POST",
            &format!("/webhooks/{}/deliveries/{delivery}/redeliver", id(&hop)),
        )
        .token(&h.admin()),
    )
    .await
    .expect(202, "");
    let strict = orderly::OrderService::builder(
        h.state.service().store().clone(),
        Arc::new(InMemoryCarts::new()),
    )
    .build();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(run_webhook_sender(
        strict,
        WebhookSenderConfig {
            idle_poll: Duration::from_millis(50),
            ..WebhookSenderConfig::default()
        },
        stopped,
    ));
    let log_path = format!("/webhooks/{}/deliveries", id(&hop));
    let deadline = Instant::now() + PATIENCE;
    loop {
        let log = get(&h, &log_path).await;
        let attempts = log["deliveries"][0]["attempts"].as_array().unwrap().clone();
        if let Some(last) = attempts.last()
            && last["error"].is_string()
        {
            assert!(
                last["error"].as_str().unwrap().contains("target refused"),
                "{last}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no refused attempt: {log:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(true);
    assert_eq!(receiver.received_by("hop").await.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_secret_signs_beside_the_previous_one() {
    let Some(python) = python() else { return };
    let receiver = Receiver::start(&python, free_port());
    let (h, carts) = harness(Duration::from_secs(3600));
    let sub = subscribe(&h, &receiver.url("rot"), &["order.placed"]).await;
    let old = secret(&sub);
    let rotated = h
        .send(call("POST", &format!("/webhooks/{}/rotate-secret", id(&sub))).token(&h.admin()))
        .await;
    rotated.expect(200, "");
    let new = secret(&rotated.body);
    // A receiver that still knows only the old secret verifies, and so does one that knows
    // only the new one.
    receiver.accept("rot", &old).await;
    carts.set(standard_cart("alice"));
    place(&h, "alice", "k-1").await;
    let _sender = start_sender(&h, 1);
    let got = receiver.wait_for("rot", 1).await;
    assert_eq!(got[0]["verifiedWith"], 0);
    let signatures = got[0]["signature"].as_str().unwrap();
    assert_eq!(signatures.split(' ').count(), 2, "{signatures}");
    receiver.accept("rot", &new).await;
    carts.set(standard_cart("bob"));
    place(&h, "bob", "k-2").await;
    let got = receiver.wait_for("rot", 2).await;
    assert!(got.iter().all(|r| r["verifiedWith"] == 0), "{got:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_is_failing_once_the_window_is_over_until_a_redelivery_succeeds() {
    let Some(python) = python() else { return };
    let receiver = Receiver::start(&python, free_port());
    let (h, carts) = harness(Duration::from_secs(2));
    let sub = subscribe(&h, &receiver.url("down"), &["order.placed"]).await;
    receiver
        .configure(
            "down",
            json!({"secrets": [secret(&sub)], "statuses": [503]}),
        )
        .await;
    carts.set(standard_cart("alice"));
    place(&h, "alice", "k-1").await;
    let _sender = start_sender(&h, 1);
    let id = id(&sub);
    let failing = wait_for_webhook(&h, &id, |v| v["health"]["status"] == "failing").await;
    assert_eq!(failing["health"]["lastFailureReason"], "HTTP 503");
    assert_eq!(failing["health"]["pendingCount"], 0);
    assert!(failing["health"]["failingSince"].is_string());
    let log = get(&h, &format!("/webhooks/{id}/deliveries")).await;
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["status"], "failed");
    let tries = delivery["attempts"].as_array().unwrap().len();
    assert!(tries >= 3, "retried within the window: {tries}");

    receiver.accept("down", &secret(&sub)).await;
    let redeliver = format!(
        "/webhooks/{id}/deliveries/{}/redeliver",
        delivery["deliveryId"].as_str().unwrap()
    );
    h.send(call("POST", &redeliver).token(&h.admin()))
        .await
        .expect(202, "");
    let healthy = wait_for_webhook(&h, &id, |v| v["health"]["status"] == "healthy").await;
    assert!(healthy["health"]["lastSuccessAt"].is_string());
    let got = receiver.received_by("down").await;
    let ids: std::collections::BTreeSet<_> = got
        .iter()
        .map(|r| r["webhookId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "a redelivery keeps its webhook-id");
    assert_eq!(got.last().unwrap()["status"], 200);
}
