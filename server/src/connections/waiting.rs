//! Which open connections wait for a request head, in the order they began to wait, so that
//! at the cap the one waiting longest is found at once.
//!
//! A request's start and end are on every request's path, so they touch only their own
//! connection's atomics, plus one short push onto a queue when a connection goes back to
//! waiting. The queue is in turn order by construction (turns only grow), and an entry whose
//! connection has since begun a request or closed is left in place and skipped when met, so
//! no request ever searches or removes from the middle of a shared structure.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, oneshot};

/// `Slot::waiting_turn` of a connection that is mid-request.
const BUSY: u64 = 0;
/// `Slot::waiting_turn` of a connection that closed or was evicted.
const GONE: u64 = u64::MAX;
/// Stale entries the queue may hold beyond twice the open connections before it is swept.
const SLACK: usize = 64;

/// The open connections that wait for a request head.
#[derive(Debug, Default)]
pub(super) struct Waiting {
    queue: Mutex<Queue>,
    /// Told whenever a connection begins to wait; only the accept loop listens, so a single
    /// stored wake-up is never lost.
    began: Notify,
}

#[derive(Debug, Default)]
struct Queue {
    /// The turn the next connection to begin waiting gets (starts at 1: 0 is `BUSY`).
    next_turn: u64,
    /// Connections in the order they began to wait, with the turn they began under; an entry
    /// is live while its connection's `waiting_turn` still equals that turn.
    entries: VecDeque<(u64, Arc<Slot>)>,
    /// Connections registered and not yet closed, to bound the stale entries kept.
    open: usize,
}

impl Queue {
    fn push(&mut self, slot: &Arc<Slot>) {
        self.next_turn = self.next_turn.max(1);
        let turn = self.next_turn;
        self.next_turn += 1;
        slot.waiting_turn.store(turn, Ordering::Release);
        self.entries.push_back((turn, Arc::clone(slot)));
        if self.entries.len() > 2 * self.open + SLACK {
            self.entries.retain(|(turn, slot)| slot.waits_since(*turn));
        }
    }

    /// Drops stale entries from the front; true if a live one remains.
    fn any_live(&mut self) -> bool {
        while let Some((turn, slot)) = self.entries.front() {
            if slot.waits_since(*turn) {
                return true;
            }
            self.entries.pop_front();
        }
        false
    }
}

/// One connection's state.
#[derive(Debug)]
struct Slot {
    /// The turn under which it waits for a head, `BUSY` mid-request, or `GONE`.
    waiting_turn: AtomicU64,
    /// Requests whose head has arrived and whose response has not yet ended.
    in_flight: AtomicUsize,
    /// Fired to close the connection to make room; taken by whoever evicts it.
    evict: Mutex<Option<oneshot::Sender<()>>>,
}

impl Slot {
    fn waits_since(&self, turn: u64) -> bool {
        self.waiting_turn.load(Ordering::Acquire) == turn
    }
}

impl Waiting {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // The queue stays consistent between statements, so a panic elsewhere leaves it usable.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a connection that waits for its first head; the receiver fires if it is evicted.
    pub(super) fn register(this: &Arc<Waiting>) -> (TrackedConnection, oneshot::Receiver<()>) {
        let (evict, evicted) = oneshot::channel();
        let slot = Arc::new(Slot {
            waiting_turn: AtomicU64::new(BUSY),
            in_flight: AtomicUsize::new(0),
            evict: Mutex::new(Some(evict)),
        });
        {
            let mut queue = this.lock();
            queue.open += 1;
            queue.push(&slot);
        }
        this.began.notify_one();
        let tracked = TrackedConnection {
            waiting: Arc::clone(this),
            slot,
        };
        (tracked, evicted)
    }

    /// Whether any connection waits for a head.
    pub(super) fn any(&self) -> bool {
        self.lock().any_live()
    }

    /// Resolves when a connection may have begun to wait.
    pub(super) async fn appeared(&self) {
        self.began.notified().await;
    }

    /// Signals the connection that has waited longest for a head to close; false if none waits.
    pub(super) fn evict_longest(&self) -> bool {
        let mut queue = self.lock();
        while let Some((turn, slot)) = queue.entries.pop_front() {
            // Claimed with a swap from its turn, so a connection whose head arrived meanwhile
            // is passed over rather than cut mid-request.
            let claimed = slot
                .waiting_turn
                .compare_exchange(turn, GONE, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
            if !claimed {
                continue;
            }
            let sender = slot
                .evict
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(sender) = sender {
                // A connection whose task already ended cannot hold a slot either way.
                let _ = sender.send(());
            }
            return true;
        }
        false
    }

    fn begin_waiting(&self, slot: &Arc<Slot>) {
        self.lock().push(slot);
        self.began.notify_one();
    }
}

/// One connection's entry in [`Waiting`]; every request on the connection goes through it.
#[derive(Debug, Clone)]
pub(super) struct TrackedConnection {
    waiting: Arc<Waiting>,
    slot: Arc<Slot>,
}

impl TrackedConnection {
    /// Marks a request as begun until the returned guard drops.
    pub(super) fn busy(&self) -> Busy {
        self.slot.in_flight.fetch_add(1, Ordering::AcqRel);
        let current = self.slot.waiting_turn.load(Ordering::Acquire);
        if current != BUSY && current != GONE {
            // Losing this race to an eviction leaves the connection closing, as it should.
            let _ = self.slot.waiting_turn.compare_exchange(
                current,
                BUSY,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
        Busy(self.clone())
    }

    fn request_ended(&self) {
        let was = self.slot.in_flight.fetch_sub(1, Ordering::AcqRel);
        if was == 1 && self.slot.waiting_turn.load(Ordering::Acquire) == BUSY {
            self.waiting.begin_waiting(&self.slot);
        }
    }
}

/// Removes the connection from [`Waiting`] when its task ends, however it ends.
#[derive(Debug)]
pub(super) struct Registered(pub(super) TrackedConnection);

impl Drop for Registered {
    fn drop(&mut self) {
        self.0.slot.waiting_turn.store(GONE, Ordering::Release);
        let mut queue = self.0.waiting.lock();
        queue.open = queue.open.saturating_sub(1);
    }
}

/// A request in flight on a connection: from its head being parsed until its response body
/// ends or is dropped, or its handler is dropped unanswered.
#[derive(Debug)]
pub(super) struct Busy(TrackedConnection);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.request_ended();
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

    #[test]
    fn stale_entries_of_a_busy_keep_alive_connection_are_swept() {
        let waiting = Arc::new(Waiting::default());
        let (a, mut a_evicted) = Waiting::register(&waiting);
        for _ in 0..10_000 {
            drop(a.busy());
        }
        let held = waiting.lock().entries.len();
        assert!(held <= 2 + SLACK + 1, "{held} entries for one connection");
        assert!(waiting.evict_longest());
        assert!(evicted(&mut a_evicted));
        assert!(!waiting.any());
    }

    #[test]
    fn a_head_arriving_after_the_eviction_claim_does_not_revive_the_connection() {
        let waiting = Arc::new(Waiting::default());
        let (a, mut a_evicted) = Waiting::register(&waiting);
        assert!(waiting.evict_longest());
        let request = a.busy();
        drop(request);
        assert!(evicted(&mut a_evicted));
        assert!(!waiting.any(), "an evicted connection never waits again");
    }
}
