//! Webhooks: subscriptions round-trip, every outbox event fans out to the enabled
//! subscriptions of its type in its own transaction, claims keep each order's sequence and
//! lease a delivery to one sender, and attempts are recorded by the lease holder only.

use std::time::Duration;

use orderly::store::{CreateWebhookOutcome, NewWebhook, RecordedAttempt, StoredWebhook};
use orderly::webhooks::{
    Attempt, ClaimedDelivery, DeliveryRecord, DeliverySchedule, DeliveryStatus, HealthStatus,
    SigningSecrets, Subscription, TargetPolicy, WebhookSecret, after_attempt,
};
use orderly::{
    EventType, IdGenerator, OrderStatus, StatusUpdate, Timestamp, UuidV7Generator, WebhookId,
};

use crate::StoreFactory;
use crate::fixtures::*;

const LEASE_MS: i64 = 30_000;

fn subscribe(env: &Env, types: &[EventType], key: Option<&str>) -> StoredWebhook {
    let now = env.now();
    let stored = StoredWebhook {
        subscription: Subscription {
            id: WebhookId::from_uuid(UuidV7Generator.new_uuid()),
            url: TargetPolicy::PUBLIC_ONLY
                .validate_url("https://hooks.example.com/orders")
                .unwrap(),
            event_types: types.to_vec(),
            enabled: true,
            created_at: now,
            updated_at: now,
            record: DeliveryRecord::default(),
        },
        secrets: SigningSecrets {
            current: WebhookSecret::generate().unwrap(),
            previous: None,
        },
    };
    let outcome = env
        .store
        .create_webhook(&NewWebhook {
            subscription: stored.subscription.clone(),
            secrets: stored.secrets.clone(),
            idempotency: key.map(|k| (k.to_owned(), format!("fingerprint of {k}"))),
        })
        .unwrap();
    assert_eq!(outcome, CreateWebhookOutcome::Created);
    stored
}

fn claim(env: &Env, id: &WebhookId, limit: u32) -> Vec<ClaimedDelivery> {
    let now = env.now();
    env.store
        .claim_webhook_deliveries(id, now, now.plus_millis(LEASE_MS), limit)
        .unwrap()
}

fn answer(env: &Env, status: Option<u16>) -> Attempt {
    Attempt {
        number: 0,
        at: env.now(),
        status,
        error: status.is_none().then(|| "timed out".to_owned()),
        latency_ms: 12,
        snippet: status.map_or(String::new(), |s| format!("answer {s}")),
    }
}

/// Records an attempt for `delivery` with the state the core's state machine decides.
fn record(
    env: &Env,
    schedule: &DeliverySchedule,
    delivery: &ClaimedDelivery,
    status: Option<u16>,
) -> bool {
    let attempt = answer(env, status);
    let after = after_attempt(schedule, delivery, &attempt, env.now());
    env.store
        .record_webhook_attempt(&RecordedAttempt {
            delivery: delivery.clone(),
            attempt,
            after,
        })
        .unwrap()
}

fn advance_status(env: &Env, order: &orderly::OrderId, to: OrderStatus) {
    env.advance(1);
    env.service
        .update_status(&admin(), order, to, &StatusUpdate::default())
        .unwrap();
}

pub fn webhook_subscriptions_round_trip_and_change(factory: &StoreFactory) {
    let env = Env::new(factory);
    let first = subscribe(&env, &[EventType::OrderPlaced], Some("create-1"));
    env.advance(1);
    let second = subscribe(
        &env,
        &[EventType::OrderCancelled, EventType::OrderPlaced],
        None,
    );
    assert_eq!(
        env.store.webhook(&first.subscription.id).unwrap(),
        Some(first.clone())
    );
    let listed = env.store.webhooks(10).unwrap();
    assert_eq!(
        listed,
        vec![first.subscription.clone(), second.subscription.clone()]
    );
    assert_eq!(env.store.webhooks(1).unwrap().len(), 1);

    // The same idempotency key finds the first subscription.
    let mut again = NewWebhook {
        subscription: second.subscription.clone(),
        secrets: second.secrets.clone(),
        idempotency: Some(("create-1".to_owned(), "another".to_owned())),
    };
    again.subscription.id = WebhookId::from_uuid(UuidV7Generator.new_uuid());
    assert_eq!(
        env.store.create_webhook(&again).unwrap(),
        CreateWebhookOutcome::KeyTaken {
            id: first.subscription.id,
            fingerprint: "fingerprint of create-1".to_owned()
        }
    );
    assert_eq!(env.store.webhook(&again.subscription.id).unwrap(), None);

    // Changes: url, types, enabled; then the secret, with the previous one kept for a while.
    let mut changed = first.subscription.clone();
    changed.url = TargetPolicy::PUBLIC_ONLY
        .validate_url("https://other.example.com/in")
        .unwrap();
    changed.event_types = vec![EventType::StatusChanged];
    changed.enabled = false;
    changed.updated_at = env.now().plus_millis(5);
    assert!(env.store.update_webhook(&changed).unwrap());
    let read = env.store.webhook(&changed.id).unwrap().unwrap();
    assert_eq!(read.subscription, changed);
    assert_eq!(read.subscription.status(), HealthStatus::Disabled);
    let rotated = SigningSecrets {
        current: WebhookSecret::generate().unwrap(),
        previous: Some((
            first.secrets.current.clone(),
            env.now().plus_millis(HOUR_MS),
        )),
    };
    assert!(
        env.store
            .rotate_webhook_secret(&changed.id, &rotated, env.now())
            .unwrap()
    );
    assert_eq!(
        env.store.webhook(&changed.id).unwrap().unwrap().secrets,
        rotated
    );

    // Missing subscriptions change nothing; a deleted one is gone.
    let missing = WebhookId::from_uuid(UuidV7Generator.new_uuid());
    let mut ghost = changed.clone();
    ghost.id = missing;
    assert!(!env.store.update_webhook(&ghost).unwrap());
    assert!(
        !env.store
            .rotate_webhook_secret(&missing, &rotated, env.now())
            .unwrap()
    );
    assert!(!env.store.delete_webhook(&missing).unwrap());
    assert!(env.store.delete_webhook(&changed.id).unwrap());
    assert_eq!(env.store.webhook(&changed.id).unwrap(), None);
    assert_eq!(env.store.webhooks(10).unwrap(), vec![second.subscription]);
}

pub fn events_fan_out_to_the_enabled_subscriptions_of_their_type(factory: &StoreFactory) {
    let env = Env::new(factory);
    let placed_only = subscribe(&env, &[EventType::OrderPlaced], None);
    let everything = subscribe(
        &env,
        &[
            EventType::OrderCancelled,
            EventType::OrderPlaced,
            EventType::ShipmentChanged,
            EventType::StatusChanged,
        ],
        None,
    );
    let mut disabled = subscribe(&env, &[EventType::OrderPlaced], None).subscription;
    disabled.enabled = false;
    assert!(env.store.update_webhook(&disabled).unwrap());

    let order = env.place_simple("alice", "k-1");
    advance_status(&env, &order.id, OrderStatus::Processing);

    let events = env.store.pending_events(10).unwrap();
    assert_eq!(events.len(), 2);
    let placed = env
        .store
        .webhook_deliveries(&placed_only.subscription.id, None, 10)
        .unwrap();
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0].event_id, events[0].event_id);
    assert_eq!(placed[0].status, DeliveryStatus::Pending);
    assert!(placed[0].attempts.is_empty());
    let all = env
        .store
        .webhook_deliveries(&everything.subscription.id, None, 10)
        .unwrap();
    let ids: Vec<_> = all.iter().map(|d| (d.event_id, d.sequence)).collect();
    assert_eq!(
        ids,
        vec![(events[1].event_id, 2), (events[0].event_id, 1)],
        "newest first"
    );
    assert!(
        env.store
            .webhook_deliveries(&disabled.id, None, 10)
            .unwrap()
            .is_empty()
    );

    // The body is the event's envelope as the relay sends it, without the payment token.
    let claimed = claim(&env, &everything.subscription.id, 10);
    assert_eq!(claimed.len(), 1, "the second event waits for the first");
    assert_eq!(
        claimed[0].body,
        orderly::envelope::encode(&events[0]).unwrap()
    );
    let token = card().token().unwrap().to_owned();
    assert!(!claimed[0].body.contains(&token));
    let backlog = env
        .store
        .webhook_backlog(&everything.subscription.id)
        .unwrap();
    assert_eq!(backlog.pending, 2);
    assert_eq!(backlog.oldest_pending_at, Some(events[0].at));
}

pub fn claims_keep_each_orders_sequence_and_lease_to_one_sender(factory: &StoreFactory) {
    let env = Env::new(factory);
    let schedule = DeliverySchedule::new(Duration::from_secs(3600));
    let sub = subscribe(
        &env,
        &[EventType::OrderPlaced, EventType::StatusChanged],
        None,
    );
    let id = sub.subscription.id;
    let first = env.place_simple("alice", "k-1");
    advance_status(&env, &first.id, OrderStatus::Processing);
    advance_status(&env, &first.id, OrderStatus::Shipped);
    let second = env.place_simple("bob", "k-2");

    // Only the first event of each order is claimable; a second claim finds them leased.
    let taken = claim(&env, &id, 10);
    let mut got: Vec<_> = taken.iter().map(|d| (d.order_id, d.sequence)).collect();
    got.sort();
    let mut want = vec![(first.id, 1), (second.id, 1)];
    want.sort();
    assert_eq!(got, want);
    assert!(claim(&env, &id, 10).is_empty());

    // A failure keeps the order's later events waiting until the retry succeeds.
    let of_first = taken.iter().find(|d| d.order_id == first.id).unwrap();
    let of_second = taken.iter().find(|d| d.order_id == second.id).unwrap();
    assert!(record(&env, &schedule, of_first, Some(500)));
    assert!(record(&env, &schedule, of_second, Some(200)));
    assert!(claim(&env, &id, 10).is_empty(), "the retry is not due yet");
    env.advance(10_000);
    let retry = claim(&env, &id, 10);
    assert_eq!(retry.len(), 1);
    assert_eq!(
        (retry[0].order_id, retry[0].sequence, retry[0].attempts),
        (first.id, 1, 1)
    );
    assert!(record(&env, &schedule, &retry[0], Some(204)));
    for sequence in [2, 3] {
        let next = claim(&env, &id, 10);
        assert_eq!(next.len(), 1);
        assert_eq!((next[0].order_id, next[0].sequence), (first.id, sequence));
        assert!(record(&env, &schedule, &next[0], Some(200)));
    }
    assert!(claim(&env, &id, 10).is_empty());
    assert_eq!(env.store.webhook_backlog(&id).unwrap().pending, 0);

    let log = env.store.webhook_deliveries(&id, None, 10).unwrap();
    assert!(log.iter().all(|d| d.status == DeliveryStatus::Delivered));
    let retried = log
        .iter()
        .find(|d| d.order_id == first.id && d.sequence == 1)
        .unwrap();
    let numbers: Vec<_> = retried
        .attempts
        .iter()
        .map(|a| (a.number, a.status))
        .collect();
    assert_eq!(numbers, vec![(1, Some(500)), (2, Some(204))]);
    assert_eq!(retried.attempts[0].snippet, "answer 500");
    assert_eq!(retried.attempts[0].latency_ms, 12);
    let record = env.store.webhook(&id).unwrap().unwrap().subscription.record;
    assert!(record.last_success_at.is_some());
    assert_eq!(record.last_failure_reason.as_deref(), Some("HTTP 500"));
    assert_eq!(record.failing_since, None);

    // Pages walk newest first.
    let page = env.store.webhook_deliveries(&id, None, 2).unwrap();
    let rest = env
        .store
        .webhook_deliveries(&id, Some(&page[1].event_id), 10)
        .unwrap();
    assert_eq!(page.len() + rest.len(), 4);
    assert!(rest.iter().all(|d| d.event_id < page[1].event_id));
}

pub fn only_the_lease_holder_records_an_attempt(factory: &StoreFactory) {
    let env = Env::new(factory);
    let schedule = DeliverySchedule::new(Duration::from_secs(3600));
    let sub = subscribe(&env, &[EventType::OrderPlaced], None);
    let id = sub.subscription.id;
    env.place_simple("alice", "k-1");
    let stale = claim(&env, &id, 1);
    assert_eq!(stale.len(), 1);
    // The lease runs out; another sender takes the delivery.
    env.advance(LEASE_MS);
    let fresh = claim(&env, &id, 1);
    assert_eq!(fresh.len(), 1);
    assert!(
        !record(&env, &schedule, &stale[0], Some(200)),
        "the lost lease records nothing"
    );
    assert!(record(&env, &schedule, &fresh[0], Some(200)));
    assert!(
        !record(&env, &schedule, &fresh[0], Some(200)),
        "a lease records once"
    );
    let log = env.store.webhook_deliveries(&id, None, 10).unwrap();
    assert_eq!(log[0].attempts.len(), 1);

    // A disabled subscription sends nothing; a deleted one takes its deliveries along.
    env.place_simple("bob", "k-2");
    let mut off = sub.subscription.clone();
    off.enabled = false;
    assert!(env.store.update_webhook(&off).unwrap());
    assert!(claim(&env, &id, 10).is_empty());
    off.enabled = true;
    assert!(env.store.update_webhook(&off).unwrap());
    let taken = claim(&env, &id, 10);
    assert_eq!(taken.len(), 1);
    assert!(env.store.delete_webhook(&id).unwrap());
    assert!(!record(&env, &schedule, &taken[0], Some(200)));
    assert!(
        env.store
            .webhook_deliveries(&id, None, 10)
            .unwrap()
            .is_empty()
    );
}

pub fn a_failed_delivery_marks_the_subscription_failing_until_a_redelivery_succeeds(
    factory: &StoreFactory,
) {
    let env = Env::new(factory);
    let schedule = DeliverySchedule::new(Duration::from_secs(60));
    let sub = subscribe(
        &env,
        &[EventType::OrderPlaced, EventType::StatusChanged],
        None,
    );
    let id = sub.subscription.id;
    let order = env.place_simple("alice", "k-1");
    advance_status(&env, &order.id, OrderStatus::Processing);

    // Fail until the window is over.
    let mut failures = 0;
    loop {
        let taken = claim(&env, &id, 10);
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].sequence, 1);
        assert!(record(&env, &schedule, &taken[0], None));
        failures += 1;
        let log = env.store.webhook_deliveries(&id, None, 10).unwrap();
        let first = log.iter().find(|d| d.sequence == 1).unwrap();
        if first.status == DeliveryStatus::Failed {
            break;
        }
        assert_eq!(first.status, DeliveryStatus::Retrying);
        env.advance(first.next_attempt_at.unwrap().unix_millis() - env.now().unix_millis());
        assert!(failures < 50, "the window never ended");
    }
    let failing = env.store.webhook(&id).unwrap().unwrap().subscription;
    assert_eq!(failing.status(), HealthStatus::Failing);
    assert_eq!(
        failing.record.last_failure_reason.as_deref(),
        Some("timed out")
    );

    // A failed delivery no longer holds back its order's next event, which succeeds.
    let next = claim(&env, &id, 10);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].sequence, 2);
    assert!(record(&env, &schedule, &next[0], Some(200)));
    assert_eq!(
        env.store
            .webhook(&id)
            .unwrap()
            .unwrap()
            .subscription
            .status(),
        HealthStatus::Healthy
    );

    // Staff redeliver the failed one: a new series, its log kept.
    let failed = env.store.webhook_deliveries(&id, None, 10).unwrap();
    let failed = failed.iter().find(|d| d.sequence == 1).unwrap();
    let missing = orderly::EventId::from_uuid(UuidV7Generator.new_uuid());
    assert!(
        !env.store
            .redeliver_webhook(&id, &missing, env.now())
            .unwrap()
    );
    assert!(
        env.store
            .redeliver_webhook(&id, &failed.event_id, env.now())
            .unwrap()
    );
    let again = claim(&env, &id, 10);
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].event_id, again[0].attempts), (failed.event_id, 0));
    assert_eq!(again[0].series_started_at, env.now());
    assert!(record(&env, &schedule, &again[0], Some(200)));
    let log = env.store.webhook_deliveries(&id, None, 10).unwrap();
    let redelivered = log.iter().find(|d| d.sequence == 1).unwrap();
    assert_eq!(redelivered.status, DeliveryStatus::Delivered);
    assert_eq!(redelivered.attempts.len(), failures + 1);
    let _: Timestamp = redelivered.created_at;
}

pub fn staff_manage_webhooks_through_the_engine(factory: &StoreFactory) {
    let env = Env::new(factory);
    let svc = &env.service;
    let types = vec!["order.placed".to_owned(), "order.cancelled".to_owned()];
    let url = "https://hooks.example.com/in";
    let key = idem("hook-1");
    assert_code(
        svc.create_webhook(&customer("alice"), url, &types, None, None),
        "forbidden",
    );
    assert_code(
        svc.create_webhook(&admin(), "http://hooks.example.com/", &types, None, None),
        "invalid_webhook_url",
    );
    assert_code(
        svc.create_webhook(&admin(), "https://10.0.0.7/", &types, None, None),
        "webhook_target_refused",
    );
    assert_code(
        svc.create_webhook(&admin(), url, &["order.paid".to_owned()], None, None),
        "unknown_event_type",
    );
    assert_code(
        svc.create_webhook(&admin(), url, &[], None, None),
        "no_event_types",
    );
    assert_code(
        svc.create_webhook(&admin(), url, &types, Some("whsec_short"), None),
        "invalid_webhook_secret",
    );

    let (created, fresh) = svc
        .create_webhook(&admin(), url, &types, None, Some(&key))
        .unwrap();
    assert!(fresh);
    let secret = created.secret.clone().unwrap();
    assert!(secret.starts_with("whsec_"));
    let (again, fresh) = svc
        .create_webhook(&admin(), url, &types, None, Some(&key))
        .unwrap();
    assert!(!fresh);
    assert_eq!(
        (again.id, again.secret.as_deref()),
        (created.id, Some(secret.as_str()))
    );
    assert_code(
        svc.create_webhook(
            &admin(),
            "https://other.example.com/",
            &types,
            None,
            Some(&key),
        ),
        "idempotency_conflict",
    );

    // Reads never show the secret; health counts what waits.
    env.place_simple("alice", "k-1");
    env.advance(5_000);
    let read = svc.webhook(&admin(), &created.id).unwrap();
    assert_eq!(read.secret, None);
    assert_eq!(read.health.status, HealthStatus::Healthy);
    assert_eq!(read.health.pending_count, 1);
    assert_eq!(read.health.oldest_pending_age_seconds, Some(5));
    assert_eq!(svc.webhooks(&admin()).unwrap().len(), 1);

    // Change, rotate (the previous secret keeps signing for a while), page, redeliver, delete.
    let off = svc
        .update_webhook(
            &admin(),
            &created.id,
            &orderly::WebhookChange {
                enabled: Some(false),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(off.health.status, HealthStatus::Disabled);
    let rotated = svc
        .rotate_webhook_secret(&admin(), &created.id, None)
        .unwrap();
    assert_ne!(rotated.secret.as_deref(), Some(secret.as_str()));
    let stored = env.store.webhook(&created.id).unwrap().unwrap();
    assert_eq!(stored.secrets.signing_at(env.now()).len(), 2);
    let page = svc
        .webhook_deliveries(&admin(), &created.id, None, 20)
        .unwrap();
    assert_eq!(page.deliveries.len(), 1);
    assert_eq!(page.next_cursor, None);
    let delivery = &page.deliveries[0];
    assert!(delivery.message_id.starts_with("msg_"));
    assert_code(
        svc.webhook_deliveries(&admin(), &created.id, None, 0),
        "limit_out_of_range",
    );
    assert_code(
        svc.webhook_deliveries(&admin(), &created.id, Some("nope"), 5),
        "invalid_cursor",
    );
    svc.redeliver_webhook(&admin(), &created.id, &delivery.delivery_id.to_string())
        .unwrap();
    assert_code(
        svc.redeliver_webhook(&admin(), &created.id, "nope"),
        "not_found",
    );
    svc.delete_webhook(&admin(), &created.id).unwrap();
    assert_code(svc.webhook(&admin(), &created.id), "not_found");
    assert_code(svc.delete_webhook(&admin(), &created.id), "not_found");
}

pub fn finished_deliveries_are_purged_by_age_in_bounded_batches(factory: &StoreFactory) {
    let env = Env::new(factory);
    let schedule = DeliverySchedule::new(Duration::from_secs(3600));
    let sub = subscribe(&env, &[EventType::OrderPlaced], None);
    let id = sub.subscription.id;
    for i in 0..5 {
        env.place_simple(&format!("user{i}"), "k");
    }
    let taken = claim(&env, &id, 10);
    assert_eq!(taken.len(), 5);
    for delivery in &taken[..3] {
        assert!(record(&env, &schedule, delivery, Some(200)));
    }
    // One fails and stays open (retrying); one was never attempted.
    assert!(record(&env, &schedule, &taken[3], Some(500)));
    let cut_off = env.now().plus_millis(1);
    assert_eq!(
        env.store
            .purge_finished_webhook_deliveries(env.now(), 10)
            .unwrap(),
        0
    );
    assert_eq!(
        env.store
            .purge_finished_webhook_deliveries(cut_off, 2)
            .unwrap(),
        2
    );
    assert_eq!(
        env.store
            .purge_finished_webhook_deliveries(cut_off, 2)
            .unwrap(),
        1
    );
    assert_eq!(
        env.store
            .purge_finished_webhook_deliveries(cut_off, 2)
            .unwrap(),
        0
    );
    let left = env.store.webhook_deliveries(&id, None, 10).unwrap();
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|d| d.status.is_open()));
    assert_eq!(env.store.webhook_backlog(&id).unwrap().pending, 2);
}
