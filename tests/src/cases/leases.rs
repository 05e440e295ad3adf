//! Named leases: one holder at a time, renewable by its holder, free once expired or released.

use std::sync::{Arc, Barrier};

use orderly::service::DEFAULT_STORE_RETRY;
use orderly::{StoreError, Timestamp};

use crate::StoreFactory;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_700_000_000_000 + ms)
}

pub fn lease_is_exclusive_until_it_expires(factory: &StoreFactory) {
    let store = factory();
    assert!(store.acquire_lease("relay", "a", at(0), 1_000).unwrap());
    assert!(!store.acquire_lease("relay", "b", at(500), 1_000).unwrap());
    // The holder renews: now held until 1_500.
    assert!(store.acquire_lease("relay", "a", at(500), 1_000).unwrap());
    assert!(!store.acquire_lease("relay", "b", at(1_499), 1_000).unwrap());
    // Expired: another owner takes it over, and the former holder is refused.
    assert!(store.acquire_lease("relay", "b", at(1_500), 1_000).unwrap());
    assert!(!store.acquire_lease("relay", "a", at(1_600), 1_000).unwrap());
    // Renewing at the very same instant with the same term still says held.
    assert!(store.acquire_lease("relay", "b", at(1_600), 1_000).unwrap());
    assert!(store.acquire_lease("relay", "b", at(1_600), 1_000).unwrap());
}

pub fn released_lease_is_free_at_once(factory: &StoreFactory) {
    let store = factory();
    assert!(store.acquire_lease("relay", "a", at(0), 60_000).unwrap());
    // Only the holder can release.
    store.release_lease("relay", "b").unwrap();
    assert!(!store.acquire_lease("relay", "b", at(1), 60_000).unwrap());
    store.release_lease("relay", "a").unwrap();
    assert!(store.acquire_lease("relay", "b", at(2), 60_000).unwrap());
    // Releasing a lease nobody holds is fine.
    store.release_lease("nothing", "a").unwrap();
}

pub fn leases_are_independent_by_name(factory: &StoreFactory) {
    let store = factory();
    assert!(store.acquire_lease("relay", "a", at(0), 1_000).unwrap());
    assert!(store.acquire_lease("notify", "b", at(0), 1_000).unwrap());
    assert!(!store.acquire_lease("notify", "a", at(10), 1_000).unwrap());
    assert!(!store.acquire_lease("relay", "b", at(10), 1_000).unwrap());
}

pub fn racing_owners_get_one_lease(factory: &StoreFactory) {
    let store = factory();
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let store = store.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                // Racing writers may deadlock on MySQL; stores report it as transient and the
                // engine's retry policy runs the call again, as it does for every store call.
                DEFAULT_STORE_RETRY
                    .run(StoreError::is_transient, |_| {
                        store.acquire_lease("relay", &format!("owner-{i}"), at(0), 10_000)
                    })
                    .unwrap()
            })
        })
        .collect();
    let winners = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|held| *held)
        .count();
    assert_eq!(winners, 1);
}
