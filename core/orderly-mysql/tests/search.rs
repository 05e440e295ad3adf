//! Staff search, notes, shipping emails and cancellation counts on a real server, through the
//! engine: every search's pages, walked by cursor, are what filtering and sorting all orders
//! by hand gives. (The conformance suite checks the same contract on every backend.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use mysql::prelude::Queryable;
use orderly_core::DayRange;
use orderly_core::search::{IndexEntry, IndexKind, OrderSearch, SortKey, index_entries};
use orderly_core::store::SentShippingNotice;
use orderly_core::store::prelude::*;
use orderly_core::timeline::StaffNote;
use orderly_core::{
    Caller, CancelReason, Cancellation, Currency, EventId, InMemoryCarts, NoteId, Order, OrderId,
    OrderService, OrderStatus, ShipmentId, ShipmentRequest, StatusUpdate, Timestamp, TopBy,
};
use orderly_mysql::MysqlStore;

use common::*;

fn admin() -> Caller {
    Caller::admin("ops")
}

/// Orders of three users with products, names, metadata, shipments and cancellations mixed.
fn place_orders(engine: &OrderService, carts: &InMemoryCarts) -> Vec<OrderId> {
    let users = ["alice", "bob", "carol@example.com"];
    let names = ["Ada Lovelace", "Grace  Hopper", "Ada Byron"];
    let products = [
        ("sku-1", "Teapot", "19.99"),
        ("sku-2", "Cup", "4.50"),
        ("sku-1 ", "Teapot, trailing space", "7.00"),
    ];
    let mut ids = Vec::new();
    for i in 0..14usize {
        let user = users[i % 3];
        let (product, name, price) = products[i % 3];
        let mut lines = vec![(product, name, 1 + (i as i64 % 4), price)];
        if i % 4 == 0 {
            lines.push(("sku-9", "Saucer", 1, "2.25"));
        }
        carts.set(cart(user, &lines));
        let mut req = request(user);
        req.delivery_address.name = names[i % 3].to_owned();
        let mut metadata = serde_json::Map::new();
        metadata.insert(
            "channel".to_owned(),
            serde_json::json!(if i % 2 == 0 { "web" } else { "app" }),
        );
        metadata.insert("priority".to_owned(), serde_json::json!(i % 3));
        req.metadata = Some(metadata);
        let caller = customer(user);
        let order = engine
            .place_order(&caller, &req, &key(&format!("k-{i}")))
            .unwrap()
            .order;
        match i % 5 {
            1 => {
                engine
                    .cancel_with(
                        &admin(),
                        &order.id,
                        &Cancellation {
                            reason: Some(CancelReason::Fraud),
                            note: None,
                        },
                        None,
                    )
                    .unwrap();
            }
            2 => {
                let shipment = ShipmentRequest {
                    carrier: Some("ups".to_owned()),
                    tracking_number: Some(format!("1z 999 {i:03}")),
                    ..ShipmentRequest::default()
                };
                engine
                    .update_status(
                        &admin(),
                        &order.id,
                        OrderStatus::Processing,
                        &StatusUpdate::default(),
                    )
                    .unwrap();
                engine
                    .create_shipment(&admin(), &order.id, &shipment, None, None)
                    .unwrap();
            }
            3 => {
                engine.cancel(&caller, &order.id, None).unwrap();
            }
            _ => {}
        }
        ids.push(order.id);
    }
    ids
}

/// What `search` must find: every order filtered and sorted by hand.
fn expected(orders: &[Order], search: &OrderSearch) -> Vec<OrderId> {
    let has = |order: &Order, kind: IndexKind, value: &str| {
        index_entries(order).contains(&IndexEntry {
            kind,
            value: value.to_owned(),
        })
    };
    let mut found: Vec<(i64, OrderId)> = orders
        .iter()
        .filter(|o| search.statuses.is_empty() || search.statuses.contains(&o.status))
        .filter(|o| search.created_from.is_none_or(|t| o.created_at >= t))
        .filter(|o| search.created_to.is_none_or(|t| o.created_at < t))
        .filter(|o| search.currency.is_none_or(|c| o.currency == c))
        .filter(|o| search.user_id.as_ref().is_none_or(|u| &o.user_id == u))
        .filter(|o| {
            search
                .product_id
                .as_ref()
                .is_none_or(|p| o.items.iter().any(|l| &l.product_id == p))
        })
        .filter(|o| search.total_min.is_none_or(|m| o.totals.total.minor() >= m))
        .filter(|o| search.total_max.is_none_or(|m| o.totals.total.minor() <= m))
        .filter(|o| {
            search.tracking_number.as_ref().is_none_or(|t| {
                o.shipments
                    .iter()
                    .any(|s| s.tracking_number.as_ref() == Some(t))
            })
        })
        .filter(|o| {
            search
                .metadata
                .as_ref()
                .is_none_or(|m| has(o, IndexKind::Metadata, &format!("{}={}", m.key, m.value)))
        })
        .filter(|o| {
            search.text.as_ref().is_none_or(|t| {
                has(o, IndexKind::Word, t)
                    || search
                        .id_prefix()
                        .is_some_and(|p| o.id.to_string().starts_with(p))
            })
        })
        .map(|o| {
            let key = match search.sort {
                SortKey::CreatedAt => o.created_at.unix_millis(),
                SortKey::Total => o.totals.total.minor(),
            };
            (key, o.id)
        })
        .collect();
    found.sort();
    if search.descending {
        found.reverse();
    }
    found.into_iter().map(|(_, id)| id).collect()
}

/// Every page of `search`, three orders at a time, walked by cursor.
fn walk(engine: &OrderService, pairs: &[(&str, &str)]) -> Vec<OrderId> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut all: Vec<(&str, &str)> = pairs.to_vec();
        all.push(("limit", "3"));
        if let Some(c) = &cursor {
            all.push(("cursor", c.as_str()));
        }
        let search = OrderSearch::from_params(all).unwrap();
        let page = engine.search_orders(&admin(), &search).unwrap();
        found.extend(page.documents.iter().map(|d| d.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return found,
        }
    }
}

#[test]
fn searches_agree_with_filtering_every_order_by_hand() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    let engine = fx.engine(&carts);
    let ids = place_orders(&engine, &carts);
    let orders: Vec<Order> = ids
        .iter()
        .map(|id| fx.store.order(id).unwrap().unwrap())
        .collect();
    assert!(orders.iter().any(|o| o.status == OrderStatus::Cancelled));
    assert!(orders.iter().any(|o| !o.shipments.is_empty()));
    let middle = orders[5].created_at.to_rfc3339();
    let prefix = orders[3].id.to_string()[..13].to_owned();
    let searches: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("direction", "asc")],
        vec![("sort", "total")],
        vec![("sort", "total"), ("direction", "asc")],
        vec![("status", "cancelled")],
        vec![("status", "placed,shipped")],
        vec![("createdFrom", &middle)],
        vec![("createdTo", &middle), ("direction", "asc")],
        vec![("currency", "USD"), ("totalMin", "10"), ("totalMax", "50")],
        vec![("userId", "bob")],
        vec![("productId", "sku-1")],
        vec![("productId", "sku-1 ")],
        vec![("productId", "sku-9"), ("userId", "alice")],
        vec![("productId", "sku-9"), ("sort", "total")],
        vec![("trackingNumber", "1Z999002")],
        vec![("metadataKey", "channel"), ("metadataValue", "web")],
        vec![
            ("metadataKey", "priority"),
            ("metadataValue", "1"),
            ("productId", "sku-2"),
        ],
        vec![("q", "ADA")],
        vec![("q", "ada lovelace"), ("status", "placed")],
        vec![("q", "carol@example.com"), ("sort", "total")],
        vec![("q", &prefix)],
        vec![("q", "nobody")],
    ];
    let mut nothing_found = Vec::new();
    for pairs in &searches {
        let search = OrderSearch::from_params(pairs.iter().copied()).unwrap();
        let want = expected(&orders, &search);
        if want.is_empty() {
            nothing_found.push(pairs.clone());
        }
        assert_eq!(walk(&engine, pairs), want, "{pairs:?}");
    }
    // Every filter is tried on orders it finds, except the one meant to find none.
    assert_eq!(nothing_found, [vec![("q", "nobody")]]);
    assert_eq!(walk(&engine, &[("q", &prefix)]).len(), 1);
    assert!(!walk(&engine, &[("q", "ada")]).is_empty());
}

#[test]
fn cancellations_are_counted_by_reason() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    let engine = fx.engine(&carts);
    place_orders(&engine, &carts);
    let counts: Vec<(CancelReason, u64)> = fx
        .store
        .cancellation_counts(DayRange::ALL)
        .unwrap()
        .into_iter()
        .map(|c| (c.reason, c.orders))
        .collect();
    assert_eq!(
        counts,
        [
            (CancelReason::Customer, 3),
            (CancelReason::Inventory, 0),
            (CancelReason::Fraud, 3),
            (CancelReason::PaymentDeclined, 0),
            (CancelReason::Staff, 0),
            (CancelReason::Other, 0),
        ]
    );
}

#[test]
fn notes_and_shipping_emails_are_kept_once() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let store: &MysqlStore = &fx.store;
    let order = OrderId::from_uuid(uuid::Uuid::now_v7());
    let note = |id: u128, at: i64, text: &str| StaffNote {
        note_id: NoteId::from_uuid(uuid::Uuid::from_u128(id)),
        order_id: order,
        at: Timestamp::from_unix_millis(at),
        // Staff names have no length limit.
        actor: format!("admin:{}", "o".repeat(300)),
        text: text.to_owned(),
    };
    let later = note(1, 2_000, "called the customer ✓ 'twice'");
    let earlier = note(2, 1_000, "x".repeat(4000).as_str());
    assert!(store.add_staff_note(&later).unwrap());
    assert!(store.add_staff_note(&earlier).unwrap());
    assert!(!store.add_staff_note(&note(1, 3_000, "again")).unwrap());
    assert_eq!(store.staff_notes(&order).unwrap(), [earlier, later]);
    let other = OrderId::from_uuid(uuid::Uuid::now_v7());
    assert!(store.staff_notes(&other).unwrap().is_empty());

    let shipment = ShipmentId::from_uuid(uuid::Uuid::now_v7());
    assert!(!store.shipping_notice_sent(&order, &shipment).unwrap());
    let sent = SentShippingNotice {
        order_id: order,
        shipment_id: shipment,
        event_id: EventId::from_uuid(uuid::Uuid::now_v7()),
        sent_at: Timestamp::from_unix_millis(5),
    };
    assert!(store.record_shipping_notice(&sent).unwrap());
    assert!(!store.record_shipping_notice(&sent).unwrap());
    assert!(store.shipping_notice_sent(&order, &shipment).unwrap());
    assert!(!store.shipping_notice_sent(&other, &shipment).unwrap());
}

/// Orders stored before the search index existed are indexed when the schema is upgraded, and
/// cancellations before reasons count as `other`.
#[test]
fn upgrading_indexes_stored_orders() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    let engine = fx.engine(&carts);
    let ids = place_orders(&engine, &carts);
    let mut raw = fx.raw();
    let rows = count(&mut raw, "SELECT COUNT(*) FROM order_index");
    assert!(rows > 0);
    // Back to schema version 6, as if the orders had been written before.
    for sql in [
        "DROP TABLE order_index",
        "DROP TABLE cancellation_counts",
        "DELETE FROM schema_migrations WHERE version >= 7",
    ] {
        raw.query_drop(sql).unwrap();
    }
    let reopened = MysqlStore::open(fx.db.url()).unwrap();
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM order_index"), rows);
    let others = reopened.cancellation_counts(DayRange::ALL).unwrap();
    assert_eq!(
        others.last().map(|c| (c.reason, c.orders)),
        Some((CancelReason::Other, 6))
    );
    // A rerun of the migration changes nothing.
    raw.query_drop("DELETE FROM schema_migrations WHERE version >= 7")
        .unwrap();
    drop(MysqlStore::open(fx.db.url()).unwrap());
    assert_eq!(count(&mut raw, "SELECT COUNT(*) FROM order_index"), rows);
    let fresh = OrderService::builder(Arc::new(reopened), carts.clone()).build();
    assert_eq!(walk(&fresh, &[]).len(), ids.len());
    assert!(!walk(&fresh, &[("productId", "sku-9")]).is_empty());
}

/// Orders stored before the daily rollups existed are counted by day when the schema is
/// upgraded, and a rerun of that migration counts each of them once.
#[test]
fn upgrading_counts_stored_orders_by_day() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let carts = Arc::new(InMemoryCarts::new());
    let engine = fx.engine(&carts);
    place_orders(&engine, &carts);
    let every_day = DayRange {
        from_day: i64::MIN + 1,
        to_day_exclusive: i64::MAX,
    };
    let store = MysqlStore::open(fx.db.url()).unwrap();
    let figures = |store: &MysqlStore| {
        (
            store.status_counts(every_day).unwrap(),
            store.cancellation_counts(every_day).unwrap(),
            store
                .top_products(Currency::USD, TopBy::Revenue, 100, every_day)
                .unwrap(),
        )
    };
    let before = figures(&store);
    assert_eq!(before.0, store.status_counts(DayRange::ALL).unwrap());
    assert!(!before.2.is_empty());
    let mut raw = fx.raw();
    for sql in [
        "DROP TABLE product_sales_daily",
        "DROP TABLE status_counts_daily",
        "DROP TABLE cancellation_counts_daily",
        "DELETE FROM schema_migrations WHERE version >= 8",
    ] {
        raw.query_drop(sql).unwrap();
    }
    let upgraded = MysqlStore::open(fx.db.url()).unwrap();
    assert_eq!(figures(&upgraded), before);
    raw.query_drop("DELETE FROM schema_migrations WHERE version >= 8")
        .unwrap();
    let rerun = MysqlStore::open(fx.db.url()).unwrap();
    assert_eq!(figures(&rerun), before);
}
