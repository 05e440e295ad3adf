//! When a failed delivery is tried again, and when it stops: the project's one
//! [`RetryPolicy`] gives the jittered exponential pauses, the window ends the series.

use std::time::Duration;

use crate::clock::Timestamp;
use crate::retry::RetryPolicy;

/// The retry schedule of webhook deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySchedule {
    /// The pauses: `first_delay` doubling to `max_delay`, jittered by [`RetryPolicy::delay`].
    pub pauses: RetryPolicy,
    /// How long a series of attempts goes on before the delivery fails: at least 24 hours in
    /// production; tests shorten it.
    pub window: Duration,
}

impl Default for DeliverySchedule {
    /// Pauses from 5 s doubling to 1 h, for 24 hours.
    fn default() -> Self {
        DeliverySchedule::new(Duration::from_secs(24 * 3600))
    }
}

impl DeliverySchedule {
    /// Pauses from 5 s doubling to 1 h, over `window`.
    pub fn new(window: Duration) -> Self {
        DeliverySchedule {
            pauses: RetryPolicy::new(u32::MAX, window)
                .with_delays(Duration::from_secs(5), Duration::from_secs(3600)),
            window,
        }
    }

    /// Sets the first and the longest pause (before jitter).
    #[must_use]
    pub fn with_pauses(mut self, first: Duration, max: Duration) -> Self {
        self.pauses = self.pauses.with_delays(first, max);
        self
    }

    /// When to try again after the `failures`-th failed attempt (1-based) of a series that
    /// started at `series_start`, the failure having happened at `now`; `None` when the
    /// window is over. The last retry is due when the window ends, so a series always spans
    /// the whole window.
    pub fn next_attempt(
        &self,
        series_start: Timestamp,
        failures: u32,
        now: Timestamp,
    ) -> Option<Timestamp> {
        let end = series_start.plus_millis(millis(self.window));
        if now >= end {
            return None;
        }
        let next = now.plus_millis(millis(self.pauses.delay(failures)));
        Some(next.min(end))
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_the_window_ends_the_series() {
        let schedule = DeliverySchedule::default();
        let start = Timestamp::from_unix_millis(1_000_000);
        let first = schedule.next_attempt(start, 1, start);
        assert!(
            first.is_some_and(|t| t >= start.plus_millis(2_500) && t <= start.plus_millis(5_000))
        );
        let tenth = schedule.next_attempt(start, 10, start);
        assert!(tenth.is_some_and(|t| t >= start.plus_millis(1_280_000)));
        let day = 24 * 3600 * 1000;
        let late = start.plus_millis(day - 1);
        assert_eq!(
            schedule.next_attempt(start, 30, late),
            Some(start.plus_millis(day))
        );
        assert_eq!(
            schedule.next_attempt(start, 31, start.plus_millis(day)),
            None
        );
    }
}
