//! Accepting connections so that slow and idle clients cannot starve the server.
//!
//! * **A connection cap.** At most `max_connections` are served at once, instead of the process
//!   running out of file descriptors (which stops every accept, the store's files included).
//!   The cap is fair to newcomers: when every slot is taken the server still accepts, and makes
//!   room by closing the connection that has waited longest for a request head (since it was
//!   accepted or since its last response ended). A connection whose request head has arrived
//!   is never closed this way, so one client holding thousands of unfinished heads cannot keep
//!   others out. Only when every connection is in the middle of a request does a new one wait,
//!   in the kernel's backlog, until a slot frees or a connection goes back to waiting.
//! * **A header-read timeout.** A client must send a request's whole head within it, or its
//!   connection is closed. The timer runs from the moment the connection waits for a request,
//!   so it also closes keep-alive connections that send nothing more.
//! * **An idle timeout.** A connection on which no byte moves either way for that long is
//!   closed: a client that stops sending its body or stops reading its answer holds its slot
//!   no longer. It is longer than the request timeout, so a request being worked on is never
//!   cut by it.
//!
//! On shutdown the listener closes, idle connections are closed, and the function returns
//! once every in-flight request has been answered.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::{Body, Frame, SizeHint};
use hyper::server::conn::http1;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, oneshot};
use tokio::time::Instant;

/// How many connections may be open and how long they may dawdle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once, at least 1.
    pub max_connections: usize,
    /// Time a client has to send a request's head, from when the connection waits for one.
    pub header_read_timeout: Duration,
    /// Time a connection may pass with no byte read or written.
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    /// 10,000 connections, 10 s to send a head, 60 s of silence.
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 10_000,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Pause after a failed accept (the process or the system is out of descriptors or memory),
/// so that the loop does not spin while it lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` under `limits` until `shutdown` resolves, then stops
/// accepting and returns once every in-flight request has been answered.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let waiting = Arc::new(Waiting::default());
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // At the cap, accept only if a connection waiting for a head can make room; otherwise
        // the newcomer stays in the kernel's backlog rather than costing a descriptor.
        let slot = tokio::select! {
            slot = free_slot_or_evictable(&slots, &waiting) => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = match slot {
            Some(slot) => slot,
            None => {
                let made = tokio::select! {
                    made = make_room(&slots, &waiting) => made,
                    () = &mut shutdown => break,
                };
                let Ok(slot) = made else { break };
                slot
            }
        };
        // Responses are written whole; waiting to coalesce them only adds latency.
        let _ = stream.set_nodelay(true);
        let activity = Activity::default();
        let io = TokioIo::new(Watched {
            inner: stream,
            activity: activity.clone(),
        });
        let (tracked, evicted) = Waiting::register(&waiting);
        let service = Tracked {
            inner: TowerToHyperService::new(router.clone()),
            connection: tracked.clone(),
        };
        // Built before the task so that the entry goes even if the task is never polled.
        let registered = Registered(tracked);
        let connection = graceful.watch(http.serve_connection(io, service));
        let idle_timeout = limits.idle_timeout;
        tokio::spawn(async move {
            let _slot = slot;
            let _registered = registered;
            tokio::select! {
                served = connection => if let Err(e) = served {
                    tracing::debug!(error = %e, "connection ended with an error");
                },
                () = activity.silent_for(idle_timeout) => {
                    tracing::debug!(idle_ms = idle_timeout.as_millis() as u64, "closing an idle connection");
                }
                Ok(()) = evicted => {
                    tracing::debug!("closing the connection that waited longest for a request head, to make room");
                }
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The semaphore was closed (it never is while `serve` runs).
#[derive(Debug)]
struct SlotsClosed;

/// A free slot, or `None` when every slot is taken but a connection waiting for a head could
/// give up its own. Waits while neither is true.
async fn free_slot_or_evictable(
    slots: &Arc<Semaphore>,
    waiting: &Waiting,
) -> Result<Option<OwnedSemaphorePermit>, SlotsClosed> {
    loop {
        if let Ok(slot) = slots.clone().try_acquire_owned() {
            return Ok(Some(slot));
        }
        if waiting.any() {
            return Ok(None);
        }
        tokio::select! {
            slot = slots.clone().acquire_owned() => return slot.map(Some).map_err(|_| SlotsClosed),
            () = waiting.appeared() => {}
        }
    }
}

/// A slot for a connection just accepted at the cap: closes the connection that has waited
/// longest for a head and takes its slot, or, if every connection is mid-request by now,
/// waits until a slot frees or one goes back to waiting.
async fn make_room(
    slots: &Arc<Semaphore>,
    waiting: &Waiting,
) -> Result<OwnedSemaphorePermit, SlotsClosed> {
    loop {
        if let Ok(slot) = slots.clone().try_acquire_owned() {
            return Ok(slot);
        }
        if waiting.evict_longest() {
            // The evicted connection's task releases its slot as soon as it sees the signal;
            // evicting another meanwhile would close one connection too many.
            return slots.clone().acquire_owned().await.map_err(|_| SlotsClosed);
        }
        tokio::select! {
            slot = slots.clone().acquire_owned() => return slot.map_err(|_| SlotsClosed),
            () = waiting.appeared() => {}
        }
    }
}

/// The open connections, and which of them wait for a request head in the order they began
/// to wait, so that the one waiting longest is found at once.
#[derive(Debug, Default)]
struct Waiting {
    state: Mutex<WaitingState>,
    /// Told whenever a connection begins to wait; only the accept loop listens, so a single
    /// stored wake-up is never lost.
    began: Notify,
}

#[derive(Debug, Default)]
struct WaitingState {
    /// Stamps the order in which connections begin to wait (a counter, not a clock, so ties
    /// cannot happen).
    next_turn: u64,
    next_id: u64,
    /// Waiting connections by the turn they began waiting: the first entry is the oldest.
    by_turn: BTreeMap<u64, u64>,
    connections: HashMap<u64, ConnectionState>,
}

#[derive(Debug)]
struct ConnectionState {
    /// Requests whose head has arrived and whose response has not yet ended.
    in_flight: usize,
    /// The turn under which the connection waits in `by_turn`, when it waits.
    waiting_turn: Option<u64>,
    evict: oneshot::Sender<()>,
}

impl WaitingState {
    fn begin_waiting(&mut self, id: u64) {
        let turn = self.next_turn;
        if let Some(connection) = self.connections.get_mut(&id) {
            self.next_turn += 1;
            connection.waiting_turn = Some(turn);
            self.by_turn.insert(turn, id);
        }
    }
}

impl Waiting {
    fn lock(&self) -> MutexGuard<'_, WaitingState> {
        // The state stays consistent between statements, so a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a connection that waits for its first head; the receiver fires if it is evicted.
    fn register(this: &Arc<Waiting>) -> (TrackedConnection, oneshot::Receiver<()>) {
        let (evict, evicted) = oneshot::channel();
        let mut state = this.lock();
        let id = state.next_id;
        state.next_id += 1;
        state.connections.insert(
            id,
            ConnectionState {
                in_flight: 0,
                waiting_turn: None,
                evict,
            },
        );
        state.begin_waiting(id);
        drop(state);
        this.began.notify_one();
        let tracked = TrackedConnection {
            waiting: Arc::clone(this),
            id,
        };
        (tracked, evicted)
    }

    fn any(&self) -> bool {
        !self.lock().by_turn.is_empty()
    }

    async fn appeared(&self) {
        self.began.notified().await;
    }

    /// Signals the connection that has waited longest for a head to close; false if none waits.
    fn evict_longest(&self) -> bool {
        let mut state = self.lock();
        while let Some((_, id)) = state.by_turn.pop_first() {
            if let Some(connection) = state.connections.remove(&id) {
                // A connection whose task already ended cannot hold a slot either way.
                let _ = connection.evict.send(());
                return true;
            }
        }
        false
    }

    fn request_began(&self, id: u64) {
        let mut state = self.lock();
        let Some(connection) = state.connections.get_mut(&id) else {
            return;
        };
        connection.in_flight += 1;
        if let Some(turn) = connection.waiting_turn.take() {
            state.by_turn.remove(&turn);
        }
    }

    fn request_ended(&self, id: u64) {
        let mut state = self.lock();
        let Some(connection) = state.connections.get_mut(&id) else {
            return;
        };
        connection.in_flight = connection.in_flight.saturating_sub(1);
        if connection.in_flight == 0 && connection.waiting_turn.is_none() {
            state.begin_waiting(id);
            drop(state);
            self.began.notify_one();
        }
    }

    fn deregister(&self, id: u64) {
        let mut state = self.lock();
        if let Some(connection) = state.connections.remove(&id)
            && let Some(turn) = connection.waiting_turn
        {
            state.by_turn.remove(&turn);
        }
    }
}

/// One connection's entry in [`Waiting`].
#[derive(Debug, Clone)]
struct TrackedConnection {
    waiting: Arc<Waiting>,
    id: u64,
}

impl TrackedConnection {
    /// Marks a request as begun until the returned guard drops.
    fn busy(&self) -> Busy {
        self.waiting.request_began(self.id);
        Busy(self.clone())
    }
}

/// Removes the connection from [`Waiting`] when its task ends, however it ends.
#[derive(Debug)]
struct Registered(TrackedConnection);

impl Drop for Registered {
    fn drop(&mut self) {
        self.0.waiting.deregister(self.0.id);
    }
}

/// A request in flight on a connection: from its head being parsed until its response body
/// ends or is dropped, or its handler is dropped unanswered.
#[derive(Debug)]
struct Busy(TrackedConnection);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.waiting.request_ended(self.0.id);
    }
}

/// The router as hyper calls it: hyper calls the service once a request's head is parsed, so
/// the call marks the connection busy, and the response body carries the mark until it ends.
#[derive(Debug, Clone)]
struct Tracked<S> {
    inner: S,
    connection: TrackedConnection,
}

type Answer<B, E> = Pin<Box<dyn Future<Output = Result<Response<Answering<B>>, E>> + Send>>;

impl<S, R, B> hyper::service::Service<Request<R>> for Tracked<S>
where
    S: hyper::service::Service<Request<R>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    B: 'static,
{
    type Response = Response<Answering<B>>;
    type Error = S::Error;
    type Future = Answer<B, S::Error>;

    fn call(&self, request: Request<R>) -> Self::Future {
        let busy = self.connection.busy();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            Ok(response.map(|body| Answering {
                inner: body,
                busy: Some(busy),
            }))
        })
    }
}

/// A response body that keeps its connection marked busy until it has been sent or dropped.
#[derive(Debug)]
struct Answering<B> {
    inner: B,
    busy: Option<Busy>,
}

impl<B: Body + Unpin> Body for Answering<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            self.busy = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// When a connection last moved a byte, in milliseconds since it was accepted.
#[derive(Debug, Clone)]
struct Activity {
    since: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            since: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl Activity {
    fn touch(&self) {
        let now = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved for `limit`.
    async fn silent_for(&self, limit: Duration) {
        loop {
            let last = self.since + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let deadline = last + limit;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// A TCP stream that records when bytes move.
#[derive(Debug)]
struct Watched {
    inner: TcpStream,
    activity: Activity,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn evicted(receiver: &mut oneshot::Receiver<()>) -> bool {
        receiver.try_recv().is_ok()
    }

    #[test]
    fn the_connection_waiting_longest_for_a_head_is_evicted_first() {
        let waiting = Arc::new(Waiting::default());
        let (_a, mut a_evicted) = Waiting::register(&waiting);
        let (_b, mut b_evicted) = Waiting::register(&waiting);
        let (_c, mut c_evicted) = Waiting::register(&waiting);
        assert!(waiting.evict_longest());
        assert!(evicted(&mut a_evicted));
        assert!(!evicted(&mut b_evicted) && !evicted(&mut c_evicted));
        assert!(waiting.evict_longest());
        assert!(evicted(&mut b_evicted));
        assert!(waiting.evict_longest());
        assert!(evicted(&mut c_evicted));
        assert!(!waiting.evict_longest());
        assert!(!waiting.any());
    }

    #[test]
    fn a_connection_mid_request_is_never_evicted() {
        let waiting = Arc::new(Waiting::default());
        let (a, mut a_evicted) = Waiting::register(&waiting);
        let (_b, mut b_evicted) = Waiting::register(&waiting);
        let request = a.busy();
        assert!(waiting.evict_longest());
        assert!(evicted(&mut b_evicted));
        assert!(
            !waiting.evict_longest(),
            "only a connection mid-request is left"
        );
        assert!(!evicted(&mut a_evicted));
        // Once its response has ended it waits for the next head, and may make room.
        drop(request);
        assert!(waiting.any());
        assert!(waiting.evict_longest());
        assert!(evicted(&mut a_evicted));
    }

    #[test]
    fn a_connection_that_finished_a_response_waits_behind_those_already_waiting() {
        let waiting = Arc::new(Waiting::default());
        let (a, mut a_evicted) = Waiting::register(&waiting);
        let (_b, mut b_evicted) = Waiting::register(&waiting);
        drop(a.busy());
        let (_c, mut c_evicted) = Waiting::register(&waiting);
        assert!(waiting.evict_longest());
        assert!(evicted(&mut b_evicted));
        assert!(waiting.evict_longest());
        assert!(evicted(&mut a_evicted));
        assert!(waiting.evict_longest());
        assert!(evicted(&mut c_evicted));
    }

    #[test]
    fn a_closed_connection_leaves_the_queue() {
        let waiting = Arc::new(Waiting::default());
        let (a, _a_evicted) = Waiting::register(&waiting);
        let (_b, mut b_evicted) = Waiting::register(&waiting);
        let busy = a.busy();
        drop(Registered(a));
        // Its request ending after the connection closed does not bring it back.
        drop(busy);
        assert!(waiting.evict_longest());
        assert!(evicted(&mut b_evicted));
        assert!(!waiting.evict_longest());
    }

    #[tokio::test]
    async fn a_response_keeps_its_connection_busy_until_its_body_ends() {
        use http_body_util::BodyExt as _;

        let waiting = Arc::new(Waiting::default());
        let (a, _a_evicted) = Waiting::register(&waiting);
        let mut body = Answering {
            inner: axum::body::Body::from("answer"),
            busy: Some(a.busy()),
        };
        assert!(!waiting.any());
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), "answer");
        assert!(!waiting.any(), "the body has not ended yet");
        assert!(body.frame().await.is_none());
        assert!(waiting.any());
        drop(body);
        assert!(waiting.evict_longest());
        assert!(!waiting.evict_longest(), "ending and dropping count once");
    }

    #[tokio::test]
    async fn at_the_cap_room_is_made_only_by_evicting_a_waiting_connection() {
        let slots = Arc::new(Semaphore::new(1));
        let waiting = Arc::new(Waiting::default());
        let (a, mut a_evicted) = Waiting::register(&waiting);
        let held = slots.clone().try_acquire_owned().unwrap();
        let request = a.busy();
        let pending = tokio::time::timeout(
            Duration::from_millis(100),
            free_slot_or_evictable(&slots, &waiting),
        )
        .await;
        assert!(
            pending.is_err(),
            "waits while every connection is mid-request"
        );
        drop(request);
        let found = free_slot_or_evictable(&slots, &waiting).await.unwrap();
        assert!(
            found.is_none(),
            "no free slot, but one connection could make room"
        );
        let room = tokio::spawn({
            let (slots, waiting) = (slots.clone(), waiting.clone());
            async move { make_room(&slots, &waiting).await.map(|_| ()) }
        });
        // The evicted connection's task releases its slot when it sees the signal.
        (&mut a_evicted).await.unwrap();
        drop(held);
        room.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn silence_is_measured_from_the_last_byte() {
        let activity = Activity::default();
        let started = Instant::now();
        tokio::time::sleep(Duration::from_millis(150)).await;
        activity.touch();
        activity.silent_for(Duration::from_millis(200)).await;
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(350), "{waited:?}");
        assert!(waited < Duration::from_millis(1500), "{waited:?}");
    }
}
