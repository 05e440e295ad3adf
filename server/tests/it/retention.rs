//! The retention sweeps: nothing younger than the retention is touched; once older, delivered
//! events and expired checkout quotes are deleted by the background task, sweep after sweep,
//! while pending events stay.

use std::time::{Duration, Instant};

use orderly::{CheckoutRequest, OrderService};
use orderly_server::testing::{self as retention, Purged, RetentionConfig};
use orderly_tests::fixtures::{Env, HOUR_MS, card, customer, us_address, user};

const KEEP: Duration = Duration::from_secs(3600);

fn memory_store() -> std::sync::Arc<dyn orderly::Store> {
    orderly::open_store("sqlite::memory:").unwrap()
}

fn quote(service: &OrderService, user_id: &str) -> orderly::Checkout {
    let request = CheckoutRequest {
        user_id: user(user_id),
        delivery_address: us_address(),
        payment_method: card(),
        shipping_method: None,
        discount_code: None,
    };
    service.checkout(&customer(user_id), &request).unwrap()
}

/// Waits until `done` holds, for a few seconds at most.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn a_sweep_keeps_what_is_younger_than_the_retention() {
    let env = Env::new(&memory_store);
    let config = RetentionConfig {
        keep: KEEP,
        every: Duration::from_secs(60),
        batch: 2,
    };
    for i in 0..5 {
        env.place_simple("bob", &format!("k-{i}"));
    }
    let ids: Vec<_> = env
        .store
        .pending_events(10)
        .unwrap()
        .iter()
        .map(|e| e.event_id)
        .collect();
    env.store.mark_delivered(&ids[..4], env.now()).unwrap();
    env.set_cart("alice", "USD", &[("sku-1", "Teapot", 1, "19.99")]);
    let expiring = quote(&env.service, "alice");

    // Delivered and expired, but not for an hour yet.
    env.advance(HOUR_MS - 1);
    assert_eq!(
        retention::sweep(&env.service, &config),
        Ok(Purged::default())
    );
    assert!(env.store.checkout(&expiring.checkout_id).unwrap().is_some());

    // An hour later: all four delivered events go, in batches of two; the pending one stays.
    env.advance(HOUR_MS);
    let purged = retention::sweep(&env.service, &config).unwrap();
    assert_eq!(
        purged,
        Purged {
            events: 4,
            checkouts: 1,
            webhook_deliveries: 0,
        }
    );
    assert_eq!(env.store.checkout(&expiring.checkout_id).unwrap(), None);
    let pending = env.store.pending_events(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].event_id, ids[4]);
}

/// Of two servers on one store, one sweeps per interval; the other takes over once the
/// first stopped renewing.
#[test]
fn one_server_at_a_time_sweeps() {
    let env = Env::new(&memory_store);
    let config = RetentionConfig {
        keep: KEEP,
        every: Duration::from_secs(600),
        batch: 10,
    };
    assert_eq!(
        retention::sweep_as(&env.service, &config, "server-a").unwrap(),
        Some(Purged::default())
    );
    assert_eq!(
        retention::sweep_as(&env.service, &config, "server-b").unwrap(),
        None
    );
    // server-a renews at its next tick.
    env.advance(600_000);
    assert!(
        retention::sweep_as(&env.service, &config, "server-a")
            .unwrap()
            .is_some()
    );
    assert_eq!(
        retention::sweep_as(&env.service, &config, "server-b").unwrap(),
        None
    );
    // server-a is gone: an interval later server-b sweeps.
    env.advance(600_000);
    assert!(
        retention::sweep_as(&env.service, &config, "server-b")
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_sweeps_on_its_schedule_until_stopped() {
    let env = Env::new(&memory_store);
    env.place_simple("bob", "k-1");
    let delivered = env.store.pending_events(10).unwrap()[0].event_id;
    env.store.mark_delivered(&[delivered], env.now()).unwrap();
    env.set_cart("alice", "USD", &[("sku-1", "Teapot", 1, "19.99")]);
    let first = quote(&env.service, "alice");
    env.advance(3 * HOUR_MS);

    let running = retention::spawn(
        &env.service,
        RetentionConfig {
            keep: KEEP,
            every: Duration::from_millis(50),
            batch: 10,
        },
    );
    let store = env.store.clone();
    eventually("the first expired quote is deleted", || {
        store.checkout(&first.checkout_id).unwrap().is_none()
    })
    .await;
    // The delivered event went with it: there is nothing left to purge.
    assert_eq!(
        env.store
            .purge_delivered_events(env.now().plus_millis(100 * HOUR_MS), 10)
            .unwrap(),
        0
    );

    // A later sweep of the same task takes what expired since.
    let second = quote(&env.service, "alice");
    assert!(env.store.checkout(&second.checkout_id).unwrap().is_some());
    env.advance(3 * HOUR_MS);
    eventually("the second expired quote is deleted", || {
        store.checkout(&second.checkout_id).unwrap().is_none()
    })
    .await;
    retention::stop(running).await;

    // Stopped: nothing is swept any more.
    let third = quote(&env.service, "alice");
    env.advance(3 * HOUR_MS);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(env.store.checkout(&third.checkout_id).unwrap().is_some());
}
