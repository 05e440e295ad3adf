//! Analytics rollups: deltas applied with upserts in the writing transaction, and the reads.

use orderly_core::analytics::{CancellationCount, DayRange, HourlySales, RollupDelta};
use orderly_core::cancellation::CancelReason;
use orderly_core::store::SalesRow;
use orderly_core::{Currency, Money, OrderStatus, ProductId, ProductSales, StatusCount, TopBy};
use rusqlite::{Connection, params};

use crate::codec::non_negative;
use crate::error::OpError;

// One writer: no hot rows to spread, so every rollup row is slot 0 (the schema is MySQL's).
const ADD_SALES: &str = "INSERT INTO sales_hourly \
     (hour_start, currency, slot, total_minor, order_count) VALUES (?1, ?2, 0, ?3, ?4) \
     ON CONFLICT (hour_start, currency, slot) DO UPDATE \
     SET total_minor = total_minor + excluded.total_minor, \
         order_count = order_count + excluded.order_count";

// A product keeps the name it was last sold under; a cancellation does not rename it.
const ADD_PRODUCT: &str = "INSERT INTO product_sales (product_id, currency, name, quantity, revenue) \
     VALUES (?1, ?2, ?3, ?4, ?5) \
     ON CONFLICT (currency, product_id) DO UPDATE \
     SET quantity = quantity + excluded.quantity, revenue = revenue + excluded.revenue, \
         name = CASE WHEN excluded.quantity > 0 THEN excluded.name ELSE name END";

const ADD_STATUS: &str = "INSERT INTO status_counts (status, slot, order_count) \
     VALUES (?1, 0, ?2) \
     ON CONFLICT (status, slot) DO UPDATE SET order_count = order_count + excluded.order_count";

const ADD_CANCELLATION: &str = "INSERT INTO cancellation_counts (reason, slot, order_count) \
     VALUES (?1, 0, ?2) \
     ON CONFLICT (reason, slot) DO UPDATE SET order_count = order_count + excluded.order_count";

// The same counts by the UTC day the orders were placed, for reads over a range.
const ADD_PRODUCT_DAILY: &str = "INSERT INTO product_sales_daily \
     (day, currency, product_id, quantity, revenue) VALUES (?1, ?2, ?3, ?4, ?5) \
     ON CONFLICT (day, currency, product_id) DO UPDATE \
     SET quantity = quantity + excluded.quantity, revenue = revenue + excluded.revenue";

const ADD_STATUS_DAILY: &str = "INSERT INTO status_counts_daily (day, status, slot, order_count) \
     VALUES (?1, ?2, 0, ?3) \
     ON CONFLICT (day, status, slot) DO UPDATE SET order_count = order_count + excluded.order_count";

const ADD_CANCELLATION_DAILY: &str = "INSERT INTO cancellation_counts_daily \
     (day, reason, slot, order_count) VALUES (?1, ?2, 0, ?3) \
     ON CONFLICT (day, reason, slot) DO UPDATE SET order_count = order_count + excluded.order_count";

const CANCELLATIONS: &str =
    "SELECT reason, SUM(order_count) FROM cancellation_counts GROUP BY reason";
const CANCELLATIONS_IN: &str = "SELECT reason, SUM(order_count) FROM cancellation_counts_daily \
     WHERE day >= ?1 AND day < ?2 GROUP BY reason";

const HOURLY_SALES: &str = "SELECT hour_start, currency, SUM(total_minor), SUM(order_count) \
     FROM sales_hourly WHERE hour_start >= ?1 AND hour_start < ?2 \
     GROUP BY hour_start, currency ORDER BY hour_start, currency";

const SALES: &str = "SELECT currency, SUM(total_minor), SUM(order_count) FROM sales_hourly \
     WHERE hour_start >= ?1 AND hour_start < ?2 GROUP BY currency ORDER BY currency";

// Products whose every sale was cancelled have nothing left to rank.
const TOP_BY_QUANTITY: &str = "SELECT product_id, name, quantity, revenue FROM product_sales \
     WHERE currency = ?1 AND quantity > 0 \
     ORDER BY quantity DESC, revenue DESC, product_id LIMIT ?2";
const TOP_BY_REVENUE: &str = "SELECT product_id, name, quantity, revenue FROM product_sales \
     WHERE currency = ?1 AND quantity > 0 \
     ORDER BY revenue DESC, quantity DESC, product_id LIMIT ?2";

// Over a range: the daily sums, named from the all-time row (the name last sold under; the id
// for a product that has none, which only a database written around the store can hold).
macro_rules! top_in {
    ($order:literal) => {
        concat!(
            "SELECT d.product_id, COALESCE(MAX(p.name), d.product_id), SUM(d.quantity) AS q, ",
            "SUM(d.revenue) AS r FROM product_sales_daily d LEFT JOIN product_sales p ",
            "ON p.currency = d.currency AND p.product_id = d.product_id ",
            "WHERE d.currency = ?1 AND d.day >= ?3 AND d.day < ?4 GROUP BY d.product_id ",
            "HAVING q > 0 ORDER BY ",
            $order,
            ", d.product_id LIMIT ?2"
        )
    };
}
const TOP_IN_BY_QUANTITY: &str = top_in!("q DESC, r DESC");
const TOP_IN_BY_REVENUE: &str = top_in!("r DESC, q DESC");

const STATUS_COUNTS: &str = "SELECT status, SUM(order_count) FROM status_counts GROUP BY status";
const STATUS_COUNTS_IN: &str = "SELECT status, SUM(order_count) FROM status_counts_daily \
     WHERE day >= ?1 AND day < ?2 GROUP BY status";

pub(crate) fn apply(conn: &Connection, delta: &RollupDelta) -> Result<(), OpError> {
    if !delta.sales.is_empty() {
        let mut stmt = conn.prepare_cached(ADD_SALES)?;
        for s in &delta.sales {
            stmt.execute(params![s.hour, s.currency.code(), s.amount, s.orders])?;
        }
    }
    if !delta.products.is_empty() {
        let mut stmt = conn.prepare_cached(ADD_PRODUCT)?;
        for p in &delta.products {
            stmt.execute(params![
                p.product_id.as_str(),
                p.currency.code(),
                p.name,
                p.quantity,
                p.revenue
            ])?;
        }
    }
    if !delta.statuses.is_empty() {
        let mut stmt = conn.prepare_cached(ADD_STATUS)?;
        for s in &delta.statuses {
            stmt.execute(params![s.status.as_str(), s.orders])?;
        }
    }
    if !delta.cancellations.is_empty() {
        let mut stmt = conn.prepare_cached(ADD_CANCELLATION)?;
        for c in &delta.cancellations {
            stmt.execute(params![c.reason.as_str(), c.orders])?;
        }
    }
    apply_daily(conn, delta)
}

/// The daily half of [`apply`]: products, statuses and cancellations by the day the order was
/// placed. The migration that created the daily tables fills them through it.
pub(crate) fn apply_daily(conn: &Connection, delta: &RollupDelta) -> Result<(), OpError> {
    if !delta.products.is_empty() {
        let mut stmt = conn.prepare_cached(ADD_PRODUCT_DAILY)?;
        for p in &delta.products {
            stmt.execute(params![
                delta.day,
                p.currency.code(),
                p.product_id.as_str(),
                p.quantity,
                p.revenue
            ])?;
        }
    }
    if !delta.statuses.is_empty() {
        let mut stmt = conn.prepare_cached(ADD_STATUS_DAILY)?;
        for s in &delta.statuses {
            stmt.execute(params![delta.day, s.status.as_str(), s.orders])?;
        }
    }
    if !delta.cancellations.is_empty() {
        let mut stmt = conn.prepare_cached(ADD_CANCELLATION_DAILY)?;
        for c in &delta.cancellations {
            stmt.execute(params![delta.day, c.reason.as_str(), c.orders])?;
        }
    }
    Ok(())
}

fn currency(code: &str) -> Result<Currency, OpError> {
    Currency::from_code(code).map_err(|e| OpError::corrupt(format!("stored currency: {e}")))
}

pub(crate) fn sales(
    conn: &Connection,
    from_hour: i64,
    to_hour: i64,
) -> Result<Vec<SalesRow>, OpError> {
    let mut stmt = conn.prepare_cached(SALES)?;
    let mut rows = stmt.query(params![from_hour, to_hour])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(SalesRow {
            currency: currency(row.get_ref(0)?.as_str()?)?,
            total_minor: row.get(1)?,
            orders: row.get(2)?,
        });
    }
    Ok(out)
}

pub(crate) fn hourly_sales(
    conn: &Connection,
    from_hour: i64,
    to_hour: i64,
) -> Result<Vec<HourlySales>, OpError> {
    let mut stmt = conn.prepare_cached(HOURLY_SALES)?;
    let mut rows = stmt.query(params![from_hour, to_hour])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(HourlySales {
            hour: row.get(0)?,
            currency: currency(row.get_ref(1)?.as_str()?)?,
            total_minor: row.get(2)?,
            orders: row.get(3)?,
        });
    }
    Ok(out)
}

pub(crate) fn top_products(
    conn: &Connection,
    in_currency: Currency,
    by: TopBy,
    limit: u32,
    days: DayRange,
) -> Result<Vec<ProductSales>, OpError> {
    let all_time = days == DayRange::ALL;
    let sql = match (by, all_time) {
        (TopBy::Quantity, true) => TOP_BY_QUANTITY,
        (TopBy::Revenue, true) => TOP_BY_REVENUE,
        (TopBy::Quantity, false) => TOP_IN_BY_QUANTITY,
        (TopBy::Revenue, false) => TOP_IN_BY_REVENUE,
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = if all_time {
        stmt.query(params![in_currency.code(), i64::from(limit)])?
    } else {
        stmt.query(params![
            in_currency.code(),
            i64::from(limit),
            days.from_day,
            days.to_day_exclusive
        ])?
    };
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let product = row.get_ref(0)?.as_str()?;
        out.push(ProductSales {
            product_id: ProductId::new(product)
                .map_err(|_| OpError::corrupt(format!("stored product id {product:?}")))?,
            name: row.get(1)?,
            quantity: non_negative(row.get(2)?, "product quantity")?,
            revenue: Money::from_minor(row.get(3)?, in_currency),
        });
    }
    Ok(out)
}

/// Orders per status, every status listed (zero when none are stored).
pub(crate) fn status_counts(
    conn: &Connection,
    days: DayRange,
) -> Result<Vec<StatusCount>, OpError> {
    let mut counts: Vec<StatusCount> = OrderStatus::ALL
        .into_iter()
        .map(|status| StatusCount { status, orders: 0 })
        .collect();
    let mut stmt = conn.prepare_cached(if days == DayRange::ALL {
        STATUS_COUNTS
    } else {
        STATUS_COUNTS_IN
    })?;
    let mut rows = range_query(&mut stmt, days)?;
    while let Some(row) = rows.next()? {
        let name = row.get_ref(0)?.as_str()?;
        let status: OrderStatus = name
            .parse()
            .map_err(|_| OpError::corrupt(format!("stored status {name:?}")))?;
        let orders = non_negative(row.get(1)?, "status count")?;
        if let Some(c) = counts.iter_mut().find(|c| c.status == status) {
            c.orders = orders;
        }
    }
    Ok(counts)
}

/// Cancelled orders per reason, every reason listed (zero when none).
pub(crate) fn cancellation_counts(
    conn: &Connection,
    days: DayRange,
) -> Result<Vec<CancellationCount>, OpError> {
    let mut counts: Vec<CancellationCount> = CancelReason::ALL
        .into_iter()
        .map(|reason| CancellationCount { reason, orders: 0 })
        .collect();
    let mut stmt = conn.prepare_cached(if days == DayRange::ALL {
        CANCELLATIONS
    } else {
        CANCELLATIONS_IN
    })?;
    let mut rows = range_query(&mut stmt, days)?;
    while let Some(row) = rows.next()? {
        let name = row.get_ref(0)?.as_str()?;
        let reason: CancelReason = name
            .parse()
            .map_err(|_| OpError::corrupt(format!("stored cancellation reason {name:?}")))?;
        let orders = non_negative(row.get(1)?, "cancellation count")?;
        if let Some(c) = counts.iter_mut().find(|c| c.reason == reason) {
            c.orders = orders;
        }
    }
    Ok(counts)
}

/// Runs an all-time count (no parameters) or its daily form (the range's two bounds).
fn range_query<'s>(
    stmt: &'s mut rusqlite::CachedStatement<'_>,
    days: DayRange,
) -> rusqlite::Result<rusqlite::Rows<'s>> {
    if days == DayRange::ALL {
        stmt.query([])
    } else {
        stmt.query(params![days.from_day, days.to_day_exclusive])
    }
}
