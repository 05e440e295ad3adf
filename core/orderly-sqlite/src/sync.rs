//! Offline sync rows: on a server, each device's counters, each operation's result and each
//! device's change feed; on a device, its identity and its operation log. The counters are
//! read and advanced inside the write's transaction (SQLite has one writer), so sequence
//! numbers have no gaps and never come from a clock or an auto-increment.

use orderly_core::store::{
    DeviceLogState, DeviceOp, DeviceState, FeedEntry, FeedRow, LoggedOperation, PulledOrder,
};
use orderly_core::sync::{Change, OperationResult, Outcome};
use orderly_core::{DeviceId, OrderDocument, OrderId, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::codec::{IdText, from_json, non_negative, parse_id, to_json};
use crate::error::OpError;

const ENSURE_DEVICE: &str = "INSERT INTO sync_devices (device_id, last_seq, change_seq, created_at, updated_at) \
     VALUES (?1, 0, 0, ?2, ?2) ON CONFLICT (device_id) DO NOTHING";
const DEVICE: &str = "SELECT last_seq, change_seq FROM sync_devices WHERE device_id = ?1";
const ADVANCE_SEQ: &str =
    "UPDATE sync_devices SET last_seq = ?2, updated_at = ?3 WHERE device_id = ?1";
const NEXT_CHANGE: &str = "UPDATE sync_devices SET change_seq = change_seq + 1, updated_at = ?2 \
     WHERE device_id = ?1 RETURNING change_seq";
const INSERT_RESULT: &str = "INSERT INTO sync_results (device_id, seq, order_id, outcome, code, detail, applied_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const RESULT: &str = "SELECT seq, order_id, outcome, code, detail FROM sync_results WHERE device_id = ?1 AND seq = ?2";
const INSERT_CHANGE: &str = "INSERT INTO device_changes (device_id, change_seq, order_id, version, body, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const CHANGES: &str = "SELECT change_seq, body FROM device_changes WHERE device_id = ?1 AND change_seq > ?2 \
     ORDER BY change_seq LIMIT ?3";

const IDENTITY: &str = "SELECT device_id, pull_cursor FROM device_identity WHERE singleton = 1";
const CLAIM_IDENTITY: &str = "INSERT INTO device_identity (singleton, device_id, pull_cursor, created_at) \
     VALUES (1, ?1, NULL, ?2) ON CONFLICT (singleton) DO NOTHING";
const SET_CURSOR: &str = "UPDATE device_identity SET pull_cursor = ?1 WHERE singleton = 1";
const LOG_OP: &str = "INSERT INTO sync_operations (seq, kind, order_id, body, recorded_at) \
     SELECT COALESCE(MAX(seq), 0) + 1, ?1, ?2, ?3, ?4 FROM sync_operations";
macro_rules! op_columns {
    () => {
        "SELECT seq, kind, order_id, body, recorded_at, outcome, code, detail FROM sync_operations"
    };
}
const PENDING: &str = concat!(
    op_columns!(),
    " WHERE outcome IS NULL ORDER BY seq LIMIT ?1"
);
const LOGGED: &str = concat!(op_columns!(), " WHERE seq > ?1 ORDER BY seq LIMIT ?2");
const FOR_ORDER: &str = concat!(op_columns!(), " WHERE order_id = ?1 ORDER BY seq");
const RECORD_RESULT: &str = "UPDATE sync_operations SET outcome = ?2, code = ?3, detail = ?4, result_at = ?5 \
     WHERE seq = ?1 AND outcome IS NULL";
const LOG_STATE: &str = "SELECT (SELECT COUNT(*) FROM sync_operations WHERE outcome IS NULL), \
     (SELECT COALESCE(MAX(seq), 0) FROM sync_operations)";
const UPDATE_PULLED: &str = "UPDATE orders SET status = ?1, updated_at = ?2, version = ?3, doc = ?4, \
     doc_format = ?5 WHERE id = ?6 AND user_id = ?7 AND version = ?8";

fn seq_param(seq: u64) -> Result<i64, OpError> {
    i64::try_from(seq).map_err(|_| OpError::Encode(format!("sequence number {seq} is too large")))
}

/// The device's row, created if it has none.
pub(crate) fn ensure_device(
    conn: &Connection,
    device: &DeviceId,
    at: Timestamp,
) -> Result<DeviceState, OpError> {
    conn.prepare_cached(ENSURE_DEVICE)?
        .execute(params![device.as_str(), at.unix_millis()])?;
    device_state(conn, device)?.ok_or_else(|| OpError::corrupt("device row vanished"))
}

pub(crate) fn device_state(
    conn: &Connection,
    device: &DeviceId,
) -> Result<Option<DeviceState>, OpError> {
    conn.prepare_cached(DEVICE)?
        .query_row([device.as_str()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .optional()?
        .map(|(last, change)| {
            Ok(DeviceState {
                last_seq: non_negative(last, "device last_seq")?,
                change_seq: non_negative(change, "device change_seq")?,
            })
        })
        .transpose()
}

pub(crate) fn advance(
    conn: &Connection,
    device: &DeviceId,
    seq: u64,
    at: Timestamp,
) -> Result<(), OpError> {
    conn.prepare_cached(ADVANCE_SEQ)?.execute(params![
        device.as_str(),
        seq_param(seq)?,
        at.unix_millis()
    ])?;
    Ok(())
}

pub(crate) fn insert_result(
    conn: &Connection,
    device: &DeviceId,
    result: &OperationResult,
    at: Timestamp,
) -> Result<(), OpError> {
    let order = IdText::new(result.order_id.as_uuid());
    conn.prepare_cached(INSERT_RESULT)?.execute(params![
        device.as_str(),
        seq_param(result.seq)?,
        order.as_str(),
        result.outcome.as_str(),
        result.code.as_deref(),
        result.detail.as_deref(),
        at.unix_millis(),
    ])?;
    Ok(())
}

fn result_from(row: &Row<'_>, first: usize) -> Result<OperationResult, OpError> {
    let seq = non_negative(row.get(first)?, "operation seq")?;
    let order_id = parse_id(
        row.get_ref(first + 1)?.as_str()?,
        OrderId::parse,
        "result order id",
    )?;
    let outcome = row.get_ref(first + 2)?.as_str()?;
    let outcome = Outcome::parse(outcome)
        .ok_or_else(|| OpError::corrupt(format!("stored outcome {outcome:?}")))?;
    Ok(OperationResult {
        seq,
        order_id,
        outcome,
        code: row.get(first + 3)?,
        detail: row.get(first + 4)?,
    })
}

pub(crate) fn result(
    conn: &Connection,
    device: &DeviceId,
    seq: u64,
) -> Result<Option<OperationResult>, OpError> {
    let mut stmt = conn.prepare_cached(RESULT)?;
    let mut rows = stmt.query(params![device.as_str(), seq_param(seq)?])?;
    rows.next()?.map(|row| result_from(row, 0)).transpose()
}

/// Appends `entry` to its device's feed with the device's next change number.
pub(crate) fn append_change(
    conn: &Connection,
    entry: &FeedEntry,
    at: Timestamp,
) -> Result<(), OpError> {
    ensure_device(conn, &entry.device_id, at)?;
    let change_seq: i64 = conn
        .prepare_cached(NEXT_CHANGE)?
        .query_row(params![entry.device_id.as_str(), at.unix_millis()], |r| {
            r.get(0)
        })?;
    let order = IdText::new(entry.change.order_id.as_uuid());
    conn.prepare_cached(INSERT_CHANGE)?.execute(params![
        entry.device_id.as_str(),
        change_seq,
        order.as_str(),
        entry.change.version,
        to_json(&entry.change)?,
        at.unix_millis(),
    ])?;
    Ok(())
}

pub(crate) fn changes(
    conn: &Connection,
    device: &DeviceId,
    after: u64,
    limit: u32,
) -> Result<Vec<FeedRow>, OpError> {
    let mut stmt = conn.prepare_cached(CHANGES)?;
    let mut rows = stmt.query(params![
        device.as_str(),
        seq_param(after)?,
        i64::from(limit)
    ])?;
    let mut feed = Vec::new();
    while let Some(row) = rows.next()? {
        feed.push(FeedRow {
            change_seq: non_negative(row.get(0)?, "change seq")?,
            change: from_json::<Change>(row.get_ref(1)?.as_str()?, "device change")?,
        });
    }
    Ok(feed)
}

fn identity_row(conn: &Connection) -> Result<Option<(String, Option<String>)>, OpError> {
    Ok(conn
        .prepare_cached(IDENTITY)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

fn parse_device(text: &str) -> Result<DeviceId, OpError> {
    DeviceId::new(text).map_err(|_| OpError::corrupt(format!("stored device id {text:?}")))
}

pub(crate) fn identity(conn: &Connection) -> Result<Option<DeviceId>, OpError> {
    identity_row(conn)?
        .map(|(id, _)| parse_device(&id))
        .transpose()
}

pub(crate) fn claim_identity(
    conn: &Connection,
    device: &DeviceId,
    at: Timestamp,
) -> Result<DeviceId, OpError> {
    conn.prepare_cached(CLAIM_IDENTITY)?
        .execute(params![device.as_str(), at.unix_millis()])?;
    identity(conn)?.ok_or_else(|| OpError::corrupt("device identity vanished"))
}

/// Logs `op` with the next sequence number, in the caller's transaction.
pub(crate) fn log_op(conn: &Connection, op: &DeviceOp, at: Timestamp) -> Result<(), OpError> {
    let order = IdText::new(op.order_id.as_uuid());
    conn.prepare_cached(LOG_OP)?.execute(params![
        op.kind,
        order.as_str(),
        op.body,
        at.unix_millis()
    ])?;
    Ok(())
}

fn logged(row: &Row<'_>) -> Result<LoggedOperation, OpError> {
    let seq = non_negative(row.get(0)?, "operation seq")?;
    let order_id = parse_id(
        row.get_ref(2)?.as_str()?,
        OrderId::parse,
        "operation order id",
    )?;
    let outcome: Option<String> = row.get(5)?;
    let result = outcome
        .map(|outcome| {
            Outcome::parse(&outcome)
                .ok_or_else(|| OpError::corrupt(format!("stored outcome {outcome:?}")))
                .map(|outcome| -> Result<OperationResult, OpError> {
                    Ok(OperationResult {
                        seq,
                        order_id,
                        outcome,
                        code: row.get(6)?,
                        detail: row.get(7)?,
                    })
                })
        })
        .transpose()?
        .transpose()?;
    Ok(LoggedOperation {
        seq,
        kind: row.get(1)?,
        order_id,
        body: row.get(3)?,
        recorded_at: Timestamp::from_unix_millis(row.get(4)?),
        result,
    })
}

fn operations(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<LoggedOperation>, OpError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut ops = Vec::new();
    while let Some(row) = rows.next()? {
        ops.push(logged(row)?);
    }
    Ok(ops)
}

pub(crate) fn pending(conn: &Connection, limit: u32) -> Result<Vec<LoggedOperation>, OpError> {
    operations(conn, PENDING, params![i64::from(limit)])
}

pub(crate) fn logged_after(
    conn: &Connection,
    after: u64,
    limit: u32,
) -> Result<Vec<LoggedOperation>, OpError> {
    operations(conn, LOGGED, params![seq_param(after)?, i64::from(limit)])
}

pub(crate) fn for_order(
    conn: &Connection,
    order: &OrderId,
) -> Result<Vec<LoggedOperation>, OpError> {
    let id = IdText::new(order.as_uuid());
    operations(conn, FOR_ORDER, params![id.as_str()])
}

pub(crate) fn record_results(
    conn: &Connection,
    results: &[OperationResult],
    at: Timestamp,
) -> Result<u64, OpError> {
    let mut stored = 0;
    let mut stmt = conn.prepare_cached(RECORD_RESULT)?;
    for r in results {
        stored += stmt.execute(params![
            seq_param(r.seq)?,
            r.outcome.as_str(),
            r.code.as_deref(),
            r.detail.as_deref(),
            at.unix_millis(),
        ])? as u64;
    }
    Ok(stored)
}

pub(crate) fn log_state(conn: &Connection) -> Result<DeviceLogState, OpError> {
    let (pending, last): (i64, i64) = conn
        .prepare_cached(LOG_STATE)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(DeviceLogState {
        pending: non_negative(pending, "pending count")?,
        last_recorded: non_negative(last, "operation seq")?,
        cursor: identity_row(conn)?.and_then(|(_, cursor)| cursor),
    })
}

/// Writes a pulled order if it is still at `from_version`; false if it is not.
pub(crate) fn update_pulled(conn: &Connection, pulled: &PulledOrder) -> Result<bool, OpError> {
    let order = &pulled.order;
    let id = IdText::new(pulled.order_id.as_uuid());
    let updated = conn.prepare_cached(UPDATE_PULLED)?.execute(params![
        order.status.as_str(),
        order.updated_at.unix_millis(),
        order.version,
        pulled.document.json(),
        OrderDocument::FORMAT,
        id.as_str(),
        pulled.user_id.as_str(),
        pulled.from_version,
    ])?;
    Ok(updated == 1)
}

pub(crate) fn set_cursor(conn: &Connection, cursor: &str) -> Result<(), OpError> {
    conn.prepare_cached(SET_CURSOR)?.execute([cursor])?;
    Ok(())
}
