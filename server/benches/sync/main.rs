//! Offline sync benchmark: push throughput of a device's captured orders against one-by-one
//! `POST /order`, bytes per order on the wire, and the time to drain a backlog.
//!
//! One real `orderly-server` binary on a fresh SQLite file with its durable default (every
//! commit synced), the example Cart Service in-process, tokens from the binary's `token`
//! subcommand. Real device engines (`Embedded::open_device` on their own SQLite files)
//! capture orders offline before anything is measured; every push body is built by the
//! engine (`build_push`) and sent as it is, and each answer is stored on the device
//! (`apply_push_response`). Each round, every mode sends `--orders` orders over one
//! connection: `POST /order` one by one (a new `Idempotency-Key` each, the cart read from the
//! Cart Service), then pushes of each `--batches` size from a fresh device (so that every
//! push applies new operations); the modes take turns, the first of a round rotating, so that
//! noise from elsewhere on a shared machine falls on all alike, and each push mode is compared
//! with `POST /order` of the same round. Finally one device with `--backlog` captured orders
//! drains them with `Embedded::sync` (feature `sync-client`).
//!
//! ```text
//! cargo bench -p orderly-server --bench sync
//! cargo bench -p orderly-server --bench sync -- --orders 500 --rounds 5 --backlog 10000
//! ```

#[path = "../common/mod.rs"]
mod common;
mod device;
mod options;
mod orders;
mod report;
mod wire;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use orderly_example_cart_service::{Cart, CartItem, CartState, RunningCartService, ServiceOptions};

use common::server::{SERVER_BIN, ServerProcess, sqlite_url, token};
use device::{Captured, Drain, Sample};
use options::Options;
use wire::Connection;

/// What a round measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One-by-one `POST /order`.
    PostOrder,
    /// Pushes of this many operations.
    Push(usize),
}

impl Mode {
    pub fn label(self) -> String {
        match self {
            Mode::PostOrder => "POST /order, one by one".into(),
            Mode::Push(n) => format!("POST /sync/push, {n} per push"),
        }
    }
}

/// Everything a run measured.
#[derive(Debug)]
pub struct Results {
    /// Each mode with its samples, one per round.
    pub modes: Vec<(Mode, Vec<Sample>)>,
    pub drain: Option<Drain>,
    /// The server's database URL.
    pub database: String,
    pub clean_stop: bool,
}

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let load_before = common::load_average();
    let dir = std::env::temp_dir().join(format!("orderly-sync-bench-{}", std::process::id()));
    match run(&options, &dir) {
        Ok(results) => {
            let _ = std::fs::remove_dir_all(&dir);
            let met = report::print(&options, &results, load_before);
            if met || !options.strict {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("sync: {message}");
            eprintln!(
                "the server's log and the databases are kept in {}",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options, dir: &Path) -> Result<Results, String> {
    let devices_dir = dir.join("devices");
    std::fs::create_dir_all(&devices_dir)
        .map_err(|e| format!("cannot create {}: {e}", devices_dir.display()))?;
    let carts = CartState::new(ServiceOptions::default());
    let items = device::cart_lines()
        .into_iter()
        .map(|(id, name, quantity, price)| CartItem::new(id, name, quantity, price))
        .collect();
    carts
        .put_cart(Cart::new(orders::CUSTOMER, "USD", items))
        .map_err(|e| e.to_string())?;
    let cart_service =
        RunningCartService::start(carts).map_err(|e| format!("cart service: {e}"))?;
    let query = options
        .server_sync
        .as_ref()
        .map(|v| format!("?synchronous={v}"))
        .unwrap_or_default();
    let database = sqlite_url(&dir.join("server.db"), &query);
    let server = ServerProcess::start(
        Path::new(SERVER_BIN),
        dir,
        &database,
        &cart_service.url(),
        &options.server_log,
    )?;
    let customer_token = token(orders::CUSTOMER, "customer")?;

    // Capture everything offline first; none of it is measured.
    let started = Instant::now();
    let warmup = device::capture(&devices_dir, "bench-dev-warmup", options.orders.min(100))?;
    let mut devices: Vec<Vec<Captured>> = Vec::new();
    for round in 0..options.rounds {
        let mut of_round = Vec::new();
        for &batch in &options.batches {
            let id = format!("bench-dev-r{round}-b{batch}");
            of_round.push(device::capture(&devices_dir, &id, options.orders)?);
        }
        devices.push(of_round);
    }
    let backlog = match options.backlog {
        0 => None,
        n => Some(device::capture(&devices_dir, "bench-dev-backlog", n)?),
    };
    // Write the captured databases back now, not while pushes are measured.
    let _ = std::process::Command::new("sync").status();
    eprintln!(
        "== captured {} offline orders on {} devices in {:.1} s",
        warmup.orders + options.rounds * options.batches.len() * options.orders + options.backlog,
        1 + devices.iter().map(Vec::len).sum::<usize>() + usize::from(backlog.is_some()),
        started.elapsed().as_secs_f64()
    );

    // Warm-up: connections, the server's caches, the Cart Service.
    orders::place(
        &mut Connection::new(&server.addr),
        &customer_token,
        "warmup",
        options.orders.min(50),
    )?;
    device::push_all(&mut Connection::new(&server.addr), &warmup, 100)?;

    let mut modes: Vec<(Mode, Vec<Sample>)> = std::iter::once(Mode::PostOrder)
        .chain(options.batches.iter().map(|&b| Mode::Push(b)))
        .map(|m| (m, Vec::new()))
        .collect();
    for round in 0..options.rounds {
        let mut turns: Vec<usize> = (0..modes.len()).collect();
        turns.rotate_left(round % modes.len());
        for i in turns {
            let Some((mode, samples)) = modes.get_mut(i) else {
                continue;
            };
            let mut conn = Connection::new(&server.addr);
            let sample = match *mode {
                Mode::PostOrder => orders::place(
                    &mut conn,
                    &customer_token,
                    &format!("round-{round}"),
                    options.orders,
                )?,
                Mode::Push(batch) => {
                    let device = devices
                        .get(round)
                        .and_then(|d| d.get(i - 1))
                        .ok_or("no device for this round")?;
                    device::push_all(&mut conn, device, batch)?
                }
            };
            eprintln!(
                "   round {round}: {:<34} {:>8.0} orders/s (exchanges), {:>8.0} orders/s (end to end)",
                mode.label(),
                sample.orders as f64 / sample.exchange.as_secs_f64(),
                sample.orders as f64 / sample.total.as_secs_f64(),
            );
            samples.push(sample);
        }
    }

    let drain = match &backlog {
        Some(device) => {
            eprintln!(
                "== draining {} offline orders with Embedded::sync",
                device.orders
            );
            Some(device::drain(&server.base_url(), device)?)
        }
        None => None,
    };
    let clean_stop = server.stop();
    drop(cart_service);
    Ok(Results {
        modes,
        drain,
        database,
        clean_stop,
    })
}
