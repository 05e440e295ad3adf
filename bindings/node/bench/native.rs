//! The native baseline for the binding benchmarks: `place_order` called straight from Rust,
//! with exactly the data and store settings of `bench/place-order.mjs` (Node) and
//! `bindings/python/bench/place_order.py` (Python).
//!
//! Run: `cargo run --release -p orderly-node --example bench_native -- [orders] [warmup] [file|memory]`
//! Prints one JSON line: `{"lang":"rust","orders":N,"seconds":S,"perSecond":R}`.

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use orderly::{
    Address, Caller, IdempotencyKey, InMemoryCarts, PaymentMethod, PlaceOrderRequest, RawCart,
    RawCartItem, UserId,
};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let orders: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2000);
    let warmup: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(200);
    let store = args.next().unwrap_or_else(|| "file".into());

    let dir = tempfile::tempdir()?;
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(RawCart {
        user_id: "bench".into(),
        currency: "USD".into(),
        items: [
            ("sku-espresso", "Espresso beans 1kg", 2, "19.99"),
            ("sku-grinder", "Burr grinder", 1, "89.00"),
            ("sku-filters", "Paper filters", 3, "4.25"),
        ]
        .into_iter()
        .map(|(id, name, quantity, price)| RawCartItem {
            product_id: id.into(),
            name: name.into(),
            quantity,
            unit_price: price.into(),
        })
        .collect(),
        updated_at: None,
    });
    let url = match store.as_str() {
        "memory" => "sqlite::memory:".to_owned(),
        _ => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let engine = orderly::open(&url, carts)?;

    let user = UserId::new("bench")?;
    let caller = Caller::customer(&user);
    let request = PlaceOrderRequest {
        user_id: user.clone(),
        delivery_address: Address {
            name: "Alice Martin".into(),
            line1: "350 Fifth Avenue".into(),
            line2: None,
            city: "New York".into(),
            region: Some("NY".into()),
            postal_code: "10118".into(),
            country: "US".into(),
        },
        payment_method: PaymentMethod::Card {
            token: "tok_visa_4242".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2099,
        },
        shipping_method: None,
        checkout_id: None,
        discount_code: None,
        metadata: None,
    };

    let place = |n: usize| -> Result<(), Box<dyn Error>> {
        let key = IdempotencyKey::new(format!("bench-{n}"))?;
        let placed = engine.place_order(&caller, &request, &key)?;
        if !placed.created || placed.order.totals.total.amount_string() != "147.40" {
            return Err("unexpected placement".into());
        }
        Ok(())
    };
    for n in 0..warmup {
        place(n)?;
    }
    let start = Instant::now();
    for n in warmup..warmup + orders {
        place(n)?;
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{{\"lang\":\"rust\",\"store\":\"{store}\",\"orders\":{orders},\"seconds\":{seconds:.4},\"perSecond\":{:.1}}}",
        orders as f64 / seconds
    );
    Ok(())
}
