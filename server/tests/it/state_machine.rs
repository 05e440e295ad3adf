//! The order status machine through HTTP, with ETags and If-Match.

use crate::common;

use common::{Harness, call, place, standard_cart};
use serde_json::json;

async fn put(h: &Harness, id: &str, status: &str, if_match: Option<&str>) -> common::Reply {
    let mut c = call("PUT", &format!("/order/{id}/status"))
        .token(&h.admin())
        .json(&json!({"status": status}));
    if let Some(tag) = if_match {
        c = c.header("if-match", tag);
    }
    h.send(c).await
}

#[tokio::test]
async fn the_happy_path_and_what_is_refused_on_the_way() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let o = place(&h, "alice", "k").await;
    let id = o["orderId"].as_str().unwrap();

    // Skipping ahead and going back are refused.
    put(&h, id, "shipped", None)
        .await
        .expect(409, "invalid_transition");
    put(&h, id, "delivered", None)
        .await
        .expect(409, "invalid_transition");

    let mut version = 1;
    for next in ["processing", "shipped", "delivered"] {
        let r = put(&h, id, next, None).await;
        r.expect(200, "");
        version += 1;
        assert_eq!(r.body["status"], next);
        assert_eq!(r.body["version"], version);
        assert_eq!(r.header("etag").unwrap(), format!("\"{version}\""));
        // Setting the current status again is a no-op 200.
        let same = put(&h, id, next, None).await;
        same.expect(200, "");
        assert_eq!(same.body["version"], version);
    }
    for back in ["placed", "processing", "shipped", "cancelled"] {
        put(&h, id, back, None)
            .await
            .expect(409, "invalid_transition");
    }
    // Cancelling a delivered order: 409 for the customer too.
    h.send(call("DELETE", &format!("/order/{id}")).token(&h.customer("alice")))
        .await
        .expect(409, "invalid_transition");

    let r = h
        .send(call("GET", &format!("/order/{id}/status")).token(&h.customer("alice")))
        .await;
    let statuses: Vec<_> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        vec![
            json!("placed"),
            json!("processing"),
            json!("shipped"),
            json!("delivered")
        ]
    );
    assert_eq!(r.header("etag"), Some("\"4\""));
}

#[tokio::test]
async fn cancellation_from_placed_and_processing_only() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let alice = h.customer("alice");
    let a = place(&h, "alice", "a").await;
    let b = place(&h, "alice", "b").await;
    let c = place(&h, "alice", "c").await;
    let (a, b, c) = (
        a["orderId"].as_str().unwrap(),
        b["orderId"].as_str().unwrap(),
        c["orderId"].as_str().unwrap(),
    );

    h.send(call("DELETE", &format!("/order/{a}")).token(&alice))
        .await
        .expect(200, "");
    put(&h, b, "processing", None).await.expect(200, "");
    let r = h
        .send(call("DELETE", &format!("/order/{b}")).token(&alice))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["status"], "cancelled");
    put(&h, c, "processing", None).await.expect(200, "");
    put(&h, c, "shipped", None).await.expect(200, "");
    h.send(call("DELETE", &format!("/order/{c}")).token(&alice))
        .await
        .expect(409, "invalid_transition");
    // Staff can cancel through the status endpoint too, but not out of a final state.
    put(&h, a, "processing", None)
        .await
        .expect(409, "invalid_transition");
}

#[tokio::test]
async fn if_match_guards_status_changes_and_cancellation() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let o = place(&h, "alice", "k").await;
    let id = o["orderId"].as_str().unwrap();

    let r = h
        .send(call("GET", &format!("/order/{id}")).token(&h.admin()))
        .await;
    let tag = r.header("etag").unwrap().to_owned();
    assert_eq!(tag, "\"1\"");

    put(&h, id, "processing", Some(&tag)).await.expect(200, "");
    // The same (now stale) tag again: 412, and nothing changes.
    let r = put(&h, id, "shipped", Some(&tag)).await;
    r.expect(412, "version_conflict");
    let r = h
        .send(call("GET", &format!("/order/{id}")).token(&h.admin()))
        .await;
    assert_eq!(r.body["status"], "processing");
    assert_eq!(r.header("etag"), Some("\"2\""));

    // Weak tags, tags this server never issues and values that are not tags cannot match.
    put(&h, id, "shipped", Some("W/\"2\""))
        .await
        .expect(412, "version_conflict");
    put(&h, id, "shipped", Some("\"abc\""))
        .await
        .expect(412, "version_conflict");
    put(&h, id, "shipped", Some("2"))
        .await
        .expect(412, "version_conflict");
    put(&h, id, "shipped", Some(""))
        .await
        .expect(412, "version_conflict");
    // Preconditions do not hide that an order does not exist.
    let unknown = "01890a5d-ac96-774b-bcce-b302099a8057";
    put(&h, unknown, "shipped", Some("\"1\""))
        .await
        .expect(404, "not_found");
    put(&h, unknown, "shipped", Some("\"1\", \"2\""))
        .await
        .expect(404, "not_found");
    put(&h, "nope", "shipped", Some("W/\"1\""))
        .await
        .expect(404, "not_found");
    // A list matches if any tag is current; `*` matches any.
    put(&h, id, "shipped", Some("\"1\", \"2\""))
        .await
        .expect(200, "");
    put(&h, id, "delivered", Some("\"1\", \"2\""))
        .await
        .expect(412, "version_conflict");

    // DELETE honours If-Match as well.
    let other = place(&h, "alice", "k2").await;
    let other = other["orderId"].as_str().unwrap();
    let alice = h.customer("alice");
    h.send(
        call("DELETE", &format!("/order/{other}"))
            .token(&alice)
            .header("if-match", "\"7\""),
    )
    .await
    .expect(412, "version_conflict");
    let r = h
        .send(
            call("DELETE", &format!("/order/{other}"))
                .token(&alice)
                .header("if-match", "\"1\""),
        )
        .await;
    r.expect(200, "");
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.header("etag"), Some("\"2\""));
    h.send(
        call("DELETE", &format!("/order/{other}"))
            .token(&alice)
            .header("if-match", "*"),
    )
    .await
    .expect(200, "");
}

#[tokio::test]
async fn who_may_change_a_status_is_decided_before_if_match_is_weighed() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let o = place(&h, "alice", "k").await;
    let id = o["orderId"].as_str().unwrap();
    let alice = h.customer("alice");
    // Whatever If-Match says, on her own order or on one that does not exist, a customer
    // is refused for who she is, and the order does not change.
    let unknown = "01890a5d-ac96-774b-bcce-b302099a8057";
    for target in [id, unknown] {
        for if_match in [
            None,
            Some("\"1\""),
            Some("\"9\""),
            Some("not-a-tag"),
            Some("\"1\", \"2\""),
            Some("*"),
        ] {
            let mut c = call("PUT", &format!("/order/{target}/status"))
                .token(&alice)
                .json(&json!({"status": "processing"}));
            if let Some(tag) = if_match {
                c = c.header("if-match", tag);
            }
            h.send(c).await.expect(403, "forbidden");
        }
    }
    let r = h
        .send(call("GET", &format!("/order/{id}")).token(&h.admin()))
        .await;
    assert_eq!(r.body["status"], "placed");
    assert_eq!(r.header("etag"), Some("\"1\""));
}
