-- Orderly schema, version 2: named leases, so that one of several processes (outbox relays)
-- does a job at a time. A lease is held by `owner` until `expires_at` (Unix milliseconds).
-- Idempotent like every migration.

CREATE TABLE IF NOT EXISTS leases (
    name       VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    owner      VARBINARY(255) NOT NULL,
    expires_at BIGINT       NOT NULL,
    PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
