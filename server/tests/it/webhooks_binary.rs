//! The real `orderly-server` delivering webhooks, SIGKILLed mid-delivery and restarted on
//! the same database: nothing is lost, and the only repeats are of deliveries that had
//! reached the receiver before the kill but whose outcome the server had not recorded (cut
//! after the request was sent, whether or not the answer had come back); the receiver drops
//! them by their `webhook-id`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use orderly::{Caller, InMemoryCarts, OrderService, OrderStatus, StatusUpdate, WebhookId};
use serde_json::{Value, json};

use crate::common::standard_cart;
use crate::support::server_process::ServerOptions;
use crate::support::webhook_receiver::{
    PATIENCE, Receiver, accepted_ids, assert_verified_in_sequence, free_port, python,
};

const ORDERS: usize = 12;
const PER_SUBSCRIPTION: usize = 4;

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_delivery_loses_nothing_and_repeats_only_deliveries_in_flight() {
    let Some(python) = python() else { return };
    let receiver = Receiver::start(&python, free_port());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("orders.db");
    let mut server = tokio::task::block_in_place(|| {
        ServerOptions::sqlite(&db)
            .args([
                "--webhook-allow-private",
                "--webhook-timeout",
                "2s",
                "--webhook-first-retry",
                "200ms",
                "--webhook-per-subscription",
                &PER_SUBSCRIPTION.to_string(),
            ])
            .start()
    })
    .unwrap();
    let admin = server.token("ops", "admin").unwrap();
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{}/webhooks", server.url()))
        .bearer_auth(&admin)
        .json(&json!({"url": receiver.url("kill"), "eventTypes": ["order.placed", "order.status_changed"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let subscription = WebhookId::parse(created["id"].as_str().unwrap()).unwrap();
    // Slow answers, so that a kill finds deliveries in flight.
    receiver
        .configure("kill", json!({"secrets": [secret], "delayMs": 300}))
        .await;

    // Orders written by another engine on the same database, as a second server would.
    let store = orderly::open_store(&format!("sqlite://{}", db.display())).unwrap();
    let carts = Arc::new(InMemoryCarts::new());
    let engine = OrderService::builder(store.clone(), carts.clone()).build();
    let writer = tokio::task::spawn_blocking(move || {
        let mut ids = Vec::new();
        for i in 0..ORDERS {
            let user = orderly::UserId::new(format!("k{i}")).unwrap();
            carts.set(standard_cart(user.as_str()));
            let request = orderly::PlaceOrderRequest {
                user_id: user.clone(),
                delivery_address: orderly_tests::fixtures::us_address(),
                payment_method: orderly::PaymentMethod::CashOnDelivery,
                shipping_method: None,
                checkout_id: None,
                discount_code: None,
                metadata: None,
            };
            let key = orderly::IdempotencyKey::new(format!("key-{i}")).unwrap();
            let placed = engine
                .place_order(&Caller::customer(&user), &request, &key)
                .unwrap();
            ids.push(placed.order.id);
        }
        for id in &ids {
            engine
                .update_status(
                    &Caller::admin("ops"),
                    id,
                    OrderStatus::Processing,
                    &StatusUpdate::default(),
                )
                .unwrap();
        }
        ids
    });

    // Kill the server once some deliveries are through and others are in flight.
    let deadline = Instant::now() + PATIENCE;
    while accepted_ids(&receiver.received_by("kill").await).len() < 4 {
        assert!(Instant::now() < deadline, "no deliveries before the kill");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    tokio::task::block_in_place(|| server.kill9()).unwrap();
    let killed_at = now_seconds();
    let orders = writer.await.unwrap();
    assert_eq!(orders.len(), ORDERS);
    tokio::task::block_in_place(|| server.restart()).unwrap();

    let got = receiver.wait_for("kill", ORDERS * 2).await;
    assert_verified_in_sequence(&got);
    // Nothing lost: every delivery in the store is delivered (once its last record is
    // written), and the receiver has each.
    let deadline = Instant::now() + PATIENCE;
    while store.webhook_backlog(&subscription).unwrap().pending > 0 {
        assert!(Instant::now() < deadline, "deliveries still pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let expected: Vec<String> = store
        .webhook_deliveries(&subscription, None, 100)
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(
                d.status,
                orderly::webhooks::DeliveryStatus::Delivered,
                "{d:?}"
            );
            orderly::webhooks::message_id(&subscription, &d.event_id)
        })
        .collect();
    assert_eq!(expected.len(), ORDERS * 2);
    let accepted = accepted_ids(&got);
    for id in &expected {
        assert!(accepted.contains(id), "{id} never arrived");
    }
    // Repeats only of deliveries that reached the receiver before the kill, and no more of
    // them than could be in flight.
    let mut answered: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in got.iter().filter(|r| r["status"] == 200) {
        answered
            .entry(r["webhookId"].as_str().unwrap().to_owned())
            .or_default()
            .push(r["arrivedAt"].as_f64().unwrap());
    }
    let repeated: Vec<_> = answered.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(
        repeated.len() <= PER_SUBSCRIPTION,
        "more repeats than deliveries in flight: {repeated:?}"
    );
    for (id, at) in &repeated {
        assert_eq!(at.len(), 2, "{id} repeated more than once: {at:?}");
        assert!(
            at[0] <= killed_at,
            "{id}: first sent after the kill, yet repeated"
        );
    }
    tokio::task::block_in_place(|| server.stop()).unwrap();
}
