//! The fault-injecting proxy (`support::fault_proxy`) against a small axum echo server that
//! counts the request heads it saw and the requests it received whole: each fault does what
//! it says (checked on both sides: what the server counted, what the client got), relaying is
//! byte-exact across keep-alive exchanges in every framing, a seeded plan repeats itself, and
//! the proxy follows a server that goes down, moves or restarts. Last, the proxy in front of
//! the real binary (`support::server_process`) killed and restarted: an order whose answer was
//! lost is found again by its idempotency key.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::routing::{get, post};
use http_body_util::BodyExt as _;
use orderly_example_cart_service::{Cart, CartItem, CartState, RunningCartService, ServiceOptions};
use serde_json::json;
use tokio::sync::oneshot;

use crate::common;
use crate::support::fault_proxy::{Fault, FaultPlan, FaultProxy, RandomFaults};
use crate::support::server_process::ServerOptions;

/// An echo server on its own thread and runtime, so that stopping it closes every connection
/// at once, as a server process that dies would.
struct Echo {
    addr: SocketAddr,
    heads: Arc<AtomicU64>,
    received: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Echo {
    fn start() -> Echo {
        Echo::start_on(0)
    }

    fn start_on(port: u16) -> Echo {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind echo");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("echo address");
        let heads = Arc::new(AtomicU64::new(0));
        let received = Arc::new(AtomicU64::new(0));
        let app = echo_app(heads.clone(), received.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("echo runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime here drops every connection task: their sockets close.
        });
        Echo {
            addr,
            heads,
            received,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn heads(&self) -> u64 {
        self.heads.load(Ordering::SeqCst)
    }

    fn received(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `POST /echo` answers its body (counted once read whole), `GET /bytes/{n}` n bytes with a
/// length, `GET /chunked/{n}` n bytes chunked, `GET /slow` after two seconds. Every request
/// head is counted before its body is read.
fn echo_app(heads: Arc<AtomicU64>, received: Arc<AtomicU64>) -> Router {
    let counted = move |body: Bytes| {
        let received = received.clone();
        async move {
            received.fetch_add(1, Ordering::SeqCst);
            body
        }
    };
    Router::new()
        .route("/echo", post(counted))
        .route(
            "/bytes/{n}",
            get(|Path(n): Path<usize>| async move { pattern(n) }),
        )
        .route(
            "/chunked/{n}",
            get(|Path(n): Path<usize>| async move {
                // A body of unknown size: hyper sends it chunked.
                Body::new(http_body_util::Full::new(Bytes::from(pattern(n))).map_frame(|f| f))
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                "slow"
            }),
        )
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                heads.fetch_add(1, Ordering::SeqCst);
                next.run(request)
            },
        ))
}

/// `n` bytes that differ from one position to the next, so a shifted relay shows.
fn pattern(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| b"0123456789abcdefghijklmnopqrstuvwxyz"[i % 36])
        .collect()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// POSTs `body` to `/echo`; the answer's body, or the error's text.
async fn echo(client: &reqwest::Client, base: &str, body: Vec<u8>) -> Result<Vec<u8>, String> {
    let response = client
        .post(format!("{base}/echo"))
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.map_err(|e| format!("{e:?}"))?;
    Ok(bytes.to_vec())
}

async fn fetch(client: &reqwest::Client, url: String) -> Result<Vec<u8>, String> {
    let response = client.get(url).send().await.map_err(|e| format!("{e:?}"))?;
    let bytes = response.bytes().await.map_err(|e| format!("{e:?}"))?;
    Ok(bytes.to_vec())
}

/// Waits until `done`, at most ten seconds.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_every_framing_whole_over_one_kept_alive_connection() {
    let server = Echo::start();
    let proxy = FaultProxy::start(server.addr, FaultPlan::pass()).expect("proxy");
    let (client, base) = (client(), proxy.url());
    for size in [0, 1, 1_000, 300_000] {
        let body = pattern(size);
        assert_eq!(echo(&client, &base, body.clone()).await, Ok(body));
    }
    let sized = fetch(&client, format!("{base}/bytes/200000")).await;
    assert_eq!(sized, Ok(pattern(200_000)));
    let chunked = fetch(&client, format!("{base}/chunked/100000")).await;
    assert_eq!(chunked, Ok(pattern(100_000)));

    let stats = proxy.stats();
    assert_eq!((stats.requests, stats.passed, stats.faults()), (6, 6, 0));
    // The client may open a spare connection while the last one goes back to its pool.
    assert!(stats.connections < 6, "kept alive: {stats:?}");
    assert_eq!(server.received(), 4);
}

/// Writes `request` on `stream` and reads one answer with a `Content-Length`: its head and body.
fn raw_exchange(stream: &mut TcpStream, request: &[u8]) -> (String, Vec<u8>) {
    stream.write_all(request).expect("write request");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).expect("read head");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("UTF-8 head");
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
        })
        .expect("content-length")
        .parse()
        .expect("a number");
    let mut body = vec![0; length];
    stream.read_exact(&mut body).expect("read body");
    (head, body)
}

/// A chunked request (several chunks, an extension, a trailer) reaches the server whole, and
/// the next request on the same connection too; a chunked answer with an extension and a
/// trailer from a server written by hand reaches the client byte for byte, twice on one
/// connection, and a real client decodes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_chunked_messages_with_extensions_and_trailers() {
    let server = Echo::start();
    let proxy = FaultProxy::start(server.addr, FaultPlan::pass()).expect("proxy");
    let addr = proxy.addr();
    let requests = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        let chunked = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
            5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\nx-trailer: yes\r\n\r\n";
        let first = raw_exchange(&mut stream, chunked);
        let sized = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
        let second = raw_exchange(&mut stream, sized);
        (first, second)
    })
    .await
    .expect("raw client");
    let ((head, body), (_, again)) = requests;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(body, b"hello, world");
    assert_eq!(again, b"abc");
    assert_eq!(server.received(), 2);
    assert_eq!(proxy.stats().connections, 1);

    // A server that answers every request in chunks with a trailer: the client gets those
    // bytes exactly, twice on one connection, and a real client decodes them.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    proxy.set_upstream(listener.local_addr().expect("address"));
    let hand_written = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.expect("accept");
            tokio::spawn(answer_in_chunks(stream));
        }
    });
    let addr = proxy.addr();
    let relayed = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        let mut answers = Vec::new();
        for _ in 0..2 {
            stream
                .write_all(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
                .expect("write request");
            let mut answer = vec![0; CHUNKED_ANSWER.len()];
            stream.read_exact(&mut answer).expect("read answer");
            answers.push(answer);
        }
        answers
    })
    .await
    .expect("raw client");
    assert_eq!(relayed, [CHUNKED_ANSWER, CHUNKED_ANSWER]);
    let decoded = fetch(&client(), format!("{}/b", proxy.url())).await;
    assert_eq!(decoded, Ok(b"chunked".to_vec()));
    hand_written.abort();
}

const CHUNKED_ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
    4\r\nchun\r\n3;x=y\r\nked\r\n0\r\nx-sum: 7\r\n\r\n";

/// Answers each request head on `stream` with `CHUNKED_ANSWER`, until the client goes.
async fn answer_in_chunks(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while let Ok(n @ 1..) = stream.read(&mut buf).await {
        seen.extend_from_slice(&buf[..n]);
        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            seen.drain(..end + 4);
            if stream.write_all(CHUNKED_ANSWER).await.is_err() {
                return;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_request_never_reaches_the_server() {
    let server = Echo::start();
    let proxy =
        FaultProxy::start(server.addr, FaultPlan::script([Fault::DropRequest])).expect("proxy");
    let (client, base) = (client(), proxy.url());
    let lost = echo(&client, &base, pattern(10_000)).await;
    assert!(lost.is_err(), "the client got an answer: {lost:?}");
    assert_eq!((server.heads(), server.received()), (0, 0));
    assert_eq!(proxy.stats().dropped_requests, 1);

    let next = echo(&client, &base, b"next".to_vec()).await;
    assert_eq!(next, Ok(b"next".to_vec()), "the plan's script is used up");
    assert_eq!(server.received(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_response_leaves_the_server_done_and_the_client_unanswered() {
    let server = Echo::start();
    let proxy =
        FaultProxy::start(server.addr, FaultPlan::script([Fault::DropResponse])).expect("proxy");
    let (client, base) = (client(), proxy.url());
    let lost = echo(&client, &base, pattern(10_000)).await;
    assert!(lost.is_err(), "the client got an answer: {lost:?}");
    assert_eq!(
        server.received(),
        1,
        "the server received the request whole"
    );
    let stats = proxy.stats();
    assert_eq!((stats.dropped_responses, stats.passed), (1, 0));

    assert_eq!(
        echo(&client, &base, b"next".to_vec()).await,
        Ok(b"next".to_vec())
    );
    assert_eq!(server.received(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_request_reaches_the_server_incomplete() {
    let server = Echo::start();
    let plan = FaultPlan::script([Fault::CutRequest, Fault::CutRequest]);
    let proxy = FaultProxy::start(server.addr, plan).expect("proxy");
    let (client, base) = (client(), proxy.url());
    let cut = echo(&client, &base, pattern(100_000)).await;
    assert!(cut.is_err(), "the client got an answer: {cut:?}");
    // The server saw the head and began the body: it never had it whole.
    eventually("the server sees the head", || server.heads() == 1).await;
    assert_eq!(server.received(), 0);

    // Without a body, the head itself is cut: the server sees no request at all.
    let cut = fetch(&client, format!("{base}/bytes/10")).await;
    assert!(cut.is_err(), "the client got an answer: {cut:?}");
    assert_eq!(proxy.stats().cut_requests, 2);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.heads(), 1);

    assert_eq!(
        echo(&client, &base, b"next".to_vec()).await,
        Ok(b"next".to_vec())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_response_reaches_the_client_incomplete() {
    let server = Echo::start();
    let plan = FaultPlan::script([Fault::CutResponse, Fault::CutResponse, Fault::CutResponse]);
    let proxy = FaultProxy::start(server.addr, plan).expect("proxy");
    let (client, base) = (client(), proxy.url());
    let cut = echo(&client, &base, pattern(100_000)).await;
    assert!(cut.is_err(), "the client got the whole answer: {cut:?}");
    assert_eq!(
        server.received(),
        1,
        "the server received the request whole"
    );
    for path in ["chunked/100000", "bytes/100000"] {
        let cut = fetch(&client, format!("{base}/{path}")).await;
        assert!(cut.is_err(), "{path}: the client got the whole answer");
    }
    assert_eq!(proxy.stats().cut_responses, 3);
    assert_eq!(
        echo(&client, &base, b"next".to_vec()).await,
        Ok(b"next".to_vec())
    );
}

/// 200 requests under random faults; the same seed gives the same faults and outcomes, and
/// what the client and the server saw agrees with what the proxy counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_repeat_with_their_seed_and_agree_with_both_sides() {
    async fn run(seed: u64) -> (Vec<bool>, Vec<Fault>) {
        let server = Echo::start();
        let plan = FaultPlan::pass().random(RandomFaults::uniform(seed, 0.1));
        let proxy = FaultProxy::start(server.addr, plan).expect("proxy");
        let (client, base) = (client(), proxy.url());
        let mut outcomes = Vec::new();
        for i in 0..200 {
            let body = format!("request {i}").into_bytes();
            let answer = echo(&client, &base, body.clone()).await;
            assert!(answer.is_err() || answer == Ok(body), "{i}: a wrong answer");
            outcomes.push(answer.is_ok());
        }
        let stats = proxy.stats();
        let answered = outcomes.iter().filter(|ok| **ok).count() as u64;
        assert_eq!(stats.requests, 200);
        assert_eq!(stats.passed, answered, "{stats:?}");
        assert_eq!(stats.passed + stats.faults(), 200, "{stats:?}");
        for (kind, count) in [
            ("dropped requests", stats.dropped_requests),
            ("dropped responses", stats.dropped_responses),
            ("cut requests", stats.cut_requests),
            ("cut responses", stats.cut_responses),
        ] {
            assert!(count > 0, "no {kind} in 200 requests: {stats:?}");
        }
        eventually("the server is done with cut requests", || {
            server.received() == stats.passed + stats.dropped_responses + stats.cut_responses
        })
        .await;
        let faults = proxy.decisions().into_iter().map(|d| d.fault).collect();
        (outcomes, faults)
    }
    let first = run(7).await;
    assert_eq!(run(7).await, first, "the same seed, the same faults");
    assert_ne!(run(8).await.1, first.1, "another seed, other faults");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_can_be_kept_to_some_paths_and_the_plan_replaced() {
    let server = Echo::start();
    let plan = FaultPlan::script([Fault::DropRequest]).only_paths("/echo");
    let proxy = FaultProxy::start(server.addr, plan).expect("proxy");
    let (client, base) = (client(), proxy.url());
    assert!(fetch(&client, format!("{base}/bytes/5")).await.is_ok());
    assert_eq!(
        proxy.script_left(),
        1,
        "another path does not use the script"
    );
    assert!(echo(&client, &base, b"x".to_vec()).await.is_err());
    assert_eq!(proxy.script_left(), 0);

    proxy.set_plan(FaultPlan::script([Fault::DropResponse]));
    assert!(fetch(&client, format!("{base}/bytes/5")).await.is_err());
    let paths: Vec<_> = proxy
        .decisions()
        .into_iter()
        .map(|d| (d.method, d.path, d.fault))
        .collect();
    assert_eq!(
        paths,
        [
            ("GET".to_owned(), "/bytes/5".to_owned(), Fault::Pass),
            ("POST".to_owned(), "/echo".to_owned(), Fault::DropRequest),
            ("GET".to_owned(), "/bytes/5".to_owned(), Fault::DropResponse),
        ]
    );
}

/// A server that goes down: the client gets an error, as without the proxy; one elsewhere:
/// `set_upstream`; one restarted on the same port: served again, through the same client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_a_server_that_goes_down_moves_and_restarts() {
    let first = Echo::start();
    let proxy = FaultProxy::start(first.addr, FaultPlan::pass()).expect("proxy");
    let (client, base) = (client(), proxy.url());
    assert!(echo(&client, &base, b"1".to_vec()).await.is_ok());
    drop(first);
    // The server closed the idle connection; the proxy closes the client's in turn.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(echo(&client, &base, b"2".to_vec()).await.is_err());
    assert!(proxy.stats().upstream_refused >= 1, "{:?}", proxy.stats());

    let second = Echo::start();
    proxy.set_upstream(second.addr);
    assert_eq!(proxy.upstream(), second.addr);
    assert_eq!(echo(&client, &base, b"3".to_vec()).await, Ok(b"3".to_vec()));
    let port = second.addr.port();
    drop(second);
    let restarted = Echo::start_on(port);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(echo(&client, &base, b"4".to_vec()).await, Ok(b"4".to_vec()));
    assert_eq!(restarted.received(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_requests_in_flight_and_disconnects_on_demand() {
    let server = Echo::start();
    let proxy = Arc::new(FaultProxy::start(server.addr, FaultPlan::pass()).expect("proxy"));
    let (client, base) = (client(), proxy.url());
    let slow = {
        let client = client.clone();
        let url = format!("{base}/slow");
        tokio::spawn(async move { fetch(&client, url).await })
    };
    eventually("the request is in flight", || proxy.stats().in_flight == 1).await;
    let started = Instant::now();
    proxy.disconnect_all();
    let answer = slow.await.expect("the slow request");
    assert!(answer.is_err(), "the client got an answer: {answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "not cut at once"
    );
    eventually("nothing is in flight", || proxy.stats().in_flight == 0).await;
    assert_eq!(proxy.stats().passed, 0);
    assert_eq!(echo(&client, &base, b"x".to_vec()).await, Ok(b"x".to_vec()));
}

/// The proxy in front of the real server: an order whose answer was lost is in the store; the
/// server is SIGKILLed, the client meets a closed door, and once restarted on the same port and
/// database it gives the same order back for the same idempotency key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_found_by_its_key_after_the_server_was_killed_and_restarted() {
    let state = CartState::new(ServiceOptions::default());
    state
        .put_cart(Cart::new(
            "alice",
            "USD",
            vec![CartItem::new("sku-1", "Beans", 3, "2.50")],
        ))
        .expect("cart");
    let carts = RunningCartService::start(state).expect("cart service");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = ServerOptions::sqlite(&dir.path().join("orders.db"))
        .args(["--cart-url", &carts.url()])
        .start()
        .expect("the server starts");
    let plan = FaultPlan::script([Fault::DropResponse]).only_paths("/order");
    let proxy = FaultProxy::start(server.addr(), plan).expect("proxy");
    let alice = server.token("alice", "customer").expect("token");
    let (client, base) = (client(), proxy.url());
    let place = || {
        client
            .post(format!("{base}/order"))
            .bearer_auth(&alice)
            .header("Idempotency-Key", "lost-answer")
            .json(&common::order_body("alice"))
            .send()
    };

    assert!(place().await.is_err(), "the answer was dropped");
    assert_eq!(proxy.stats().dropped_responses, 1);

    let port = server.port();
    server.kill9().expect("SIGKILL");
    assert!(place().await.is_err(), "nothing listens");
    assert!(proxy.stats().upstream_refused >= 1);
    server.restart().expect("the server restarts");
    assert_eq!((server.port(), server.starts()), (port, 2));

    let replay = place().await.expect("an answer");
    assert_eq!(replay.status(), 200, "a replay of the stored order");
    let order: serde_json::Value = replay.json().await.expect("JSON");
    let orders: serde_json::Value = client
        .get(format!("{base}/orders/alice"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("JSON");
    let ids: Vec<_> = orders["orders"]
        .as_array()
        .expect("a page of orders")
        .iter()
        .map(|o| o["orderId"].clone())
        .collect();
    assert_eq!(ids, [order["orderId"].clone()], "one order: {orders}");
    assert_eq!(order["status"], json!("placed"));
    server.stop().expect("a graceful stop");
}
