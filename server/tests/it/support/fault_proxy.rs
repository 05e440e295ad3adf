//! A TCP proxy for HTTP/1.1 that injects faults exchange by exchange, to test clients that must
//! survive a flaky network: a request lost on its way, an answer lost on its way back (the
//! server did the work, the client cannot know), a request or an answer cut short.
//!
//! It reads each request whole, applies the plan's fault for it and relays the server's whole
//! answer, so a fault hits one exchange and a keep-alive connection that is not faulted goes on
//! (see `wire` for what it parses). Each client connection has its own server connection, opened
//! at its first forwarded request; a fault closes both, as does the server closing its side, so
//! the client sees what it would see from a real server. The proxy runs on a thread and runtime
//! of its own: a test may drive it from async code or not, and a test whose workers are busy or
//! blocked does not stall it.
//!
//! ```ignore
//! let proxy = FaultProxy::start(server.addr(), FaultPlan::script([Fault::DropResponse]))?;
//! // ... the client talks to proxy.url() ...
//! assert_eq!(proxy.stats().dropped_responses, 1);
//! ```

// A toolkit: not every part of it has a caller yet.
#![allow(dead_code)]

mod plan;
mod wire;

pub use plan::{Fault, FaultPlan, RandomFaults};

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

use plan::Decider;
use wire::{Framing, Request, Response, Wire};

/// What the proxy did so far; a snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Client connections accepted.
    pub connections: u64,
    /// Requests read whole from clients.
    pub requests: u64,
    /// Exchanges relayed whole both ways. Every counter is counted before the client can see
    /// the outcome (here: as the answer's first byte is written), so a client that has its
    /// answer finds it counted.
    pub passed: u64,
    pub dropped_requests: u64,
    pub dropped_responses: u64,
    pub cut_requests: u64,
    pub cut_responses: u64,
    /// Requests not forwarded because the server did not accept a connection (it was down);
    /// the client's connection was closed.
    pub upstream_refused: u64,
    /// Exchanges the server broke off (closed or reset before its answer was whole: killed,
    /// say); the client's connection was closed.
    pub upstream_lost: u64,
    /// Requests forwarded whose answer is not read whole yet: a test waits for one to be
    /// there before it kills the server "mid-request".
    pub in_flight: u64,
}

impl ProxyStats {
    /// Faults injected, of every kind.
    pub fn faults(&self) -> u64 {
        self.dropped_requests + self.dropped_responses + self.cut_requests + self.cut_responses
    }
}

/// The fault chosen for one request, in the order they were decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub method: String,
    pub path: String,
    pub fault: Fault,
}

/// The proxy; it stops, closing every connection, when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` under `plan`.
    pub fn start(upstream: SocketAddr, plan: FaultPlan) -> io::Result<FaultProxy> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (disconnect, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            decider: Mutex::new(Decider::new(plan)),
            decisions: Mutex::new(Vec::new()),
            counters: Counters::default(),
            disconnect,
        });
        let (stop, stopped) = oneshot::channel();
        let (ready, started) = std::sync::mpsc::channel();
        let serving = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("fault-proxy-{}", addr.port()))
            .spawn(move || run(listener, serving, stopped, ready))?;
        started
            .recv()
            .map_err(|_| io::Error::other("the proxy's thread ended before it started"))??;
        Ok(FaultProxy {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the plan (its script starts over, its generator from its seed) for the
    /// requests read from now on.
    pub fn set_plan(&self, plan: FaultPlan) {
        *lock(&self.shared.decider) = Decider::new(plan);
    }

    /// Faults of the current plan's script not used yet.
    pub fn script_left(&self) -> usize {
        lock(&self.shared.decider).script_left()
    }

    /// Server connections opened from now on go to `upstream`; open ones stay where they are.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *lock(&self.shared.upstream) = upstream;
    }

    pub fn upstream(&self) -> SocketAddr {
        *lock(&self.shared.upstream)
    }

    pub fn stats(&self) -> ProxyStats {
        self.shared.counters.snapshot()
    }

    /// Every fault decided so far, oldest first.
    pub fn decisions(&self) -> Vec<Decision> {
        lock(&self.shared.decisions).clone()
    }

    /// Closes every open connection, both sides, whatever it is doing (a network that goes
    /// away for a moment); new connections are served as before.
    pub fn disconnect_all(&self) {
        self.shared
            .disconnect
            .send_modify(|generation| *generation += 1);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the proxy's connections share with its handle.
#[derive(Debug)]
struct Shared {
    upstream: Mutex<SocketAddr>,
    decider: Mutex<Decider>,
    decisions: Mutex<Vec<Decision>>,
    counters: Counters,
    disconnect: watch::Sender<u64>,
}

impl Shared {
    fn decide(&self, request: &Request) -> Fault {
        let fault = lock(&self.decider).decide(request.path());
        lock(&self.decisions).push(Decision {
            method: request.method.clone(),
            path: request.path().to_owned(),
            fault,
        });
        fault
    }
}

#[derive(Debug, Default)]
struct Counters {
    connections: AtomicU64,
    requests: AtomicU64,
    passed: AtomicU64,
    dropped_requests: AtomicU64,
    dropped_responses: AtomicU64,
    cut_requests: AtomicU64,
    cut_responses: AtomicU64,
    upstream_refused: AtomicU64,
    upstream_lost: AtomicU64,
    in_flight: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> ProxyStats {
        let get = |counter: &AtomicU64| counter.load(Ordering::SeqCst);
        ProxyStats {
            connections: get(&self.connections),
            requests: get(&self.requests),
            passed: get(&self.passed),
            dropped_requests: get(&self.dropped_requests),
            dropped_responses: get(&self.dropped_responses),
            cut_requests: get(&self.cut_requests),
            cut_responses: get(&self.cut_responses),
            upstream_refused: get(&self.upstream_refused),
            upstream_lost: get(&self.upstream_lost),
            in_flight: get(&self.in_flight),
        }
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::SeqCst);
}

/// Counts a request as in flight while it lives.
struct InFlight<'a>(&'a AtomicU64);

impl<'a> InFlight<'a> {
    fn new(counter: &'a AtomicU64) -> InFlight<'a> {
        bump(counter);
        InFlight(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A poisoned lock only means a test panicked elsewhere; the data is still what it was.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The proxy's thread: a runtime of its own serving the listener until `stopped`; dropping
/// the runtime at the end closes every connection.
fn run(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    stopped: oneshot::Receiver<()>,
    ready: std::sync::mpsc::Sender<io::Result<()>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        accept(listener, shared, stopped).await;
    });
}

async fn accept(listener: TcpListener, shared: Arc<Shared>, mut stopped: oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => {
                // A failed accept (out of descriptors, a connection reset while queued) is
                // the client's problem; the proxy goes on.
                if let Ok((client, _)) = accepted {
                    bump(&shared.counters.connections);
                    let mut disconnect = shared.disconnect.subscribe();
                    let shared = shared.clone();
                    tokio::spawn(async move {
                        tokio::select! {
                            () = serve(client, &shared) => {}
                            _ = disconnect.changed() => {}
                        }
                    });
                }
            }
        }
    }
}

/// Whether the connection goes on after an exchange.
enum Next {
    KeepAlive,
    Close,
}

/// Serves one client connection, exchange after exchange; returning closes both sides.
async fn serve(client: TcpStream, shared: &Shared) {
    let mut client = Wire::new(client);
    let mut upstream = None;
    // An error (a client that went away, a message the proxy cannot read) ends the connection.
    while let Ok(Next::KeepAlive) = exchange(&mut client, &mut upstream, shared).await {}
}

/// Relays one request and its answer, with the plan's fault.
async fn exchange(
    client: &mut Wire,
    upstream: &mut Option<Wire>,
    shared: &Shared,
) -> io::Result<Next> {
    let Some(raw_head) = next_request(client, upstream).await? else {
        return Ok(Next::Close);
    };
    let request = Request::parse(&raw_head)?;
    let body = client.read_body(request.framing).await?;
    bump(&shared.counters.requests);
    let fault = shared.decide(&request);
    let counters = &shared.counters;
    if fault == Fault::DropRequest {
        bump(&counters.dropped_requests);
        return Ok(Next::Close);
    }
    if upstream.is_none() {
        let address = *lock(&shared.upstream);
        match TcpStream::connect(address).await {
            Ok(stream) => *upstream = Some(Wire::new(stream)),
            Err(_) => {
                bump(&counters.upstream_refused);
                return Ok(Next::Close);
            }
        }
    }
    let Some(server) = upstream.as_mut() else {
        return Ok(Next::Close);
    };
    if fault == Fault::CutRequest {
        bump(&counters.cut_requests);
        // A failed write is a cut too: the server got less than the whole request.
        let _ = server.send(&cut(&raw_head, &body)).await;
        return Ok(Next::Close);
    }
    let in_flight = InFlight::new(&counters.in_flight);
    let answer = match forward(server, &raw_head, &body, &request).await {
        Ok(answer) => answer,
        Err(_) => {
            bump(&counters.upstream_lost);
            return Ok(Next::Close);
        }
    };
    drop(in_flight);
    match fault {
        Fault::DropResponse => {
            bump(&counters.dropped_responses);
            Ok(Next::Close)
        }
        Fault::CutResponse => {
            bump(&counters.cut_responses);
            client.send(&cut(&answer.head, &answer.body)).await?;
            Ok(Next::Close)
        }
        Fault::Pass | Fault::DropRequest | Fault::CutRequest => {
            bump(&counters.passed);
            client.send(&answer.head).await?;
            client.send(&answer.body).await?;
            let closes =
                request.head.closes() || answer.closes || answer.framing == Framing::UntilClose;
            Ok(if closes { Next::Close } else { Next::KeepAlive })
        }
    }
}

/// Waits for the client's next request head. While it waits, the server closing its side of
/// an idle connection (an idle timeout, a restart) closes the client's too, as the client
/// would have seen had it been connected directly. `None`: the connection is over.
async fn next_request(
    client: &mut Wire,
    upstream: &mut Option<Wire>,
) -> io::Result<Option<Vec<u8>>> {
    loop {
        if let Some(head) = client.take_head()? {
            return Ok(Some(head));
        }
        let server_idle = async {
            match upstream.as_mut() {
                // Anything from the server now is its end or out of turn: either way over.
                Some(server) => server.fill().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            read = client.fill() => {
                if read? == 0 {
                    return match client.has_buffered() {
                        true => Err(io::ErrorKind::UnexpectedEof.into()),
                        false => Ok(None),
                    };
                }
            }
            _ = server_idle => return Ok(None),
        }
    }
}

/// The server's final answer: its head (after any interim 1xx heads) and body, as read.
struct Answer {
    head: Vec<u8>,
    body: Vec<u8>,
    framing: Framing,
    closes: bool,
}

/// Sends the request whole and reads the server's whole answer.
async fn forward(
    server: &mut Wire,
    raw_head: &[u8],
    body: &[u8],
    request: &Request,
) -> io::Result<Answer> {
    let sent = match server.send(raw_head).await {
        Ok(()) => server.send(body).await,
        Err(e) => Err(e),
    };
    // A server may answer before it read the whole request (an early error) and close: that
    // answer is still the one its client would get.
    match read_answer(server, request).await {
        Ok(answer) => Ok(answer),
        Err(e) => Err(sent.err().unwrap_or(e)),
    }
}

/// Reads the server's answer to `request`, skipping past interim 1xx heads.
async fn read_answer(server: &mut Wire, request: &Request) -> io::Result<Answer> {
    let mut heads = Vec::new();
    loop {
        let raw = server
            .read_head()
            .await?
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        let response = Response::parse(&raw, &request.method)?;
        heads.extend_from_slice(&raw);
        if response.is_interim() {
            continue;
        }
        let body = server.read_body(response.framing).await?;
        return Ok(Answer {
            head: heads,
            body,
            framing: response.framing,
            closes: response.head.closes(),
        });
    }
}

/// The head and the first half of the body; half the head when there is no body.
fn cut(head: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len() + body.len() / 2);
    if body.is_empty() {
        out.extend_from_slice(head.get(..head.len() / 2).unwrap_or_default());
    } else {
        out.extend_from_slice(head);
        out.extend_from_slice(body.get(..body.len() / 2).unwrap_or_default());
    }
    out
}
