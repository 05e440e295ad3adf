//! The results table and the targets.

use crate::drive::Endpoint;
use crate::options::{Options, ServerSpec};
use crate::stats::Summary;

pub const ORDERS_PER_SECOND_TARGET: f64 = 1_400.0;
pub const ORDER_P99_TARGET_MS: f64 = 50.0;
pub const GET_TO_HEALTH_TARGET: f64 = 0.5;
pub const RSS_TARGET_KIB: u64 = 60 * 1024;
/// The connection count the order targets are stated at.
pub const TARGET_CONNECTIONS: usize = 64;

#[derive(Debug)]
pub struct Point {
    pub endpoint: Endpoint,
    pub connections: usize,
    pub summary: Summary,
}

/// One server's run.
#[derive(Debug)]
pub struct Run {
    pub spec: ServerSpec,
    pub points: Vec<Point>,
    pub peak_rss_kib: Option<u64>,
    pub final_rss_kib: Option<u64>,
    pub clean_stop: bool,
}

impl Run {
    fn point(&self, endpoint: Endpoint, connections: usize) -> Option<&Summary> {
        self.points
            .iter()
            .find(|p| p.endpoint == endpoint && p.connections == connections)
            .map(|p| &p.summary)
    }
}

/// Prints every figure and the targets; `true` when every target was met.
pub fn print(options: &Options, runs: &[Run], load_before: Option<String>) -> bool {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!(
        "orderly-server load: {:.1} s measured per point after {} ms warm-up, {cores} CPU cores shared by server, Cart Service and load generator",
        options.seconds.as_secs_f64(),
        options.warmup.as_millis()
    );
    if let (Some(before), Some(after)) = (load_before, crate::common::load_average()) {
        println!(
            "load average (1 min) {before} before the run, {after} after: above {cores} means other work competed for the cores"
        );
    }
    let mut all_met = true;
    for run in runs {
        let label = run.spec.label();
        println!();
        println!("{label}");
        println!(
            "  {:<16} {:>5} {:>9} {:>10} {:>9} {:>9} {:>7}",
            "endpoint", "conns", "requests", "req/s", "p50 ms", "p99 ms", "errors"
        );
        for p in &run.points {
            let s = &p.summary;
            println!(
                "  {:<16} {:>5} {:>9} {:>10.0} {:>9.2} {:>9.2} {:>7}",
                p.endpoint.label(),
                p.connections,
                s.requests,
                s.per_second,
                s.p50_ms,
                s.p99_ms,
                s.errors
            );
            if let Some(e) = &s.first_error {
                println!("      first error: {e}");
            }
        }
        match (run.peak_rss_kib, run.final_rss_kib) {
            (Some(peak), Some(now)) => println!(
                "  server RSS: peak {:.1} MiB (VmHWM), {:.1} MiB at the end",
                peak as f64 / 1024.0,
                now as f64 / 1024.0
            ),
            _ => println!("  server RSS: not available (no /proc)"),
        }
        if !run.clean_stop {
            println!("  the server did not stop within 10 s of SIGTERM");
        }

        println!("  targets ({label}):");
        let mut check = |met: bool, what: String| {
            all_met &= met;
            println!("    [{}] {what}", if met { "met" } else { "MISSED" });
        };
        let errors: u64 = run.points.iter().map(|p| p.summary.errors).sum();
        check(errors == 0, format!("no failed requests ({errors} failed)"));
        match run.point(Endpoint::PlaceOrder, TARGET_CONNECTIONS) {
            Some(s) => {
                check(
                    s.per_second >= ORDERS_PER_SECOND_TARGET,
                    format!(
                        "POST /order >= {ORDERS_PER_SECOND_TARGET:.0}/s at {TARGET_CONNECTIONS} connections: {:.0}/s",
                        s.per_second
                    ),
                );
                check(
                    s.p99_ms < ORDER_P99_TARGET_MS,
                    format!(
                        "POST /order p99 < {ORDER_P99_TARGET_MS:.0} ms at {TARGET_CONNECTIONS} connections: {:.2} ms",
                        s.p99_ms
                    ),
                );
            }
            None => println!(
                "    [skipped] POST /order targets need a {TARGET_CONNECTIONS}-connection point"
            ),
        }
        for &conns in &options.connections {
            if let (Some(get), Some(health)) = (
                run.point(Endpoint::GetOrder, conns),
                run.point(Endpoint::Health, conns),
            ) {
                let ratio = get.per_second / health.per_second;
                check(
                    ratio >= GET_TO_HEALTH_TARGET,
                    format!(
                        "GET /order/{{id}} >= {GET_TO_HEALTH_TARGET}x GET /health at {conns} connections: {:.0}/s vs {:.0}/s = {ratio:.2}x",
                        get.per_second, health.per_second
                    ),
                );
            }
        }
        match run.peak_rss_kib {
            Some(peak) => check(
                peak < RSS_TARGET_KIB,
                format!(
                    "server peak RSS < {} MiB: {:.1} MiB",
                    RSS_TARGET_KIB / 1024,
                    peak as f64 / 1024.0
                ),
            ),
            None => println!("    [skipped] peak RSS needs /proc"),
        }
    }
    all_met &= compare_with_baseline(runs);
    all_met &= compare_like_with_like(runs);
    all_met
}

/// This build against the baseline build at the same `synchronous` setting in the same run:
/// every `POST /order` and `GET /order/{id}` point at least as fast (`true` when met, or when
/// the run has no such pair).
fn compare_like_with_like(runs: &[Run]) -> bool {
    let mut all_met = true;
    for now in runs.iter().filter(|r| !r.spec.baseline) {
        let Some(then) = runs
            .iter()
            .find(|r| r.spec.baseline && r.spec.synchronous == now.spec.synchronous)
        else {
            continue;
        };
        println!();
        println!(
            "this build against the baseline build, both synchronous={}:",
            now.spec.synchronous
        );
        for endpoint in [Endpoint::PlaceOrder, Endpoint::GetOrder] {
            for point in now.points.iter().filter(|p| p.endpoint == endpoint) {
                let Some(before) = then.point(endpoint, point.connections) else {
                    continue;
                };
                let ratio = point.summary.per_second / before.per_second;
                let met = ratio >= 1.0;
                all_met &= met;
                println!(
                    "    [{}] {} at {} connections: {:.0}/s vs {:.0}/s = {ratio:.2}x (p99 {:.2} vs {:.2} ms)",
                    if met { "met" } else { "below" },
                    endpoint.label(),
                    point.connections,
                    point.summary.per_second,
                    before.per_second,
                    point.summary.p99_ms,
                    before.p99_ms,
                );
            }
        }
    }
    all_met
}

/// This build's durable `POST /order` against the baseline build in the same run: at 64
/// connections at least its non-durable throughput, at 1 connection at least its one synced
/// commit per order. `true` when met (or without a baseline).
fn compare_with_baseline(runs: &[Run]) -> bool {
    let find = |baseline: bool, synchronous: &str| {
        runs.iter()
            .find(|r| r.spec.baseline == baseline && r.spec.synchronous == synchronous)
    };
    let (Some(durable), Some(fast_before), Some(synced_before)) = (
        find(false, "full"),
        find(true, "normal"),
        find(true, "full"),
    ) else {
        return true;
    };
    println!();
    println!("this build, durable, against the baseline build in the same run:");
    let mut all_met = true;
    for (connections, before, what) in [
        (
            TARGET_CONNECTIONS,
            fast_before,
            "its non-durable (synchronous=normal)",
        ),
        (
            1,
            synced_before,
            "its one synced commit per order (synchronous=full)",
        ),
    ] {
        let (Some(now), Some(then)) = (
            durable.point(Endpoint::PlaceOrder, connections),
            before.point(Endpoint::PlaceOrder, connections),
        ) else {
            println!("    [skipped] needs {connections}-connection points");
            continue;
        };
        let ratio = now.per_second / then.per_second;
        let met = ratio >= 1.0;
        all_met &= met;
        println!(
            "    [{}] POST /order at {connections} connections >= 1.0x {what}: {:.0}/s vs {:.0}/s = {ratio:.2}x",
            if met { "met" } else { "MISSED" },
            now.per_second,
            then.per_second
        );
    }
    all_met
}
