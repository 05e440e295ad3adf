//! The transactional outbox: events are written with the change they describe and relayed at
//! least once, then deleted a retention period later. Pending events come oldest first;
//! consumers deduplicate by `event_id`.

use std::collections::BTreeSet;

use mysql::prelude::Queryable;
use mysql::{Params, PooledConn, TxOpts, Value};
use orderly_core::{EventId, EventType, OrderId, OutboxEvent, StoreError, Timestamp, UserId};

use crate::codec::{from_json, parse_id};
use crate::error::{DbResult, corrupt};

const INSERT_EVENT: &str = "INSERT INTO outbox \
    (event_id, order_id, user_id, sequence, event_type, occurred_at, payload, delivered_at) \
    VALUES (?, ?, ?, ?, ?, ?, ?, NULL)";

const EVENT_EXISTS: &str = "SELECT 1 FROM outbox WHERE event_id = ? AND user_id = ?";

const PENDING: &str = "SELECT event_id, event_type, order_id, user_id, sequence, occurred_at, \
    payload FROM outbox WHERE delivered_at IS NULL \
    ORDER BY occurred_at, sequence, event_id LIMIT ?";

// `outbox_pending` leads with `delivered_at`, so the oldest delivered events are a range scan.
const PURGE_DELIVERED: &str = "DELETE FROM outbox \
    WHERE delivered_at IS NOT NULL AND delivered_at < ? ORDER BY delivered_at LIMIT ?";

/// `mark_delivered` sends ids in batches padded to one of these sizes, so that a handful of
/// prepared statements serve every call (repeating an id in `IN (...)` changes nothing).
const BATCH_SIZES: [usize; 3] = [1, 16, LARGEST_BATCH];
const LARGEST_BATCH: usize = 128;

pub(crate) fn insert_event(tx: &mut impl Queryable, event: &OutboxEvent) -> Result<(), StoreError> {
    tx.exec_drop(
        INSERT_EVENT,
        Params::Positional(vec![
            Value::from(event.event_id.to_string()),
            Value::from(event.order_id.to_string()),
            Value::from(event.user_id.as_str()),
            Value::from(event.sequence),
            Value::from(event.event_type.as_str()),
            Value::from(event.at.unix_millis()),
            Value::from(event.payload.get()),
        ]),
    )
    .db()?;
    crate::webhooks::fan_out(tx, event)
}

pub(crate) fn event_exists(
    conn: &mut impl Queryable,
    user: &UserId,
    id: &EventId,
) -> Result<bool, StoreError> {
    let found: Option<u8> = conn
        .exec_first(EVENT_EXISTS, (id.to_string(), user.as_str()))
        .db()?;
    Ok(found.is_some())
}

type EventRow = (String, String, String, String, u32, i64, Vec<u8>);

pub(crate) fn pending(
    conn: &mut impl Queryable,
    limit: u32,
) -> Result<Vec<OutboxEvent>, StoreError> {
    let rows: Vec<EventRow> = conn.exec(PENDING, (limit,)).db()?;
    rows.into_iter().map(decode_event).collect()
}

fn decode_event(row: EventRow) -> Result<OutboxEvent, StoreError> {
    let (event_id, event_type, order_id, user_id, sequence, at, payload) = row;
    Ok(OutboxEvent {
        event_id: parse_id("event id", &event_id, EventId::parse)?,
        event_type: event_type
            .parse::<EventType>()
            .map_err(|e| corrupt(format!("stored event type: {e}")))?,
        order_id: parse_id("order id", &order_id, OrderId::parse)?,
        user_id: UserId::new(user_id).map_err(|e| corrupt(format!("stored user id: {e}")))?,
        sequence,
        at: Timestamp::from_unix_millis(at),
        payload: from_json("event payload", &payload)?,
    })
}

/// Marks the given events delivered at `at`, in one transaction; counts those that were
/// pending (unknown or already delivered ids count zero).
pub(crate) fn mark_delivered(
    conn: &mut PooledConn,
    ids: &[EventId],
    at: Timestamp,
) -> Result<u64, StoreError> {
    let unique: BTreeSet<String> = ids.iter().map(ToString::to_string).collect();
    if unique.is_empty() {
        return Ok(0);
    }
    let unique: Vec<String> = unique.into_iter().collect();
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    let mut marked = 0;
    for batch in unique.chunks(LARGEST_BATCH) {
        let size = BATCH_SIZES
            .into_iter()
            .find(|s| *s >= batch.len())
            .unwrap_or(LARGEST_BATCH);
        let mut params = vec![Value::from(at.unix_millis())];
        params.extend(
            batch
                .iter()
                .chain(std::iter::repeat(batch.last().unwrap_or(&String::new())))
                .take(size)
                .map(|id| Value::from(id.as_str())),
        );
        let sql = format!(
            "UPDATE outbox SET delivered_at = ? WHERE delivered_at IS NULL AND event_id IN ({})",
            vec!["?"; size].join(", ")
        );
        tx.exec_drop(sql, Params::Positional(params)).db()?;
        marked += tx.affected_rows();
    }
    tx.commit().db()?;
    Ok(marked)
}

/// Deletes at most `limit` events delivered before `before`; returns how many.
pub(crate) fn purge_delivered(
    conn: &mut impl Queryable,
    before: Timestamp,
    limit: u32,
) -> Result<u64, StoreError> {
    let deleted = conn
        .exec_iter(PURGE_DELIVERED, (before.unix_millis(), limit))
        .db()?;
    Ok(deleted.affected_rows())
}
