//! Webhook delivery throughput: deliveries per second from a SQLite store to a receiver on
//! loopback, against a raw reqwest loop posting the same bodies to the same receiver at the
//! same concurrency, in interleaved rounds.
//!
//! ```text
//! cargo bench -p orderly-server --bench webhooks
//! ```
//!
//! A webhook round places `DELIVERIES` orders on a fresh, durable SQLite file (not timed),
//! with one subscription to `order.placed`, then starts the sender (8 attempts in flight for
//! the subscription) and times it until nothing is pending: each delivery is claimed under a
//! lease, signed, posted, and its attempt recorded in a synced transaction. The baseline
//! round posts the same envelopes with 8 concurrent tasks and nothing else. The receiver is
//! an axum handler answering 200 at once, in the same process.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use orderly::webhooks::TargetPolicy;
use orderly::{
    Caller, IdempotencyKey, InMemoryCarts, OrderService, ServiceConfig, Store, UserId,
    WebhookConfig,
};
use orderly_server::{WebhookSenderConfig, run_webhook_sender};
use orderly_tests::fixtures::{cart, request};

const DELIVERIES: usize = 1_000;
const ROUNDS: usize = 5;
const IN_FLIGHT: usize = 8;

/// A receiver on loopback that answers 200 and counts.
async fn receiver() -> (String, Arc<AtomicU64>) {
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    let app = Router::new().route(
        "/hook",
        post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, count)
}

/// A fresh store with one subscription to `url` and `DELIVERIES` deliveries pending.
fn populated(dir: &std::path::Path, url: &str) -> (OrderService, orderly::WebhookId) {
    let store: Arc<dyn Store> =
        orderly::open_store(&format!("sqlite://{}", dir.join("bench.db").display())).unwrap();
    let carts = Arc::new(InMemoryCarts::new());
    let config = ServiceConfig {
        webhooks: WebhookConfig {
            targets: TargetPolicy {
                allow_private: true,
            },
            ..WebhookConfig::default()
        },
        ..ServiceConfig::default()
    };
    let service = OrderService::builder(store, carts.clone())
        .config(config)
        .build();
    let (view, _) = service
        .create_webhook(
            &Caller::admin("bench"),
            url,
            &["order.placed".to_owned()],
            None,
            None,
        )
        .unwrap();
    for i in 0..DELIVERIES {
        let user = format!("user-{}", i % 50);
        carts.set(cart(
            &user,
            "USD",
            &[("sku-1", "Espresso beans", 2, "12.50")],
        ));
        service
            .place_order(
                &Caller::customer(&UserId::new(&user).unwrap()),
                &request(&user),
                &IdempotencyKey::new(format!("k{i}")).unwrap(),
            )
            .unwrap();
    }
    (service, view.id)
}

/// Seconds the sender takes to deliver everything pending.
async fn webhook_round(url: &str) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let (service, id) = tokio::task::block_in_place(|| populated(dir.path(), url));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let config = WebhookSenderConfig {
        per_subscription: IN_FLIGHT,
        idle_poll: Duration::from_millis(5),
        ..WebhookSenderConfig::default()
    };
    let started = Instant::now();
    let sender = tokio::spawn(run_webhook_sender(service.clone(), config, stopped));
    loop {
        let store = service.store().clone();
        let pending = tokio::task::spawn_blocking(move || store.webhook_backlog(&id))
            .await
            .unwrap()
            .unwrap()
            .pending;
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    sender.await.unwrap();
    elapsed
}

/// Seconds a raw reqwest loop takes to post `DELIVERIES` envelopes with `IN_FLIGHT` tasks.
async fn raw_round(url: &str, body: &str) -> f64 {
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (client, next, url, body) = (
                client.clone(),
                next.clone(),
                url.to_owned(),
                body.to_owned(),
            );
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < DELIVERIES as u64 {
                    let answer = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    assert!(answer.status().is_success());
                    answer.bytes().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed().as_secs_f64()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (url, received) = receiver().await;
        // An envelope of the size the rounds send, for the raw loop.
        let dir = tempfile::tempdir().unwrap();
        let (service, _) = tokio::task::block_in_place(|| populated(dir.path(), &url));
        let event = service.store().pending_events(1).unwrap().remove(0);
        let body = orderly::envelope::encode(&event).unwrap();
        println!(
            "webhooks: {DELIVERIES} deliveries per round, {IN_FLIGHT} in flight, {ROUNDS} interleaved rounds, body {} bytes",
            body.len()
        );
        let (mut hooks, mut raw) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let w = webhook_round(&url).await;
            let r = raw_round(&url, &body).await;
            println!(
                "round {round}: sender {:.0} deliveries/s, raw reqwest {:.0} posts/s",
                DELIVERIES as f64 / w,
                DELIVERIES as f64 / r
            );
            hooks.push(w);
            raw.push(r);
        }
        let (w, r) = (median(hooks), median(raw));
        println!(
            "median: sender {:.0} deliveries/s, raw reqwest {:.0} posts/s, ratio {:.2}x (receiver got {} requests)",
            DELIVERIES as f64 / w,
            DELIVERIES as f64 / r,
            r / w,
            received.load(Ordering::Relaxed)
        );
    });
}
