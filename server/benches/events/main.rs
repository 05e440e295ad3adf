//! Events and cache benchmark, in one run:
//!
//! 1. Outbox relay throughput: events per second from a SQLite outbox into Apache Kafka (one
//!    KRaft broker on loopback, `orderly_tests::kafka::Broker`), acknowledged and marked
//!    delivered. Skipped when Kafka is not installed (`source scripts/kafka.sh && ensure_kafka`).
//! 2. `GET /order/{id}` through the app in-process, on SQLite, without and with the Redis
//!    cache (`$ORDERLY_BENCH_REDIS_URL`, default redis://127.0.0.1:6379), at 1 and 8
//!    concurrent callers: requests per second and p50/p99 latency.
//!
//! ```text
//! cargo bench -p orderly-server --bench events
//! ```
//!
//! The broker, Redis and the benchmark share the machine's cores; the figures are a floor.
//! Against a local SQLite file whose pages are all cached, a Redis round trip plus decoding
//! costs more than the store read it replaces; the cache pays off when the store is remote
//! (MySQL over the network) or busy, which this run does not show.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use orderly::{
    Caller, IdempotencyKey, InMemoryCarts, OrderService, OrderStatus, PlaceOrderRequest, Role,
    StatusUpdate, Store, UserId,
};
use orderly_server::{
    AppState, Authenticator, CachingStore, KafkaPublisher, RelayConfig, app, drain_relay,
};
use orderly_tests::fixtures::{cart, request};
use orderly_tests::kafka::{self, Broker};
use tower::ServiceExt as _;

const ORDERS: usize = 2_000;
const GETS_PER_CALLER: usize = 2_000;

/// A file store with `ORDERS` orders (and as many status changes) in it.
fn populated(dir: &std::path::Path) -> (Arc<dyn Store>, OrderService, Vec<orderly::OrderId>) {
    let store =
        orderly::open_store(&format!("sqlite://{}", dir.join("bench.db").display())).unwrap();
    let carts = Arc::new(InMemoryCarts::new());
    let service = OrderService::builder(store.clone(), carts.clone()).build();
    let mut ids = Vec::with_capacity(ORDERS);
    for i in 0..ORDERS {
        let user = format!("user-{}", i % 50);
        carts.set(cart(
            &user,
            "USD",
            &[("sku-1", "Espresso beans", 2, "12.50")],
        ));
        let req: PlaceOrderRequest = request(&user);
        let placed = service
            .place_order(
                &Caller::customer(&UserId::new(&user).unwrap()),
                &req,
                &IdempotencyKey::new(format!("k{i}")).unwrap(),
            )
            .unwrap();
        service
            .update_status(
                &Caller::admin("ops"),
                &placed.order.id,
                OrderStatus::Processing,
                &StatusUpdate::default(),
            )
            .unwrap();
        ids.push(placed.order.id);
    }
    (store, service, ids)
}

async fn relay_throughput(service: &OrderService) {
    if !kafka::installed() {
        println!(
            "relay: skipped (Apache Kafka not installed: source scripts/kafka.sh && ensure_kafka)"
        );
        return;
    }
    let broker = Broker::start();
    let pending = service.pending_events(10_000).unwrap().len();
    let config = RelayConfig::new(vec![broker.address()], "bench.order-events");
    // The topic exists beforehand, as it does in production: its creation is not relaying.
    KafkaPublisher::connect(&config.kafka).await.unwrap();
    let started = Instant::now();
    let published = drain_relay(service, &config).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(published, pending);
    assert!(service.pending_events(1).unwrap().is_empty());
    println!(
        "relay: {published} events in {secs:.2} s = {:.0} events/s into Apache Kafka (batches of {}, acked, then marked delivered)",
        published as f64 / secs,
        config.batch_size
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn get_orders(label: &str, store: Arc<dyn Store>, ids: &[orderly::OrderId]) {
    let service = OrderService::builder(store, Arc::new(InMemoryCarts::new())).build();
    let auth = Authenticator::new(b"benchmark-secret-of-at-least-32-bytes!").unwrap();
    let token = auth
        .issue("ops", Role::Admin, Duration::from_secs(3600))
        .unwrap();
    let router = app(AppState::new(service, auth));
    let ids: Arc<Vec<String>> = Arc::new(ids.iter().map(ToString::to_string).collect());
    // Warm up (fills the cache when there is one).
    for id in ids.iter() {
        let r = router
            .clone()
            .oneshot(
                Request::get(format!("/order/{id}"))
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    for callers in [1usize, 8] {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..callers {
            let (router, ids, token) = (router.clone(), ids.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(GETS_PER_CALLER);
                for i in 0..GETS_PER_CALLER {
                    let id = &ids[(i * 7 + c * 13) % ids.len()];
                    let t = Instant::now();
                    let r = router
                        .clone()
                        .oneshot(
                            Request::get(format!("/order/{id}"))
                                .header("authorization", format!("Bearer {token}"))
                                .body(Body::empty())
                                .unwrap(),
                        )
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    let _ = axum::body::to_bytes(r.into_body(), usize::MAX)
                        .await
                        .unwrap();
                    latencies.push(t.elapsed());
                }
                latencies
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let secs = started.elapsed().as_secs_f64();
        all.sort();
        println!(
            "GET /order/{{id}} {label:<14} callers {callers}: {:>7.0} req/s  p50 {:>7.3} ms  p99 {:>7.3} ms",
            all.len() as f64 / secs,
            percentile(&all, 0.50).as_secs_f64() * 1e3,
            percentile(&all, 0.99).as_secs_f64() * 1e3,
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (store, service, ids) = populated(dir.path());
    println!(
        "setup: {ORDERS} orders and {ORDERS} status changes on SQLite in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    runtime.block_on(async {
        relay_throughput(&service).await;
        get_orders("(store only)", store.clone(), &ids).await;
        let redis = std::env::var("ORDERLY_BENCH_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let prefix = format!("orderly-bench:{}:", uuid::Uuid::now_v7());
        let cached =
            CachingStore::new(store.clone(), &redis, &prefix, Duration::from_secs(300)).unwrap();
        get_orders("(Redis cache)", Arc::new(cached), &ids).await;
    });
}
