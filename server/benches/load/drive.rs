//! Driving one point: N connections, each sending requests back to back for a fixed time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::stats::Samples;

/// What a point measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Health,
    PlaceOrder,
    GetOrder,
}

impl Endpoint {
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Health => "GET /health",
            Endpoint::PlaceOrder => "POST /order",
            Endpoint::GetOrder => "GET /order/{id}",
        }
    }
}

/// A simulated customer: one connection uses one user.
#[derive(Debug)]
pub struct Customer {
    pub user: String,
    pub token: String,
    /// Orders this customer placed (what `GET /order/{id}` reads).
    pub orders: Mutex<Vec<String>>,
}

/// Everything the connections share.
#[derive(Debug)]
pub struct Target {
    pub base: String,
    pub customers: Vec<Arc<Customer>>,
    /// Makes idempotency keys unique across runs.
    pub run_id: String,
    /// Measurements started on this target, which makes keys unique across points and rounds.
    pub measurements: AtomicU64,
}

pub async fn run_point(
    target: &Arc<Target>,
    endpoint: Endpoint,
    connections: usize,
    warmup: Duration,
    window: Duration,
) -> Result<Samples, String> {
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + window;
    let measurement = target.measurements.fetch_add(1, Ordering::Relaxed);
    let mut tasks = Vec::with_capacity(connections);
    for conn in 0..connections {
        let customer = target
            .customers
            .get(conn % target.customers.len().max(1))
            .cloned()
            .ok_or("no customers")?;
        let target = Arc::clone(target);
        tasks.push(tokio::spawn(async move {
            let slot = Slot {
                conn,
                measurement,
                customer,
            };
            connection(&target, endpoint, slot, measure_from, end).await
        }));
    }
    let mut samples = Samples::default();
    for task in tasks {
        samples.merge(
            task.await
                .map_err(|e| format!("a connection task failed: {e}"))??,
        );
    }
    Ok(samples)
}

/// One keep-alive connection sending requests back to back until `end`.
/// Which connection of a point this is, and for whom it sends.
#[derive(Debug)]
struct Slot {
    conn: usize,
    measurement: u64,
    customer: Arc<Customer>,
}

async fn connection(
    target: &Target,
    endpoint: Endpoint,
    slot: Slot,
    measure_from: Instant,
    end: Instant,
) -> Result<Samples, String> {
    let Slot {
        conn,
        measurement,
        customer,
    } = slot;
    // One client per connection with at most one idle socket: N tasks are N connections.
    let client = Client::builder()
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let auth = format!("Bearer {}", customer.token);
    let order_body = crate::common::order_body(&customer.user).to_string();
    let ids: Vec<String> = match endpoint {
        Endpoint::GetOrder => customer
            .orders
            .lock()
            .map_err(|_| "orders lock poisoned")?
            .clone(),
        _ => Vec::new(),
    };
    if endpoint == Endpoint::GetOrder && ids.is_empty() {
        return Err(format!("{} has no orders to read", customer.user));
    }
    let mut samples = Samples::default();
    let mut placed = Vec::new();
    let mut seq: u64 = 0;
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        seq += 1;
        let request = match endpoint {
            Endpoint::Health => client.get(format!("{}/health", target.base)),
            Endpoint::PlaceOrder => client
                .post(format!("{}/order", target.base))
                .header("authorization", &auth)
                // Unique per run, measurement, connection and request.
                .header(
                    "idempotency-key",
                    format!("{}-m{measurement}-{conn}-{seq}", target.run_id),
                )
                .header("content-type", "application/json")
                .body(order_body.clone()),
            Endpoint::GetOrder => {
                let id = ids
                    .get(seq as usize % ids.len())
                    .ok_or("order id index out of range")?;
                client
                    .get(format!("{}/order/{id}", target.base))
                    .header("authorization", &auth)
            }
        };
        let expected = match endpoint {
            Endpoint::PlaceOrder => StatusCode::CREATED,
            _ => StatusCode::OK,
        };
        let result = request.send().await;
        let (status, location, body) = match result {
            Ok(response) => {
                let status = response.status();
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = response.bytes().await;
                (status, location, body.map_err(|e| e.to_string()))
            }
            Err(e) => {
                if sent >= measure_from {
                    samples.error(0, || format!("transport error: {e}"));
                }
                continue;
            }
        };
        let elapsed = sent.elapsed();
        let measured = sent >= measure_from;
        match body {
            Ok(body) if status == expected => {
                if endpoint == Endpoint::PlaceOrder {
                    match order_id(location.as_deref(), &body) {
                        Some(id) => placed.push(id),
                        None => {
                            samples.error(status.as_u16(), || "201 without an order id".into());
                            continue;
                        }
                    }
                }
                if measured {
                    let us = u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX);
                    samples.latencies_us.push(us);
                }
            }
            Ok(body) => samples.error(status.as_u16(), || {
                format!(
                    "{} answered {status}: {}",
                    endpoint.label(),
                    String::from_utf8_lossy(&body)
                        .chars()
                        .take(300)
                        .collect::<String>()
                )
            }),
            Err(e) => samples.error(0, || format!("reading the answer failed: {e}")),
        }
    }
    if !placed.is_empty() {
        customer
            .orders
            .lock()
            .map_err(|_| "orders lock poisoned")?
            .extend(placed);
    }
    Ok(samples)
}

fn order_id(location: Option<&str>, body: &[u8]) -> Option<String> {
    if let Some(id) = location.and_then(|l| l.strip_prefix("/order/")) {
        return Some(id.to_owned());
    }
    let order: Value = serde_json::from_slice(body).ok()?;
    order.get("orderId")?.as_str().map(str::to_owned)
}
