//! Transient store failures while an order is created are retried inside the engine, and a
//! client that retries after a timeout with the same Idempotency-Key never gets a second
//! order. Faults are injected by a store wrapper around the real store.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use orderly::store::{InsertOutcome, NewOrder, StoreResult};
use orderly::{InMemoryCarts, OrderService, Store, StoreDecorator, StoreError, StoreErrorKind};
use orderly_server::{AppState, Authenticator, app};

use common::{Call, Reply, SECRET, TestServer, call, fresh_store, order_body, standard_cart};

/// The real store with faults on `insert_order`.
#[derive(Debug)]
struct Faulty {
    inner: Arc<dyn Store>,
    /// Calls that fail with lock contention before writing anything.
    contend: AtomicU32,
    /// Calls that write the order, then report a lost connection.
    lose_after_commit: AtomicU32,
    /// Milliseconds every insert waits before writing.
    delay_ms: AtomicU64,
    inserts: AtomicU32,
}

impl Faulty {
    fn new(inner: Arc<dyn Store>) -> Faulty {
        Faulty {
            inner,
            contend: AtomicU32::new(0),
            lose_after_commit: AtomicU32::new(0),
            delay_ms: AtomicU64::new(0),
            inserts: AtomicU32::new(0),
        }
    }
}

fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

struct Setup {
    faulty: Arc<Faulty>,
    state: AppState,
    router: Router,
    auth: Authenticator,
    _store: common::TestStore,
}

fn setup() -> Setup {
    let store = fresh_store();
    let faulty = Arc::new(Faulty::new(store.store.clone()));
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(standard_cart("alice"));
    let service = OrderService::builder(faulty.clone(), carts).build();
    let auth = Authenticator::new(SECRET).unwrap();
    let state = AppState::new(service, auth.clone());
    Setup {
        faulty,
        router: app(state.clone()),
        state,
        auth,
        _store: store,
    }
}

impl Setup {
    fn token(&self) -> String {
        self.auth
            .issue("alice", orderly::Role::Customer, Duration::from_secs(600))
            .unwrap()
    }

    fn place_call(&self, key: &str) -> Call {
        call("POST", "/order")
            .token(&self.token())
            .key(key)
            .json(&order_body("alice"))
    }

    async fn send(&self, c: Call) -> Reply {
        common::send_to(&self.router, c).await
    }

    /// Alice's orders as the API lists them.
    async fn order_ids(&self) -> Vec<String> {
        let reply = self
            .send(call("GET", "/orders/alice?limit=100").token(&self.token()))
            .await;
        reply.expect(200, "");
        reply.body["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["orderId"].as_str().unwrap().to_owned())
            .collect()
    }

    fn placed_events(&self) -> usize {
        self.state.service().pending_events(1_000).unwrap().len()
    }
}

#[tokio::test]
async fn contention_before_commit_is_retried_into_one_order() {
    let s = setup();
    s.faulty.contend.store(2, Ordering::SeqCst);
    let reply = s.send(s.place_call("k1")).await;
    reply.expect(201, "");
    assert_eq!(
        s.faulty.inserts.load(Ordering::SeqCst),
        3,
        "two failures, one success"
    );
    assert_eq!(
        s.order_ids().await,
        vec![reply.body["orderId"].as_str().unwrap()]
    );
    assert_eq!(s.placed_events(), 1);
}

#[tokio::test]
async fn a_connection_lost_after_commit_gives_the_committed_order_not_a_second() {
    let s = setup();
    s.faulty.lose_after_commit.store(1, Ordering::SeqCst);
    let reply = s.send(s.place_call("k1")).await;
    assert!(
        reply.status == 201 || reply.status == 200,
        "got {}: {}",
        reply.status,
        reply.text
    );
    let id = reply.body["orderId"].as_str().unwrap().to_owned();
    assert_eq!(s.order_ids().await, vec![id.clone()]);
    // The client retries anyway: the same order.
    let again = s.send(s.place_call("k1")).await;
    assert!(again.status == 200 || again.status == 201);
    assert_eq!(again.body["orderId"], id.as_str());
    assert_eq!(s.order_ids().await.len(), 1);
    assert_eq!(s.placed_events(), 1);
}

#[tokio::test]
async fn persistent_contention_is_a_503_and_writes_nothing() {
    let s = setup();
    s.faulty.contend.store(1_000, Ordering::SeqCst);
    let reply = s.send(s.place_call("k1")).await;
    reply.expect(503, "storage_unavailable");
    let attempts = s.faulty.inserts.load(Ordering::SeqCst);
    assert!(
        (2..=10).contains(&attempts),
        "bounded retries, got {attempts}"
    );
    s.faulty.contend.store(0, Ordering::SeqCst);
    assert!(s.order_ids().await.is_empty());
    // Once the store recovers, the same key places the order.
    s.send(s.place_call("k1")).await.expect(201, "");
    assert_eq!(s.order_ids().await.len(), 1);
}

/// Attempts that each wait long on a lock (here 700 ms, then contention) stop at the retry
/// budget (2 s by default) instead of running all five: no caller is held for minutes.
#[tokio::test]
async fn slow_contention_stops_at_the_retry_budget() {
    let s = setup();
    s.faulty.delay_ms.store(700, Ordering::SeqCst);
    s.faulty.contend.store(1_000, Ordering::SeqCst);
    s.send(s.place_call("k1"))
        .await
        .expect(503, "storage_unavailable");
    let attempts = s.faulty.inserts.load(Ordering::SeqCst);
    // Attempts start at about 0, 0.7 and 1.4 s; a fourth would start past 2 s.
    assert!((1..=3).contains(&attempts), "got {attempts} attempts");
    s.faulty.contend.store(0, Ordering::SeqCst);
    s.faulty.delay_ms.store(0, Ordering::SeqCst);
    assert!(s.order_ids().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_retrying_after_its_timeout_never_gets_a_second_order() {
    let s = setup();
    s.faulty.delay_ms.store(1_500, Ordering::SeqCst);
    let server = TestServer::start(s.state.clone()).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let first = s
        .place_call("slow")
        .into_reqwest(&client, &server.base)
        .send()
        .await;
    assert!(first.unwrap_err().is_timeout());
    // Retried at once: the first is still in flight, and the retry waits for it.
    let second = s
        .place_call("slow")
        .into_reqwest(&client, &server.base)
        .send()
        .await;
    if let Ok(response) = second {
        let reply = Reply::from_reqwest(response).await;
        assert!(reply.status == 200 || reply.status == 201, "{}", reply.text);
    }
    s.faulty.delay_ms.store(0, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let patient = reqwest::Client::new();
    let third = Reply::from_reqwest(
        s.place_call("slow")
            .into_reqwest(&patient, &server.base)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(third.status == 200 || third.status == 201, "{}", third.text);
    let ids = s.order_ids().await;
    assert_eq!(
        ids,
        vec![third.body["orderId"].as_str().unwrap().to_owned()]
    );
    assert_eq!(s.placed_events(), 1);
    server.stop().await.unwrap();
}

impl StoreDecorator for Faulty {
    fn inner(&self) -> &dyn Store {
        self.inner.as_ref()
    }
    fn insert_order(&self, new: &NewOrder) -> StoreResult<InsertOutcome> {
        self.inserts.fetch_add(1, Ordering::SeqCst);
        let delay = self.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay));
        }
        if take(&self.contend) {
            return Err(StoreError::new(
                StoreErrorKind::Contention,
                "test",
                "database is locked (injected)",
            ));
        }
        let outcome = self.inner.insert_order(new)?;
        if take(&self.lose_after_commit) {
            return Err(StoreError::new(
                StoreErrorKind::Connection,
                "test",
                "connection lost after commit (injected)",
            ));
        }
        Ok(outcome)
    }
}
