//! Staff search at scale: loads a store with a synthetic shop's orders (1,000,000 by default,
//! kept between runs), then runs every single filter and the common combinations with varied
//! values, and prints for each its latency percentiles against a primary-key read measured in
//! the same run, the rows it found, and the database's plan, refusing any plan that reads a
//! whole table.
//!
//! ```text
//! cargo bench -p orderly-tests --bench staff_search -- [--orders N] [--queries Q]
//! ORDERLY_BENCH_MYSQL_URL=mysql://u:p@127.0.0.1:3306/x \
//!     cargo bench -p orderly-tests --features mysql --bench staff_search -- --backend mysql
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod data;
mod queries;
mod stores;

use std::time::{Duration, Instant};

use orderly::search::OrderSearch;
use orderly::{OrderId, Store};

struct Args {
    backend: String,
    orders: u64,
    queries: usize,
}

fn args() -> Args {
    let mut args = Args {
        backend: "sqlite".into(),
        orders: 1_000_000,
        queries: 200,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--backend" => args.backend = value(),
            "--orders" => args.orders = value().parse().expect("--orders takes a number"),
            "--queries" => args.queries = value().parse().expect("--queries takes a number"),
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    args
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Runs `run` once per value, timing each call; returns the sorted latencies and the rows.
fn time<T>(values: &[T], mut run: impl FnMut(&T) -> usize) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::with_capacity(values.len());
    let mut rows = 0;
    for value in values {
        let started = Instant::now();
        rows += run(value);
        latencies.push(started.elapsed());
    }
    latencies.sort();
    (latencies, rows)
}

fn main() {
    let args = args();
    let bench = stores::open(&args.backend, args.orders);
    let store: &dyn Store = bench.store.as_ref();
    println!(
        "backend {}: {} orders, {} index rows, {:.0} MiB on disk",
        args.backend,
        bench.size.orders,
        bench.size.index_rows,
        bench.size.bytes as f64 / (1024.0 * 1024.0)
    );

    // The baseline: reading one order by its primary key.
    let sample = queries::sample_ids(store, args.queries);
    let (base, _) = time(&sample, |id: &OrderId| {
        usize::from(store.order_document(id).unwrap().is_some())
    });
    let base_p99 = percentile(&base, 0.99);
    println!(
        "baseline  order by id: p50 {} ms, p99 {} ms",
        ms(percentile(&base, 0.5)),
        ms(base_p99)
    );
    println!();
    println!(
        "{:<34} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "search (page of 50)", "p50 ms", "p99 ms", "max ms", "p99/base", "rows"
    );
    let mut worst = Duration::ZERO;
    let mut full_scans = Vec::new();
    let mut cases = queries::cases(args.orders, args.queries);
    cases.push(queries::Case {
        name: "text: an order id prefix",
        searches: sample
            .iter()
            .map(|id| queries::parse(&[("q", &id.to_string()[..24])]))
            .collect(),
    });
    cases.push(queries::deep_page(store, args.queries));
    for case in cases {
        let (latencies, rows) = time(&case.searches, |search: &OrderSearch| {
            store.search_orders(search).unwrap().len()
        });
        let p99 = percentile(&latencies, 0.99);
        worst = worst.max(p99);
        println!(
            "{:<34} {:>8} {:>8} {:>8} {:>9.1} {:>8.1}",
            case.name,
            ms(percentile(&latencies, 0.5)),
            ms(p99),
            ms(*latencies.last().unwrap()),
            p99.as_secs_f64() / base_p99.as_secs_f64().max(1e-9),
            rows as f64 / case.searches.len() as f64
        );
        let plan = bench.explain(&case.searches[0]);
        for line in &plan {
            println!("    plan: {line}");
        }
        if plan
            .iter()
            .any(|line| stores::reads_whole_table(&args.backend, line))
        {
            full_scans.push(case.name);
        }
    }
    println!();
    println!("worst p99: {} ms (target: under 50 ms)", ms(worst));
    assert!(
        full_scans.is_empty(),
        "these searches read a whole table: {full_scans:?}"
    );
}
