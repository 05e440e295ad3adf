//! Slow and idle clients cannot starve the server: thousands of connections that never finish
//! their request heads leave `GET /health` and `POST /order` answering at once and are closed
//! after the header-read timeout; a client that stalls mid-body is closed after the idle
//! timeout; past the connection cap, the connection that has waited longest for a request head
//! is closed to make room for a new one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use orderly::{InMemoryCarts, OrderService, Role};
use orderly_server::connections::ConnectionLimits;
use orderly_server::limits::ServerLimits;
use orderly_server::{AppState, Authenticator};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use common::{SECRET, TestServer, TestStore, fresh_store, order_body, standard_cart};

struct Running {
    server: TestServer,
    auth: Authenticator,
    _store: TestStore,
}

async fn start(connections: ConnectionLimits) -> Running {
    let store = fresh_store();
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(standard_cart("alice"));
    let service = OrderService::builder(store.store.clone(), carts).build();
    let auth = Authenticator::new(SECRET).unwrap();
    let limits = ServerLimits {
        connections,
        ..ServerLimits::default()
    };
    let state = AppState::configured(service, auth.clone(), 2, limits).unwrap();
    Running {
        server: TestServer::start(state).await,
        auth,
        _store: store,
    }
}

/// A connection that sent part of a request head and nothing more.
async fn stalled(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"POST /order HTTP/1.1\r\nHost: orderly\r\nContent-Type: applica")
        .await
        .unwrap();
    stream
}

/// Whether the server closed `stream`: it reads to the end (whatever the server said last)
/// within `wait`, or the connection was reset.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

fn client() -> reqwest::Client {
    // A fresh connection per request: the point is that new connections are still served.
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_unfinished_heads_neither_starve_the_server_nor_stay_open() {
    // Every stalled connection costs this process two descriptors (both ends); leave room for
    // the store, the client and the runtime.
    let open_files = orderly_server::fd_limit::raise_open_files_limit().unwrap_or(u64::MAX);
    let count = usize::try_from(open_files.saturating_sub(400) / 2)
        .unwrap_or(usize::MAX)
        .min(4000);
    assert!(
        count >= 400,
        "the open files limit ({open_files}) leaves room for only {count} connections"
    );
    let header_read_timeout = Duration::from_secs(5);
    let running = start(ConnectionLimits {
        max_connections: count + 100,
        header_read_timeout,
        idle_timeout: Duration::from_secs(60),
    })
    .await;
    let addr = running.server.addr;

    let opened = Instant::now();
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        streams.push(stalled(addr).await);
    }
    let opening_took = opened.elapsed();
    assert!(
        opening_took < header_read_timeout / 2,
        "opening {count} connections took {opening_took:?}; the test needs them all held at once"
    );

    // While they are all held: health and a new order answer at once.
    let http = client();
    let asked = Instant::now();
    let health = http
        .get(format!("{}/health", running.server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let token = running
        .auth
        .issue("alice", Role::Customer, Duration::from_secs(600))
        .unwrap();
    let placed = http
        .post(format!("{}/order", running.server.base))
        .bearer_auth(token)
        .header("idempotency-key", "starved-not")
        .json(&order_body("alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), 201, "{:?}", placed.text().await);
    let answered_in = asked.elapsed();
    assert!(answered_in < Duration::from_secs(2), "{answered_in:?}");

    // Nothing was closed early: the first connection is still open.
    let first = streams.first_mut().unwrap();
    assert!(!closed_within(first, Duration::from_millis(50)).await);

    // After the header-read timeout every stalled connection is closed.
    let since_opened = opened.elapsed();
    tokio::time::sleep((header_read_timeout + Duration::from_secs(1)).saturating_sub(since_opened))
        .await;
    let mut still_open = 0;
    for stream in &mut streams {
        if !closed_within(stream, Duration::from_millis(200)).await {
            still_open += 1;
        }
    }
    assert_eq!(still_open, 0, "of {count} stalled connections");
    drop(streams);
    running.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_client_that_stops_sending_its_body_is_closed_after_the_idle_timeout() {
    let idle_timeout = Duration::from_millis(800);
    let running = start(ConnectionLimits {
        max_connections: 100,
        header_read_timeout: Duration::from_secs(30),
        idle_timeout,
    })
    .await;
    let token = running
        .auth
        .issue("alice", Role::Customer, Duration::from_secs(600))
        .unwrap();
    let head = format!(
        "POST /order HTTP/1.1\r\nHost: orderly\r\nAuthorization: Bearer {token}\r\n\
         Idempotency-Key: slow-body\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"userId\":"
    );
    let mut stream = TcpStream::connect(running.server.addr).await.unwrap();
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    assert!(closed_within(&mut stream, Duration::from_secs(10)).await);
    let took = started.elapsed();
    assert!(took >= idle_timeout, "{took:?}");
    assert!(took < idle_timeout + Duration::from_secs(2), "{took:?}");
    running.server.stop().await.unwrap();
}

#[tokio::test]
async fn past_the_cap_the_connection_waiting_longest_for_a_head_makes_room() {
    let running = start(ConnectionLimits {
        max_connections: 3,
        header_read_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(60),
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(stalled(running.server.addr).await);
    }
    // The fourth is served at once, long before any timeout, in place of the oldest.
    let started = Instant::now();
    let health = client()
        .get(format!("{}/health", running.server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(closed_within(&mut held[0], Duration::from_secs(2)).await);
    for newer in &mut held[1..] {
        assert!(!closed_within(newer, Duration::from_millis(50)).await);
    }
    drop(held);
    running.server.stop().await.unwrap();
}
