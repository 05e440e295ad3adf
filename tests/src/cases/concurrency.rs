//! Racing callers: one order per idempotency key however many threads send it, and one
//! winner among status updates pinned to the same version.

use std::collections::{HashMap, HashSet};
use std::sync::Barrier;

use orderly::DayRange;
use orderly::{OrderStatus, OrderlyError, StatusUpdate};

use crate::StoreFactory;
use crate::fixtures::*;

const THREADS: usize = 8;
const KEYS: usize = 10;
const CALLS_PER_THREAD: usize = 20;

pub fn racing_threads_place_one_order_per_key(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.set_cart("alice", "USD", &[("sku-1", "Espresso beans", 2, "12.50")]);
    let barrier = Barrier::new(THREADS);
    let results: Vec<Vec<(usize, orderly::Placement)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (env, barrier) = (&env, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    (0..CALLS_PER_THREAD)
                        .map(|i| {
                            // Every thread sends every key twice, each in its own order.
                            let k = (t * 3 + i * 7) % KEYS;
                            let placed = env
                                .service
                                .place_order(
                                    &customer("alice"),
                                    &request("alice"),
                                    &idem(&format!("key-{k}")),
                                )
                                .unwrap();
                            (k, placed)
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut by_key: HashMap<usize, HashSet<_>> = HashMap::new();
    let mut created = 0;
    for (k, placed) in results.iter().flatten() {
        by_key.entry(*k).or_default().insert(placed.order.id);
        created += usize::from(placed.created);
    }
    assert_eq!(by_key.len(), KEYS);
    assert!(
        by_key.values().all(|ids| ids.len() == 1),
        "a key placed two orders: {by_key:?}"
    );
    let distinct: HashSet<_> = by_key.values().flatten().collect();
    assert_eq!(distinct.len(), KEYS);
    assert_eq!(created, KEYS);

    let history = env
        .service
        .orders_for_user(
            &customer("alice"),
            &user("alice"),
            &orderly::HistoryRequest {
                limit: Some(100),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(history.orders.len(), KEYS);
    let counts = env.store.status_counts(DayRange::ALL).unwrap();
    let placed = counts
        .iter()
        .find(|c| c.status == OrderStatus::Placed)
        .unwrap();
    assert_eq!(placed.orders, KEYS as u64);
    let day = env
        .service
        .sales(&admin(), start(), start().plus_millis(HOUR_MS))
        .unwrap();
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].orders, KEYS as u64);
    assert_eq!(
        day[0].total.minor(),
        history.orders[0].totals.total.minor() * KEYS as i64
    );
    assert_eq!(env.store.pending_events(1000).unwrap().len(), KEYS);
}

pub fn racing_status_updates_on_one_version_let_one_win(factory: &StoreFactory) {
    let env = Env::new(factory);
    for round in 0..5 {
        let order = env.place_simple("alice", &format!("k-{round}"));
        let barrier = Barrier::new(2);
        let pinned = StatusUpdate {
            note: None,
            expected_version: Some(1),
        };
        let outcomes: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = [OrderStatus::Processing, OrderStatus::Cancelled]
                .into_iter()
                .map(|to| {
                    let (env, barrier, pinned) = (&env, &barrier, &pinned);
                    s.spawn(move || {
                        barrier.wait();
                        env.service.update_status(&admin(), &order.id, to, pinned)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let winners: Vec<_> = outcomes.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        let loser = outcomes.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert_eq!(
            loser,
            &OrderlyError::VersionConflict {
                expected: 1,
                actual: 2
            }
        );

        let stored = env.store.order(&order.id).unwrap().unwrap();
        assert_eq!(&stored, winners[0]);
        assert_eq!((stored.version, stored.history.len()), (2, 2));
        let events = env.store.pending_events(1000).unwrap();
        assert_eq!(events.iter().filter(|e| e.order_id == order.id).count(), 2);
    }
}
