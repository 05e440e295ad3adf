//! The `orderly-server` binary: configuration, the `token` subcommand, and SIGTERM.

use std::process::Command;
use std::time::Duration;

use orderly_example_cart_service::{
    Cart, CartItem, CartState, Faults, RunningCartService, ServiceOptions,
};

use crate::support::server_process::{BIN, ServerOptions, ServerProcess};

const SECRET: &str = "binary-test-secret-binary-test-secret";

/// The server on `db` with JSON logs, and the Cart Service at `cart_url` when given.
fn start(db: &std::path::Path, cart_url: Option<&str>) -> ServerProcess {
    let options = ServerOptions::sqlite(db).secret(SECRET).json_logs();
    let options = match cart_url {
        Some(url) => options.args(["--cart-url", url]),
        None => options,
    };
    options.start().expect("the server starts")
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

#[test]
fn a_bad_database_url_is_a_clean_failure() {
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--database", "postgres://nope"])
        .env("ORDERLY_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// What the fault tests rely on: a SIGKILLed server restarts on its port and database with
/// what it had stored; a restart that finds its port taken fails and says why, rather than
/// leave the test talking to another process; a start that fails says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_restarts_on_its_port_and_a_failed_start_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(&dir.path().join("orders.db"), None);
    let (port, first_pid) = (server.port(), server.pid());
    let admin = server.token("ops", "admin").unwrap();
    let client = reqwest::Client::new();
    let ready = async |server: &ServerProcess| {
        let request = client.get(format!("{}/ready", server.url()));
        let answer = request.bearer_auth(&admin).send().await;
        answer.map(|r| r.status().as_u16())
    };
    assert_eq!(ready(&server).await.unwrap(), 200);

    let killed = server.kill9().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&killed),
        Some(9)
    );
    assert!(!server.is_running());
    assert!(ready(&server).await.is_err(), "nothing answers once killed");
    server.restart().unwrap();
    assert_eq!((server.port(), server.starts()), (port, 2));
    assert_ne!(server.pid(), first_pid);
    assert_eq!(ready(&server).await.unwrap(), 200, "the same secret");
    assert!(
        server.restart().is_err(),
        "a running server is not started twice"
    );

    // Another process on the port: the restart fails and its error says why.
    server.kill9().unwrap();
    let squatter = tokio::net::TcpSocket::new_v4().unwrap();
    squatter.set_reuseaddr(true).unwrap(); // as the server does, past the killed one's sockets
    squatter.bind(server.addr()).unwrap();
    let squatter = squatter.listen(8).unwrap();
    let refused = server.restart().unwrap_err().to_string();
    assert!(refused.contains("exited"), "{refused}");
    assert!(
        refused.contains("in use"),
        "the log's tail tells why: {refused}"
    );
    drop(squatter);
    server.restart().unwrap();
    assert_eq!(server.stop().unwrap().code(), Some(0));
    let log = std::fs::read_to_string(server.log_path()).unwrap();
    assert_eq!(log.matches("=== start").count(), 4, "{log}");

    let failed = ServerOptions::new("postgres://nope").start().unwrap_err();
    assert!(failed.to_string().contains("exited"), "{failed}");
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
    let mut server = start(&dir.path().join("orders.db"), Some(&carts.url()));
    let base = server.url();
    let client = reqwest::Client::new();

    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let alice = server.token("alice", "customer").unwrap();
    let cart = client
        .get(format!("{base}/cart/alice"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(cart.status(), 200);
    let admin = server.token("ops", "admin").unwrap();
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
    server.terminate().unwrap();
    let answer = in_flight.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["subtotal"]["amount"], "7.50");

    let status = tokio::task::block_in_place(|| server.wait(Duration::from_secs(60))).unwrap();
    assert!(status.success(), "exit status {status:?}");
}

/// Starts the server with human-readable logs (no `ORDERLY_LOG_FORMAT`, no `NO_COLOR`) on a
/// pipe; returns it with its first log lines up to and including the "listening" line.
fn start_plain(database: &str) -> (ServerProcess, Vec<String>) {
    let server = ServerOptions::new(database)
        .secret(SECRET)
        .start()
        .expect("the server starts");
    let listening = server.wait_for_log(|l| l.contains("listening"), Duration::from_secs(30));
    assert!(
        listening.is_some(),
        "no listening line: {:?}",
        server.log_lines()
    );
    let lines = server.log_lines();
    let end = lines.iter().position(|l| l.contains("listening")).unwrap();
    let lines = lines[..=end].to_vec();
    (server, lines)
}

#[test]
fn logs_to_a_pipe_are_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("orders.db").display());
    let (mut server, lines) = start_plain(&db);
    server.kill9().unwrap();
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
    let (mut server, lines) = start_plain(scratch.url());
    let listening = lines.iter().find(|l| l.contains("listening"));
    let base = server.url();
    let health = reqwest::get(format!("{base}/health"))
        .await
        .unwrap()
        .status();
    // `/ready` reads the server's durability settings through the store: a list, whatever the
    // local server's settings are.
    let ready = reqwest::Client::new()
        .get(format!("{base}/ready"))
        .bearer_auth(server.token("alice", "customer").unwrap())
        .send()
        .await
        .unwrap();
    let ready_status = ready.status();
    let ready: serde_json::Value = ready.json().await.unwrap();
    server.kill9().unwrap();
    assert_eq!(health, 200);
    assert_eq!(ready_status, 200, "{ready}");
    assert_eq!(ready["store"], "mysql", "{ready}");
    assert!(ready["warnings"].is_array(), "{ready}");
    assert!(
        listening.is_some_and(|l| l.contains("store=\"mysql\"") || l.contains("store=mysql")),
        "{lines:?}"
    );
}
