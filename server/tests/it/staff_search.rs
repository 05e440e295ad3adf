//! Staff search over real HTTP: `GET /orders` with filters and cursor paging, the CSV export
//! read back as RFC 4180, and the timeline with staff notes.

use std::collections::BTreeSet;

use crate::common;

use common::{Harness, OverHttp, call, cart, standard_cart};
use orderly::{InMemoryCarts, RawCart, RawCartItem};
use serde_json::{Value, json};

/// A shop with orders of three users: alice (2), bob (1, in EUR, with a name that needs
/// quoting in CSV) and carol@example.com (1, processing).
struct Shop {
    h: Harness,
    http: OverHttp,
    alice: Vec<String>,
    bob: String,
    carol: String,
}

const TRICKY_NAME: &str = "Beans, \"fine\" ground";

fn tricky_cart() -> RawCart {
    RawCart {
        user_id: "bob".into(),
        currency: "EUR".into(),
        items: vec![
            RawCartItem {
                product_id: "sku-7".into(),
                name: TRICKY_NAME.into(),
                quantity: 3,
                unit_price: "2.50".into(),
            },
            RawCartItem {
                product_id: "sku-8".into(),
                name: "=SUM(A1)".into(),
                quantity: 1,
                unit_price: "1.00".into(),
            },
        ],
        updated_at: None,
    }
}

async fn shop() -> Shop {
    let carts = std::sync::Arc::new(InMemoryCarts::new());
    let h = Harness::new(carts.clone());
    let http = OverHttp::start(&h).await;
    carts.set(standard_cart("alice"));
    let mut alice = Vec::new();
    for key in ["a-1", "a-2"] {
        let o = http.place(&h, "alice", key).await;
        alice.push(o["orderId"].as_str().unwrap().to_owned());
    }
    carts.set(tricky_cart());
    let bob = http.place(&h, "bob", "b-1").await["orderId"]
        .as_str()
        .unwrap()
        .to_owned();
    carts.set(cart("carol@example.com", &[("sku-9", 1, "80.00")]));
    let carol = http.place(&h, "carol@example.com", "c-1").await["orderId"]
        .as_str()
        .unwrap()
        .to_owned();
    http.send(
        call("PUT", &format!("/order/{carol}/status"))
            .token(&h.admin())
            .json(&json!({"status": "processing"})),
    )
    .await
    .expect(200, "");
    Shop {
        h,
        http,
        alice,
        bob,
        carol,
    }
}

impl Shop {
    /// The ids `GET /orders?{query}` finds, all pages followed.
    async fn found(&self, query: &str) -> Vec<String> {
        let r = self
            .http
            .send(call("GET", &format!("/orders?{query}")).token(&self.h.service()))
            .await;
        r.expect(200, "");
        assert!(r.body["nextCursor"].is_null(), "{query}: {}", r.text);
        ids(&r.body)
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["orderId"].as_str().unwrap().to_owned())
        .collect()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn filters_narrow_the_search_and_cursors_page_through_it() {
    let s = shop().await;
    let all = s.found("").await;
    assert_eq!(all.len(), 4);
    // Newest first by default; the pages are the orders as stored.
    assert_eq!(all[0], s.carol);
    assert_eq!(
        sorted(s.found("userId=alice").await),
        sorted(s.alice.clone())
    );
    assert_eq!(
        s.found("status=processing").await,
        std::slice::from_ref(&s.carol)
    );
    assert_eq!(
        sorted(s.found("status=processing&status=placed").await),
        sorted(all.clone())
    );
    assert_eq!(s.found("status=placed,processing").await.len(), 4);
    assert_eq!(
        s.found("productId=sku-7").await,
        std::slice::from_ref(&s.bob)
    );
    assert_eq!(s.found("currency=EUR").await, std::slice::from_ref(&s.bob));
    assert_eq!(
        s.found("currency=USD&totalMin=60.00").await,
        std::slice::from_ref(&s.carol)
    );
    assert_eq!(
        s.found("q=CAROL%40example.com").await,
        std::slice::from_ref(&s.carol)
    );
    assert_eq!(
        s.found(&format!("q={}", &s.bob[..13])).await,
        std::slice::from_ref(&s.bob)
    );
    assert_eq!(s.found("q=nobody").await, Vec::<String>::new());
    let ascending = s.found("sort=total&direction=asc").await;
    assert_eq!(ascending.first(), Some(&s.bob), "the smallest total first");

    // Two at a time, following nextCursor: every order once.
    let mut seen = Vec::new();
    let mut uri = "/orders?limit=2".to_owned();
    loop {
        let r = s.http.send(call("GET", &uri).token(&s.h.admin())).await;
        r.expect(200, "");
        let page = ids(&r.body);
        assert!(page.len() <= 2);
        seen.extend(page);
        match r.body["nextCursor"].as_str() {
            Some(cursor) => uri = format!("/orders?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, all);

    // Every mistake is the engine's, with its code.
    for (query, code) in [
        ("colour=red", "invalid_field"),
        ("status=lost", "invalid_status"),
        ("limit=0", "limit_out_of_range"),
        ("limit=201", "limit_out_of_range"),
        ("cursor=nope", "invalid_cursor"),
        ("totalMin=5", "invalid_field"),
        ("sort=name", "invalid_field"),
        ("userId=a%20b", "invalid_user_id"),
    ] {
        s.http
            .send(call("GET", &format!("/orders?{query}")).token(&s.h.admin()))
            .await
            .expect(422, code);
    }
    // The history route beside it still answers.
    let history = s
        .http
        .send(call("GET", "/orders/alice").token(&s.h.admin()))
        .await;
    history.expect(200, "");
    assert_eq!(ids(&history.body).len(), 2);
}

/// Parses RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => {
                assert!(field.is_empty(), "a quote inside an unquoted field");
                quoted = true;
            }
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\n') => panic!("a bare LF ends a row"),
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "an unterminated quoted field");
    assert!(
        field.is_empty() && row.is_empty(),
        "the last row lacks CRLF"
    );
    rows
}

#[tokio::test]
async fn the_export_is_rfc_4180_csv_with_a_row_per_order_line() {
    let s = shop().await;
    let r = s
        .http
        .send(call("GET", "/orders/export").token(&s.h.admin()))
        .await;
    r.expect(200, "");
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"orders.csv\"")
    );
    let rows = parse_csv(&r.text);
    let header = &rows[0];
    assert_eq!(header[0], "orderId");
    assert!(rows.iter().all(|row| row.len() == header.len()));
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    // alice 2 x 2 lines, bob 2 lines, carol 1 line.
    assert_eq!(rows.len() - 1, 7);
    let orders: BTreeSet<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(orders.len(), 4);
    let bob_rows: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == s.bob).collect();
    assert_eq!(bob_rows.len(), 2);
    let names: Vec<&str> = bob_rows
        .iter()
        .map(|r| r[column("productName")].as_str())
        .collect();
    assert!(names.contains(&TRICKY_NAME), "{names:?}");
    assert!(
        names.contains(&"'=SUM(A1)"),
        "formulas are defused: {names:?}"
    );
    assert!(bob_rows.iter().all(|r| r[column("currency")] == "EUR"));

    // The filters apply; cursor and limit do not.
    let r = s
        .http
        .send(
            call("GET", "/orders/export?userId=alice&limit=1&cursor=whatever")
                .token(&s.h.service()),
        )
        .await;
    r.expect(200, "");
    let rows = parse_csv(&r.text);
    assert_eq!(rows.len() - 1, 4);
    assert!(rows[1..].iter().all(|r| s.alice.contains(&r[0])));
    // No match: the header alone.
    let r = s
        .http
        .send(call("GET", "/orders/export?productId=none").token(&s.h.admin()))
        .await;
    r.expect(200, "");
    assert_eq!(parse_csv(&r.text).len(), 1);

    // Refusals are problems, before any CSV.
    s.http
        .send(call("GET", "/orders/export?colour=red").token(&s.h.admin()))
        .await
        .expect(422, "invalid_field");
    s.http
        .send(call("GET", "/orders/export").token(&s.h.customer("alice")))
        .await
        .expect(403, "forbidden");
}

#[tokio::test]
async fn a_large_export_streams_every_order() {
    let (h, carts) = Harness::in_memory();
    let http = OverHttp::start(&h).await;
    carts.set(standard_cart("dave"));
    // More orders than one page of the export's store reads.
    let service = h.state.service().clone();
    tokio::task::spawn_blocking(move || {
        for i in 0..1203 {
            let request = orderly::PlaceOrderRequest {
                user_id: orderly::UserId::new("dave").unwrap(),
                delivery_address: serde_json::from_value(common::address()).unwrap(),
                payment_method: orderly::PaymentMethod::CashOnDelivery,
                shipping_method: None,
                checkout_id: None,
                discount_code: None,
                metadata: None,
            };
            let caller = orderly::Caller::customer(&request.user_id);
            let key = orderly::IdempotencyKey::new(format!("k-{i}")).unwrap();
            service.place_order(&caller, &request, &key).unwrap();
        }
    })
    .await
    .unwrap();
    let r = http
        .send(call("GET", "/orders/export").token(&h.admin()))
        .await;
    r.expect(200, "");
    let rows = parse_csv(&r.text);
    assert_eq!(rows.len() - 1, 1203 * 2);
    let orders: BTreeSet<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(orders.len(), 1203);
}

#[tokio::test]
async fn the_timeline_merges_milestones_shipments_and_staff_notes() {
    let s = shop().await;
    let id = &s.carol;
    let admin = s.h.admin();
    let note = |key: Option<&'static str>, text: &'static str| {
        let mut c = call("POST", &format!("/order/{id}/notes"))
            .token(&admin)
            .json(&json!({"text": text}));
        if let Some(key) = key {
            c = c.key(key);
        }
        s.http.send(c)
    };
    let first = note(Some("n-1"), "  called the customer  ").await;
    first.expect(201, "");
    assert_eq!(first.body["text"], "called the customer");
    assert_eq!(first.body["actor"], "admin:ops");
    assert_eq!(first.body["orderId"], id.as_str());
    let again = note(Some("n-1"), "called the customer").await;
    again.expect(201, "");
    assert_eq!(
        again.body["noteId"], first.body["noteId"],
        "one note per key"
    );
    note(None, "   ").await.expect(422, "invalid_field");
    note(None, "card 4242 4242 4242 4242")
        .await
        .expect(422, "card_number_refused");
    s.http
        .send(
            call("POST", "/order/0190a0b0-0000-7000-8000-000000000000/notes")
                .token(&admin)
                .json(&json!({"text": "x"})),
        )
        .await
        .expect(404, "not_found");

    s.http
        .send(
            call("POST", &format!("/order/{id}/shipments"))
                .token(&admin)
                .json(&json!({"carrier": "dhl"})),
        )
        .await
        .expect(201, "");
    let r = s
        .http
        .send(call("GET", &format!("/order/{id}/timeline")).token(&s.h.service()))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["orderId"], id.as_str());
    let entries = r.body["entries"].as_array().unwrap();
    let kinds: Vec<(&str, Option<&str>)> = entries
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["status"].as_str()))
        .collect();
    for expected in [
        ("status", Some("placed")),
        ("status", Some("processing")),
        ("status", Some("shipped")),
        ("shipment", Some("shipped")),
        ("note", None),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
    }
    let notes: Vec<&Value> = entries.iter().filter(|e| e["kind"] == "note").collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["internal"], true);
    assert_eq!(notes[0]["note"], "called the customer");
    assert_eq!(notes[0]["actorKind"], "staff");
    assert!(
        entries
            .iter()
            .filter(|e| e["kind"] != "note")
            .all(|e| e["internal"] == false)
    );

    // The customer sees neither the note nor the timeline.
    let carol = s.h.customer("carol@example.com");
    let order = s
        .http
        .send(call("GET", &format!("/order/{id}")).token(&carol))
        .await;
    order.expect(200, "");
    assert!(!order.text.contains("called the customer"));
    s.http
        .send(call("GET", &format!("/order/{id}/timeline")).token(&carol))
        .await
        .expect(403, "forbidden");
}
