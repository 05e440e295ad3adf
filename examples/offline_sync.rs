//! Offline capture and sync: a point-of-sale device takes orders on its own SQLite file, the
//! network goes away and comes back, and `sync` pushes what it captured and pulls what the
//! server did with it. Run: `cargo run -p orderly-server --example offline_sync`
use std::{error::Error, sync::Arc, time::Duration};

use orderly::{sync::OfflinePolicy, *};
use orderly_server::{AppState, Authenticator, NoCartService, serve};

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let runtime = tokio::runtime::Runtime::new()?;
    // The server: offline orders over 100.00 USD wait for staff review.
    let mut offline = OfflinePolicy::default();
    let usd = Currency::from_code("USD")?;
    offline
        .amount_limits
        .insert(usd, Money::parse("100.00", usd)?.minor());
    let config = ServiceConfig {
        offline,
        ..ServiceConfig::default()
    };
    let store = open_store(&format!(
        "sqlite://{}",
        dir.path().join("server.db").display()
    ))?;
    let server = OrderService::builder(store, Arc::new(NoCartService))
        .config(config)
        .build();
    let auth = Authenticator::new(b"an example secret of at least 32 bytes!!")?;
    let token = auth.issue("pos-12", Role::Device, Duration::from_secs(8 * 3600))?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(server.clone(), auth.clone());
    let running = runtime.spawn(serve(listener, state, async {
        let _ = stopped.await;
    }));

    // The device: its own database, its own id, its own carts.
    let pos = Embedded::open_device(
        &format!("sqlite://{}", dir.path().join("pos.db").display()),
        "pos-12",
        None,
    )?;
    let line = |quantity| RawCartItem {
        product_id: "sku-1".into(),
        name: "Espresso beans".into(),
        quantity,
        unit_price: "19.99".into(),
    };
    let input = OrderInput {
        user_id: "alice".into(),
        delivery_address: Address {
            name: "Alice".into(),
            line1: "350 Fifth Ave".into(),
            line2: None,
            city: "New York".into(),
            region: Some("NY".into()),
            postal_code: "10118".into(),
            country: "US".into(),
        },
        payment_method: PaymentMethod::CashOnDelivery,
        shipping_method: None,
        discount_code: None,
    };
    pos.set_cart("alice".into(), "USD".into(), vec![line(2)]);
    let first = pos.place_order(input.clone(), "till-1", None, None)?.order;

    // The network goes away: the device keeps taking orders, and sync fails without loss.
    let _ = stop.send(());
    runtime.block_on(running)??;
    pos.set_cart("alice".into(), "USD".into(), vec![line(6)]);
    let second = pos.place_order(input, "till-2", None, None)?.order;
    let quick = SyncOptions {
        retry: RetryPolicy::new(2, Duration::from_millis(300)),
        ..SyncOptions::default()
    };
    let failed = pos.sync_with(&url, &token, &quick).err().map(|e| e.code());
    println!(
        "offline: sync -> {failed:?}, {} operations pending",
        pos.sync_state()?.pending
    );

    // The network comes back (same address): sync pushes both orders.
    let listener = runtime.block_on(tokio::net::TcpListener::bind(
        url.trim_start_matches("http://"),
    ))?;
    let state = AppState::new(server.clone(), auth);
    let _server = runtime.spawn(serve(listener, state, std::future::pending()));
    let report = pos.sync(&url, &token)?;
    for r in &report.results {
        println!(
            "seq {} order {}: {} {}",
            r.seq,
            r.order_id,
            r.outcome.as_str(),
            r.code.as_deref().unwrap_or("")
        );
    }
    // Staff ship the first order and accept the reviewed one; the next sync brings it back.
    let staff = Caller::admin("ops");
    for (id, to) in [
        (first.id, OrderStatus::Processing),
        (first.id, OrderStatus::Shipped),
        (second.id, OrderStatus::Processing),
    ] {
        server.update_status(&staff, &id, to, &StatusUpdate::default())?;
    }
    let report = pos.sync(&url, &token)?;
    println!(
        "pulled {} changes, {} pending",
        report.changes_pulled, report.pending
    );
    for id in [first.id, second.id] {
        let local = pos.order(&id.to_string(), &ActAs::default())?;
        println!(
            "on the device: {} is {} (version {})",
            local.id, local.status, local.version
        );
    }
    Ok(())
}
