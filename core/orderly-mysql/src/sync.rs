//! Offline sync rows (see the SQLite store's `sync` module for what each table holds). A
//! device's row is locked (`FOR UPDATE`) before its counters are read and advanced, so pushes
//! of one device, and feed entries for it, serialise on that row; its sequence numbers have no
//! gaps and never come from a clock or an auto-increment.

use mysql::prelude::Queryable;
use mysql::{PooledConn, Transaction, TxOpts};
use orderly_core::store::{
    DeviceLogState, DeviceOp, DeviceState, FeedEntry, FeedRow, LoggedOperation, PulledWrite,
    SyncWrite, SyncWriteOutcome,
};
use orderly_core::sync::{Change, OperationResult, Outcome};
use orderly_core::{DeviceId, OrderDocument, OrderId, StoreError, StoreErrorKind, Timestamp};

use crate::codec::{from_json, parse_id, to_json, utf8};
use crate::error::{DbResult, corrupt};
use crate::{orders, rollups};

const ENSURE_DEVICE: &str = "INSERT INTO sync_devices (device_id, last_seq, change_seq, created_at, updated_at) \
    VALUES (?, 0, 0, ?, ?) ON DUPLICATE KEY UPDATE device_id = device_id";
const DEVICE: &str = "SELECT last_seq, change_seq FROM sync_devices WHERE device_id = ?";
const LOCK_DEVICE: &str =
    "SELECT last_seq, change_seq FROM sync_devices WHERE device_id = ? FOR UPDATE";
const ADVANCE_SEQ: &str =
    "UPDATE sync_devices SET last_seq = ?, updated_at = ? WHERE device_id = ?";
const NEXT_CHANGE: &str = "UPDATE sync_devices SET change_seq = change_seq + 1, updated_at = ? \
    WHERE device_id = ?";
const INSERT_RESULT: &str = "INSERT INTO sync_results (device_id, seq, order_id, outcome, code, detail, applied_at) \
    VALUES (?, ?, ?, ?, ?, ?, ?)";
const RESULT: &str =
    "SELECT seq, order_id, outcome, code, detail FROM sync_results WHERE device_id = ? AND seq = ?";
const INSERT_CHANGE: &str = "INSERT INTO device_changes (device_id, change_seq, order_id, version, body, created_at) \
    VALUES (?, ?, ?, ?, ?, ?)";
const CHANGES: &str = "SELECT change_seq, body FROM device_changes WHERE device_id = ? AND change_seq > ? \
    ORDER BY change_seq LIMIT ?";

const IDENTITY: &str = "SELECT device_id, pull_cursor FROM device_identity WHERE singleton = 1";
const CLAIM_IDENTITY: &str = "INSERT INTO device_identity (singleton, device_id, pull_cursor, created_at) \
    VALUES (1, ?, NULL, ?) ON DUPLICATE KEY UPDATE singleton = singleton";
const SET_CURSOR: &str = "UPDATE device_identity SET pull_cursor = ? WHERE singleton = 1";
const LOG_OP: &str = "INSERT INTO sync_operations (seq, kind, order_id, body, recorded_at) \
    SELECT COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ? FROM sync_operations";
macro_rules! op_columns {
    () => {
        "SELECT seq, kind, order_id, body, recorded_at, outcome, code, detail FROM sync_operations"
    };
}
const PENDING: &str = concat!(op_columns!(), " WHERE outcome IS NULL ORDER BY seq LIMIT ?");
const LOGGED: &str = concat!(op_columns!(), " WHERE seq > ? ORDER BY seq LIMIT ?");
const FOR_ORDER: &str = concat!(op_columns!(), " WHERE order_id = ? ORDER BY seq");
const RECORD_RESULT: &str = "UPDATE sync_operations SET outcome = ?, code = ?, detail = ?, result_at = ? \
    WHERE seq = ? AND outcome IS NULL";
const LOG_STATE: &str = "SELECT (SELECT COUNT(*) FROM sync_operations WHERE outcome IS NULL), \
    (SELECT COALESCE(MAX(seq), 0) FROM sync_operations)";
const UPDATE_PULLED: &str = "UPDATE orders SET status = ?, updated_at = ?, version = ?, doc = ?, \
    doc_format = ? WHERE id = ? AND user_id = ? AND version = ?";

type ResultRow = (u64, String, String, Option<String>, Option<String>);
type OpRow = (
    u64,
    String,
    String,
    Vec<u8>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn parse_outcome(text: &str) -> Result<Outcome, StoreError> {
    Outcome::parse(text).ok_or_else(|| corrupt(format!("stored outcome {text:?}")))
}

fn result_of(
    (seq, order_id, outcome, code, detail): ResultRow,
) -> Result<OperationResult, StoreError> {
    Ok(OperationResult {
        seq,
        order_id: parse_id("result order id", &order_id, OrderId::parse)?,
        outcome: parse_outcome(&outcome)?,
        code,
        detail,
    })
}

pub(crate) fn device_state(
    conn: &mut impl Queryable,
    device: &DeviceId,
) -> Result<Option<DeviceState>, StoreError> {
    let row: Option<(u64, u64)> = conn.exec_first(DEVICE, (device.as_str(),)).db()?;
    Ok(row.map(|(last_seq, change_seq)| DeviceState {
        last_seq,
        change_seq,
    }))
}

/// The device's row, created if needed and locked until the transaction ends.
fn lock_device(
    tx: &mut Transaction<'_>,
    device: &DeviceId,
    at: Timestamp,
) -> Result<DeviceState, StoreError> {
    let ms = at.unix_millis();
    tx.exec_drop(ENSURE_DEVICE, (device.as_str(), ms, ms))
        .db()?;
    let row: Option<(u64, u64)> = tx.exec_first(LOCK_DEVICE, (device.as_str(),)).db()?;
    let (last_seq, change_seq) = row.ok_or_else(|| corrupt("device row vanished"))?;
    Ok(DeviceState {
        last_seq,
        change_seq,
    })
}

pub(crate) fn result(
    conn: &mut impl Queryable,
    device: &DeviceId,
    seq: u64,
) -> Result<Option<OperationResult>, StoreError> {
    let row: Option<ResultRow> = conn.exec_first(RESULT, (device.as_str(), seq)).db()?;
    row.map(result_of).transpose()
}

pub(crate) fn apply_write(
    conn: &mut PooledConn,
    w: &SyncWrite,
) -> Result<SyncWriteOutcome, StoreError> {
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    let state = lock_device(&mut tx, &w.device_id, w.at)?;
    if state.last_seq.checked_add(1) != Some(w.seq) {
        tx.rollback().db()?;
        return Ok(SyncWriteOutcome::SeqTaken {
            last_seq: state.last_seq,
        });
    }
    if let Some(new) = &w.place {
        if !orders::claim_key(&mut tx, new)? {
            tx.rollback().db()?;
            return match orders::idempotency_record(conn, &new.order.user_id, &new.idempotency_key)?
            {
                Some(record) => Ok(SyncWriteOutcome::KeyTaken(record)),
                // Taken and released: plan again.
                None => Ok(SyncWriteOutcome::Stale),
            };
        }
        match orders::write_new(&mut tx, new) {
            Ok(()) => {}
            // Another device's push stored an order with this id since it was planned: plan
            // again, and the plan refuses the duplicate id.
            Err(e) if e.kind == StoreErrorKind::Constraint => {
                tx.rollback().db()?;
                return Ok(SyncWriteOutcome::Stale);
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(change) = &w.change
        && !orders::write_change(&mut tx, change)?
    {
        tx.rollback().db()?;
        return Ok(SyncWriteOutcome::Stale);
    }
    let r = &w.result;
    tx.exec_drop(
        INSERT_RESULT,
        (
            w.device_id.as_str(),
            r.seq,
            r.order_id.to_string(),
            r.outcome.as_str(),
            r.code.as_deref(),
            r.detail.as_deref(),
            w.at.unix_millis(),
        ),
    )
    .db()?;
    tx.exec_drop(
        ADVANCE_SEQ,
        (w.seq, w.at.unix_millis(), w.device_id.as_str()),
    )
    .db()?;
    tx.commit().db()?;
    Ok(SyncWriteOutcome::Applied)
}

/// Appends `entry` to its device's feed with the device's next change number.
pub(crate) fn append_change(
    tx: &mut Transaction<'_>,
    entry: &FeedEntry,
    at: Timestamp,
) -> Result<(), StoreError> {
    let ms = at.unix_millis();
    let device = entry.device_id.as_str();
    tx.exec_drop(ENSURE_DEVICE, (device, ms, ms)).db()?;
    tx.exec_drop(NEXT_CHANGE, (ms, device)).db()?;
    let row: Option<(u64, u64)> = tx.exec_first(DEVICE, (device,)).db()?;
    let (_, change_seq) = row.ok_or_else(|| corrupt("device row vanished"))?;
    tx.exec_drop(
        INSERT_CHANGE,
        (
            device,
            change_seq,
            entry.change.order_id.to_string(),
            entry.change.version,
            to_json(&entry.change)?,
            ms,
        ),
    )
    .db()?;
    Ok(())
}

pub(crate) fn changes(
    conn: &mut impl Queryable,
    device: &DeviceId,
    after: u64,
    limit: u32,
) -> Result<Vec<FeedRow>, StoreError> {
    let rows: Vec<(u64, Vec<u8>)> = conn.exec(CHANGES, (device.as_str(), after, limit)).db()?;
    rows.into_iter()
        .map(|(change_seq, body)| {
            Ok(FeedRow {
                change_seq,
                change: from_json::<Change>("device change", &body)?,
            })
        })
        .collect()
}

fn identity_row(conn: &mut impl Queryable) -> Result<Option<(String, Option<String>)>, StoreError> {
    conn.exec_first(IDENTITY, ()).db()
}

pub(crate) fn identity(conn: &mut impl Queryable) -> Result<Option<DeviceId>, StoreError> {
    identity_row(conn)?
        .map(|(id, _)| {
            DeviceId::new(id.as_str()).map_err(|_| corrupt(format!("stored device id {id:?}")))
        })
        .transpose()
}

pub(crate) fn claim_identity(
    conn: &mut PooledConn,
    device: &DeviceId,
    at: Timestamp,
) -> Result<DeviceId, StoreError> {
    conn.exec_drop(CLAIM_IDENTITY, (device.as_str(), at.unix_millis()))
        .db()?;
    identity(conn)?.ok_or_else(|| corrupt("device identity vanished"))
}

/// Logs `op` with the next sequence number, in the caller's transaction.
pub(crate) fn log_op(
    tx: &mut Transaction<'_>,
    op: &DeviceOp,
    at: Timestamp,
) -> Result<(), StoreError> {
    tx.exec_drop(
        LOG_OP,
        (
            op.kind,
            op.order_id.to_string(),
            op.body.as_str(),
            at.unix_millis(),
        ),
    )
    .db()
}

fn logged(
    (seq, kind, order_id, body, recorded_at, outcome, code, detail): OpRow,
) -> Result<LoggedOperation, StoreError> {
    let order_id = parse_id("operation order id", &order_id, OrderId::parse)?;
    let result = outcome
        .map(|outcome| {
            Ok::<_, StoreError>(OperationResult {
                seq,
                order_id,
                outcome: parse_outcome(&outcome)?,
                code,
                detail,
            })
        })
        .transpose()?;
    Ok(LoggedOperation {
        seq,
        kind,
        order_id,
        body: utf8("operation body", body)?,
        recorded_at: Timestamp::from_unix_millis(recorded_at),
        result,
    })
}

fn operations(
    conn: &mut impl Queryable,
    sql: &str,
    params: impl Into<mysql::Params>,
) -> Result<Vec<LoggedOperation>, StoreError> {
    let rows: Vec<OpRow> = conn.exec(sql, params).db()?;
    rows.into_iter().map(logged).collect()
}

pub(crate) fn pending(
    conn: &mut impl Queryable,
    limit: u32,
) -> Result<Vec<LoggedOperation>, StoreError> {
    operations(conn, PENDING, (limit,))
}

pub(crate) fn logged_after(
    conn: &mut impl Queryable,
    after: u64,
    limit: u32,
) -> Result<Vec<LoggedOperation>, StoreError> {
    operations(conn, LOGGED, (after, limit))
}

pub(crate) fn for_order(
    conn: &mut impl Queryable,
    order: &OrderId,
) -> Result<Vec<LoggedOperation>, StoreError> {
    operations(conn, FOR_ORDER, (order.to_string(),))
}

pub(crate) fn record_results(
    conn: &mut PooledConn,
    results: &[OperationResult],
    at: Timestamp,
) -> Result<u64, StoreError> {
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    let mut stored = 0;
    for r in results {
        tx.exec_drop(
            RECORD_RESULT,
            (
                r.outcome.as_str(),
                r.code.as_deref(),
                r.detail.as_deref(),
                at.unix_millis(),
                r.seq,
            ),
        )
        .db()?;
        stored += tx.affected_rows();
    }
    tx.commit().db()?;
    Ok(stored)
}

pub(crate) fn log_state(conn: &mut impl Queryable) -> Result<DeviceLogState, StoreError> {
    let row: Option<(u64, u64)> = conn.exec_first(LOG_STATE, ()).db()?;
    let (pending, last_recorded) = row.unwrap_or_default();
    Ok(DeviceLogState {
        pending,
        last_recorded,
        cursor: identity_row(conn)?.and_then(|(_, cursor)| cursor),
    })
}

pub(crate) fn apply_pulled(conn: &mut PooledConn, w: &PulledWrite) -> Result<bool, StoreError> {
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    for pulled in &w.orders {
        let order = &pulled.order;
        tx.exec_drop(
            UPDATE_PULLED,
            (
                order.status.as_str(),
                order.updated_at.unix_millis(),
                order.version,
                pulled.document.json(),
                OrderDocument::FORMAT,
                pulled.order_id.to_string(),
                pulled.user_id.as_str(),
                pulled.from_version,
            ),
        )
        .db()?;
        if tx.affected_rows() == 0 {
            tx.rollback().db()?;
            return Ok(false);
        }
        crate::search::replace_entries(&mut tx, &order.id, order.created_at, &pulled.index)?;
        rollups::apply(&mut tx, &pulled.user_id, &pulled.rollup)?;
    }
    tx.exec_drop(SET_CURSOR, (w.cursor.as_str(),)).db()?;
    tx.commit().db()?;
    Ok(true)
}
