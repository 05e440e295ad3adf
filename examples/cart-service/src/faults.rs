//! Test-only misbehaviour, switched on at runtime through `POST /_faults`, so that clients can
//! be tested against the real service being slow, failing or answering garbage.
//!
//! Faults apply to `GET /carts/{userId}` only (the call the order engine makes); writes and
//! the health check stay normal so that a test can still arrange its data.

use serde::{Deserialize, Serialize};

/// What to do wrong. Without `fail_next` the faults last until cleared; with it they apply to
/// that many cart reads and then clear themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Faults {
    /// Wait this long before answering.
    #[serde(default)]
    pub delay_ms: u64,
    /// Answer with this status (400-599) and a problem body instead of the cart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Answer 200 with a truncated, unparseable JSON body.
    #[serde(default)]
    pub malformed: bool,
    /// Answer 200 with the cart's `unitPrice`s as JSON numbers (a contract violation).
    #[serde(default)]
    pub numeric_prices: bool,
    /// Apply to the next N cart reads only. Alone (no other fault set) it means status 500.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_next: Option<u32>,
}

/// What one cart read must do, decided (and counted) when it arrives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultPlan {
    pub delay_ms: u64,
    pub status: Option<u16>,
    pub malformed: bool,
    pub numeric_prices: bool,
}

impl Faults {
    /// Checks a fault request; the message says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(status) = self.status
            && !(400..=599).contains(&status)
        {
            return Err(format!("status must be 400-599, got {status}"));
        }
        if self.delay_ms > 600_000 {
            return Err("delayMs must be at most 600000".into());
        }
        if self.fail_next == Some(0) {
            return Err("failNext must be at least 1".into());
        }
        let kinds = [self.status.is_some(), self.malformed, self.numeric_prices];
        if kinds.iter().filter(|set| **set).count() > 1 {
            return Err("set at most one of status, malformed and numericPrices".into());
        }
        Ok(())
    }

    /// The plan for the next cart read, and the faults that remain after it (`None` when the
    /// `fail_next` count ran out).
    pub fn next_plan(&self) -> (FaultPlan, Option<Faults>) {
        let bare_count = self.fail_next.is_some()
            && self.delay_ms == 0
            && self.status.is_none()
            && !self.malformed
            && !self.numeric_prices;
        let plan = FaultPlan {
            delay_ms: self.delay_ms,
            status: if bare_count { Some(500) } else { self.status },
            malformed: self.malformed,
            numeric_prices: self.numeric_prices,
        };
        let remaining = match self.fail_next {
            None => Some(self.clone()),
            Some(n) if n > 1 => Some(Faults {
                fail_next: Some(n - 1),
                ..self.clone()
            }),
            Some(_) => None,
        };
        (plan, remaining)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fail_next_counts_down_and_clears() {
        let faults = Faults {
            status: Some(503),
            fail_next: Some(2),
            ..Faults::default()
        };
        let (plan, rest) = faults.next_plan();
        assert_eq!(plan.status, Some(503));
        let (plan, rest) = rest.unwrap().next_plan();
        assert_eq!(plan.status, Some(503));
        assert_eq!(rest, None);
    }

    #[test]
    fn bare_fail_next_means_500_and_lasting_faults_last() {
        let (plan, _) = Faults {
            fail_next: Some(1),
            ..Faults::default()
        }
        .next_plan();
        assert_eq!(plan.status, Some(500));
        let slow = Faults {
            delay_ms: 50,
            ..Faults::default()
        };
        let (plan, rest) = slow.next_plan();
        assert_eq!((plan.delay_ms, plan.status), (50, None));
        assert_eq!(rest, Some(slow));
    }

    #[test]
    fn nonsense_is_refused() {
        let bad = |f: Faults| f.validate().is_err();
        assert!(bad(Faults {
            status: Some(200),
            ..Faults::default()
        }));
        assert!(bad(Faults {
            fail_next: Some(0),
            ..Faults::default()
        }));
        assert!(bad(Faults {
            malformed: true,
            numeric_prices: true,
            ..Faults::default()
        }));
        assert!(
            Faults {
                delay_ms: 10,
                malformed: true,
                ..Faults::default()
            }
            .validate()
            .is_ok()
        );
    }
}
