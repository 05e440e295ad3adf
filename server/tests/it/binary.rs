//! The `orderly-server` binary: configuration, the `token` subcommand, and SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use orderly_example_cart_service::{
    Cart, CartItem, CartState, Faults, RunningCartService, ServiceOptions,
};

const BIN: &str = env!("CARGO_BIN_EXE_orderly-server");
const SECRET: &str = "binary-test-secret-binary-test-secret";

fn token(sub: &str, role: &str) -> String {
    let out = Command::new(BIN)
        .args(["token", "--sub", sub, "--role", role, "--ttl", "10m"])
        .env("ORDERLY_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Starts the server on a free port and returns it with its address, read from its JSON log.
fn start(db: &std::path::Path, cart_url: Option<&str>) -> (Child, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(["--listen", "127.0.0.1:0"])
        .arg("--database")
        .arg(format!("sqlite://{}", db.display()))
        .env("ORDERLY_JWT_SECRET", SECRET)
        .env("ORDERLY_LOG_FORMAT", "json")
        .env_remove("CART_SERVICE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(url) = cart_url {
        cmd.args(["--cart-url", url]);
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent {
                let v: serde_json::Value = serde_json::from_str(&line).expect("JSON log lines");
                if v["fields"]["message"] == "listening" {
                    tx.send(v["fields"]["address"].as_str().unwrap().to_owned())
                        .unwrap();
                    sent = true;
                }
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("server starts");
    (child, format!("http://{addr}"))
}

#[test]
fn refuses_to_start_without_a_usable_secret() {
    let out = Command::new(BIN)
        .env_remove("ORDERLY_JWT_SECRET")
        .args(["--listen", "127.0.0.1:0", "--database", "sqlite::memory:"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ORDERLY_JWT_SECRET"));
    let out = Command::new(BIN)
        .args(["token", "--sub", "alice", "--jwt-secret", "short"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN)
        .args(["token", "--sub", "not a user", "--role", "customer"])
        .env("ORDERLY_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `token --role device` mints a device token the server accepts for sync, and refuses a sub
/// that is not a device id; `--offline-limit` and `--offline-amount-limit` are checked at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_tokens_sync_and_offline_flags_are_checked() {
    let out = Command::new(BIN)
        .args(["token", "--sub", "pos 12", "--role", "device"])
        .env("ORDERLY_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    for bad in [
        ["--offline-limit", "soon"],
        ["--offline-amount-limit", "USD=1.001"],
    ] {
        let out = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--database", "sqlite::memory:"])
            .args(bad)
            .env("ORDERLY_JWT_SECRET", SECRET)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }

    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start(&dir.path().join("orders.db"), None);
    let device = token("pos-12", "device");
    let client = reqwest::Client::new();
    let pull = client
        .get(format!("{base}/sync/pull"))
        .bearer_auth(&device)
        .send()
        .await
        .unwrap();
    assert_eq!(pull.status(), 200);
    let page: serde_json::Value = pull.json().await.unwrap();
    assert_eq!(page["hasMore"], false);
    let push = client
        .post(format!("{base}/sync/push"))
        .bearer_auth(&device)
        .json(&serde_json::json!({"deviceId": "pos-12", "deviceTime": "2026-01-01T00:00:00Z", "operations": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(push.status(), 200);
    let customer = client
        .get(format!("{base}/sync/pull"))
        .bearer_auth(token("alice", "customer"))
        .send()
        .await
        .unwrap();
    assert_eq!(customer.status(), 403);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_bad_database_url_is_a_clean_failure() {
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--database", "postgres://nope"])
        .env("ORDERLY_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_with_minted_tokens_and_stops_gracefully_on_sigterm() {
    let state = CartState::new(ServiceOptions::default());
    state
        .put_cart(Cart::new(
            "alice",
            "USD",
            vec![CartItem::new("sku-1", "Beans", 3, "2.50")],
        ))
        .unwrap();
    let carts = RunningCartService::start(state.clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start(&dir.path().join("orders.db"), Some(&carts.url()));
    let client = reqwest::Client::new();

    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let alice = token("alice", "customer");
    let cart = client
        .get(format!("{base}/cart/alice"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(cart.status(), 200);
    let admin = token("ops", "admin");
    let sales = client
        .get(format!("{base}/analytics/sales"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(sales.status(), 200);
    let refused = client
        .get(format!("{base}/analytics/sales"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    // A slow request is in flight when SIGTERM arrives: it is answered, then the process exits.
    state
        .set_faults(Faults {
            delay_ms: 800,
            ..Faults::default()
        })
        .unwrap();
    let slow = client
        .get(format!("{base}/cart/alice"))
        .bearer_auth(&alice)
        .send();
    let in_flight = tokio::spawn(slow);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let answer = in_flight.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["subtotal"]["amount"], "7.50");

    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
}

/// Starts the server with human-readable logs on a pipe; returns it with its first log lines
/// up to and including the "listening" line.
fn start_plain(database: &str) -> (Child, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--database", database])
        .env("ORDERLY_JWT_SECRET", SECRET)
        .env_remove("ORDERLY_LOG_FORMAT")
        .env_remove("NO_COLOR")
        .env_remove("CART_SERVICE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let listening = line.contains("listening");
            lines.push(line);
            if listening {
                let _ = tx.send(lines.clone());
            }
        }
        let _ = tx.send(lines);
    });
    let lines = rx.recv_timeout(Duration::from_secs(30)).expect("log lines");
    (child, lines)
}

#[test]
fn logs_to_a_pipe_are_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("orders.db").display());
    let (mut child, lines) = start_plain(&db);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        lines.iter().any(|l| l.contains("listening")),
        "the server started: {lines:?}"
    );
    for line in &lines {
        assert!(!line.contains('\u{1b}'), "ANSI escape in {line:?}");
    }
}

/// The default build serves MySQL: no feature flag needed for `--database mysql://...`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_build_serves_mysql() {
    let Ok(server) = std::env::var("ORDERLY_TEST_MYSQL_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "ORDERLY_TEST_MYSQL_URL is not set"
        );
        eprintln!("ORDERLY_TEST_MYSQL_URL is not set: skipped");
        return;
    };
    let scratch = orderly_mysql::ScratchDatabase::create(&server).unwrap();
    let (mut child, lines) = start_plain(scratch.url());
    let listening = lines.iter().find(|l| l.contains("listening"));
    let Some(address) = listening.and_then(|l| l.split("address=").nth(1)) else {
        let _ = child.kill();
        panic!("the server did not start on MySQL: {lines:?}");
    };
    let base = format!("http://{}", address.split_whitespace().next().unwrap_or(""));
    let health = reqwest::get(format!("{base}/health"))
        .await
        .unwrap()
        .status();
    // `/ready` reads the server's durability settings through the store: a list, whatever the
    // local server's settings are.
    let ready = reqwest::Client::new()
        .get(format!("{base}/ready"))
        .bearer_auth(token("alice", "customer"))
        .send()
        .await
        .unwrap();
    let ready_status = ready.status();
    let ready: serde_json::Value = ready.json().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(health, 200);
    assert_eq!(ready_status, 200, "{ready}");
    assert_eq!(ready["store"], "mysql", "{ready}");
    assert!(ready["warnings"].is_array(), "{ready}");
    assert!(
        listening.is_some_and(|l| l.contains("store=\"mysql\"") || l.contains("store=mysql")),
        "{lines:?}"
    );
}
