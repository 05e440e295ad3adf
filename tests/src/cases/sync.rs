//! Offline sync, both halves on each backend: a device engine's operation log (gap-free,
//! written with each change, results stored and never deleted), the server's exactly-once
//! application of pushes (replays, gaps, racing pushes) and its per-device change feed, and a
//! pull applied to the device's copy of its orders.

use std::sync::{Arc, Barrier};

use orderly::search::OrderSearch;
use orderly::store::{SyncWrite, SyncWriteOutcome};
use orderly::sync::{
    IncomingPush, OperationResult, Outcome, PullCursor, PullPage, PushRequest, PushResponse,
};
use orderly::{
    Caller, DeviceId, OrderId, OrderService, OrderStatus, ServiceConfig, ShipmentRequest,
    StatusUpdate,
};

use crate::StoreFactory;
use crate::fixtures::{Env, admin, customer, idem, place_new};

fn device(id: &str) -> DeviceId {
    DeviceId::new(id).unwrap()
}

/// A device engine over its own fresh store, sharing `env`'s carts and clock.
fn device_engine(factory: &StoreFactory, env: &Env, id: &str) -> OrderService {
    let store = factory();
    let id = device(id);
    assert_eq!(store.claim_device_identity(&id, env.now()).unwrap(), id);
    OrderService::builder(store, env.carts.clone())
        .clock(env.clock.clone())
        .config(ServiceConfig {
            device: Some(id),
            ..ServiceConfig::default()
        })
        .build()
}

/// The push as the server receives it: through the wire format and the envelope checks.
fn push(server: &OrderService, request: &PushRequest) -> PushResponse {
    let json = serde_json::to_vec(request).unwrap();
    let incoming: IncomingPush = serde_json::from_slice(&json).unwrap();
    let caller = Caller::device(&request.device_id);
    server
        .sync_push(&caller, &incoming.check().unwrap())
        .unwrap()
}

fn pull(server: &OrderService, id: &str, cursor: PullCursor, limit: u32) -> PullPage {
    server
        .sync_pull(&Caller::device(&device(id)), &device(id), cursor, limit)
        .unwrap()
}

fn outcomes(response: &PushResponse) -> Vec<Outcome> {
    response.results.iter().map(|r| r.outcome).collect()
}

pub fn device_operations_are_logged_gap_free_with_each_change(factory: &StoreFactory) {
    let env = Env::new(factory);
    let pos = device_engine(factory, &env, "pos-1");
    env.set_cart("alice", "USD", &[("sku-1", "Espresso beans", 2, "19.99")]);
    let a = place_new(&pos, "alice", "till-1");
    let b = place_new(&pos, "alice", "till-2");
    pos.cancel(&customer("alice"), &b.id, Some("left")).unwrap();
    // A replayed placement and a repeated cancellation change nothing and log nothing.
    place_new_again(&pos, "till-1");
    pos.cancel(&customer("alice"), &b.id, Some("left")).unwrap();

    let pending = pos.store().pending_operations(100).unwrap();
    let seqs: Vec<u64> = pending.iter().map(|op| op.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    let kinds: Vec<&str> = pending.iter().map(|op| op.kind.as_str()).collect();
    assert_eq!(kinds, vec!["place", "place", "cancel"]);
    assert_eq!(pending[0].order_id, a.id);
    assert!(pending.iter().all(|op| op.result.is_none()));
    let state = pos.sync_state().unwrap();
    assert_eq!(
        (state.pending, state.last_recorded, state.cursor),
        (3, 3, None)
    );

    // Results are stored once; operations past the answer's lastSeq stay pending.
    let answer = PushResponse {
        last_seq: 2,
        server_time: env.now(),
        results: vec![
            OperationResult::accepted(1, a.id),
            OperationResult::with(
                2,
                b.id,
                Outcome::NeedsReview,
                "offline_limit_exceeded",
                "old",
            ),
            OperationResult::accepted(3, b.id),
        ],
    };
    assert_eq!(pos.apply_push_response(&answer).unwrap(), 2);
    assert_eq!(pos.apply_push_response(&answer).unwrap(), 0);
    let left = pos.store().pending_operations(100).unwrap();
    assert_eq!(left.iter().map(|op| op.seq).collect::<Vec<_>>(), vec![3]);
    let ops = pos.sync_operations_for_order(&b.id).unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(
        ops[0].result.as_ref().map(|r| r.code.as_deref()),
        Some(Some("offline_limit_exceeded"))
    );
    // Never deleted: the whole log is still there.
    assert_eq!(pos.sync_operations(0, 100).unwrap().len(), 3);
    // A push is built from what is pending, in seq order.
    let next = pos.build_push(500).unwrap();
    assert_eq!(next.operations.len(), 1);
    assert_eq!(next.operations[0].seq, 3);
}

fn place_new_again(service: &OrderService, key: &str) {
    let placed = service
        .place_order(
            &customer("alice"),
            &crate::fixtures::request("alice"),
            &idem(key),
        )
        .unwrap();
    assert!(!placed.created);
}

pub fn a_device_identity_is_claimed_once(factory: &StoreFactory) {
    let store = factory();
    let at = crate::fixtures::start();
    assert_eq!(store.device_identity().unwrap(), None);
    assert_eq!(
        store.claim_device_identity(&device("pos-1"), at).unwrap(),
        device("pos-1")
    );
    assert_eq!(
        store.claim_device_identity(&device("pos-2"), at).unwrap(),
        device("pos-1")
    );
    assert_eq!(store.device_identity().unwrap(), Some(device("pos-1")));
}

pub fn pushes_apply_once_and_the_feed_brings_changes_back(factory: &StoreFactory) {
    let env = Env::new(factory);
    let server = env.service.clone();
    let pos = device_engine(factory, &env, "pos-1");
    env.set_cart("alice", "USD", &[("sku-1", "Espresso beans", 2, "19.99")]);
    let a = place_new(&pos, "alice", "till-1");
    let b = place_new(&pos, "alice", "till-2");
    let c = place_new(&pos, "alice", "till-3");
    pos.cancel(&customer("alice"), &c.id, None).unwrap();

    let request = pos.build_push(500).unwrap();
    let answer = push(&server, &request);
    assert_eq!(answer.last_seq, 4);
    assert_eq!(outcomes(&answer), vec![Outcome::Accepted; 4]);
    // The server's copy is the device's, with where it was captured.
    let stored = server.order(&admin(), &a.id).unwrap();
    assert_eq!((stored.totals, stored.items.len()), (a.totals, 1));
    assert_eq!(
        stored.offline.as_ref().map(|o| o.device_id.as_str()),
        Some("pos-1")
    );
    assert_eq!(
        server.order(&admin(), &c.id).unwrap().status,
        OrderStatus::Cancelled
    );
    // Same push again: the stored results, nothing new.
    let events = env.store.pending_events(1000).unwrap().len();
    assert_eq!(push(&server, &request), answer);
    assert_eq!(env.store.pending_events(1000).unwrap().len(), events);
    assert_eq!(pos.apply_push_response(&answer).unwrap(), 4);
    assert_eq!(pos.sync_state().unwrap().pending, 0);

    // Staff move the orders; the device's feed has each change once, in order, gap-free.
    let update = StatusUpdate::default();
    server
        .update_status(&admin(), &a.id, OrderStatus::Processing, &update)
        .unwrap();
    server
        .update_status(&admin(), &b.id, OrderStatus::Cancelled, &update)
        .unwrap();
    // a ships with a tracking number, which the device's search must then find.
    let shipment = ShipmentRequest {
        carrier: Some("UPS".into()),
        tracking_number: Some("1Z999AA1".into()),
        ..ShipmentRequest::default()
    };
    server
        .create_shipment(&admin(), &a.id, &shipment, None, None)
        .unwrap();
    let feed = server
        .store()
        .device_changes(&device("pos-1"), 0, 100)
        .unwrap();
    let numbers: Vec<u64> = feed.iter().map(|row| row.change_seq).collect();
    // Each placement as the server recorded it, and the device's own cancellation of c, are
    // in its feed too (harmless to apply), then staff's three changes.
    assert_eq!(numbers, (1..=7).collect::<Vec<u64>>());
    let page = pull(&server, "pos-1", PullCursor::START, 4);
    assert!(page.has_more);
    let rest = pull(
        &server,
        "pos-1",
        PullCursor::parse(Some(&page.next_cursor)).unwrap(),
        4,
    );
    assert!(!rest.has_more);
    assert_eq!(page.changes.len() + rest.changes.len(), 7);

    // Applied on the device: the server's statuses and milestones, once.
    pos.apply_pull_page(&page).unwrap();
    pos.apply_pull_page(&rest).unwrap();
    pos.apply_pull_page(&page).unwrap();
    pos.apply_pull_page(&rest).unwrap();
    let local = pos.order(&admin(), &a.id).unwrap();
    assert_eq!(
        (local.status, local.version, local.history.len()),
        (OrderStatus::Shipped, 3, 3)
    );
    // Every milestone the server's, the placement included.
    for id in [&a.id, &b.id, &c.id] {
        assert_eq!(
            pos.order(&admin(), id).unwrap().history,
            server.order(&admin(), id).unwrap().history
        );
    }
    assert_eq!(
        pos.order(&admin(), &b.id).unwrap().status,
        OrderStatus::Cancelled
    );
    let by_tracking = OrderSearch::from_params([("trackingNumber", "1Z999AA1")]).unwrap();
    let found: Vec<OrderId> = pos
        .search_orders(&admin(), &by_tracking)
        .unwrap()
        .documents
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(found, vec![a.id]);
    assert_eq!(
        pos.sync_state().unwrap().cursor.as_deref(),
        Some(rest.next_cursor.as_str())
    );
    // Another device's feed is its own.
    assert!(
        pull(&server, "pos-2", PullCursor::START, 10)
            .changes
            .is_empty()
    );
}

pub fn a_sync_write_after_a_gap_or_a_replay_writes_nothing(factory: &StoreFactory) {
    let store = factory();
    let at = crate::fixtures::start();
    let order = OrderId::from_uuid(orderly::IdGenerator::new_uuid(&orderly::UuidV7Generator));
    let write = |seq: u64| SyncWrite {
        device_id: device("pos-1"),
        seq,
        result: OperationResult::with(seq, order, Outcome::Rejected, "not_found", "no order"),
        at,
        place: None,
        change: None,
    };
    assert_eq!(
        store.apply_sync_write(&write(2)).unwrap(),
        SyncWriteOutcome::SeqTaken { last_seq: 0 }
    );
    assert_eq!(
        store.apply_sync_write(&write(1)).unwrap(),
        SyncWriteOutcome::Applied
    );
    assert_eq!(
        store.apply_sync_write(&write(1)).unwrap(),
        SyncWriteOutcome::SeqTaken { last_seq: 1 }
    );
    assert_eq!(
        store
            .device_state(&device("pos-1"))
            .unwrap()
            .map(|s| s.last_seq),
        Some(1)
    );
    assert_eq!(
        store.sync_result(&device("pos-1"), 1).unwrap(),
        Some(write(1).result)
    );
    assert_eq!(store.sync_result(&device("pos-1"), 2).unwrap(), None);
    assert_eq!(store.device_state(&device("pos-9")).unwrap(), None);
}

pub fn racing_pushes_apply_each_operation_once(factory: &StoreFactory) {
    let env = Env::new(factory);
    let server = env.service.clone();
    let pos = device_engine(factory, &env, "pos-1");
    env.set_cart("alice", "USD", &[("sku-1", "Espresso beans", 1, "12.50")]);
    for i in 0..10 {
        place_new(&pos, "alice", &format!("till-{i}"));
    }
    let request = pos.build_push(500).unwrap();
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let answers: Vec<PushResponse> = (0..threads)
        .map(|_| {
            let (server, request, barrier) = (server.clone(), request.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                push(&server, &request)
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    for answer in &answers {
        assert_eq!(answer.last_seq, 10);
        assert_eq!(answer.results, answers[0].results);
    }
    assert_eq!(env.store.pending_events(1000).unwrap().len(), 10);
    assert_eq!(
        server
            .store()
            .device_state(&device("pos-1"))
            .unwrap()
            .map(|s| s.last_seq),
        Some(10)
    );
}

/// Two devices pushing orders with the same ids at the same moment (a cloned device, a bug in
/// an app's id generator): each id is stored once, the other push is refused with
/// `duplicate_order_id`, and neither fails.
pub fn racing_pushes_of_one_order_id_store_it_once(factory: &StoreFactory) {
    let env = Env::new(factory);
    let server = env.service.clone();
    let pos = device_engine(factory, &env, "pos-1");
    env.set_cart("alice", "USD", &[("sku-1", "Espresso beans", 1, "12.50")]);
    for i in 0..10 {
        place_new(&pos, "alice", &format!("till-{i}"));
    }
    let original = pos.build_push(500).unwrap();
    let mut clone = serde_json::to_value(&original).unwrap();
    clone["deviceId"] = "pos-2".into();
    for op in clone["operations"].as_array_mut().unwrap() {
        let key = format!("clone-{}", op["idempotencyKey"].as_str().unwrap());
        op["idempotencyKey"] = key.into();
    }
    let clone: PushRequest = serde_json::from_value(clone).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let answers: Vec<PushResponse> = [original, clone]
        .into_iter()
        .map(|request| {
            let (server, barrier) = (server.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                push(&server, &request)
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    for i in 0..10 {
        let outcomes: Vec<&OperationResult> = answers.iter().map(|a| &a.results[i]).collect();
        let accepted = outcomes
            .iter()
            .filter(|r| r.outcome == Outcome::Accepted)
            .count();
        assert_eq!(accepted, 1, "{outcomes:?}");
        assert!(
            outcomes.iter().any(|r| r.outcome == Outcome::Rejected
                && r.code.as_deref() == Some("duplicate_order_id")),
            "{outcomes:?}"
        );
    }
    assert_eq!(env.store.pending_events(1000).unwrap().len(), 10);
}

/// A run of a push's operations written together: applied in order up to the first that
/// cannot be, which is reported last and leaves nothing; the ones before it stay.
pub fn a_run_of_sync_writes_stops_at_the_first_that_cannot_apply(factory: &StoreFactory) {
    let store = factory();
    let at = crate::fixtures::start();
    let order = OrderId::from_uuid(orderly::IdGenerator::new_uuid(&orderly::UuidV7Generator));
    let write = |seq: u64| SyncWrite {
        device_id: device("pos-1"),
        seq,
        result: OperationResult::with(seq, order, Outcome::Rejected, "not_found", "no order"),
        at,
        place: None,
        change: None,
    };
    let outcomes = store
        .apply_sync_writes(&[write(1), write(2), write(4), write(5)])
        .unwrap();
    assert_eq!(
        outcomes,
        vec![
            SyncWriteOutcome::Applied,
            SyncWriteOutcome::Applied,
            SyncWriteOutcome::SeqTaken { last_seq: 2 }
        ]
    );
    assert_eq!(
        store
            .device_state(&device("pos-1"))
            .unwrap()
            .map(|s| s.last_seq),
        Some(2)
    );
    assert_eq!(
        store.sync_result(&device("pos-1"), 2).unwrap(),
        Some(write(2).result)
    );
    assert_eq!(store.sync_result(&device("pos-1"), 4).unwrap(), None);
    assert_eq!(
        store.apply_sync_writes(&[write(3)]).unwrap(),
        vec![SyncWriteOutcome::Applied]
    );
}
