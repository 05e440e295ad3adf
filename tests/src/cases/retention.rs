//! Retention: delivered outbox events and expired checkout quotes are deleted once older than
//! the cut-off, in batches of at most the limit asked for; nothing else goes with them.

use orderly::{CheckoutRequest, EventId, StoreErrorKind};

use crate::StoreFactory;
use crate::fixtures::*;

fn quote_request(user_id: &str) -> CheckoutRequest {
    CheckoutRequest {
        user_id: user(user_id),
        delivery_address: us_address(),
        payment_method: card(),
        shipping_method: None,
        discount_code: None,
    }
}

/// The ids of the events still pending, sorted.
fn pending_ids(env: &Env) -> Vec<EventId> {
    let mut ids: Vec<EventId> = env
        .store
        .pending_events(1000)
        .unwrap()
        .iter()
        .map(|e| e.event_id)
        .collect();
    ids.sort();
    ids
}

pub fn delivered_events_are_purged_once_older_than_the_cut_off(factory: &StoreFactory) {
    let env = Env::new(factory);
    for i in 0..3 {
        env.place_simple("alice", &format!("k-{i}"));
    }
    let events = env.store.pending_events(10).unwrap();
    assert_eq!(events.len(), 3);
    let [first, second, third] = [events[0].event_id, events[1].event_id, events[2].event_id];
    let t = start();
    env.store.mark_delivered(&[first], t).unwrap();
    env.store
        .mark_delivered(&[second], t.plus_millis(HOUR_MS))
        .unwrap();

    // Delivered exactly at the cut-off is kept: only strictly older goes.
    assert_eq!(env.store.purge_delivered_events(t, 100).unwrap(), 0);
    assert_eq!(
        env.store
            .purge_delivered_events(t.plus_millis(1), 100)
            .unwrap(),
        1
    );
    // Long after everything: the second delivered event goes, the pending one never does.
    let later = t.plus_millis(1000 * HOUR_MS);
    assert_eq!(env.store.purge_delivered_events(later, 100).unwrap(), 1);
    assert_eq!(env.store.purge_delivered_events(later, 100).unwrap(), 0);
    assert_eq!(pending_ids(&env), vec![third]);
    // A purged event is gone, not pending again: delivering it once more counts nothing.
    assert_eq!(
        env.store.mark_delivered(&[first, second], later).unwrap(),
        0
    );
    // Orders are untouched.
    assert_eq!(
        env.service
            .orders_for_user(&customer("alice"), &user("alice"), &Default::default())
            .unwrap()
            .orders
            .len(),
        3
    );
}

pub fn delivered_events_are_purged_in_bounded_batches(factory: &StoreFactory) {
    let env = Env::new(factory);
    for i in 0..5 {
        env.place_simple("bob", &format!("k-{i}"));
    }
    let ids: Vec<EventId> = env
        .store
        .pending_events(10)
        .unwrap()
        .iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(env.store.mark_delivered(&ids, start()).unwrap(), 5);
    let cut_off = start().plus_millis(HOUR_MS);
    let batches: Vec<u64> = (0..4)
        .map(|_| env.store.purge_delivered_events(cut_off, 2).unwrap())
        .collect();
    assert_eq!(batches, [2, 2, 1, 0]);
}

pub fn expired_checkouts_are_purged_in_bounded_batches(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.set_cart("alice", "USD", &[("sku-1", "Teapot", 1, "19.99")]);
    let mut quotes = Vec::new();
    for _ in 0..3 {
        quotes.push(
            env.service
                .checkout(&customer("alice"), &quote_request("alice"))
                .unwrap(),
        );
        env.advance(HOUR_MS);
    }
    let live = env
        .service
        .checkout(&customer("alice"), &quote_request("alice"))
        .unwrap();
    // Expired at the cut-off is kept; the three older quotes go, two at most per call.
    let cut_off = quotes[2].expires_at.plus_millis(1);
    assert!(live.expires_at > cut_off);
    assert_eq!(env.store.purge_expired_checkouts(cut_off, 2).unwrap(), 2);
    assert_eq!(env.store.purge_expired_checkouts(cut_off, 2).unwrap(), 1);
    assert_eq!(env.store.purge_expired_checkouts(cut_off, 2).unwrap(), 0);
    for quote in &quotes {
        assert_eq!(env.store.checkout(&quote.checkout_id).unwrap(), None);
    }
    assert_eq!(
        env.store.checkout(&live.checkout_id).unwrap(),
        Some(live.clone())
    );
    assert_eq!(
        env.store
            .purge_expired_checkouts(live.expires_at, 10)
            .unwrap(),
        0
    );
}

/// Every backend refuses a second event with the same (order, sequence), whatever its id.
pub fn one_event_per_order_and_sequence(factory: &StoreFactory) {
    let env = Env::new(factory);
    let first = env.place_simple("carol", "k-1");
    let mut second = new_order_like(&first, "k-2", env.now().plus_millis(HOUR_MS));
    second.event.order_id = first.id;
    let err = env.store.insert_order(&second).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Constraint, "{err}");
    assert_eq!(env.store.order(&second.order.id).unwrap(), None);
    assert_eq!(env.store.pending_events(10).unwrap().len(), 1);
}
