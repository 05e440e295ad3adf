//! What only the MySQL backend has: its schema, migrations, exact byte comparisons and the
//! answers it gives when a commit's acknowledgement was lost. Behaviour shared by every backend
//! is the conformance suite's (`orderly-tests`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use mysql::prelude::Queryable;
use orderly_core::DayRange;
use orderly_core::analytics::RollupDelta;
use orderly_core::search::index_entries;
use orderly_core::store::prelude::*;
use orderly_core::store::{ChangeOutcome, InsertOutcome, NewOrder, OrderChange};
use orderly_core::{
    Caller, Currency, InMemoryCarts, OrderDocument, OrderStatus, StatusUpdate, Store,
    StoreErrorKind, TopBy,
};
use orderly_mysql::migrate::{MIGRATIONS, latest_version};
use orderly_mysql::{MysqlStore, ScratchDatabase};

use common::*;

#[test]
fn schema_is_ready_for_distributed_sql() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let mut raw = fx.raw();
    let db = fx.db.name().to_owned();
    let mut objects = |view: &str, schema_column: &str, filter: &str| {
        count(
            &mut raw,
            &format!(
                "SELECT COUNT(*) FROM information_schema.{view} \
                 WHERE {schema_column} = '{db}'{filter}"
            ),
        )
    };
    assert_eq!(
        objects("routines", "routine_schema", ""),
        0,
        "no stored procedures"
    );
    assert_eq!(objects("triggers", "trigger_schema", ""), 0, "no triggers");
    assert_eq!(
        objects("referential_constraints", "constraint_schema", ""),
        0,
        "no foreign keys"
    );
    assert_eq!(
        objects(
            "columns",
            "table_schema",
            " AND extra LIKE '%auto_increment%'"
        ),
        0,
        "ids come from the engine"
    );
    let tables: Vec<(String, String, String)> = raw
        .exec(
            "SELECT table_name, engine, table_collation FROM information_schema.tables \
             WHERE table_schema = ? ORDER BY table_name",
            (&db,),
        )
        .unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    for expected in [
        "checkouts",
        "idempotency_keys",
        "orders",
        "outbox",
        "product_sales",
        "sales_hourly",
        "schema_migrations",
        "status_counts",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for (table, engine, collation) in &tables {
        assert_eq!(engine, "InnoDB", "{table}");
        assert!(collation.starts_with("utf8mb4"), "{table}: {collation}");
    }
    // Every per-order table carries the shard key.
    for table in ["orders", "idempotency_keys", "checkouts", "outbox"] {
        let has_user: i64 = count(
            &mut raw,
            &format!(
                "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = '{db}' \
                 AND table_name = '{table}' AND column_name = 'user_id'"
            ),
        );
        assert_eq!(has_user, 1, "{table}");
    }
}

#[test]
fn migrations_apply_once_when_processes_open_at_once() {
    let server = require_server!();
    let db = ScratchDatabase::create(&server).unwrap();
    let openers = 6;
    let barrier = Arc::new(Barrier::new(openers));
    let handles: Vec<_> = (0..openers)
        .map(|_| {
            let url = db.url().to_owned();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                MysqlStore::open(&url).map(|_| ())
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let mut raw = raw(db.url());
    let versions: Vec<u32> = raw
        .query("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap();
    let expected: Vec<u32> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(versions, expected);
    // Opening an up-to-date database changes nothing.
    MysqlStore::open(db.url()).unwrap();
    assert_eq!(
        count(&mut raw, "SELECT COUNT(*) FROM schema_migrations"),
        i64::try_from(MIGRATIONS.len()).unwrap()
    );
}

#[test]
fn a_schema_newer_than_the_build_is_refused() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    fx.raw()
        .exec_drop(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)",
            (latest_version() + 1,),
        )
        .unwrap();
    let err = MysqlStore::open(fx.db.url()).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Migration, "{err}");
    assert!(err.message.contains("newer than this build"), "{err}");
}

/// Documents written before milestones always carried `note` get it (null) on upgrade, so that
/// they can be sent to API clients as stored; notes that were given are kept as they were.
#[test]
fn upgrading_adds_null_notes_to_stored_milestones() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(cart("alice", &[("sku-1", "Teapot", 1, "19.99")]));
    let engine = fx.engine(&carts);
    let placed = engine
        .place_order(&customer("alice"), &request("alice"), &key("k-1"))
        .unwrap()
        .order;
    let moves = [
        (OrderStatus::Processing, None),
        (OrderStatus::Shipped, Some("tracking \"1Z\" ✓")),
        (OrderStatus::Delivered, None),
    ];
    let mut order = placed;
    for (status, note) in moves {
        let update = StatusUpdate {
            note: note.map(str::to_owned),
            ..StatusUpdate::default()
        };
        order = engine
            .update_status(&Caller::admin("ops"), &order.id, status, &update)
            .unwrap();
    }
    let mut legacy = serde_json::to_value(&order).unwrap();
    for milestone in legacy["history"].as_array_mut().unwrap() {
        if milestone["note"].is_null() {
            milestone.as_object_mut().unwrap().remove("note");
        }
    }
    let mut raw = fx.raw();
    raw.exec_drop(
        "UPDATE orders SET doc = ? WHERE id = ?",
        (legacy.to_string(), order.id.to_string()),
    )
    .unwrap();
    // A confirmation sent the old way: a lease held for 100 years from the send.
    raw.exec_drop(
        "INSERT INTO leases (name, owner, expires_at) VALUES (?, 'notify-1', ?)",
        (
            format!("notify:order-confirmation:{}", order.id),
            1_790_000_005_000i64 + 3_153_600_000_000,
        ),
    )
    .unwrap();
    // Back to schema version 2: the migrations after it run again on reopening (the
    // columns 0004 adds are dropped first, as they were not there at version 2).
    raw.query_drop("ALTER TABLE orders DROP COLUMN payment_token, DROP COLUMN doc_format")
        .unwrap();
    raw.query_drop("DELETE FROM schema_migrations WHERE version >= 3")
        .unwrap();

    let reopened = MysqlStore::open(fx.db.url()).unwrap();
    let document = reopened.order_document(&order.id).unwrap().unwrap();
    let stored: serde_json::Value = serde_json::from_str(document.json()).unwrap();
    assert_eq!(stored, serde_json::to_value(&order).unwrap());
    let notes: Vec<_> = order.history.iter().map(|m| m.note.as_deref()).collect();
    assert_eq!(notes, [None, None, Some("tracking \"1Z\" ✓"), None]);

    // The lease became a sent confirmation, with the order's placed event.
    let placed = reopened
        .pending_events(100)
        .unwrap()
        .into_iter()
        .find(|e| e.order_id == order.id && e.sequence == 1)
        .unwrap();
    let sent = reopened.sent_confirmation(&order.id).unwrap().unwrap();
    assert_eq!(sent.event_id, placed.event_id);
    assert_eq!(sent.sent_at.unix_millis(), 1_790_000_005_000);
    let leases: Option<i64> = raw.query_first("SELECT COUNT(*) FROM leases").unwrap();
    assert_eq!(leases, Some(0));
    assert_eq!(reopened.order(&order.id).unwrap(), Some(order));
}

/// Documents written with the payment token inside (schema version 3) give it to the token
/// column and lose it on upgrade, and so do the `order.placed` events that carried them.
#[test]
fn upgrading_moves_payment_tokens_out_of_documents_and_events() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(cart("alice", &[("sku-1", "Teapot", 1, "19.99")]));
    let req = request("alice");
    let order = fx
        .engine(&carts)
        .place_order(&customer("alice"), &req, &key("k-1"))
        .unwrap()
        .order;
    let token = req.payment_method.token().unwrap().to_owned();
    let mut legacy = serde_json::to_value(&order).unwrap();
    legacy["paymentMethod"] = serde_json::to_value(&req.payment_method).unwrap();
    let mut raw = fx.raw();
    raw.query_drop("ALTER TABLE orders DROP COLUMN payment_token, DROP COLUMN doc_format")
        .unwrap();
    raw.exec_drop(
        "UPDATE orders SET doc = ? WHERE id = ?",
        (legacy.to_string(), order.id.to_string()),
    )
    .unwrap();
    raw.exec_drop(
        "UPDATE outbox SET payload = ? WHERE order_id = ?",
        (
            serde_json::json!({ "order": legacy }).to_string(),
            order.id.to_string(),
        ),
    )
    .unwrap();
    raw.query_drop("DELETE FROM schema_migrations WHERE version >= 4")
        .unwrap();

    let reopened = MysqlStore::open(fx.db.url()).unwrap();
    assert_eq!(
        reopened.payment_token(&order.id).unwrap(),
        Some(token.clone())
    );
    let document = reopened.order_document(&order.id).unwrap().unwrap();
    assert!(!document.json().contains(&token), "{}", document.json());
    assert_eq!(reopened.order(&order.id).unwrap(), Some(order));
    let events = reopened.pending_events(10).unwrap();
    assert_eq!(events.len(), 1);
    assert!(!events[0].payload.get().contains(&token));
    let like = format!("%{token}%");
    let leftover: Option<i64> = raw
        .exec_first(
            "SELECT (SELECT COUNT(*) FROM orders WHERE doc LIKE ? OR doc_format <> 2) \
             + (SELECT COUNT(*) FROM outbox WHERE payload LIKE ?)",
            (&like, &like),
        )
        .unwrap();
    assert_eq!(leftover, Some(0));
}

/// A document still in the first format is upgraded as it is read: the token never reaches a
/// reader, and a document newer than the build is reported as corrupt.
#[test]
fn a_document_of_the_first_format_is_upgraded_when_read() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(cart("alice", &[("sku-1", "Teapot", 1, "19.99")]));
    let req = request("alice");
    let order = fx
        .engine(&carts)
        .place_order(&customer("alice"), &req, &key("k-1"))
        .unwrap()
        .order;
    let token = req.payment_method.token().unwrap().to_owned();
    let mut legacy = serde_json::to_value(&order).unwrap();
    legacy["paymentMethod"] = serde_json::to_value(&req.payment_method).unwrap();
    let mut raw = fx.raw();
    raw.exec_drop(
        "UPDATE orders SET doc = ?, doc_format = 1 WHERE id = ?",
        (legacy.to_string(), order.id.to_string()),
    )
    .unwrap();
    let document = fx.store.order_document(&order.id).unwrap().unwrap();
    assert!(!document.json().contains(&token), "{}", document.json());
    assert_eq!(fx.store.order(&order.id).unwrap(), Some(order.clone()));
    raw.query_drop("UPDATE orders SET doc_format = 99").unwrap();
    let err = fx.store.order_document(&order.id).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Corrupt, "{err}");
}

#[test]
fn money_and_status_columns_agree_with_the_document() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(cart(
        "alice",
        &[("sku-1", "Teapot", 3, "19.99"), ("sku-2", "Cup", 1, "0.05")],
    ));
    let engine = fx.engine(&carts);
    let order = engine
        .place_order(&customer("alice"), &request("alice"), &key("k-1"))
        .unwrap()
        .order;
    let order = engine
        .update_status(
            &Caller::admin("ops"),
            &order.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();
    let row: (i64, i64, i64, i64, i64, String, u32, i64, i64, i64) = fx
        .raw()
        .exec_first(
            "SELECT subtotal, shipping, tax, discount, total, status, version, created_at, \
             updated_at, JSON_VALID(doc) FROM orders WHERE id = ?",
            (order.id.to_string(),),
        )
        .unwrap()
        .unwrap();
    let t = &order.totals;
    assert_eq!(
        row,
        (
            t.subtotal.minor(),
            t.shipping.minor(),
            t.tax.minor(),
            t.discount.minor(),
            t.total.minor(),
            "processing".to_owned(),
            2,
            order.created_at.unix_millis(),
            order.updated_at.unix_millis(),
            1
        )
    );
    assert_eq!(t.subtotal.minor(), 3 * 1999 + 5);
}

/// A commit whose acknowledgement was lost is retried by the engine; the retry must report
/// success and write nothing a second time.
#[test]
fn a_retry_after_a_lost_commit_is_exactly_once() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(cart("alice", &[("sku-1", "Teapot", 2, "19.99")]));
    let engine = fx.engine(&carts);
    let placed = engine
        .place_order(&customer("alice"), &request("alice"), &key("k-1"))
        .unwrap()
        .order;
    let store: &dyn Store = fx.store.as_ref();
    let record = store
        .idempotency_record(&user("alice"), &key("k-1"))
        .unwrap()
        .unwrap();
    let placed_event = store.pending_events(10).unwrap().remove(0);
    let again = NewOrder {
        document: OrderDocument::encode(&placed).unwrap(),
        payment_token: None,
        order: placed.clone(),
        idempotency_key: key("k-1"),
        fingerprint: record.fingerprint.clone(),
        event: placed_event,
        rollup: RollupDelta::placed(&placed),
        index: index_entries(&placed),
        device_op: None,
        feed: None,
    };
    let before = (
        store.status_counts(DayRange::ALL).unwrap(),
        store.sales(0, i64::MAX).unwrap(),
    );
    assert_eq!(store.insert_order(&again).unwrap(), InsertOutcome::Created);
    // The same key for a different order is what `KeyTaken` is for.
    let mut other = again.clone();
    other.order.id = orderly_core::OrderId::from_uuid(uuid::Uuid::now_v7());
    assert_eq!(
        store.insert_order(&other).unwrap(),
        InsertOutcome::KeyTaken(record)
    );
    let after = (
        store.status_counts(DayRange::ALL).unwrap(),
        store.sales(0, i64::MAX).unwrap(),
    );
    assert_eq!(before, after);
    let mut raw = fx.raw();
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM orders"), 1);
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM outbox"), 1);
    let entries = i64::try_from(again.index.len()).unwrap();
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM order_index"), entries);

    let moved = engine
        .update_status(
            &Caller::admin("ops"),
            &placed.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();
    let change_event = store
        .pending_events(10)
        .unwrap()
        .into_iter()
        .find(|e| e.sequence == 2)
        .unwrap();
    let replayed = OrderChange {
        order_id: moved.id,
        user_id: moved.user_id.clone(),
        from_version: 1,
        milestone: moved.history.last().unwrap().clone(),
        event: change_event.clone(),
        rollup: RollupDelta::moved(&moved, OrderStatus::Placed, OrderStatus::Processing),
        index: Some(index_entries(&moved)),
        feed: None,
        device_op: None,
        document: OrderDocument::encode(&moved).unwrap(),
        order: moved.clone(),
    };
    let before = store.status_counts(DayRange::ALL).unwrap();
    assert_eq!(
        store.apply_change(&replayed).unwrap(),
        ChangeOutcome::Applied
    );
    assert_eq!(store.status_counts(DayRange::ALL).unwrap(), before);
    assert_eq!(store.order(&moved.id).unwrap(), Some(moved));
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM outbox"), 2);
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM order_index"), entries);

    // A change from the same version with an event of its own is genuinely stale.
    let mut stale = replayed;
    stale.event.event_id = orderly_core::EventId::from_uuid(uuid::Uuid::now_v7());
    assert_eq!(store.apply_change(&stale).unwrap(), ChangeOutcome::Stale);
}

/// MySQL's `_bin` collations ignore trailing spaces; keys and product ids must not.
#[test]
fn keys_and_product_ids_are_compared_byte_for_byte() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(cart(
        "alice",
        &[
            ("p", "Plain", 1, "1.00"),
            ("p ", "Spaced", 2, "1.00"),
            ("P", "Upper", 3, "1.00"),
        ],
    ));
    let engine = fx.engine(&carts);
    let alice = customer("alice");
    let mut ids = Vec::new();
    for k in ["k", "k ", "K", "k  "] {
        let placed = engine
            .place_order(&alice, &request("alice"), &key(k))
            .unwrap();
        assert!(placed.created, "{k:?} must be a key of its own");
        ids.push(placed.order.id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
    let top = fx
        .store
        .top_products(Currency::USD, TopBy::Quantity, 10, DayRange::ALL)
        .unwrap();
    let got: Vec<(&str, u64)> = top
        .iter()
        .map(|p| (p.product_id.as_str(), p.quantity))
        .collect();
    assert_eq!(got, [("P", 12), ("p ", 8), ("p", 4)]);
}

/// Connections the server dropped while they sat in the pool are replaced transparently,
/// whether they are found dead by a statement (used a moment ago) or by the ping that
/// connections idle for over a second get.
#[test]
fn connections_killed_while_idle_are_replaced() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    for i in 0..8 {
        carts.set(cart(
            &format!("user-{i}"),
            &[("sku-1", "Teapot", 1, "5.00")],
        ));
    }
    let engine = fx.engine(&carts);
    // Grow the pool to several connections.
    std::thread::scope(|s| {
        for i in 0..8 {
            let engine = &engine;
            s.spawn(move || {
                let owner = format!("user-{i}");
                engine
                    .place_order(&customer(&owner), &request(&owner), &key("warm-up"))
                    .unwrap();
            });
        }
    });
    let mut admin = fx.raw();
    for (round, pause) in [Duration::ZERO, Duration::from_millis(1200)]
        .into_iter()
        .enumerate()
    {
        let killed = kill_store_connections(&mut admin, fx.db.name());
        assert!(killed > 0);
        std::thread::sleep(pause);
        let placed = engine
            .place_order(
                &customer("user-0"),
                &request("user-0"),
                &key(&format!("after-kill-{round}")),
            )
            .unwrap();
        assert!(placed.created);
    }
    assert_eq!(count(&mut admin, "SELECT COUNT(*) FROM orders"), 10);
}

/// Kills every connection to `db` but the caller's own; returns how many.
fn kill_store_connections(admin: &mut mysql::Conn, db: &str) -> usize {
    let ids: Vec<u64> = admin
        .exec(
            "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
            (db,),
        )
        .unwrap();
    for id in &ids {
        let _ = admin.query_drop(format!("KILL CONNECTION {id}"));
    }
    ids.len()
}

/// Delivery marks go in padded batches of up to 128 ids; duplicates and unknown ids count zero.
#[test]
fn marking_many_events_delivered_counts_each_pending_event_once() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(cart("alice", &[("sku-1", "Teapot", 1, "5.00")]));
    let engine = fx.engine(&carts);
    for n in 0..140 {
        engine
            .place_order(
                &customer("alice"),
                &request("alice"),
                &key(&format!("k-{n}")),
            )
            .unwrap();
    }
    let store: &dyn Store = fx.store.as_ref();
    let pending = store.pending_events(1000).unwrap();
    assert_eq!(pending.len(), 140);
    let mut ids: Vec<orderly_core::EventId> = pending.iter().map(|e| e.event_id).collect();
    ids.extend(pending.iter().take(20).map(|e| e.event_id));
    ids.extend((0..50).map(|_| orderly_core::EventId::from_uuid(uuid::Uuid::now_v7())));
    let at = orderly_core::Timestamp::from_unix_millis(1_800_000_000_000);
    assert_eq!(store.mark_delivered(&ids[..1], at).unwrap(), 1);
    assert_eq!(store.mark_delivered(&ids, at).unwrap(), 139);
    assert_eq!(store.mark_delivered(&ids, at).unwrap(), 0);
    assert_eq!(store.mark_delivered(&[], at).unwrap(), 0);
    assert!(store.pending_events(1000).unwrap().is_empty());
}
