//! Pauses between attempts: exponential with jitter, so that many clients retrying at once
//! do not hit a recovering service in lockstep.

use std::time::Duration;

const FIRST_PAUSE_MS: u64 = 25;
const MAX_PAUSE_MS: u64 = 400;

/// The pause after failed attempt `attempt` (1-based): between half and all of
/// 25 ms × 2^(attempt-1), capped at 400 ms.
pub(super) fn pause_after(attempt: u32) -> Duration {
    let doubling = attempt.saturating_sub(1).min(16);
    let full = FIRST_PAUSE_MS
        .saturating_mul(1u64 << doubling)
        .min(MAX_PAUSE_MS);
    Duration::from_millis(fastrand::u64(full / 2..=full))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_stay_bounded() {
        for _ in 0..100 {
            let first = pause_after(1);
            assert!((12..=25).contains(&first.as_millis()), "{first:?}");
            let third = pause_after(3);
            assert!((50..=100).contains(&third.as_millis()), "{third:?}");
            let late = pause_after(40);
            assert!((200..=400).contains(&late.as_millis()), "{late:?}");
        }
    }
}
