//! Load benchmark of the REST server: the real `orderly-server` binary on SQLite, reading carts
//! from the example Cart Service, driven over loopback HTTP.
//!
//! For each SQLite durability (`synchronous=may_lose_last_transactions`, then the durable default
//! `full`) it starts a fresh server and
//! measures, at 1, 8 and 64 keep-alive connections: `GET /health` (the ceiling of the HTTP
//! stack on this machine), `POST /order` (a unique `Idempotency-Key` each, the cart read from
//! the Cart Service) and `GET /order/{id}` (orders placed in that run). It reports throughput,
//! p50/p99 latency and the server's peak RSS (`VmHWM`), and checks them against the targets.
//!
//! ```text
//! cargo bench -p orderly-server --bench load -- --seconds 3 --sync both
//! ```
//!
//! `--baseline-bin PATH` also measures an earlier build (with `synchronous=normal` and `full`,
//! or the values of `--baseline-sync`), so that this build's figures are compared with it in
//! the same run: its durable `POST /order` against the baseline's, and every point against
//! the baseline's at the same setting. Every server runs from the start, and each point is
//! measured in `--rounds` turns that alternate between them, so that noise from elsewhere on
//! a shared machine lands on every build alike.
//!
//! The load generator, the Cart Service and the server share the machine's cores, so the
//! figures are a floor for the server alone.

#[path = "../common/mod.rs"]
mod common;
mod drive;
mod options;
mod report;
mod stats;

use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use orderly_example_cart_service::{Cart, CartItem, CartState, RunningCartService, ServiceOptions};

use common::server::{SERVER_BIN, ServerProcess, sqlite_url, token};
use drive::{Customer, Endpoint, Target, run_point};
use options::{Options, ServerSpec};
use report::{Point, Run};
use stats::{Samples, Summary};

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let load_before = common::load_average();
    match run(&options) {
        Ok(runs) => {
            let all_met = report::print(&options, &runs, load_before);
            if all_met || !options.strict {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("load: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<Vec<Run>, String> {
    let users: Vec<String> = (0..options.max_connections())
        .map(|i| format!("load-{i:03}"))
        .collect();
    let carts = CartState::new(ServiceOptions::default());
    for user in &users {
        carts
            .put_cart(Cart::new(
                user.as_str(),
                "USD",
                vec![
                    CartItem::new("sku-1001", "Espresso beans 1kg", 2, "19.99"),
                    CartItem::new("sku-2040", "Burr grinder", 1, "129.00"),
                    CartItem::new("sku-3300", "Paper filters (100)", 3, "4.50"),
                ],
            ))
            .map_err(|e| e.to_string())?;
    }
    let cart_service =
        RunningCartService::start(carts).map_err(|e| format!("cart service: {e}"))?;
    let tokens = users
        .iter()
        .map(|u| token(u, "customer"))
        .collect::<Result<Vec<_>, _>>()?;

    let mut servers = Vec::new();
    for (index, spec) in options.specs(SERVER_BIN).into_iter().enumerate() {
        eprintln!("== starting {}", spec.label());
        servers.push(Started::start(
            options,
            index,
            spec,
            &cart_service,
            &users,
            &tokens,
        )?);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the load runtime: {e}"))?;
    let measured = runtime.block_on(measure(options, &servers));
    drop(runtime);
    let mut points = measured?;
    let mut runs = Vec::new();
    for (server, points) in servers.into_iter().zip(points.drain(..)) {
        runs.push(server.finish(points));
    }
    Ok(runs)
}

/// One server under test, with the customers that drive it.
struct Started {
    spec: ServerSpec,
    dir: std::path::PathBuf,
    server: ServerProcess,
    target: Arc<Target>,
}

impl Started {
    fn start(
        options: &Options,
        index: usize,
        spec: ServerSpec,
        cart_service: &RunningCartService,
        users: &[String],
        tokens: &[String],
    ) -> Result<Started, String> {
        let dir = std::env::temp_dir().join(format!("orderly-load-{}-{index}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let database = sqlite_url(
            &dir.join("orderly-load.db"),
            &format!("?synchronous={}", spec.synchronous),
        );
        let server = ServerProcess::start(
            &spec.binary,
            &dir,
            &database,
            &cart_service.url(),
            &options.server_log,
        )?;
        let target = Arc::new(Target {
            base: server.base_url(),
            customers: users
                .iter()
                .zip(tokens)
                .map(|(user, token)| {
                    Arc::new(Customer {
                        user: user.clone(),
                        token: token.clone(),
                        orders: Mutex::new(Vec::new()),
                    })
                })
                .collect(),
            run_id: format!("load-{}-{index}", std::process::id()),
            measurements: AtomicU64::new(0),
        });
        Ok(Started {
            spec,
            dir,
            server,
            target,
        })
    }

    /// Reads the server's memory, stops it and keeps its log if anything failed.
    fn finish(self, points: Vec<Point>) -> Run {
        let memory = self.server.memory_kib();
        let had_errors = points.iter().any(|p| p.summary.errors > 0);
        let log = self.server.log.clone();
        let stopped = self.server.stop();
        if had_errors {
            eprintln!(
                "   errors occurred; the server's log is kept at {}",
                log.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        Run {
            spec: self.spec,
            points,
            peak_rss_kib: memory.map(|(hwm, _)| hwm),
            final_rss_kib: memory.map(|(_, rss)| rss),
            clean_stop: stopped,
        }
    }
}

/// Every point on every server. Each point's time is split into rounds and the servers take
/// turns round by round (the first of a round alternating), so that a burst of load from
/// elsewhere on the machine falls on both builds alike instead of on whichever ran then.
async fn measure(options: &Options, servers: &[Started]) -> Result<Vec<Vec<Point>>, String> {
    let mut points: Vec<Vec<Point>> = servers.iter().map(|_| Vec::new()).collect();
    let round = options.seconds / options.rounds;
    for endpoint in [Endpoint::Health, Endpoint::PlaceOrder, Endpoint::GetOrder] {
        for &connections in &options.connections {
            let mut samples: Vec<Samples> = servers.iter().map(|_| Samples::default()).collect();
            for turn in 0..options.rounds {
                // A full warm-up before a point's first round; later rounds only reconnect.
                let warmup = if turn == 0 {
                    options.warmup
                } else {
                    options.warmup / 4
                };
                let mut order: Vec<usize> = (0..servers.len()).collect();
                if turn % 2 == 1 {
                    order.reverse();
                }
                for i in order {
                    let (Some(server), Some(into)) = (servers.get(i), samples.get_mut(i)) else {
                        continue;
                    };
                    into.merge(
                        run_point(&server.target, endpoint, connections, warmup, round).await?,
                    );
                }
            }
            for ((server, samples), into) in servers.iter().zip(samples).zip(points.iter_mut()) {
                let summary = Summary::of(samples, round * options.rounds);
                eprintln!(
                    "   {:<40} {:<16} {connections:>3} conns: {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}",
                    server.spec.label(),
                    endpoint.label(),
                    summary.per_second,
                    summary.p50_ms,
                    summary.p99_ms,
                    summary.errors
                );
                into.push(Point {
                    endpoint,
                    connections,
                    summary,
                });
            }
        }
    }
    Ok(points)
}
