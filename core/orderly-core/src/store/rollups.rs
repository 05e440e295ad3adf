//! Analytics rollups: sales per hour and currency, product sales and orders per status, kept
//! up to date by every order write.

use crate::analytics::{CancellationCount, ProductSales, StatusCount, TopBy};
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

    /// Best-selling products in one currency.
    fn top_products(
        &self,
        currency: Currency,
        by: TopBy,
        limit: u32,
    ) -> StoreResult<Vec<ProductSales>>;

    /// Orders per status (every status, zero included).
    fn status_counts(&self) -> StoreResult<Vec<StatusCount>>;

    /// Cancelled orders per reason (every reason, zero included, in [`CancelReason::ALL`]
    /// order).
    ///
    /// [`CancelReason::ALL`]: crate::cancellation::CancelReason::ALL
    fn cancellation_counts(&self) -> StoreResult<Vec<CancellationCount>>;
}
