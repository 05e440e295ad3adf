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
use orderly_core::analytics::{CancellationCount, DayRange, HourlySales, RollupDelta};
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

const PRODUCT_DAILY_UPSERT: RowsStatement = (
    "INSERT INTO product_sales_daily (day, currency, product_id, quantity, revenue) VALUES ",
    "(?, ?, ?, ?, ?)",
    " ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity), \
     revenue = revenue + VALUES(revenue)",
);

const STATUS_DAILY_UPSERT: RowsStatement = (
    "INSERT INTO status_counts_daily (day, status, slot, order_count) VALUES ",
    "(?, ?, ?, ?)",
    " ON DUPLICATE KEY UPDATE order_count = order_count + VALUES(order_count)",
);

const CANCELLATION_DAILY_UPSERT: RowsStatement = (
    "INSERT INTO cancellation_counts_daily (day, reason, slot, order_count) VALUES ",
    "(?, ?, ?, ?)",
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
    batch::execute(tx, CANCELLATION_UPSERT, cancellations)?;
    apply_daily(tx, slot, delta)
}

/// The daily half of [`apply`] (locked after every all-time row, keeping one global order):
/// products, statuses and cancellations by the day the order was placed. The migration that
/// created the daily tables fills them through it.
pub(crate) fn apply_daily(
    tx: &mut impl Queryable,
    slot: u8,
    delta: &RollupDelta,
) -> Result<(), StoreError> {
    let mut products: BTreeMap<(&str, &[u8]), (i64, i64)> = BTreeMap::new();
    for p in &delta.products {
        let key = (p.currency.code(), p.product_id.as_str().as_bytes());
        let entry = products.entry(key).or_default();
        entry.0 += p.quantity;
        entry.1 += p.revenue;
    }
    let products: Vec<Vec<Value>> = products
        .into_iter()
        .map(|((currency, product), (quantity, revenue))| {
            vec![
                delta.day.into(),
                currency.into(),
                product.into(),
                quantity.into(),
                revenue.into(),
            ]
        })
        .collect();
    batch::execute(tx, PRODUCT_DAILY_UPSERT, products)?;

    let mut statuses: BTreeMap<&str, i64> = BTreeMap::new();
    for s in &delta.statuses {
        *statuses.entry(s.status.as_str()).or_default() += s.orders;
    }
    let statuses: Vec<Vec<Value>> = statuses
        .into_iter()
        .map(|(status, orders)| vec![delta.day.into(), status.into(), slot.into(), orders.into()])
        .collect();
    batch::execute(tx, STATUS_DAILY_UPSERT, statuses)?;

    let mut cancellations: BTreeMap<&str, i64> = BTreeMap::new();
    for c in &delta.cancellations {
        *cancellations.entry(c.reason.as_str()).or_default() += c.orders;
    }
    let cancellations: Vec<Vec<Value>> = cancellations
        .into_iter()
        .map(|(reason, orders)| vec![delta.day.into(), reason.into(), slot.into(), orders.into()])
        .collect();
    batch::execute(tx, CANCELLATION_DAILY_UPSERT, cancellations)
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

/// Fills the daily rollups with what every stored order counts for as it stands, in one
/// transaction that first empties them, so a migration cut short and run again counts each
/// order once.
pub(crate) fn backfill_daily(conn: &mut impl Queryable) -> Result<u64, StoreError> {
    conn.query_drop("START TRANSACTION").db()?;
    let filled = (|| {
        for table in [
            "product_sales_daily",
            "status_counts_daily",
            "cancellation_counts_daily",
        ] {
            conn.query_drop(format!("DELETE FROM {table}")).db()?;
        }
        crate::backfill::each_page(conn, |conn, orders| {
            for order in orders {
                apply_daily(conn, slot(&order.user_id), &RollupDelta::standing(order))?;
            }
            Ok(())
        })
    })();
    match filled {
        Ok(read) => {
            conn.query_drop("COMMIT").db()?;
            Ok(read)
        }
        Err(e) => {
            // The fill's error is the one to report; a failed rollback ends with the session.
            let _ = conn.query_drop("ROLLBACK");
            Err(e)
        }
    }
}

const HOURLY_SALES: &str = "SELECT hour_start, currency, SUM(total_minor), SUM(order_count) \
    FROM sales_hourly WHERE hour_start >= ? AND hour_start < ? \
    GROUP BY hour_start, currency ORDER BY hour_start, currency";

pub(crate) fn hourly_sales(
    conn: &mut impl Queryable,
    from_hour: i64,
    to_hour_exclusive: i64,
) -> Result<Vec<HourlySales>, StoreError> {
    let rows: Vec<(i64, String, String, String)> = conn
        .exec(HOURLY_SALES, (from_hour, to_hour_exclusive))
        .db()?;
    rows.into_iter()
        .map(|(hour, currency, total, orders)| {
            Ok(HourlySales {
                hour,
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

// Over a range: the daily sums, named from the all-time row (the name last sold under; the id
// for a product that has none, which only a database written around the store can hold).
macro_rules! top_in {
    ($order:literal) => {
        concat!(
            "SELECT d.product_id, COALESCE(MAX(p.name), CONVERT(d.product_id USING utf8mb4)), ",
            "CAST(SUM(d.quantity) AS SIGNED) AS q, CAST(SUM(d.revenue) AS SIGNED) AS r ",
            "FROM product_sales_daily d LEFT JOIN product_sales p ",
            "ON p.currency = d.currency AND p.product_id = d.product_id ",
            "WHERE d.currency = ? AND d.day >= ? AND d.day < ? GROUP BY d.product_id ",
            "HAVING q > 0 ORDER BY ",
            $order,
            ", d.product_id LIMIT ?"
        )
    };
}
const TOP_IN_BY_QUANTITY: &str = top_in!("q DESC, r DESC");
const TOP_IN_BY_REVENUE: &str = top_in!("r DESC, q DESC");

pub(crate) fn top_products(
    conn: &mut impl Queryable,
    currency: Currency,
    by: TopBy,
    limit: u32,
    days: DayRange,
) -> Result<Vec<ProductSales>, StoreError> {
    let rows: Vec<(Vec<u8>, String, i64, i64)> = if days == DayRange::ALL {
        let sql = match by {
            TopBy::Quantity => TOP_BY_QUANTITY,
            TopBy::Revenue => TOP_BY_REVENUE,
        };
        conn.exec(sql, (currency.code(), limit)).db()?
    } else {
        let sql = match by {
            TopBy::Quantity => TOP_IN_BY_QUANTITY,
            TopBy::Revenue => TOP_IN_BY_REVENUE,
        };
        let params = (currency.code(), days.from_day, days.to_day_exclusive, limit);
        conn.exec(sql, params).db()?
    };
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
const STATUS_COUNTS_IN: &str = "SELECT status, SUM(order_count) FROM status_counts_daily \
    WHERE day >= ? AND day < ? GROUP BY status";

/// Runs an all-time count (no parameters) or its daily form (the range's two bounds).
fn counts(
    conn: &mut impl Queryable,
    days: DayRange,
    all_time: &str,
    daily: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    if days == DayRange::ALL {
        conn.query(all_time).db()
    } else {
        conn.exec(daily, (days.from_day, days.to_day_exclusive))
            .db()
    }
}

/// Every status, zero included, in the status machine's order.
pub(crate) fn status_counts(
    conn: &mut impl Queryable,
    days: DayRange,
) -> Result<Vec<StatusCount>, StoreError> {
    let rows = counts(conn, days, STATUS_COUNTS, STATUS_COUNTS_IN)?;
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
const CANCELLATION_COUNTS_IN: &str = "SELECT reason, SUM(order_count) \
    FROM cancellation_counts_daily WHERE day >= ? AND day < ? GROUP BY reason";

/// Every reason, zero included, in `CancelReason::ALL` order.
pub(crate) fn cancellation_counts(
    conn: &mut impl Queryable,
    days: DayRange,
) -> Result<Vec<CancellationCount>, StoreError> {
    let rows = counts(conn, days, CANCELLATION_COUNTS, CANCELLATION_COUNTS_IN)?;
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
