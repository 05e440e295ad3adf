//! History pages: newest first by (created_at, id), each order exactly once, ties broken by
//! id, optional status filter, and bad limits and cursors refused.

use std::collections::HashSet;

use orderly::{
    HistoryRequest, IdGenerator as _, Order, OrderId, OrderPage, OrderStatus, StatusUpdate,
};

use crate::StoreFactory;
use crate::fixtures::*;

fn page(env: &Env, who: &str, limit: i64, cursor: Option<String>) -> OrderPage {
    env.service
        .orders_for_user(
            &customer(who),
            &user(who),
            &HistoryRequest {
                limit: Some(limit),
                cursor,
                status: None,
            },
        )
        .unwrap()
}

/// Every page of a user's history, following the cursors.
fn walk(env: &Env, who: &str, limit: i64, status: Option<OrderStatus>) -> Vec<OrderPage> {
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let p = env
            .service
            .orders_for_user(
                &customer(who),
                &user(who),
                &HistoryRequest {
                    limit: Some(limit),
                    cursor: cursor.take(),
                    status,
                },
            )
            .unwrap();
        cursor = p.next_cursor.clone();
        pages.push(p);
        if cursor.is_none() {
            return pages;
        }
        assert!(pages.len() < 1000, "the cursor never ends");
    }
}

/// The order history must come in: newest first by (created_at, id).
fn newest_first(mut orders: Vec<Order>) -> Vec<OrderId> {
    orders.sort_by_key(|o| std::cmp::Reverse((o.created_at, o.id)));
    orders.into_iter().map(|o| o.id).collect()
}

fn ids(pages: &[OrderPage]) -> Vec<OrderId> {
    pages
        .iter()
        .flat_map(|p| p.orders.iter().map(|o| o.id))
        .collect()
}

pub fn history_of_a_user_without_orders_is_empty(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.place_simple("bob", "k");
    let p = page(&env, "alice", 20, None);
    assert!(p.orders.is_empty());
    assert_eq!(p.next_cursor, None);
}

pub fn history_with_exactly_limit_orders_has_no_next_cursor(factory: &StoreFactory) {
    let env = Env::new(factory);
    let mut placed = Vec::new();
    for i in 0..5 {
        placed.push(env.place_simple("alice", &format!("k-{i}")));
        env.advance(1);
    }
    let p = page(&env, "alice", 5, None);
    assert_eq!(p.next_cursor, None);
    let got: Vec<_> = p.orders.iter().map(|o| o.id).collect();
    assert_eq!(got, newest_first(placed));
}

pub fn history_with_limit_plus_one_orders_has_two_pages(factory: &StoreFactory) {
    let env = Env::new(factory);
    let mut placed = Vec::new();
    for i in 0..6 {
        placed.push(env.place_simple("alice", &format!("k-{i}")));
        env.advance(1);
    }
    let first = page(&env, "alice", 5, None);
    assert_eq!(first.orders.len(), 5);
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = page(&env, "alice", 5, Some(cursor));
    assert_eq!(second.orders.len(), 1);
    assert_eq!(second.next_cursor, None);
    assert_eq!(ids(&[first, second]), newest_first(placed));
}

pub fn history_walks_250_orders_in_pages_of_7(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.set_cart("alice", "USD", &[("sku-1", "Espresso beans", 1, "12.50")]);
    env.set_cart("bob", "USD", &[("sku-1", "Espresso beans", 1, "12.50")]);
    let mut placed = Vec::new();
    for i in 0..250 {
        // Runs of three orders share a millisecond; bob's orders are interleaved.
        if i % 3 == 0 {
            env.advance(1);
        }
        placed.push(env.place("alice", &format!("k-{i}")));
        if i % 10 == 0 {
            env.place("bob", &format!("k-{i}"));
        }
    }
    let pages = walk(&env, "alice", 7, None);
    assert_eq!(pages.len(), 36);
    assert!(pages[..35].iter().all(|p| p.orders.len() == 7));
    assert_eq!(pages[35].orders.len(), 5);
    let got = ids(&pages);
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), 250);
    assert_eq!(got, newest_first(placed));
    assert!(
        pages
            .iter()
            .flat_map(|p| &p.orders)
            .all(|o| o.user_id == user("alice"))
    );
}

pub fn history_breaks_same_millisecond_ties_by_id(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.place_simple("alice", "older");
    env.advance(1);
    let mut same_ms = Vec::new();
    for i in 0..9 {
        same_ms.push(env.place_simple("alice", &format!("k-{i}")));
    }
    assert!(
        same_ms
            .iter()
            .all(|o| o.created_at == same_ms[0].created_at)
    );
    env.advance(1);
    let newer = env.place_simple("alice", "newer");

    let pages = walk(&env, "alice", 2, None);
    let got = ids(&pages);
    assert_eq!(got.len(), 11);
    assert_eq!(got[0], newer.id);
    let mut tied: Vec<_> = same_ms.iter().map(|o| o.id).collect();
    tied.sort_by_key(|id| std::cmp::Reverse(*id));
    assert_eq!(got[1..10], tied[..]);
}

pub fn history_filters_by_status(factory: &StoreFactory) {
    let env = Env::new(factory);
    let mut orders = Vec::new();
    for i in 0..6 {
        orders.push(env.place_simple("alice", &format!("k-{i}")));
        env.advance(1);
    }
    for o in &orders[..2] {
        env.service
            .update_status(
                &admin(),
                &o.id,
                OrderStatus::Processing,
                &StatusUpdate::default(),
            )
            .unwrap();
    }
    env.service
        .cancel(&customer("alice"), &orders[2].id, None)
        .unwrap();

    let by = |status, limit| walk(&env, "alice", limit, Some(status));
    let processing = by(OrderStatus::Processing, 1);
    assert_eq!(processing.len(), 2);
    assert_eq!(ids(&processing), newest_first(orders[..2].to_vec()));
    assert!(
        processing
            .iter()
            .flat_map(|p| &p.orders)
            .all(|o| o.status == OrderStatus::Processing)
    );
    assert_eq!(ids(&by(OrderStatus::Cancelled, 20)), vec![orders[2].id]);
    assert_eq!(
        ids(&by(OrderStatus::Placed, 2)),
        newest_first(orders[3..].to_vec())
    );
    assert!(ids(&by(OrderStatus::Delivered, 20)).is_empty());
}

pub fn history_rejects_bad_limits_and_cursors(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.place_simple("alice", "k");
    let ask = |limit: Option<i64>, cursor: Option<&str>| {
        env.service.orders_for_user(
            &customer("alice"),
            &user("alice"),
            &HistoryRequest {
                limit,
                cursor: cursor.map(str::to_owned),
                status: None,
            },
        )
    };
    assert_code(ask(Some(0), None), "limit_out_of_range");
    assert_code(ask(Some(101), None), "limit_out_of_range");
    assert_code(ask(Some(-1), None), "limit_out_of_range");
    assert_eq!(ask(Some(100), None).unwrap().orders.len(), 1);
    assert_eq!(ask(None, None).unwrap().orders.len(), 1);
    for garbage in ["not a cursor", "djE6eDp5", "", "dj%%"] {
        assert_code(ask(Some(10), Some(garbage)), "invalid_cursor");
    }
}

/// The stored-document reads (what the REST server sends) follow the same rules as the typed
/// reads: the same pages, the same cursors, and each document is its order's JSON.
pub fn documents_match_typed_reads(factory: &StoreFactory) {
    let env = Env::new(factory);
    let mut orders = Vec::new();
    for i in 0..7 {
        if i % 2 == 0 {
            env.advance(1);
        }
        orders.push(env.place_simple("alice", &format!("k-{i}")));
    }
    env.place_simple("bob", "k");
    env.service
        .update_status(
            &admin(),
            &orders[3].id,
            OrderStatus::Processing,
            &StatusUpdate {
                note: Some("picked \"fast\" ✓".to_owned()),
                ..StatusUpdate::default()
            },
        )
        .unwrap();

    for status in [
        None,
        Some(OrderStatus::Placed),
        Some(OrderStatus::Processing),
    ] {
        let typed = walk(&env, "alice", 3, status);
        let mut cursor = None;
        for typed_page in &typed {
            let request = HistoryRequest {
                limit: Some(3),
                cursor: cursor.take(),
                status,
            };
            let page = env
                .service
                .order_documents_for_user(&customer("alice"), &user("alice"), &request)
                .unwrap();
            assert_eq!(page.next_cursor, typed_page.next_cursor);
            assert_eq!(page.documents.len(), typed_page.orders.len());
            for (document, order) in page.documents.iter().zip(&typed_page.orders) {
                assert_document_of(document, order);
            }
            cursor = page.next_cursor;
        }
    }

    for order in &orders {
        let current = env.service.order(&admin(), &order.id).unwrap();
        let document = env
            .service
            .order_document(&customer("alice"), &order.id)
            .unwrap();
        assert_document_of(&document, &current);
        assert_eq!(
            env.store.order_document(&order.id).unwrap().as_ref(),
            Some(&document)
        );
        assert_code(
            env.service.order_document(&customer("bob"), &order.id),
            "not_found",
        );
    }
    assert_code(
        env.service.order_documents_for_user(
            &customer("bob"),
            &user("alice"),
            &HistoryRequest::default(),
        ),
        "forbidden",
    );
    let ghost = OrderId::from_uuid(orderly::UuidV7Generator.new_uuid());
    assert_eq!(env.store.order_document(&ghost).unwrap(), None);
}

fn assert_document_of(document: &orderly::OrderDocument, order: &Order) {
    assert_eq!(
        (
            document.id,
            &document.user_id,
            document.version,
            document.created_at
        ),
        (order.id, &order.user_id, order.version, order.created_at)
    );
    // The same JSON as the order's own (a server may reformat whitespace or key order).
    let stored: serde_json::Value = serde_json::from_str(document.json()).unwrap();
    assert_eq!(stored, serde_json::to_value(order).unwrap());
    assert_eq!(&document.decode("test").unwrap(), order);
}
