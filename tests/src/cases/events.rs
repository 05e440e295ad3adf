//! The outbox: one event per change, in each order's sequence, pending until delivered.

use orderly::{EventType, OrderStatus, StatusUpdate};

use crate::StoreFactory;
use crate::fixtures::*;

pub fn events_follow_each_order_in_sequence(factory: &StoreFactory) {
    let env = Env::new(factory);
    let a = env.place_simple("alice", "k");
    env.advance(1_000);
    let b = env.place_simple("bob", "k");
    env.advance(1_000);
    env.service
        .update_status(
            &admin(),
            &a.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();
    env.advance(1_000);
    env.service
        .update_status(
            &admin(),
            &b.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();
    // The same millisecond as the previous event: sequence keeps per-order order.
    env.service
        .cancel(&customer("alice"), &a.id, Some("too slow"))
        .unwrap();

    let pending = env.service.pending_events(100).unwrap();
    let seen: Vec<_> = pending
        .iter()
        .map(|e| (e.order_id, e.event_type, e.sequence))
        .collect();
    assert_eq!(
        seen,
        vec![
            (a.id, EventType::OrderPlaced, 1),
            (b.id, EventType::OrderPlaced, 1),
            (a.id, EventType::StatusChanged, 2),
            (b.id, EventType::StatusChanged, 2),
            (a.id, EventType::OrderCancelled, 3),
        ]
    );
    assert!(pending.windows(2).all(|w| w[0].at <= w[1].at));
    let first = &pending[0];
    assert_eq!(first.user_id, user("alice"));
    assert_eq!(first.at, start());
    assert_eq!(payload_json(first)["order"]["orderId"], a.id.to_string());
    let cancelled = payload_json(&pending[4]);
    assert_eq!(cancelled["reason"], "customer");
    assert_eq!(cancelled["note"], "too slow");
    assert_eq!(cancelled["from"], "processing");
    let ids: std::collections::HashSet<_> = pending.iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len(), 5);

    // A smaller limit gives the oldest events.
    let two = env.service.pending_events(2).unwrap();
    assert_eq!(two, pending[..2].to_vec());
}

pub fn delivered_events_leave_the_pending_list(factory: &StoreFactory) {
    let env = Env::new(factory);
    let a = env.place_simple("alice", "k");
    env.advance(1);
    env.service
        .update_status(
            &admin(),
            &a.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();
    env.advance(1);
    env.service.cancel(&customer("alice"), &a.id, None).unwrap();
    env.advance(1);
    let b = env.place_simple("bob", "k");

    let pending = env.service.pending_events(100).unwrap();
    assert_eq!(pending.len(), 4);
    let of_a: Vec<_> = pending
        .iter()
        .filter(|e| e.order_id == a.id)
        .map(|e| e.event_id)
        .collect();
    assert_eq!(of_a.len(), 3);
    assert_eq!(env.service.mark_events_delivered(&of_a).unwrap(), 3);
    let left = env.service.pending_events(100).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].order_id, b.id);
    assert_eq!(env.service.mark_events_delivered(&of_a).unwrap(), 0);

    // A mix of delivered and pending counts only the pending.
    let mut mixed = of_a.clone();
    mixed.push(left[0].event_id);
    assert_eq!(env.service.mark_events_delivered(&mixed).unwrap(), 1);
    assert!(env.service.pending_events(100).unwrap().is_empty());
}

/// A payment token is a credential: it stays in the store, beside the order. No event of any
/// type, no stored document and no answer shows it, whatever the payment method and however
/// the order moves; staff can read it back for charging, customers cannot.
pub fn payment_tokens_stay_in_the_store(factory: &StoreFactory) {
    let env = Env::new(factory);
    let methods = [card(), paypal(), orderly::PaymentMethod::CashOnDelivery];
    for (i, method) in methods.iter().enumerate() {
        let name = format!("user{i}");
        env.set_cart(&name, "USD", &[("sku-1", "Espresso beans", 1, "12.50")]);
        let mut req = request(&name);
        req.payment_method = method.clone();
        let placed = env
            .service
            .place_order(&customer(&name), &req, &idem("k"))
            .unwrap();
        assert_eq!(placed.order.payment_method, method.summary());
        let id = placed.order.id;
        for to in [
            OrderStatus::Processing,
            OrderStatus::Shipped,
            OrderStatus::Delivered,
        ] {
            env.advance(1);
            env.service
                .update_status(&admin(), &id, to, &StatusUpdate::default())
                .unwrap();
        }
        assert_eq!(
            env.service
                .payment_token(&warehouse(), &id)
                .unwrap()
                .as_deref(),
            method.token()
        );
        assert_code(
            env.service.payment_token(&customer(&name), &id),
            "forbidden",
        );
        // A second order of the same user is cancelled, so that every event type is seen.
        let again = env
            .service
            .place_order(&customer(&name), &req, &idem("k2"))
            .unwrap();
        env.advance(1);
        env.service
            .cancel(&customer(&name), &again.order.id, Some("changed my mind"))
            .unwrap();
    }

    let events = env.service.pending_events(100).unwrap();
    let types: std::collections::HashSet<_> = events.iter().map(|e| e.event_type).collect();
    assert_eq!(
        types,
        [
            EventType::OrderPlaced,
            EventType::StatusChanged,
            EventType::OrderCancelled
        ]
        .into()
    );
    let tokens: Vec<&str> = methods.iter().filter_map(|m| m.token()).collect();
    assert_eq!(tokens.len(), 2);
    for event in &events {
        for token in &tokens {
            assert!(
                !event.payload.get().contains(token),
                "{} event carries a token: {}",
                event.event_type,
                event.payload.get()
            );
        }
        if event.event_type == EventType::OrderPlaced {
            assert!(payload_json(event)["order"]["paymentMethod"]["type"].is_string());
        }
    }
    for i in 0..methods.len() {
        let page = env
            .service
            .order_documents_for_user(&admin(), &user(&format!("user{i}")), &Default::default())
            .unwrap();
        assert_eq!(page.documents.len(), 2);
        for document in &page.documents {
            assert!(tokens.iter().all(|t| !document.json().contains(t)));
            assert!(!document.json().contains("token"), "{}", document.json());
        }
    }
}
