//! Bounded, jittered retries when another connection holds a lock (`SQLITE_BUSY`,
//! `SQLITE_LOCKED`). Each attempt already waits up to the busy timeout inside SQLite; between
//! attempts the store backs off briefly. After the last attempt the failure surfaces as
//! `StoreErrorKind::Contention`, which callers may retry as a whole.

use std::time::Duration;

use crate::error::OpError;

/// Attempts per operation, the first included.
pub(crate) const ATTEMPTS: u32 = 4;

/// Runs `op` until it succeeds, fails for a reason other than a lock, or runs out of attempts.
pub(crate) fn on_busy<T>(mut op: impl FnMut() -> Result<T, OpError>) -> Result<T, OpError> {
    let mut attempt = 1;
    loop {
        match op() {
            Err(e) if e.is_busy() && attempt < ATTEMPTS => {
                std::thread::sleep(backoff(attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// 10, 20, 40 ms ... each plus up to 100 % jitter, so that waiting writers spread out.
fn backoff(attempt: u32) -> Duration {
    let base = 10u64 << attempt.saturating_sub(1).min(4);
    Duration::from_millis(base + fastrand::u64(0..=base))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn busy() -> OpError {
        OpError::Sql(rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_BUSY),
            None,
        ))
    }

    #[test]
    fn retries_busy_then_succeeds() {
        let mut calls = 0;
        let out = on_busy(|| {
            calls += 1;
            if calls < 3 { Err(busy()) } else { Ok(calls) }
        });
        assert_eq!(out.unwrap(), 3);
    }

    #[test]
    fn gives_up_after_the_last_attempt_and_does_not_retry_other_errors() {
        let mut calls = 0;
        let started = std::time::Instant::now();
        let out: Result<(), _> = on_busy(|| {
            calls += 1;
            Err(busy())
        });
        assert!(out.unwrap_err().is_busy());
        assert_eq!(calls, ATTEMPTS);
        assert!(started.elapsed() < Duration::from_millis(500));

        let mut calls = 0;
        let out: Result<(), _> = on_busy(|| {
            calls += 1;
            Err(OpError::corrupt("x"))
        });
        assert!(out.is_err());
        assert_eq!(calls, 1);
    }
}
