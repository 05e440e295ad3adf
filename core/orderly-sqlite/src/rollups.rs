//! Analytics rollups: deltas applied with upserts in the writing transaction, and the reads.

use orderly_core::analytics::{CancellationCount, RollupDelta};
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

const CANCELLATIONS: &str =
    "SELECT reason, SUM(order_count) FROM cancellation_counts GROUP BY reason";

const SALES: &str = "SELECT currency, SUM(total_minor), SUM(order_count) FROM sales_hourly \
     WHERE hour_start >= ?1 AND hour_start < ?2 GROUP BY currency ORDER BY currency";

// Products whose every sale was cancelled have nothing left to rank.
const TOP_BY_QUANTITY: &str = "SELECT product_id, name, quantity, revenue FROM product_sales \
     WHERE currency = ?1 AND quantity > 0 \
     ORDER BY quantity DESC, revenue DESC, product_id LIMIT ?2";
const TOP_BY_REVENUE: &str = "SELECT product_id, name, quantity, revenue FROM product_sales \
     WHERE currency = ?1 AND quantity > 0 \
     ORDER BY revenue DESC, quantity DESC, product_id LIMIT ?2";

const STATUS_COUNTS: &str = "SELECT status, SUM(order_count) FROM status_counts GROUP BY status";

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

pub(crate) fn top_products(
    conn: &Connection,
    in_currency: Currency,
    by: TopBy,
    limit: u32,
) -> Result<Vec<ProductSales>, OpError> {
    let sql = match by {
        TopBy::Quantity => TOP_BY_QUANTITY,
        TopBy::Revenue => TOP_BY_REVENUE,
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![in_currency.code(), i64::from(limit)])?;
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
pub(crate) fn status_counts(conn: &Connection) -> Result<Vec<StatusCount>, OpError> {
    let mut counts: Vec<StatusCount> = OrderStatus::ALL
        .into_iter()
        .map(|status| StatusCount { status, orders: 0 })
        .collect();
    let mut stmt = conn.prepare_cached(STATUS_COUNTS)?;
    let mut rows = stmt.query([])?;
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
pub(crate) fn cancellation_counts(conn: &Connection) -> Result<Vec<CancellationCount>, OpError> {
    let mut counts: Vec<CancellationCount> = CancelReason::ALL
        .into_iter()
        .map(|reason| CancellationCount { reason, orders: 0 })
        .collect();
    let mut stmt = conn.prepare_cached(CANCELLATIONS)?;
    let mut rows = stmt.query([])?;
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
