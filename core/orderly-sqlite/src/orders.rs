//! Order rows and idempotency keys. An order is read back as its `doc` with the few columns
//! the engine needs beside it (one row, no joins); the other scalar columns are written from
//! the same `Order` for indexes and reporting.

use orderly_core::search::IndexEntry;
use orderly_core::store::{HistoryQuery, IdempotencyRecord, NewOrder, OrderChange};
use orderly_core::{IdempotencyKey, OrderDocument, OrderId, Timestamp, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::codec::{IdText, non_negative, parse_id};
use crate::error::OpError;

const CLAIM_KEY: &str = "INSERT INTO idempotency_keys (user_id, idem_key, order_id, fingerprint, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING";

const SELECT_KEY: &str =
    "SELECT order_id, fingerprint FROM idempotency_keys WHERE user_id = ?1 AND idem_key = ?2";

const INSERT_ORDER: &str = "INSERT INTO orders (id, user_id, status, currency, subtotal, shipping, tax, discount, \
     total, created_at, updated_at, version, checkout_id, doc, doc_format, payment_token, device_id) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

const UPDATE_ORDER: &str = "UPDATE orders SET status = ?1, updated_at = ?2, version = ?3, doc = ?4, \
     doc_format = ?5 WHERE id = ?6 AND user_id = ?7 AND version = ?8";

const SELECT_PAYMENT_TOKEN: &str = "SELECT payment_token FROM orders WHERE id = ?1";

const ORDER_EXISTS: &str = "SELECT 1 FROM orders WHERE id = ?1";

/// The columns of an `OrderDocument`, in the order `document` reads them.
macro_rules! document_columns {
    () => {
        "SELECT id, user_id, version, created_at, doc_format, doc FROM orders"
    };
}

const SELECT_ORDER: &str = concat!(document_columns!(), " WHERE id = ?1");

// History: newest first by (created_at, id), strictly after the cursor position. The range
// on created_at lets the index seek straight to the cursor instead of skipping rows.
const HISTORY: &str = concat!(
    document_columns!(),
    " WHERE user_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2"
);
const HISTORY_AFTER: &str = concat!(
    document_columns!(),
    " WHERE user_id = ?1 AND created_at <= ?3 AND (created_at < ?3 OR id < ?4) \
     ORDER BY created_at DESC, id DESC LIMIT ?2"
);
const HISTORY_STATUS: &str = concat!(
    document_columns!(),
    " WHERE user_id = ?1 AND status = ?3 ORDER BY created_at DESC, id DESC LIMIT ?2"
);
const HISTORY_STATUS_AFTER: &str = concat!(
    document_columns!(),
    " WHERE user_id = ?1 AND status = ?5 AND created_at <= ?3 AND (created_at < ?3 OR id < ?4) \
     ORDER BY created_at DESC, id DESC LIMIT ?2"
);

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

/// Inserts a new order row with its document and payment token.
pub(crate) fn insert(conn: &Connection, new: &NewOrder) -> Result<(), OpError> {
    let order = &new.order;
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
        new.document.json(),
        OrderDocument::FORMAT,
        new.payment_token.as_deref(),
        order.offline.as_ref().map(|o| o.device_id.as_str()),
    ])?;
    insert_index(conn, &order.id, order.created_at, &new.index)
}

const INSERT_INDEX: &str = "INSERT OR IGNORE INTO order_index (kind, value, created_at, order_id) \
     VALUES (?1, ?2, ?3, ?4)";

const DELETE_INDEX: &str = "DELETE FROM order_index WHERE order_id = ?1";

/// Writes an order's search index rows.
pub(crate) fn insert_index(
    conn: &Connection,
    id: &OrderId,
    created_at: Timestamp,
    entries: &[IndexEntry],
) -> Result<(), OpError> {
    if entries.is_empty() {
        return Ok(());
    }
    let id = IdText::new(id.as_uuid());
    let mut stmt = conn.prepare_cached(INSERT_INDEX)?;
    for entry in entries {
        stmt.execute(params![
            entry.kind.code(),
            entry.value,
            created_at.unix_millis(),
            id.as_str()
        ])?;
    }
    Ok(())
}

/// Replaces an order's search index rows.
pub(crate) fn replace_index(
    conn: &Connection,
    id: &OrderId,
    created_at: Timestamp,
    entries: &[IndexEntry],
) -> Result<(), OpError> {
    let text = IdText::new(id.as_uuid());
    conn.prepare_cached(DELETE_INDEX)?
        .execute([text.as_str()])?;
    insert_index(conn, id, created_at, entries)
}

/// Writes the changed order if it is still at `from_version`; false when it is not (or the
/// order is gone).
pub(crate) fn update(conn: &Connection, change: &OrderChange) -> Result<bool, OpError> {
    let order = &change.order;
    let id = IdText::new(change.order_id.as_uuid());
    let updated = conn.prepare_cached(UPDATE_ORDER)?.execute(params![
        order.status.as_str(),
        order.updated_at.unix_millis(),
        order.version,
        change.document.json(),
        OrderDocument::FORMAT,
        id.as_str(),
        change.user_id.as_str(),
        change.from_version,
    ])?;
    if updated != 1 {
        return Ok(false);
    }
    if let Some(entries) = &change.index {
        replace_index(conn, &order.id, order.created_at, entries)?;
    }
    Ok(true)
}

/// An `OrderDocument` from a row of `document_columns!()`.
pub(crate) fn document(row: &Row<'_>) -> Result<OrderDocument, OpError> {
    let id = parse_id(row.get_ref(0)?.as_str()?, OrderId::parse, "order id")?;
    let user = row.get_ref(1)?.as_str()?;
    let user = UserId::new(user)
        .map_err(|_| OpError::corrupt(format!("stored user id {user:?} is not valid")))?;
    let version = non_negative(row.get(2)?, "order version")?;
    let version = u32::try_from(version)
        .map_err(|_| OpError::corrupt(format!("stored order version {version} is too large")))?;
    let created_at = Timestamp::from_unix_millis(row.get(3)?);
    let format = non_negative(row.get(4)?, "document format")?;
    let format = u32::try_from(format)
        .map_err(|_| OpError::corrupt(format!("stored document format {format} is too large")))?;
    let json = row.get_ref(5)?.as_str()?.to_owned();
    OrderDocument::from_stored(id, user, version, created_at, format, json)
        .map_err(OpError::corrupt)
}

pub(crate) fn payment_token(conn: &Connection, id: &OrderId) -> Result<Option<String>, OpError> {
    let id = IdText::new(id.as_uuid());
    let token = conn
        .prepare_cached(SELECT_PAYMENT_TOKEN)?
        .query_row([id.as_str()], |row| row.get::<_, Option<String>>(0))
        .optional()?;
    Ok(token.flatten())
}

/// Whether an order has this id, without reading it.
pub(crate) fn exists(conn: &Connection, id: &OrderId) -> Result<bool, OpError> {
    let id = IdText::new(id.as_uuid());
    let found = conn
        .prepare_cached(ORDER_EXISTS)?
        .query_row([id.as_str()], |_| Ok(()))
        .optional()?;
    Ok(found.is_some())
}

pub(crate) fn order(conn: &Connection, id: &OrderId) -> Result<Option<OrderDocument>, OpError> {
    let id = IdText::new(id.as_uuid());
    let mut stmt = conn.prepare_cached(SELECT_ORDER)?;
    let mut rows = stmt.query([id.as_str()])?;
    rows.next()?.map(document).transpose()
}

pub(crate) fn orders_for_user(
    conn: &Connection,
    q: &HistoryQuery,
) -> Result<Vec<OrderDocument>, OpError> {
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
    let mut documents = Vec::with_capacity(usize::try_from(q.limit.min(128)).unwrap_or(0));
    while let Some(row) = rows.next()? {
        documents.push(document(row)?);
    }
    Ok(documents)
}
