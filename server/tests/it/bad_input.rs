//! Bad input gets a problem with its own code: never a 500, never a dropped connection.

use crate::common;

use common::{Harness, Reply, TestServer, address, call, card, order_body, place, standard_cart};
use serde_json::json;

#[tokio::test]
async fn request_framing_errors() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let t = h.customer("alice");
    let order = |c: common::Call| c.token(&t).key("k");

    // JSON syntax: 400.
    for bad in ["{", "{\"userId\": }", "", "nul", "[1,2", "{\"a\":1}}"] {
        h.send(order(call("POST", "/order")).raw("application/json", bad))
            .await
            .expect(400, "malformed_json");
    }
    // Not JSON at all: 415, whatever the body.
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        h.send(
            order(call("POST", "/order"))
                .raw(ct, serde_json::to_vec(&order_body("alice")).unwrap()),
        )
        .await
        .expect(415, "unsupported_media_type");
    }
    h.send(order(call("POST", "/order")))
        .await
        .expect(415, "unsupported_media_type");
    // Larger than 64 KiB: 413.
    let mut big = order_body("alice");
    big["metadata"] = json!({"blob": "x".repeat(70 * 1024)});
    h.send(order(call("POST", "/order")).json(&big))
        .await
        .expect(413, "payload_too_large");
    // JSON that is not an object, or of the wrong shape: 422.
    for bad in [
        json!([]),
        json!("x"),
        json!(1),
        json!({}),
        json!({"userId": 5}),
    ] {
        h.send(order(call("POST", "/order")).json(&bad))
            .await
            .expect(422, "invalid_body");
    }
    let mut extra = order_body("alice");
    extra["surprise"] = json!(true);
    h.send(order(call("POST", "/order")).json(&extra))
        .await
        .expect(422, "invalid_body");
    // Nothing was placed by any of this.
    let r = h.send(call("GET", "/orders/alice").token(&t)).await;
    assert_eq!(r.body["orders"], json!([]));
}

#[tokio::test]
async fn unknown_enum_values_get_specific_codes() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let t = h.customer("alice");

    let mut body = order_body("alice");
    body["paymentMethod"] = json!({"type": "bitcoin", "wallet": "x"});
    h.send(call("POST", "/order").token(&t).key("k1").json(&body))
        .await
        .expect(422, "unsupported_payment_method");
    h.send(call("POST", "/checkout").token(&t).json(&body))
        .await
        .expect(422, "unsupported_payment_method");

    let mut body = order_body("alice");
    body["paymentMethod"] =
        json!({"type": "card", "number": "4242424242424242", "expMonth": 1, "expYear": 2030});
    let r = h
        .send(call("POST", "/order").token(&t).key("k2").json(&body))
        .await;
    r.expect(422, "card_number_refused");
    assert!(
        !r.text.contains("4242424242424242"),
        "the card number is never echoed"
    );

    let mut body = order_body("alice");
    body["paymentMethod"] = json!({"type": "cash_on_delivery", "extra": 1});
    h.send(call("POST", "/order").token(&t).key("k4").json(&body))
        .await
        .expect(422, "invalid_body");
    body["paymentMethod"] = json!({"type": "paypal", "token": "t", "note": "x"});
    h.send(call("POST", "/order").token(&t).key("k5").json(&body))
        .await
        .expect(422, "invalid_body");

    let mut body = order_body("alice");
    body["shippingMethod"] = json!("teleport");
    h.send(call("POST", "/order").token(&t).key("k3").json(&body))
        .await
        .expect(422, "invalid_shipping_method");

    let o = place(&h, "alice", "ok").await;
    let id = o["orderId"].as_str().unwrap();
    h.send(
        call("PUT", &format!("/order/{id}/status"))
            .token(&h.admin())
            .json(&json!({"status": "teleported"})),
    )
    .await
    .expect(422, "invalid_status");
    h.send(call("GET", "/orders/alice?status=teleported").token(&t))
        .await
        .expect(422, "invalid_status");
    h.send(call("GET", "/analytics/top-products?by=mood").token(&h.admin()))
        .await
        .expect(422, "invalid_top_by");
    h.send(call("GET", "/analytics/top-products?currency=ZZZ").token(&h.admin()))
        .await
        .expect(422, "unknown_currency");
}

#[tokio::test]
async fn validation_failures_name_their_cause() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let t = h.customer("alice");
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut b =
            json!({"userId": "alice", "deliveryAddress": address(), "paymentMethod": card()});
        f(&mut b);
        b
    };
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            with(&|b| b["paymentMethod"]["expYear"] = json!(2001)),
            "card_expired",
        ),
        (
            with(&|b| b["paymentMethod"]["brand"] = json!("bankcard")),
            "unsupported_card_brand",
        ),
        (
            with(&|b| b["paymentMethod"]["last4"] = json!("42")),
            "invalid_card_last4",
        ),
        (
            with(&|b| b["deliveryAddress"]["country"] = json!("XX")),
            "invalid_country",
        ),
        (
            with(&|b| b["deliveryAddress"]["postalCode"] = json!("ABC")),
            "invalid_postal_code",
        ),
        (
            with(&|b| b["deliveryAddress"]["city"] = json!("  ")),
            "invalid_address",
        ),
        (
            with(&|b| b["userId"] = json!("not a user")),
            "invalid_user_id",
        ),
    ];
    for (body, code) in &cases {
        h.send(call("POST", "/checkout").token(&t).json(body))
            .await
            .expect(422, code);
    }
    // Cash on delivery over its limit (500.00 USD).
    carts.set(common::cart("alice", &[("tv", 1, "999.00")]));
    let cod = with(&|b| b["paymentMethod"] = json!({"type": "cash_on_delivery"}));
    h.send(call("POST", "/checkout").token(&t).json(&cod))
        .await
        .expect(422, "cod_over_limit");
    // Empty and invalid carts.
    carts.remove("alice");
    h.send(call("POST", "/checkout").token(&t).json(&with(&|_| {})))
        .await
        .expect(422, "cart_empty");
    carts.set(common::cart("alice", &[("a", 0, "1.00")]));
    h.send(call("POST", "/checkout").token(&t).json(&with(&|_| {})))
        .await
        .expect(422, "invalid_quantity");
    h.send(call("GET", "/cart/alice").token(&t))
        .await
        .expect(422, "invalid_quantity");
}

#[tokio::test]
async fn path_query_and_header_values() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let t = h.customer("alice");
    let admin = h.admin();

    // A malformed order id names no order.
    for id in [
        "not-an-id",
        "123",
        "01890a5d-ac96-774b-bcce-b302099a805",
        "%FF%FE",
    ] {
        let r = h
            .send(call("GET", &format!("/order/{id}")).token(&admin))
            .await;
        assert!(matches!(r.status, 404 | 400), "{id}: {}", r.text);
        common::assert_problem(&r);
    }
    h.send(call("GET", "/order/not-an-id/status").token(&admin))
        .await
        .expect(404, "not_found");
    h.send(call("DELETE", "/order/not-an-id").token(&admin))
        .await
        .expect(404, "not_found");
    h.send(
        call("PUT", "/order/not-an-id/status")
            .token(&admin)
            .json(&json!({"status": "shipped"})),
    )
    .await
    .expect(404, "not_found");
    // A malformed user id.
    h.send(call("GET", "/cart/al%20ice").token(&admin))
        .await
        .expect(422, "invalid_user_id");
    h.send(call("GET", &format!("/orders/{}", "x".repeat(65))).token(&admin))
        .await
        .expect(422, "invalid_user_id");
    // Query values.
    h.send(call("GET", "/orders/alice?limit=abc").token(&t))
        .await
        .expect(400, "invalid_query");
    h.send(call("GET", "/orders/alice?limit=99999999999999999999").token(&t))
        .await
        .expect(400, "invalid_query");
    for limit in ["0", "101", "-1"] {
        h.send(call("GET", &format!("/orders/alice?limit={limit}")).token(&t))
            .await
            .expect(422, "limit_out_of_range");
    }
    h.send(call("GET", "/orders/alice?cursor=garbage!").token(&t))
        .await
        .expect(422, "invalid_cursor");
    h.send(call("GET", "/analytics/sales?from=yesterday").token(&admin))
        .await
        .expect(400, "invalid_query");
    h.send(
        call(
            "GET",
            "/analytics/sales?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        )
        .token(&admin),
    )
    .await
    .expect(422, "invalid_field");
    for uri in [
        "/analytics/sales/daily",
        "/analytics/top-products",
        "/analytics/orders-by-status",
        "/analytics/cancellations",
    ] {
        h.send(call("GET", &format!("{uri}?to=tomorrow")).token(&admin))
            .await
            .expect(400, "invalid_query");
        let backwards = "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z";
        h.send(call("GET", &format!("{uri}?{backwards}")).token(&admin))
            .await
            .expect(422, "invalid_field");
    }
    h.send(call("GET", "/analytics/top-products?limit=0").token(&admin))
        .await
        .expect(422, "limit_out_of_range");
    h.send(call("GET", "/analytics/top-products?limit=5000000000").token(&admin))
        .await
        .expect(422, "limit_out_of_range");
    // Idempotency-Key: required, 1 to 255 printable characters.
    let body = order_body("alice");
    h.send(call("POST", "/order").token(&t).json(&body))
        .await
        .expect(400, "invalid_idempotency_key");
    h.send(
        call("POST", "/order")
            .token(&t)
            .key(&"k".repeat(256))
            .json(&body),
    )
    .await
    .expect(400, "invalid_idempotency_key");
    h.send(call("POST", "/order").token(&t).key("").json(&body))
        .await
        .expect(400, "invalid_idempotency_key");
    // Unknown routes and methods.
    h.send(call("GET", "/nope").token(&t))
        .await
        .expect(404, "not_found");
    let r = h.send(call("PATCH", "/order").token(&t)).await;
    r.expect(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("POST"));
}

/// Over a real socket: oversized and malformed bodies get an answer, and the connection
/// stays usable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_over_a_socket_are_answered_not_dropped() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let server = TestServer::start(h.state.clone()).await;
    let client = reqwest::Client::new();
    let t = h.customer("alice");

    // The server reads what it will not use before answering, so a client still sending gets
    // the answer rather than a reset connection (a few rounds, to catch the race).
    let huge = vec![b'{'; 2 * 1024 * 1024];
    for (media_type, status, code) in [
        ("application/json", 413, "payload_too_large"),
        ("application/json", 413, "payload_too_large"),
        ("text/plain", 415, "unsupported_media_type"),
    ] {
        let r = Reply::from_reqwest(
            call("POST", "/order")
                .token(&t)
                .key("k")
                .raw(media_type, huge.clone())
                .into_reqwest(&client, &server.base)
                .send()
                .await
                .unwrap(),
        )
        .await;
        r.expect(status, code);
    }

    let r = Reply::from_reqwest(
        call("POST", "/order")
            .token(&t)
            .key("k")
            .raw("application/json", "{\"userId\":")
            .into_reqwest(&client, &server.base)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(400, "malformed_json");

    // The same client (and pooled connection) still works.
    let r = Reply::from_reqwest(
        call("GET", "/cart/alice")
            .token(&t)
            .into_reqwest(&client, &server.base)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(200, "");
    server.stop().await.unwrap();
}
