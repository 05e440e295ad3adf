//! Analytics rollups: applied in the same transaction as the order write that causes them,
//! read without scanning orders.
//!
//! Writes are blind increments (`INSERT .. ON DUPLICATE KEY UPDATE x = x + VALUES(x)`), so
//! concurrent transactions never lose each other's counts. Rows are locked in one global order
//! (sales, products, statuses, then cancellations, each sorted by key) so that two transactions
//! never wait on each other in a cycle. Sales, status and cancellation rows, which many orders
//! touch, are spread over slots chosen by user id; readers sum the slots.

use std::collections::{BTreeMap, HashMap};

use mysql::Value;
use mysql::prelude::Queryable;
use orderly_core::analytics::{CancellationCount, RollupDelta};
use orderly_core::store::SalesRow;
use orderly_core::{
    CancelReason, Currency, Money, OrderStatus, ProductId, ProductSales, StatusCount, StoreError,
    TopBy, UserId,
};

use crate::batch::{self, RowsStatement};
use crate::codec::{slot, utf8};
use crate::error::{DbResult, corrupt};

const SALES_UPSERT: RowsStatement = (
    "INSERT INTO sales_hourly (hour_start, currency, slot, total_minor, order_count) VALUES ",
    "(?, ?, ?, ?, ?)",
    " ON DUPLICATE KEY UPDATE total_minor = total_minor + VALUES(total_minor), \
     order_count = order_count + VALUES(order_count)",
);

/// The name follows the latest order that sold the product; a cancellation keeps it.
const PRODUCT_UPSERT: RowsStatement = (
    "INSERT INTO product_sales (currency, product_id, name, quantity, revenue) VALUES ",
    "(?, ?, ?, ?, ?)",
    " ON DUPLICATE KEY UPDATE name = IF(VALUES(quantity) > 0, VALUES(name), name), \
     quantity = quantity + VALUES(quantity), revenue = revenue + VALUES(revenue)",
);

const STATUS_UPSERT: RowsStatement = (
    "INSERT INTO status_counts (status, slot, order_count) VALUES ",
    "(?, ?, ?)",
    " ON DUPLICATE KEY UPDATE order_count = order_count + VALUES(order_count)",
);

const CANCELLATION_UPSERT: RowsStatement = (
    "INSERT INTO cancellation_counts (reason, slot, order_count) VALUES ",
    "(?, ?, ?)",
    " ON DUPLICATE KEY UPDATE order_count = order_count + VALUES(order_count)",
);

/// Applies one write's rollup deltas inside its transaction.
pub(crate) fn apply(
    tx: &mut impl Queryable,
    user: &UserId,
    delta: &RollupDelta,
) -> Result<(), StoreError> {
    let slot = slot(user);

    let mut sales: BTreeMap<(i64, &str), (i64, i64)> = BTreeMap::new();
    for s in &delta.sales {
        let entry = sales.entry((s.hour, s.currency.code())).or_default();
        entry.0 += s.amount;
        entry.1 += s.orders;
    }
    let sales: Vec<Vec<Value>> = sales
        .into_iter()
        .map(|((hour, currency), (amount, orders))| {
            vec![
                hour.into(),
                currency.into(),
                slot.into(),
                amount.into(),
                orders.into(),
            ]
        })
        .collect();
    batch::execute(tx, SALES_UPSERT, sales)?;

    let mut products: BTreeMap<(&str, &[u8]), (&str, i64, i64)> = BTreeMap::new();
    for p in &delta.products {
        let key = (p.currency.code(), p.product_id.as_str().as_bytes());
        let entry = products.entry(key).or_insert((p.name.as_str(), 0, 0));
        entry.0 = p.name.as_str();
        entry.1 += p.quantity;
        entry.2 += p.revenue;
    }
    let products: Vec<Vec<Value>> = products
        .into_iter()
        .map(|((currency, product), (name, quantity, revenue))| {
            vec![
                currency.into(),
                product.into(),
                name.into(),
                quantity.into(),
                revenue.into(),
            ]
        })
        .collect();
    batch::execute(tx, PRODUCT_UPSERT, products)?;

    let mut statuses: BTreeMap<&str, i64> = BTreeMap::new();
    for s in &delta.statuses {
        *statuses.entry(s.status.as_str()).or_default() += s.orders;
    }
    let statuses: Vec<Vec<Value>> = statuses
        .into_iter()
        .map(|(status, orders)| vec![status.into(), slot.into(), orders.into()])
        .collect();
    batch::execute(tx, STATUS_UPSERT, statuses)?;

    let mut cancellations: BTreeMap<&str, i64> = BTreeMap::new();
    for c in &delta.cancellations {
        *cancellations.entry(c.reason.as_str()).or_default() += c.orders;
    }
    let cancellations: Vec<Vec<Value>> = cancellations
        .into_iter()
        .map(|(reason, orders)| vec![reason.into(), slot.into(), orders.into()])
        .collect();
    batch::execute(tx, CANCELLATION_UPSERT, cancellations)
}

const SALES: &str = "SELECT currency, SUM(total_minor), SUM(order_count) FROM sales_hourly \
    WHERE hour_start >= ? AND hour_start < ? GROUP BY currency ORDER BY currency";

pub(crate) fn sales(
    conn: &mut impl Queryable,
    from_hour: i64,
    to_hour_exclusive: i64,
) -> Result<Vec<SalesRow>, StoreError> {
    let rows: Vec<(String, String, String)> =
        conn.exec(SALES, (from_hour, to_hour_exclusive)).db()?;
    rows.into_iter()
        .map(|(currency, total, orders)| {
            Ok(SalesRow {
                currency: currency_of(&currency)?,
                total_minor: integer("sales total", &total)?,
                orders: integer("order count", &orders)?,
            })
        })
        .collect()
}

const TOP_BY_QUANTITY: &str = "SELECT product_id, name, quantity, revenue FROM product_sales \
    WHERE currency = ? AND quantity > 0 ORDER BY quantity DESC, revenue DESC, product_id LIMIT ?";
const TOP_BY_REVENUE: &str = "SELECT product_id, name, quantity, revenue FROM product_sales \
    WHERE currency = ? AND quantity > 0 ORDER BY revenue DESC, quantity DESC, product_id LIMIT ?";

pub(crate) fn top_products(
    conn: &mut impl Queryable,
    currency: Currency,
    by: TopBy,
    limit: u32,
) -> Result<Vec<ProductSales>, StoreError> {
    let sql = match by {
        TopBy::Quantity => TOP_BY_QUANTITY,
        TopBy::Revenue => TOP_BY_REVENUE,
    };
    let rows: Vec<(Vec<u8>, String, i64, i64)> = conn.exec(sql, (currency.code(), limit)).db()?;
    rows.into_iter()
        .map(|(product_id, name, quantity, revenue)| {
            let product_id = utf8("product id", product_id)?;
            Ok(ProductSales {
                product_id: ProductId::new(product_id)
                    .map_err(|e| corrupt(format!("stored product id: {e}")))?,
                name,
                quantity: u64::try_from(quantity).unwrap_or(0),
                revenue: Money::from_minor(revenue, currency),
            })
        })
        .collect()
}

const STATUS_COUNTS: &str = "SELECT status, SUM(order_count) FROM status_counts GROUP BY status";

/// Every status, zero included, in the status machine's order.
pub(crate) fn status_counts(conn: &mut impl Queryable) -> Result<Vec<StatusCount>, StoreError> {
    let rows: Vec<(String, String)> = conn.query(STATUS_COUNTS).db()?;
    let mut counts = HashMap::with_capacity(rows.len());
    for (status, orders) in rows {
        let status = status
            .parse::<OrderStatus>()
            .map_err(|e| corrupt(format!("stored status: {e}")))?;
        counts.insert(status, integer("status count", &orders)?);
    }
    Ok(OrderStatus::ALL
        .into_iter()
        .map(|status| StatusCount {
            status,
            orders: u64::try_from(counts.get(&status).copied().unwrap_or(0)).unwrap_or(0),
        })
        .collect())
}

const CANCELLATION_COUNTS: &str =
    "SELECT reason, SUM(order_count) FROM cancellation_counts GROUP BY reason";

/// Every reason, zero included, in `CancelReason::ALL` order.
pub(crate) fn cancellation_counts(
    conn: &mut impl Queryable,
) -> Result<Vec<CancellationCount>, StoreError> {
    let rows: Vec<(String, String)> = conn.query(CANCELLATION_COUNTS).db()?;
    let mut counts = HashMap::with_capacity(rows.len());
    for (reason, orders) in rows {
        let reason = reason
            .parse::<CancelReason>()
            .map_err(|e| corrupt(format!("stored cancellation reason: {e}")))?;
        counts.insert(reason, integer("cancellation count", &orders)?);
    }
    Ok(CancelReason::ALL
        .into_iter()
        .map(|reason| CancellationCount {
            reason,
            orders: u64::try_from(counts.get(&reason).copied().unwrap_or(0)).unwrap_or(0),
        })
        .collect())
}

fn currency_of(code: &str) -> Result<Currency, StoreError> {
    Currency::from_code(code).map_err(|e| corrupt(format!("stored currency {code:?}: {e}")))
}

/// A `SUM` comes back as a decimal string; it must fit an i64.
fn integer(what: &str, text: &str) -> Result<i64, StoreError> {
    text.parse()
        .map_err(|_| corrupt(format!("{what} {text:?} does not fit a 64-bit integer")))
}
