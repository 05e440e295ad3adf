//! Cancellation reasons over real HTTP: the contract's `?reason=` (a reason word, or any text
//! kept as the note), the newer `?note=`, who may give which reason, and the analytics that
//! count cancellations by reason.

use crate::common;

use common::{Harness, OverHttp, call, standard_cart};
use serde_json::Value;

fn last_milestone(order: &Value) -> &Value {
    order["history"].as_array().unwrap().last().unwrap()
}

#[tokio::test]
async fn reasons_are_kept_and_counted() {
    let (h, carts) = Harness::in_memory();
    let http = OverHttp::start(&h).await;
    carts.set(standard_cart("alice"));
    let mut ids = Vec::new();
    for i in 0..6 {
        let o = http.place(&h, "alice", &format!("k-{i}")).await;
        ids.push(o["orderId"].as_str().unwrap().to_owned());
    }
    let alice = h.customer("alice");
    let admin = h.admin();
    let cancel = |id: &str, query: &str, token: &str| {
        http.send(call("DELETE", &format!("/order/{id}{query}")).token(token))
    };

    // The contract: free text in `reason` is the note, with the customer's reason.
    let r = cancel(&ids[0], "?reason=changed%20my%20mind", &alice).await;
    r.expect(200, "");
    assert_eq!(r.body["status"], "cancelled");
    let m = last_milestone(&r.body);
    assert_eq!(m["note"], "changed my mind");
    assert_eq!(m["reason"], "customer");
    assert_eq!(m["actor"], "customer:alice");

    // A customer may give only `customer`.
    cancel(&ids[1], "?reason=fraud", &alice)
        .await
        .expect(403, "forbidden");
    // With a note, the reason must be a word from the list.
    cancel(&ids[1], "?reason=bogus&note=x", &admin)
        .await
        .expect(422, "invalid_field");

    let r = cancel(
        &ids[1],
        "?reason=fraud&note=card%20reported%20stolen",
        &admin,
    )
    .await;
    r.expect(200, "");
    let m = last_milestone(&r.body);
    assert_eq!(m["reason"], "fraud");
    assert_eq!(m["note"], "card reported stolen");
    let r = cancel(&ids[2], "?reason=inventory", &h.service()).await;
    r.expect(200, "");
    assert_eq!(last_milestone(&r.body)["reason"], "inventory");
    assert!(last_milestone(&r.body)["note"].is_null());
    // Staff without a reason: `staff`; the customer with only a note: `customer`.
    let r = cancel(&ids[3], "", &admin).await;
    r.expect(200, "");
    assert_eq!(last_milestone(&r.body)["reason"], "staff");
    let r = cancel(&ids[4], "?note=too%20slow", &alice).await;
    r.expect(200, "");
    assert_eq!(last_milestone(&r.body)["reason"], "customer");
    assert_eq!(last_milestone(&r.body)["note"], "too slow");
    // Cancelling again changes nothing and counts nothing.
    let again = cancel(&ids[2], "?reason=fraud", &admin).await;
    again.expect(200, "");
    assert_eq!(last_milestone(&again.body)["reason"], "inventory");

    // The status view shows the reason too.
    let view = http
        .send(call("GET", &format!("/order/{}/status", ids[1])).token(&alice))
        .await;
    view.expect(200, "");
    assert_eq!(last_milestone(&view.body)["reason"], "fraud");

    let r = http
        .send(call("GET", "/analytics/cancellations").token(&admin))
        .await;
    r.expect(200, "");
    let counts: Vec<(&str, u64)> = r.body["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["reason"].as_str().unwrap(), c["orders"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        counts,
        [
            ("customer", 2),
            ("inventory", 1),
            ("fraud", 1),
            ("payment_declined", 0),
            ("staff", 1),
            ("other", 0),
        ]
    );
    // The other analytics see the cancellations too.
    let by_status = http
        .send(call("GET", "/analytics/orders-by-status").token(&admin))
        .await;
    by_status.expect(200, "");
    let cancelled = by_status.body["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "cancelled")
        .unwrap();
    assert_eq!(cancelled["orders"], 5);
    http.send(call("GET", "/analytics/cancellations").token(&alice))
        .await
        .expect(403, "forbidden");
}
