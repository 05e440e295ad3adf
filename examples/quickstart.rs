//! The whole order flow on the embedded SQLite default, with nothing else to install:
//! cart -> checkout -> place (twice with one idempotency key) -> track -> history -> cancel ->
//! a refused cancellation -> events -> analytics.
//!
//! Run: `cargo run --release --example quickstart [path/to/orderly.db]`

use std::error::Error;
use std::sync::Arc;

use orderly::pricing::{Discount, Rate};
use orderly::{
    Address, Caller, CheckoutRequest, DayRange, HistoryRequest, IdempotencyKey, InMemoryCarts,
    OrderService, OrderStatus, PaymentMethod, PlaceOrderRequest, PricingPolicy, RawCart,
    RawCartItem, ShippingMethod, StatusUpdate, Timestamp, TopBy, UserId,
};

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "orderly-quickstart.db".into());
    // A fresh demo database each run, so the output reads the same every time.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let store = orderly::open_store(&format!("sqlite://{path}"))?;
    let carts = Arc::new(InMemoryCarts::new());
    let mut policy = PricingPolicy::default();
    policy.discounts.insert(
        "WELCOME10".into(),
        Discount::Percent {
            rate: Rate::percent("10")?,
        },
    );
    let engine = OrderService::builder(store, carts.clone())
        .policy(policy)
        .build();
    println!("Orderly quickstart: SQLite database at {path}\n");

    let alice = UserId::new("alice")?;
    let bob = UserId::new("bob")?;
    carts.set(cart(
        "alice",
        "USD",
        &[
            ("sku-espresso-1kg", "Espresso beans 1kg", 2, "19.99"),
            ("sku-grinder", "Burr grinder", 1, "89.00"),
            ("sku-filters", "Paper filters ×100", 3, "4.25"),
        ],
    ));
    carts.set(cart(
        "bob",
        "EUR",
        &[("sku-moka", "Moka pot 6 cups", 1, "34.90")],
    ));
    let as_alice = Caller::customer(&alice);
    let as_bob = Caller::customer(&bob);
    let warehouse = Caller::service("warehouse");

    section("1. Alice's cart (from the cart source)");
    let c = engine.cart(&as_alice, &alice)?;
    for line in &c.items {
        println!(
            "  {:>3} x {:<24} {:>10} = {:>10}",
            line.quantity,
            line.name,
            line.unit_price.to_string(),
            line.line_total.to_string()
        );
    }
    println!("  subtotal {}", c.subtotal);

    section("2. Checkout: validated, priced in integer minor units, quote stored for 15 minutes");
    let address = Address {
        name: "Alice Martin".into(),
        line1: "350 Fifth Avenue".into(),
        line2: Some("Floor 21".into()),
        city: "New York".into(),
        region: Some("NY".into()),
        postal_code: "10118".into(),
        country: "US".into(),
    };
    let card = PaymentMethod::Card {
        token: "tok_visa_4242".into(),
        brand: "visa".into(),
        last4: "4242".into(),
        exp_month: 12,
        exp_year: 2030,
    };
    let quote = engine.checkout(
        &as_alice,
        &CheckoutRequest {
            user_id: alice.clone(),
            delivery_address: address.clone(),
            payment_method: card.clone(),
            shipping_method: Some(ShippingMethod::Standard),
            discount_code: Some("welcome10".into()),
        },
    )?;
    let t = quote.totals;
    println!(
        "  subtotal {:>12}\n  discount {:>12}  (WELCOME10, half-even rounding)\n  shipping {:>12}  (free from 50.00)\n  tax      {:>12}  (NY 4 %)\n  total    {:>12}",
        t.subtotal.to_string(),
        t.discount.to_string(),
        t.shipping.to_string(),
        t.tax.to_string(),
        t.total.to_string()
    );
    println!(
        "  checkout {} expires {}",
        quote.checkout_id, quote.expires_at
    );

    section("3. Place the order from the checkout, then retry with the same idempotency key");
    let request = PlaceOrderRequest {
        user_id: alice.clone(),
        delivery_address: address.clone(),
        payment_method: card.clone(),
        shipping_method: None,
        checkout_id: Some(quote.checkout_id),
        discount_code: Some("WELCOME10".into()),
        metadata: None,
    };
    let key = IdempotencyKey::new("alice-2026-11-24-001")?;
    let first = engine.place_order(&as_alice, &request, &key)?;
    let again = engine.place_order(&as_alice, &request, &key)?;
    println!(
        "  first call:  order {} created={} total {}",
        first.order.id, first.created, first.order.totals.total
    );
    println!(
        "  second call: order {} created={}  -> same order, no duplicate",
        again.order.id, again.created
    );
    let mut changed = request.clone();
    changed.shipping_method = Some(ShippingMethod::Express);
    match engine.place_order(&as_alice, &changed, &key) {
        Err(e) => println!("  same key, different request: refused [{}] {e}", e.code()),
        Ok(p) => println!("  unexpected: {}", p.order.id),
    }

    section("4. Track it: the warehouse moves it along");
    let id = first.order.id;
    engine.update_status(
        &warehouse,
        &id,
        OrderStatus::Processing,
        &StatusUpdate {
            note: Some("picked".into()),
            expected_version: Some(1),
        },
    )?;
    engine.update_status(
        &warehouse,
        &id,
        OrderStatus::Shipped,
        &StatusUpdate {
            note: Some("UPS 1Z999AA10123456784".into()),
            expected_version: None,
        },
    )?;
    let status = engine.status(&as_alice, &id)?;
    println!("  status {} (version {})", status.status, status.version);
    for m in &status.history {
        println!(
            "  {}  {:<10} by {:<18} {}",
            m.at,
            m.status.as_str(),
            m.actor,
            m.note.as_deref().unwrap_or("")
        );
    }

    section("5. Bob orders in EUR by cash on delivery, then cancels");
    let bob_order = engine.place_order(
        &as_bob,
        &PlaceOrderRequest {
            user_id: bob.clone(),
            delivery_address: Address {
                name: "Bob Schmidt".into(),
                line1: "Unter den Linden 77".into(),
                line2: None,
                city: "Berlin".into(),
                region: None,
                postal_code: "10117".into(),
                country: "DE".into(),
            },
            payment_method: PaymentMethod::CashOnDelivery,
            shipping_method: Some(ShippingMethod::Express),
            checkout_id: None,
            discount_code: None,
            metadata: None,
        },
        &IdempotencyKey::new("bob-1")?,
    )?;
    println!(
        "  placed {} total {} (19 % VAT: {})",
        bob_order.order.id, bob_order.order.totals.total, bob_order.order.totals.tax
    );
    let cancelled = engine.cancel(&as_bob, &bob_order.order.id, Some("ordered the wrong size"))?;
    println!(
        "  cancelled: status {} (version {})",
        cancelled.status, cancelled.version
    );

    section("6. Alice tries to cancel her shipped order");
    match engine.cancel(&as_alice, &id, Some("changed my mind")) {
        Err(e) => println!("  refused [{}]: {e}", e.code()),
        Ok(o) => println!("  unexpected: {}", o.status),
    }

    section("7. Alice's order history (cursor-paginated, newest first)");
    for n in 2..=4 {
        carts.set(cart(
            "alice",
            "USD",
            &[("sku-filters", "Paper filters ×100", n, "4.25")],
        ));
        engine.place_order(
            &as_alice,
            &PlaceOrderRequest {
                checkout_id: None,
                discount_code: None,
                ..request.clone()
            },
            &IdempotencyKey::new(format!("alice-refill-{n}"))?,
        )?;
    }
    let mut cursor = None;
    let mut page_no = 1;
    loop {
        let page = engine.orders_for_user(
            &as_alice,
            &alice,
            &HistoryRequest {
                limit: Some(2),
                cursor,
                status: None,
            },
        )?;
        for o in &page.orders {
            println!(
                "  page {page_no}: {} {:<9} {:>12} {} item(s)",
                o.id,
                o.status.as_str(),
                o.totals.total.to_string(),
                o.items.len()
            );
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        page_no += 1;
    }

    section("8. Outbox: events written in the same transactions as the orders");
    let events = engine.pending_events(100)?;
    for e in &events {
        println!(
            "  {:<22} order {} seq {}",
            e.event_type.as_str(),
            e.order_id,
            e.sequence
        );
    }
    let ids: Vec<_> = events.iter().map(|e| e.event_id).collect();
    println!(
        "  marked {} delivered; {} pending now",
        engine.mark_events_delivered(&ids)?,
        engine.pending_events(100)?.len()
    );

    section("9. Analytics from rollups (cancelled orders excluded)");
    let now = engine.clock().now();
    for s in engine.sales(
        &warehouse,
        Timestamp::from_unix_millis(now.unix_millis() - 86_400_000),
        now.plus_millis(1),
    )? {
        println!(
            "  {}: {} orders, total {}, average {}",
            s.currency, s.orders, s.total, s.average_order_value
        );
    }
    for p in engine.top_products(&warehouse, TopBy::Quantity, 3, None, DayRange::ALL)? {
        println!(
            "  top by quantity: {:<24} {:>3} sold, revenue {}",
            p.name, p.quantity, p.revenue
        );
    }
    let counts: Vec<String> = engine
        .orders_by_status(&warehouse, DayRange::ALL)?
        .iter()
        .map(|c| format!("{} {}", c.status.as_str(), c.orders))
        .collect();
    println!("  orders by status: {}", counts.join(", "));
    println!("\nDone.");
    Ok(())
}

fn section(title: &str) {
    println!("\n{title}");
}

fn cart(user: &str, currency: &str, items: &[(&str, &str, i64, &str)]) -> RawCart {
    RawCart {
        user_id: user.into(),
        currency: currency.into(),
        items: items
            .iter()
            .map(|(id, name, quantity, price)| RawCartItem {
                product_id: (*id).into(),
                name: (*name).into(),
                quantity: *quantity,
                unit_price: (*price).into(),
            })
            .collect(),
        updated_at: None,
    }
}
