//! Memory of a large CSV export: starts this build's `orderly-server` on a database of many
//! orders (the staff search benchmark's, kept between runs), streams `GET /orders/export` to
//! the end while sampling the server's resident memory, and prints the rows and bytes
//! exported, the time, and how far the resident memory rose above what the server held after
//! a warm-up search: the export keeps one page of orders in memory, whatever their number.
//!
//! ```text
//! cargo bench -p orderly-tests --bench staff_search              # makes the database
//! cargo bench -p orderly-server --bench export -- --db /tmp/orderly-staff-search-1000000.db
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../common/mod.rs"]
mod common;

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::server::{SERVER_BIN, ServerProcess, sqlite_url, token};

fn main() {
    let mut db = None;
    let mut query = String::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--db" => db = it.next(),
            "--query" => query = it.next().unwrap_or_default(),
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    let db = db.expect("--db PATH: a database of orders (see the staff_search benchmark)");
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(
        SERVER_BIN.as_ref(),
        dir.path(),
        &sqlite_url(std::path::Path::new(&db), ""),
        "http://127.0.0.1:9",
        "warn",
    )
    .unwrap();
    let auth = format!("Bearer {}", token("ops", "admin").unwrap());
    let client = reqwest::blocking::Client::builder()
        .timeout(None)
        .build()
        .unwrap();
    // Warm up: a search, so the baseline holds the caches any request fills.
    let warm = client
        .get(format!("{}/orders?limit=200", server.base_url()))
        .header("Authorization", &auth)
        .send()
        .unwrap();
    assert_eq!(warm.status().as_u16(), 200);
    let _ = warm.bytes();
    std::thread::sleep(Duration::from_millis(200));
    let (_, before_kib) = server.memory_kib().unwrap();

    let peak = Arc::new(AtomicU64::new(before_kib));
    let done = Arc::new(AtomicBool::new(false));
    let pid = server.pid();
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Some(rss) = rss_kib(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let started = Instant::now();
    let separator = if query.is_empty() { "" } else { "?" };
    let mut response = client
        .get(format!(
            "{}/orders/export{separator}{query}",
            server.base_url()
        ))
        .header("Authorization", &auth)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (mut bytes, mut lines) = (0u64, 0u64);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = response.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        bytes += n as u64;
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let peak_kib = peak.load(Ordering::Relaxed);
    println!(
        "exported {} order lines, {:.0} MiB of CSV, in {:.1} s ({:.0} lines/s)",
        lines.saturating_sub(1),
        bytes as f64 / 1_048_576.0,
        elapsed.as_secs_f64(),
        lines as f64 / elapsed.as_secs_f64()
    );
    println!(
        "server RSS: {:.1} MiB after warm-up, {:.1} MiB at the export's peak: +{:.1} MiB",
        before_kib as f64 / 1024.0,
        peak_kib as f64 / 1024.0,
        peak_kib.saturating_sub(before_kib) as f64 / 1024.0
    );
    server.stop();
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
