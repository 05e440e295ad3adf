//! Backpressure: store calls run on a bounded pool, calls past its queue are shed at once with
//! 503 `overloaded` and `Retry-After`, and a request that takes longer than the request
//! timeout is answered with 503 `request_timeout` (the write it started still completes once,
//! and repeating the request returns it).

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use orderly::store::{InsertOutcome, NewOrder, StoreResult};
use orderly::{InMemoryCarts, OrderDocument, OrderId, OrderService, Store, StoreDecorator};
use orderly_server::{AppState, Authenticator, ServerLimits, app};

use common::{Call, Reply, SECRET, TestStore, call, fresh_store, order_body, standard_cart};

/// The real store, with every order insert and every order read taking `pause`.
#[derive(Debug)]
struct Slow {
    inner: Arc<dyn Store>,
    pause: Duration,
}

impl StoreDecorator for Slow {
    fn inner(&self) -> &dyn Store {
        self.inner.as_ref()
    }
    fn insert_order(&self, new: &NewOrder) -> StoreResult<InsertOutcome> {
        std::thread::sleep(self.pause);
        self.inner.insert_order(new)
    }
    fn order_document(&self, id: &OrderId) -> StoreResult<Option<OrderDocument>> {
        std::thread::sleep(self.pause);
        self.inner.order_document(id)
    }
}

struct Setup {
    router: Router,
    auth: Authenticator,
    store: TestStore,
}

fn setup(pause: Duration, limits: ServerLimits) -> Setup {
    let store = fresh_store();
    let slow = Arc::new(Slow {
        inner: store.store.clone(),
        pause,
    });
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(standard_cart("alice"));
    let service = OrderService::builder(slow, carts).build();
    let auth = Authenticator::new(SECRET).unwrap();
    let state = AppState::configured(service, auth.clone(), 1, limits).unwrap();
    Setup {
        router: app(state),
        auth,
        store,
    }
}

impl Setup {
    fn token(&self) -> String {
        self.auth
            .issue("alice", orderly::Role::Customer, Duration::from_secs(600))
            .unwrap()
    }

    fn place(&self, key: &str) -> Call {
        call("POST", "/order")
            .token(&self.token())
            .key(key)
            .json(&order_body("alice"))
    }

    async fn send(&self, c: Call) -> Reply {
        common::send_to(&self.router, c).await
    }
}

fn one_slot_one_waiting() -> ServerLimits {
    ServerLimits {
        store_pool_size: 1,
        store_queue: 1,
        ..ServerLimits::default()
    }
}

fn assert_shed(reply: &Reply) {
    reply.expect(503, "overloaded");
    assert_eq!(reply.header("retry-after"), Some("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_past_the_pool_and_its_queue_are_shed_with_retry_after() {
    let s = setup(Duration::from_millis(600), one_slot_one_waiting());
    let (a, b, c) = tokio::join!(
        s.send(s.place("k-1")),
        s.send(s.place("k-2")),
        s.send(s.place("k-3"))
    );
    let mut statuses = [a.status, b.status, c.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 201, 503]);
    for reply in [&a, &b, &c] {
        if reply.status == 503 {
            assert_shed(reply);
        }
    }
    // Once the pool has room again, the shed request goes through.
    s.send(s.place("k-4")).await.expect(201, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_past_the_read_threads_queue_are_shed_with_retry_after() {
    let s = setup(Duration::ZERO, one_slot_one_waiting());
    let placed = s.send(s.place("k-1")).await;
    placed.expect(201, "");
    let id = placed.body["orderId"].as_str().unwrap().to_owned();

    let s = Setup {
        router: {
            // The same store, now slow to read: rebuild the app over it.
            let store = s.store.store.clone();
            let slow = Arc::new(Slow {
                inner: store,
                pause: Duration::from_millis(600),
            });
            let service = OrderService::builder(slow, Arc::new(InMemoryCarts::new())).build();
            let state =
                AppState::configured(service, s.auth.clone(), 1, one_slot_one_waiting()).unwrap();
            app(state)
        },
        auth: s.auth,
        store: s.store,
    };
    let get = || call("GET", &format!("/order/{id}")).token(&s.token());
    let (a, b, c) = tokio::join!(s.send(get()), s.send(get()), s.send(get()));
    let mut statuses = [a.status, b.status, c.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 503]);
    for reply in [&a, &b, &c] {
        if reply.status == 503 {
            assert_shed(reply);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_timeout_is_answered_and_its_write_lands_once() {
    let s = setup(
        Duration::from_millis(800),
        ServerLimits {
            request_timeout: Duration::from_millis(200),
            ..ServerLimits::default()
        },
    );
    let timed_out = s.send(s.place("k-1")).await;
    timed_out.expect(503, "request_timeout");
    assert_eq!(timed_out.header("retry-after"), Some("1"));
    // The engine call finishes on its thread; the client's retry with the same key then
    // finds that order rather than placing a second one.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let s = Setup {
        router: {
            let service = OrderService::builder(
                s.store.store.clone(),
                Arc::new({
                    let carts = InMemoryCarts::new();
                    carts.set(standard_cart("alice"));
                    carts
                }),
            )
            .build();
            app(AppState::new(service, s.auth.clone()))
        },
        auth: s.auth,
        store: s.store,
    };
    s.send(s.place("k-1")).await.expect(200, "");
    let history = s.send(call("GET", "/orders/alice").token(&s.token())).await;
    history.expect(200, "");
    assert_eq!(history.body["orders"].as_array().unwrap().len(), 1);
}
