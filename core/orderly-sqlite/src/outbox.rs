//! The transactional outbox: events are written with the change they describe, read back
//! oldest first until they are marked delivered, and deleted a retention period later.

use orderly_core::{EventId, EventType, OrderId, OutboxEvent, Timestamp, UserId};
use rusqlite::{Connection, Row, params};

use crate::codec::{IdText, from_json, parse_id};
use crate::error::OpError;

const INSERT: &str = "INSERT INTO outbox \
     (event_id, order_id, user_id, sequence, event_type, occurred_at, payload) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

// Per order, `occurred_at` never decreases and `sequence` increases, so this order keeps each
// order's events in sequence. The partial index `outbox_pending` serves it.
const PENDING: &str = "SELECT event_id, order_id, user_id, sequence, event_type, occurred_at, \
     payload FROM outbox WHERE delivered_at IS NULL \
     ORDER BY occurred_at, sequence, event_id LIMIT ?1";

const MARK_DELIVERED: &str =
    "UPDATE outbox SET delivered_at = ?2 WHERE event_id = ?1 AND delivered_at IS NULL";

// The partial index `outbox_delivered` finds the oldest delivered events.
const PURGE_DELIVERED: &str = "DELETE FROM outbox WHERE event_id IN (SELECT event_id FROM outbox \
     WHERE delivered_at IS NOT NULL AND delivered_at < ?1 LIMIT ?2)";

/// Inserts an event; `payload` is its payload's JSON.
pub(crate) fn insert(conn: &Connection, event: &OutboxEvent, payload: &str) -> Result<(), OpError> {
    let event_id = IdText::new(event.event_id.as_uuid());
    let order_id = IdText::new(event.order_id.as_uuid());
    conn.prepare_cached(INSERT)?.execute(params![
        event_id.as_str(),
        order_id.as_str(),
        event.user_id.as_str(),
        event.sequence,
        event.event_type.as_str(),
        event.at.unix_millis(),
        payload,
    ])?;
    crate::webhooks::fan_out(conn, event)
}

pub(crate) fn pending(conn: &Connection, limit: u32) -> Result<Vec<OutboxEvent>, OpError> {
    let mut stmt = conn.prepare_cached(PENDING)?;
    let mut rows = stmt.query([i64::from(limit)])?;
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        events.push(decode(row)?);
    }
    Ok(events)
}

fn decode(row: &Row<'_>) -> Result<OutboxEvent, OpError> {
    let text = |i: usize| -> Result<&str, OpError> { Ok(row.get_ref(i)?.as_str()?) };
    let user = text(2)?;
    let kind = text(4)?;
    Ok(OutboxEvent {
        event_id: parse_id(text(0)?, EventId::parse, "event id")?,
        order_id: parse_id(text(1)?, OrderId::parse, "event order id")?,
        user_id: UserId::new(user)
            .map_err(|_| OpError::corrupt(format!("stored event user id {user:?}")))?,
        sequence: row.get(3)?,
        event_type: kind.parse::<EventType>().map_err(OpError::corrupt)?,
        at: Timestamp::from_unix_millis(row.get(5)?),
        payload: from_json(text(6)?, "event payload")?,
    })
}

/// Marks the listed events delivered; returns how many were still pending.
pub(crate) fn mark_delivered(
    conn: &Connection,
    ids: &[EventId],
    at: Timestamp,
) -> Result<u64, OpError> {
    let mut stmt = conn.prepare_cached(MARK_DELIVERED)?;
    let mut marked = 0u64;
    for id in ids {
        let id = IdText::new(id.as_uuid());
        marked += stmt.execute(params![id.as_str(), at.unix_millis()])? as u64;
    }
    Ok(marked)
}

/// Deletes at most `limit` events delivered before `before`; returns how many.
pub(crate) fn purge_delivered(
    conn: &Connection,
    before: Timestamp,
    limit: u32,
) -> Result<u64, OpError> {
    let deleted = conn
        .prepare_cached(PURGE_DELIVERED)?
        .execute(params![before.unix_millis(), i64::from(limit)])?;
    Ok(deleted as u64)
}
