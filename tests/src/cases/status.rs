//! The status machine through the service: milestones, no-ops, refused moves, cancellation
//! rules, roles and optimistic versions.

use orderly::{Milestone, OrderStatus, StatusUpdate};

use crate::StoreFactory;
use crate::fixtures::*;

fn note(text: &str) -> StatusUpdate {
    StatusUpdate {
        note: Some(text.into()),
        expected_version: None,
    }
}

pub fn status_moves_through_the_machine_with_milestones(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = env.place_simple("alice", "k");
    let placed_at = env.now();
    env.advance(MINUTE_MS);
    let processing_at = env.now();
    env.service
        .update_status(
            &admin(),
            &order.id,
            OrderStatus::Processing,
            &note("picked"),
        )
        .unwrap();
    env.advance(HOUR_MS);
    let shipped_at = env.now();
    env.service
        .update_status(
            &warehouse(),
            &order.id,
            OrderStatus::Shipped,
            &note("DHL parcel AB-77 🚚"),
        )
        .unwrap();
    env.advance(24 * HOUR_MS);
    let delivered_at = env.now();
    let delivered = env
        .service
        .update_status(
            &admin(),
            &order.id,
            OrderStatus::Delivered,
            &StatusUpdate::default(),
        )
        .unwrap();

    let expected = vec![
        Milestone {
            status: OrderStatus::Placed,
            at: placed_at,
            actor: "customer:alice".into(),
            note: None,
            reason: None,
        },
        Milestone {
            status: OrderStatus::Processing,
            at: processing_at,
            actor: "admin:ops".into(),
            note: Some("picked".into()),
            reason: None,
        },
        Milestone {
            status: OrderStatus::Shipped,
            at: shipped_at,
            actor: "service:warehouse".into(),
            note: Some("DHL parcel AB-77 🚚".into()),
            reason: None,
        },
        Milestone {
            status: OrderStatus::Delivered,
            at: delivered_at,
            actor: "admin:ops".into(),
            note: None,
            reason: None,
        },
    ];
    assert_eq!(delivered.history, expected);
    assert_eq!(delivered.version, 4);
    assert_eq!(delivered.updated_at, delivered_at);
    assert_eq!(delivered.created_at, placed_at);

    let stored = env.store.order(&order.id).unwrap().unwrap();
    assert_eq!(stored, delivered);
    let view = env.service.status(&customer("alice"), &order.id).unwrap();
    assert_eq!(view.status, OrderStatus::Delivered);
    assert_eq!(view.version, 4);
    assert_eq!(view.updated_at, delivered_at);
    assert_eq!(view.history, expected);
}

pub fn same_status_again_is_a_no_op(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = env.place_simple("alice", "k");
    let moved = env
        .service
        .update_status(
            &admin(),
            &order.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();
    env.advance(MINUTE_MS);
    let again = env
        .service
        .update_status(&admin(), &order.id, OrderStatus::Processing, &note("again"))
        .unwrap();
    assert_eq!(again, moved);
    assert_eq!(again.version, 2);
    assert_eq!(env.store.order(&order.id).unwrap(), Some(moved));
    assert_eq!(env.store.pending_events(10).unwrap().len(), 2);
    // Placed again is a no-op on a placed order too.
    let other = env.place_simple("alice", "k2");
    let same = env
        .service
        .update_status(
            &admin(),
            &other.id,
            OrderStatus::Placed,
            &StatusUpdate::default(),
        )
        .unwrap();
    assert_eq!(same, other);
}

pub fn invalid_moves_are_refused(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = env.place_simple("alice", "k");
    let up = |to| {
        env.service
            .update_status(&admin(), &order.id, to, &StatusUpdate::default())
    };
    assert_code(up(OrderStatus::Shipped), "invalid_transition");
    assert_code(up(OrderStatus::Delivered), "invalid_transition");
    up(OrderStatus::Processing).unwrap();
    assert_code(up(OrderStatus::Placed), "invalid_transition");
    assert_code(up(OrderStatus::Delivered), "invalid_transition");
    up(OrderStatus::Shipped).unwrap();
    up(OrderStatus::Delivered).unwrap();
    for to in [
        OrderStatus::Placed,
        OrderStatus::Processing,
        OrderStatus::Shipped,
        OrderStatus::Cancelled,
    ] {
        assert_code(up(to), "invalid_transition");
    }
    let stored = env.store.order(&order.id).unwrap().unwrap();
    assert_eq!((stored.status, stored.version), (OrderStatus::Delivered, 4));
}

pub fn owner_cancels_with_a_reason(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = env.place_simple("alice", "k");
    env.advance(MINUTE_MS);
    let reason = "changed my mind 😅 — 'sorry'";
    let cancelled = env
        .service
        .cancel(&customer("alice"), &order.id, Some(reason))
        .unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.version, 2);
    let last = cancelled.history.last().unwrap();
    assert_eq!(last.status, OrderStatus::Cancelled);
    assert_eq!(last.actor, "customer:alice");
    assert_eq!(last.note.as_deref(), Some(reason));
    assert_eq!(last.at, env.now());
    assert_eq!(env.store.order(&order.id).unwrap(), Some(cancelled));

    // From processing, staff may cancel too.
    let other = env.place_simple("alice", "k2");
    env.service
        .update_status(
            &admin(),
            &other.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();
    let by_staff = env.service.cancel(&admin(), &other.id, None).unwrap();
    assert_eq!(by_staff.status, OrderStatus::Cancelled);
    assert_eq!(by_staff.history.last().unwrap().note, None);
}

pub fn cancellation_rules(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = env.place_simple("alice", "k");
    assert_code(
        env.service.cancel(&customer("bob"), &order.id, None),
        "not_found",
    );
    assert_code(
        env.service.update_status(
            &customer("alice"),
            &order.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        ),
        "forbidden",
    );
    assert_eq!(env.store.order(&order.id).unwrap(), Some(order.clone()));

    let first = env
        .service
        .cancel(&customer("alice"), &order.id, Some("once"))
        .unwrap();
    env.advance(MINUTE_MS);
    let twice = env
        .service
        .cancel(&customer("alice"), &order.id, Some("twice"))
        .unwrap();
    assert_eq!(twice, first);
    assert_eq!(twice.version, 2);

    let shipped = env.place_simple("alice", "k2");
    for to in [OrderStatus::Processing, OrderStatus::Shipped] {
        env.service
            .update_status(&admin(), &shipped.id, to, &StatusUpdate::default())
            .unwrap();
    }
    assert_code(
        env.service.cancel(&customer("alice"), &shipped.id, None),
        "invalid_transition",
    );
    assert_code(
        env.service.cancel(&admin(), &shipped.id, None),
        "invalid_transition",
    );
    let stored = env.store.order(&shipped.id).unwrap().unwrap();
    assert_eq!((stored.status, stored.version), (OrderStatus::Shipped, 3));
}

pub fn stale_expected_version_is_a_version_conflict(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = env.place_simple("alice", "k");
    let at = |v| StatusUpdate {
        note: None,
        expected_version: Some(v),
    };
    env.service
        .update_status(&admin(), &order.id, OrderStatus::Processing, &at(1))
        .unwrap();
    let err = env
        .service
        .update_status(&admin(), &order.id, OrderStatus::Shipped, &at(1))
        .unwrap_err();
    assert_eq!(
        err,
        orderly::OrderlyError::VersionConflict {
            expected: 1,
            actual: 2
        }
    );
    let shipped = env
        .service
        .update_status(&admin(), &order.id, OrderStatus::Shipped, &at(2))
        .unwrap();
    assert_eq!(shipped.version, 3);
}
