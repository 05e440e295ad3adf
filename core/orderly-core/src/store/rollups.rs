//! Analytics rollups: sales per hour and currency, product sales and orders per status, kept
//! up to date by every order write.

use crate::analytics::{
    CancellationCount, DayRange, HourlySales, ProductSales, StatusCount, TopBy,
};
use crate::money::Currency;

use super::StoreResult;

/// Sales rows as stored: total and count per currency over whole hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesRow {
    /// The currency of the orders.
    pub currency: Currency,
    /// Sum of their totals, minor units.
    pub total_minor: i64,
    /// Number of orders.
    pub orders: i64,
}

/// Reads of the rollups (the writes come with each order write).
pub trait RollupStore: Send + Sync {
    /// Sales per currency for hour buckets in `[from_hour, to_hour_exclusive)`.
    fn sales(&self, from_hour: i64, to_hour_exclusive: i64) -> StoreResult<Vec<SalesRow>>;

    /// The hourly sales rows in `[from_hour, to_hour_exclusive)`, summed over slots, in hour
    /// then currency order.
    fn hourly_sales(&self, from_hour: i64, to_hour_exclusive: i64)
    -> StoreResult<Vec<HourlySales>>;

    /// Best-selling products in one currency among the orders placed on `days`.
    fn top_products(
        &self,
        currency: Currency,
        by: TopBy,
        limit: u32,
        days: DayRange,
    ) -> StoreResult<Vec<ProductSales>>;

    /// The orders placed on `days` per status they are in now (every status, zero included).
    fn status_counts(&self, days: DayRange) -> StoreResult<Vec<StatusCount>>;

    /// The cancelled orders placed on `days` per reason (every reason, zero included, in
    /// [`CancelReason::ALL`] order).
    ///
    /// [`CancelReason::ALL`]: crate::cancellation::CancelReason::ALL
    fn cancellation_counts(&self, days: DayRange) -> StoreResult<Vec<CancellationCount>>;
}
