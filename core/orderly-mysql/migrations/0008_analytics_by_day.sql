-- Products, statuses and cancellation reasons by the UTC day their orders were placed (Unix
-- milliseconds of that midnight), so analytics can be read over a range of days. The all-time
-- tables stay, for all-time reads and product names. Status and cancellation rows are slotted
-- like their all-time tables. Filled from the stored orders by the engine's rules after this
-- script (see migrate.rs).
CREATE TABLE IF NOT EXISTS product_sales_daily (
    day        BIGINT         NOT NULL,
    currency   CHAR(3)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    product_id VARBINARY(512) NOT NULL,
    quantity   BIGINT         NOT NULL,
    revenue    BIGINT         NOT NULL,
    PRIMARY KEY (day, currency, product_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS status_counts_daily (
    day         BIGINT           NOT NULL,
    status      VARCHAR(32)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    slot        TINYINT UNSIGNED NOT NULL,
    order_count BIGINT           NOT NULL,
    PRIMARY KEY (day, status, slot)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS cancellation_counts_daily (
    day         BIGINT           NOT NULL,
    reason      VARCHAR(32)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    slot        TINYINT UNSIGNED NOT NULL,
    order_count BIGINT           NOT NULL,
    PRIMARY KEY (day, reason, slot)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
