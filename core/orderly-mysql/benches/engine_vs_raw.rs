//! Engine against the raw `mysql` crate, measured in one run with the rounds interleaved so
//! that a noisy machine slows both sides alike.
//!
//! 1. `place_order` through `OrderService` on `MysqlStore`, against one raw `mysql::Conn`
//!    executing the same statements (idempotency key, order row, outbox event, rollup upserts)
//!    on the same schema with the same session settings, one transaction per order. The raw
//!    side gets its JSON documents pre-serialized: it measures the database work alone, so the
//!    ratio is the engine's whole overhead (validation, pricing, hashing, serialization, the
//!    idempotency lookup before the write, pool checkout, retries).
//! 2. The first history page (20 orders), for a user with 10 orders and for one with 100,000:
//!    the engine's page of stored documents (what the REST server sends: query, pool checkout,
//!    ownership, cursor) against the raw connection running the same query with its rows
//!    fetched as bytes; and the engine's typed page (each document decoded into an `Order`)
//!    against the raw connection fetching and decoding the same rows.
//!
//! Run: `cargo bench -p orderly-mysql --bench engine_vs_raw`, against
//! `ORDERLY_BENCH_MYSQL_URL` or else `ORDERLY_TEST_MYSQL_URL` or else
//! `mysql://orderly:orderly@127.0.0.1:3306/orderly_test` (scratch databases are created next to it and dropped).
//! `ORDERLY_BENCH_HISTORY=n` changes the 100,000.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, Params, TxOpts, Value};
use orderly_core::analytics::RollupDelta;
use orderly_core::{
    Caller, HistoryRequest, InMemoryCarts, Order, OrderDocument, OrderId, OrderService, Timestamp,
    UserId,
};
use orderly_mysql::{MysqlStore, ScratchDatabase};
use orderly_tests::fixtures::{coffee_cart, place_new};

/// Many short rounds, alternating which side goes first, so that load from elsewhere on the
/// machine falls on both sides alike; the median round counts.
const ROUNDS: usize = 20;
const BATCH: usize = 150;
const READS: usize = 150;
const PAGE: usize = 20;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run a tiny version.
    let quick = !std::env::args().any(|a| a == "--bench");
    let server = ["ORDERLY_BENCH_MYSQL_URL", "ORDERLY_TEST_MYSQL_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "mysql://orderly:orderly@127.0.0.1:3306/orderly_test".to_owned());
    let (rounds, batch, reads) = if quick {
        (1, 10, 10)
    } else {
        (ROUNDS, BATCH, READS)
    };
    let history_size: usize = if quick {
        200
    } else {
        std::env::var("ORDERLY_BENCH_HISTORY")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000)
    };
    let engine = match Engine::new(&server) {
        Ok(engine) => engine,
        Err(e) if quick => {
            println!("no MySQL server ({e}): benchmark skipped");
            return;
        }
        Err(e) => panic!("cannot open a MySQL store: {e}"),
    };
    let version: Option<String> = raw_conn(engine.db.url())
        .query_first("SELECT VERSION()")
        .unwrap();
    println!(
        "server {}, {rounds} interleaved rounds of {batch} orders and {} history pages",
        version.unwrap_or_default(),
        reads
    );

    let docs = engine.sample_documents();
    let raw_db = ScratchDatabase::create(&server).unwrap();
    // The raw side gets the store's schema by opening (and dropping) a store on it.
    drop(MysqlStore::open(raw_db.url()).unwrap());
    let mut raw = Raw::new(raw_db.url(), &docs);

    let mut engine_ns = Vec::new();
    let mut raw_ns = Vec::new();
    for round in 0..rounds {
        if round % 2 == 0 {
            engine_ns.push(per_op(batch, || engine.place_batch(round, batch)));
            raw_ns.push(per_op(batch, || raw.place_batch(batch)));
        } else {
            raw_ns.push(per_op(batch, || raw.place_batch(batch)));
            engine_ns.push(per_op(batch, || engine.place_batch(round, batch)));
        }
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
    bulk_history(engine.db.url(), "many", history_size, &docs.order);
    println!(
        "populated {history_size} orders for one user in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let decodes = if quick { 100 } else { 20_000 };
    let decode_ns = per_op(decodes, || {
        for _ in 0..decodes {
            let order: Order = serde_json::from_str(&docs.doc).unwrap();
            assert_eq!(order.items.len(), 3);
        }
    });
    println!(
        "decode one stored order ({} bytes of JSON): {:>8.1} µs",
        docs.doc.len(),
        decode_ns / 1e3
    );
    let mut reader = raw_conn(engine.db.url());
    let mut results: Vec<(&str, &str, Vec<f64>)> = Vec::new();
    for user in ["few", "many"] {
        for side in ["engine", "raw", "engine typed", "raw+decode"] {
            results.push((side, user, Vec::new()));
        }
    }
    for round in 0..rounds {
        results.rotate_left(usize::from(round > 0));
        for (side, user, samples) in results.iter_mut() {
            samples.push(match *side {
                "engine" => per_op(reads, || engine.first_pages(user, reads)),
                "engine typed" => per_op(reads, || engine.first_typed_pages(user, reads)),
                "raw" => per_op(reads, || raw_first_pages(&mut reader, user, reads, false)),
                _ => per_op(reads, || raw_first_pages(&mut reader, user, reads, true)),
            });
        }
    }
    results.sort_by_key(|(side, user, _)| (*user != "few", *side));
    let mut medians = std::collections::BTreeMap::new();
    for (side, user, mut samples) in results {
        let m = median(&mut samples);
        let orders = if user == "few" { 10 } else { history_size };
        println!(
            "history page ({PAGE} orders) {side:<12} user with {orders:>6} orders: {:>8.1} µs",
            m / 1e3
        );
        medians.insert((side, user), m);
    }
    for user in ["few", "many"] {
        println!(
            "history page engine/raw throughput ratio ({user}): {:.2}x (target >= 0.70x)",
            medians[&("raw", user)] / medians[&("engine", user)]
        );
        println!(
            "history page engine typed/raw+decode throughput ratio ({user}): {:.2}x",
            medians[&("raw+decode", user)] / medians[&("engine typed", user)]
        );
    }
    println!(
        "history page slowdown from 10 to {history_size} orders (engine): {:.2}x",
        medians[&("engine", "many")] / medians[&("engine", "few")]
    );
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

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

struct Engine {
    service: OrderService,
    // Declared last: the store inside `service` closes its pool before the database goes.
    db: ScratchDatabase,
}

impl Engine {
    fn new(server: &str) -> Result<Self, orderly_core::StoreError> {
        let db = ScratchDatabase::create(server)?;
        let store = MysqlStore::open(db.url())?;
        let carts = Arc::new(InMemoryCarts::new());
        for user in ["alice", "few", "many"] {
            carts.set(coffee_cart(user));
        }
        Ok(Engine {
            service: OrderService::builder(Arc::new(store), carts).build(),
            db,
        })
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

    /// First pages as stored documents, as the REST server reads them.
    fn first_pages(&self, user: &str, n: usize) {
        let user = UserId::new(user).unwrap();
        let caller = Caller::customer(&user);
        for _ in 0..n {
            let page = self
                .service
                .order_documents_for_user(&caller, &user, &HistoryRequest::default())
                .unwrap();
            assert!(!page.documents.is_empty());
        }
    }

    /// First pages decoded into orders.
    fn first_typed_pages(&self, user: &str, n: usize) {
        let user = UserId::new(user).unwrap();
        let caller = Caller::customer(&user);
        for _ in 0..n {
            let page = self
                .service
                .orders_for_user(&caller, &user, &HistoryRequest::default())
                .unwrap();
            assert!(!page.orders.is_empty());
        }
    }

    /// A real order's JSON, event payload and rollup deltas, for the raw side to write.
    fn sample_documents(&self) -> Documents {
        let order = place_new(&self.service, "alice", "sample");
        let event = self.service.pending_events(1).unwrap().remove(0);
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
            order,
        }
    }
}

struct Documents {
    order: Order,
    doc: String,
    payload: String,
    rollup: RollupDelta,
    totals: [i64; 5],
}

/// A connection with the store's session settings, over TCP.
fn raw_conn(url: &str) -> Conn {
    let opts = Opts::from_url(&format!("{url}?prefer_socket=false")).unwrap();
    let mut conn = Conn::new(opts).unwrap();
    conn.query_drop("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        .unwrap();
    conn.query_drop(
        "SET NAMES utf8mb4, SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,\
         ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', SESSION innodb_lock_wait_timeout = 10",
    )
    .unwrap();
    conn
}

/// The raw `mysql` crate: the same schema, session and statements as the store, nothing else.
struct Raw<'a> {
    conn: Conn,
    docs: &'a Documents,
    slot: u8,
    next: u64,
}

impl<'a> Raw<'a> {
    fn new(url: &str, docs: &'a Documents) -> Self {
        // The store spreads hot rollup rows by a hash of the user id; any fixed slot does.
        Raw {
            conn: raw_conn(url),
            docs,
            slot: 7,
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
        let now = now_ms();
        let d = self.docs;
        let slot = self.slot;
        let mut tx = self.conn.start_transaction(TxOpts::default()).unwrap();
        tx.exec_drop(
            "INSERT INTO idempotency_keys (user_id, idem_key, order_id, fingerprint, created_at) \
             VALUES (?, ?, ?, ?, ?)",
            (
                "alice",
                format!("raw-{}", self.next).into_bytes(),
                &order_id,
                "f".repeat(64),
                now,
            ),
        )
        .unwrap();
        tx.exec_drop(
            "INSERT INTO orders (id, user_id, status, currency, subtotal, shipping, tax, discount, \
             total, created_at, updated_at, version, checkout_id, doc, doc_format, payment_token) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            Params::Positional(vec![
                Value::from(&order_id),
                Value::from("alice"),
                Value::from("placed"),
                Value::from("USD"),
                Value::from(d.totals[0]),
                Value::from(d.totals[1]),
                Value::from(d.totals[2]),
                Value::from(d.totals[3]),
                Value::from(d.totals[4]),
                Value::from(now),
                Value::from(now),
                Value::from(1u32),
                Value::NULL,
                Value::from(&d.doc),
                Value::from(OrderDocument::FORMAT),
                Value::from("tok_bench_visa"),
            ]),
        )
        .unwrap();
        tx.exec_drop(
            "INSERT INTO outbox \
             (event_id, order_id, user_id, sequence, event_type, occurred_at, payload, delivered_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            Params::Positional(vec![
                Value::from(&event_id),
                Value::from(&order_id),
                Value::from("alice"),
                Value::from(1u32),
                Value::from("order.placed"),
                Value::from(now),
                Value::from(&d.payload),
            ]),
        )
        .unwrap();
        for s in &d.rollup.sales {
            tx.exec_drop(
                "INSERT INTO sales_hourly (hour_start, currency, slot, total_minor, order_count) \
                 VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \
                 total_minor = total_minor + VALUES(total_minor), \
                 order_count = order_count + VALUES(order_count)",
                (s.hour, s.currency.code(), slot, s.amount, s.orders),
            )
            .unwrap();
        }
        // Three lines go as a two-row and a one-row statement, as the store sends them.
        let mut products: Vec<_> = d.rollup.products.iter().collect();
        products.sort_by(|a, b| a.product_id.as_str().cmp(b.product_id.as_str()));
        for chunk in [&products[..2], &products[2..]] {
            let rows = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let params: Vec<Value> = chunk
                .iter()
                .flat_map(|p| {
                    [
                        Value::from(p.currency.code()),
                        Value::from(p.product_id.as_str().as_bytes()),
                        Value::from(&p.name),
                        Value::from(p.quantity),
                        Value::from(p.revenue),
                    ]
                })
                .collect();
            tx.exec_drop(
                format!(
                    "INSERT INTO product_sales (currency, product_id, name, quantity, revenue) \
                     VALUES {rows} ON DUPLICATE KEY UPDATE \
                     name = IF(VALUES(quantity) > 0, VALUES(name), name), \
                     quantity = quantity + VALUES(quantity), revenue = revenue + VALUES(revenue)"
                ),
                Params::Positional(params),
            )
            .unwrap();
        }
        for s in &d.rollup.statuses {
            tx.exec_drop(
                "INSERT INTO status_counts (status, slot, order_count) VALUES (?, ?, ?) \
                 ON DUPLICATE KEY UPDATE order_count = order_count + VALUES(order_count)",
                (s.status.as_str(), slot, s.orders),
            )
            .unwrap();
        }
        for p in &d.rollup.products {
            tx.exec_drop(
                "INSERT INTO product_sales_daily (day, currency, product_id, quantity, revenue) \
                 VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \
                 quantity = quantity + VALUES(quantity), revenue = revenue + VALUES(revenue)",
                (
                    d.rollup.day,
                    p.currency.code(),
                    p.product_id.as_str().as_bytes(),
                    p.quantity,
                    p.revenue,
                ),
            )
            .unwrap();
        }
        for s in &d.rollup.statuses {
            tx.exec_drop(
                "INSERT INTO status_counts_daily (day, status, slot, order_count) \
                 VALUES (?, ?, ?, ?) \
                 ON DUPLICATE KEY UPDATE order_count = order_count + VALUES(order_count)",
                (d.rollup.day, s.status.as_str(), slot, s.orders),
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
}

/// The raw side of a history page: the store's query and its rows, as bytes or (`decode`)
/// with each document decoded into an order as any client of the raw driver would have to.
fn raw_first_pages(conn: &mut Conn, user: &str, n: usize, decode: bool) {
    type Row = (Vec<u8>, Vec<u8>, u32, i64, Vec<u8>);
    for _ in 0..n {
        let rows: Vec<Row> = conn
            .exec(
                "SELECT id, user_id, version, created_at, doc FROM orders WHERE user_id = ? \
                 ORDER BY created_at DESC, id DESC LIMIT ?",
                (user, u32::try_from(PAGE + 1).unwrap()),
            )
            .unwrap();
        assert!(!rows.is_empty());
        if decode {
            for (_, _, _, _, doc) in &rows {
                std::hint::black_box(serde_json::from_slice::<Order>(doc).unwrap());
            }
        }
    }
}

/// Writes `n` orders for `user` straight into `orders` (multi-row inserts), each the sample
/// order with its own id, user and time: the history query only needs the rows.
fn bulk_history(url: &str, user: &str, n: usize, sample: &Order) {
    let mut conn = raw_conn(url);
    let start = now_ms() - i64::try_from(n).unwrap() * 1000;
    let mut i = 0;
    while i < n {
        let chunk = (n - i).min(500);
        let mut params = Vec::with_capacity(chunk * 6);
        for j in 0..chunk {
            let mut order = sample.clone();
            order.id = OrderId::from_uuid(uuid::Uuid::now_v7());
            order.user_id = UserId::new(user).unwrap();
            order.created_at = Timestamp::from_unix_millis(start + i64::try_from(i + j).unwrap());
            order.updated_at = order.created_at;
            params.extend([
                Value::from(order.id.to_string()),
                Value::from(user),
                Value::from(order.totals.total.minor()),
                Value::from(order.created_at.unix_millis()),
                Value::from(order.updated_at.unix_millis()),
                Value::from(serde_json::to_string(&order).unwrap()),
                Value::from(OrderDocument::FORMAT),
            ]);
        }
        let rows =
            vec!["(?, ?, 'placed', 'USD', 0, 0, 0, 0, ?, ?, ?, 1, NULL, ?, ?)"; chunk].join(", ");
        conn.exec_drop(
            format!(
                "INSERT INTO orders (id, user_id, status, currency, subtotal, shipping, tax, \
                 discount, total, created_at, updated_at, version, checkout_id, doc, doc_format) \
                 VALUES {rows}"
            ),
            Params::Positional(params),
        )
        .unwrap();
        i += chunk;
    }
}
