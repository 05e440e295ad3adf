//! The `Store` contract where the service does not show it: taken keys, stale versions,
//! missing rows, exclusive history positions and outbox delivery.

use orderly::DayRange;
use orderly::analytics::RollupDelta;
use orderly::store::{ChangeOutcome, HistoryPosition, HistoryQuery, InsertOutcome, OrderChange};
use orderly::{
    CheckoutId, EventId, EventType, IdGenerator, Milestone, OrderId, OrderStatus, OutboxEvent,
    UuidV7Generator,
};

use crate::StoreFactory;
use crate::fixtures::*;

fn fresh_event_id() -> EventId {
    EventId::from_uuid(UuidV7Generator.new_uuid())
}

pub fn store_insert_reports_a_taken_key(factory: &StoreFactory) {
    let env = Env::new(factory);
    let template = env.place_simple("alice", "template");
    let first = new_order_like(&template, "k", env.now());
    assert_eq!(
        env.store.insert_order(&first).unwrap(),
        InsertOutcome::Created
    );
    let before = env.store.status_counts(DayRange::ALL).unwrap();

    let second = new_order_like(&template, "k", env.now().plus_millis(5));
    match env.store.insert_order(&second).unwrap() {
        InsertOutcome::KeyTaken(record) => {
            assert_eq!(record.order_id, first.order.id);
            assert_eq!(record.fingerprint, first.fingerprint);
        }
        other => panic!("expected KeyTaken, got {other:?}"),
    }
    assert_eq!(env.store.order(&second.order.id).unwrap(), None);
    assert_eq!(env.store.status_counts(DayRange::ALL).unwrap(), before);
    assert_eq!(env.store.pending_events(100).unwrap().len(), 2);
}

pub fn store_change_from_a_stale_version_writes_nothing(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = env.place_simple("alice", "k");
    let now = env.now();
    let milestone = Milestone {
        status: OrderStatus::Processing,
        at: now,
        actor: "admin:ops".into(),
        note: None,
        reason: None,
    };
    let mut changed = order.clone();
    changed.status = OrderStatus::Processing;
    changed.version = 6;
    changed.history.push(milestone.clone());
    let mut change = OrderChange {
        order_id: order.id,
        user_id: order.user_id.clone(),
        from_version: 5,
        rollup: RollupDelta::moved(&changed, OrderStatus::Placed, OrderStatus::Processing),
        index: None,
        feed: None,
        device_op: None,
        milestone,
        event: OutboxEvent {
            event_id: fresh_event_id(),
            event_type: EventType::StatusChanged,
            order_id: order.id,
            user_id: order.user_id.clone(),
            sequence: 6,
            at: now,
            payload: payload(serde_json::json!({})),
        },
        document: document(&changed),
        order: changed,
    };
    let before = (
        env.store.status_counts(DayRange::ALL).unwrap(),
        env.store.pending_events(10).unwrap(),
    );
    assert_eq!(
        env.store.apply_change(&change).unwrap(),
        ChangeOutcome::Stale
    );

    // An order that does not exist is stale too.
    let ghost = OrderId::from_uuid(UuidV7Generator.new_uuid());
    change.order_id = ghost;
    change.order.id = ghost;
    change.event.order_id = ghost;
    change.from_version = 1;
    change.event.event_id = fresh_event_id();
    assert_eq!(
        env.store.apply_change(&change).unwrap(),
        ChangeOutcome::Stale
    );

    assert_eq!(env.store.order(&order.id).unwrap(), Some(order));
    assert_eq!(env.store.order(&ghost).unwrap(), None);
    assert_eq!(
        (
            env.store.status_counts(DayRange::ALL).unwrap(),
            env.store.pending_events(10).unwrap()
        ),
        before
    );
}

pub fn store_reads_of_missing_rows_are_none(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.store.ping().unwrap();
    // Answers; what it says depends on the database's settings, not on the store.
    env.store.durability_warnings().unwrap();
    assert!(!env.store.backend().is_empty());
    assert_eq!(
        env.store
            .order(&OrderId::from_uuid(UuidV7Generator.new_uuid()))
            .unwrap(),
        None
    );
    assert_eq!(
        env.store
            .checkout(&CheckoutId::from_uuid(UuidV7Generator.new_uuid()))
            .unwrap(),
        None
    );
    assert_eq!(
        env.store
            .idempotency_record(&user("alice"), &idem("k"))
            .unwrap(),
        None
    );
    assert!(env.store.pending_events(10).unwrap().is_empty());
    assert!(env.store.sales(0, i64::MAX).unwrap().is_empty());
    assert!(
        env.store
            .top_products(
                orderly::Currency::USD,
                orderly::TopBy::Revenue,
                10,
                DayRange::ALL
            )
            .unwrap()
            .is_empty()
    );
    let query = HistoryQuery {
        user_id: user("alice"),
        after: None,
        status: None,
        limit: 10,
    };
    assert!(env.store.orders_for_user(&query).unwrap().is_empty());
}

pub fn store_history_positions_are_exclusive(factory: &StoreFactory) {
    let env = Env::new(factory);
    let mut orders = Vec::new();
    for i in 0..4 {
        orders.push(env.place_simple("alice", &format!("k{i}")));
        if i % 2 == 1 {
            env.advance(1);
        }
    }
    orders.sort_by_key(|o| std::cmp::Reverse((o.created_at, o.id)));
    for (i, o) in orders.iter().enumerate() {
        let query = HistoryQuery {
            user_id: user("alice"),
            after: Some(HistoryPosition {
                created_at: o.created_at,
                order_id: o.id,
            }),
            status: None,
            limit: 10,
        };
        let rest: Vec<_> = env
            .store
            .orders_for_user(&query)
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect();
        let expected: Vec<_> = orders[i + 1..].iter().map(|o| o.id).collect();
        assert_eq!(rest, expected, "after position {i}");
    }
    let limited = HistoryQuery {
        user_id: user("alice"),
        after: None,
        status: Some(OrderStatus::Placed),
        limit: 3,
    };
    assert_eq!(env.store.orders_for_user(&limited).unwrap().len(), 3);
}

pub fn store_pending_events_and_delivery(factory: &StoreFactory) {
    let env = Env::new(factory);
    for i in 0..3 {
        env.place_simple("alice", &format!("k{i}"));
        env.advance(1);
    }
    let all = env.store.pending_events(10).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(env.store.pending_events(2).unwrap(), all[..2].to_vec());
    let at = env.now();
    assert_eq!(env.store.mark_delivered(&[], at).unwrap(), 0);
    assert_eq!(
        env.store.mark_delivered(&[fresh_event_id()], at).unwrap(),
        0
    );
    let first = all[0].event_id;
    assert_eq!(env.store.mark_delivered(&[first, first], at).unwrap(), 1);
    assert_eq!(env.store.pending_events(10).unwrap(), all[1..].to_vec());
}

/// Per order, events in the same millisecond still come in sequence order, whatever their ids.
pub fn store_pending_events_keep_sequence_within_a_millisecond(factory: &StoreFactory) {
    let env = Env::new(factory);
    let template = env.place_simple("alice", "template");
    let template_event = env.store.pending_events(10).unwrap()[0].event_id;
    env.store
        .mark_delivered(&[template_event], env.now())
        .unwrap();

    let (smaller, larger) = (fresh_event_id(), fresh_event_id());
    assert!(smaller < larger);
    let at = env.now().plus_millis(MINUTE_MS);
    let mut new = new_order_like(&template, "k", at);
    new.event.event_id = larger;
    env.store.insert_order(&new).unwrap();

    let milestone = Milestone {
        status: OrderStatus::Processing,
        at,
        actor: "admin:ops".into(),
        note: None,
        reason: None,
    };
    let mut changed = new.order.clone();
    changed.status = OrderStatus::Processing;
    changed.version = 2;
    changed.history.push(milestone.clone());
    let change = OrderChange {
        order_id: changed.id,
        user_id: changed.user_id.clone(),
        from_version: 1,
        rollup: RollupDelta::moved(&changed, OrderStatus::Placed, OrderStatus::Processing),
        index: None,
        feed: None,
        device_op: None,
        milestone,
        event: OutboxEvent {
            event_id: smaller,
            event_type: EventType::StatusChanged,
            order_id: changed.id,
            user_id: changed.user_id.clone(),
            sequence: 2,
            at,
            payload: payload(serde_json::json!({})),
        },
        document: document(&changed),
        order: changed,
    };
    assert_eq!(
        env.store.apply_change(&change).unwrap(),
        ChangeOutcome::Applied
    );
    let pending: Vec<_> = env
        .store
        .pending_events(10)
        .unwrap()
        .into_iter()
        .map(|e| (e.event_id, e.sequence))
        .collect();
    assert_eq!(pending, vec![(larger, 1), (smaller, 2)]);
}
