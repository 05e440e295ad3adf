//! Bounded, jittered retries for transient store failures: at most `store_attempts` attempts,
//! none started after `store_retry_budget`. Safe because every retried call is either a read or
//! a write guarded by an idempotency key or an expected version.

use std::time::{Duration, Instant};

use crate::error::{OrderlyError, Result, StoreError};

use super::OrderService;

impl OrderService {
    pub(super) fn with_retry<T>(
        &self,
        mut call: impl FnMut() -> Result<T, StoreError>,
    ) -> Result<T> {
        let attempts = self.config.store_attempts.max(1);
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            match call() {
                Err(e) if e.is_transient() && attempt < attempts => {
                    // 5 ms, 10 ms, 20 ms ... capped at 200 ms, each with up to 100 % jitter.
                    let base = 5u64.saturating_mul(1 << attempt.min(6)).min(200);
                    let pause = Duration::from_millis(base + fastrand::u64(0..=base));
                    if started.elapsed() + pause >= self.config.store_retry_budget {
                        return Err(e.into());
                    }
                    std::thread::sleep(pause);
                    attempt += 1;
                }
                other => return other.map_err(OrderlyError::from),
            }
        }
    }
}
