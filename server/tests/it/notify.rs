//! Order confirmation emails end to end: events relayed into a real Apache Kafka broker
//! (`orderly_tests::kafka`), published twice, read whole by two workers in different consumer
//! groups (so each sees every event, twice), sent to a real SMTP server on loopback (aiosmtpd,
//! writing a maildir): exactly one message per order, with its content.
//!
//! Shipping emails the same way: one per shipment that shipped, however often the events
//! that shipped it arrive.
//!
//! The check runs once both groups have committed the end of every partition (each worker read
//! everything) and the workers have stopped, so no email can still be on its way. A second test
//! restarts a worker and counts what it reads: only what arrived since it stopped.
//!
//! Needs Kafka's jars (`source scripts/kafka.sh && ensure_kafka`) and a Python with aiosmtpd
//! (`$ORDERLY_AIOSMTPD_PYTHON`, else the repository's `.venv`). Without them the test fails
//! when `CI` is set and is skipped otherwise.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use orderly::{OrderStatus, ShipmentLine, ShipmentRequest, StatusUpdate};
use orderly_server::testing::{WorkerStats, run_notifier_counting};
use orderly_server::{KafkaPublisher, NotifyConfig, RelayConfig, drain_relay, run_notifier};
use orderly_tests::fixtures::{Env, admin};
use orderly_tests::kafka::Broker;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use tokio::sync::watch;

const TOPIC: &str = "orderly.order-events";
/// The deadline of every wait: generous, since a loaded machine is slow, never wrong.
const PATIENCE: Duration = Duration::from_secs(180);
/// The workers' consumer groups: one each, so that both read every event.
const GROUPS: [&str; 2] = ["notify-a", "notify-b"];

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn skip_or_fail(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what} not found");
    }
    eprintln!("{what} not found: email test skipped");
}

fn smtp_python() -> Option<PathBuf> {
    let python = std::env::var_os("ORDERLY_AIOSMTPD_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"));
    let works = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    works.then_some(python)
}

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_listening(port: u16, what: &str) {
    let deadline = Instant::now() + PATIENCE;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen in time");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start_smtp(python: &Path, port: u16, maildir: &Path) -> Process {
    let child = Command::new(python)
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let process = Process(child);
    wait_listening(port, "aiosmtpd");
    process
}

fn delivered(maildir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

/// Undoes quoted-printable soft line breaks and `=XX` escapes (enough for these checks).
fn unfold(message: &str) -> String {
    let joined = message.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| u8::from_str_radix(&joined[i + 1..i + 3], 16).ok())
            .flatten();
        if let Some(b) = escaped {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether consumer group `group` has committed the end of every partition of `topic`, that
/// is, its worker read every record; `None` while the broker cannot say yet.
fn caught_up(address: &str, topic: &str, group: &str) -> Option<bool> {
    let timeout = Duration::from_secs(10);
    // Only asks for the group's offsets: without subscribing, it does not join the group.
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", address)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .ok()?;
    let metadata = consumer.fetch_metadata(Some(topic), timeout).ok()?;
    let listed = metadata.topics().first()?;
    if listed.error().is_some() || listed.partitions().is_empty() {
        return None;
    }
    let mut partitions = TopicPartitionList::new();
    for p in listed.partitions() {
        partitions.add_partition(topic, p.id());
    }
    let committed = consumer.committed_offsets(partitions, timeout).ok()?;
    for element in committed.elements() {
        let (low, high) = consumer
            .fetch_watermarks(topic, element.partition(), timeout)
            .ok()?;
        if low < high && element.offset() != Offset::Offset(high) {
            return Some(false);
        }
    }
    Some(true)
}

/// Waits until every group in `GROUPS` has read the whole topic.
async fn wait_read_by_all_groups(broker: &Broker) {
    let deadline = Instant::now() + PATIENCE;
    for group in GROUPS {
        loop {
            let address = broker.address();
            let done = tokio::task::spawn_blocking(move || caught_up(&address, TOPIC, group))
                .await
                .unwrap();
            if done == Some(true) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "group {group} did not read every event"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_confirmation_per_order_even_when_events_arrive_twice() {
    let Some(python) = smtp_python() else {
        return skip_or_fail("aiosmtpd");
    };
    let Some(broker) = Broker::start_or_skip() else {
        return;
    };
    let smtp_port = free_port();
    let mail = tempfile::tempdir().unwrap();
    let maildir = mail.path().join("maildir");
    let _smtp = start_smtp(&python, smtp_port, &maildir);

    let db = tempfile::tempdir().unwrap();
    let store =
        orderly::open_store(&format!("sqlite://{}", db.path().join("o.db").display())).unwrap();
    let env = Env::new(&move || store.clone());
    let alice = env.place_simple("alice@example.com", "a");
    env.set_cart(
        "bob@example.com",
        "USD",
        &[
            ("sku-9", "Grinder <Pro>", 1, "80.00"),
            ("sku-2", "Filter papers", 3, "4.25"),
        ],
    );
    let bob = env.place("bob@example.com", "b");
    let nobody = env.place_simple("carol", "c");
    env.service
        .update_status(
            &admin(),
            &alice.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();

    // Every event published, then the same events again: a duplicate delivery.
    let brokers = vec![broker.address()];
    let events = env.service.pending_events(100).unwrap();
    let config = RelayConfig::new(brokers.clone(), TOPIC);
    assert_eq!(drain_relay(&env.service, &config).await.unwrap(), 4);
    KafkaPublisher::connect(&config.kafka)
        .await
        .unwrap()
        .publish(&events)
        .await
        .unwrap();

    // Two workers in groups of their own: each reads every event, both copies.
    let (stop, stopped) = watch::channel(false);
    let mut workers = Vec::new();
    for group in GROUPS {
        let config = NotifyConfig {
            brokers: brokers.clone(),
            topic: TOPIC.into(),
            group_id: group.into(),
            kafka_options: Vec::new(),
            smtp_host: "127.0.0.1".into(),
            smtp_port,
            from: "Orderly <orders@example.com>".parse().unwrap(),
            claim_ttl: Duration::from_secs(60),
        };
        workers.push(tokio::spawn(run_notifier(
            env.service.clone(),
            config,
            stopped.clone(),
        )));
    }
    wait_read_by_all_groups(&broker).await;
    let deadline = Instant::now() + PATIENCE;
    while delivered(&maildir).len() < 2 {
        assert!(Instant::now() < deadline, "confirmations did not arrive");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Once stopped, no worker can send anything more: what the maildir holds is final.
    let _ = stop.send(true);
    for w in workers {
        tokio::time::timeout(Duration::from_secs(30), w)
            .await
            .expect("the worker stops")
            .unwrap();
    }

    let messages: Vec<String> = delivered(&maildir).iter().map(|m| unfold(m)).collect();
    assert_eq!(
        messages.len(),
        2,
        "exactly one email per order with an address"
    );
    for (order, to) in [(&alice, "alice@example.com"), (&bob, "bob@example.com")] {
        let matching: Vec<_> = messages
            .iter()
            .filter(|m| m.contains(&order.id.to_string()))
            .collect();
        assert_eq!(matching.len(), 1, "one message for {to}");
        let m = matching[0];
        assert!(m.contains(&format!("To: {to}")), "{m}");
        assert!(m.contains("From: Orderly <orders@example.com>"));
        assert!(m.contains("Content-Type: text/plain"));
        assert!(m.contains("Content-Type: text/html"));
        assert!(m.contains(&format!("Total: {}", order.totals.total)), "{m}");
        assert!(m.contains("Alice Martin") && m.contains("350 Fifth Avenue"));
        assert!(m.contains("10118 New York, NY"));
        for line in &order.items {
            assert!(m.contains(&line.name), "{m}");
        }
    }
    let bob_mail = messages
        .iter()
        .find(|m| m.contains(&bob.id.to_string()))
        .unwrap();
    // The HTML part escapes what it shows.
    assert!(bob_mail.contains("Grinder &lt;Pro&gt;"));
    assert!(bob_mail.contains("3 x Filter papers"));

    // Each sent confirmation is recorded with the event it answered; no address, no record.
    for order in [&alice, &bob] {
        let sent = env.service.sent_confirmation(&order.id).unwrap().unwrap();
        let placed = events
            .iter()
            .find(|e| e.order_id == order.id && e.sequence == 1)
            .unwrap();
        assert_eq!(sent.event_id, placed.event_id);
    }
    assert_eq!(env.service.sent_confirmation(&nobody.id).unwrap(), None);
}

fn worker_config(brokers: &[String], group: &str) -> NotifyConfig {
    NotifyConfig {
        brokers: brokers.to_vec(),
        topic: TOPIC.into(),
        group_id: group.into(),
        kafka_options: Vec::new(),
        // Never reached: these orders have no email address.
        smtp_host: "127.0.0.1".into(),
        smtp_port: 9,
        from: "Orderly <orders@example.com>".parse().unwrap(),
        claim_ttl: Duration::from_secs(60),
    }
}

/// Runs a worker of `group` until the group has read the whole topic, then stops it; returns
/// what it read.
async fn read_to_the_end(env: &Env, broker: &Broker, group: &'static str) -> u64 {
    let stats = Arc::new(WorkerStats::default());
    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(run_notifier_counting(
        env.service.clone(),
        worker_config(&[broker.address()], group),
        stopped,
        stats.clone(),
    ));
    let deadline = Instant::now() + PATIENCE;
    loop {
        let address = broker.address();
        let done = tokio::task::spawn_blocking(move || caught_up(&address, TOPIC, group))
            .await
            .unwrap();
        if done == Some(true) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "group {group} did not read every event"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(30), worker)
        .await
        .expect("the worker stops")
        .unwrap();
    stats.records_read.load(Ordering::Relaxed)
}

/// A restarted worker resumes from its group's committed offsets: it reads what arrived while
/// it was stopped, and nothing it had read before.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_worker_reads_only_what_arrived_since() {
    let Some(broker) = Broker::start_or_skip() else {
        return;
    };
    let db = tempfile::tempdir().unwrap();
    let store =
        orderly::open_store(&format!("sqlite://{}", db.path().join("o.db").display())).unwrap();
    let env = Env::new(&move || store.clone());
    let config = RelayConfig::new(vec![broker.address()], TOPIC);
    for i in 0..5 {
        env.place_simple("dave", &format!("k-{i}"));
    }
    assert_eq!(drain_relay(&env.service, &config).await.unwrap(), 5);
    assert_eq!(read_to_the_end(&env, &broker, "notify-restart").await, 5);

    for i in 5..7 {
        env.place_simple("dave", &format!("k-{i}"));
    }
    assert_eq!(drain_relay(&env.service, &config).await.unwrap(), 2);
    assert_eq!(
        read_to_the_end(&env, &broker, "notify-restart").await,
        2,
        "the restarted worker read again what it had read before"
    );
}

/// One shipping email per shipment that shipped, whichever event shipped it (a shipment added
/// as shipped, `PUT status shipped` shipping the rest), with carrier, tracking number and an
/// escaped tracking link, even when every event arrives twice at two workers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_shipping_email_per_shipment_even_when_events_arrive_twice() {
    let Some(python) = smtp_python() else {
        return skip_or_fail("aiosmtpd");
    };
    let Some(broker) = Broker::start_or_skip() else {
        return;
    };
    let smtp_port = free_port();
    let mail = tempfile::tempdir().unwrap();
    let maildir = mail.path().join("maildir");
    let _smtp = start_smtp(&python, smtp_port, &maildir);

    let db = tempfile::tempdir().unwrap();
    let store =
        orderly::open_store(&format!("sqlite://{}", db.path().join("o.db").display())).unwrap();
    let env = Env::new(&move || store.clone());
    env.set_cart(
        "erin@example.com",
        "USD",
        &[
            ("sku-1", "Kettle <Steel>", 1, "40.00"),
            ("sku-2", "Mugs", 2, "6.00"),
        ],
    );
    let order = env.place("erin@example.com", "e");
    let service = &env.service;
    service
        .update_status(
            &admin(),
            &order.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();
    let first = ShipmentRequest {
        lines: Some(vec![ShipmentLine {
            product_id: orderly::ProductId::new("sku-1").unwrap(),
            quantity: 1,
        }]),
        carrier: Some("Acme Post".into()),
        tracking_number: Some("AP 123".into()),
        tracking_url: Some("https://track.example.com/t?n=AP123&lang=en".into()),
        ..ShipmentRequest::default()
    };
    service
        .create_shipment(&admin(), &order.id, &first, None, None)
        .unwrap();
    // A pending shipment is not announced until it ships.
    let pending = ShipmentRequest {
        status: Some(orderly::ShipmentStatus::Pending),
        carrier: Some("ups".into()),
        tracking_number: Some("1Z999".into()),
        ..ShipmentRequest::default()
    };
    service
        .create_shipment(&admin(), &order.id, &pending, None, None)
        .unwrap();
    service
        .update_status(
            &admin(),
            &order.id,
            OrderStatus::Shipped,
            &StatusUpdate::default(),
        )
        .unwrap();
    let shipped = service.order(&admin(), &order.id).unwrap();
    assert_eq!(shipped.shipments.len(), 2);

    let brokers = vec![broker.address()];
    let events = service.pending_events(100).unwrap();
    let config = RelayConfig::new(brokers.clone(), TOPIC);
    assert_eq!(drain_relay(service, &config).await.unwrap(), events.len());
    KafkaPublisher::connect(&config.kafka)
        .await
        .unwrap()
        .publish(&events)
        .await
        .unwrap();

    let (stop, stopped) = watch::channel(false);
    let stats: Vec<Arc<WorkerStats>> = GROUPS.iter().map(|_| Arc::default()).collect();
    let mut workers = Vec::new();
    for (group, stats) in GROUPS.into_iter().zip(&stats) {
        let config = NotifyConfig {
            smtp_host: "127.0.0.1".into(),
            smtp_port,
            ..worker_config(&brokers, group)
        };
        workers.push(tokio::spawn(run_notifier_counting(
            service.clone(),
            config,
            stopped.clone(),
            stats.clone(),
        )));
    }
    wait_read_by_all_groups(&broker).await;
    let deadline = Instant::now() + PATIENCE;
    while delivered(&maildir).len() < 3 {
        assert!(Instant::now() < deadline, "the emails did not arrive");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(true);
    for w in workers {
        tokio::time::timeout(Duration::from_secs(30), w)
            .await
            .expect("the worker stops")
            .unwrap();
    }

    let messages: Vec<String> = delivered(&maildir).iter().map(|m| unfold(m)).collect();
    assert_eq!(
        messages.len(),
        3,
        "one confirmation and two shipping emails"
    );
    let shipping: Vec<&String> = messages
        .iter()
        .filter(|m| m.contains("has shipped"))
        .collect();
    assert_eq!(shipping.len(), 2);
    let sent: u64 = stats
        .iter()
        .map(|s| s.shipping_notices_sent.load(Ordering::Relaxed))
        .sum();
    assert_eq!(sent, 2, "the workers sent two shipping emails between them");
    let acme = shipping
        .iter()
        .find(|m| m.contains("AP123"))
        .expect("the first shipment's email");
    assert!(acme.contains("To: erin@example.com"), "{acme}");
    assert!(acme.contains("Carrier: ACME POST"), "{acme}");
    assert!(acme.contains("Tracking number: AP123"), "{acme}");
    assert!(acme.contains("1 x Kettle <Steel>"), "{acme}");
    assert!(acme.contains("Kettle &lt;Steel&gt;"), "{acme}");
    assert!(
        acme.contains("href=\"https://track.example.com/t?n=AP123&amp;lang=en\""),
        "the link is escaped in the HTML: {acme}"
    );
    assert!(acme.contains("Track your parcel: https://track.example.com/t?n=AP123&lang=en"));
    let ups = shipping
        .iter()
        .find(|m| m.contains("1Z999"))
        .expect("the second shipment's email");
    assert!(ups.contains("2 x Mugs"), "{ups}");
    assert!(
        ups.contains("https://www.ups.com/track?tracknum=1Z999"),
        "{ups}"
    );

    for shipment in &shipped.shipments {
        assert!(
            service
                .shipping_notice_sent(&order.id, &shipment.shipment_id)
                .unwrap()
        );
    }
}
