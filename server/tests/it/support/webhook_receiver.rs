//! The Python webhook receiver (`webhook_receiver.py`) as a child process: it verifies every
//! delivery with the `standardwebhooks` library from PyPI and records what it got. Needs the
//! repository's `.venv` (`source scripts/python-tools.sh && ensure_python_tools`, which sets
//! `ORDERLY_WEBHOOK_PYTHON`); without it the tests fail under `CI` and are skipped otherwise.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long a receiver may take to start, and tests to wait for deliveries.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The Python with `standardwebhooks`, or `None` (after failing under `CI`).
pub fn python() -> Option<PathBuf> {
    let python = std::env::var_os("ORDERLY_WEBHOOK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"));
    let works = Command::new(&python)
        .args(["-c", "import standardwebhooks"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return Some(python);
    }
    if std::env::var_os("CI").is_some() {
        panic!("a Python with standardwebhooks not found (scripts/python-tools.sh)");
    }
    eprintln!("a Python with standardwebhooks not found: webhook test skipped");
    None
}

/// A free loopback port (free when asked; a receiver may start on it later).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running receiver, killed when dropped.
pub struct Receiver {
    child: Child,
    pub port: u16,
    client: reqwest::Client,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Receiver {
    /// Starts a receiver on `port` and waits until it listens.
    pub fn start(python: &Path, port: u16) -> Receiver {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/webhook_receiver.py");
        let child = Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the receiver did not listen in time"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Receiver {
            child,
            port,
            client: reqwest::Client::new(),
        }
    }

    /// The URL deliveries to the receiver `name` go to.
    pub fn url(&self, name: &str) -> String {
        url(self.port, name)
    }

    /// Configures the receiver `name`: `{"secrets": [...], "statuses": [...], "delayMs": n}`.
    pub async fn configure(&self, name: &str, config: Value) {
        let reply = self
            .client
            .post(format!("http://127.0.0.1:{}/control/{name}", self.port))
            .json(&config)
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success());
    }

    /// Verifies with `secret` and answers 200.
    pub async fn accept(&self, name: &str, secret: &str) {
        self.configure(name, json!({"secrets": [secret]})).await;
    }

    /// Every delivery received so far, in arrival order.
    pub async fn received(&self) -> Vec<Value> {
        self.client
            .get(format!("http://127.0.0.1:{}/received", self.port))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The deliveries received by `name`.
    pub async fn received_by(&self, name: &str) -> Vec<Value> {
        self.received()
            .await
            .into_iter()
            .filter(|r| r["name"] == name)
            .collect()
    }

    /// Waits until `name` has answered 2xx to `count` distinct deliveries; returns all it got.
    pub async fn wait_for(&self, name: &str, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let got = self.received_by(name).await;
            if accepted_ids(&got).len() >= count {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{name} got {} of {count} deliveries: {got:#?}",
                accepted_ids(&got).len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The URL of receiver `name` on `port`.
pub fn url(port: u16, name: &str) -> String {
    format!("http://127.0.0.1:{port}/hook/{name}")
}

/// The distinct `webhook-id`s answered with a 2xx.
pub fn accepted_ids(received: &[Value]) -> std::collections::BTreeSet<String> {
    received
        .iter()
        .filter(|r| {
            r["status"]
                .as_u64()
                .is_some_and(|s| (200..300).contains(&s))
        })
        .map(|r| r["webhookId"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts that every delivery was verified and that, per order, the first arrival of each
/// event came in sequence.
pub fn assert_verified_in_sequence(received: &[Value]) {
    let mut last: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for r in received {
        assert!(r["verifiedWith"].is_number(), "not verified: {r:#}");
        let id = r["webhookId"].as_str().unwrap().to_owned();
        if r["status"].as_u64() != Some(200) || !seen.insert(id) {
            continue;
        }
        let order = r["orderId"].as_str().unwrap().to_owned();
        let sequence = r["sequence"].as_u64().unwrap();
        let before = last.insert(order.clone(), sequence);
        assert!(
            before.is_none_or(|b| b < sequence),
            "order {order}: sequence {sequence} arrived after {before:?}"
        );
    }
}
