//! The report: throughput per mode and its ratio to `POST /order` round by round, bytes per
//! order, the backlog drain, and the target.

use std::collections::BTreeMap;

use crate::device::Sample;
use crate::options::Options;
use crate::{Mode, Results};

/// A 500-operation push against one-by-one `POST /order`, in orders per second.
pub const PUSH_500_TARGET: f64 = 5.0;

/// Median, lowest and highest.
fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mid = n / 2;
    let median = if n % 2 == 1 {
        values.get(mid).copied().unwrap_or(f64::NAN)
    } else {
        match (values.get(mid - 1), values.get(mid)) {
            (Some(a), Some(b)) => (a + b) / 2.0,
            _ => f64::NAN,
        }
    };
    let lo = values.first().copied().unwrap_or(f64::NAN);
    let hi = values.last().copied().unwrap_or(f64::NAN);
    (median, lo, hi)
}

fn show((median, lo, hi): (f64, f64, f64), digits: usize) -> String {
    format!("{median:.digits$} ({lo:.digits$}-{hi:.digits$})")
}

fn exchange_rate(s: &Sample) -> f64 {
    s.orders as f64 / s.exchange.as_secs_f64()
}

fn total_rate(s: &Sample) -> f64 {
    s.orders as f64 / s.total.as_secs_f64()
}

/// The command that reproduces this run.
fn command_line() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut line = String::from("cargo bench -p orderly-server --bench sync");
    if !args.is_empty() {
        line.push_str(" -- ");
        line.push_str(&args.join(" "));
    }
    line
}

/// Prints every figure; `true` when the target was met (or not measured).
pub fn print(options: &Options, results: &Results, load_before: Option<String>) -> bool {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!("command: {}", command_line());
    println!(
        "orderly-server offline sync: {} orders per mode per round, {} rounds (modes interleaved, the first of a round rotating), 1 connection per mode, {cores} CPU cores shared by server, Cart Service, devices and client",
        options.orders, options.rounds
    );
    println!(
        "server database: {} ({})",
        results.database.rsplit('/').next().unwrap_or_default(),
        match &options.server_sync {
            None => "the durable default: synchronous=full, every commit synced".to_owned(),
            Some(v) => format!("synchronous={v}"),
        }
    );
    if let (Some(before), Some(after)) = (load_before, crate::common::load_average()) {
        println!(
            "load average (1 min) {before} before the run, {after} after: above {cores} means other work competed for the cores"
        );
    }

    let baseline = results
        .modes
        .iter()
        .find(|(m, _)| *m == Mode::PostOrder)
        .map(|(_, s)| s.as_slice())
        .unwrap_or_default();
    println!();
    println!(
        "throughput: median over rounds (lowest-highest); ratios are taken within each round against POST /order of the same round"
    );
    println!(
        "  'exchanges' counts the time from each request's first byte sent to its answer's last byte read;"
    );
    println!(
        "  'end to end' also counts the device building each push, encoding it and storing the answer's results (one synced commit on the device per push)"
    );
    println!(
        "  {:<34} {:>22} {:>22} {:>22} {:>22}",
        "mode", "orders/s (exchanges)", "vs POST /order", "orders/s (end to end)", "vs POST /order"
    );
    let mut ratios_500 = None;
    for (mode, samples) in &results.modes {
        let ratio = |rate: fn(&Sample) -> f64| {
            samples
                .iter()
                .zip(baseline)
                .map(|(s, b)| rate(s) / rate(b))
                .collect::<Vec<_>>()
        };
        let exchange_ratios = spread(ratio(exchange_rate));
        if *mode == Mode::Push(500) {
            ratios_500 = Some(exchange_ratios);
        }
        println!(
            "  {:<34} {:>22} {:>22} {:>22} {:>22}",
            mode.label(),
            show(spread(samples.iter().map(exchange_rate).collect()), 0),
            format!("{}x", show(exchange_ratios, 2)),
            show(spread(samples.iter().map(total_rate).collect()), 0),
            format!("{}x", show(spread(ratio(total_rate)), 2)),
        );
    }

    println!();
    println!(
        "bytes per order on the wire (HTTP/1.1 as sent and received, all rounds; TCP/IP framing not counted)"
    );
    println!(
        "  {:<34} {:>9} {:>12} {:>12} {:>12} {:>12}",
        "mode", "requests", "req body", "resp body", "req+headers", "resp+headers"
    );
    let mut outcomes: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (mode, samples) in &results.modes {
        let orders: usize = samples.iter().map(|s| s.orders).sum();
        let requests: usize = samples.iter().map(|s| s.requests).sum();
        let per = |f: fn(&Sample) -> u64| {
            samples.iter().map(f).sum::<u64>() as f64 / orders.max(1) as f64
        };
        println!(
            "  {:<34} {:>9} {:>12.1} {:>12.1} {:>12.1} {:>12.1}",
            mode.label(),
            requests,
            per(|s| s.bytes.request_body),
            per(|s| s.bytes.response_body),
            per(|s| s.bytes.request_head + s.bytes.request_body),
            per(|s| s.bytes.response_head + s.bytes.response_body),
        );
        let into = outcomes.entry(mode.label()).or_default();
        for (outcome, n) in samples.iter().flat_map(|s| &s.outcomes) {
            *into.entry(outcome.clone()).or_default() += n;
        }
    }
    println!(
        "  request headers carry the bearer token (device and customer JWTs alike) and, for POST /order, the Idempotency-Key"
    );
    println!();
    println!("outcomes:");
    for (mode, counts) in &outcomes {
        let list: Vec<String> = counts.iter().map(|(o, n)| format!("{o} {n}")).collect();
        println!("  {mode:<34} {}", list.join(", "));
    }

    if let Some(drain) = &results.drain {
        let secs = drain.elapsed.as_secs_f64();
        let pushed: u64 = drain.reports.iter().map(|r| r.pushed).sum();
        let pulled: u64 = drain.reports.iter().map(|r| r.changes_pulled).sum();
        let pending = drain.reports.last().map_or(0, |r| r.pending);
        let list: Vec<String> = drain
            .outcomes()
            .iter()
            .map(|(o, n)| format!("{o} {n}"))
            .collect();
        println!();
        println!(
            "backlog: {} offline orders drained by Embedded::sync (pushes of 500, then the pull) in {secs:.2} s = {:.0} orders/s",
            drain.orders,
            drain.orders as f64 / secs
        );
        println!(
            "  {} sync call(s); reported: pushed {pushed}, {}; changes pulled {pulled}; pending at the end {pending}",
            drain.calls,
            list.join(", ")
        );
    }
    if !results.clean_stop {
        println!("the server did not stop within 10 s of SIGTERM");
    }

    println!();
    println!("target:");
    match ratios_500 {
        Some((median, lo, hi)) => {
            let met = median >= PUSH_500_TARGET;
            println!(
                "  [{}] a 500-operation push >= {PUSH_500_TARGET}x the orders/s of one-by-one POST /order (exchanges): {median:.2}x, median of {} rounds ({lo:.2}-{hi:.2}x)",
                if met { "met" } else { "MISSED" },
                options.rounds
            );
            met
        }
        None => {
            println!("  [skipped] needs --batches to include 500");
            true
        }
    }
}
