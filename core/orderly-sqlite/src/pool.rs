//! A small pool of reader connections. With WAL, readers see the last committed state and
//! run beside the writer without blocking it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use rusqlite::Connection;

pub(crate) struct ReaderPool {
    // Never empty: one connection is held outside the list.
    first: Mutex<Connection>,
    rest: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl ReaderPool {
    pub(crate) fn new(first: Connection, rest: Vec<Connection>) -> Self {
        ReaderPool {
            first: Mutex::new(first),
            rest: rest.into_iter().map(Mutex::new).collect(),
            next: AtomicUsize::new(0),
        }
    }

    pub(crate) fn size(&self) -> usize {
        self.rest.len() + 1
    }

    /// An idle reader if there is one, else waits for one (round robin, so waits spread).
    /// A panic while a connection was out cannot leave it inconsistent (statements reset on
    /// drop), so a poisoned slot is used as is.
    pub(crate) fn get(&self) -> MutexGuard<'_, Connection> {
        for slot in std::iter::once(&self.first).chain(&self.rest) {
            match slot.try_lock() {
                Ok(conn) => return conn,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.size();
        let slot = n
            .checked_sub(1)
            .and_then(|i| self.rest.get(i))
            .unwrap_or(&self.first);
        slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
