-- Webhooks: the same tables, columns and keys as the MySQL store's webhooks migration.
--
-- A subscription (with its secrets, its idempotency key and the latest outcomes of its
-- deliveries), the event types it takes, one delivery per (subscription, event) written by
-- the outbox's own insert, and one row per attempt.

CREATE TABLE webhook_subscriptions (
    id                    TEXT    NOT NULL PRIMARY KEY,
    url                   TEXT    NOT NULL,
    enabled               INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    secret                TEXT    NOT NULL,
    previous_secret       TEXT,
    previous_secret_until INTEGER,
    idempotency_key       TEXT,
    request_fingerprint   TEXT,
    last_success_at       INTEGER,
    last_failure_at       INTEGER,
    last_failure_reason   TEXT,
    failing_since         INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX webhook_subscriptions_key ON webhook_subscriptions (idempotency_key);

CREATE TABLE webhook_subscription_events (
    subscription_id TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    PRIMARY KEY (subscription_id, event_type)
) STRICT;

-- The outbox's fan-out finds the subscriptions of an event's type.
CREATE INDEX webhook_subscription_events_type ON webhook_subscription_events (event_type);

CREATE TABLE webhook_deliveries (
    subscription_id   TEXT    NOT NULL,
    event_id          TEXT    NOT NULL,
    order_id          TEXT    NOT NULL,
    sequence          INTEGER NOT NULL,
    event_type        TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    status            TEXT    NOT NULL
        CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
    attempts          INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at   INTEGER,
    claimed_until     INTEGER,
    series_started_at INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    last_attempt_at   INTEGER,
    PRIMARY KEY (subscription_id, event_id)
) STRICT;

-- Due deliveries of a subscription, and the earlier deliveries of an order that hold back its
-- later ones.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (subscription_id, status, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (subscription_id, order_id, sequence);
-- Retention finds the deliveries that are over by age.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (status, last_attempt_at);

CREATE TABLE webhook_attempts (
    subscription_id TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    attempt_no      INTEGER NOT NULL CHECK (attempt_no >= 1),
    attempted_at    INTEGER NOT NULL,
    http_status     INTEGER,
    error           TEXT,
    latency_ms      INTEGER NOT NULL CHECK (latency_ms >= 0),
    snippet         TEXT    NOT NULL,
    PRIMARY KEY (subscription_id, event_id, attempt_no)
) STRICT;
