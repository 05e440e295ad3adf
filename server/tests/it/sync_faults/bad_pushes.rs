//! Bad pushes to the server the suite leaves behind (3,000 orders, three devices): each gets
//! its clear error or outcome, and nothing else changes, checked in the database after each:
//! the number of orders, every device's `lastSeq`, the pushing device's orders.
//! `sync.rs` covers each case's answer in detail; here it is the "nothing else" that counts,
//! on the real binary and on both backends.

use reqwest::blocking::Client;
use serde_json::{Value, json};

use super::fleet::Device;
use super::server_db::ServerDb;
use super::staff::send_as;
use crate::common::{address, card};
use crate::support::server_process::ServerProcess;

const RAW: &str = "pos-raw";
const USER: &str = "shopper-raw";

/// What must not change.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    total: u64,
    last_seqs: Vec<(String, u64)>,
    /// The raw device's orders, with their versions.
    orders: Vec<(String, u32)>,
}

impl Snapshot {
    fn take(db: &ServerDb, devices: &[Device]) -> Snapshot {
        let ids = devices.iter().map(|d| d.id.as_str()).chain([RAW]);
        Snapshot {
            total: db.total_orders(),
            last_seqs: ids.map(|id| (id.to_owned(), db.last_seq(id))).collect(),
            orders: db
                .orders_of(USER)
                .iter()
                .map(|o| (o.id.to_string(), o.version))
                .collect(),
        }
    }
}

pub fn change_nothing_else(server: &ServerProcess, db: &ServerDb, devices: &[Device]) {
    let http = Client::new();
    let url = format!("{}/sync/push", server.url());
    let token = |sub: &str, role: &str| server.token(sub, role).expect("a token");
    let raw = token(RAW, "device");
    let push =
        |token: &str, body: &Value, status: u16| send_as(http.post(&url).json(body), token, status);
    let refused = |token: &str, body: &Value, status: u16, code: &str| {
        let problem = push(token, body, status);
        assert_eq!(problem["code"], code, "{problem}");
    };

    // The raw device's first order: it has a lastSeq, and a key to conflict with.
    let first = new_id();
    let answer = push(&raw, &envelope(RAW, vec![place(1, "raw-1", &first)]), 200);
    assert_eq!(answer["results"][0]["outcome"], "accepted", "{answer}");
    let before = Snapshot::take(db, devices);
    assert_eq!(before.total, 3_001);
    let unchanged = |what: &str| assert_eq!(Snapshot::take(db, devices), before, "after {what}");

    // Another device's id, either way round.
    let next = envelope(RAW, vec![place(2, "raw-2", &new_id())]);
    refused(&devices[0].token, &next, 403, "forbidden");
    unchanged("a push with another device's token");
    let theirs = envelope(&devices[0].id, vec![place(1_011, "raw-2", &new_id())]);
    refused(&raw, &theirs, 403, "forbidden");
    unchanged("a push for another device");

    // A customer's token.
    refused(&token(USER, "customer"), &next, 403, "forbidden");
    unchanged("a customer's push");

    // A gap: nothing applied, and the answer says where to resume.
    let skipped = new_id();
    let answer = push(&raw, &envelope(RAW, vec![place(3, "raw-3", &skipped)]), 200);
    assert_eq!(
        (answer["lastSeq"].clone(), answer["results"].clone()),
        (json!(1), json!([]))
    );
    unchanged("a push after a gap");

    // Malformed bodies.
    let malformed = http
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"deviceId\": ");
    assert_eq!(send_as(malformed, &raw, 400)["code"], "malformed_json");
    let mut late = envelope(
        RAW,
        vec![place(3, "raw-3", &new_id()), place(2, "raw-2", &new_id())],
    );
    refused(&raw, &late, 422, "invalid_field");
    late["deviceTime"] = json!("yesterday");
    refused(&raw, &late, 422, "invalid_field");
    refused(
        &raw,
        &json!({"deviceId": RAW, "operations": []}),
        422,
        "invalid_body",
    );
    unchanged("malformed pushes");

    // Over 500 operations, even though the first would apply.
    let many = (2..=502)
        .map(|seq| place(seq, &format!("raw-{seq}"), &new_id()))
        .collect();
    refused(&raw, &envelope(RAW, many), 422, "too_many_operations");
    unchanged("a push of 501 operations");

    // A key already used for another body: a conflict, which is the operation's result (the
    // device's lastSeq moves on) and stores nothing; answered again, the same.
    let other = new_id();
    let conflicting = envelope(RAW, vec![place(2, "raw-1", &other)]);
    let answer = push(&raw, &conflicting, 200);
    let result = &answer["results"][0];
    assert_eq!(
        (&result["outcome"], &result["code"], &answer["lastSeq"]),
        (
            &json!("conflict"),
            &json!("idempotency_conflict"),
            &json!(2)
        ),
        "{answer}"
    );
    assert_eq!(push(&raw, &conflicting, 200)["results"], answer["results"]);
    let after = Snapshot::take(db, devices);
    let mut expected = before;
    if let Some(raw_seq) = expected.last_seqs.iter_mut().find(|(id, _)| id == RAW) {
        raw_seq.1 = 2;
    }
    assert_eq!(after, expected, "after a conflicting key");
    for id in [&skipped, &other] {
        let missing = http.get(format!("{}/order/{id}", server.url()));
        send_as(missing, &token("ops", "admin"), 404);
    }
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    orderly::Timestamp::from_unix_millis(i64::try_from(now).expect("a time")).to_rfc3339()
}

fn envelope(device: &str, operations: Vec<Value>) -> Value {
    json!({"deviceId": device, "deviceTime": now(), "operations": operations})
}

/// A `place` of 2 x 19.99 to New York by standard shipping, priced as the server prices it.
fn place(seq: u64, key: &str, order_id: &str) -> Value {
    let order = json!({
        "orderId": order_id,
        "userId": USER,
        "currency": "USD",
        "items": [{"productId": "sku-1", "name": "Espresso beans", "quantity": 2, "unitPrice": "19.99"}],
        "totals": {"subtotal": "39.98", "shipping": "4.99", "tax": "1.60", "discount": "0.00", "total": "46.57"},
        "deliveryAddress": address(),
        "paymentMethod": card(),
        "shippingMethod": "standard",
        "capturedAt": now(),
    });
    json!({"seq": seq, "op": "place", "idempotencyKey": key, "order": order})
}
