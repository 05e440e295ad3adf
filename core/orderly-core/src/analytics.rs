//! Analytics kept as rollups: every order write carries the deltas it makes to sales per hour
//! and currency, to product sales, and to orders per status, and the store applies them in the
//! same transaction. Reading analytics never scans orders.

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
            RollupDelta::default()
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
        let end = to.hour_bucket();
        let to_hour_exclusive = if end == to.unix_millis() {
            end
        } else {
            end.saturating_add(3_600_000)
        };
        HourRange {
            from_hour: from.hour_bucket(),
            to_hour_exclusive,
        }
    }
}
