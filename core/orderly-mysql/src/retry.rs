//! Bounded, jittered retries of whole transactions.
//!
//! A transaction that hit a deadlock, a lock-wait timeout or a lost connection has rolled back
//! whole (or, for a lost connection, is re-checked by the retry itself: an order's idempotency
//! key and a change's event id make a second attempt find the first one's commit). So the store
//! simply runs it again on a fresh connection, a few times, with growing jittered pauses. If it
//! still fails, the transient error reaches the engine, which has its own bounded retry.

use std::time::Duration;

use orderly_core::StoreError;

/// Attempts per store call, including the first.
pub(crate) const ATTEMPTS: u32 = 3;

/// Pause before retry number `attempt` (1-based): 4 ms, 8 ms, 16 ms ... capped at 100 ms, plus
/// up to as much again of jitter so that colliding transactions do not collide again.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let base = 2u64.saturating_mul(1 << attempt.min(6)).min(100);
    Duration::from_millis(base + fastrand::u64(0..=base))
}

/// Runs `call` until it succeeds, fails for good, or runs out of attempts.
pub(crate) fn retrying<T>(
    mut call: impl FnMut(u32) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut attempt = 1;
    loop {
        match call(attempt) {
            Err(e) if e.is_transient() && attempt < ATTEMPTS => {
                std::thread::sleep(backoff(attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderly_core::StoreErrorKind;

    #[test]
    fn transient_errors_are_retried_a_bounded_number_of_times() {
        let mut calls = 0;
        let result: Result<(), _> = retrying(|_| {
            calls += 1;
            Err(StoreError::new(
                StoreErrorKind::Contention,
                "mysql",
                "deadlock",
            ))
        });
        assert_eq!(result.map_err(|e| e.kind), Err(StoreErrorKind::Contention));
        assert_eq!(calls, ATTEMPTS);

        let mut calls = 0;
        let result = retrying(|attempt| {
            calls += 1;
            if attempt < 2 {
                Err(StoreError::new(StoreErrorKind::Connection, "mysql", "lost"))
            } else {
                Ok(attempt)
            }
        });
        assert_eq!(result, Ok(2));
        assert_eq!(calls, 2);
    }

    #[test]
    fn permanent_errors_are_not_retried() {
        let mut calls = 0;
        let result: Result<(), _> = retrying(|_| {
            calls += 1;
            Err(StoreError::new(
                StoreErrorKind::Corrupt,
                "mysql",
                "bad json",
            ))
        });
        assert!(result.is_err());
        assert_eq!(calls, 1);
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for attempt in 1..20 {
            let d = backoff(attempt);
            assert!(d <= Duration::from_millis(200), "{d:?}");
            assert!(d >= Duration::from_millis(4), "{d:?}");
        }
    }
}
