//! Group commit: concurrent writes share one transaction and one sync.
//!
//! Every write runs on the single writer connection, in a savepoint of the batch transaction
//! that is open at the time. A writer that finds others queued for the connection leaves the
//! batch open for them and waits; the last one in (no writer queued, or the batch full) commits
//! once, with the one sync `synchronous=FULL` makes, and wakes the others. While a commit
//! syncs, new writers queue on the connection and form the next batch.
//!
//! Each writer gets its own savepoint's outcome, and only after the commit holding it
//! succeeded: no answer leaves before its sync. A write that fails is rolled back to its
//! savepoint alone; its neighbours keep theirs. If the commit itself fails, nothing of the
//! batch is kept and every member gets that failure (transient, so callers retry as a whole).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use orderly_core::StoreError;
use parking_lot::{Condvar, FairMutex, FairMutexGuard, MappedFairMutexGuard, Mutex};
use rusqlite::Connection;

use crate::error::OpError;

/// How a write's own work ends.
pub(crate) enum Finish<T> {
    Commit(T),
    /// Nothing the write did is kept (it found that it must not write).
    Rollback(T),
}

/// How long a member waits for its batch's commit before checking that the batch is not
/// orphaned (its would-be committer unwound); a commit normally wakes it long before.
const ORPHAN_CHECK: Duration = Duration::from_millis(100);

/// Counts since the store was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    /// Commits made (each one sync under `synchronous=FULL`).
    pub commits: u64,
    /// Writes those commits carried.
    pub writes: u64,
    /// The most writes one commit carried.
    pub largest_batch: u64,
}

/// The writer connection with group commit.
pub(crate) struct GroupWriter {
    writer: FairMutex<Writer>,
    /// Writers waiting for the connection: while any are, the batch stays open for them.
    queued: AtomicUsize,
    finished: Mutex<HashMap<u64, Finished>>,
    committed: Condvar,
    max_batch: usize,
    commits: AtomicU64,
    writes: AtomicU64,
    largest: AtomicU64,
}

struct Writer {
    conn: Connection,
    batch: Option<Batch>,
    next_epoch: u64,
}

struct Batch {
    epoch: u64,
    /// Writes in the batch.
    members: usize,
    /// Members that left the connection to wait for the commit: exactly the readers of its
    /// outcome (a member that unwound mid-write never waits, so it is not counted).
    waiters: usize,
}

/// A committed (or failed) batch whose waiting members have not all read the outcome yet.
struct Finished {
    outcome: Result<(), StoreError>,
    unread: usize,
}

impl GroupWriter {
    /// `max_batch` 1 commits every write on its own (for an in-memory database, where there
    /// is no sync to share and reads use this same connection).
    pub(crate) fn new(conn: Connection, max_batch: usize) -> Self {
        GroupWriter {
            writer: FairMutex::new(Writer {
                conn,
                batch: None,
                next_epoch: 0,
            }),
            queued: AtomicUsize::new(0),
            finished: Mutex::new(HashMap::new()),
            committed: Condvar::new(),
            max_batch: max_batch.max(1),
            commits: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            largest: AtomicU64::new(0),
        }
    }

    /// The connection, with no batch open (for reads of an in-memory store, and tests).
    pub(crate) fn connection(&self) -> MappedFairMutexGuard<'_, Connection> {
        FairMutexGuard::map(self.writer.lock(), |w| &mut w.conn)
    }

    pub(crate) fn stats(&self) -> GroupCommitStats {
        GroupCommitStats {
            commits: self.commits.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            largest_batch: self.largest.load(Ordering::Relaxed),
        }
    }

    /// Runs `op` in the open batch and returns its outcome once the batch is committed.
    pub(crate) fn write<T>(
        &self,
        mut op: impl FnMut(&Connection) -> Result<Finish<T>, OpError>,
    ) -> Result<T, StoreError> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut writer = self.writer.lock();
        self.queued.fetch_sub(1, Ordering::SeqCst);

        let epoch = writer.join_batch().map_err(OpError::into_store_error)?;
        let own = match run_in_savepoint(&writer.conn, &mut op) {
            Ok(own) => own,
            Err(broken) => {
                // The savepoint machinery itself failed: the batch cannot be trusted.
                let failure = broken.into_store_error();
                let waiters = writer.abort();
                drop(writer);
                self.publish(epoch, waiters, Err(failure.clone()));
                return Err(failure);
            }
        };
        let members = writer.batch.as_ref().map_or(1, |b| b.members);
        if self.queued.load(Ordering::SeqCst) == 0 || members >= self.max_batch {
            let (members, waiters, outcome) = writer.commit();
            drop(writer);
            self.record(members);
            self.publish(epoch, waiters, outcome.clone());
            outcome?;
        } else {
            if let Some(batch) = writer.batch.as_mut() {
                batch.waiters += 1;
            }
            drop(writer);
            self.wait_for(epoch)?;
        }
        own.map_err(OpError::into_store_error)
    }

    /// Makes a batch's outcome readable by the members waiting for it.
    fn publish(&self, epoch: u64, waiters: usize, outcome: Result<(), StoreError>) {
        if waiters == 0 {
            return;
        }
        self.finished.lock().insert(
            epoch,
            Finished {
                outcome,
                unread: waiters,
            },
        );
        self.committed.notify_all();
    }

    fn wait_for(&self, epoch: u64) -> Result<(), StoreError> {
        let mut finished = self.finished.lock();
        loop {
            if let Some(entry) = finished.get_mut(&epoch) {
                let outcome = entry.outcome.clone();
                entry.unread = entry.unread.saturating_sub(1);
                if entry.unread == 0 {
                    finished.remove(&epoch);
                }
                return outcome;
            }
            if self
                .committed
                .wait_for(&mut finished, ORPHAN_CHECK)
                .timed_out()
            {
                drop(finished);
                self.commit_if_orphaned(epoch);
                finished = self.finished.lock();
            }
        }
    }

    /// Commits `epoch` if it is still open with nobody at the connection: its last member
    /// unwound before committing, or a writer counted as queued has not reached the connection
    /// yet. Normal batches are committed by their last member.
    fn commit_if_orphaned(&self, epoch: u64) {
        let Some(mut writer) = self.writer.try_lock() else {
            return;
        };
        if writer.batch.as_ref().is_some_and(|b| b.epoch == epoch) {
            let (members, waiters, outcome) = writer.commit();
            drop(writer);
            self.record(members);
            // This caller is one of the waiters: it reads the outcome like the others.
            self.publish(epoch, waiters, outcome);
        }
    }

    fn record(&self, members: usize) {
        let members = u64::try_from(members).unwrap_or(u64::MAX);
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.writes.fetch_add(members, Ordering::Relaxed);
        self.largest.fetch_max(members, Ordering::Relaxed);
    }
}

impl Writer {
    /// Joins the open batch, or opens one (`BEGIN IMMEDIATE`, waiting out another process's
    /// lock); counts the caller in and returns the batch's epoch.
    fn join_batch(&mut self) -> Result<u64, OpError> {
        if self.batch.is_none() {
            // Busy past the busy timeout fails the call as contention, which the engine
            // retries as a whole if its deadline allows.
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.batch = Some(Batch {
                epoch: self.next_epoch,
                members: 0,
                waiters: 0,
            });
            self.next_epoch += 1;
        }
        let batch = self
            .batch
            .as_mut()
            .ok_or_else(|| OpError::Corrupt("no open batch".into()))?;
        batch.members += 1;
        Ok(batch.epoch)
    }

    /// Commits the open batch; returns how many writes it held, how many members wait for the
    /// outcome, and the outcome.
    fn commit(&mut self) -> (usize, usize, Result<(), StoreError>) {
        let (members, waiters) = self.batch.take().map_or((0, 0), |b| (b.members, b.waiters));
        let outcome = self.conn.execute_batch("COMMIT").map_err(|e| {
            // A failed COMMIT may leave the transaction open: end it, keeping nothing.
            let _ = self.conn.execute_batch("ROLLBACK");
            OpError::Sql(e).into_store_error()
        });
        (members, waiters, outcome)
    }

    /// Rolls the open batch back; returns how many members wait for its outcome.
    fn abort(&mut self) -> usize {
        let waiters = self.batch.take().map_or(0, |b| b.waiters);
        let _ = self.conn.execute_batch("ROLLBACK");
        waiters
    }
}

/// Runs `op` in a savepoint. The outer `Err` is a broken savepoint (the batch is unusable);
/// the inner result is the write's own outcome, its changes kept only on `Finish::Commit`.
fn run_in_savepoint<T>(
    conn: &Connection,
    op: &mut impl FnMut(&Connection) -> Result<Finish<T>, OpError>,
) -> Result<Result<T, OpError>, OpError> {
    conn.execute_batch("SAVEPOINT orderly_write")?;
    let mut guard = SavepointGuard { conn, open: true };
    let outcome = op(conn);
    let keep = matches!(outcome, Ok(Finish::Commit(_)));
    guard.open = false;
    if keep {
        conn.execute_batch("RELEASE orderly_write")?;
    } else if let Err(rollback) =
        conn.execute_batch("ROLLBACK TO orderly_write; RELEASE orderly_write")
    {
        // Some failures (a full disk, an I/O error) make SQLite roll the whole transaction
        // back, savepoint included: the batch is lost, and the cause is the write's own error,
        // not the missing savepoint.
        return Err(outcome.err().unwrap_or_else(|| rollback.into()));
    }
    Ok(outcome.map(|finish| match finish {
        Finish::Commit(value) | Finish::Rollback(value) => value,
    }))
}

/// Rolls a savepoint back if its write unwinds, so a panic never leaves half a write in the
/// batch for the next member to commit.
struct SavepointGuard<'a> {
    conn: &'a Connection,
    open: bool,
}

impl Drop for SavepointGuard<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self
                .conn
                .execute_batch("ROLLBACK TO orderly_write; RELEASE orderly_write");
        }
    }
}

#[cfg(test)]
mod tests;
