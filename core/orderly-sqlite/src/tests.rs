//! Store-level tests of what only this backend has: files, migrations, locks and the schema.
//! The behaviour every backend shares is tested by the conformance suite in `orderly-tests`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::time::{Duration, Instant};

use orderly_core::analytics::{DayRange, RollupDelta};
use orderly_core::store::prelude::*;
use orderly_core::store::{InsertOutcome, NewOrder};
use orderly_core::{
    Address, Currency, EventId, EventType, IdGenerator, IdempotencyKey, Milestone, Money, Order,
    OrderDocument, OrderId, OrderStatus, OutboxEvent, PaymentMethod, ShippingMethod, Store,
    StoreErrorKind, Timestamp, TopBy, Totals, UserId, UuidV7Generator,
};
use rusqlite::Connection;

use crate::{SCHEMA_VERSION, SqliteOptions, SqliteStore, Synchronous};

fn new_order(user: &str, key: &str) -> NewOrder {
    let usd = Currency::USD;
    let at = Timestamp::from_unix_millis(1_790_000_000_000);
    let money = |m| Money::from_minor(m, usd);
    let order = Order {
        id: OrderId::from_uuid(UuidV7Generator.new_uuid()),
        user_id: UserId::new(user).unwrap(),
        status: OrderStatus::Placed,
        currency: usd,
        items: Vec::new(),
        totals: Totals {
            subtotal: money(1000),
            shipping: money(499),
            tax: money(0),
            discount: money(0),
            total: money(1499),
        },
        delivery_address: Address {
            name: "Ada".into(),
            line1: "1 Main St".into(),
            line2: None,
            city: "Springfield".into(),
            region: None,
            postal_code: "12345".into(),
            country: "US".into(),
        },
        payment_method: card().summary(),
        shipping_method: ShippingMethod::Standard,
        discount_code: None,
        checkout_id: None,
        metadata: Default::default(),
        created_at: at,
        updated_at: at,
        version: 1,
        history: vec![Milestone {
            status: OrderStatus::Placed,
            at,
            actor: format!("customer:{user}"),
            note: None,
            reason: None,
        }],
        shipments: Vec::new(),
        offline: None,
    };
    let document = OrderDocument::encode(&order).unwrap();
    NewOrder {
        index: orderly_core::search::index_entries(&order),
        event: OutboxEvent {
            event_id: EventId::from_uuid(UuidV7Generator.new_uuid()),
            event_type: EventType::OrderPlaced,
            order_id: order.id,
            user_id: order.user_id.clone(),
            sequence: 1,
            at,
            payload: document.event_payload().unwrap(),
        },
        rollup: RollupDelta::placed(&order),
        device_op: None,
        feed: None,
        document,
        payment_token: card().token().map(str::to_owned),
        idempotency_key: IdempotencyKey::new(key).unwrap(),
        fingerprint: "fp".into(),
        order,
    }
}

fn card() -> PaymentMethod {
    PaymentMethod::Card {
        token: "tok_secret_4242".into(),
        brand: "visa".into(),
        last4: "4242".into(),
        exp_month: 12,
        exp_year: 2099,
    }
}

/// A database as a build with only the first `version` migrations left it, holding `order`
/// as such a build stored it: its document `doc` (and its `order.placed` event) in the columns
/// of that time.
fn legacy_database(path: &Path, version: usize, order: &Order, doc: &serde_json::Value) {
    let mut raw = Connection::open(path).unwrap();
    let tx = raw.transaction().unwrap();
    for sql in &crate::migrate::MIGRATIONS[..version] {
        tx.execute_batch(sql).unwrap();
    }
    tx.pragma_update(None, "user_version", version as i64)
        .unwrap();
    let t = &order.totals;
    tx.execute(
        "INSERT INTO orders (id, user_id, status, currency, subtotal, shipping, tax, discount, \
         total, created_at, updated_at, version, checkout_id, doc) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13)",
        rusqlite::params![
            order.id.to_string(),
            order.user_id.as_str(),
            order.status.as_str(),
            order.currency.code(),
            t.subtotal.minor(),
            t.shipping.minor(),
            t.tax.minor(),
            t.discount.minor(),
            t.total.minor(),
            order.created_at.unix_millis(),
            order.updated_at.unix_millis(),
            order.version,
            doc.to_string(),
        ],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO outbox (event_id, order_id, user_id, sequence, type, at, payload) \
         VALUES (?1, ?2, ?3, 1, 'order.placed', ?4, ?5)",
        rusqlite::params![
            EventId::from_uuid(UuidV7Generator.new_uuid()).to_string(),
            order.id.to_string(),
            order.user_id.as_str(),
            order.created_at.unix_millis(),
            serde_json::json!({ "order": doc }).to_string(),
        ],
    )
    .unwrap();
    tx.commit().unwrap();
}

/// The document an order had before tokens were kept apart: its payment method in full.
fn with_token(order: &Order, method: &PaymentMethod) -> serde_json::Value {
    let mut doc = serde_json::to_value(order).unwrap();
    doc["paymentMethod"] = serde_json::to_value(method).unwrap();
    doc
}

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, SqliteOptions::default()).unwrap()
}

/// A write that touches no data but still takes the write lock.
fn write_probe(store: &SqliteStore) -> Result<u64, orderly_core::StoreError> {
    let id = EventId::from_uuid(UuidV7Generator.new_uuid());
    store.mark_delivered(&[id], Timestamp::from_unix_millis(0))
}

#[test]
fn reopening_keeps_data_and_does_not_migrate_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.db");
    let new = new_order("ada", "k1");
    {
        let store = open(&path);
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.insert_order(&new).unwrap(), InsertOutcome::Created);
    }
    for _ in 0..2 {
        let store = open(&path);
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.order(&new.order.id).unwrap(), Some(new.order.clone()));
    }
    let raw = Connection::open(&path).unwrap();
    let tables: i64 = raw
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'orders'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
}

/// A database written by an older build (schema version 3) keeps its data through every later
/// migration: milestones get their null `note` (so documents can be sent to API clients as
/// stored), and the outbox, rollups and checkouts move to the columns every backend shares.
#[test]
fn upgrading_from_version_3_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.db");
    let mut new = new_order("ada", "k1");
    new.order.history.push(Milestone {
        status: OrderStatus::Processing,
        at: new.order.created_at,
        actor: "admin:ops".into(),
        note: Some("kept \"as is\" ✓".into()),
        reason: None,
    });
    let mut legacy = with_token(&new.order, &card());
    legacy["history"][0].as_object_mut().unwrap().remove("note");
    let order_id = new.order.id.to_string();
    let event_id = new.event.event_id.to_string();
    {
        let mut raw = Connection::open(&path).unwrap();
        crate::migrate::migrate_to(&mut raw, 3).unwrap();
        raw.execute(
            "INSERT INTO orders VALUES (?1, 'ada', 'placed', 'USD', 1000, 499, 0, 0, 1499, \
             1790000000000, 1790000000000, 1, NULL, ?2)",
            [&order_id, &legacy.to_string()],
        )
        .unwrap();
        raw.execute(
            "INSERT INTO outbox (event_id, order_id, user_id, sequence, type, at, payload) \
             VALUES (?1, ?2, 'ada', 1, 'order.placed', 1790000000000, '{}')",
            [&event_id, &order_id],
        )
        .unwrap();
        raw.execute_batch(
            "INSERT INTO sales_hourly VALUES (497222, 'USD', 1499, 1);
             INSERT INTO status_counts VALUES ('placed', 1);
             INSERT INTO product_sales VALUES ('sku-1', 'USD', 'Teapot', 2, 1000);
             INSERT INTO checkouts VALUES ('c1', 'ada', 1790000900000,
                 '{\"created_at\":\"2026-09-21T14:13:20.500Z\"}');",
        )
        .unwrap();
        // A confirmation sent at 1790000005000, marked the old way: a 100-year lease.
        raw.execute(
            "INSERT INTO leases VALUES (?1, 'notify-1', 1790000005000 + 3153600000000)",
            [format!("notify:order-confirmation:{order_id}")],
        )
        .unwrap();
        raw.execute(
            "INSERT INTO leases VALUES ('relay', 'relay-1', 1790000060000)",
            [],
        )
        .unwrap();
    }
    let store = open(&path);
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);

    let document = store.order_document(&new.order.id).unwrap().unwrap();
    let stored: serde_json::Value = serde_json::from_str(document.json()).unwrap();
    assert_eq!(stored, serde_json::to_value(&new.order).unwrap());
    assert_eq!(stored["history"][0]["note"], serde_json::Value::Null);
    assert_eq!(stored["history"][1]["note"], "kept \"as is\" ✓");
    assert_eq!(store.order(&new.order.id).unwrap(), Some(new.order));

    let pending = store.pending_events(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].event_id, new.event.event_id);
    assert_eq!(pending[0].event_type, EventType::OrderPlaced);
    let sales = store.sales(497_222, 497_223).unwrap();
    assert_eq!((sales[0].total_minor, sales[0].orders), (1499, 1));
    let placed = store.status_counts(DayRange::ALL).unwrap();
    assert!(
        placed
            .iter()
            .any(|c| c.status == OrderStatus::Placed && c.orders == 1)
    );
    let top = store
        .top_products(
            Currency::USD,
            orderly_core::TopBy::Quantity,
            5,
            DayRange::ALL,
        )
        .unwrap();
    assert_eq!((top[0].product_id.as_str(), top[0].quantity), ("sku-1", 2));
    let sent = store
        .sent_confirmation(&new.event.order_id)
        .unwrap()
        .unwrap();
    assert_eq!(sent.event_id, new.event.event_id);
    assert_eq!(sent.sent_at, Timestamp::from_unix_millis(1_790_000_005_000));
    let leases: Vec<String> = store
        .writer()
        .prepare("SELECT name FROM leases")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(leases, ["relay"]);
    let created: i64 = store
        .writer()
        .query_row(
            "SELECT created_at FROM checkouts WHERE id = 'c1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(created, 1_790_000_000_500);
}

/// Documents written with the payment token inside give it to the token column and lose it,
/// and so do the events that carried them.
#[test]
fn upgrading_moves_payment_tokens_out_of_documents_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let paypal = PaymentMethod::Paypal {
        token: "pp_secret_1".into(),
    };
    let mut paid_by_paypal = new_order("bo", "k2").order;
    paid_by_paypal.payment_method = paypal.summary();
    let paid_by_card = new_order("ada", "k1").order;
    for (order, method) in [(&paid_by_paypal, paypal), (&paid_by_card, card())] {
        let path = dir.path().join(format!("{}.db", order.user_id));
        legacy_database(&path, 4, order, &with_token(order, &method));
        let store = open(&path);
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(
            store.payment_token(&order.id).unwrap().as_deref(),
            method.token()
        );
        let document = store.order_document(&order.id).unwrap().unwrap();
        assert!(!document.json().contains("secret"), "{}", document.json());
        assert_eq!(store.order(&order.id).unwrap().as_ref(), Some(order));
        let events = store.pending_events(10).unwrap();
        assert_eq!(events.len(), 1);
        assert!(!events[0].payload.get().contains("secret"));
        let raw = Connection::open(&path).unwrap();
        let leftover: i64 = raw
            .query_row(
                "SELECT (SELECT count(*) FROM orders WHERE doc LIKE '%secret%' OR doc_format <> 2) \
                 + (SELECT count(*) FROM outbox WHERE payload LIKE '%secret%')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(leftover, 0);
    }
}

/// A document still in the first format (a row written by an older build after the columns
/// existed, say) is upgraded as it is read: the token never reaches a reader.
#[test]
fn a_document_of_the_first_format_is_upgraded_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.db");
    let new = new_order("ada", "k1");
    {
        let store = open(&path);
        assert_eq!(store.insert_order(&new).unwrap(), InsertOutcome::Created);
    }
    let raw = Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE orders SET doc = ?1, doc_format = 1",
        [with_token(&new.order, &card()).to_string()],
    )
    .unwrap();
    let store = open(&path);
    let document = store.order_document(&new.order.id).unwrap().unwrap();
    assert!(!document.json().contains("secret"));
    let json = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
    assert_eq!(json(document.json()), json(new.document.json()));
    assert_eq!(document.decode("sqlite").unwrap(), new.order);
    raw.execute("UPDATE orders SET doc_format = 99", [])
        .unwrap();
    let newer = store.order_document(&new.order.id).unwrap_err();
    assert_eq!(newer.kind, StoreErrorKind::Corrupt, "{newer}");
}

/// The token is written beside the document, never inside it or the event.
#[test]
fn the_payment_token_is_kept_in_its_own_column() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("orders.db"));
    let new = new_order("ada", "k1");
    assert_eq!(store.insert_order(&new).unwrap(), InsertOutcome::Created);
    assert_eq!(
        store.payment_token(&new.order.id).unwrap().as_deref(),
        Some("tok_secret_4242")
    );
    let unknown = OrderId::from_uuid(UuidV7Generator.new_uuid());
    assert_eq!(store.payment_token(&unknown).unwrap(), None);
    let document = store.order_document(&new.order.id).unwrap().unwrap();
    assert!(!document.json().contains("secret"));
    assert!(
        !store.pending_events(1).unwrap()[0]
            .payload
            .get()
            .contains("secret")
    );
}

#[test]
fn a_database_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    drop(open(&path));
    let raw = Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(raw);

    let err = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Migration);
    assert!(err.message.contains("newer"), "{err}");
}

#[test]
fn a_failed_migration_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clash.db");
    // A table in the way makes migration 1 fail half-way through its script.
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch("CREATE TABLE checkouts (x INTEGER)")
        .unwrap();
    drop(raw);

    let err = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Migration);
    let raw = Connection::open(&path).unwrap();
    let version: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let orders: i64 = raw
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'orders'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!((version, orders), (0, 0));
}

#[test]
fn the_default_syncs_every_commit_and_the_fast_setting_says_its_risk() {
    let dir = tempfile::tempdir().unwrap();
    let synchronous = |options: SqliteOptions, name: &str| -> i64 {
        let store = SqliteStore::open(dir.path().join(name), options).unwrap();
        let level = store
            .writer()
            .query_row("PRAGMA synchronous", [], |r| r.get(0));
        level.unwrap()
    };
    // SQLite's levels: 1 = NORMAL, 2 = FULL.
    assert_eq!(synchronous(SqliteOptions::default(), "default.db"), 2);
    let fast = SqliteOptions {
        synchronous: Synchronous::MayLoseLastTransactions,
        ..SqliteOptions::default()
    };
    assert_eq!(synchronous(fast.clone(), "fast.db"), 1);
    // The risk is reported where operators look (startup log, /ready).
    let durable = SqliteStore::open(dir.path().join("durable.db"), SqliteOptions::default());
    assert!(durable.unwrap().durability_warnings().unwrap().is_empty());
    let risky = SqliteStore::open(dir.path().join("risky.db"), fast).unwrap();
    let warnings = risky.durability_warnings().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("may lose the last transactions on power loss"));
}

#[test]
fn files_use_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let options = SqliteOptions {
        synchronous: Synchronous::Full,
        readers: 2,
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open(&path, options).unwrap();
    assert_eq!(store.path(), Some(path.as_path()));
    let raw = Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");

    // An outbox row for an order that does not exist breaks the foreign key.
    let mut orphan = new_order("ada", "k1");
    orphan.idempotency_key = IdempotencyKey::new("k2").unwrap();
    let conn = store.writer();
    let err = crate::outbox::insert(&conn, &orphan.event, "{}").unwrap_err();
    assert_eq!(err.into_store_error().kind, StoreErrorKind::Constraint);
}

#[test]
fn a_corrupt_document_is_reported_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.db");
    let store = open(&path);
    let new = new_order("ada", "k1");
    store.insert_order(&new).unwrap();
    let raw = Connection::open(&path).unwrap();
    raw.execute("UPDATE orders SET doc = '{\"not\": \"an order\"}'", [])
        .unwrap();
    let err = store.order(&new.order.id).unwrap_err();
    assert_eq!((err.kind, err.backend), (StoreErrorKind::Corrupt, "sqlite"));
}

#[test]
fn a_briefly_held_lock_is_waited_out_by_the_engines_retry_policy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    let store = open(&path);
    let holder = Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    // Held for longer than one busy timeout (50 ms): the store reports contention and does
    // not retry; the engine's policy tries again and gets through once the lock is gone.
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(120));
        holder.execute_batch("COMMIT").unwrap();
    });
    let mut attempts = 0;
    let probed = orderly_core::service::DEFAULT_STORE_RETRY.run(
        orderly_core::StoreError::is_transient,
        |_| {
            attempts += 1;
            write_probe(&store)
        },
    );
    assert_eq!(probed.unwrap(), 0);
    assert!(attempts > 1, "{attempts}");
    release.join().unwrap();
}

#[test]
fn a_lock_held_too_long_is_contention_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    let store = open(&path);
    let holder = Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();

    let started = Instant::now();
    let err = store.insert_order(&new_order("ada", "k1")).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Contention);
    assert!(err.is_transient());
    assert!(started.elapsed() < Duration::from_secs(1));

    // Readers are not blocked by the writer's lock, and nothing was half-written.
    assert!(
        store
            .status_counts(DayRange::ALL)
            .unwrap()
            .iter()
            .all(|c| c.orders == 0)
    );
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(
        store.insert_order(&new_order("ada", "k1")).unwrap(),
        InsertOutcome::Created
    );
}

#[test]
fn in_memory_stores_are_private_and_complete() {
    let a = SqliteStore::open_in_memory().unwrap();
    let b = SqliteStore::open_in_memory().unwrap();
    assert_eq!(a.path(), None);
    assert_eq!(a.schema_version().unwrap(), SCHEMA_VERSION);
    let new = new_order("ada", "k1");
    a.insert_order(&new).unwrap();
    assert!(a.order(&new.order.id).unwrap().is_some());
    assert!(b.order(&new.order.id).unwrap().is_none());
    a.ping().unwrap();
    assert_eq!(a.backend(), "sqlite");
}

#[test]
fn history_pages_seek_through_the_index() {
    let store = SqliteStore::open_in_memory().unwrap();
    let conn = store.writer();
    let plan = |sql: &str| -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect::<Vec<_>>();
        rows.join("; ")
    };
    let all = plan(
        "SELECT doc FROM orders WHERE user_id = 'a' AND created_at <= 5 \
         AND (created_at < 5 OR id < 'x') ORDER BY created_at DESC, id DESC LIMIT 3",
    );
    assert!(all.contains("orders_history"), "{all}");
    assert!(all.contains("created_at<"), "{all}");
    assert!(!all.contains("TEMP B-TREE"), "{all}");
    let by_status = plan(
        "SELECT doc FROM orders WHERE user_id = 'a' AND status = 'placed' AND created_at <= 5 \
         AND (created_at < 5 OR id < 'x') ORDER BY created_at DESC, id DESC LIMIT 3",
    );
    assert!(
        by_status.contains("orders_history_by_status"),
        "{by_status}"
    );
    assert!(!by_status.contains("TEMP B-TREE"), "{by_status}");
    let pending = plan(
        "SELECT event_id FROM outbox WHERE delivered_at IS NULL \
         ORDER BY occurred_at, sequence, event_id LIMIT 10",
    );
    assert!(pending.contains("outbox_pending"), "{pending}");
}

/// Every foreign key's child columns lead some index: without one, writing a parent row while
/// a deferred check is pending makes SQLite scan the whole child table, and placing an order
/// slows down with every order already stored.
#[test]
fn every_foreign_key_child_column_is_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fk.db");
    drop(SqliteStore::open(&path, SqliteOptions::default()).unwrap());
    let conn = Connection::open(&path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut checked = 0;
    for table in &tables {
        let children: Vec<String> = conn
            .prepare(&format!(
                "SELECT \"from\" FROM pragma_foreign_key_list('{table}')"
            ))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for column in children {
            let leading: i64 = conn
                .query_row(
                    "SELECT count(*) FROM pragma_index_list(?1) AS l \
                     JOIN pragma_index_info(l.name) AS i ON i.seqno = 0 WHERE i.name = ?2",
                    [table, &column],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(
                leading > 0,
                "{table}.{column} references another table but leads no index"
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "the schema's foreign keys were not found");
}

/// Migration 8 on a database that holds orders: the status check takes `partially_shipped`
/// (and still refuses unknown words), stored orders are found by search, and cancellations
/// recorded before reasons count as `other`.
#[test]
fn migrating_to_shipments_widens_statuses_and_indexes_stored_orders() {
    use orderly_core::CancelReason;
    use orderly_core::search::OrderSearch;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.db");
    let new = new_order("ada", "k1");
    {
        let mut raw = Connection::open(&path).unwrap();
        crate::migrate::migrate_to(&mut raw, 7).unwrap();
        insert_raw(&raw, &new, "cancelled");
        assert!(
            raw.execute("UPDATE orders SET status = 'partially_shipped'", [])
                .is_err()
        );
    }
    let store = open(&path);
    let raw = Connection::open(&path).unwrap();
    raw.execute("UPDATE orders SET status = 'partially_shipped'", [])
        .unwrap();
    assert!(
        raw.execute("UPDATE orders SET status = 'lost'", [])
            .is_err()
    );
    raw.execute("UPDATE orders SET status = 'cancelled'", [])
        .unwrap();
    let integrity: String = raw
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let by_user = OrderSearch {
        text: Some("ada".into()),
        ..OrderSearch::default()
    };
    assert_eq!(store.search_orders(&by_user).unwrap().len(), 1);
    let other = store
        .cancellation_counts(DayRange::ALL)
        .unwrap()
        .into_iter()
        .find(|c| c.reason == CancelReason::Other)
        .unwrap();
    assert_eq!(other.orders, 1);
}

/// Writes an order the way a build of an older schema stored it, bypassing the store.
fn insert_raw(raw: &Connection, new: &NewOrder, status: &str) {
    let (o, t) = (&new.order, &new.order.totals);
    raw.execute(
        "INSERT INTO orders (id, user_id, status, currency, subtotal, shipping, tax, \
         discount, total, created_at, updated_at, version, doc, doc_format) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 2)",
        rusqlite::params![
            o.id.to_string(),
            o.user_id.as_str(),
            status,
            o.currency.code(),
            t.subtotal.minor(),
            t.shipping.minor(),
            t.tax.minor(),
            t.discount.minor(),
            t.total.minor(),
            o.created_at.unix_millis(),
            o.updated_at.unix_millis(),
            o.version,
            new.document.json(),
        ],
    )
    .unwrap();
}

/// Migration 9 fills the daily rollups from the orders already stored: a range around their
/// day counts them as the all-time figures do, and a range of another day counts nothing.
#[test]
fn migrating_to_daily_rollups_counts_stored_orders_by_day() {
    use orderly_core::CancelReason;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.db");
    let mut kept = new_order("ada", "k1");
    let usd = |minor| Money::from_minor(minor, Currency::USD);
    kept.order.items.push(orderly_core::OrderLine {
        product_id: orderly_core::ProductId::new("sku-1").unwrap(),
        name: "Mug".into(),
        quantity: 2,
        unit_price: usd(500),
        line_total: usd(1000),
        discount: usd(0),
    });
    kept.document = OrderDocument::encode(&kept.order).unwrap();
    let mut cancelled = new_order("bob", "k2");
    cancelled.order.status = OrderStatus::Cancelled;
    cancelled.document = OrderDocument::encode(&cancelled.order).unwrap();
    {
        let mut raw = Connection::open(&path).unwrap();
        crate::migrate::migrate_to(&mut raw, 8).unwrap();
        insert_raw(&raw, &kept, "placed");
        insert_raw(&raw, &cancelled, "cancelled");
    }
    let store = open(&path);
    let at = kept.order.created_at;
    let that_day = DayRange::between(Some(at), Some(at)).unwrap();
    let next_day = DayRange::between(
        Some(at.plus_millis(orderly_core::clock::DAY_MS)),
        Some(at.plus_millis(orderly_core::clock::DAY_MS)),
    )
    .unwrap();
    let count = |days, status| {
        store
            .status_counts(days)
            .unwrap()
            .into_iter()
            .find(|c| c.status == status)
            .unwrap()
            .orders
    };
    assert_eq!(count(that_day, OrderStatus::Placed), 1);
    assert_eq!(count(that_day, OrderStatus::Cancelled), 1);
    assert_eq!(count(next_day, OrderStatus::Placed), 0);
    let currency = kept.order.currency;
    let top = |days| {
        store
            .top_products(currency, TopBy::Quantity, 10, days)
            .unwrap()
    };
    let sold: Vec<(String, u64)> = top(that_day)
        .into_iter()
        .map(|p| (p.name, p.quantity))
        .collect();
    // Sold before the all-time rollup knew the product (written around the store): its id
    // stands in for its name.
    assert_eq!(sold, vec![("sku-1".to_owned(), 2)]);
    assert!(top(next_day).is_empty());
    let cancellations = store.cancellation_counts(that_day).unwrap();
    let other = cancellations
        .iter()
        .find(|c| c.reason == CancelReason::Other)
        .unwrap();
    assert_eq!(other.orders, 1);
}

/// Every kind of staff search reads indexes, never a whole table, on a database with enough
/// orders for the planner's statistics to mean something (the store gathers them at open).
#[test]
fn staff_searches_read_indexes_only() {
    use orderly_core::search::OrderSearch;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.db");
    {
        let store = open(&path);
        for i in 0..400 {
            let mut new = new_order(&format!("user{}", i % 50), &format!("k{i}"));
            let at = Timestamp::from_unix_millis(1_790_000_000_000 + i64::from(i) * 60_000);
            new.order.created_at = at;
            new.order.updated_at = at;
            new.document = OrderDocument::encode(&new.order).unwrap();
            assert_eq!(store.insert_order(&new).unwrap(), InsertOutcome::Created);
        }
    }
    let store = open(&path);
    let searches: &[&[(&str, &str)]] = &[
        &[],
        &[("status", "placed")],
        &[("status", "placed,cancelled,shipped")],
        &[
            ("createdFrom", "2026-09-21T00:00:00Z"),
            ("createdTo", "2026-09-22T00:00:00Z"),
        ],
        &[("currency", "USD"), ("sort", "total")],
        &[("userId", "user7")],
        &[("productId", "sku-1")],
        &[
            ("productId", "sku-1"),
            ("sort", "total"),
            ("direction", "asc"),
        ],
        &[("trackingNumber", "AB12")],
        &[("metadataKey", "channel"), ("metadataValue", "web")],
        &[("q", "user7")],
        &[("q", "0190f3c2-aaaa")],
        &[("status", "placed"), ("q", "user7"), ("productId", "sku-1")],
        &[("sort", "total"), ("totalMin", "1.00"), ("currency", "USD")],
    ];
    for pairs in searches {
        let search = OrderSearch::from_params(pairs.iter().copied()).unwrap();
        let plan = store.explain_search(&search).unwrap();
        let scans: Vec<_> = plan
            .iter()
            .filter(|l| {
                l.starts_with("SCAN ") && !l.contains(" USING ") && !l.contains("(subquery")
            })
            .collect();
        assert!(scans.is_empty(), "{pairs:?} reads a whole table: {plan:#?}");
        store.search_orders(&search).unwrap();
    }
}
