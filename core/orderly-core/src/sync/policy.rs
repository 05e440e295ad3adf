//! The server's offline policy: how old and how large an order captured offline may be before
//! staff must review it.

use std::collections::BTreeMap;

use crate::money::{Currency, Money};

/// Limits on orders captured offline. An order over a limit is still stored, flagged
/// `needs_review`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflinePolicy {
    /// The oldest an order may be when the server receives it (from its clock-corrected
    /// capture time), in milliseconds. Default 72 hours.
    pub offline_limit_ms: i64,
    /// The largest total per currency, in minor units.
    pub amount_limits: BTreeMap<Currency, i64>,
    /// The largest total, in minor units, for currencies without their own limit; `None` for
    /// no limit.
    pub default_amount_limit: Option<i64>,
}

/// 72 hours.
pub const DEFAULT_OFFLINE_LIMIT_MS: i64 = 72 * 60 * 60 * 1000;

impl Default for OfflinePolicy {
    fn default() -> Self {
        OfflinePolicy {
            offline_limit_ms: DEFAULT_OFFLINE_LIMIT_MS,
            amount_limits: BTreeMap::new(),
            default_amount_limit: None,
        }
    }
}

impl OfflinePolicy {
    /// The amount limit for `total`'s currency, if `total` is over it.
    pub fn amount_over(&self, total: &Money) -> Option<Money> {
        let limit = self
            .amount_limits
            .get(&total.currency())
            .copied()
            .or(self.default_amount_limit)?;
        (total.minor() > limit).then(|| Money::from_minor(limit, total.currency()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn per_currency_limits_win_over_the_default() {
        let usd = Currency::from_code("USD").unwrap();
        let eur = Currency::from_code("EUR").unwrap();
        let mut p = OfflinePolicy {
            default_amount_limit: Some(1000),
            ..OfflinePolicy::default()
        };
        p.amount_limits.insert(usd, 5000);
        assert_eq!(p.amount_over(&Money::from_minor(5000, usd)), None);
        assert!(p.amount_over(&Money::from_minor(5001, usd)).is_some());
        assert!(p.amount_over(&Money::from_minor(1001, eur)).is_some());
        assert_eq!(
            OfflinePolicy::default().amount_over(&Money::from_minor(i64::MAX, eur)),
            None
        );
    }
}
