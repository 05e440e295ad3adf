//! Engine against raw SQLite, measured in one run with the rounds interleaved so that a noisy
//! machine slows both sides alike.
//!
//! 1. `place_order` through `OrderService` on `SqliteStore`, against raw rusqlite executing the
//!    same statements (idempotency key, order row, outbox event, rollup upserts) on the same
//!    schema with the same pragmas, one `BEGIN IMMEDIATE` transaction per order. The raw side
//!    gets its JSON documents pre-serialized: it measures the database work alone, so the ratio
//!    is the engine's whole overhead (validation, pricing, hashing, serialization, retries).
//! 2. The first history page (20 orders) for a user with 10 orders and for one with 100,000.
//!
//! Run: `cargo bench -p orderly-sqlite --bench engine_vs_raw`
//! (`ORDERLY_BENCH_SYNC=full` for synchronous=FULL, `ORDERLY_BENCH_HISTORY=n` to change the
//! 100,000.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use orderly_core::analytics::RollupDelta;
use orderly_core::{Caller, HistoryRequest, InMemoryCarts, OrderDocument, OrderService, UserId};
use orderly_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use orderly_tests::fixtures::{coffee_cart, place_new};
use rusqlite::{Connection, params};

const ROUNDS: usize = 7;
const BATCH: usize = 1000;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run a tiny version.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sync = match std::env::var("ORDERLY_BENCH_SYNC").as_deref() {
        Ok("full") | Ok("FULL") => Synchronous::Full,
        _ => Synchronous::MayLoseLastTransactions,
    };
    let (rounds, batch) = if quick { (1, 20) } else { (ROUNDS, BATCH) };
    let history_size: usize = if quick {
        200
    } else {
        std::env::var("ORDERLY_BENCH_HISTORY")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000)
    };
    let dir = tempfile::tempdir().unwrap();
    println!("synchronous={sync:?}, {rounds} interleaved rounds of {batch} orders each");

    let engine = Engine::new(&dir.path().join("engine.db"), sync);
    let docs = engine.sample_documents();
    let mut raw = Raw::new(&dir.path().join("raw.db"), sync, &docs);
    let mut engine_ns = Vec::new();
    let mut raw_ns = Vec::new();
    for round in 0..rounds {
        engine_ns.push(per_op(batch, || engine.place_batch(round, batch)));
        raw_ns.push(per_op(batch, || raw.place_batch(batch)));
    }
    let (e, r) = (median(&mut engine_ns), median(&mut raw_ns));
    println!(
        "place_order  engine {:>8.1} µs/order ({:>7.0} orders/s)",
        e / 1e3,
        1e9 / e
    );
    println!(
        "place_order  raw    {:>8.1} µs/order ({:>7.0} orders/s)",
        r / 1e3,
        1e9 / r
    );
    println!(
        "place_order  engine/raw throughput ratio: {:.2}x (target >= 0.70x)",
        r / e
    );

    engine.populate("few", 10);
    let started = Instant::now();
    engine.populate("many", history_size);
    println!(
        "populated {history_size} orders for one user in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let reads = if quick { 10 } else { 2000 };
    // A page of 10 is the whole history of the small user, so both sides return (and decode)
    // the same number of orders and the ratio isolates the cost of the larger table. The
    // default page of 20 is reported too: there the small user's page holds only 10 orders.
    for limit in [10, 20] {
        let (mut few_ns, mut many_ns) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            few_ns.push(per_op(reads, || engine.first_pages("few", limit, reads)));
            many_ns.push(per_op(reads, || engine.first_pages("many", limit, reads)));
        }
        let (few, many) = (median(&mut few_ns), median(&mut many_ns));
        println!(
            "history page limit={limit}: user with 10 orders {:>7.1} µs, with {history_size} orders {:>7.1} µs: {:.2}x",
            few / 1e3,
            many / 1e3,
            many / few
        );
    }
}

fn per_op(n: usize, f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_nanos() as f64 / n as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

struct Engine {
    service: OrderService,
}

impl Engine {
    fn new(path: &Path, synchronous: Synchronous) -> Self {
        let store = SqliteStore::open(
            path,
            SqliteOptions {
                synchronous,
                ..SqliteOptions::default()
            },
        )
        .unwrap();
        let carts = Arc::new(InMemoryCarts::new());
        for user in ["alice", "few", "many"] {
            carts.set(coffee_cart(user));
        }
        Engine {
            service: OrderService::builder(Arc::new(store), carts).build(),
        }
    }

    fn place(&self, user: &str, key: String) {
        place_new(&self.service, user, &key);
    }

    fn place_batch(&self, round: usize, n: usize) {
        for i in 0..n {
            self.place("alice", format!("bench-{round}-{i}"));
        }
    }

    fn populate(&self, user: &str, n: usize) {
        for i in 0..n {
            self.place(user, format!("{user}-{i}"));
        }
    }

    fn first_pages(&self, user: &str, limit: i64, n: usize) {
        let user = UserId::new(user).unwrap();
        let caller = Caller::customer(&user);
        let request = HistoryRequest {
            limit: Some(limit),
            ..HistoryRequest::default()
        };
        for _ in 0..n {
            let page = self
                .service
                .orders_for_user(&caller, &user, &request)
                .unwrap();
            assert!(!page.orders.is_empty());
        }
    }

    /// A real order's JSON, event payload and rollup deltas, for the raw side to write.
    fn sample_documents(&self) -> Documents {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let carts = Arc::new(InMemoryCarts::new());
        carts.set(coffee_cart("alice"));
        let service = OrderService::builder(store.clone(), carts).build();
        let order = place_new(&service, "alice", "sample");
        let event = service.pending_events(1).unwrap().remove(0);
        Documents {
            doc: serde_json::to_string(&order).unwrap(),
            payload: serde_json::to_string(&event.payload).unwrap(),
            rollup: RollupDelta::placed(&order),
            totals: [
                order.totals.subtotal.minor(),
                order.totals.shipping.minor(),
                order.totals.tax.minor(),
                order.totals.discount.minor(),
                order.totals.total.minor(),
            ],
        }
    }
}

struct Documents {
    doc: String,
    payload: String,
    rollup: RollupDelta,
    totals: [i64; 5],
}

/// Raw rusqlite: the same schema, pragmas and statements as the store, nothing else.
struct Raw<'a> {
    conn: Connection,
    docs: &'a Documents,
    next: u64,
}

impl<'a> Raw<'a> {
    fn new(path: &Path, sync: Synchronous, docs: &'a Documents) -> Self {
        // The store's schema, by opening (and dropping) a store on the file.
        drop(SqliteStore::open(path, SqliteOptions::default()).unwrap());
        let conn = Connection::open(path).unwrap();
        conn.busy_timeout(Duration::from_millis(50)).unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        let _: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .unwrap();
        conn.pragma_update(
            None,
            "synchronous",
            if sync == Synchronous::Full {
                "FULL"
            } else {
                "NORMAL"
            },
        )
        .unwrap();
        Raw {
            conn,
            docs,
            next: 0,
        }
    }

    fn place_batch(&mut self, n: usize) {
        for _ in 0..n {
            self.place_one();
        }
    }

    fn place_one(&mut self) {
        self.next += 1;
        let order_id = uuid::Uuid::now_v7().hyphenated().to_string();
        let event_id = uuid::Uuid::now_v7().hyphenated().to_string();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let d = self.docs;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        tx.prepare_cached(
            "INSERT INTO idempotency_keys (user_id, idem_key, order_id, fingerprint, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )
        .unwrap()
        .execute(params![
            "alice",
            format!("raw-{}", self.next),
            order_id,
            "f".repeat(64),
            now
        ])
        .unwrap();
        tx.prepare_cached(
            "INSERT INTO orders (id, user_id, status, currency, subtotal, shipping, tax, discount, \
             total, created_at, updated_at, version, checkout_id, doc, doc_format, payment_token) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )
        .unwrap()
        .execute(params![
            order_id,
            "alice",
            "placed",
            "USD",
            d.totals[0],
            d.totals[1],
            d.totals[2],
            d.totals[3],
            d.totals[4],
            now,
            now,
            1,
            Option::<String>::None,
            d.doc,
            OrderDocument::FORMAT,
            "tok_bench_visa"
        ])
        .unwrap();
        tx.prepare_cached(
            "INSERT INTO outbox (event_id, order_id, user_id, sequence, event_type, occurred_at, payload) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .unwrap()
        .execute(params![
            event_id,
            order_id,
            "alice",
            1,
            "order.placed",
            now,
            d.payload
        ])
        .unwrap();
        for s in &d.rollup.sales {
            tx.prepare_cached(
                "INSERT INTO sales_hourly (hour_start, currency, slot, total_minor, order_count) \
                 VALUES (?1, ?2, 0, ?3, ?4) ON CONFLICT (hour_start, currency, slot) DO UPDATE \
                 SET total_minor = total_minor + excluded.total_minor, \
                 order_count = order_count + excluded.order_count",
            )
            .unwrap()
            .execute(params![s.hour, s.currency.code(), s.amount, s.orders])
            .unwrap();
        }
        for p in &d.rollup.products {
            tx.prepare_cached(
                "INSERT INTO product_sales (product_id, currency, name, quantity, revenue) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (currency, product_id) DO UPDATE \
                 SET quantity = quantity + excluded.quantity, revenue = revenue + excluded.revenue, \
                 name = CASE WHEN excluded.quantity > 0 THEN excluded.name ELSE name END",
            )
            .unwrap()
            .execute(params![p.product_id.as_str(), p.currency.code(), p.name, p.quantity, p.revenue])
            .unwrap();
        }
        for s in &d.rollup.statuses {
            tx.prepare_cached(
                "INSERT INTO status_counts (status, slot, order_count) VALUES (?1, 0, ?2) \
                 ON CONFLICT (status, slot) DO UPDATE SET order_count = order_count + excluded.order_count",
            )
            .unwrap()
            .execute(params![s.status.as_str(), s.orders])
            .unwrap();
        }
        for p in &d.rollup.products {
            tx.prepare_cached(
                "INSERT INTO product_sales_daily (day, currency, product_id, quantity, revenue) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (day, currency, product_id) DO UPDATE \
                 SET quantity = quantity + excluded.quantity, revenue = revenue + excluded.revenue",
            )
            .unwrap()
            .execute(params![
                d.rollup.day,
                p.currency.code(),
                p.product_id.as_str(),
                p.quantity,
                p.revenue
            ])
            .unwrap();
        }
        for s in &d.rollup.statuses {
            tx.prepare_cached(
                "INSERT INTO status_counts_daily (day, status, slot, order_count) VALUES (?1, ?2, 0, ?3) \
                 ON CONFLICT (day, status, slot) DO UPDATE SET order_count = order_count + excluded.order_count",
            )
            .unwrap()
            .execute(params![d.rollup.day, s.status.as_str(), s.orders])
            .unwrap();
        }
        tx.commit().unwrap();
    }
}
