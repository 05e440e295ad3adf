//! Offline sync over real HTTP: `POST /sync/push` and `GET /sync/pull` with device tokens,
//! every outcome and its code, exactly-once replays and races, gaps, the pull feed with its
//! cursors and limits, and a device engine syncing through the sync client while the server
//! goes away and comes back. On the store `fresh_store` picks (MariaDB in the MariaDB pass).

use std::sync::Arc;
use std::time::Duration;

use orderly::store::{StoreResult, SyncWrite, SyncWriteOutcome};
use orderly::sync::OfflinePolicy;
use orderly::{Currency, Embedded, InMemoryCarts, RawCartItem, Role, ServiceConfig, Timestamp};
use orderly::{Store, StoreDecorator, StoreError, StoreErrorKind};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::common::{Harness, Reply, TestServer, address, call, card};

/// A server with an offline amount limit of 100.00 USD, on a real socket.
struct Env {
    h: Harness,
    server: TestServer,
    client: reqwest::Client,
}

impl Env {
    async fn start() -> Env {
        let mut offline = OfflinePolicy::default();
        offline
            .amount_limits
            .insert(Currency::from_code("USD").unwrap(), 10_000);
        let config = ServiceConfig {
            offline,
            ..ServiceConfig::default()
        };
        let h = Harness::build(Arc::new(InMemoryCarts::new()), |b| b.config(config));
        let server = TestServer::start(h.state.clone()).await;
        Env {
            h,
            server,
            client: reqwest::Client::new(),
        }
    }

    fn device(&self, id: &str) -> String {
        self.h.token(id, Role::Device)
    }

    async fn send(&self, c: crate::common::Call) -> Reply {
        Reply::from_reqwest(
            c.into_reqwest(&self.client, &self.server.base)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn push(&self, device: &str, operations: Vec<Value>) -> Reply {
        self.push_as(&self.device(device), device, operations).await
    }

    async fn push_as(&self, token: &str, device: &str, operations: Vec<Value>) -> Reply {
        let body = json!({
            "deviceId": device,
            "deviceTime": now().to_rfc3339(),
            "operations": operations,
        });
        self.send(call("POST", "/sync/push").token(token).json(&body))
            .await
    }

    async fn pull(&self, device: &str, query: &str) -> Reply {
        self.send(call("GET", &format!("/sync/pull{query}")).token(&self.device(device)))
            .await
    }

    async fn order(&self, id: &str) -> Reply {
        self.send(call("GET", &format!("/order/{id}")).token(&self.h.admin()))
            .await
    }

    async fn set_status(&self, id: &str, status: &str) {
        self.send(
            call("PUT", &format!("/order/{id}/status"))
                .token(&self.h.admin())
                .json(&json!({"status": status})),
        )
        .await
        .expect(200, "");
    }

    fn events(&self) -> usize {
        self.h
            .state
            .service()
            .store()
            .pending_events(10_000)
            .unwrap()
            .len()
    }
}

fn now() -> Timestamp {
    Timestamp::from_unix_millis(chrono_now_ms())
}

fn chrono_now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// 2 x 19.99 to New York by standard shipping, priced as the server prices it: 39.98 + 4.99
/// shipping + 1.60 tax = 46.57.
fn captured(order_id: &str) -> Value {
    json!({
        "orderId": order_id,
        "userId": "alice",
        "currency": "USD",
        "items": [{"productId": "sku-1", "name": "Espresso beans", "quantity": 2, "unitPrice": "19.99"}],
        "totals": {"subtotal": "39.98", "shipping": "4.99", "tax": "1.60", "discount": "0.00", "total": "46.57"},
        "deliveryAddress": address(),
        "paymentMethod": card(),
        "shippingMethod": "standard",
        "capturedAt": now().to_rfc3339(),
        "metadata": {"register": "front"}
    })
}

fn place(seq: u64, key: &str, order: Value) -> Value {
    json!({"seq": seq, "op": "place", "idempotencyKey": key, "order": order})
}

fn cancel(seq: u64, order_id: &str) -> Value {
    json!({"seq": seq, "op": "cancel", "orderId": order_id, "reason": "customer left"})
}

fn results(reply: &Reply) -> Vec<(String, Option<String>)> {
    reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["outcome"].as_str().unwrap().to_owned(),
                r["code"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn outcome(o: &str, code: Option<&str>) -> (String, Option<String>) {
    (o.to_owned(), code.map(str::to_owned))
}

#[tokio::test]
async fn every_outcome_has_its_code_and_stored_orders_join_the_rest() {
    let env = Env::start().await;
    let accepted = new_id();
    let variance = new_id();
    let mut cheap = captured(&variance);
    cheap["totals"] = json!({"subtotal": "39.98", "shipping": "4.99", "tax": "0.00", "discount": "0.00", "total": "44.97"});
    let old = new_id();
    let mut stale = captured(&old);
    stale["capturedAt"] = json!(now().plus_millis(-80 * 3_600_000).to_rfc3339());
    let large = new_id();
    let mut big = captured(&large);
    big["items"][0]["quantity"] = json!(10);
    big["totals"] = json!({"subtotal": "199.90", "shipping": "0.00", "tax": "0.00", "discount": "0.00", "total": "199.90"});
    let mut bad_address = captured(&new_id());
    bad_address["deliveryAddress"]["country"] = json!("ZZ");
    let mut expired = captured(&new_id());
    expired["paymentMethod"]["expYear"] = json!(2001);
    let mut currency = captured(&new_id());
    currency["currency"] = json!("XYZ");
    let mut mismatch = captured(&new_id());
    mismatch["totals"]["total"] = json!("46.58");
    let conflicting = captured(&new_id());

    let reply = env
        .push(
            "pos-1",
            vec![
                place(1, "k-accepted", captured(&accepted)),
                place(2, "k-variance", cheap),
                place(3, "k-old", stale),
                place(4, "k-large", big),
                place(5, "k-address", bad_address),
                place(6, "k-card", expired),
                place(7, "k-currency", currency),
                place(8, "k-totals", mismatch),
                place(9, "k-accepted", conflicting),
                json!({"seq": 10, "op": "explode", "orderId": accepted}),
            ],
        )
        .await;
    reply.expect(200, "");
    assert_eq!(reply.body["lastSeq"], 10);
    assert!(reply.body["serverTime"].is_string());
    assert_eq!(
        results(&reply),
        vec![
            outcome("accepted", None),
            outcome("accepted_with_variance", Some("price_variance")),
            outcome("needs_review", Some("offline_limit_exceeded")),
            outcome("needs_review", Some("offline_amount_exceeded")),
            outcome("rejected", Some("invalid_country")),
            outcome("rejected", Some("card_expired")),
            outcome("rejected", Some("unknown_currency")),
            outcome("rejected", Some("totals_mismatch")),
            outcome("conflict", Some("idempotency_conflict")),
            outcome("rejected", Some("invalid_operation")),
        ]
    );
    assert!(!reply.text.contains("tok_visa_4242"), "{}", reply.text);

    // Stored as captured, with where and when it was captured; nothing of the rejected.
    let order = env.order(&accepted).await;
    order.expect(200, "");
    assert_eq!(order.body["totals"]["total"]["amount"], "46.57");
    assert_eq!(order.body["offline"]["deviceId"], "pos-1");
    assert_eq!(order.body["metadata"]["register"], "front");
    assert_eq!(order.body["history"][0]["actor"], "device:pos-1");
    assert!(!order.text.contains("tok_visa_4242"));
    let varied = env.order(&variance).await;
    assert_eq!(varied.body["totals"]["total"]["amount"], "44.97");
    let note = varied.body["history"][0]["note"].as_str().unwrap();
    assert!(note.contains("44.97") && note.contains("46.57"), "{note}");
    let review = env.order(&old).await;
    assert_eq!(review.body["offline"]["review"], "offline_limit_exceeded");
    let review = env.order(&large).await;
    assert_eq!(review.body["offline"]["review"], "offline_amount_exceeded");
    // Four orders stored: four order.placed events in the same outbox as online orders.
    assert_eq!(env.events(), 4);
    // The token stays beside the order, as online.
    let token = env
        .h
        .state
        .service()
        .store()
        .payment_token(&orderly::OrderId::parse(&accepted).unwrap())
        .unwrap();
    assert_eq!(token.as_deref(), Some("tok_visa_4242"));

    // Staff resolve a review by moving the order: the flag is cleared.
    env.set_status(&large, "processing").await;
    let resolved = env.order(&large).await;
    assert!(
        resolved.body["offline"].get("review").is_none(),
        "{}",
        resolved.text
    );
}

#[tokio::test]
async fn the_clock_offset_corrects_the_capture_time() {
    let env = Env::start().await;
    let id = new_id();
    // The device's clock is an hour behind; it captured the order five minutes ago.
    let device_now = now().plus_millis(-3_600_000);
    let mut order = captured(&id);
    order["capturedAt"] = json!(device_now.plus_millis(-300_000).to_rfc3339());
    let body = json!({
        "deviceId": "pos-1",
        "deviceTime": device_now.to_rfc3339(),
        "operations": [place(1, "k-1", order)],
    });
    let reply = env
        .send(
            call("POST", "/sync/push")
                .token(&env.device("pos-1"))
                .json(&body),
        )
        .await;
    assert_eq!(results(&reply), vec![outcome("accepted", None)]);
    let stored = env.order(&id).await;
    let created = Timestamp::parse_rfc3339(stored.body["createdAt"].as_str().unwrap()).unwrap();
    let age = now().unix_millis() - created.unix_millis();
    assert!((290_000..400_000).contains(&age), "created {age} ms ago");
    assert_eq!(
        stored.body["createdAt"],
        stored.body["offline"]["correctedCapturedAt"]
    );
    assert_ne!(
        stored.body["offline"]["capturedAt"],
        stored.body["offline"]["correctedCapturedAt"]
    );
}

#[tokio::test]
async fn a_replayed_push_answers_the_same_results_and_writes_nothing() {
    let env = Env::start().await;
    let a = new_id();
    let ops = vec![
        place(1, "k-1", captured(&a)),
        place(2, "k-2", captured(&new_id())),
        cancel(3, &a),
    ];
    let first = env.push("pos-1", ops.clone()).await;
    first.expect(200, "");
    let events = env.events();
    let again = env.push("pos-1", ops).await;
    again.expect(200, "");
    assert_eq!(again.body["results"], first.body["results"]);
    assert_eq!(again.body["lastSeq"], 3);
    assert_eq!(env.events(), events);
    // The same order under a new seq is the order already stored, not a second one.
    let mut seq4 = captured(&a);
    seq4["capturedAt"] = first_captured(&env, &a).await;
    let reply = env.push("pos-1", vec![place(4, "k-1", seq4)]).await;
    assert_eq!(reply.body["lastSeq"], 4);
    assert_eq!(env.events(), events);
}

async fn first_captured(env: &Env, id: &str) -> Value {
    env.order(id).await.body["offline"]["capturedAt"].clone()
}

#[tokio::test]
async fn a_gap_stops_the_push_where_the_device_must_resume() {
    let env = Env::start().await;
    let reply = env
        .push("pos-1", vec![place(1, "k-1", captured(&new_id()))])
        .await;
    assert_eq!(reply.body["lastSeq"], 1);
    let skipped = new_id();
    let reply = env
        .push(
            "pos-1",
            vec![
                place(3, "k-3", captured(&skipped)),
                place(4, "k-4", captured(&new_id())),
            ],
        )
        .await;
    reply.expect(200, "");
    assert_eq!(reply.body["lastSeq"], 1);
    assert_eq!(reply.body["results"], json!([]));
    env.order(&skipped).await.expect(404, "not_found");
    // Devices are independent: another starts at 1.
    let reply = env
        .push("pos-2", vec![place(1, "k-x", captured(&new_id()))])
        .await;
    assert_eq!(reply.body["lastSeq"], 1);
}

#[tokio::test]
async fn only_the_device_itself_may_sync() {
    let env = Env::start().await;
    let ops = vec![place(1, "k-1", captured(&new_id()))];
    env.push_as(&env.device("pos-2"), "pos-1", ops.clone())
        .await
        .expect(403, "forbidden");
    env.push_as(&env.h.customer("alice"), "alice", ops.clone())
        .await
        .expect(403, "forbidden");
    env.push_as(&env.h.admin(), "pos-1", ops.clone())
        .await
        .expect(403, "forbidden");
    env.send(call("GET", "/sync/pull").token(&env.h.customer("alice")))
        .await
        .expect(403, "forbidden");
    env.send(call("GET", "/sync/pull").token(&env.h.admin()))
        .await
        .expect(403, "forbidden");
    env.send(call("GET", "/sync/pull"))
        .await
        .expect(401, "missing_token");
    // Nothing was applied by the refused pushes.
    let reply = env.push("pos-1", ops).await;
    assert_eq!(results(&reply), vec![outcome("accepted", None)]);
}

#[tokio::test]
async fn malformed_pushes_are_refused_whole() {
    let env = Env::start().await;
    let token = env.device("pos-1");
    let ops: Vec<Value> = (1..=501).map(|seq| cancel(seq, &new_id())).collect();
    env.push("pos-1", ops)
        .await
        .expect(422, "too_many_operations");
    env.send(
        call("POST", "/sync/push")
            .token(&token)
            .raw("application/json", "{\"deviceId\": "),
    )
    .await
    .expect(400, "malformed_json");
    env.send(
        call("POST", "/sync/push")
            .token(&token)
            .json(&json!({"deviceId": "pos-1", "operations": []})),
    )
    .await
    .expect(422, "invalid_body");
    env.send(call("POST", "/sync/push").token(&token).json(&json!({
        "deviceId": "pos-1", "deviceTime": "yesterday", "operations": []
    })))
    .await
    .expect(422, "invalid_field");
    env.send(call("POST", "/sync/push").token(&token).json(&json!({
        "deviceId": "pos-1", "deviceTime": now().to_rfc3339(),
        "operations": [cancel(2, &new_id()), cancel(1, &new_id())]
    })))
    .await
    .expect(422, "invalid_field");
    env.send(
        call("POST", "/sync/push")
            .token(&token)
            .raw("text/plain", "hello"),
    )
    .await
    .expect(415, "unsupported_media_type");
    // A full push of 500 captured orders fits the body limit.
    let ops: Vec<Value> = (1..=500)
        .map(|seq| place(seq, &format!("k-{seq}"), captured(&new_id())))
        .collect();
    let reply = env.push("pos-1", ops).await;
    reply.expect(200, "");
    assert_eq!(reply.body["lastSeq"], 500);
}

#[tokio::test]
async fn cancellations_by_a_device_follow_the_status_machine() {
    let env = Env::start().await;
    let mine = new_id();
    let shipped = new_id();
    let theirs = new_id();
    env.push("pos-2", vec![place(1, "k-theirs", captured(&theirs))])
        .await
        .expect(200, "");
    let reply = env
        .push(
            "pos-1",
            vec![
                place(1, "k-mine", captured(&mine)),
                place(2, "k-shipped", captured(&shipped)),
            ],
        )
        .await;
    assert_eq!(reply.body["lastSeq"], 2);
    env.set_status(&shipped, "processing").await;
    env.set_status(&shipped, "shipped").await;
    let reply = env
        .push(
            "pos-1",
            vec![
                cancel(3, &mine),
                cancel(4, &shipped),
                cancel(5, &theirs),
                cancel(6, &new_id()),
                cancel(7, &mine),
            ],
        )
        .await;
    assert_eq!(
        results(&reply),
        vec![
            outcome("accepted", None),
            outcome("rejected", Some("invalid_transition")),
            outcome("rejected", Some("not_found")),
            outcome("rejected", Some("not_found")),
            outcome("accepted", None),
        ]
    );
    let cancelled = env.order(&mine).await;
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["history"][1]["note"], "customer left");
    assert_eq!(env.order(&theirs).await.body["status"], "placed");
}

#[tokio::test]
async fn the_pull_feed_is_ordered_paged_and_resumable() {
    let env = Env::start().await;
    let a = new_id();
    let b = new_id();
    env.push(
        "pos-1",
        vec![place(1, "k-a", captured(&a)), place(2, "k-b", captured(&b))],
    )
    .await
    .expect(200, "");
    env.push("pos-2", vec![place(1, "k-c", captured(&new_id()))])
        .await
        .expect(200, "");
    // First, each placement as the server recorded it (the device's actor, the corrected time).
    let placed = env.pull("pos-1", "").await;
    placed.expect(200, "");
    let placements: Vec<(&str, u64, &str, &str)> = placed.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["orderId"].as_str().unwrap(),
                c["version"].as_u64().unwrap(),
                c["status"].as_str().unwrap(),
                c["milestone"]["actor"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        placements,
        vec![
            (a.as_str(), 1, "placed", "device:pos-1"),
            (b.as_str(), 1, "placed", "device:pos-1"),
        ]
    );
    assert_eq!(placed.body["hasMore"], false);
    let start = placed.body["nextCursor"].as_str().unwrap().to_owned();

    env.set_status(&a, "processing").await;
    env.set_status(&b, "cancelled").await;
    env.set_status(&a, "shipped").await;
    env.push("pos-1", vec![cancel(3, &a)]).await.expect(200, "");

    let all = env.pull("pos-1", &format!("?cursor={start}")).await;
    let changes: Vec<(String, u64, String)> = all.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["orderId"].as_str().unwrap().to_owned(),
                c["version"].as_u64().unwrap(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (a.clone(), 2, "processing".to_owned()),
            (b.clone(), 2, "cancelled".to_owned()),
            (a.clone(), 3, "shipped".to_owned()),
        ]
    );
    assert_eq!(all.body["changes"][0]["milestone"]["actor"], "admin:ops");
    assert!(!all.text.contains("tok_visa"));
    // Another device sees none of it: only its own placement.
    let other = env.pull("pos-2", "").await;
    assert_eq!(other.body["changes"].as_array().map(Vec::len), Some(1));
    assert!(!other.text.contains(&a) && !other.text.contains(&b));

    // One at a time, each page resuming where the last ended, gives the same feed.
    let mut cursor: Option<String> = Some(start.clone());
    let mut paged = Vec::new();
    loop {
        let query = match &cursor {
            Some(c) => format!("?limit=1&cursor={c}"),
            None => "?limit=1".to_owned(),
        };
        let page = env.pull("pos-1", &query).await;
        page.expect(200, "");
        paged.extend(page.body["changes"].as_array().unwrap().clone());
        cursor = Some(page.body["nextCursor"].as_str().unwrap().to_owned());
        if page.body["hasMore"] == false {
            break;
        }
    }
    assert_eq!(Value::Array(paged), all.body["changes"]);
    // Restarting from an earlier cursor repeats, never skips.
    let again = env
        .pull("pos-1", &format!("?cursor={start}&limit=500"))
        .await;
    assert_eq!(again.body["changes"], all.body["changes"]);

    for bad in ["?cursor=abc", "?cursor=c01", "?cursor=c-1", "?cursor="] {
        env.pull("pos-1", bad).await.expect(422, "invalid_cursor");
    }
    for bad in ["?limit=0", "?limit=501"] {
        env.pull("pos-1", bad).await.expect(422, "invalid_field");
    }
    env.pull("pos-1", "?limit=ten")
        .await
        .expect(400, "invalid_query");
}

#[tokio::test]
async fn two_identical_pushes_at_once_apply_each_operation_once() {
    let env = Env::start().await;
    let ops: Vec<Value> = (1..=20)
        .map(|seq| place(seq, &format!("k-{seq}"), captured(&new_id())))
        .collect();
    let (first, second) = tokio::join!(env.push("pos-1", ops.clone()), env.push("pos-1", ops));
    first.expect(200, "");
    second.expect(200, "");
    assert_eq!(first.body["results"], second.body["results"]);
    assert_eq!(first.body["lastSeq"], 20);
    assert_eq!(env.events(), 20);
}

/// A device engine takes orders while the server is down, syncs when it is back, and sees the
/// server's status changes after the next sync.
#[tokio::test]
async fn a_device_engine_syncs_through_outages() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("pos.db").display());
    let device = Embedded::open_device(&url, "pos-9", None).unwrap();
    device.set_cart(
        "alice".into(),
        "USD".into(),
        vec![RawCartItem {
            product_id: "sku-1".into(),
            name: "Espresso beans".into(),
            quantity: 2,
            unit_price: "19.99".into(),
        }],
    );
    let input = orderly::OrderInput {
        user_id: "alice".into(),
        delivery_address: serde_json::from_value(address()).unwrap(),
        payment_method: serde_json::from_value(card()).unwrap(),
        shipping_method: None,
        discount_code: None,
    };
    let first = device
        .place_order(input.clone(), "till-1", None, None)
        .unwrap()
        .order;
    let second = device
        .place_order(input, "till-2", None, None)
        .unwrap()
        .order;
    device
        .cancel(
            &second.id.to_string(),
            Some("changed mind"),
            &Default::default(),
        )
        .unwrap();
    assert_eq!(device.sync_state().unwrap().pending, 3);

    // The server is unreachable: nothing is lost, everything stays pending.
    let token = env.device("pos-9");
    let options = orderly::SyncOptions {
        retry: orderly::RetryPolicy::new(2, Duration::from_millis(200)),
        ..orderly::SyncOptions::default()
    };
    let offline = {
        let device = device.clone();
        let token = token.clone();
        let options = options.clone();
        tokio::task::spawn_blocking(move || {
            device.sync_with("http://127.0.0.1:9", &token, &options)
        })
        .await
        .unwrap()
    };
    assert_eq!(offline.unwrap_err().code(), "sync_unavailable");
    assert_eq!(device.sync_state().unwrap().pending, 3);

    let base = env.server.base.clone();
    let report = {
        let (device, token, base) = (device.clone(), token.clone(), base.clone());
        tokio::task::spawn_blocking(move || device.sync(&base, &token))
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(report.pushed, 3);
    assert_eq!(report.not_accepted().count(), 0, "{report:?}");
    assert_eq!(report.pending, 0);
    assert_eq!(
        env.order(&second.id.to_string()).await.body["status"],
        "cancelled"
    );

    env.set_status(&first.id.to_string(), "processing").await;
    env.set_status(&first.id.to_string(), "shipped").await;
    let report = {
        let (device, token, base) = (device.clone(), token.clone(), base.clone());
        tokio::task::spawn_blocking(move || device.sync(&base, &token))
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(report.pushed, 0);
    assert!(report.changes_pulled >= 2, "{report:?}");
    let local = device
        .order(&first.id.to_string(), &Default::default())
        .unwrap();
    assert_eq!(local.status, orderly::OrderStatus::Shipped);
    assert_eq!(local.version, 3);
    assert_eq!(local.history.len(), 3);
    let ops = device
        .sync_operations_for_order(&second.id.to_string())
        .unwrap();
    assert_eq!(ops.len(), 2);
    assert!(ops.iter().all(|op| op.result.is_some()));
}

/// A store whose sync writes fail as a lost connection while `failures` lasts.
#[derive(Debug)]
struct Flaky {
    inner: Arc<dyn Store>,
    failures: Arc<AtomicU32>,
}

impl StoreDecorator for Flaky {
    fn inner(&self) -> &dyn Store {
        self.inner.as_ref()
    }
    fn apply_sync_write(&self, write: &SyncWrite) -> StoreResult<SyncWriteOutcome> {
        let left = self.failures.load(Ordering::SeqCst);
        if left > 0 {
            self.failures.store(left - 1, Ordering::SeqCst);
            return Err(StoreError::new(
                StoreErrorKind::Connection,
                "test",
                "connection lost (injected)",
            ));
        }
        self.inner.apply_sync_write(write)
    }
}

/// A store that stays unavailable through the engine's retries answers 503 with
/// `Retry-After`, and the same push afterwards is applied once.
#[tokio::test]
async fn a_transient_failure_is_a_503_and_the_push_can_be_retried() {
    let failures = Arc::new(AtomicU32::new(1_000));
    let h = Harness::wrapping(Arc::new(InMemoryCarts::new()), {
        let failures = failures.clone();
        move |inner| Arc::new(Flaky { inner, failures }) as Arc<dyn Store>
    });
    let server = TestServer::start(h.state.clone()).await;
    let env = Env {
        h,
        server,
        client: reqwest::Client::new(),
    };
    let id = new_id();
    let ops = vec![place(1, "k-1", captured(&id))];
    let refused = env.push("pos-1", ops.clone()).await;
    refused.expect(503, "storage_unavailable");
    assert_eq!(refused.header("retry-after"), Some("1"));
    env.order(&id).await.expect(404, "not_found");
    failures.store(0, Ordering::SeqCst);
    let reply = env.push("pos-1", ops).await;
    assert_eq!(results(&reply), vec![outcome("accepted", None)]);
    assert_eq!(env.events(), 1);
}
