//! Order rows and idempotency keys. An order is read back from its `doc` alone (one row, no
//! joins); the scalar columns are written from the same `Order` for indexes and reporting.

use orderly_core::store::{HistoryQuery, IdempotencyRecord, NewOrder, OrderChange};
use orderly_core::{IdempotencyKey, Order, OrderId, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use crate::codec::{IdText, from_json, parse_id};
use crate::error::OpError;

const CLAIM_KEY: &str = "INSERT INTO idempotency_keys (user_id, idem_key, order_id, fingerprint, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING";

const SELECT_KEY: &str =
    "SELECT order_id, fingerprint FROM idempotency_keys WHERE user_id = ?1 AND idem_key = ?2";

const INSERT_ORDER: &str = "INSERT INTO orders (id, user_id, status, currency, subtotal, shipping, tax, discount, \
     total, created_at, updated_at, version, checkout_id, doc) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

const UPDATE_ORDER: &str = "UPDATE orders SET status = ?1, updated_at = ?2, version = ?3, doc = ?4 \
     WHERE id = ?5 AND user_id = ?6 AND version = ?7";

const SELECT_ORDER: &str = "SELECT doc FROM orders WHERE id = ?1";

// History: newest first by (created_at, id), strictly after the cursor position. The range
// on created_at lets the index seek straight to the cursor instead of skipping rows.
const HISTORY: &str = "SELECT doc FROM orders WHERE user_id = ?1 \
     ORDER BY created_at DESC, id DESC LIMIT ?2";
const HISTORY_AFTER: &str = "SELECT doc FROM orders WHERE user_id = ?1 \
     AND created_at <= ?3 AND (created_at < ?3 OR id < ?4) \
     ORDER BY created_at DESC, id DESC LIMIT ?2";
const HISTORY_STATUS: &str = "SELECT doc FROM orders WHERE user_id = ?1 AND status = ?3 \
     ORDER BY created_at DESC, id DESC LIMIT ?2";
const HISTORY_STATUS_AFTER: &str = "SELECT doc FROM orders WHERE user_id = ?1 AND status = ?5 \
     AND created_at <= ?3 AND (created_at < ?3 OR id < ?4) \
     ORDER BY created_at DESC, id DESC LIMIT ?2";

/// Claims the user's idempotency key for the new order. `Some` names the order that already
/// holds it; then nothing was written.
pub(crate) fn claim_key(
    conn: &Connection,
    new: &NewOrder,
) -> Result<Option<IdempotencyRecord>, OpError> {
    let order_id = IdText::new(new.order.id.as_uuid());
    let claimed = conn.prepare_cached(CLAIM_KEY)?.execute(params![
        new.order.user_id.as_str(),
        new.idempotency_key.as_str(),
        order_id.as_str(),
        new.fingerprint,
        new.order.created_at.unix_millis(),
    ])?;
    if claimed == 1 {
        return Ok(None);
    }
    idempotency_record(conn, &new.order.user_id, &new.idempotency_key)?
        .map(Some)
        .ok_or_else(|| OpError::corrupt("idempotency key conflicted but cannot be read"))
}

pub(crate) fn idempotency_record(
    conn: &Connection,
    user: &UserId,
    key: &IdempotencyKey,
) -> Result<Option<IdempotencyRecord>, OpError> {
    let row = conn
        .prepare_cached(SELECT_KEY)?
        .query_row(params![user.as_str(), key.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?;
    row.map(|(order_id, fingerprint)| {
        Ok(IdempotencyRecord {
            order_id: parse_id(&order_id, OrderId::parse, "idempotency order id")?,
            fingerprint,
        })
    })
    .transpose()
}

/// Inserts a new order row; `doc` is the order's JSON.
pub(crate) fn insert(conn: &Connection, order: &Order, doc: &str) -> Result<(), OpError> {
    let id = IdText::new(order.id.as_uuid());
    let checkout = order.checkout_id.map(|c| IdText::new(c.as_uuid()));
    let t = &order.totals;
    conn.prepare_cached(INSERT_ORDER)?.execute(params![
        id.as_str(),
        order.user_id.as_str(),
        order.status.as_str(),
        order.currency.code(),
        t.subtotal.minor(),
        t.shipping.minor(),
        t.tax.minor(),
        t.discount.minor(),
        t.total.minor(),
        order.created_at.unix_millis(),
        order.updated_at.unix_millis(),
        order.version,
        checkout.as_ref().map(IdText::as_str),
        doc,
    ])?;
    Ok(())
}

/// Writes the changed order if it is still at `from_version`; false when it is not (or the
/// order is gone).
pub(crate) fn update(conn: &Connection, change: &OrderChange, doc: &str) -> Result<bool, OpError> {
    let order = &change.order;
    let id = IdText::new(change.order_id.as_uuid());
    let updated = conn.prepare_cached(UPDATE_ORDER)?.execute(params![
        order.status.as_str(),
        order.updated_at.unix_millis(),
        order.version,
        doc,
        id.as_str(),
        change.user_id.as_str(),
        change.from_version,
    ])?;
    Ok(updated == 1)
}

pub(crate) fn by_id(conn: &Connection, id: &OrderId) -> Result<Option<Order>, OpError> {
    let id = IdText::new(id.as_uuid());
    let mut stmt = conn.prepare_cached(SELECT_ORDER)?;
    let mut rows = stmt.query([id.as_str()])?;
    match rows.next()? {
        Some(row) => Ok(Some(from_json(row.get_ref(0)?.as_str()?, "order")?)),
        None => Ok(None),
    }
}

pub(crate) fn history(conn: &Connection, q: &HistoryQuery) -> Result<Vec<Order>, OpError> {
    let user = q.user_id.as_str();
    let limit = i64::from(q.limit);
    let after = q.after.map(|p| {
        (
            p.created_at.unix_millis(),
            IdText::new(p.order_id.as_uuid()),
        )
    });
    let status = q.status.map(|s| s.as_str());
    let mut stmt;
    let mut rows = match (&after, status) {
        (None, None) => {
            stmt = conn.prepare_cached(HISTORY)?;
            stmt.query(params![user, limit])?
        }
        (Some((at, id)), None) => {
            stmt = conn.prepare_cached(HISTORY_AFTER)?;
            stmt.query(params![user, limit, at, id.as_str()])?
        }
        (None, Some(status)) => {
            stmt = conn.prepare_cached(HISTORY_STATUS)?;
            stmt.query(params![user, limit, status])?
        }
        (Some((at, id)), Some(status)) => {
            stmt = conn.prepare_cached(HISTORY_STATUS_AFTER)?;
            stmt.query(params![user, limit, at, id.as_str(), status])?
        }
    };
    let mut orders = Vec::with_capacity(usize::try_from(q.limit.min(128)).unwrap_or(0));
    while let Some(row) = rows.next()? {
        orders.push(from_json(row.get_ref(0)?.as_str()?, "order")?);
    }
    Ok(orders)
}
