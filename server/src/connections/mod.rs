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
//! * **An idle timeout.** A connection on which no byte moves either way for that long (give
//!   or take a quarter of it) is closed: a client that stops sending its body or stops
//!   reading its answer holds its slot no longer. It is longer than the request timeout, so a request being worked on is never
//!   cut by it.
//!
//! On shutdown the listener closes, idle connections are closed, and the function returns
//! once every in-flight request has been answered.

mod activity;
mod tracked;
mod waiting;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use activity::{Activity, Watched};
use tracked::Tracked;
use waiting::{Registered, Waiting};

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
}
