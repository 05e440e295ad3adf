//! Shipments over real HTTP: partial shipments moving an order through partially_shipped,
//! shipped and delivered; what is refused on the way; idempotent creation; `PUT status`
//! shipping everything in one shipment; and what customers see of it all.

use crate::common;

use common::{Harness, OverHttp, Reply, call, standard_cart};
use serde_json::{Value, json};

struct Shop {
    h: Harness,
    http: OverHttp,
}

impl Shop {
    async fn new() -> (Shop, String) {
        let (h, carts) = Harness::in_memory();
        carts.set(standard_cart("alice"));
        let http = OverHttp::start(&h).await;
        let order = http.place(&h, "alice", "k").await;
        let id = order["orderId"].as_str().unwrap().to_owned();
        (Shop { h, http }, id)
    }

    async fn status(&self, id: &str, status: &str) -> Reply {
        self.http
            .send(
                call("PUT", &format!("/order/{id}/status"))
                    .token(&self.h.admin())
                    .json(&json!({"status": status})),
            )
            .await
    }

    async fn ship(&self, id: &str, body: &Value) -> Reply {
        self.http
            .send(
                call("POST", &format!("/order/{id}/shipments"))
                    .token(&self.h.service())
                    .json(body),
            )
            .await
    }

    async fn move_shipment(&self, id: &str, shipment: &str, status: &str) -> Reply {
        self.http
            .send(
                call("PUT", &format!("/order/{id}/shipments/{shipment}/status"))
                    .token(&self.h.admin())
                    .json(&json!({"status": status, "note": format!("now {status}")})),
            )
            .await
    }

    async fn get(&self, uri: &str, token: &str) -> Reply {
        self.http.send(call("GET", uri).token(token)).await
    }
}

fn shipment_ids(order: &Value) -> Vec<String> {
    order["shipments"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| s["shipmentId"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_order_ships_in_parts_then_is_delivered() {
    let (shop, id) = Shop::new().await;
    // Not shippable before processing.
    shop.ship(&id, &json!({}))
        .await
        .expect(409, "order_not_shippable");
    shop.status(&id, "processing").await.expect(200, "");

    let first = shop
        .ship(
            &id,
            &json!({"lines": [{"productId": "sku-1", "quantity": 1}], "carrier": "UPS", "trackingNumber": "1z 999 aa1", "note": "first box"}),
        )
        .await;
    first.expect(201, "");
    assert_eq!(
        first.header("location"),
        Some(format!("/order/{id}").as_str())
    );
    assert_eq!(first.body["status"], "partially_shipped");
    let s = &first.body["shipments"][0];
    assert_eq!(s["status"], "shipped");
    assert_eq!(s["carrier"], "ups");
    assert_eq!(s["trackingNumber"], "1Z999AA1");
    assert!(
        s["trackingUrl"].as_str().unwrap().contains("1Z999AA1"),
        "a known carrier's link: {s}"
    );
    assert_eq!(s["lines"], json!([{"productId": "sku-1", "quantity": 1}]));

    // More than is left of a line, or a product not on the order.
    shop.ship(
        &id,
        &json!({"lines": [{"productId": "sku-1", "quantity": 2}]}),
    )
    .await
    .expect(409, "shipment_exceeds_order");
    shop.ship(
        &id,
        &json!({"lines": [{"productId": "sku-404", "quantity": 1}]}),
    )
    .await
    .expect(422, "invalid_field");
    shop.ship(&id, &json!({"status": "delivered"}))
        .await
        .expect(422, "invalid_body");
    shop.ship(&id, &json!({"status": "lost"}))
        .await
        .expect(422, "invalid_field");

    // Something has shipped: cancelling is refused, for the customer and staff alike.
    shop.http
        .send(call("DELETE", &format!("/order/{id}")).token(&shop.h.customer("alice")))
        .await
        .expect(409, "invalid_transition");
    shop.http
        .send(call("DELETE", &format!("/order/{id}?reason=fraud")).token(&shop.h.admin()))
        .await
        .expect(409, "invalid_transition");

    // The rest, pending: reserved but not shipped, so the order stays partially shipped.
    let second = shop
        .ship(&id, &json!({"status": "pending", "carrier": "dhl"}))
        .await;
    second.expect(201, "");
    assert_eq!(second.body["status"], "partially_shipped");
    let ids = shipment_ids(&second.body);
    assert_eq!(ids.len(), 2);
    assert_eq!(
        second.body["shipments"][1]["lines"],
        json!([{"productId": "sku-1", "quantity": 1}, {"productId": "sku-2", "quantity": 1}])
    );
    // Everything is in a shipment now.
    shop.ship(&id, &json!({}))
        .await
        .expect(409, "shipment_exceeds_order");

    let shipped = shop.move_shipment(&id, &ids[1], "shipped").await;
    shipped.expect(200, "");
    assert_eq!(shipped.body["status"], "shipped");
    let etag = shipped.header("etag").unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", shipped.body["version"]));

    // Back and sideways are refused; unknown shipments are 404.
    shop.move_shipment(&id, &ids[1], "pending")
        .await
        .expect(409, "invalid_shipment_transition");
    shop.move_shipment(&id, &ids[1], "cancelled")
        .await
        .expect(409, "invalid_shipment_transition");
    shop.move_shipment(&id, "0190a0b0-0000-7000-8000-000000000000", "delivered")
        .await
        .expect(404, "not_found");
    shop.move_shipment(&id, "not-a-shipment", "delivered")
        .await
        .expect(404, "not_found");

    let one = shop.move_shipment(&id, &ids[0], "delivered").await;
    one.expect(200, "");
    assert_eq!(
        one.body["status"], "shipped",
        "one shipment is still on its way"
    );
    // The same state again changes nothing.
    let again = shop.move_shipment(&id, &ids[0], "delivered").await;
    again.expect(200, "");
    assert_eq!(again.body["version"], one.body["version"]);
    let all = shop.move_shipment(&id, &ids[1], "delivered").await;
    all.expect(200, "");
    assert_eq!(all.body["status"], "delivered");

    // The customer follows it all: shipments in the order and in its status view.
    let alice = shop.h.customer("alice");
    let order = shop.get(&format!("/order/{id}"), &alice).await;
    order.expect(200, "");
    assert_eq!(order.body["shipments"].as_array().unwrap().len(), 2);
    let history: Vec<&str> = order.body["shipments"][1]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["pending", "shipped", "delivered"]);
    let view = shop.get(&format!("/order/{id}/status"), &alice).await;
    view.expect(200, "");
    let statuses: Vec<&str> = view.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "placed",
            "processing",
            "partially_shipped",
            "shipped",
            "delivered"
        ]
    );
    assert_eq!(view.body["shipments"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_cancelled_order_does_not_ship_and_preconditions_hold() {
    let (shop, id) = Shop::new().await;
    shop.http
        .send(call("DELETE", &format!("/order/{id}")).token(&shop.h.customer("alice")))
        .await
        .expect(200, "");
    shop.ship(&id, &json!({"carrier": "ups"}))
        .await
        .expect(409, "order_not_shippable");

    let (shop, id) = Shop::new().await;
    shop.status(&id, "processing").await.expect(200, "");
    // If-Match pins the version, as for status changes.
    let stale = shop
        .http
        .send(
            call("POST", &format!("/order/{id}/shipments"))
                .token(&shop.h.admin())
                .header("if-match", "\"1\"")
                .json(&json!({})),
        )
        .await;
    stale.expect(412, "version_conflict");
    let fresh = shop
        .http
        .send(
            call("POST", &format!("/order/{id}/shipments"))
                .token(&shop.h.admin())
                .header("if-match", "\"2\"")
                .json(&json!({})),
        )
        .await;
    fresh.expect(201, "");
    assert_eq!(fresh.body["status"], "shipped");
    // Unknown orders and malformed bodies.
    shop.ship("0190a0b0-0000-7000-8000-000000000000", &json!({}))
        .await
        .expect(404, "not_found");
    shop.ship(&id, &json!({"lines": "all"}))
        .await
        .expect(422, "invalid_body");
    shop.ship(&id, &json!({"boxes": 2}))
        .await
        .expect(422, "invalid_body");
}

#[tokio::test]
async fn a_key_makes_one_shipment_however_often_it_is_sent() {
    let (shop, id) = Shop::new().await;
    shop.status(&id, "processing").await.expect(200, "");
    let body = json!({"lines": [{"productId": "sku-2", "quantity": 1}], "carrier": "fedex", "trackingNumber": "123456"});
    let send = |key: &'static str, body: Value| {
        let shop = &shop;
        let id = id.clone();
        async move {
            shop.http
                .send(
                    call("POST", &format!("/order/{id}/shipments"))
                        .token(&shop.h.admin())
                        .key(key)
                        .json(&body),
                )
                .await
        }
    };
    let first = send("box-1", body.clone()).await;
    first.expect(201, "");
    let again = send("box-1", body.clone()).await;
    again.expect(201, "");
    assert_eq!(again.body, first.body, "the replay answers the same order");
    assert_eq!(shipment_ids(&again.body).len(), 1);
    // The key with another shipment is a conflict; another key is another shipment.
    let mut other = body.clone();
    other["trackingNumber"] = json!("999");
    send("box-1", other)
        .await
        .expect(409, "idempotency_conflict");
    send("", body.clone())
        .await
        .expect(400, "invalid_idempotency_key");
    let second = send("box-2", json!({})).await;
    second.expect(201, "");
    assert_eq!(shipment_ids(&second.body).len(), 2);
    assert_eq!(second.body["status"], "shipped");
}

#[tokio::test]
async fn put_status_shipped_ships_everything_in_one_shipment() {
    let (shop, id) = Shop::new().await;
    shop.status(&id, "processing").await.expect(200, "");
    let shipped = shop.status(&id, "shipped").await;
    shipped.expect(200, "");
    assert_eq!(shipped.body["status"], "shipped");
    let alice = shop.h.customer("alice");
    for uri in [format!("/order/{id}"), format!("/order/{id}/status")] {
        let r = shop.get(&uri, &alice).await;
        r.expect(200, "");
        let shipments = r.body["shipments"].as_array().unwrap();
        assert_eq!(shipments.len(), 1, "{uri}: {}", r.text);
        assert_eq!(shipments[0]["status"], "shipped");
        assert_eq!(
            shipments[0]["lines"],
            json!([{"productId": "sku-1", "quantity": 2}, {"productId": "sku-2", "quantity": 1}])
        );
    }
    let delivered = shop.status(&id, "delivered").await;
    delivered.expect(200, "");
    assert_eq!(delivered.body["shipments"][0]["status"], "delivered");
}

#[tokio::test]
async fn customers_see_shipments_but_not_staff_tools() {
    let (shop, id) = Shop::new().await;
    shop.status(&id, "processing").await.expect(200, "");
    shop.ship(&id, &json!({"carrier": "ups", "trackingNumber": "1Z1"}))
        .await
        .expect(201, "");
    shop.http
        .send(
            call("POST", &format!("/order/{id}/notes"))
                .token(&shop.h.admin())
                .json(&json!({"text": "customer called about the secret-word parcel"})),
        )
        .await
        .expect(201, "");

    let alice = shop.h.customer("alice");
    let order = shop.get(&format!("/order/{id}"), &alice).await;
    order.expect(200, "");
    assert_eq!(order.body["shipments"][0]["trackingNumber"], "1Z1");
    let status = shop.get(&format!("/order/{id}/status"), &alice).await;
    for reply in [&order, &status] {
        assert!(
            !reply.text.contains("secret-word"),
            "a staff note reached a customer"
        );
    }
    for uri in [
        "/orders".to_owned(),
        "/orders?status=shipped".to_owned(),
        "/orders/export".to_owned(),
        format!("/order/{id}/timeline"),
        "/analytics/cancellations".to_owned(),
    ] {
        shop.get(&uri, &alice).await.expect(403, "forbidden");
    }
    let shipment = order.body["shipments"][0]["shipmentId"].as_str().unwrap();
    for c in [
        call("POST", &format!("/order/{id}/notes")).json(&json!({"text": "mine"})),
        call("POST", &format!("/order/{id}/shipments")).json(&json!({})),
        call("PUT", &format!("/order/{id}/shipments/{shipment}/status"))
            .json(&json!({"status": "delivered"})),
    ] {
        shop.http
            .send(c.token(&alice))
            .await
            .expect(403, "forbidden");
    }
    // Her own history still works beside the staff search.
    let history = shop.get("/orders/alice", &alice).await;
    history.expect(200, "");
    assert_eq!(history.body["orders"].as_array().unwrap().len(), 1);
}
