-- Products, statuses and cancellation reasons by the UTC day their orders were placed (Unix
-- milliseconds of that midnight), so analytics can be read over a range of days. The all-time
-- tables stay, for all-time reads and product names. Filled from the stored orders by the
-- engine's rules after this script (see migrate.rs).
CREATE TABLE product_sales_daily (
    day        INTEGER NOT NULL,
    currency   TEXT    NOT NULL,
    product_id TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    revenue    INTEGER NOT NULL,
    PRIMARY KEY (day, currency, product_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE status_counts_daily (
    day         INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    slot        INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 15),
    order_count INTEGER NOT NULL,
    PRIMARY KEY (day, status, slot)
) STRICT, WITHOUT ROWID;

CREATE TABLE cancellation_counts_daily (
    day         INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    slot        INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 15),
    order_count INTEGER NOT NULL,
    PRIMARY KEY (day, reason, slot)
) STRICT, WITHOUT ROWID;
