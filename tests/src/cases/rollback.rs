//! A write that fails at its last statement leaves nothing behind: the outbox insert comes
//! last in both writes, so a duplicate event id fails after everything else was written.

use orderly::DayRange;
use orderly::analytics::RollupDelta;
use orderly::store::{ChangeOutcome, InsertOutcome, OrderChange};
use orderly::{
    EventId, EventType, IdGenerator, Milestone, OrderStatus, OutboxEvent, Store, StoreErrorKind,
    TopBy, UuidV7Generator,
};

use crate::StoreFactory;
use crate::fixtures::*;

/// Everything a failed write could have touched.
#[derive(Debug, PartialEq)]
struct Snapshot {
    pending: Vec<OutboxEvent>,
    statuses: Vec<orderly::StatusCount>,
    sales: Vec<orderly::store::SalesRow>,
    top: Vec<orderly::ProductSales>,
}

fn snapshot(store: &dyn Store) -> Snapshot {
    Snapshot {
        pending: store.pending_events(1000).unwrap(),
        statuses: store.status_counts(DayRange::ALL).unwrap(),
        sales: store.sales(0, i64::MAX).unwrap(),
        top: store
            .top_products(orderly::Currency::USD, TopBy::Quantity, 100, DayRange::ALL)
            .unwrap(),
    }
}

pub fn failed_insert_leaves_nothing_behind(factory: &StoreFactory) {
    let env = Env::new(factory);
    let existing = env.place_simple("alice", "k-1");
    let existing_event = env.store.pending_events(10).unwrap()[0].event_id;
    let before = snapshot(env.store.as_ref());

    let mut new = new_order_like(&existing, "k-2", env.now().plus_millis(HOUR_MS));
    new.event.event_id = existing_event;
    let err = env.store.insert_order(&new).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Constraint, "{err}");

    assert_eq!(env.store.order(&new.order.id).unwrap(), None);
    assert_eq!(
        env.store
            .idempotency_record(&user("alice"), &idem("k-2"))
            .unwrap(),
        None
    );
    assert_eq!(snapshot(env.store.as_ref()), before);
    let history = env
        .service
        .orders_for_user(&customer("alice"), &user("alice"), &Default::default())
        .unwrap();
    assert_eq!(history.orders, vec![existing]);

    // Nothing of it lingers: the same order with a fresh event id goes in.
    new.event.event_id = EventId::from_uuid(UuidV7Generator.new_uuid());
    assert_eq!(
        env.store.insert_order(&new).unwrap(),
        InsertOutcome::Created
    );
    assert_eq!(env.store.order(&new.order.id).unwrap(), Some(new.order));
}

pub fn failed_change_leaves_the_order_unchanged(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = env.place_simple("alice", "k-1");
    let existing_event = env.store.pending_events(10).unwrap()[0].event_id;
    let before = snapshot(env.store.as_ref());

    let now = env.now().plus_millis(MINUTE_MS);
    let milestone = Milestone {
        status: OrderStatus::Processing,
        at: now,
        actor: "admin:ops".into(),
        note: None,
        reason: None,
    };
    let mut changed = order.clone();
    changed.status = OrderStatus::Processing;
    changed.updated_at = now;
    changed.version = 2;
    changed.history.push(milestone.clone());
    let mut change = OrderChange {
        order_id: order.id,
        user_id: order.user_id.clone(),
        from_version: 1,
        rollup: RollupDelta::moved(&changed, OrderStatus::Placed, OrderStatus::Processing),
        index: None,
        feed: None,
        device_op: None,
        milestone,
        event: OutboxEvent {
            event_id: existing_event,
            event_type: EventType::StatusChanged,
            order_id: order.id,
            user_id: order.user_id.clone(),
            sequence: 2,
            at: now,
            payload: payload(serde_json::json!({ "from": "placed", "to": "processing" })),
        },
        document: document(&changed),
        order: changed.clone(),
    };
    let err = env.store.apply_change(&change).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Constraint, "{err}");
    assert_eq!(env.store.order(&order.id).unwrap(), Some(order.clone()));
    assert_eq!(snapshot(env.store.as_ref()), before);

    change.event.event_id = EventId::from_uuid(UuidV7Generator.new_uuid());
    assert_eq!(
        env.store.apply_change(&change).unwrap(),
        ChangeOutcome::Applied
    );
    assert_eq!(env.store.order(&order.id).unwrap(), Some(changed));
}
