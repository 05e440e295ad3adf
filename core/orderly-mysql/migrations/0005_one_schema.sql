-- One schema for every backend: the SQLite store matches these tables, columns, names and
-- constraints (its migration 6). Here: an index for retention of expired checkouts, and the
-- record of sent order confirmations. Idempotent like every migration (an index that exists
-- already is not an error; see `migrate`).

ALTER TABLE checkouts ADD INDEX checkouts_expiry (expires_at);

CREATE TABLE IF NOT EXISTS sent_confirmations (
    order_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sent_at  BIGINT      NOT NULL,
    PRIMARY KEY (order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
