//! The one retry policy: a bounded number of attempts inside a deadline, with jittered
//! exponential pauses between them.
//!
//! Every caller that retries uses it: the engine around store calls (whose stores do not retry
//! on their own, so retries never nest), the server's Cart Service client and the outbox relay.
//! A [`RetryPolicy`] is plain numbers; [`RetryPolicy::start`] begins one call and yields a
//! [`Retry`], which answers "may another attempt start, and after what pause?". Synchronous
//! callers hand their operation to [`RetryPolicy::run`], which sleeps the thread between
//! attempts; async callers ask [`Retry::next_delay`] and sleep on their runtime's timer.
//!
//! An attempt starts only if the pause before it plus the longest an attempt may take
//! (`attempt_time`) still fits before the deadline, so a call whose every attempt is bounded
//! by `attempt_time` never runs past its deadline.

use std::time::{Duration, Instant};

/// How often and for how long a call is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts at most, the first included (at least 1 is always made).
    pub max_attempts: u32,
    /// Time from the first attempt's start within which every attempt must end.
    pub budget: Duration,
    /// The longest one attempt may take; an attempt that cannot finish before the deadline is
    /// not started.
    pub attempt_time: Duration,
    /// The pause after the first failure, before jitter; it doubles after each failure.
    pub first_delay: Duration,
    /// The longest pause, before jitter.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// `max_attempts` within `budget`, pauses from 10 ms doubling to 200 ms, attempts assumed
    /// instant (set [`attempt_time`](Self::attempt_time) when they can wait).
    pub const fn new(max_attempts: u32, budget: Duration) -> Self {
        RetryPolicy {
            max_attempts,
            budget,
            attempt_time: Duration::ZERO,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
        }
    }

    /// Sets [`attempt_time`](Self::attempt_time): the time one attempt may take.
    pub const fn with_attempt_time(mut self, attempt_time: Duration) -> Self {
        self.attempt_time = attempt_time;
        self
    }

    /// Sets the first and the longest pause.
    pub const fn with_delays(mut self, first: Duration, max: Duration) -> Self {
        self.first_delay = first;
        self.max_delay = max;
        self
    }

    /// The un-jittered pause after `failures` failed attempts (1-based): `first_delay` doubled
    /// `failures - 1` times, capped at `max_delay`.
    pub fn ceiling(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.first_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }

    /// The pause after `failures` failed attempts: a random point in the upper half of
    /// [`ceiling`](Self::ceiling), so that callers failing together do not retry in lockstep
    /// and none retries much sooner than the schedule says.
    pub fn delay(&self, failures: u32) -> Duration {
        jittered(self.ceiling(failures), fastrand::u64(..))
    }

    /// Begins a call now.
    pub fn start(&self) -> Retry {
        self.start_at(Instant::now())
    }

    /// Begins a call at `now`.
    pub fn start_at(&self, now: Instant) -> Retry {
        Retry {
            policy: *self,
            // A budget too long to represent is no deadline at all.
            deadline: now.checked_add(self.budget),
            attempts: 1,
        }
    }

    /// Runs `op` until it succeeds, fails with an error `retryable` rejects, or no further
    /// attempt fits the policy; sleeps the thread between attempts. Returns the last result.
    pub fn run<T, E>(
        &self,
        retryable: impl Fn(&E) -> bool,
        mut op: impl FnMut(&Retry) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut retry = self.start();
        loop {
            match op(&retry) {
                Err(e) if retryable(&e) => match retry.next_delay() {
                    Some(pause) => std::thread::sleep(pause),
                    None => return Err(e),
                },
                other => return other,
            }
        }
    }
}

/// One call under a [`RetryPolicy`]: its deadline and how many attempts it has made.
#[derive(Debug, Clone)]
pub struct Retry {
    policy: RetryPolicy,
    deadline: Option<Instant>,
    attempts: u32,
}

impl Retry {
    /// When every attempt must have ended (`None` when the budget is too long to matter).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Time left until the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.map_or(Duration::MAX, |d| {
            d.saturating_duration_since(Instant::now())
        })
    }

    /// Attempts made or under way, the first included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// After a failed attempt: the pause before the next one, or `None` when no further
    /// attempt may start (attempts used up, or it could not end before the deadline).
    pub fn next_delay(&mut self) -> Option<Duration> {
        self.next_delay_at(Instant::now())
    }

    /// [`next_delay`](Self::next_delay) as of `now`.
    pub fn next_delay_at(&mut self, now: Instant) -> Option<Duration> {
        if self.attempts >= self.policy.max_attempts {
            return None;
        }
        let pause = self.policy.delay(self.attempts);
        if let Some(deadline) = self.deadline {
            let next_ends = now
                .checked_add(pause)?
                .checked_add(self.policy.attempt_time)?;
            if next_ends > deadline {
                return None;
            }
        }
        self.attempts += 1;
        Some(pause)
    }
}

/// The pauses between attempts, until no further attempt may start: async callers sleep on
/// each one on their own timer, then make the next attempt.
impl Iterator for Retry {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        self.next_delay()
    }
}

/// `ceiling / 2 + random % (ceiling / 2)`, at millisecond resolution below a millisecond.
fn jittered(ceiling: Duration, random: u64) -> Duration {
    let half = ceiling / 2;
    let span = u64::try_from(half.as_micros()).unwrap_or(u64::MAX);
    match random.checked_rem(span.saturating_add(1)) {
        Some(extra) => half + Duration::from_micros(extra),
        None => half,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MS: Duration = Duration::from_millis(1);

    fn policy() -> RetryPolicy {
        RetryPolicy::new(5, Duration::from_secs(2)).with_delays(25 * MS, 400 * MS)
    }

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let p = policy();
        let ceilings: Vec<_> = (1..=7).map(|n| p.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, vec![25, 50, 100, 200, 400, 400, 400]);
        assert_eq!(p.ceiling(u32::MAX), 400 * MS);
    }

    proptest! {
        #[test]
        fn a_delay_lies_in_the_upper_half_of_its_ceiling(failures in 0u32..100, random: u64) {
            let p = policy();
            let ceiling = p.ceiling(failures);
            let d = jittered(ceiling, random);
            prop_assert!(d >= ceiling / 2 && d <= ceiling, "{d:?} for {ceiling:?}");
        }

        #[test]
        fn no_attempt_is_allowed_that_could_end_past_the_deadline(
            attempt_ms in 0u64..3000,
            steps in proptest::collection::vec(0u64..1500, 1..10),
        ) {
            let p = policy().with_attempt_time(Duration::from_millis(attempt_ms));
            let start = Instant::now();
            let mut retry = p.start_at(start);
            let mut now = start;
            for step in steps {
                now += Duration::from_millis(step);
                match retry.next_delay_at(now) {
                    Some(pause) => {
                        prop_assert!(Some(now + pause + p.attempt_time) <= retry.deadline());
                        prop_assert!(retry.attempts() <= p.max_attempts);
                        now += pause;
                    }
                    None => break,
                }
            }
        }
    }

    #[test]
    fn the_runner_stops_at_max_attempts_and_at_permanent_errors() {
        let p = RetryPolicy::new(4, Duration::from_secs(5)).with_delays(MS, MS);
        let mut calls = 0;
        let out: Result<(), &str> = p.run(
            |e| *e == "busy",
            |_| {
                calls += 1;
                Err("busy")
            },
        );
        assert_eq!((out, calls), (Err("busy"), 4));

        let mut calls = 0;
        let out: Result<(), &str> = p.run(
            |e| *e == "busy",
            |_| {
                calls += 1;
                Err("corrupt")
            },
        );
        assert_eq!((out, calls), (Err("corrupt"), 1));

        let out: Result<u32, &str> = p.run(
            |_| true,
            |r| {
                if r.attempts() < 3 {
                    Err("busy")
                } else {
                    Ok(r.attempts())
                }
            },
        );
        assert_eq!(out, Ok(3));
    }

    #[test]
    fn the_runner_gives_up_when_the_deadline_leaves_no_room() {
        let p = RetryPolicy::new(100, 60 * MS)
            .with_delays(10 * MS, 10 * MS)
            .with_attempt_time(20 * MS);
        let started = Instant::now();
        let mut calls = 0;
        let out: Result<(), ()> = p.run(
            |_| true,
            |_| {
                calls += 1;
                Err(())
            },
        );
        assert!(out.is_err());
        assert!((2..=9).contains(&calls), "{calls}");
        // Every pause ended with room for an attempt before the deadline; only the thread's
        // own lateness in waking can add to it.
        assert!(
            started.elapsed() < 60 * MS + 100 * MS,
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_budget_too_long_to_represent_is_no_deadline() {
        let p = RetryPolicy::new(3, Duration::MAX).with_delays(MS, MS);
        let mut retry = p.start();
        assert_eq!(retry.deadline(), None);
        assert_eq!(retry.remaining(), Duration::MAX);
        assert!(retry.next_delay().is_some() && retry.next_delay().is_some());
        assert_eq!(retry.next_delay(), None);
    }

    #[test]
    fn at_least_one_attempt_is_made_whatever_the_policy() {
        let p = RetryPolicy::new(0, Duration::ZERO);
        let mut calls = 0;
        let _: Result<(), ()> = p.run(
            |_| true,
            |_| {
                calls += 1;
                Err(())
            },
        );
        assert_eq!(calls, 1);
    }
}
