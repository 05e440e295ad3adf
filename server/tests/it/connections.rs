//! Slow and idle clients cannot starve the server: thousands of connections that never finish
//! their request heads leave `GET /health` and `POST /order` answering at once and are closed
//! after the header-read timeout; a client that stalls mid-body is closed after the idle
//! timeout; past the connection cap, the connection that has waited longest for a request head
//! is closed to make room for a new one, so stalled connections far past the cap still cannot
//! keep anyone out, while a connection in the middle of a request is never closed for it.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use orderly::{InMemoryCarts, OrderService, Role};
use orderly_server::{AppState, Authenticator, ConnectionLimits, ServerLimits};
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
    let open_files = orderly_server::testing::raise_open_files_limit().unwrap_or(u64::MAX);
    let count = usize::try_from(open_files.saturating_sub(400) / 2)
        .unwrap_or(usize::MAX)
        .min(4000);
    assert!(
        count >= 400,
        "the open files limit ({open_files}) leaves room for only {count} connections"
    );
    // Long enough for a loaded machine to open them all before the first one times out: the
    // check below that the first is still open proves they were all held at once.
    let header_read_timeout = Duration::from_secs(15);
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

    // After the header-read timeout every stalled connection is closed, the last one opened
    // included.
    let since_opened = opened.elapsed();
    tokio::time::sleep(
        (opening_took + header_read_timeout + Duration::from_secs(1)).saturating_sub(since_opened),
    )
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

/// Connects and sends a whole `POST /order` head that asks to continue before its body, then
/// waits for the server's `100 Continue`: from then on the request is being served, its body
/// still to come.
async fn mid_request(running: &Running, key: &str) -> (TcpStream, Vec<u8>) {
    let token = running
        .auth
        .issue("alice", Role::Customer, Duration::from_secs(600))
        .unwrap();
    let body = serde_json::to_vec(&order_body("alice")).unwrap();
    let head = format!(
        "POST /order HTTP/1.1\r\nHost: orderly\r\nAuthorization: Bearer {token}\r\n\
         Idempotency-Key: {key}\r\nContent-Type: application/json\r\n\
         Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(running.server.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let continued = read_until(&mut stream, "\r\n\r\n", Duration::from_secs(5)).await;
    assert!(
        continued.starts_with("HTTP/1.1 100 Continue"),
        "{continued:?}"
    );
    (stream, body)
}

/// Reads from `stream` until what it has read contains `end`, or panics after `wait`.
async fn read_until(stream: &mut TcpStream, end: &str, wait: Duration) -> String {
    let mut read = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + wait;
    while !String::from_utf8_lossy(&read).contains(end) {
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no {end:?} within {wait:?}: {read:?}"))
            .unwrap();
        assert!(n > 0, "closed before {end:?}: {read:?}");
        read.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&read).into_owned()
}

#[tokio::test]
async fn a_connection_in_the_middle_of_a_request_is_never_closed_to_make_room() {
    let running = start(ConnectionLimits {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(60),
    })
    .await;
    // The older connection is mid-request; the newer one has not finished its head.
    let (mut busy, body) = mid_request(&running, "mid-request").await;
    let mut waiting = stalled(running.server.addr).await;

    let started = Instant::now();
    let health = client()
        .get(format!("{}/health", running.server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(closed_within(&mut waiting, Duration::from_secs(2)).await);

    // The request still completes on its connection.
    busy.write_all(&body).await.unwrap();
    let answer = read_until(&mut busy, "\r\n\r\n", Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer:?}");
    running.server.stop().await.unwrap();
}

#[tokio::test]
async fn when_every_connection_is_mid_request_a_new_one_waits_for_one_to_finish() {
    let running = start(ConnectionLimits {
        max_connections: 1,
        header_read_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(60),
    })
    .await;
    let (mut busy, body) = mid_request(&running, "only-slot").await;
    let health = tokio::spawn(
        client()
            .get(format!("{}/health", running.server.base))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !health.is_finished(),
        "served while the only slot was mid-request"
    );

    // Once answered, the connection waits for its next head and gives up its slot.
    let finished = Instant::now();
    busy.write_all(&body).await.unwrap();
    let answer = read_until(&mut busy, "\r\n\r\n", Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer:?}");
    let health = health.await.unwrap().unwrap();
    assert_eq!(health.status(), 200);
    let took = finished.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(closed_within(&mut busy, Duration::from_secs(2)).await);
    running.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_far_past_the_cap_keep_neither_health_nor_orders_out() {
    const CAP: usize = 500;
    // The client end of every stalled connection stays open in this process, the server end
    // of at most the cap's worth; leave room for the store, the client and the runtime.
    let open_files = orderly_server::testing::raise_open_files_limit().unwrap_or(u64::MAX);
    let count = usize::try_from(open_files.saturating_sub(400))
        .unwrap_or(usize::MAX)
        .saturating_sub(CAP)
        .min(3000);
    assert!(
        count >= 4 * CAP,
        "the open files limit ({open_files}) leaves room for only {count} connections"
    );
    // Far longer than the test: nothing it sees comes from a connection timing out.
    let header_read_timeout = Duration::from_secs(120);
    let running = start(ConnectionLimits {
        max_connections: CAP,
        header_read_timeout,
        idle_timeout: Duration::from_secs(300),
    })
    .await;
    let addr = running.server.addr;

    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        streams.push(stalled(addr).await);
    }

    // While all of them are held, health and new orders answer promptly, again and again.
    let http = client();
    for round in 0..5 {
        let asked = Instant::now();
        let health = http
            .get(format!("{}/health", running.server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        let took = asked.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "health, round {round}: {took:?}"
        );

        let token = running
            .auth
            .issue("alice", Role::Customer, Duration::from_secs(600))
            .unwrap();
        let asked = Instant::now();
        let placed = http
            .post(format!("{}/order", running.server.base))
            .bearer_auth(token)
            .header("idempotency-key", format!("past-the-cap-{round}"))
            .json(&order_body("alice"))
            .send()
            .await
            .unwrap();
        assert_eq!(placed.status(), 201, "{:?}", placed.text().await);
        let took = asked.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "order, round {round}: {took:?}"
        );
    }

    // The oldest made room; the newest are still open, still waiting for their heads.
    assert!(closed_within(&mut streams[0], Duration::from_secs(2)).await);
    let newest = streams.len() - CAP / 2;
    let mut closed = 0;
    for stream in &mut streams[newest..] {
        if closed_within(stream, Duration::from_millis(5)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 0, "of the {} newest stalled connections", CAP / 2);
    drop(streams);
    running.server.stop().await.unwrap();
}
