//! `orderly-server` as a process against a real Apache Kafka broker (`orderly_tests::kafka`):
//! `orderly-server relay` publishes what is pending, needs no JWT secret, and on SIGTERM stops
//! cleanly and gives its lease back; the full server runs the relay when brokers are
//! configured, and while the broker is down it still takes orders over HTTP, whose events
//! arrive once the broker is up.
//!
//! Topics are read back from their beginning by a fresh consumer once the store says nothing
//! is pending. Needs Kafka's jars (`source scripts/kafka.sh && ensure_kafka`); without them
//! the tests fail when `CI` is set and are skipped otherwise.

use crate::common;
use crate::support::topic;

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::{Reply, call, order_body};
use orderly::{Role, Store, Timestamp};
use orderly_example_cart_service::{Cart, CartItem, CartState, RunningCartService, ServiceOptions};
use orderly_server::Authenticator;
use orderly_server::testing::{
    RELAY_DEFAULT_TOPIC as DEFAULT_TOPIC, RELAY_LEASE_NAME as LEASE_NAME,
};
use orderly_tests::fixtures::Env;
use orderly_tests::kafka::Broker;
use topic::{PATIENCE, assert_down, read_topic};

const BIN: &str = env!("CARGO_BIN_EXE_orderly-server");

/// A child process, killed when dropped (a failing test leaves nothing running).
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Process {
    fn assert_running(&mut self) {
        assert!(self.0.try_wait().unwrap().is_none(), "the process exited");
    }

    /// Sends SIGTERM and waits for the process to exit.
    async fn terminate(&mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(exit) = self.0.try_wait().unwrap() {
                return exit;
            }
            assert!(Instant::now() < deadline, "the process did not stop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `orderly-server` without the settings of the environment the tests run in.
fn orderly_server() -> Command {
    let mut command = Command::new(BIN);
    for var in [
        "ORDERLY_JWT_SECRET",
        "ORDERLY_KAFKA_BROKERS",
        "ORDERLY_KAFKA_TOPIC",
        "ORDERLY_SMTP_HOST",
        "ORDERLY_REDIS_URL",
        "CART_SERVICE_URL",
    ] {
        command.env_remove(var);
    }
    command.stdin(Stdio::null()).stdout(Stdio::null());
    command
}

/// Starts the server on a free port with `args` and returns it with its base URL, read from
/// its JSON log. Its log is drained to the end (and echoed to the test's output).
fn start_server(db: &str, args: &[&str]) -> (Process, String) {
    let mut child = orderly_server()
        .args(["--listen", "127.0.0.1:0", "--database", db, "--jwt-secret"])
        .arg(std::str::from_utf8(common::SECRET).unwrap())
        .args(args)
        .env("ORDERLY_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let process = Process(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("server: {line}");
            let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if entry["fields"]["message"] == "listening" {
                let address = entry["fields"]["address"].as_str().unwrap_or_default();
                let _ = tx.send(address.to_owned());
            }
        }
    });
    let address = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server listens");
    (process, format!("http://{address}"))
}

fn sqlite_env() -> (Env, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("orders.db").display());
    let store = orderly::open_store(&db).unwrap();
    (Env::new(&move || store.clone()), db, dir)
}

/// Waits until `store` has nothing pending while `process` (the relay) keeps running.
async fn wait_delivered(store: &dyn Store, process: &mut Process) {
    let deadline = Instant::now() + PATIENCE;
    while !store.pending_events(1).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the relay did not deliver");
        process.assert_running();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `order.placed` events on `topic`, by event id; each record keyed by its order id.
async fn placed_events(broker: &Broker, topic: &str) -> HashSet<String> {
    let records = read_topic(broker, topic).await;
    for record in &records {
        assert_eq!(record.key, record.envelope.order_id, "keyed by order id");
        assert_eq!(record.envelope.event_type, "order.placed");
        let headers = (record.envelope.event_id.clone(), "order.placed".to_owned());
        assert_eq!(record.headers, headers, "event-id and event-type headers");
    }
    records.into_iter().map(|r| r.envelope.event_id).collect()
}

/// The ids of the events `env`'s store has pending.
fn pending_ids(env: &Env) -> HashSet<String> {
    env.service
        .pending_events(100)
        .unwrap()
        .iter()
        .map(|e| e.event_id.to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_subcommand_publishes_and_stops_on_sigterm() {
    let Some(broker) = Broker::start_or_skip() else {
        return;
    };
    let (env, db, _dir) = sqlite_env();
    for i in 0..3 {
        env.place_simple("alice", &format!("k{i}"));
    }
    let expected = pending_ids(&env);

    let mut relay = Process(
        orderly_server()
            .args(["relay", "--database", &db, "--kafka-brokers"])
            .arg(broker.address())
            .args(["--kafka-topic", "binary.order-events"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_delivered(env.store.as_ref(), &mut relay).await;
    assert_eq!(
        placed_events(&broker, "binary.order-events").await,
        expected
    );

    let exit = relay.terminate().await;
    assert!(exit.success(), "{exit:?}");
    // The lease was given back: another owner takes it at once.
    // (Had it not been, it would be held for another 30 s of real time.)
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let now = Timestamp::from_unix_millis(i64::try_from(millis).unwrap());
    assert!(
        env.store
            .acquire_lease(LEASE_NAME, "someone-else", now, 1_000)
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_runs_the_relay_when_brokers_are_configured() {
    let Some(broker) = Broker::start_or_skip() else {
        return;
    };
    let (env, db, _dir) = sqlite_env();
    env.place_simple("alice", "k");
    let expected = pending_ids(&env);
    assert_eq!(expected.len(), 1);

    let (mut server, _) = start_server(&db, &["--kafka-brokers", &broker.address()]);
    wait_delivered(env.store.as_ref(), &mut server).await;
    assert_eq!(placed_events(&broker, DEFAULT_TOPIC).await, expected);
    let exit = server.terminate().await;
    assert!(exit.success(), "{exit:?}");
}

/// Places an order over HTTP for `user` (whose cart is set) and returns its id.
async fn place_over_http(client: &reqwest::Client, base: &str, user: &str) -> String {
    let token = Authenticator::new(common::SECRET)
        .unwrap()
        .issue(user, Role::Customer, Duration::from_secs(3600))
        .unwrap();
    let request = call("POST", "/order")
        .token(&token)
        .key(&format!("{user}-order"))
        .json(&order_body(user))
        .into_reqwest(client, base);
    let reply = Reply::from_reqwest(request.send().await.unwrap()).await;
    reply.expect(201, "");
    reply.body["orderId"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_takes_orders_while_the_broker_is_down_and_publishes_them_once_it_is_up() {
    let Some(mut broker) = Broker::start_or_skip() else {
        return;
    };
    // Started once for an address and a log of its own, then stopped: at that address
    // nothing listens until the restart below.
    tokio::task::block_in_place(|| broker.stop());
    assert_down(&broker);
    let users = ["alice", "bob", "carol"];
    let carts = CartState::new(ServiceOptions::default());
    for user in users {
        let items = vec![CartItem::new("sku-1", "Beans", 3, "2.50")];
        carts.put_cart(Cart::new(user, "USD", items)).unwrap();
    }
    let cart_service = RunningCartService::start(carts).unwrap();
    let (env, db, _dir) = sqlite_env();
    let (mut server, base) = start_server(
        &db,
        &[
            "--kafka-brokers",
            &broker.address(),
            "--cart-url",
            &cart_service.url(),
        ],
    );

    let client = reqwest::Client::new();
    let mut orders = BTreeSet::new();
    for user in users {
        orders.insert(place_over_http(&client, &base, user).await);
    }
    server.assert_running();
    let waiting: BTreeSet<String> = env
        .service
        .pending_events(100)
        .unwrap()
        .iter()
        .map(|e| e.order_id.to_string())
        .collect();
    assert_eq!(waiting, orders, "every order's event waits for the broker");
    let expected = pending_ids(&env);

    tokio::task::block_in_place(|| broker.restart());
    wait_delivered(env.store.as_ref(), &mut server).await;
    // A set: a publish that timed out around the restart may have been repeated.
    assert_eq!(placed_events(&broker, DEFAULT_TOPIC).await, expected);
    let exit = server.terminate().await;
    assert!(exit.success(), "{exit:?}");
}
