//! `orderly-server relay` as a process: publishes what is pending to a real Kafka-API broker
//! (tansu), needs no JWT secret, and on SIGTERM stops cleanly and gives its lease back.
//! Skipped without tansu unless `CI` is set (see relay.rs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use orderly::Timestamp;
use orderly_server::relay::{Envelope, LEASE_NAME};
use orderly_tests::fixtures::Env;
use rskafka::client::ClientBuilder;
use rskafka::client::partition::UnknownTopicHandling;

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

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_subcommand_publishes_and_stops_on_sigterm() {
    let Some(bin) = tansu() else {
        assert!(std::env::var_os("CI").is_none(), "tansu not found");
        eprintln!("tansu not found: skipped");
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("tcp://127.0.0.1:{port}");
    let _broker = Killed(
        Command::new(bin)
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
                "--storage-engine",
                "memory://tansu/",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("orders.db").display());
    let store = orderly::open_store(&db).unwrap();
    let env = Env::new(&move || store.clone());
    for i in 0..3 {
        env.place_simple("alice", &format!("k{i}"));
    }
    let expected: HashSet<String> = env
        .service
        .pending_events(100)
        .unwrap()
        .iter()
        .map(|e| e.event_id.to_string())
        .collect();

    let mut relay = Command::new(env!("CARGO_BIN_EXE_orderly-server"))
        .args([
            "relay",
            "--database",
            &db,
            "--kafka-brokers",
            &format!("127.0.0.1:{port}"),
            "--kafka-topic",
            "binary.order-events",
        ])
        .env_remove("ORDERLY_JWT_SECRET")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !env.service.pending_events(10).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the relay did not deliver");
        assert!(relay.try_wait().unwrap().is_none(), "the relay exited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let client = ClientBuilder::new(vec![format!("127.0.0.1:{port}")])
        .build()
        .await
        .unwrap();
    let topic = client
        .list_topics()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "binary.order-events")
        .expect("topic created");
    let mut seen = HashSet::new();
    for id in topic.partitions {
        let p = client
            .partition_client("binary.order-events", id, UnknownTopicHandling::Retry)
            .await
            .unwrap();
        let (records, _) = p.fetch_records(0, 1..1_000_000, 100).await.unwrap();
        for r in records {
            let e: Envelope = serde_json::from_slice(&r.record.value.unwrap()).unwrap();
            assert_eq!(e.event_type, "order.placed");
            seen.insert(e.event_id);
        }
    }
    assert_eq!(seen, expected);

    let status = Command::new("kill")
        .args(["-TERM", &relay.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = relay.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "the relay did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
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
    let Some(bin) = tansu() else {
        assert!(std::env::var_os("CI").is_none(), "tansu not found");
        eprintln!("tansu not found: skipped");
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("tcp://127.0.0.1:{port}");
    let _broker = Killed(
        Command::new(bin)
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
                "--storage-engine",
                "memory://tansu/",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("orders.db").display());
    let store = orderly::open_store(&db).unwrap();
    let env = Env::new(&move || store.clone());
    env.place_simple("alice", "k");
    assert_eq!(env.service.pending_events(10).unwrap().len(), 1);

    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_orderly-server"))
        .args([
            "--listen",
            &listen.to_string(),
            "--database",
            &db,
            "--jwt-secret",
            "a-secret-of-at-least-thirty-two-bytes!",
            "--kafka-brokers",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !env.service.pending_events(10).unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the server's relay did not deliver"
        );
        assert!(server.try_wait().unwrap().is_none(), "the server exited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = server.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
}
