//! Analytics kept as rollups: every order write carries the deltas it makes to sales per hour
//! and currency, to product sales, to orders per status and to cancellations per reason, and the
//! store applies them in the same transaction. Reading analytics never scans orders.
//!
//! Every rollup is bucketed by when its order was *placed*: sales by the UTC hour, products,
//! statuses and cancellation reasons by the UTC day. A range therefore always means "the orders
//! placed in it" (their sales, their current statuses, what they sold, why those cancelled were
//! cancelled), so the four figures of one range describe the same orders.

use serde::{Deserialize, Serialize};

use crate::cancellation::CancelReason;
use crate::clock::Timestamp;
use crate::ids::ProductId;
use crate::model::Order;
use crate::money::{Currency, Money};
use crate::pricing::{RoundingMode, div_round};
use crate::status::OrderStatus;

/// Change to one hour's sales in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesDelta {
    /// Start of the UTC hour of the order's creation, in Unix milliseconds.
    pub hour: i64,
    /// The orders' currency.
    pub currency: Currency,
    /// Sum of order totals, minor units.
    pub amount: i64,
    /// Change in the number of orders (+1 placed, -1 cancelled).
    pub orders: i64,
}

/// Change to one product's sales in one currency. Revenue is net of discount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDelta {
    /// The product.
    pub product_id: ProductId,
    /// The currency the product was sold in.
    pub currency: Currency,
    /// The product's name on the order.
    pub name: String,
    /// Change in units sold.
    pub quantity: i64,
    /// Change in revenue, minor units: line totals less their discount shares.
    pub revenue: i64,
}

/// Change to the number of orders in one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDelta {
    /// The status counted.
    pub status: OrderStatus,
    /// Change in the number of orders in it (+1 or -1).
    pub orders: i64,
}

/// Change to the number of orders cancelled for one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancellationDelta {
    /// The reason counted.
    pub reason: CancelReason,
    /// Change in the number of orders cancelled for it (+1, or -1 when a device's
    /// cancellation was refused by the server).
    pub orders: i64,
}

/// Everything one order write changes in the rollups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollupDelta {
    /// Start of the UTC day the order was placed, Unix milliseconds: the bucket of its
    /// product, status and cancellation changes.
    pub day: i64,
    /// Changes to sales per hour and currency.
    pub sales: Vec<SalesDelta>,
    /// Changes to product sales.
    pub products: Vec<ProductDelta>,
    /// Changes to the orders-per-status counts.
    pub statuses: Vec<StatusDelta>,
    /// Changes to the cancellations-per-reason counts.
    pub cancellations: Vec<CancellationDelta>,
}

impl RollupDelta {
    fn contribution(order: &Order, sign: i64) -> RollupDelta {
        RollupDelta {
            day: order.created_at.day_bucket(),
            sales: vec![SalesDelta {
                hour: order.created_at.hour_bucket(),
                currency: order.currency,
                amount: sign * order.totals.total.minor(),
                orders: sign,
            }],
            products: order
                .items
                .iter()
                .map(|l| ProductDelta {
                    product_id: l.product_id.clone(),
                    currency: order.currency,
                    name: l.name.clone(),
                    quantity: sign * i64::from(l.quantity),
                    revenue: sign * (l.line_total.minor() - l.discount.minor()),
                })
                .collect(),
            statuses: Vec::new(),
            cancellations: Vec::new(),
        }
    }

    /// A new order counts toward sales, products and `placed`.
    pub fn placed(order: &Order) -> RollupDelta {
        let mut d = Self::contribution(order, 1);
        d.statuses.push(StatusDelta {
            status: OrderStatus::Placed,
            orders: 1,
        });
        d
    }

    /// A move between statuses; cancellation takes the order out of sales and products.
    pub fn moved(order: &Order, from: OrderStatus, to: OrderStatus) -> RollupDelta {
        let mut d = if to == OrderStatus::Cancelled {
            let mut d = Self::contribution(order, -1);
            d.cancellations.push(CancellationDelta {
                reason: cancel_reason(order),
                orders: 1,
            });
            d
        } else {
            RollupDelta {
                day: order.created_at.day_bucket(),
                ..RollupDelta::default()
            }
        };
        d.statuses.push(StatusDelta {
            status: from,
            orders: -1,
        });
        d.statuses.push(StatusDelta {
            status: to,
            orders: 1,
        });
        d
    }
}

impl RollupDelta {
    /// What a stored order counts for as it stands: its sales and products unless it is
    /// cancelled, its status, and its cancellation reason if it is. Summed over every order,
    /// these are the rollups; a migration that adds a dimension rebuilds them from it.
    pub fn standing(order: &Order) -> RollupDelta {
        let mut d = if order.status == OrderStatus::Cancelled {
            RollupDelta {
                day: order.created_at.day_bucket(),
                cancellations: vec![CancellationDelta {
                    reason: cancel_reason(order),
                    orders: 1,
                }],
                ..RollupDelta::default()
            }
        } else {
            Self::contribution(order, 1)
        };
        d.statuses.push(StatusDelta {
            status: order.status,
            orders: 1,
        });
        d
    }

    /// A device's copy of an order taking the server's status (see
    /// [`crate::sync::device::apply_change`]): like [`RollupDelta::moved`], and a local
    /// cancellation the server refused puts the order back into sales and products. Nothing
    /// when the status is unchanged.
    pub fn pulled(order: &Order, from: OrderStatus, to: OrderStatus) -> RollupDelta {
        if from == to {
            return RollupDelta::default();
        }
        if from != OrderStatus::Cancelled {
            return Self::moved(order, from, to);
        }
        let mut d = Self::contribution(order, 1);
        d.cancellations.push(CancellationDelta {
            reason: cancel_reason(order),
            orders: -1,
        });
        d.statuses.push(StatusDelta {
            status: from,
            orders: -1,
        });
        d.statuses.push(StatusDelta {
            status: to,
            orders: 1,
        });
        d
    }
}

/// The reason of the order's latest cancellation milestone; `other` for a cancellation
/// recorded without one.
fn cancel_reason(order: &Order) -> CancelReason {
    order
        .history
        .iter()
        .rev()
        .find(|m| m.status == OrderStatus::Cancelled)
        .and_then(|m| m.reason)
        .unwrap_or(CancelReason::Other)
}

/// Sales in one currency over a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesSummary {
    /// The currency of the amounts.
    pub currency: Currency,
    /// Sum of the orders' totals.
    pub total: Money,
    /// Number of orders counted.
    pub orders: u64,
    /// `total / orders`, rounded half-even; zero when there are no orders.
    pub average_order_value: Money,
}

impl SalesSummary {
    /// Builds a summary from a total in minor units and an order count, computing the average.
    pub fn new(currency: Currency, total_minor: i64, orders: u64) -> Self {
        let avg = if orders == 0 {
            0
        } else {
            let v = div_round(
                i128::from(total_minor.max(0)),
                i128::from(orders),
                RoundingMode::HalfEven,
            );
            i64::try_from(v).unwrap_or(i64::MAX)
        };
        SalesSummary {
            currency,
            total: Money::from_minor(total_minor, currency),
            orders,
            average_order_value: Money::from_minor(avg, currency),
        }
    }
}

/// Which measure ranks top products.
// Deliberately exhaustive (not `#[non_exhaustive]`): every store ranks by each of these, so a
// new one must fail to compile in each backend rather than reach it at run time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopBy {
    /// Units sold; the default.
    #[default]
    Quantity,
    /// Revenue net of discount.
    Revenue,
}

/// One product's sales in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSales {
    /// The product.
    pub product_id: ProductId,
    /// The product's name.
    pub name: String,
    /// Units sold.
    pub quantity: u64,
    /// Revenue, net of discount.
    pub revenue: Money,
}

/// How many orders were cancelled for one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CancellationCount {
    /// The reason.
    pub reason: CancelReason,
    /// Number of orders cancelled for it.
    pub orders: u64,
}

/// How many orders are in one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCount {
    /// The status.
    pub status: OrderStatus,
    /// Number of orders in it now.
    pub orders: u64,
}

/// Sales in one currency on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailySales {
    /// Midnight UTC starting the day.
    pub day: Timestamp,
    /// The currency of the amounts.
    pub currency: Currency,
    /// Sum of the totals of the orders placed that day and not cancelled.
    pub total: Money,
    /// Number of those orders.
    pub orders: u64,
}

/// Groups hourly sales rows into days, in day then currency order; days and currencies with no
/// orders left are omitted.
pub fn sales_by_day(hours: &[HourlySales]) -> Vec<DailySales> {
    let mut days: std::collections::BTreeMap<(i64, &str), (Currency, i64, i64)> =
        std::collections::BTreeMap::new();
    for h in hours {
        let day = Timestamp::from_unix_millis(h.hour).day_bucket();
        let entry = days
            .entry((day, h.currency.code()))
            .or_insert((h.currency, 0, 0));
        entry.1 = entry.1.saturating_add(h.total_minor);
        entry.2 = entry.2.saturating_add(h.orders);
    }
    days.into_iter()
        .filter(|(_, (_, _, orders))| *orders > 0)
        .map(|((day, _), (currency, total, orders))| DailySales {
            day: Timestamp::from_unix_millis(day),
            currency,
            total: Money::from_minor(total, currency),
            orders: u64::try_from(orders).unwrap_or(0),
        })
        .collect()
}

/// One hour's sales in one currency, as the rollup stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourlySales {
    /// Start of the UTC hour, Unix milliseconds.
    pub hour: i64,
    /// The currency of the orders.
    pub currency: Currency,
    /// Sum of their totals, minor units.
    pub total_minor: i64,
    /// Number of orders.
    pub orders: i64,
}

/// A range of whole UTC days over which the daily rollups are read: from midnight starting
/// `from`'s day up to (excluding) the first midnight at or after `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    /// Midnight starting the first day, Unix milliseconds.
    pub from_day: i64,
    /// The midnight ending the range, exclusive, Unix milliseconds.
    pub to_day_exclusive: i64,
}

impl DayRange {
    /// Every day there is: the all-time figures.
    pub const ALL: DayRange = DayRange {
        from_day: i64::MIN,
        to_day_exclusive: i64::MAX,
    };

    /// The days covering `from` to `to`, either end open when absent; `to` before `from` is
    /// refused.
    pub fn between(
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<DayRange, crate::error::ValidationError> {
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            return Err(crate::error::ValidationError::InvalidField {
                field: "to".into(),
                reason: "must not be before from".into(),
            });
        }
        Ok(DayRange {
            from_day: from.map_or(i64::MIN, |f| f.day_bucket()),
            to_day_exclusive: to.map_or(i64::MAX, |t| ceil_to(t, crate::clock::DAY_MS)),
        })
    }

    /// The hours of these days, for reading the hourly sales rollup.
    pub fn hours(&self) -> HourRange {
        HourRange {
            from_hour: self.from_day,
            to_hour_exclusive: self.to_day_exclusive,
        }
    }
}

/// The first multiple of `unit` at or after `t`.
fn ceil_to(t: Timestamp, unit: i64) -> i64 {
    let start = t.unix_millis().div_euclid(unit) * unit;
    if start == t.unix_millis() {
        start
    } else {
        start.saturating_add(unit)
    }
}

/// A time range for sales, widened to whole UTC hours: from the start of `from`'s hour up to
/// (excluding) the first hour boundary at or after `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourRange {
    /// Start of the first hour, Unix milliseconds.
    pub from_hour: i64,
    /// End of the range, exclusive: an hour boundary in Unix milliseconds.
    pub to_hour_exclusive: i64,
}

impl HourRange {
    /// The hours covering `from` to `to`.
    pub fn covering(from: Timestamp, to: Timestamp) -> HourRange {
        HourRange {
            from_hour: from.hour_bucket(),
            to_hour_exclusive: ceil_to(to, crate::clock::HOUR_MS),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::clock::{DAY_MS, HOUR_MS};

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn a_day_range_covers_whole_utc_days() {
        let range = DayRange::between(
            Some(at("2026-11-24T10:15:00Z")),
            Some(at("2026-11-25T00:00:00Z")),
        )
        .unwrap();
        assert_eq!(range.from_day, at("2026-11-24T00:00:00Z").unix_millis());
        // A `to` exactly at midnight ends the range there.
        assert_eq!(
            range.to_day_exclusive,
            at("2026-11-25T00:00:00Z").unix_millis()
        );
        let one = DayRange::between(Some(at("2026-11-24T10:15:00Z")), None).unwrap();
        assert_eq!(one.to_day_exclusive, i64::MAX);
        let to = at("2026-11-24T23:59:59.999Z");
        let single = DayRange::between(Some(to), Some(to)).unwrap();
        assert_eq!(single.to_day_exclusive - single.from_day, DAY_MS);
        assert_eq!(DayRange::between(None, None).unwrap(), DayRange::ALL);
        assert!(DayRange::between(Some(to), Some(to.plus_millis(-1))).is_err());
    }

    #[test]
    fn hourly_sales_add_up_into_days() {
        let day = at("2026-11-24T00:00:00Z").unix_millis();
        let row = |hour: i64, currency, total, orders| HourlySales {
            hour: day + hour * HOUR_MS,
            currency,
            total_minor: total,
            orders,
        };
        let days = sales_by_day(&[
            row(1, Currency::USD, 1_000, 1),
            row(23, Currency::USD, 500, 2),
            row(23, Currency::EUR, 700, 1),
            // Cancelled back to nothing: the day has no sales left in that currency.
            row(24, Currency::USD, 0, 0),
            row(25, Currency::EUR, 300, 1),
        ]);
        let got: Vec<(i64, &str, i64, u64)> = days
            .iter()
            .map(|d| {
                (
                    d.day.unix_millis(),
                    d.currency.code(),
                    d.total.minor(),
                    d.orders,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (day, "EUR", 700, 1),
                (day, "USD", 1_500, 3),
                (day + DAY_MS, "EUR", 300, 1)
            ]
        );
    }
}
