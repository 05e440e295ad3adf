//! Orders and their idempotency keys: placing, changing and reading.
//!
//! Every statement is keyed by the order id or by `user_id` (the shard key); placing and
//! changing touch only the user's rows plus the rollups.

use mysql::prelude::Queryable;
use mysql::{Params, PooledConn, Transaction, TxOpts, Value};
use orderly_core::store::{
    ChangeOutcome, HistoryQuery, IdempotencyRecord, InsertOutcome, NewOrder, OrderChange,
};
use orderly_core::{
    IdempotencyKey, OrderDocument, OrderId, StoreError, StoreErrorKind, Timestamp, UserId,
};

use crate::codec::{parse_id, utf8};
use crate::error::{BACKEND, DbResult, corrupt, is_duplicate_key};
use crate::{outbox, rollups, search, sync};

const INSERT_IDEMPOTENCY: &str = "INSERT INTO idempotency_keys \
    (user_id, idem_key, order_id, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)";

const SELECT_IDEMPOTENCY: &str =
    "SELECT order_id, fingerprint FROM idempotency_keys WHERE user_id = ? AND idem_key = ?";

const INSERT_ORDER: &str = "INSERT INTO orders \
    (id, user_id, status, currency, subtotal, shipping, tax, discount, total, \
     created_at, updated_at, version, checkout_id, doc, doc_format, payment_token, device_id) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// The version check makes the write conditional: a concurrent change that committed first
/// leaves no matching row, and this one applies nothing.
const UPDATE_ORDER: &str = "UPDATE orders SET status = ?, updated_at = ?, version = ?, doc = ?, \
    doc_format = ? WHERE id = ? AND user_id = ? AND version = ?";

const SELECT_PAYMENT_TOKEN: &str = "SELECT payment_token FROM orders WHERE id = ?";

/// The columns of an `OrderDocument`, in the order `DocumentRow` holds them.
macro_rules! document_columns {
    () => {
        "SELECT id, user_id, version, created_at, doc_format, doc FROM orders"
    };
}

pub(crate) type DocumentRow = (Vec<u8>, Vec<u8>, u32, i64, u32, Vec<u8>);

const SELECT_ORDER: &str = concat!(document_columns!(), " WHERE id = ?");

/// History pages: newest first by (created_at, id), strictly after the cursor. Written with
/// OR rather than a row comparison so that every server uses the index range.
const HISTORY: &str = concat!(
    document_columns!(),
    " WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"
);
const HISTORY_AFTER: &str = concat!(
    document_columns!(),
    " WHERE user_id = ? AND (created_at < ? OR (created_at = ? AND id < ?)) \
    ORDER BY created_at DESC, id DESC LIMIT ?"
);
const HISTORY_BY_STATUS: &str = concat!(
    document_columns!(),
    " WHERE user_id = ? AND status = ? ORDER BY created_at DESC, id DESC LIMIT ?"
);
const HISTORY_BY_STATUS_AFTER: &str = concat!(
    document_columns!(),
    " WHERE user_id = ? AND status = ? AND (created_at < ? OR (created_at = ? AND id < ?)) \
    ORDER BY created_at DESC, id DESC LIMIT ?"
);

/// Claims the idempotency key first: a concurrent transaction inserting the same key waits on
/// InnoDB's lock for this one to end and then gets a duplicate-key error, so exactly one order
/// is written per key and the loser returns the winner's record.
pub(crate) fn insert_order(
    conn: &mut PooledConn,
    new: &NewOrder,
) -> Result<InsertOutcome, StoreError> {
    // The engine encoded the document and the event once; they are written as they are.
    let order = &new.order;

    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    if !claim_key(&mut tx, new)? {
        tx.rollback().db()?;
        return match idempotency_record(conn, &order.user_id, &new.idempotency_key)? {
            // An earlier attempt of this very call committed, but its answer was lost.
            Some(record) if record.order_id == order.id => Ok(InsertOutcome::Created),
            Some(record) => Ok(InsertOutcome::KeyTaken(record)),
            None => Err(StoreError::new(
                StoreErrorKind::Contention,
                BACKEND,
                "the idempotency key was taken and released; try again",
            )),
        };
    }
    write_new(&mut tx, new)?;
    tx.commit().db()?;
    Ok(InsertOutcome::Created)
}

/// Claims the user's idempotency key for `new`; false when it is taken (the caller rolls
/// back).
pub(crate) fn claim_key(tx: &mut Transaction<'_>, new: &NewOrder) -> Result<bool, StoreError> {
    let order = &new.order;
    let claimed = tx.exec_drop(
        INSERT_IDEMPOTENCY,
        (
            order.user_id.as_str(),
            new.idempotency_key.as_str().as_bytes(),
            order.id.to_string(),
            new.fingerprint.as_str(),
            order.created_at.unix_millis(),
        ),
    );
    match claimed {
        Err(e) if is_duplicate_key(&e) => Ok(false),
        other => other.db().map(|()| true),
    }
}

/// The order with its search index rows, event, rollups and (on a device) its operation; the
/// key is claimed.
pub(crate) fn write_new(tx: &mut Transaction<'_>, new: &NewOrder) -> Result<(), StoreError> {
    let order = &new.order;
    tx.exec_drop(INSERT_ORDER, order_row(new)).db()?;
    search::write_entries(tx, &order.id, order.created_at, &new.index)?;
    outbox::insert_event(tx, &new.event)?;
    if let Some(op) = &new.device_op {
        sync::log_op(tx, op, order.created_at)?;
    }
    if let Some(entry) = &new.feed {
        sync::append_change(tx, entry, order.updated_at)?;
    }
    // Rollups last: their rows are shared by many orders, so hold their locks the shortest.
    rollups::apply(tx, &order.user_id, &new.rollup)?;
    Ok(())
}

fn order_row(new: &NewOrder) -> Params {
    let order = &new.order;
    let totals = &order.totals;
    Params::Positional(vec![
        Value::from(order.id.to_string()),
        Value::from(order.user_id.as_str()),
        Value::from(order.status.as_str()),
        Value::from(order.currency.code()),
        Value::from(totals.subtotal.minor()),
        Value::from(totals.shipping.minor()),
        Value::from(totals.tax.minor()),
        Value::from(totals.discount.minor()),
        Value::from(totals.total.minor()),
        Value::from(order.created_at.unix_millis()),
        Value::from(order.updated_at.unix_millis()),
        Value::from(order.version),
        Value::from(order.checkout_id.map(|c| c.to_string())),
        Value::from(new.document.json()),
        Value::from(OrderDocument::FORMAT),
        Value::from(new.payment_token.as_deref()),
        Value::from(order.offline.as_ref().map(|o| o.device_id.as_str())),
    ])
}

pub(crate) fn idempotency_record(
    conn: &mut impl Queryable,
    user: &UserId,
    key: &IdempotencyKey,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    let row: Option<(String, String)> = conn
        .exec_first(SELECT_IDEMPOTENCY, (user.as_str(), key.as_str().as_bytes()))
        .db()?;
    row.map(|(order_id, fingerprint)| {
        Ok(IdempotencyRecord {
            order_id: parse_id("order id", &order_id, OrderId::parse)?,
            fingerprint,
        })
    })
    .transpose()
}

pub(crate) fn apply_change(
    conn: &mut PooledConn,
    change: &OrderChange,
) -> Result<ChangeOutcome, StoreError> {
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    if !write_change(&mut tx, change)? {
        tx.rollback().db()?;
        // An earlier attempt of this very call may have committed before its answer was lost:
        // its event, unique to this change, says so.
        return Ok(
            if outbox::event_exists(conn, &change.user_id, &change.event.event_id)? {
                ChangeOutcome::Applied
            } else {
                ChangeOutcome::Stale
            },
        );
    }
    tx.commit().db()?;
    Ok(ChangeOutcome::Applied)
}

/// The change with its search index rows (when they changed), event, feed entry, rollups and
/// (on a device) its operation; false, with nothing written, when the order is no longer at
/// `from_version` (the caller rolls back).
pub(crate) fn write_change(
    tx: &mut Transaction<'_>,
    change: &OrderChange,
) -> Result<bool, StoreError> {
    let order = &change.order;
    tx.exec_drop(
        UPDATE_ORDER,
        (
            order.status.as_str(),
            order.updated_at.unix_millis(),
            order.version,
            change.document.json(),
            OrderDocument::FORMAT,
            change.order_id.to_string(),
            change.user_id.as_str(),
            change.from_version,
        ),
    )
    .db()?;
    if tx.affected_rows() == 0 {
        return Ok(false);
    }
    if let Some(entries) = &change.index {
        search::replace_entries(tx, &change.order_id, order.created_at, entries)?;
    }
    outbox::insert_event(tx, &change.event)?;
    if let Some(entry) = &change.feed {
        sync::append_change(tx, entry, change.milestone.at)?;
    }
    if let Some(op) = &change.device_op {
        sync::log_op(tx, op, change.milestone.at)?;
    }
    rollups::apply(tx, &change.user_id, &change.rollup)?;
    Ok(true)
}

/// An `OrderDocument` from the columns of `document_columns!()`.
pub(crate) fn document(
    (id, user, version, created_at, format, doc): DocumentRow,
) -> Result<OrderDocument, StoreError> {
    let id = utf8("order id", id)?;
    let id = parse_id("order id", &id, OrderId::parse)?;
    let user = utf8("user id", user)?;
    let user = UserId::new(user).map_err(|e| corrupt(format!("stored user id: {e}")))?;
    let json = utf8("order", doc)?;
    OrderDocument::from_stored(
        id,
        user,
        version,
        Timestamp::from_unix_millis(created_at),
        format,
        json,
    )
    .map_err(corrupt)
}

/// The token kept beside an order's document; `None` for an unknown order or none kept.
pub(crate) fn payment_token(
    conn: &mut impl Queryable,
    id: &OrderId,
) -> Result<Option<String>, StoreError> {
    let row: Option<Option<String>> = conn
        .exec_first(SELECT_PAYMENT_TOKEN, (id.to_string(),))
        .db()?;
    Ok(row.flatten())
}

pub(crate) fn order(
    conn: &mut impl Queryable,
    id: &OrderId,
) -> Result<Option<OrderDocument>, StoreError> {
    let row: Option<DocumentRow> = conn.exec_first(SELECT_ORDER, (id.to_string(),)).db()?;
    row.map(document).transpose()
}

pub(crate) fn orders_for_user(
    conn: &mut impl Queryable,
    query: &HistoryQuery,
) -> Result<Vec<OrderDocument>, StoreError> {
    let user = Value::from(query.user_id.as_str());
    let limit = Value::from(query.limit);
    let after = query.after.map(|p| {
        let at = Value::from(p.created_at.unix_millis());
        [at.clone(), at, Value::from(p.order_id.to_string())]
    });
    let (sql, params): (&str, Vec<Value>) = match (query.status, after) {
        (None, None) => (HISTORY, vec![user, limit]),
        (None, Some([a, b, c])) => (HISTORY_AFTER, vec![user, a, b, c, limit]),
        (Some(s), None) => (
            HISTORY_BY_STATUS,
            vec![user, Value::from(s.as_str()), limit],
        ),
        (Some(s), Some([a, b, c])) => (
            HISTORY_BY_STATUS_AFTER,
            vec![user, Value::from(s.as_str()), a, b, c, limit],
        ),
    };
    let documents: Vec<Result<OrderDocument, StoreError>> = conn
        .exec_map(sql, Params::Positional(params), document)
        .db()?;
    documents.into_iter().collect()
}
