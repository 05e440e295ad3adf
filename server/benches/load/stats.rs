//! Latency samples of one point and their summary.

use std::collections::BTreeMap;
use std::time::Duration;

/// What one connection saw during the measured window.
#[derive(Debug, Default)]
pub struct Samples {
    /// Latency of every successful request, in microseconds.
    pub latencies_us: Vec<u32>,
    /// Unexpected answers, by status (0 for transport errors).
    pub errors: BTreeMap<u16, u64>,
    pub first_error: Option<String>,
}

impl Samples {
    pub fn merge(&mut self, other: Samples) {
        self.latencies_us.extend(other.latencies_us);
        for (status, n) in other.errors {
            *self.errors.entry(status).or_default() += n;
        }
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    pub fn error(&mut self, status: u16, detail: impl FnOnce() -> String) {
        *self.errors.entry(status).or_default() += 1;
        if self.first_error.is_none() {
            self.first_error = Some(detail());
        }
    }
}

/// The figures of one point.
#[derive(Debug, Clone)]
pub struct Summary {
    pub requests: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
    pub first_error: Option<String>,
}

impl Summary {
    pub fn of(mut samples: Samples, window: Duration) -> Summary {
        samples.latencies_us.sort_unstable();
        let n = samples.latencies_us.len();
        let at = |q: f64| -> f64 {
            if n == 0 {
                return f64::NAN;
            }
            // Nearest-rank percentile.
            let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
            samples
                .latencies_us
                .get(rank - 1)
                .map_or(f64::NAN, |us| f64::from(*us) / 1000.0)
        };
        Summary {
            requests: n as u64,
            per_second: n as f64 / window.as_secs_f64(),
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            errors: samples.errors.values().sum(),
            first_error: samples.first_error,
        }
    }
}
