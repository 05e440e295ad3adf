//! A few dedicated threads for engine reads.
//!
//! Tokio's blocking pool grows a thread per concurrent call and wakes an idle one for every
//! call: under load each read paid a thread wake-up and a context switch, which cost more than
//! the read itself (a primary-key lookup in SQLite's page cache). Here a fixed set of threads
//! shares one queue: a thread that finishes a job takes the next without sleeping, and a
//! thread is woken only when a job arrives while some thread is idle. Reads are short and
//! bounded by the store's own connection pool, so a few threads serve them all; calls that
//! wait on the network (the Cart Service) stay on Tokio's blocking pool.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use orderly::store::StoreCapabilities;

/// Read threads on stores whose reads wait on a network (MySQL, or any store behind a remote
/// cache), unless told otherwise.
pub const NETWORK_STORE_READ_THREADS: u16 = 4;

/// At most this many read threads on a local store (SQLite) by default.
pub const SQLITE_MAX_READ_THREADS: u16 = 4;

/// How many read threads a server on a store with `capabilities` runs unless told otherwise.
///
/// A local read (SQLite) is CPU work: one thread per core, at most one per read connection.
/// More threads than cores only take turns on them (measured in BENCHMARKS.md, "HTTP load on
/// SQLite"), and more than the read connections only wait for one. Reads that wait on the network (a database server, a cache
/// in front of any store) get [`NETWORK_STORE_READ_THREADS`] whatever the cores; raise it with
/// the pool size when the database is far away.
pub fn default_read_threads(capabilities: &StoreCapabilities) -> u16 {
    if capabilities.reads_wait_on_network {
        return NETWORK_STORE_READ_THREADS;
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let connections = capabilities
        .max_concurrent_reads
        .unwrap_or(usize::from(SQLITE_MAX_READ_THREADS));
    let threads = cores
        .min(connections)
        .min(usize::from(SQLITE_MAX_READ_THREADS));
    u16::try_from(threads.max(1)).unwrap_or(SQLITE_MAX_READ_THREADS)
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The threads and their queue. Dropping the pool lets the threads finish the queued jobs and
/// exit.
#[derive(Debug)]
pub struct ReadPool {
    shared: Arc<Shared>,
    threads: usize,
    max_queued: usize,
}

/// The queue is full: the job was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{queued} store reads are waiting for a read thread")]
pub struct Saturated {
    pub queued: usize,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    job_arrived: Condvar,
    /// `queue.jobs.len()`, readable without the lock by threads about to go idle.
    queued: AtomicUsize,
    /// Threads running a job right now.
    running: AtomicUsize,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    idle: usize,
    closed: bool,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("jobs", &self.jobs.len())
            .field("idle", &self.idle)
            .field("closed", &self.closed)
            .finish()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Jobs run outside the lock, so a poisoned lock only means a panic in this file's
        // few lines; the queue itself is still consistent.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ReadPool {
    /// Starts `threads` threads (at least one) whose queue holds at most `max_queued` jobs.
    pub fn new(threads: u16, max_queued: usize) -> std::io::Result<Self> {
        let threads = usize::from(threads.max(1));
        let shared = Arc::new(Shared::default());
        for i in 0..threads {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("orderly-read-{i}"))
                .spawn(move || work(&shared))?;
        }
        Ok(ReadPool {
            shared,
            threads,
            max_queued,
        })
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Queues `job`; one of the threads runs it. A job that panics does not take its thread
    /// down (whoever waits for its result sees it never come). With `max_queued` jobs waiting
    /// already, the job is refused: a queue that grows without bound only turns overload into
    /// timeouts for everyone.
    pub fn submit(&self, job: impl FnOnce() + Send + 'static) -> Result<(), Saturated> {
        let mut queue = self.shared.lock();
        // Jobs that an idle thread is about to take are not waiting.
        if queue.jobs.len() >= self.max_queued.saturating_add(queue.idle) {
            return Err(Saturated {
                queued: queue.jobs.len(),
            });
        }
        queue.jobs.push_back(Box::new(job));
        self.shared.queued.fetch_add(1, Ordering::Release);
        let someone_sleeps = queue.idle > 0;
        drop(queue);
        if someone_sleeps {
            self.shared.job_arrived.notify_one();
        }
        Ok(())
    }
}

impl Drop for ReadPool {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.job_arrived.notify_all();
    }
}

fn work(shared: &Shared) {
    let mut queue = shared.lock();
    loop {
        if let Some(job) = queue.jobs.pop_front() {
            shared.queued.fetch_sub(1, Ordering::Release);
            drop(queue);
            shared.running.fetch_add(1, Ordering::AcqRel);
            // The job's own channel reports the failure; the thread goes on.
            let _ = catch_unwind(AssertUnwindSafe(job));
            let others_running = shared.running.fetch_sub(1, Ordering::AcqRel) > 1;
            if others_running {
                linger(shared);
            }
            queue = shared.lock();
        } else if queue.closed {
            return;
        } else {
            queue.idle += 1;
            queue = shared
                .job_arrived
                .wait(queue)
                .unwrap_or_else(|p| p.into_inner());
            queue.idle -= 1;
        }
    }
}

/// After a job, while other threads are still running theirs, watch the queue for a moment
/// before going to sleep: reads then arrive faster than one thread serves them, the next job
/// comes within microseconds, and taking it awake saves the submitter's wake-up call and this
/// thread's two context switches. A short spin, then a few yields, so that the wait never
/// keeps the async workers off a core for long on a machine with few of them.
///
/// A thread that was the only one at work sleeps at once: the next read is then a whole
/// round trip away (the answer goes back to the client, which sends the next request), and
/// lingering would only hold a core that the async workers need to make that happen
/// (measured in BENCHMARKS.md, "HTTP load on SQLite").
fn linger(shared: &Shared) {
    for round in 0..LINGER_SPINS + LINGER_YIELDS {
        if shared.queued.load(Ordering::Acquire) > 0 {
            return;
        }
        if round < LINGER_SPINS {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

const LINGER_SPINS: u32 = 64;
const LINGER_YIELDS: u32 = 8;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn every_job_runs_once_across_the_threads() {
        let pool = ReadPool::new(3, usize::MAX).unwrap();
        let (tx, rx) = mpsc::channel();
        for i in 0..1000 {
            let tx = tx.clone();
            pool.submit(move || tx.send(i).unwrap()).unwrap();
        }
        let mut seen: Vec<i32> = (0..1000)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn sqlite_gets_a_thread_per_core_up_to_its_read_connections_others_a_fixed_few() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let expected = cores.min(usize::from(SQLITE_MAX_READ_THREADS));
        let sqlite = StoreCapabilities::local(4);
        assert_eq!(usize::from(default_read_threads(&sqlite)), expected);
        assert_eq!(default_read_threads(&StoreCapabilities::local(1)), 1);
        let mysql = StoreCapabilities::networked(16);
        assert_eq!(default_read_threads(&mysql), NETWORK_STORE_READ_THREADS);
        // A cache in front of SQLite: reads wait on the cache server.
        let cached = sqlite.with_reads_over_network();
        assert_eq!(default_read_threads(&cached), NETWORK_STORE_READ_THREADS);
    }

    #[test]
    fn finished_and_panicked_jobs_leave_no_thread_counted_as_running() {
        let pool = ReadPool::new(2, usize::MAX).unwrap();
        let (tx, rx) = mpsc::channel();
        for i in 1..=30 {
            let tx = tx.clone();
            pool.submit(move || {
                assert_ne!(i % 10, 0, "every tenth job panics");
                tx.send(i).unwrap();
            })
            .unwrap();
        }
        drop(tx);
        assert_eq!(rx.iter().count(), 27);
        // The last sender went with the last job; its thread decrements right after.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while pool.shared.running.load(Ordering::Acquire) != 0 {
            assert!(std::time::Instant::now() < deadline, "a job stayed counted");
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_panicking_job_leaves_its_thread_serving() {
        let pool = ReadPool::new(1, usize::MAX).unwrap();
        let (tx, rx) = mpsc::channel();
        let dropped = tx.clone();
        pool.submit(move || {
            let _keep = dropped;
            panic!("boom");
        })
        .unwrap();
        pool.submit(move || tx.send("after").unwrap()).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), "after");
        assert_eq!(pool.threads(), 1);
    }

    #[test]
    fn dropping_the_pool_runs_what_was_queued_and_stops_the_threads() {
        let pool = ReadPool::new(2, usize::MAX).unwrap();
        let (tx, rx) = mpsc::channel();
        for i in 0..50 {
            let tx = tx.clone();
            pool.submit(move || {
                std::thread::sleep(Duration::from_micros(100));
                tx.send(i).unwrap();
            })
            .unwrap();
        }
        drop(tx);
        drop(pool);
        // Every job ran, then every sender (held by the jobs) was dropped: the channel ends.
        assert_eq!(rx.iter().count(), 50);
    }

    #[test]
    fn a_full_queue_refuses_jobs_instead_of_growing() {
        let pool = ReadPool::new(1, 2).unwrap();
        let (started, wait) = mpsc::channel();
        let (release, hold) = mpsc::channel::<()>();
        pool.submit(move || {
            started.send(()).unwrap();
            hold.recv().unwrap();
        })
        .unwrap();
        wait.recv_timeout(Duration::from_secs(10)).unwrap();
        // The thread is busy: two jobs may wait, a third is refused.
        let (tx, rx) = mpsc::channel();
        for i in 0..2 {
            let tx = tx.clone();
            pool.submit(move || tx.send(i).unwrap()).unwrap();
        }
        assert_eq!(pool.submit(|| {}), Err(Saturated { queued: 2 }));
        release.send(()).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 0);
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 1);
        pool.submit(|| {}).unwrap();
    }
}
