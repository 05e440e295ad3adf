//! What the load and sync benchmarks share: the real `orderly-server` binary as a child
//! process, its tokens and database URLs, the order every `POST /order` sends, and the
//! machine's load. Each benchmark uses part of it.
#![allow(dead_code)]

pub mod server;

use serde_json::{Value, json};

/// The order every `POST /order` sends: the customer's cart, a US address and a card token.
pub fn order_body(user: &str) -> Value {
    json!({
        "userId": user,
        "deliveryAddress": {
            "name": "Load Tester",
            "line1": "1 Benchmark Way",
            "city": "New York",
            "region": "NY",
            "postalCode": "10001",
            "country": "US"
        },
        "paymentMethod": {
            "type": "card",
            "token": "tok_load_visa",
            "brand": "visa",
            "last4": "4242",
            "expMonth": 12,
            "expYear": 2035
        }
    })
}

/// The 1-minute load average from `/proc/loadavg`, when there is one.
pub fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_owned)
}
