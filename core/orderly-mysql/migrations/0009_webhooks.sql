-- Webhooks: the same tables, columns and keys as the SQLite store's webhooks migration (see
-- there). Every statement can run again after a partial failure.

CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    id                    CHAR(36)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    url                   VARCHAR(2048) NOT NULL,
    enabled               TINYINT(1)    NOT NULL,
    secret                VARCHAR(128)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    previous_secret       VARCHAR(128)  CHARACTER SET ascii COLLATE ascii_bin NULL,
    previous_secret_until BIGINT        NULL,
    idempotency_key       VARBINARY(255) NULL,
    request_fingerprint   VARCHAR(64)   CHARACTER SET ascii COLLATE ascii_bin NULL,
    last_success_at       BIGINT        NULL,
    last_failure_at       BIGINT        NULL,
    last_failure_reason   TEXT          NULL,
    failing_since         BIGINT        NULL,
    created_at            BIGINT        NOT NULL,
    updated_at            BIGINT        NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY webhook_subscriptions_key (idempotency_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS webhook_subscription_events (
    subscription_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_type      VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (subscription_id, event_type),
    KEY webhook_subscription_events_type (event_type)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    subscription_id   CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_id          CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    order_id          CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sequence          INT UNSIGNED NOT NULL,
    event_type        VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    body              LONGTEXT     NOT NULL,
    status            VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    attempts          INT UNSIGNED NOT NULL,
    next_attempt_at   BIGINT       NULL,
    claimed_until     BIGINT       NULL,
    series_started_at BIGINT       NOT NULL,
    created_at        BIGINT       NOT NULL,
    last_attempt_at   BIGINT       NULL,
    PRIMARY KEY (subscription_id, event_id),
    KEY webhook_deliveries_due (subscription_id, status, next_attempt_at),
    KEY webhook_deliveries_order (subscription_id, order_id, sequence),
    KEY webhook_deliveries_finished (status, last_attempt_at),
    CONSTRAINT webhook_deliveries_status
        CHECK (status IN ('pending', 'retrying', 'delivered', 'failed'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS webhook_attempts (
    subscription_id CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_id        CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    attempt_no      INT UNSIGNED NOT NULL,
    attempted_at    BIGINT       NOT NULL,
    http_status     SMALLINT UNSIGNED NULL,
    error           TEXT         NULL,
    latency_ms      INT UNSIGNED NOT NULL,
    snippet         TEXT         NOT NULL,
    PRIMARY KEY (subscription_id, event_id, attempt_no)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
