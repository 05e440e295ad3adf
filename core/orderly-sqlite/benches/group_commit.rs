//! Group commit on the durable default: `place_order` from 16 threads against one thread (one
//! synced commit per order), on the same durable store, rounds interleaved so that a noisy
//! machine slows both sides alike. Prints the batch sizes the commits carried.
//!
//! Run: `cargo bench -p orderly-sqlite --bench group_commit`
//! (target: 16 threads at least 2x the one-sync-per-order rate).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::Instant;

use orderly_core::{InMemoryCarts, OrderService};
use orderly_sqlite::{GroupCommitStats, SqliteOptions, SqliteStore, Synchronous};
use orderly_tests::fixtures::{coffee_cart, place_new};

const ROUNDS: usize = 5;
const ORDERS: usize = 800;
const THREADS: usize = 16;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run a tiny version.
    let quick = !std::env::args().any(|a| a == "--bench");
    let (rounds, orders) = if quick { (1, 32) } else { (ROUNDS, ORDERS) };
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(
            dir.path().join("group.db"),
            SqliteOptions {
                synchronous: Synchronous::Full,
                ..SqliteOptions::default()
            },
        )
        .unwrap(),
    );
    let carts = Arc::new(InMemoryCarts::new());
    for t in 0..THREADS {
        carts.set(coffee_cart(&format!("user-{t}")));
    }
    let service = OrderService::builder(store.clone(), carts).build();
    println!("synchronous=FULL, {rounds} interleaved rounds of {orders} orders per side");

    let (mut single, mut grouped) = (Vec::new(), Vec::new());
    let mut grouped_batches = GroupCommitStats::default();
    for round in 0..rounds {
        // Fewer orders for one thread: each costs a whole sync.
        let alone = orders / 4;
        let started = Instant::now();
        for i in 0..alone {
            place_new(&service, "user-0", &format!("single-{round}-{i}"));
        }
        single.push(alone as f64 / started.elapsed().as_secs_f64());

        let before = store.group_commit_stats();
        let started = Instant::now();
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let service = &service;
                s.spawn(move || {
                    for i in 0..orders / THREADS {
                        place_new(service, &format!("user-{t}"), &format!("g-{round}-{t}-{i}"));
                    }
                });
            }
        });
        grouped.push((orders / THREADS * THREADS) as f64 / started.elapsed().as_secs_f64());
        let after = store.group_commit_stats();
        grouped_batches.commits += after.commits - before.commits;
        grouped_batches.writes += after.writes - before.writes;
    }
    let (one, many) = (median(&mut single), median(&mut grouped));
    let stats = store.group_commit_stats();
    println!("place_order  1 thread   {one:>8.0} orders/s (one synced commit per order)");
    println!("place_order  {THREADS} threads {many:>8.0} orders/s (group commit)");
    println!(
        "place_order  {THREADS} threads / 1 thread: {:.2}x (target >= 2.00x)",
        many / one
    );
    println!(
        "batches with {THREADS} threads: {} commits carried {} writes ({:.1} writes per commit); \
         largest batch since open: {}",
        grouped_batches.commits,
        grouped_batches.writes,
        grouped_batches.writes as f64 / grouped_batches.commits.max(1) as f64,
        stats.largest_batch
    );
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
