//! Webhook subscriptions, their deliveries (fanned out by the outbox's insert) and the log of
//! attempts.

use orderly_core::store::{
    Backlog, CreateWebhookOutcome, DeliveryLog, NewWebhook, RecordedAttempt, StoredWebhook,
};
use orderly_core::webhooks::{
    Attempt, ClaimedDelivery, DeliveryRecord, DeliveryStatus, SigningSecrets, Subscription,
    WebhookSecret, WebhookUrl,
};
use orderly_core::{EventId, EventType, OrderId, OutboxEvent, Timestamp, WebhookId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::codec::{IdText, non_negative, parse_id};
use crate::error::OpError;

/// One delivery per enabled subscription of the event's type, in the event's transaction.
const FAN_OUT: &str = "INSERT INTO webhook_deliveries (subscription_id, event_id, order_id, \
     sequence, event_type, body, status, attempts, next_attempt_at, claimed_until, \
     series_started_at, created_at, last_attempt_at) \
     SELECT s.id, ?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, NULL, ?6, ?6, NULL \
     FROM webhook_subscription_events e JOIN webhook_subscriptions s ON s.id = e.subscription_id \
     WHERE e.event_type = ?4 AND s.enabled = 1";

const SUBSCRIPTION_COLUMNS: &str = "id, url, enabled, created_at, updated_at, last_success_at, \
     last_failure_at, last_failure_reason, failing_since, secret, previous_secret, \
     previous_secret_until";

// A due delivery whose order has no earlier delivery still open for the same subscription.
const DUE: &str = "SELECT d.event_id, d.order_id, d.sequence, d.event_type, d.body, d.attempts, \
     d.series_started_at FROM webhook_deliveries d \
     WHERE d.subscription_id = ?1 AND d.status IN ('pending', 'retrying') \
     AND d.next_attempt_at <= ?2 AND (d.claimed_until IS NULL OR d.claimed_until <= ?2) \
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.subscription_id = d.subscription_id \
     AND e.order_id = d.order_id AND e.sequence < d.sequence AND e.status IN ('pending', 'retrying')) \
     ORDER BY d.next_attempt_at, d.created_at, d.sequence LIMIT ?3";

const DELIVERY_COLUMNS: &str =
    "event_id, event_type, order_id, sequence, status, next_attempt_at, created_at";

/// Fans `event` out to the enabled subscriptions of its type; `body` is its envelope.
pub(crate) fn fan_out(conn: &Connection, event: &OutboxEvent) -> Result<(), OpError> {
    let body = orderly_core::envelope::encode(event)
        .map_err(|e| OpError::Encode(format!("cannot encode the event's envelope: {e}")))?;
    conn.prepare_cached(FAN_OUT)?.execute(params![
        IdText::new(event.event_id.as_uuid()).as_str(),
        IdText::new(event.order_id.as_uuid()).as_str(),
        event.sequence,
        event.event_type.as_str(),
        body,
        event.at.unix_millis(),
    ])?;
    Ok(())
}

pub(crate) fn create(conn: &Connection, new: &NewWebhook) -> Result<CreateWebhookOutcome, OpError> {
    if let Some((key, _)) = &new.idempotency {
        let found: Option<(String, Option<String>)> = conn
            .query_row(
                "SELECT id, request_fingerprint FROM webhook_subscriptions WHERE idempotency_key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, fingerprint)) = found {
            return Ok(CreateWebhookOutcome::KeyTaken {
                id: parse_id(&id, WebhookId::parse, "webhook id")?,
                fingerprint: fingerprint.unwrap_or_default(),
            });
        }
    }
    let s = &new.subscription;
    let (previous, until) = previous_secret(&new.secrets);
    conn.execute(
        "INSERT INTO webhook_subscriptions (id, url, enabled, secret, previous_secret, \
         previous_secret_until, idempotency_key, request_fingerprint, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            IdText::new(s.id.as_uuid()).as_str(),
            s.url.as_str(),
            s.enabled,
            new.secrets.current.reveal(),
            previous,
            until,
            new.idempotency.as_ref().map(|(k, _)| k),
            new.idempotency.as_ref().map(|(_, f)| f),
            s.created_at.unix_millis(),
            s.updated_at.unix_millis(),
        ],
    )?;
    write_event_types(conn, s)?;
    Ok(CreateWebhookOutcome::Created)
}

fn previous_secret(secrets: &SigningSecrets) -> (Option<String>, Option<i64>) {
    match &secrets.previous {
        Some((secret, until)) => (Some(secret.reveal()), Some(until.unix_millis())),
        None => (None, None),
    }
}

fn write_event_types(conn: &Connection, s: &Subscription) -> Result<(), OpError> {
    let id = IdText::new(s.id.as_uuid());
    conn.execute(
        "DELETE FROM webhook_subscription_events WHERE subscription_id = ?1",
        [id.as_str()],
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO webhook_subscription_events (subscription_id, event_type) VALUES (?1, ?2)",
    )?;
    for t in &s.event_types {
        insert.execute(params![id.as_str(), t.as_str()])?;
    }
    Ok(())
}

fn event_types(conn: &Connection, id: &str) -> Result<Vec<EventType>, OpError> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_type FROM webhook_subscription_events WHERE subscription_id = ?1 \
         ORDER BY event_type",
    )?;
    let mut rows = stmt.query([id])?;
    let mut types = Vec::new();
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        types.push(name.parse::<EventType>().map_err(OpError::corrupt)?);
    }
    Ok(types)
}

fn millis(t: Option<i64>) -> Option<Timestamp> {
    t.map(Timestamp::from_unix_millis)
}

fn decode_subscription(conn: &Connection, row: &Row<'_>) -> Result<StoredWebhook, OpError> {
    let id: String = row.get(0)?;
    let secret = |text: String| {
        WebhookSecret::parse(&text).map_err(|_| OpError::corrupt("stored webhook secret"))
    };
    let previous = match (
        row.get::<_, Option<String>>(10)?,
        row.get::<_, Option<i64>>(11)?,
    ) {
        (Some(text), Some(until)) => Some((secret(text)?, Timestamp::from_unix_millis(until))),
        _ => None,
    };
    let subscription = Subscription {
        id: parse_id(&id, WebhookId::parse, "webhook id")?,
        url: WebhookUrl::from_stored(row.get(1)?),
        event_types: event_types(conn, &id)?,
        enabled: row.get(2)?,
        created_at: Timestamp::from_unix_millis(row.get(3)?),
        updated_at: Timestamp::from_unix_millis(row.get(4)?),
        record: DeliveryRecord {
            last_success_at: millis(row.get(5)?),
            last_failure_at: millis(row.get(6)?),
            last_failure_reason: row.get(7)?,
            failing_since: millis(row.get(8)?),
        },
    };
    Ok(StoredWebhook {
        subscription,
        secrets: SigningSecrets {
            current: secret(row.get(9)?)?,
            previous,
        },
    })
}

pub(crate) fn get(conn: &Connection, id: &WebhookId) -> Result<Option<StoredWebhook>, OpError> {
    let sql = format!("SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([IdText::new(id.as_uuid()).as_str()])?;
    match rows.next()? {
        Some(row) => Ok(Some(decode_subscription(conn, row)?)),
        None => Ok(None),
    }
}

pub(crate) fn list(conn: &Connection, limit: u32) -> Result<Vec<Subscription>, OpError> {
    let sql = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id LIMIT ?1"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([i64::from(limit)])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(decode_subscription(conn, row)?.subscription);
    }
    Ok(found)
}

pub(crate) fn update(conn: &Connection, s: &Subscription) -> Result<bool, OpError> {
    let changed = conn.execute(
        "UPDATE webhook_subscriptions SET url = ?2, enabled = ?3, updated_at = ?4 WHERE id = ?1",
        params![
            IdText::new(s.id.as_uuid()).as_str(),
            s.url.as_str(),
            s.enabled,
            s.updated_at.unix_millis()
        ],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    write_event_types(conn, s)?;
    Ok(true)
}

pub(crate) fn rotate(
    conn: &Connection,
    id: &WebhookId,
    secrets: &SigningSecrets,
    at: Timestamp,
) -> Result<bool, OpError> {
    let (previous, until) = previous_secret(secrets);
    let changed = conn.execute(
        "UPDATE webhook_subscriptions SET secret = ?2, previous_secret = ?3, \
         previous_secret_until = ?4, updated_at = ?5 WHERE id = ?1",
        params![
            IdText::new(id.as_uuid()).as_str(),
            secrets.current.reveal(),
            previous,
            until,
            at.unix_millis()
        ],
    )?;
    Ok(changed > 0)
}

pub(crate) fn delete(conn: &Connection, id: &WebhookId) -> Result<bool, OpError> {
    let id = IdText::new(id.as_uuid());
    for table in [
        "webhook_attempts",
        "webhook_deliveries",
        "webhook_subscription_events",
    ] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE subscription_id = ?1"),
            [id.as_str()],
        )?;
    }
    Ok(conn.execute(
        "DELETE FROM webhook_subscriptions WHERE id = ?1",
        [id.as_str()],
    )? > 0)
}

pub(crate) fn backlog(conn: &Connection, id: &WebhookId) -> Result<Backlog, OpError> {
    let (count, oldest): (i64, Option<i64>) = conn.query_row(
        "SELECT COUNT(*), MIN(created_at) FROM webhook_deliveries \
         WHERE subscription_id = ?1 AND status IN ('pending', 'retrying')",
        [IdText::new(id.as_uuid()).as_str()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Backlog {
        pending: non_negative(count, "pending deliveries")?,
        oldest_pending_at: millis(oldest),
    })
}

pub(crate) fn claim(
    conn: &Connection,
    id: &WebhookId,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> Result<Vec<ClaimedDelivery>, OpError> {
    let sub = IdText::new(id.as_uuid());
    let enabled: Option<bool> = conn
        .query_row(
            "SELECT enabled FROM webhook_subscriptions WHERE id = ?1",
            [sub.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if enabled != Some(true) {
        return Ok(Vec::new());
    }
    let mut claimed = Vec::new();
    {
        let mut stmt = conn.prepare_cached(DUE)?;
        let mut rows = stmt.query(params![sub.as_str(), now.unix_millis(), i64::from(limit)])?;
        while let Some(row) = rows.next()? {
            let text = |i: usize| -> Result<String, OpError> { Ok(row.get(i)?) };
            claimed.push(ClaimedDelivery {
                subscription_id: *id,
                event_id: parse_id(&text(0)?, EventId::parse, "delivery event id")?,
                order_id: parse_id(&text(1)?, OrderId::parse, "delivery order id")?,
                sequence: row.get(2)?,
                event_type: text(3)?.parse::<EventType>().map_err(OpError::corrupt)?,
                body: text(4)?,
                attempts: row.get(5)?,
                series_started_at: Timestamp::from_unix_millis(row.get(6)?),
                claimed_until: lease_until,
            });
        }
    }
    let mut lease = conn.prepare_cached(
        "UPDATE webhook_deliveries SET claimed_until = ?3 WHERE subscription_id = ?1 AND event_id = ?2",
    )?;
    for d in &claimed {
        lease.execute(params![
            sub.as_str(),
            IdText::new(d.event_id.as_uuid()).as_str(),
            lease_until.unix_millis()
        ])?;
    }
    Ok(claimed)
}

pub(crate) fn record(conn: &Connection, r: &RecordedAttempt) -> Result<bool, OpError> {
    let d = &r.delivery;
    let sub = IdText::new(d.subscription_id.as_uuid());
    let event = IdText::new(d.event_id.as_uuid());
    let a = &r.attempt;
    let updated = conn
        .prepare_cached(
            "UPDATE webhook_deliveries SET status = ?4, attempts = ?5, next_attempt_at = ?6, \
         claimed_until = NULL, last_attempt_at = ?7 \
         WHERE subscription_id = ?1 AND event_id = ?2 AND claimed_until = ?3",
        )?
        .execute(params![
            sub.as_str(),
            event.as_str(),
            d.claimed_until.unix_millis(),
            r.after.status.as_str(),
            r.after.attempts,
            r.after.next_attempt_at.map(|t| t.unix_millis()),
            a.at.unix_millis(),
        ])?;
    if updated == 0 {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO webhook_attempts (subscription_id, event_id, attempt_no, attempted_at, \
         http_status, error, latency_ms, snippet) \
         SELECT ?1, ?2, COALESCE(MAX(attempt_no), 0) + 1, ?3, ?4, ?5, ?6, ?7 \
         FROM webhook_attempts WHERE subscription_id = ?1 AND event_id = ?2",
    )?
    .execute(params![
        sub.as_str(),
        event.as_str(),
        a.at.unix_millis(),
        a.status,
        a.error,
        a.latency_ms,
        a.snippet,
    ])?;
    let at = a.at.unix_millis();
    match a.failure_reason() {
        None => conn.prepare_cached(
            "UPDATE webhook_subscriptions SET last_success_at = ?2, failing_since = NULL WHERE id = ?1",
        )?
        .execute(params![sub.as_str(), at])?,
        Some(reason) => conn.prepare_cached(
            "UPDATE webhook_subscriptions SET last_failure_at = ?2, last_failure_reason = ?3, \
             failing_since = CASE WHEN ?4 THEN COALESCE(failing_since, ?2) ELSE failing_since END \
             WHERE id = ?1",
        )?
        .execute(params![
            sub.as_str(),
            at,
            reason,
            r.after.status == DeliveryStatus::Failed
        ])?,
    };
    Ok(true)
}

pub(crate) fn deliveries(
    conn: &Connection,
    id: &WebhookId,
    before: Option<&EventId>,
    limit: u32,
) -> Result<Vec<DeliveryLog>, OpError> {
    let sub = IdText::new(id.as_uuid());
    // Event ids are UUIDv7: their text sorts by time.
    let before = before.map(|e| IdText::new(e.as_uuid()));
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE subscription_id = ?1 \
         AND (?2 IS NULL OR event_id < ?2) ORDER BY event_id DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![
        sub.as_str(),
        before.as_ref().map(IdText::as_str),
        i64::from(limit)
    ])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(decode_delivery(row)?);
    }
    for d in &mut found {
        d.attempts = attempts(conn, &sub, &d.event_id)?;
    }
    Ok(found)
}

fn decode_delivery(row: &Row<'_>) -> Result<DeliveryLog, OpError> {
    let text = |i: usize| -> Result<String, OpError> { Ok(row.get(i)?) };
    Ok(DeliveryLog {
        event_id: parse_id(&text(0)?, EventId::parse, "delivery event id")?,
        event_type: text(1)?.parse::<EventType>().map_err(OpError::corrupt)?,
        order_id: parse_id(&text(2)?, OrderId::parse, "delivery order id")?,
        sequence: row.get(3)?,
        status: text(4)?
            .parse::<DeliveryStatus>()
            .map_err(OpError::corrupt)?,
        next_attempt_at: millis(row.get(5)?),
        created_at: Timestamp::from_unix_millis(row.get(6)?),
        attempts: Vec::new(),
    })
}

fn attempts(conn: &Connection, sub: &IdText, event: &EventId) -> Result<Vec<Attempt>, OpError> {
    let mut stmt = conn.prepare_cached(
        "SELECT attempt_no, attempted_at, http_status, error, latency_ms, snippet \
         FROM webhook_attempts WHERE subscription_id = ?1 AND event_id = ?2 ORDER BY attempt_no",
    )?;
    let mut rows = stmt.query(params![sub.as_str(), IdText::new(event.as_uuid()).as_str()])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(Attempt {
            number: row.get(0)?,
            at: Timestamp::from_unix_millis(row.get(1)?),
            status: row.get(2)?,
            error: row.get(3)?,
            latency_ms: row.get(4)?,
            snippet: row.get(5)?,
        });
    }
    Ok(found)
}

pub(crate) fn redeliver(
    conn: &Connection,
    id: &WebhookId,
    event: &EventId,
    now: Timestamp,
) -> Result<bool, OpError> {
    let changed = conn.execute(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?3, \
         series_started_at = ?3 WHERE subscription_id = ?1 AND event_id = ?2",
        params![
            IdText::new(id.as_uuid()).as_str(),
            IdText::new(event.as_uuid()).as_str(),
            now.unix_millis()
        ],
    )?;
    Ok(changed > 0)
}

pub(crate) fn purge_finished(
    conn: &Connection,
    before: Timestamp,
    limit: u32,
) -> Result<u64, OpError> {
    let mut finished = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT subscription_id, event_id FROM webhook_deliveries \
             WHERE status IN ('delivered', 'failed') AND last_attempt_at < ?1 LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![before.unix_millis(), i64::from(limit)])?;
        while let Some(row) = rows.next()? {
            finished.push((row.get::<_, String>(0)?, row.get::<_, String>(1)?));
        }
    }
    let mut attempts = conn.prepare_cached(
        "DELETE FROM webhook_attempts WHERE subscription_id = ?1 AND event_id = ?2",
    )?;
    let mut deliveries = conn.prepare_cached(
        "DELETE FROM webhook_deliveries WHERE subscription_id = ?1 AND event_id = ?2",
    )?;
    for (sub, event) in &finished {
        attempts.execute(params![sub, event])?;
        deliveries.execute(params![sub, event])?;
    }
    Ok(finished.len() as u64)
}
