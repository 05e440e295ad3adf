-- Offline capture and sync: the same tables, columns and keys as the SQLite store's migration
-- 7 (see there). Every statement can run again after a partial failure, except the column,
-- which MySQL adds once (a rerun reports it exists; see `migrate`).

ALTER TABLE orders ADD COLUMN device_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL;

CREATE TABLE IF NOT EXISTS sync_devices (
    device_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    last_seq   BIGINT UNSIGNED NOT NULL,
    change_seq BIGINT UNSIGNED NOT NULL,
    created_at BIGINT      NOT NULL,
    updated_at BIGINT      NOT NULL,
    PRIMARY KEY (device_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS sync_results (
    device_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    seq        BIGINT UNSIGNED NOT NULL,
    order_id   CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    outcome    VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    code       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    detail     TEXT        NULL,
    applied_at BIGINT      NOT NULL,
    PRIMARY KEY (device_id, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS device_changes (
    device_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    change_seq BIGINT UNSIGNED NOT NULL,
    order_id   CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    version    INT UNSIGNED NOT NULL,
    body       JSON        NOT NULL,
    created_at BIGINT      NOT NULL,
    PRIMARY KEY (device_id, change_seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS device_identity (
    singleton   TINYINT UNSIGNED NOT NULL,
    device_id   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    pull_cursor VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    created_at  BIGINT      NOT NULL,
    PRIMARY KEY (singleton)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS sync_operations (
    seq         BIGINT UNSIGNED NOT NULL,
    kind        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    order_id    CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    body        JSON        NOT NULL,
    recorded_at BIGINT      NOT NULL,
    outcome     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    code        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    detail      TEXT        NULL,
    result_at   BIGINT      NULL,
    PRIMARY KEY (seq),
    KEY sync_operations_by_order (order_id, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
