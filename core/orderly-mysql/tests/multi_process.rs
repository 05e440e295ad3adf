//! Two OS processes on one database: both open it at once (racing the migrations), place
//! orders with the same idempotency keys at the same moment, then race to move every order
//! with the same expected version. Exactly one order per key, exactly one winner per version,
//! and rollups that add up.
//!
//! The test binary runs itself twice as the workers: the `worker` test does nothing unless
//! the parent set `ORDERLY_MP_WORKER_URL` for it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mysql::prelude::Queryable;
use orderly_core::{Caller, OrderService, OrderStatus, OrderlyError, StatusUpdate};
use orderly_mysql::migrate::MIGRATIONS;
use orderly_mysql::{MysqlStore, ScratchDatabase};

use common::*;

const WORKER_URL: &str = "ORDERLY_MP_WORKER_URL";
const WORKER_ID: &str = "ORDERLY_MP_WORKER_ID";
const WORKER_START: &str = "ORDERLY_MP_WORKER_START_MS";
const WORKERS: usize = 2;
const USERS: usize = 5;
const KEYS: usize = 40;

fn unix_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

#[test]
fn two_processes_place_one_order_per_key_and_one_change_per_version() {
    if std::env::var_os(WORKER_URL).is_some() {
        return; // inside a worker: only `worker` runs
    }
    let server = require_server!();
    // Not migrated yet: the workers race to do it.
    let db = ScratchDatabase::create(&server).unwrap();
    db_barrier_table(db.url());
    let start_at = unix_ms() + 1500;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..WORKERS)
        .map(|id| {
            Command::new(&exe)
                .args(["worker", "--exact", "--nocapture", "--test-threads=1"])
                .env(WORKER_URL, db.url())
                .env(WORKER_ID, id.to_string())
                .env(WORKER_START, start_at.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<String> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success(),
                "worker failed\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            stdout
        })
        .collect();

    // key -> (order id, created) as each process saw it.
    let mut placed: BTreeMap<usize, Vec<(String, bool)>> = BTreeMap::new();
    // order id -> outcomes of the racing updates.
    let mut updates: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in outputs.iter().flat_map(|o| o.lines()) {
        // The harness prints "test worker ... " right before the first line of output.
        let line = ["placed ", "update "]
            .iter()
            .filter_map(|tag| line.find(tag).map(|at| &line[at..]))
            .next()
            .unwrap_or("");
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["placed", k, id, created] => placed
                .entry(k.parse().unwrap())
                .or_default()
                .push(((*id).to_owned(), *created == "true")),
            ["update", id, outcome] => updates
                .entry((*id).to_owned())
                .or_default()
                .push((*outcome).to_owned()),
            _ => {}
        }
    }
    assert_eq!(placed.len(), KEYS, "{outputs:?}");
    for (k, seen) in &placed {
        assert_eq!(seen.len(), WORKERS, "key {k}");
        assert!(
            seen.iter().all(|(id, _)| *id == seen[0].0),
            "key {k}: {seen:?}"
        );
        assert_eq!(
            seen.iter().filter(|(_, c)| *c).count(),
            1,
            "key {k}: {seen:?}"
        );
    }
    let wins: Vec<usize> = outputs
        .iter()
        .map(|o| o.matches(" true\n").count())
        .collect();
    println!("orders created per process: {wins:?}");
    assert_eq!(updates.len(), KEYS);
    for (id, outcomes) in &updates {
        let mut outcomes = outcomes.clone();
        outcomes.sort();
        assert_eq!(outcomes, ["conflict", "ok"], "order {id}");
    }

    let store = MysqlStore::open(db.url()).unwrap();
    let mut raw = raw(db.url());
    assert_eq!(
        count(&mut raw, "SELECT COUNT(*) FROM schema_migrations"),
        i64::try_from(MIGRATIONS.len()).unwrap()
    );
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM orders"), 40);
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM idempotency_keys"), 40);
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM outbox"), 80);
    let orders = all_orders(&store, &mut raw);
    assert!(
        orders
            .iter()
            .all(|o| o.status == OrderStatus::Processing && o.version == 2)
    );
    assert_rollups_match_orders(&store, &orders);
}

/// The table the workers meet at between phases.
fn db_barrier_table(url: &str) {
    raw(url)
        .query_drop(
            "CREATE TABLE worker_barrier (phase VARCHAR(16) NOT NULL, worker INT NOT NULL, \
             PRIMARY KEY (phase, worker))",
        )
        .unwrap();
}

/// Waits until every worker has reached `phase`.
fn barrier(url: &str, phase: &str, me: usize) {
    let mut conn = raw(url);
    conn.exec_drop(
        "INSERT INTO worker_barrier (phase, worker) VALUES (?, ?)",
        (phase, me),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let arrived = format!("SELECT COUNT(*) FROM worker_barrier WHERE phase = '{phase}'");
    while count(&mut conn, &arrived) < i64::try_from(WORKERS).unwrap() {
        assert!(Instant::now() < deadline, "the other worker never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One worker process: see the module docs.
#[test]
fn worker() {
    let Ok(url) = std::env::var(WORKER_URL) else {
        return;
    };
    let me: usize = std::env::var(WORKER_ID).unwrap().parse().unwrap();
    let start_at: u64 = std::env::var(WORKER_START).unwrap().parse().unwrap();
    std::thread::sleep(Duration::from_millis(start_at.saturating_sub(unix_ms())));

    let store = Arc::new(MysqlStore::open(&url).unwrap());
    let engine = OrderService::builder(store, carts_for(USERS)).build();
    // Both processes go through the keys in the same order, in step: each key is contended.
    barrier(&url, "opened", me);
    let mut ids = Vec::with_capacity(KEYS);
    for k in 0..KEYS {
        let owner = format!("user-{}", k % USERS);
        let placed = engine
            .place_order(
                &customer(&owner),
                &request(&owner),
                &key(&format!("key-{k}")),
            )
            .unwrap();
        println!("placed {k} {} {}", placed.order.id, placed.created);
        ids.push(placed.order.id);
    }

    barrier(&url, "placed", me);
    let admin = Caller::service(format!("worker-{me}"));
    for id in &ids {
        let outcome = engine.update_status(
            &admin,
            id,
            OrderStatus::Processing,
            &StatusUpdate {
                note: None,
                expected_version: Some(1),
            },
        );
        let outcome = match outcome {
            Ok(order) if order.version == 2 => "ok",
            Err(OrderlyError::VersionConflict {
                expected: 1,
                actual: 2,
            }) => "conflict",
            other => panic!("order {id}: unexpected {other:?}"),
        };
        println!("update {id} {outcome}");
    }
}
