//! The bounded pool for engine calls that write: at most `size` run at once (each on a thread
//! of Tokio's blocking pool), at most `queue` wait for one of them, and any call beyond is
//! refused at once with 503 `overloaded` rather than queued without bound. Store reads have the
//! same bound on the read threads' queue ([`ReadPool`](crate::read_pool::ReadPool)).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::problem::Problem;

#[derive(Debug)]
pub struct StorePool {
    running: Arc<Semaphore>,
    size: usize,
    waiting: AtomicUsize,
    queue: usize,
}

/// A place in the pool, held while the call runs.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl StorePool {
    /// `size` calls at once (at least 1), `queue` waiting.
    pub fn new(size: usize, queue: usize) -> Self {
        let size = size.max(1);
        StorePool {
            running: Arc::new(Semaphore::new(size)),
            size,
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Calls waiting for a slot right now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// A slot now, or after the calls ahead of this one; `overloaded` when `queue` calls wait
    /// already.
    pub async fn admit(&self) -> Result<Slot, Problem> {
        if let Ok(permit) = self.running.clone().try_acquire_owned() {
            return Ok(Slot { _permit: permit });
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Problem::overloaded(format!(
                "{} store calls are running and {} waiting",
                self.size, self.queue
            )));
        }
        // Counted out again however the wait ends, the request being dropped included.
        let _waiting = Waiting(&self.waiting);
        self.running
            .clone()
            .acquire_owned()
            .await
            .map(|permit| Slot { _permit: permit })
            .map_err(|_| Problem::internal("the store pool is closed"))
    }
}

struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_past_the_pool_and_its_queue_are_shed_not_queued() {
        let pool = Arc::new(StorePool::new(2, 1));
        let a = pool.admit().await.unwrap();
        let _b = pool.admit().await.unwrap();
        // The third waits for a slot; the fourth finds the queue full.
        let waiter = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.admit().await.map(drop) })
        };
        while pool.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        let shed = pool.admit().await.unwrap_err();
        assert_eq!((shed.status().as_u16(), shed.code()), (503, "overloaded"));
        drop(a);
        waiter.await.unwrap().unwrap();
        assert_eq!(pool.waiting(), 0);
        // Room again once the queue drained.
        drop(pool.admit().await.unwrap());
    }

    #[tokio::test]
    async fn a_waiter_that_goes_away_leaves_its_place() {
        let pool = Arc::new(StorePool::new(1, 1));
        let _held = pool.admit().await.unwrap();
        let gone = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.admit().await.map(drop) })
        };
        while pool.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        gone.abort();
        let _ = gone.await;
        assert_eq!(pool.waiting(), 0);
    }
}
