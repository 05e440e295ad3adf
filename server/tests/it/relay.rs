//! The outbox relay against a real Apache Kafka broker (one KRaft node on loopback, started by
//! `orderly_tests::kafka::Broker`): events arrive keyed by order id, with their types and
//! headers, each order's on one partition and in sequence, as the broker's own console
//! consumer (a client no one here wrote) reads them too; a broker killed (SIGKILL) and
//! restarted still holds every record it acknowledged, and the events written meanwhile
//! arrive; a relay killed between publish and mark causes duplicates only; two relays on one
//! store publish each event exactly once.
//!
//! Every check reads the whole topic from its beginning with a fresh consumer, after the store
//! says nothing is pending (a relay marks events only once the broker acknowledged them): no
//! consumer runs beside the relays, so none can start late or race the topic's creation, and
//! a loaded machine only makes the tests slower. Waits poll with deadlines of minutes.
//!
//! Needs Kafka's jars (`source scripts/kafka.sh && ensure_kafka`); without them the tests fail
//! when `CI` is set and are skipped otherwise.

use crate::support::topic;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orderly::store::StoreResult;
use orderly::{
    EventId, Order, OrderService, OrderStatus, OutboxEvent, StatusUpdate, Store, StoreDecorator,
    Timestamp,
};
use orderly_server::{Envelope, RelayConfig, run_relay};
use orderly_tests::fixtures::{Env, admin, customer};
use orderly_tests::kafka::Broker;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use topic::{PATIENCE, Record, assert_down, read_topic};

const TOPIC: &str = "orderly.order-events";
/// The relays' lease; it runs on the tests' manual clock, so it only expires when a test
/// advances the clock past it.
const LEASE_TTL: Duration = Duration::from_secs(30);

fn relay_config(broker: &Broker, owner: &str) -> RelayConfig {
    let mut config = RelayConfig::new(vec![broker.address()], TOPIC);
    config.batch_size = 7;
    config.idle_poll = Duration::from_millis(50);
    config.lease_ttl = LEASE_TTL;
    // Long enough that no publish times out on a loaded machine: a timed-out publish is
    // retried, and the duplicate it may leave would fail the exactly-once checks.
    config.kafka.call_deadline = Duration::from_secs(30);
    config.owner = owner.into();
    config
}

/// Relays running until [`Running::stop`].
struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    fn new() -> Running {
        Running {
            stop: watch::channel(false).0,
            tasks: Vec::new(),
        }
    }

    fn stopped(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    fn relay(&mut self, service: &OrderService, config: RelayConfig) {
        let task = tokio::spawn(run_relay(service.clone(), config, self.stopped()));
        self.tasks.push(task);
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .expect("the relay stops")
                .unwrap();
        }
    }
}

fn sqlite_env() -> (Env, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("orderly.db").display());
    let store = orderly::open_store(&url).unwrap();
    (Env::new(&move || store.clone()), dir)
}

/// Places `n` orders for a few users; every second one moves to processing, every third of
/// those is then cancelled: `n + n/2 + n/6` events (rounded up).
fn make_history(env: &Env, prefix: &str, n: usize) -> Vec<Order> {
    let mut orders = Vec::new();
    for i in 0..n {
        let user = format!("{prefix}-user-{}", i % 4);
        let order = env.place_simple(&user, &format!("{prefix}-{i}"));
        env.advance(1);
        if i % 2 == 0 {
            env.service
                .update_status(
                    &admin(),
                    &order.id,
                    OrderStatus::Processing,
                    &StatusUpdate::default(),
                )
                .unwrap();
            if i % 3 == 0 {
                env.service
                    .cancel(&customer(&user), &order.id, Some("changed my mind"))
                    .unwrap();
            }
        }
        orders.push(order);
    }
    orders
}

/// Waits until the store has nothing pending: every event published, acknowledged by the
/// broker and marked delivered.
async fn wait_delivered(env: &Env) {
    let deadline = Instant::now() + PATIENCE;
    while !env.service.pending_events(1).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "events still pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the topic must hold: the whole history of each of `orders` (sequences 1 to its
/// version now) and nothing else; the events in `known` are compared field by field.
struct Expected {
    versions: HashMap<String, u32>,
    known: HashMap<String, OutboxEvent>,
}

impl Expected {
    fn new(env: &Env, orders: &[Order], known: &[OutboxEvent]) -> Expected {
        let versions = orders
            .iter()
            .map(|o| {
                let now = env.service.order(&admin(), &o.id).unwrap();
                (o.id.to_string(), now.version)
            })
            .collect();
        let known = known
            .iter()
            .map(|e| (e.event_id.to_string(), e.clone()))
            .collect();
        Expected { versions, known }
    }

    fn events(&self) -> usize {
        self.versions.values().map(|v| *v as usize).sum()
    }
}

/// Checks `records` (as [`read_all`] returns them) against `expected`: keys, headers and
/// envelopes agree; every order's records sit on one partition; in offset order, each event
/// read for the first time is its order's next in sequence; every event is there. Returns how
/// many records repeated an event read before (delivery is at least once).
fn check_topic(records: &[Record], expected: &Expected) -> usize {
    let mut partition_of: HashMap<&str, i32> = HashMap::new();
    let mut next_sequence: HashMap<&str, u32> = HashMap::new();
    let mut read = HashSet::new();
    let mut duplicates = 0;
    for r in records {
        check_record(r, expected);
        let e = &r.envelope;
        let partition = *partition_of.entry(&e.order_id).or_insert(r.partition);
        assert_eq!(
            r.partition, partition,
            "order {} has records on partitions {partition} and {}",
            e.order_id, r.partition
        );
        if !read.insert(e.event_id.as_str()) {
            duplicates += 1;
            continue;
        }
        let next = next_sequence.entry(&e.order_id).or_insert(1);
        assert_eq!(
            e.sequence, *next,
            "order {}: sequence {} read first where {} was due (partition {}, offset {})",
            e.order_id, e.sequence, next, r.partition, r.offset
        );
        *next += 1;
    }
    for (order, version) in &expected.versions {
        let read_up_to = next_sequence.get(order.as_str()).map_or(0, |n| n - 1);
        assert_eq!(read_up_to, *version, "order {order}: events 1 to {version}");
    }
    for id in expected.known.keys() {
        assert!(read.contains(id.as_str()), "event {id} is on the topic");
    }
    assert_eq!(read.len(), expected.events());
    duplicates
}

fn check_record(r: &Record, expected: &Expected) {
    let e = &r.envelope;
    assert_eq!(r.key, e.order_id, "the record key is the order id");
    assert_eq!(
        r.headers,
        (e.event_id.clone(), e.event_type.clone()),
        "the headers name the event"
    );
    assert!(
        expected.versions.contains_key(&e.order_id),
        "a record of an unknown order: {e:?}"
    );
    if let Some(event) = expected.known.get(&e.event_id) {
        assert_eq!(e.order_id, event.order_id.to_string());
        assert_eq!(e.event_type, event.event_type.as_str());
        assert_eq!(e.sequence, event.sequence);
        assert_eq!(e.user_id, event.user_id.as_str());
        assert_eq!(e.at, event.at.to_rfc3339());
        assert_eq!(e.payload.get(), event.payload.get());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_arrive_with_their_types_in_each_orders_sequence() {
    let Some(broker) = Broker::start_or_skip() else {
        return;
    };
    let (env, _dir) = sqlite_env();
    let mut orders = make_history(&env, "a", 24);
    let known = env.service.pending_events(10_000).unwrap();
    assert_eq!(known.len(), 24 + 12 + 4);

    let mut running = Running::new();
    running.relay(&env.service, relay_config(&broker, "relay-1"));
    wait_delivered(&env).await;
    // Events written while the relay runs follow: 6 placed, 3 processing, 1 cancelled.
    orders.extend(make_history(&env, "b", 6));
    wait_delivered(&env).await;
    running.stop().await;

    let expected = Expected::new(&env, &orders, &known);
    assert_eq!(expected.events(), 40 + 10);
    let records = read_topic(&broker, TOPIC).await;
    assert_eq!(
        check_topic(&records, &expected),
        0,
        "no event published twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_brokers_own_console_consumer_reads_every_event_in_sequence() {
    let Some(broker) = Broker::start_or_skip() else {
        return;
    };
    let (env, _dir) = sqlite_env();
    make_history(&env, "c", 12);
    let events = env.service.pending_events(10_000).unwrap();
    let mut running = Running::new();
    running.relay(&env.service, relay_config(&broker, "relay-1"));
    wait_delivered(&env).await;
    running.stop().await;

    // How many records there are, so that the console consumer stops once it read them all.
    let count = read_topic(&broker, TOPIC).await.len();
    assert_eq!(count, events.len());
    let read = tokio::task::block_in_place(|| {
        broker.console_consume(TOPIC, count, Duration::from_secs(60))
    });
    assert_eq!(read.len(), count, "the console consumer read every record");
    let by_id: HashMap<String, &OutboxEvent> =
        events.iter().map(|e| (e.event_id.to_string(), e)).collect();
    // Partitions interleave in its output, but each order's records keep their sequence.
    let mut next_sequence: HashMap<String, u32> = HashMap::new();
    let mut ids = HashSet::new();
    for (key, value) in &read {
        let envelope: Envelope = serde_json::from_str(value).expect("the value is an Envelope");
        let event = by_id[&envelope.event_id];
        assert_eq!(key, &event.order_id.to_string(), "keyed by order id");
        assert_eq!(envelope.event_type, event.event_type.as_str());
        let next = next_sequence.entry(key.clone()).or_insert(1);
        assert_eq!(envelope.sequence, *next, "order {key} in sequence");
        *next += 1;
        ids.insert(envelope.event_id);
    }
    assert_eq!(ids.len(), events.len(), "every event, once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broker_killed_and_restarted_keeps_what_it_acknowledged_and_loses_nothing() {
    let Some(mut broker) = Broker::start_or_skip() else {
        return;
    };
    let (env, _dir) = sqlite_env();
    let mut orders = make_history(&env, "before", 10);
    let mut known = env.service.pending_events(10_000).unwrap();
    let mut running = Running::new();
    running.relay(&env.service, relay_config(&broker, "relay-1"));
    wait_delivered(&env).await;
    let acknowledged = read_topic(&broker, TOPIC).await;
    check_topic(&acknowledged, &Expected::new(&env, &orders, &known));

    tokio::task::block_in_place(|| broker.kill());
    assert_down(&broker);
    orders.extend(make_history(&env, "down", 10));
    // Give the relay time to try (and fail): nothing can be marked without the broker.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let waiting = env.service.pending_events(10_000).unwrap();
    assert_eq!(
        waiting.len(),
        10 + 5 + 2,
        "nothing is marked while the broker is down"
    );
    known.extend(waiting);

    tokio::task::block_in_place(|| broker.restart());
    wait_delivered(&env).await;
    running.stop().await;
    let records = read_topic(&broker, TOPIC).await;
    // The log survived the kill: every record acknowledged before it is still in its place.
    let now: HashSet<(i32, i64, &str)> = records
        .iter()
        .map(|r| (r.partition, r.offset, r.envelope.event_id.as_str()))
        .collect();
    for r in &acknowledged {
        assert!(
            now.contains(&(r.partition, r.offset, r.envelope.event_id.as_str())),
            "record {}@{} ({}) lost in the kill",
            r.partition,
            r.offset,
            r.envelope.event_id
        );
    }
    check_topic(&records, &Expected::new(&env, &orders, &known));
}

/// A store whose first `mark_delivered` never completes: it reports that the relay reached
/// the point between publish and mark, then fails once released (the relay is gone by then).
#[derive(Debug)]
struct StuckMark {
    inner: Arc<dyn Store>,
    stuck_once: AtomicBool,
    reached: Mutex<Option<std::sync::mpsc::Sender<()>>>,
    release: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
}

impl StoreDecorator for StuckMark {
    fn inner(&self) -> &dyn Store {
        self.inner.as_ref()
    }
    fn mark_delivered(&self, ids: &[EventId], at: Timestamp) -> StoreResult<u64> {
        if self.stuck_once.swap(false, Ordering::SeqCst) {
            if let Some(reached) = self.reached.lock().unwrap().take() {
                let _ = reached.send(());
            }
            if let Some(release) = self.release.lock().unwrap().take() {
                let _ = release.recv_timeout(PATIENCE);
            }
            return Err(orderly::StoreError::new(
                orderly::StoreErrorKind::Other,
                "test",
                "the relay was killed before marking",
            ));
        }
        self.inner.mark_delivered(ids, at)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_relay_killed_between_publish_and_mark_duplicates_but_loses_nothing() {
    let Some(broker) = Broker::start_or_skip() else {
        return;
    };
    let (env, _dir) = sqlite_env();
    let orders = make_history(&env, "k", 12);
    let known = env.service.pending_events(10_000).unwrap();

    let (reached_tx, reached_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    let stuck: Arc<dyn Store> = Arc::new(StuckMark {
        inner: env.store.clone(),
        stuck_once: AtomicBool::new(true),
        reached: Mutex::new(Some(reached_tx)),
        release: Mutex::new(Some(release_rx)),
    });
    let doomed_service = OrderService::builder(stuck, env.carts.clone())
        .clock(env.clock.clone())
        .build();

    let mut running = Running::new();
    let doomed = tokio::spawn(run_relay(
        doomed_service,
        relay_config(&broker, "doomed"),
        running.stopped(),
    ));
    tokio::task::spawn_blocking(move || reached_rx.recv_timeout(PATIENCE))
        .await
        .unwrap()
        .expect("the relay published a batch");
    doomed.abort();
    let _ = doomed.await;
    let _ = release_tx.send(());

    // The killed relay's lease runs out; a new relay takes over and publishes from the
    // oldest unmarked event, the batch the killed one published included.
    env.advance(i64::try_from(LEASE_TTL.as_millis()).unwrap() + 1);
    running.relay(&env.service, relay_config(&broker, "successor"));
    wait_delivered(&env).await;
    running.stop().await;
    let records = read_topic(&broker, TOPIC).await;
    let duplicates = check_topic(&records, &Expected::new(&env, &orders, &known));
    assert!(
        duplicates >= 1,
        "the batch published before the kill is published again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_on_one_store_publish_each_event_once() {
    let Some(broker) = Broker::start_or_skip() else {
        return;
    };
    let (env, _dir) = sqlite_env();
    // Both compete for the lease from the start. It never expires here (the manual clock
    // barely moves), so one publishes and the other stands by: a lease passing mid-round is
    // the documented way to a duplicate, which this test must not provoke.
    let mut running = Running::new();
    for owner in ["relay-1", "relay-2"] {
        running.relay(&env.service, relay_config(&broker, owner));
    }
    let mut orders = Vec::new();
    for wave in 0..3 {
        orders.extend(make_history(&env, &format!("w{wave}"), 8));
        wait_delivered(&env).await;
    }
    running.stop().await;
    let records = read_topic(&broker, TOPIC).await;
    let expected = Expected::new(&env, &orders, &[]);
    assert_eq!(expected.events(), 3 * (8 + 4 + 2));
    assert_eq!(
        check_topic(&records, &expected),
        0,
        "no event published twice"
    );
}
