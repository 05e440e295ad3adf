//! Every endpoint through the router, on the happy path, with the shapes the contract fixes.

use crate::common;

use std::sync::Arc;

use common::{Harness, address, call, card, place, standard_cart};
use orderly::store::StoreResult;
use orderly::{InMemoryCarts, Store, StoreDecorator, StoreError, StoreErrorKind};
use serde_json::json;

/// The test's store, answering `durability_warnings` with `answer` (its database "is set up"
/// weaker than durable, or cannot say).
#[derive(Debug)]
struct Settings {
    inner: Arc<dyn Store>,
    answer: fn() -> StoreResult<Vec<String>>,
}

impl StoreDecorator for Settings {
    fn inner(&self) -> &dyn Store {
        self.inner.as_ref()
    }
    fn durability_warnings(&self) -> StoreResult<Vec<String>> {
        (self.answer)()
    }
}

fn settings(answer: fn() -> StoreResult<Vec<String>>) -> Harness {
    Harness::wrapping(Arc::new(InMemoryCarts::new()), |inner| {
        Arc::new(Settings { inner, answer })
    })
}

#[tokio::test]
async fn health_needs_no_token_and_ready_reports_the_store() {
    let (h, _) = Harness::in_memory();
    let r = h.send(call("GET", "/health")).await;
    r.expect(200, "");
    assert_eq!(r.body["status"], "ok");
    assert!(r.header("x-request-id").is_some());

    h.send(call("GET", "/ready"))
        .await
        .expect(401, "missing_token");
    let r = h
        .send(call("GET", "/ready").token(&h.customer("alice")))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["status"], "ready");
    assert!(r.body["store"].is_string());
    // Always present; the test store is set up durably.
    assert!(r.body["warnings"].is_array(), "{}", r.text);
    if r.body["store"] == "sqlite" {
        assert_eq!(r.body["warnings"], json!([]));
    }
}

#[tokio::test]
async fn ready_lists_the_databases_durability_warnings_and_stays_ready() {
    let h = settings(|| {
        Ok(vec![
            "InnoDB flushes its log only once a second (innodb_flush_log_at_trx_commit=2): a \
             crash of the database server's machine can lose up to a second of acknowledged \
             orders; set it to 1"
                .to_owned(),
            "The binary log is on but left to the operating system to sync (sync_binlog=0)"
                .to_owned(),
        ])
    });
    let r = h
        .send(call("GET", "/ready").token(&h.customer("alice")))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["status"], "ready");
    let warnings = r.body["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "{}", r.text);
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("innodb_flush_log_at_trx_commit=2")
    );
    assert!(warnings[1].as_str().unwrap().contains("sync_binlog=0"));
}

#[tokio::test]
async fn ready_is_503_when_the_durability_settings_cannot_be_read_for_a_lost_connection() {
    let h = settings(|| {
        Err(StoreError::new(
            StoreErrorKind::Connection,
            "test",
            "connection lost (injected)",
        ))
    });
    let r = h
        .send(call("GET", "/ready").token(&h.customer("alice")))
        .await;
    r.expect(503, "storage_unavailable");
}

#[tokio::test]
async fn openapi_document_is_served_without_a_token() {
    let (h, _) = Harness::in_memory();
    let r = h.send(call("GET", "/openapi.json")).await;
    r.expect(200, "");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body["openapi"], "3.1.0");
}

#[tokio::test]
async fn cart_shows_lines_totals_and_an_empty_cart_for_unknown_users() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let r = h
        .send(call("GET", "/cart/alice").token(&h.customer("alice")))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["userId"], "alice");
    assert_eq!(r.body["currency"], "USD");
    assert_eq!(r.body["items"][0]["productId"], "sku-1");
    assert_eq!(r.body["items"][0]["quantity"], 2);
    assert_eq!(
        r.body["items"][0]["unitPrice"],
        json!({"amount": "19.99", "currency": "USD"})
    );
    assert_eq!(
        r.body["items"][0]["lineTotal"],
        json!({"amount": "39.98", "currency": "USD"})
    );
    assert_eq!(
        r.body["subtotal"],
        json!({"amount": "44.98", "currency": "USD"})
    );

    let r = h
        .send(call("GET", "/cart/bob").token(&h.customer("bob")))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["items"], json!([]));
    assert_eq!(r.body["subtotal"]["amount"], "0.00");
}

#[tokio::test]
async fn checkout_prices_the_cart_and_can_be_ordered_from() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let token = h.customer("alice");
    let body = json!({
        "userId": "alice",
        "deliveryAddress": address(),
        "paymentMethod": card(),
        "shippingMethod": "express"
    });
    let r = h
        .send(call("POST", "/checkout").token(&token).json(&body))
        .await;
    r.expect(200, "");
    let quote = r.body.clone();
    for field in [
        "checkoutId",
        "userId",
        "items",
        "totals",
        "paymentMethod",
        "deliveryAddress",
        "expiresAt",
    ] {
        assert!(!quote[field].is_null(), "checkout without {field}: {quote}");
    }
    let t = &quote["totals"];
    // 44.98 subtotal, 14.99 express shipping, 4 % NY tax on the goods = 1.80.
    assert_eq!(t["subtotal"]["amount"], "44.98");
    assert_eq!(t["shipping"]["amount"], "14.99");
    assert_eq!(t["tax"]["amount"], "1.80");
    assert_eq!(t["discount"]["amount"], "0.00");
    assert_eq!(t["total"]["amount"], "61.77");

    let mut order = body.clone();
    order["checkoutId"] = quote["checkoutId"].clone();
    let r = h
        .send(
            call("POST", "/order")
                .token(&token)
                .key("from-quote")
                .json(&order),
        )
        .await;
    r.expect(201, "");
    assert_eq!(r.body["totals"], quote["totals"]);
    assert_eq!(r.body["checkoutId"], quote["checkoutId"]);
}

#[tokio::test]
async fn placing_an_order_is_201_with_location_and_etag_and_a_replay_is_the_same_order() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let token = h.customer("alice");
    let body = common::order_body("alice");
    let first = h
        .send(call("POST", "/order").token(&token).key("k-1").json(&body))
        .await;
    first.expect(201, "");
    let id = first.body["orderId"].as_str().unwrap().to_owned();
    assert_eq!(
        first.header("location"),
        Some(format!("/order/{id}").as_str())
    );
    assert_eq!(first.header("etag"), Some("\"1\""));
    let o = &first.body;
    assert_eq!(o["userId"], "alice");
    assert_eq!(o["status"], "placed");
    assert_eq!(o["version"], 1);
    assert_eq!(o["items"].as_array().unwrap().len(), 2);
    assert_eq!(o["deliveryAddress"]["country"], "US");
    assert_eq!(o["paymentMethod"]["type"], "card");
    assert_eq!(o["history"][0]["status"], "placed");
    for f in ["subtotal", "shipping", "tax", "discount", "total"] {
        assert!(o["totals"][f]["amount"].is_string(), "{f}");
    }
    assert!(o["createdAt"].as_str().unwrap().ends_with('Z'));

    let again = h
        .send(call("POST", "/order").token(&token).key("k-1").json(&body))
        .await;
    again.expect(200, "");
    assert_eq!(
        again.body, first.body,
        "a replay returns the same order, byte for byte"
    );

    let r = h
        .send(call("GET", &format!("/order/{id}")).token(&token))
        .await;
    r.expect(200, "");
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(r.body, first.body);
}

#[tokio::test]
async fn history_is_newest_first_and_cursor_paginated() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let token = h.customer("alice");
    let mut ids = Vec::new();
    for i in 0..5 {
        let o = place(&h, "alice", &format!("k-{i}")).await;
        ids.push(o["orderId"].as_str().unwrap().to_owned());
    }
    ids.reverse();

    let mut seen = Vec::new();
    let mut uri = "/orders/alice?limit=2".to_owned();
    loop {
        let r = h.send(call("GET", &uri).token(&token)).await;
        r.expect(200, "");
        assert!(r.body.as_object().unwrap().contains_key("nextCursor"));
        for o in r.body["orders"].as_array().unwrap() {
            seen.push(o["orderId"].as_str().unwrap().to_owned());
        }
        match r.body["nextCursor"].as_str() {
            Some(c) => uri = format!("/orders/alice?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);

    let r = h.send(call("GET", "/orders/alice").token(&token)).await;
    r.expect(200, "");
    assert_eq!(r.body["orders"].as_array().unwrap().len(), 5);
    assert_eq!(r.body["nextCursor"], serde_json::Value::Null);

    let r = h
        .send(call("GET", "/orders/alice?status=cancelled").token(&token))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["orders"], json!([]));
}

#[tokio::test]
async fn status_view_cancel_and_status_updates() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let token = h.customer("alice");
    let a = place(&h, "alice", "a").await;
    let b = place(&h, "alice", "b").await;
    let a_id = a["orderId"].as_str().unwrap();
    let b_id = b["orderId"].as_str().unwrap();

    let r = h
        .send(
            call("PUT", &format!("/order/{a_id}/status"))
                .token(&h.admin())
                .json(&json!({"status": "processing", "note": "picked"})),
        )
        .await;
    r.expect(200, "");
    assert_eq!(r.body["status"], "processing");
    assert_eq!(r.header("etag"), Some("\"2\""));

    let r = h
        .send(call("GET", &format!("/order/{a_id}/status")).token(&token))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["orderId"], a_id);
    assert_eq!(r.body["status"], "processing");
    assert!(r.body["updatedAt"].is_string());
    let history = r.body["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["status"], "placed");
    assert_eq!(history[0]["actor"], "customer:alice");
    assert_eq!(history[0]["note"], serde_json::Value::Null);
    assert_eq!(history[1]["status"], "processing");
    assert_eq!(history[1]["actor"], "admin:ops");
    assert_eq!(history[1]["note"], "picked");
    assert!(history[1]["at"].is_string());

    let r = h
        .send(
            call(
                "DELETE",
                &format!("/order/{b_id}?reason=changed%20my%20mind"),
            )
            .token(&token),
        )
        .await;
    r.expect(200, "");
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.body["history"][1]["note"], "changed my mind");
    let again = h
        .send(call("DELETE", &format!("/order/{b_id}")).token(&token))
        .await;
    again.expect(200, "");
    assert_eq!(
        again.body, r.body,
        "cancelling a cancelled order changes nothing"
    );
}

#[tokio::test]
async fn analytics_for_staff() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    place(&h, "alice", "a").await;
    place(&h, "alice", "b").await;
    let admin = h.admin();

    let r = h.send(call("GET", "/analytics/sales").token(&admin)).await;
    r.expect(200, "");
    let usd = &r.body["sales"][0];
    assert_eq!(usd["currency"], "USD");
    assert_eq!(usd["orders"], 2);
    // Each order: 44.98 + 4.99 standard shipping (free only from 50.00) + 1.80 NY tax = 51.77.
    assert_eq!(usd["total"]["amount"], "103.54");
    assert_eq!(usd["averageOrderValue"]["amount"], "51.77");

    let r = h
        .send(
            call(
                "GET",
                "/analytics/sales?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z",
            )
            .token(&admin),
        )
        .await;
    r.expect(200, "");
    assert_eq!(r.body["sales"], json!([]));

    let r = h
        .send(call("GET", "/analytics/top-products?limit=1&by=quantity").token(&h.service()))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["by"], "quantity");
    assert_eq!(r.body["currency"], "USD");
    assert_eq!(r.body["products"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["products"][0]["productId"], "sku-1");
    assert_eq!(r.body["products"][0]["quantity"], 4);

    let r = h
        .send(call("GET", "/analytics/top-products?by=revenue&currency=USD").token(&admin))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["products"][0]["revenue"]["amount"], "79.96");

    let r = h
        .send(call("GET", "/analytics/orders-by-status").token(&admin))
        .await;
    r.expect(200, "");
    let placed = r.body["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "placed")
        .unwrap();
    assert_eq!(placed["orders"], 2);
}

/// The dashboard's ranged figures: sales per day, and the other three limited to the orders
/// placed on the range's days.
#[tokio::test]
async fn analytics_over_a_range_of_days() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    place(&h, "alice", "a").await;
    place(&h, "alice", "b").await;
    let admin = h.admin();
    let today = orderly::Clock::now(&orderly::SystemClock).to_rfc3339();
    let today = &today[..10];

    let r = h
        .send(call("GET", "/analytics/sales/daily").token(&admin))
        .await;
    r.expect(200, "");
    assert_eq!(
        r.body["days"],
        json!([{
            "day": today,
            "currency": "USD",
            "total": {"amount": "103.54", "currency": "USD"},
            "orders": 2
        }])
    );

    let all_time = h
        .send(call("GET", "/analytics/top-products").token(&admin))
        .await
        .body["products"]
        .clone();
    assert!(!all_time.as_array().unwrap().is_empty());
    let long_ago = "from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z";
    let since_today = format!("from={today}T00:00:00Z");
    for (range, placed, sold) in [(long_ago, 0, 0), (since_today.as_str(), 2, 1)] {
        let r = h
            .send(call("GET", &format!("/analytics/sales/daily?{range}")).token(&admin))
            .await;
        r.expect(200, "");
        assert_eq!(r.body["days"].as_array().unwrap().len(), sold);
        let r = h
            .send(call("GET", &format!("/analytics/orders-by-status?{range}")).token(&admin))
            .await;
        r.expect(200, "");
        let count = r.body["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["status"] == "placed")
            .unwrap()["orders"]
            .clone();
        assert_eq!(count, placed, "{range}");
        let r = h
            .send(call("GET", &format!("/analytics/top-products?{range}")).token(&admin))
            .await;
        r.expect(200, "");
        let expected = if sold == 0 {
            json!([])
        } else {
            all_time.clone()
        };
        assert_eq!(r.body["products"], expected, "{range}");
        let r = h
            .send(call("GET", &format!("/analytics/cancellations?{range}")).token(&admin))
            .await;
        r.expect(200, "");
        assert_eq!(r.body["reasons"].as_array().unwrap().len(), 6);
    }
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let (h, _) = Harness::in_memory();
    let r = h
        .send(call("GET", "/health").header("x-request-id", "trace-123"))
        .await;
    assert_eq!(r.header("x-request-id"), Some("trace-123"));
    let r = h
        .send(call("GET", "/health").header("x-request-id", "bad id\twith tab"))
        .await;
    let generated = r.header("x-request-id").unwrap();
    assert_ne!(generated, "bad id\twith tab");
    assert_eq!(generated.len(), 36);
}
