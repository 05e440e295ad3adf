//! Many writers on one database: racing idempotency keys, racing versions, rollups that stay
//! exact, and the failures the store must absorb (lock-wait timeouts, deadlocks, connections
//! killed in the middle of a transaction) without a duplicate or a half-written order.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use orderly_core::{
    Caller, InMemoryCarts, Order, OrderId, OrderService, OrderStatus, OrderlyError, StatusUpdate,
};
use orderly_mysql::MysqlStore;

use common::*;

#[test]
fn racing_threads_with_the_same_keys_place_one_order_per_key() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let users = 5;
    let keys = 20;
    let threads = 8;
    let carts = carts_for(users);
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            // Each thread has a pool of its own, like a separate process would.
            let store = Arc::new(MysqlStore::open(fx.db.url()).unwrap());
            let engine = OrderService::builder(store, carts.clone()).build();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                (0..keys)
                    .map(|n| {
                        let k = (n + t * 7) % keys;
                        let owner = format!("user-{}", k % users);
                        let placed = engine
                            .place_order(
                                &customer(&owner),
                                &request(&owner),
                                &key(&format!("key-{k}")),
                            )
                            .unwrap();
                        (k, placed.order.id, placed.created)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut by_key: BTreeMap<usize, Vec<(OrderId, bool)>> = BTreeMap::new();
    for h in handles {
        for (k, id, created) in h.join().unwrap() {
            by_key.entry(k).or_default().push((id, created));
        }
    }
    assert_eq!(by_key.len(), keys);
    for (k, results) in &by_key {
        assert_eq!(results.len(), threads);
        assert!(results.iter().all(|(id, _)| *id == results[0].0), "key {k}");
        assert_eq!(results.iter().filter(|(_, c)| *c).count(), 1, "key {k}");
    }
    let mut raw = fx.raw();
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM orders"), 20);
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM idempotency_keys"), 20);
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM outbox"), 20);
    assert_rollups_match_orders(&fx.store, &all_orders(&fx.store, &mut fx.raw()));
}

#[test]
fn racing_status_updates_on_one_version_let_exactly_one_win() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = carts_for(1);
    let engine = fx.engine(&carts);
    let orders: Vec<OrderId> = (0..10)
        .map(|n| {
            engine
                .place_order(
                    &customer("user-0"),
                    &request("user-0"),
                    &key(&format!("k-{n}")),
                )
                .unwrap()
                .order
                .id
        })
        .collect();
    // Two engines with pools of their own, as two processes would have.
    let engines: Vec<OrderService> = (0..2)
        .map(|_| {
            let store = Arc::new(MysqlStore::open(fx.db.url()).unwrap());
            OrderService::builder(store, carts.clone()).build()
        })
        .collect();
    for id in &orders {
        let barrier = Arc::new(Barrier::new(2));
        let results: Vec<Result<Order, OrderlyError>> = std::thread::scope(|s| {
            let handles: Vec<_> = engines
                .iter()
                .map(|engine| {
                    let barrier = barrier.clone();
                    s.spawn(move || {
                        barrier.wait();
                        engine.update_status(
                            &Caller::admin("ops"),
                            id,
                            OrderStatus::Processing,
                            &StatusUpdate {
                                note: None,
                                expected_version: Some(1),
                            },
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won: Vec<&Order> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(won.len(), 1, "{results:?}");
        assert_eq!(won[0].version, 2);
        let lost = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert_eq!(
            lost,
            &OrderlyError::VersionConflict {
                expected: 1,
                actual: 2
            }
        );
    }
    let mut raw = fx.raw();
    assert_eq!(
        count(&mut raw, "SELECT COUNT(*) FROM outbox WHERE sequence = 2"),
        10
    );
    assert_rollups_match_orders(&fx.store, &all_orders(&fx.store, &mut fx.raw()));
}

#[test]
fn rollups_stay_exact_under_concurrent_placing_moving_and_cancelling() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let threads = 6;
    let users_per_thread = 3;
    let carts = carts_for(threads * users_per_thread);
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let store = Arc::new(MysqlStore::open(fx.db.url()).unwrap());
            let engine = OrderService::builder(store, carts.clone()).build();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                for n in 0..12 {
                    let owner = format!("user-{}", t * users_per_thread + n % users_per_thread);
                    let order = engine
                        .place_order(&customer(&owner), &request(&owner), &key(&format!("k-{n}")))
                        .unwrap()
                        .order;
                    let admin = Caller::admin("ops");
                    if n % 3 == 1 {
                        engine
                            .cancel(&customer(&owner), &order.id, Some("changed my mind"))
                            .unwrap();
                    } else if n % 3 == 2 {
                        engine
                            .update_status(
                                &admin,
                                &order.id,
                                OrderStatus::Processing,
                                &StatusUpdate::default(),
                            )
                            .unwrap();
                        engine
                            .cancel(&admin, &order.id, None)
                            .map(|_| ())
                            .or_else(|e| if n % 2 == 0 { Ok(()) } else { Err(e) })
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let orders = all_orders(&fx.store, &mut fx.raw());
    assert_eq!(orders.len(), threads * 12);
    assert!(orders.iter().any(|o| o.status == OrderStatus::Placed));
    assert!(orders.iter().any(|o| o.status == OrderStatus::Cancelled));
    assert_rollups_match_orders(&fx.store, &orders);
}

/// Polls the process list until a connection to `db` other than those in `not` runs a
/// statement starting with `prefix`; returns its id.
fn wait_for_statement(admin: &mut mysql::Conn, db: &str, prefix: &str, not: &[u64]) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ids: Vec<u64> = admin
            .exec(
                "SELECT id FROM information_schema.processlist \
                 WHERE db = ? AND info LIKE ? AND id <> CONNECTION_ID()",
                (db, format!("{prefix}%")),
            )
            .unwrap();
        if let Some(id) = ids.into_iter().find(|id| !not.contains(id)) {
            return id;
        }
        assert!(Instant::now() < deadline, "no connection ran {prefix}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One order in the books, so that the user's status row exists to be locked by others.
fn first_order(fx: &Fixture, carts: &Arc<InMemoryCarts>) -> OrderService {
    let engine = fx.engine(carts);
    engine
        .place_order(&customer("user-0"), &request("user-0"), &key("k-0"))
        .unwrap();
    engine
}

const WAITING_ON_STATUS_ROW: &str = "INSERT INTO status_counts";

#[test]
fn a_lock_held_past_the_deadline_fails_the_call_as_transient_within_the_deadline() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = carts_for(1);
    let engine = first_order(&fx, &carts);

    let mut blocker = fx.raw();
    blocker.query_drop("START TRANSACTION").unwrap();
    blocker
        .query_drop("SELECT * FROM status_counts FOR UPDATE")
        .unwrap();
    let started = Instant::now();
    // The store waits 1 s for the lock and reports contention; the engine's policy has no
    // room for another 1 s attempt before its 2 s deadline, so the call ends there, whole.
    let failed = engine
        .place_order(&customer("user-0"), &request("user-0"), &key("k-1"))
        .unwrap_err();
    let waited = started.elapsed();
    assert!(
        matches!(&failed, OrderlyError::Store(e) if e.is_transient()),
        "{failed:?}"
    );
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    assert!(waited < Duration::from_millis(2500), "{waited:?}");
    blocker.query_drop("COMMIT").unwrap();
    assert_eq!(count(&mut fx.raw(), "SELECT COUNT(*) FROM orders"), 1);
    // Once the lock is free, the same request goes through.
    let placed = engine
        .place_order(&customer("user-0"), &request("user-0"), &key("k-1"))
        .unwrap();
    assert!(placed.created);
    assert_rollups_match_orders(&fx.store, &all_orders(&fx.store, &mut fx.raw()));
}

#[test]
fn a_connection_killed_mid_transaction_is_retried_without_a_duplicate() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = carts_for(1);
    let engine = first_order(&fx, &carts);

    let mut blocker = fx.raw();
    blocker.query_drop("START TRANSACTION").unwrap();
    blocker
        .query_drop("SELECT * FROM status_counts FOR UPDATE")
        .unwrap();
    let placing = std::thread::spawn(move || {
        engine.place_order(&customer("user-0"), &request("user-0"), &key("k-1"))
    });
    let mut admin = fx.raw();
    let victim = wait_for_statement(&mut admin, fx.db.name(), WAITING_ON_STATUS_ROW, &[]);
    // The order, its key and its event are written but not committed when the connection dies.
    admin
        .query_drop(format!("KILL CONNECTION {victim}"))
        .unwrap();
    // The engine's retry runs on another connection and waits for the same lock again.
    wait_for_statement(&mut admin, fx.db.name(), WAITING_ON_STATUS_ROW, &[victim]);
    blocker.query_drop("COMMIT").unwrap();
    let placed = placing.join().unwrap().unwrap();
    assert!(placed.created);
    let mut raw = fx.raw();
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM orders"), 2);
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM idempotency_keys"), 2);
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM outbox"), 2);
    assert_rollups_match_orders(&fx.store, &all_orders(&fx.store, &mut fx.raw()));
}

#[test]
fn a_deadlock_victim_is_retried_whole() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = carts_for(1);
    let engine = first_order(&fx, &carts);
    let mut admin = fx.raw();
    let deadlocks = |conn: &mut mysql::Conn| -> u64 {
        let row: Option<(String, u64)> = conn
            .query_first("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")
            .unwrap();
        row.map_or(0, |r| r.1)
    };
    let deadlocks_before = deadlocks(&mut admin);

    // The other transaction writes many rows first, so that InnoDB picks the store's smaller
    // transaction as the deadlock victim.
    let mut other = fx.raw();
    other
        .query_drop("CREATE TABLE ballast (id INT NOT NULL PRIMARY KEY)")
        .unwrap();
    other.query_drop("START TRANSACTION").unwrap();
    let rows: Vec<String> = (0..2000).map(|i| format!("({i})")).collect();
    other
        .query_drop(format!("INSERT INTO ballast VALUES {}", rows.join(",")))
        .unwrap();
    other
        .query_drop("SELECT * FROM status_counts FOR UPDATE")
        .unwrap();
    let placing = std::thread::spawn(move || {
        engine.place_order(&customer("user-0"), &request("user-0"), &key("k-1"))
    });
    wait_for_statement(&mut admin, fx.db.name(), WAITING_ON_STATUS_ROW, &[]);
    // Now wait for the store's uncommitted order row: a cycle, which InnoDB breaks by rolling
    // the store's transaction back.
    let seen: Vec<String> = other
        .exec(
            "SELECT id FROM orders WHERE user_id = ? FOR UPDATE",
            ("user-0",),
        )
        .unwrap();
    assert_eq!(seen.len(), 1, "only the committed order is there");
    std::thread::sleep(Duration::from_millis(100));
    other.query_drop("COMMIT").unwrap();

    let placed = placing.join().unwrap().unwrap();
    assert!(placed.created);
    assert!(
        deadlocks(&mut admin) > deadlocks_before,
        "a deadlock happened"
    );
    let mut raw = fx.raw();
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM orders"), 2);
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM outbox"), 2);
    assert_rollups_match_orders(&fx.store, &all_orders(&fx.store, &mut fx.raw()));
}
