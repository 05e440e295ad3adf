-- Orderly schema, version 1.
--
-- Portable across MySQL 8, MariaDB 10.6+, TiDB and Vitess: InnoDB, utf8mb4, no AUTO_INCREMENT
-- (ids come from the engine), no foreign keys or cascades, no triggers or stored procedures.
-- Every table but the rollups carries user_id, the shard key.
--
-- Collations: ids are ASCII compared byte for byte (ascii_bin). Values that may end in spaces
-- (idempotency keys, product ids) are VARBINARY, because the *_bin collations of MySQL and
-- MariaDB are PAD SPACE and would treat 'key' and 'key ' as the same key.
-- Every statement is idempotent, because MySQL DDL commits on its own and a migration that
-- stopped halfway must be safe to run again.

CREATE TABLE IF NOT EXISTS orders (
    id          CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    currency    CHAR(3)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    subtotal    BIGINT      NOT NULL,
    shipping    BIGINT      NOT NULL,
    tax         BIGINT      NOT NULL,
    discount    BIGINT      NOT NULL,
    total       BIGINT      NOT NULL,
    created_at  BIGINT      NOT NULL,
    updated_at  BIGINT      NOT NULL,
    version     INT UNSIGNED NOT NULL,
    checkout_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NULL,
    doc         JSON        NOT NULL,
    PRIMARY KEY (id),
    KEY orders_history (user_id, created_at, id),
    KEY orders_history_by_status (user_id, status, created_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id     VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    idem_key    VARBINARY(255) NOT NULL,
    order_id    CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    fingerprint VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at  BIGINT       NOT NULL,
    PRIMARY KEY (user_id, idem_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS checkouts (
    id         CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id    VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at BIGINT      NOT NULL,
    expires_at BIGINT      NOT NULL,
    doc        JSON        NOT NULL,
    PRIMARY KEY (id),
    KEY checkouts_by_user (user_id, expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS outbox (
    event_id     CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    order_id     CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id      VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sequence     INT UNSIGNED NOT NULL,
    event_type   VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    occurred_at  BIGINT       NOT NULL,
    payload      JSON         NOT NULL,
    delivered_at BIGINT       NULL,
    PRIMARY KEY (event_id),
    UNIQUE KEY outbox_order_sequence (order_id, sequence),
    KEY outbox_pending (delivered_at, occurred_at, sequence, event_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Rollups. Sales and status counts are touched by every order, so each logical row is spread
-- over 16 slots (chosen from the user id) to keep concurrent writers off one hot row; readers
-- sum the slots.
CREATE TABLE IF NOT EXISTS sales_hourly (
    hour_start  BIGINT           NOT NULL,
    currency    CHAR(3)          CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    slot        TINYINT UNSIGNED NOT NULL,
    total_minor BIGINT           NOT NULL,
    order_count BIGINT           NOT NULL,
    PRIMARY KEY (hour_start, currency, slot)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS product_sales (
    currency   CHAR(3)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    product_id VARBINARY(512) NOT NULL,
    name       VARCHAR(200)   NOT NULL,
    quantity   BIGINT         NOT NULL,
    revenue    BIGINT         NOT NULL,
    PRIMARY KEY (currency, product_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS status_counts (
    status      VARCHAR(16)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    slot        TINYINT UNSIGNED NOT NULL,
    order_count BIGINT           NOT NULL,
    PRIMARY KEY (status, slot)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
