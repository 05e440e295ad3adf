//! Webhook subscriptions, their deliveries (fanned out by the outbox's insert) and the log of
//! attempts. Claims lock the subscription's row first, so two servers never lease the same
//! delivery.

use mysql::prelude::Queryable;
use mysql::{Params, PooledConn, TxOpts, Value};
use orderly_core::store::{
    Backlog, CreateWebhookOutcome, DeliveryLog, NewWebhook, RecordedAttempt, StoredWebhook,
};
use orderly_core::webhooks::{
    Attempt, ClaimedDelivery, DeliveryRecord, DeliveryStatus, SigningSecrets, Subscription,
    WebhookSecret, WebhookUrl,
};
use orderly_core::{EventId, EventType, OrderId, OutboxEvent, StoreError, Timestamp, WebhookId};

use crate::codec::parse_id;
use crate::error::{DbResult, corrupt, is_duplicate_key};

/// One delivery per enabled subscription of the event's type, in the event's transaction.
const FAN_OUT: &str = "INSERT INTO webhook_deliveries (subscription_id, event_id, order_id, \
    sequence, event_type, body, status, attempts, next_attempt_at, claimed_until, \
    series_started_at, created_at, last_attempt_at) \
    SELECT s.id, ?, ?, ?, e.event_type, ?, 'pending', 0, ?, NULL, ?, ?, NULL \
    FROM webhook_subscription_events e JOIN webhook_subscriptions s ON s.id = e.subscription_id \
    WHERE e.event_type = ? AND s.enabled = 1";

const SUBSCRIPTION_COLUMNS: &str = "id, url, enabled, created_at, updated_at, last_success_at, \
    last_failure_at, last_failure_reason, failing_since, secret, previous_secret, \
    previous_secret_until";

type SubscriptionRow = (
    String,
    String,
    bool,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    String,
    Option<String>,
    Option<i64>,
);

// A due delivery whose order has no earlier delivery still open for the same subscription.
const DUE: &str = "SELECT d.event_id, d.order_id, d.sequence, d.event_type, d.body, d.attempts, \
    d.series_started_at FROM webhook_deliveries d \
    WHERE d.subscription_id = ? AND d.status IN ('pending', 'retrying') \
    AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until <= ?) \
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.subscription_id = d.subscription_id \
    AND e.order_id = d.order_id AND e.sequence < d.sequence AND e.status IN ('pending', 'retrying')) \
    ORDER BY d.next_attempt_at, d.created_at, d.sequence LIMIT ?";

type DueRow = (String, String, u32, String, String, u32, i64);

const DELIVERIES: &str = "SELECT event_id, event_type, order_id, sequence, status, \
    next_attempt_at, created_at FROM webhook_deliveries WHERE subscription_id = ? \
    AND (? IS NULL OR event_id < ?) ORDER BY event_id DESC LIMIT ?";

type DeliveryRow = (String, String, String, u32, String, Option<i64>, i64);

const ATTEMPTS: &str = "SELECT attempt_no, attempted_at, http_status, error, latency_ms, snippet \
    FROM webhook_attempts WHERE subscription_id = ? AND event_id = ? ORDER BY attempt_no";

type AttemptRow = (u32, i64, Option<u16>, Option<String>, u32, String);

fn params(values: Vec<Value>) -> Params {
    Params::Positional(values)
}

/// Fans `event` out to the enabled subscriptions of its type; the body is its envelope.
pub(crate) fn fan_out(tx: &mut impl Queryable, event: &OutboxEvent) -> Result<(), StoreError> {
    let body = orderly_core::envelope::encode(event)
        .map_err(|e| corrupt(format!("cannot encode the event's envelope: {e}")))?;
    let at = event.at.unix_millis();
    tx.exec_drop(
        FAN_OUT,
        params(vec![
            Value::from(event.event_id.to_string()),
            Value::from(event.order_id.to_string()),
            Value::from(event.sequence),
            Value::from(body),
            Value::from(at),
            Value::from(at),
            Value::from(at),
            Value::from(event.event_type.as_str()),
        ]),
    )
    .db()
}

fn previous_secret(secrets: &SigningSecrets) -> (Value, Value) {
    match &secrets.previous {
        Some((secret, until)) => (
            Value::from(secret.reveal()),
            Value::from(until.unix_millis()),
        ),
        None => (Value::NULL, Value::NULL),
    }
}

fn key_taken(
    conn: &mut impl Queryable,
    key: &str,
) -> Result<Option<CreateWebhookOutcome>, StoreError> {
    let found: Option<(String, Option<String>)> = conn
        .exec_first(
            "SELECT id, request_fingerprint FROM webhook_subscriptions WHERE idempotency_key = ?",
            (key.as_bytes(),),
        )
        .db()?;
    found
        .map(|(id, fingerprint)| {
            Ok(CreateWebhookOutcome::KeyTaken {
                id: parse_id("webhook id", &id, WebhookId::parse)?,
                fingerprint: fingerprint.unwrap_or_default(),
            })
        })
        .transpose()
}

pub(crate) fn create(
    conn: &mut PooledConn,
    new: &NewWebhook,
) -> Result<CreateWebhookOutcome, StoreError> {
    if let Some((key, _)) = &new.idempotency
        && let Some(taken) = key_taken(conn, key)?
    {
        return Ok(taken);
    }
    let s = &new.subscription;
    let (previous, until) = previous_secret(&new.secrets);
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    let inserted = tx.exec_drop(
        "INSERT INTO webhook_subscriptions (id, url, enabled, secret, previous_secret, \
         previous_secret_until, idempotency_key, request_fingerprint, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params(vec![
            Value::from(s.id.to_string()),
            Value::from(s.url.as_str()),
            Value::from(s.enabled),
            Value::from(new.secrets.current.reveal()),
            previous,
            until,
            Value::from(new.idempotency.as_ref().map(|(k, _)| k.as_bytes().to_vec())),
            Value::from(new.idempotency.as_ref().map(|(_, f)| f.as_str())),
            Value::from(s.created_at.unix_millis()),
            Value::from(s.updated_at.unix_millis()),
        ]),
    );
    match inserted {
        Ok(()) => {}
        // A racing create with the same key won: answer what it stored.
        Err(e) if is_duplicate_key(&e) => {
            drop(tx);
            if let Some((key, _)) = &new.idempotency
                && let Some(taken) = key_taken(conn, key)?
            {
                return Ok(taken);
            }
            return Err(crate::error::from_mysql(e));
        }
        Err(e) => return Err(crate::error::from_mysql(e)),
    }
    write_event_types(&mut tx, s)?;
    tx.commit().db()?;
    Ok(CreateWebhookOutcome::Created)
}

fn write_event_types(tx: &mut impl Queryable, s: &Subscription) -> Result<(), StoreError> {
    let id = s.id.to_string();
    tx.exec_drop(
        "DELETE FROM webhook_subscription_events WHERE subscription_id = ?",
        (id.as_str(),),
    )
    .db()?;
    for t in &s.event_types {
        tx.exec_drop(
            "INSERT INTO webhook_subscription_events (subscription_id, event_type) VALUES (?, ?)",
            (id.as_str(), t.as_str()),
        )
        .db()?;
    }
    Ok(())
}

fn event_types(conn: &mut impl Queryable, id: &str) -> Result<Vec<EventType>, StoreError> {
    let names: Vec<String> = conn
        .exec(
            "SELECT event_type FROM webhook_subscription_events WHERE subscription_id = ? \
             ORDER BY event_type",
            (id,),
        )
        .db()?;
    names
        .iter()
        .map(|n| {
            n.parse::<EventType>()
                .map_err(|e| corrupt(format!("stored event type: {e}")))
        })
        .collect()
}

fn millis(t: Option<i64>) -> Option<Timestamp> {
    t.map(Timestamp::from_unix_millis)
}

fn secret(text: &str) -> Result<WebhookSecret, StoreError> {
    WebhookSecret::parse(text).map_err(|_| corrupt("stored webhook secret"))
}

fn decode_subscription(
    conn: &mut impl Queryable,
    row: SubscriptionRow,
) -> Result<StoredWebhook, StoreError> {
    let (
        id,
        url,
        enabled,
        created,
        updated,
        success,
        failure,
        reason,
        failing,
        current,
        prev,
        until,
    ) = row;
    let previous = match (prev, until) {
        (Some(text), Some(until)) => Some((secret(&text)?, Timestamp::from_unix_millis(until))),
        _ => None,
    };
    Ok(StoredWebhook {
        subscription: Subscription {
            id: parse_id("webhook id", &id, WebhookId::parse)?,
            url: WebhookUrl::from_stored(url),
            event_types: event_types(conn, &id)?,
            enabled,
            created_at: Timestamp::from_unix_millis(created),
            updated_at: Timestamp::from_unix_millis(updated),
            record: DeliveryRecord {
                last_success_at: millis(success),
                last_failure_at: millis(failure),
                last_failure_reason: reason,
                failing_since: millis(failing),
            },
        },
        secrets: SigningSecrets {
            current: secret(&current)?,
            previous,
        },
    })
}

pub(crate) fn get(
    conn: &mut impl Queryable,
    id: &WebhookId,
) -> Result<Option<StoredWebhook>, StoreError> {
    let sql = format!("SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = ?");
    let row: Option<SubscriptionRow> = conn.exec_first(sql, (id.to_string(),)).db()?;
    row.map(|row| decode_subscription(conn, row)).transpose()
}

pub(crate) fn list(conn: &mut impl Queryable, limit: u32) -> Result<Vec<Subscription>, StoreError> {
    let sql = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id LIMIT ?"
    );
    let rows: Vec<SubscriptionRow> = conn.exec(sql, (limit,)).db()?;
    rows.into_iter()
        .map(|row| decode_subscription(conn, row).map(|s| s.subscription))
        .collect()
}

pub(crate) fn update(conn: &mut PooledConn, s: &Subscription) -> Result<bool, StoreError> {
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    // MySQL counts rows changed, not matched: look the row up to tell "same values" from
    // "no such subscription".
    let found: Option<u8> = tx
        .exec_first(
            "SELECT 1 FROM webhook_subscriptions WHERE id = ? FOR UPDATE",
            (s.id.to_string(),),
        )
        .db()?;
    if found.is_none() {
        return Ok(false);
    }
    tx.exec_drop(
        "UPDATE webhook_subscriptions SET url = ?, enabled = ?, updated_at = ? WHERE id = ?",
        (
            s.url.as_str(),
            s.enabled,
            s.updated_at.unix_millis(),
            s.id.to_string(),
        ),
    )
    .db()?;
    write_event_types(&mut tx, s)?;
    tx.commit().db()?;
    Ok(true)
}

pub(crate) fn rotate(
    conn: &mut impl Queryable,
    id: &WebhookId,
    secrets: &SigningSecrets,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let (previous, until) = previous_secret(secrets);
    let result = conn
        .exec_iter(
            "UPDATE webhook_subscriptions SET secret = ?, previous_secret = ?, \
             previous_secret_until = ?, updated_at = ? WHERE id = ?",
            params(vec![
                Value::from(secrets.current.reveal()),
                previous,
                until,
                Value::from(at.unix_millis()),
                Value::from(id.to_string()),
            ]),
        )
        .db()?;
    Ok(result.affected_rows() > 0)
}

pub(crate) fn delete(conn: &mut PooledConn, id: &WebhookId) -> Result<bool, StoreError> {
    let id = id.to_string();
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    for table in [
        "webhook_attempts",
        "webhook_deliveries",
        "webhook_subscription_events",
    ] {
        tx.exec_drop(
            format!("DELETE FROM {table} WHERE subscription_id = ?"),
            (id.as_str(),),
        )
        .db()?;
    }
    tx.exec_drop(
        "DELETE FROM webhook_subscriptions WHERE id = ?",
        (id.as_str(),),
    )
    .db()?;
    let deleted = tx.affected_rows() > 0;
    tx.commit().db()?;
    Ok(deleted)
}

pub(crate) fn backlog(conn: &mut impl Queryable, id: &WebhookId) -> Result<Backlog, StoreError> {
    let row: Option<(u64, Option<i64>)> = conn
        .exec_first(
            "SELECT COUNT(*), MIN(created_at) FROM webhook_deliveries \
             WHERE subscription_id = ? AND status IN ('pending', 'retrying')",
            (id.to_string(),),
        )
        .db()?;
    let (pending, oldest) = row.unwrap_or((0, None));
    Ok(Backlog {
        pending,
        oldest_pending_at: millis(oldest),
    })
}

pub(crate) fn claim(
    conn: &mut PooledConn,
    id: &WebhookId,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let sub = id.to_string();
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    // Claims of one subscription queue on its row, so each sees the leases of the one before.
    let enabled: Option<bool> = tx
        .exec_first(
            "SELECT enabled FROM webhook_subscriptions WHERE id = ? FOR UPDATE",
            (sub.as_str(),),
        )
        .db()?;
    if enabled != Some(true) {
        return Ok(Vec::new());
    }
    let now_ms = now.unix_millis();
    let rows: Vec<DueRow> = tx.exec(DUE, (sub.as_str(), now_ms, now_ms, limit)).db()?;
    let mut claimed = Vec::with_capacity(rows.len());
    for (event, order, sequence, event_type, body, attempts, series) in rows {
        tx.exec_drop(
            "UPDATE webhook_deliveries SET claimed_until = ? \
             WHERE subscription_id = ? AND event_id = ?",
            (lease_until.unix_millis(), sub.as_str(), event.as_str()),
        )
        .db()?;
        claimed.push(ClaimedDelivery {
            subscription_id: *id,
            event_id: parse_id("delivery event id", &event, EventId::parse)?,
            order_id: parse_id("delivery order id", &order, OrderId::parse)?,
            sequence,
            event_type: event_type
                .parse::<EventType>()
                .map_err(|e| corrupt(format!("stored event type: {e}")))?,
            body,
            attempts,
            series_started_at: Timestamp::from_unix_millis(series),
            claimed_until: lease_until,
        });
    }
    tx.commit().db()?;
    Ok(claimed)
}

pub(crate) fn record(conn: &mut PooledConn, r: &RecordedAttempt) -> Result<bool, StoreError> {
    let d = &r.delivery;
    let sub = d.subscription_id.to_string();
    let event = d.event_id.to_string();
    let a = &r.attempt;
    let at = a.at.unix_millis();
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    tx.exec_drop(
        "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, \
         claimed_until = NULL, last_attempt_at = ? \
         WHERE subscription_id = ? AND event_id = ? AND claimed_until = ?",
        params(vec![
            Value::from(r.after.status.as_str()),
            Value::from(r.after.attempts),
            Value::from(r.after.next_attempt_at.map(|t| t.unix_millis())),
            Value::from(at),
            Value::from(sub.as_str()),
            Value::from(event.as_str()),
            Value::from(d.claimed_until.unix_millis()),
        ]),
    )
    .db()?;
    if tx.affected_rows() == 0 {
        return Ok(false);
    }
    let next_no: Option<u32> = tx
        .exec_first(
            "SELECT COALESCE(MAX(attempt_no), 0) + 1 FROM webhook_attempts \
             WHERE subscription_id = ? AND event_id = ?",
            (sub.as_str(), event.as_str()),
        )
        .db()?;
    tx.exec_drop(
        "INSERT INTO webhook_attempts (subscription_id, event_id, attempt_no, attempted_at, \
         http_status, error, latency_ms, snippet) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        params(vec![
            Value::from(sub.as_str()),
            Value::from(event.as_str()),
            Value::from(next_no.unwrap_or(1)),
            Value::from(at),
            Value::from(a.status),
            Value::from(a.error.as_deref()),
            Value::from(a.latency_ms),
            Value::from(a.snippet.as_str()),
        ]),
    )
    .db()?;
    match a.failure_reason() {
        None => tx
            .exec_drop(
                "UPDATE webhook_subscriptions SET last_success_at = ?, failing_since = NULL \
                 WHERE id = ?",
                (at, sub.as_str()),
            )
            .db()?,
        Some(reason) => tx
            .exec_drop(
                "UPDATE webhook_subscriptions SET last_failure_at = ?, last_failure_reason = ?, \
                 failing_since = CASE WHEN ? THEN COALESCE(failing_since, ?) \
                 ELSE failing_since END WHERE id = ?",
                (
                    at,
                    reason,
                    r.after.status == DeliveryStatus::Failed,
                    at,
                    sub.as_str(),
                ),
            )
            .db()?,
    }
    tx.commit().db()?;
    Ok(true)
}

pub(crate) fn deliveries(
    conn: &mut impl Queryable,
    id: &WebhookId,
    before: Option<&EventId>,
    limit: u32,
) -> Result<Vec<DeliveryLog>, StoreError> {
    let sub = id.to_string();
    let before = before.map(ToString::to_string);
    let rows: Vec<DeliveryRow> = conn
        .exec(
            DELIVERIES,
            (sub.as_str(), before.as_deref(), before.as_deref(), limit),
        )
        .db()?;
    let mut found = Vec::with_capacity(rows.len());
    for (event, event_type, order, sequence, status, next, created) in rows {
        let attempts: Vec<AttemptRow> = conn.exec(ATTEMPTS, (sub.as_str(), event.as_str())).db()?;
        found.push(DeliveryLog {
            event_id: parse_id("delivery event id", &event, EventId::parse)?,
            event_type: event_type
                .parse::<EventType>()
                .map_err(|e| corrupt(format!("stored event type: {e}")))?,
            order_id: parse_id("delivery order id", &order, OrderId::parse)?,
            sequence,
            status: status
                .parse::<DeliveryStatus>()
                .map_err(|e| corrupt(format!("stored delivery status: {e}")))?,
            next_attempt_at: millis(next),
            created_at: Timestamp::from_unix_millis(created),
            attempts: attempts
                .into_iter()
                .map(|(number, at, status, error, latency_ms, snippet)| Attempt {
                    number,
                    at: Timestamp::from_unix_millis(at),
                    status,
                    error,
                    latency_ms,
                    snippet,
                })
                .collect(),
        });
    }
    Ok(found)
}

pub(crate) fn redeliver(
    conn: &mut impl Queryable,
    id: &WebhookId,
    event: &EventId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let now = now.unix_millis();
    let found: Option<u8> = conn
        .exec_first(
            "SELECT 1 FROM webhook_deliveries WHERE subscription_id = ? AND event_id = ?",
            (id.to_string(), event.to_string()),
        )
        .db()?;
    if found.is_none() {
        return Ok(false);
    }
    conn.exec_drop(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, \
         series_started_at = ? WHERE subscription_id = ? AND event_id = ?",
        (now, now, id.to_string(), event.to_string()),
    )
    .db()?;
    Ok(true)
}

pub(crate) fn purge_finished(
    conn: &mut PooledConn,
    before: Timestamp,
    limit: u32,
) -> Result<u64, StoreError> {
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    let finished: Vec<(String, String)> = tx
        .exec(
            "SELECT subscription_id, event_id FROM webhook_deliveries \
             WHERE status IN ('delivered', 'failed') AND last_attempt_at < ? LIMIT ? FOR UPDATE",
            (before.unix_millis(), limit),
        )
        .db()?;
    for (sub, event) in &finished {
        tx.exec_drop(
            "DELETE FROM webhook_attempts WHERE subscription_id = ? AND event_id = ?",
            (sub.as_str(), event.as_str()),
        )
        .db()?;
        tx.exec_drop(
            "DELETE FROM webhook_deliveries WHERE subscription_id = ? AND event_id = ?",
            (sub.as_str(), event.as_str()),
        )
        .db()?;
    }
    tx.commit().db()?;
    Ok(finished.len() as u64)
}
