//! The device side: real device engines (`Embedded::open_device` on SQLite files) that take
//! orders offline, and the pushes they build, sent as they are.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use orderly::sync::PushResponse;
use orderly::{Address, Embedded, OrderInput, PaymentMethod, RawCartItem, SyncReport};

use crate::common::server::{sqlite_url, token};
use crate::wire::{Bytes, Connection};

/// The customer every offline order is for.
pub const DEVICE_CUSTOMER: &str = "till-customer";

/// A device database holding captured orders that no server has seen yet.
#[derive(Debug)]
pub struct Captured {
    pub id: String,
    /// Its database with the durable default (every commit synced), as apps open it.
    pub url: String,
    pub token: String,
    pub orders: usize,
}

/// What one measured mode did in one round.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub orders: usize,
    pub requests: usize,
    /// Time between writing each request's first byte and reading its answer's last byte,
    /// summed: the exchanges with the server.
    pub exchange: Duration,
    /// Wall time of the whole loop: for a push, also building each body on the device,
    /// encoding it, decoding the answer and storing its results on the device.
    pub total: Duration,
    pub bytes: Bytes,
    /// `outcome` (or `outcome/code`) → count.
    pub outcomes: BTreeMap<String, u64>,
}

/// The cart every order holds, on the device and in the Cart Service alike.
pub fn cart_lines() -> Vec<(&'static str, &'static str, i64, &'static str)> {
    vec![
        ("sku-1001", "Espresso beans 1kg", 2, "19.99"),
        ("sku-2040", "Burr grinder", 1, "129.00"),
        ("sku-3300", "Paper filters (100)", 3, "4.50"),
    ]
}

/// Opens a new device `id` in `dir` and captures `orders` orders offline. Capture is not
/// measured, so it runs with `synchronous=may_lose_last_transactions`; the database is then
/// flushed and reopened with the durable default for the push.
pub fn capture(dir: &Path, id: &str, orders: usize) -> Result<Captured, String> {
    let path = dir.join(format!("{id}.db"));
    let engine = Embedded::open_device(
        &sqlite_url(&path, "?synchronous=may_lose_last_transactions"),
        id,
        None,
    )
    .map_err(|e| format!("cannot open device {id}: {e}"))?;
    let items = cart_lines()
        .into_iter()
        .map(|(product_id, name, quantity, unit_price)| RawCartItem {
            product_id: product_id.into(),
            name: name.into(),
            quantity,
            unit_price: unit_price.into(),
        })
        .collect();
    engine.set_cart(DEVICE_CUSTOMER.into(), "USD".into(), items);
    for i in 0..orders {
        // Keys are per customer on the server: the device id keeps them unique across devices.
        engine
            .place_order(order_input(), &format!("{id}-{i}"), None, None)
            .map_err(|e| format!("device {id} could not capture order {i}: {e}"))?;
    }
    let pending = engine
        .sync_state()
        .map_err(|e| format!("device {id}: {e}"))?
        .pending;
    if pending != orders as u64 {
        return Err(format!(
            "device {id} captured {orders} orders but holds {pending} pending operations"
        ));
    }
    Ok(Captured {
        id: id.to_owned(),
        url: sqlite_url(&path, ""),
        token: token(id, "device")?,
        orders,
    })
}

fn order_input() -> OrderInput {
    OrderInput {
        user_id: DEVICE_CUSTOMER.into(),
        delivery_address: Address {
            name: "Load Tester".into(),
            line1: "1 Benchmark Way".into(),
            line2: None,
            city: "New York".into(),
            region: Some("NY".into()),
            postal_code: "10001".into(),
            country: "US".into(),
        },
        payment_method: PaymentMethod::Card {
            token: "tok_load_visa".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2035,
        },
        shipping_method: None,
        discount_code: None,
    }
}

/// Pushes every order `device` captured in pushes of `batch` operations over `conn`: each
/// body built by the engine (`build_push`), sent as it is, and its answer stored on the
/// device (`apply_push_response`), as an app that moves the bytes itself does.
pub fn push_all(conn: &mut Connection, device: &Captured, batch: usize) -> Result<Sample, String> {
    let id = &device.id;
    let engine = Embedded::open_device(&device.url, id, None)
        .map_err(|e| format!("cannot reopen device {id}: {e}"))?;
    let auth = format!("Bearer {}", device.token);
    conn.connect()?;
    let mut sample = Sample::default();
    let started = Instant::now();
    loop {
        let push = engine
            .build_push(batch)
            .map_err(|e| format!("device {id}: build_push: {e}"))?;
        if push.operations.is_empty() {
            break;
        }
        let body = serde_json::to_vec(&push).map_err(|e| format!("encoding a push: {e}"))?;
        let answer = conn.send(
            "POST",
            "/sync/push",
            &[("authorization", auth.as_str())],
            Some(&body),
        )?;
        if answer.status != 200 {
            return Err(format!(
                "POST /sync/push answered {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ));
        }
        let response: PushResponse = serde_json::from_slice(&answer.body)
            .map_err(|e| format!("a push answer that is not the contract's: {e}"))?;
        if response.results.len() != push.operations.len() {
            return Err(format!(
                "a push of {} operations got {} results (lastSeq {})",
                push.operations.len(),
                response.results.len(),
                response.last_seq
            ));
        }
        for result in &response.results {
            *sample.outcomes.entry(outcome_key(result)).or_default() += 1;
        }
        engine
            .apply_push_response(&response)
            .map_err(|e| format!("device {id}: apply_push_response: {e}"))?;
        sample.orders += push.operations.len();
        sample.requests += 1;
        sample.exchange += answer.elapsed;
        sample.bytes.add(answer.bytes);
    }
    sample.total = started.elapsed();
    let pending = engine
        .sync_state()
        .map_err(|e| format!("device {id}: {e}"))?
        .pending;
    if pending != 0 || sample.orders != device.orders {
        return Err(format!(
            "device {id} pushed {} of {} orders; {pending} still pending",
            sample.orders, device.orders
        ));
    }
    Ok(sample)
}

fn outcome_key(result: &orderly::sync::OperationResult) -> String {
    match &result.code {
        Some(code) => format!("{}/{code}", result.outcome.as_str()),
        None => result.outcome.as_str().to_owned(),
    }
}

/// The backlog drain: `Embedded::sync` until nothing is pending.
#[derive(Debug)]
pub struct Drain {
    pub orders: usize,
    pub elapsed: Duration,
    /// `sync` calls it took (1 unless a call stopped early).
    pub calls: usize,
    pub reports: Vec<SyncReport>,
}

impl Drain {
    pub fn outcomes(&self) -> BTreeMap<String, u64> {
        let mut outcomes = BTreeMap::new();
        for result in self.reports.iter().flat_map(|r| &r.results) {
            *outcomes.entry(outcome_key(result)).or_default() += 1;
        }
        outcomes
    }
}

/// Times `Embedded::sync` (the facade's HTTP client, default options: pushes of 500, then
/// the pull) on `device` from the first call until it reports nothing pending.
pub fn drain(base_url: &str, device: &Captured) -> Result<Drain, String> {
    let id = &device.id;
    let engine = Embedded::open_device(&device.url, id, None)
        .map_err(|e| format!("cannot reopen device {id}: {e}"))?;
    let mut reports = Vec::new();
    let started = Instant::now();
    loop {
        let report = engine
            .sync(base_url, &device.token)
            .map_err(|e| format!("device {id}: sync failed ({}): {e}", e.code()))?;
        let done = report.pending == 0;
        let progressed = report.pushed > 0;
        reports.push(report);
        if done {
            break;
        }
        if !progressed || reports.len() >= 100 {
            return Err(format!(
                "device {id}: sync stopped advancing with operations pending"
            ));
        }
    }
    Ok(Drain {
        orders: device.orders,
        elapsed: started.elapsed(),
        calls: reports.len(),
        reports,
    })
}
