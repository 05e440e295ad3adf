//! The baseline: one-by-one `POST /order` over one connection, each with its own
//! `Idempotency-Key`, the cart read by the server from the Cart Service.

use std::time::Instant;

use crate::device::Sample;
use crate::wire::Connection;

/// The customer whose cart the Cart Service holds.
pub const CUSTOMER: &str = "bench-customer";

/// Places `orders` orders one after another; `run` makes the idempotency keys unique.
pub fn place(
    conn: &mut Connection,
    token: &str,
    run: &str,
    orders: usize,
) -> Result<Sample, String> {
    let body = crate::common::order_body(CUSTOMER).to_string().into_bytes();
    let auth = format!("Bearer {token}");
    conn.connect()?;
    let mut sample = Sample::default();
    let started = Instant::now();
    for i in 0..orders {
        let key = format!("{run}-{i}");
        let answer = conn.send(
            "POST",
            "/order",
            &[
                ("authorization", auth.as_str()),
                ("idempotency-key", key.as_str()),
            ],
            Some(&body),
        )?;
        if answer.status != 201 {
            return Err(format!(
                "POST /order answered {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ));
        }
        sample.orders += 1;
        sample.requests += 1;
        sample.exchange += answer.elapsed;
        sample.bytes.add(answer.bytes);
    }
    sample.total = started.elapsed();
    *sample.outcomes.entry("201 Created".into()).or_default() += orders as u64;
    Ok(sample)
}
