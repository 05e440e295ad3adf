//! The outbox relay against a real Kafka-API broker (tansu) on loopback: events arrive with
//! their types and in each order's sequence; a broker that dies and comes back costs nothing;
//! a relay killed between publish and mark causes duplicates only; two relays on one store
//! never publish the same event twice.
//!
//! The broker binary is `$ORDERLY_TANSU_BIN` or `tansu` on the PATH (scripts/kafka.sh installs
//! it). Without it these tests fail when `CI` is set and are skipped otherwise.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orderly::store::StoreResult;
use orderly::{
    EventId, Order, OrderStatus, OutboxEvent, StatusUpdate, Store, StoreDecorator, Timestamp,
};
use orderly_server::relay::{self, Envelope, RelayConfig};
use orderly_tests::fixtures::{Env, admin, customer};
use rskafka::client::ClientBuilder;
use rskafka::client::partition::UnknownTopicHandling;
use tokio::sync::watch;

const TOPIC: &str = "orderly.order-events";

fn tansu() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("ORDERLY_TANSU_BIN").filter(|b| !b.is_empty()) {
        return Some(PathBuf::from(bin));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("tansu"))
            .find(|p| p.is_file())
    })
}

/// The broker binary, or `None` (after saying so) when the tests should be skipped.
fn broker_binary() -> Option<PathBuf> {
    match tansu() {
        Some(bin) => Some(bin),
        None if std::env::var_os("CI").is_some() => {
            panic!("tansu not found: set ORDERLY_TANSU_BIN or put tansu on the PATH")
        }
        None => {
            eprintln!("tansu not found (ORDERLY_TANSU_BIN, PATH): Kafka tests skipped");
            None
        }
    }
}

/// A tansu broker with in-memory storage on a loopback port; can be killed and restarted.
struct Broker {
    bin: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Broker {
    fn start(bin: PathBuf) -> Broker {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut broker = Broker {
            bin,
            port,
            child: None,
        };
        broker.restart();
        broker
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let child = Command::new(&self.bin)
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
                "--storage-engine",
                "memory://tansu/",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tansu");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(self.address()).is_err() {
            assert!(Instant::now() < deadline, "tansu did not listen in time");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Everything read from the topic so far: (record key, envelope), in arrival order per
/// partition. Reading starts over from offset 0 after any error, so a broker that restarted
/// empty is read again from its start (re-reads show up as duplicates, which the checks allow).
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, Envelope)>>>);

impl Seen {
    fn unique_ids(&self) -> HashSet<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, e)| e.event_id.clone())
            .collect()
    }

    fn all(&self) -> Vec<(String, Envelope)> {
        self.0.lock().unwrap().clone()
    }

    async fn wait_for(&self, ids: &HashSet<String>, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let seen = self.unique_ids();
            if ids.is_subset(&seen) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {} events arrived",
                ids.intersection(&seen).count(),
                ids.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn consume(address: String, seen: Seen, mut stop: watch::Receiver<bool>) {
    'connect: loop {
        if *stop.borrow() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let backoff = rskafka::BackoffConfig {
            deadline: Some(Duration::from_secs(1)),
            ..Default::default()
        };
        let Ok(client) = ClientBuilder::new(vec![address.clone()])
            .backoff_config(backoff)
            .build()
            .await
        else {
            continue;
        };
        let Ok(topics) = client.list_topics().await else {
            continue;
        };
        let Some(topic) = topics.into_iter().find(|t| t.name == TOPIC) else {
            continue;
        };
        let mut partitions = Vec::new();
        for id in topic.partitions {
            match client
                .partition_client(TOPIC, id, UnknownTopicHandling::Error)
                .await
            {
                Ok(p) => partitions.push((p, 0i64)),
                Err(_) => continue 'connect,
            }
        }
        loop {
            if *stop.borrow() {
                return;
            }
            for (partition, offset) in &mut partitions {
                let Ok((records, _)) = partition.fetch_records(*offset, 1..1_000_000, 50).await
                else {
                    continue 'connect;
                };
                for r in records {
                    *offset = r.offset + 1;
                    let key = String::from_utf8(r.record.key.unwrap_or_default()).unwrap();
                    let envelope: Envelope =
                        serde_json::from_slice(&r.record.value.unwrap_or_default()).unwrap();
                    seen.0.lock().unwrap().push((key, envelope));
                }
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

fn relay_config(broker: &Broker, owner: &str) -> RelayConfig {
    let mut config = RelayConfig::new(vec![broker.address()], TOPIC);
    config.batch_size = 7;
    config.idle_poll = Duration::from_millis(50);
    config.lease_ttl = Duration::from_secs(3);
    config.kafka.call_deadline = Duration::from_secs(1);
    config.owner = owner.into();
    config
}

struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    fn new() -> (Running, watch::Receiver<bool>) {
        let (stop, stopped) = watch::channel(false);
        (
            Running {
                stop,
                tasks: Vec::new(),
            },
            stopped,
        )
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
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
/// those is then cancelled.
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

fn ids_of(events: &[OutboxEvent]) -> HashSet<String> {
    events.iter().map(|e| e.event_id.to_string()).collect()
}

/// Every expected event arrived with its type, key and sequence, and each order's events
/// (first arrivals) came in sequence. Returns how many records were duplicates.
fn check_arrivals(expected: &[OutboxEvent], seen: &Seen) -> usize {
    let all = seen.all();
    let by_id: HashMap<String, &OutboxEvent> = expected
        .iter()
        .map(|e| (e.event_id.to_string(), e))
        .collect();
    let mut first = HashSet::new();
    let mut last_sequence: BTreeMap<String, u32> = BTreeMap::new();
    let mut duplicates = 0;
    for (key, envelope) in &all {
        let Some(event) = by_id.get(&envelope.event_id) else {
            continue;
        };
        assert_eq!(
            key,
            &event.order_id.to_string(),
            "record key is the order id"
        );
        assert_eq!(envelope.order_id, event.order_id.to_string());
        assert_eq!(envelope.event_type, event.event_type.as_str());
        assert_eq!(envelope.sequence, event.sequence);
        assert_eq!(envelope.user_id, event.user_id.as_str());
        assert_eq!(envelope.at, event.at.to_rfc3339());
        assert_eq!(envelope.payload, event.payload);
        if !first.insert(envelope.event_id.clone()) {
            duplicates += 1;
            continue;
        }
        let last = last_sequence.entry(envelope.order_id.clone()).or_insert(0);
        assert_eq!(
            envelope.sequence,
            *last + 1,
            "order {} out of sequence",
            envelope.order_id
        );
        *last = envelope.sequence;
    }
    assert_eq!(first.len(), expected.len(), "every event arrived");
    duplicates
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_arrive_with_their_types_in_each_orders_sequence() {
    let Some(bin) = broker_binary() else { return };
    let broker = Broker::start(bin);
    let (env, _dir) = sqlite_env();
    make_history(&env, "a", 24);
    let expected = env.service.pending_events(10_000).unwrap();
    assert_eq!(expected.len(), 24 + 12 + 4);

    let seen = Seen::default();
    let (mut running, stopped) = Running::new();
    running.tasks.push(tokio::spawn(consume(
        broker.address(),
        seen.clone(),
        stopped.clone(),
    )));
    running.tasks.push(tokio::spawn(relay::run(
        env.service.clone(),
        relay_config(&broker, "relay-1"),
        stopped,
    )));
    seen.wait_for(&ids_of(&expected), Duration::from_secs(60))
        .await;
    // Events written while the relay runs follow: 6 placed, 3 processing, 1 cancelled.
    make_history(&env, "b", 6);
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.unique_ids().len() < expected.len() + 10 {
        assert!(Instant::now() < deadline, "later events did not arrive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.stop().await;
    check_arrivals(&expected, &seen);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !env.service.pending_events(10).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "events stay pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broker_that_dies_and_returns_loses_nothing() {
    let Some(bin) = broker_binary() else { return };
    let mut broker = Broker::start(bin);
    let (env, _dir) = sqlite_env();
    let seen = Seen::default();
    let (mut running, stopped) = Running::new();
    running.tasks.push(tokio::spawn(consume(
        broker.address(),
        seen.clone(),
        stopped.clone(),
    )));
    running.tasks.push(tokio::spawn(relay::run(
        env.service.clone(),
        relay_config(&broker, "relay-1"),
        stopped,
    )));

    make_history(&env, "before", 10);
    let mut expected = Vec::new();
    // Wait until the first wave is on the broker and marked delivered.
    let first = wait_all_delivered(&env, &seen).await;
    expected.extend(first);

    broker.kill();
    make_history(&env, "down", 10);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let waiting = env.service.pending_events(10_000).unwrap();
    assert_eq!(
        waiting.len(),
        10 + 5 + 2,
        "nothing is marked while the broker is down"
    );
    expected.extend(waiting.clone());

    // The broker comes back empty (memory storage): the relay re-creates the topic and
    // publishes what it could not before.
    broker.restart();
    seen.wait_for(&ids_of(&waiting), Duration::from_secs(90))
        .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !env.service.pending_events(10).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "events stay pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.stop().await;
    check_arrivals(&waiting, &seen);
}

/// Waits until nothing is pending and every event that was pending arrived; returns them.
async fn wait_all_delivered(env: &Env, seen: &Seen) -> Vec<OutboxEvent> {
    let events = env.service.pending_events(10_000).unwrap();
    seen.wait_for(&ids_of(&events), Duration::from_secs(60))
        .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !env.service.pending_events(10).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "events stay pending");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    events
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_relay_killed_between_publish_and_mark_duplicates_but_loses_nothing() {
    let Some(bin) = broker_binary() else { return };
    let broker = Broker::start(bin);
    let (env, _dir) = sqlite_env();
    make_history(&env, "k", 12);
    let expected = env.service.pending_events(10_000).unwrap();

    let (reached_tx, reached_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    let stuck: Arc<dyn Store> = Arc::new(StuckMark {
        inner: env.store.clone(),
        stuck_once: AtomicBool::new(true),
        reached: Mutex::new(Some(reached_tx)),
        release: Mutex::new(Some(release_rx)),
    });
    let doomed_service = orderly::OrderService::builder(stuck, env.carts.clone())
        .clock(env.clock.clone())
        .build();

    let seen = Seen::default();
    let (mut running, stopped) = Running::new();
    running.tasks.push(tokio::spawn(consume(
        broker.address(),
        seen.clone(),
        stopped.clone(),
    )));
    let doomed = tokio::spawn(relay::run(
        doomed_service,
        relay_config(&broker, "doomed"),
        stopped.clone(),
    ));
    tokio::task::spawn_blocking(move || reached_rx.recv_timeout(Duration::from_secs(60)))
        .await
        .unwrap()
        .expect("the relay published a batch");
    doomed.abort();
    let _ = doomed.await;
    let _ = release_tx.send(());

    // The killed relay's lease runs out; a new relay takes over and publishes from the
    // oldest unmarked event, the batch the killed one published included.
    env.advance(3_001);
    running.tasks.push(tokio::spawn(relay::run(
        env.service.clone(),
        relay_config(&broker, "successor"),
        stopped,
    )));
    seen.wait_for(&ids_of(&expected), Duration::from_secs(60))
        .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !env.service.pending_events(10).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "events stay pending");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.stop().await;
    let duplicates = check_arrivals(&expected, &seen);
    assert!(
        duplicates >= 1,
        "the batch published before the kill is published again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_on_one_store_publish_each_event_once() {
    let Some(bin) = broker_binary() else { return };
    let broker = Broker::start(bin);
    let (env, _dir) = sqlite_env();
    let seen = Seen::default();
    let (mut running, stopped) = Running::new();
    running.tasks.push(tokio::spawn(consume(
        broker.address(),
        seen.clone(),
        stopped.clone(),
    )));
    for owner in ["relay-1", "relay-2"] {
        running.tasks.push(tokio::spawn(relay::run(
            env.service.clone(),
            relay_config(&broker, owner),
            stopped.clone(),
        )));
    }
    let mut expected = Vec::new();
    for wave in 0..3 {
        make_history(&env, &format!("w{wave}"), 8);
        expected.extend(wait_all_delivered(&env, &seen).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.stop().await;
    assert_eq!(
        check_arrivals(&expected, &seen),
        0,
        "no event published twice"
    );
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
                let _ = release.recv_timeout(Duration::from_secs(60));
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
