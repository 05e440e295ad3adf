-- One schema for every backend: the same tables, columns, names and constraints as the MySQL
-- store, so that data, queries and reports carry over unchanged. Rollup rows keep a `slot`
-- column like MySQL's (which spreads hot rows over slots); SQLite has one writer and always
-- writes slot 0.

-- Outbox: MySQL's column names, and at most one event per (order, sequence).
ALTER TABLE outbox RENAME COLUMN type TO event_type;
ALTER TABLE outbox RENAME COLUMN at TO occurred_at;
DROP INDEX IF EXISTS outbox_order;
CREATE UNIQUE INDEX outbox_order_sequence ON outbox (order_id, sequence);
-- Retention deletes delivered events by age.
CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;

-- Orders: the history indexes under MySQL's names.
DROP INDEX IF EXISTS orders_user_history;
DROP INDEX IF EXISTS orders_user_status_history;
CREATE INDEX orders_history ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_history_by_status ON orders (user_id, status, created_at DESC, id DESC);

-- Checkouts: when the quote was made (from its document), and an index for retention.
ALTER TABLE checkouts ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
UPDATE checkouts SET created_at = COALESCE(
    CAST(round((julianday(json_extract(doc, '$.created_at')) - 2440587.5) * 86400000) AS INTEGER),
    expires_at);
CREATE INDEX checkouts_by_user ON checkouts (user_id, expires_at);
CREATE INDEX checkouts_expiry ON checkouts (expires_at);

-- Rollups: MySQL's columns, keys and slots.
CREATE TABLE sales_hourly_v6 (
    hour_start  INTEGER NOT NULL,
    currency    TEXT    NOT NULL,
    slot        INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 15),
    total_minor INTEGER NOT NULL,
    order_count INTEGER NOT NULL,
    PRIMARY KEY (hour_start, currency, slot)
) STRICT, WITHOUT ROWID;
INSERT INTO sales_hourly_v6 (hour_start, currency, slot, total_minor, order_count)
    SELECT hour, currency, 0, amount, orders FROM sales_hourly;
DROP TABLE sales_hourly;
ALTER TABLE sales_hourly_v6 RENAME TO sales_hourly;

CREATE TABLE product_sales_v6 (
    currency   TEXT    NOT NULL,
    product_id TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    revenue    INTEGER NOT NULL,
    PRIMARY KEY (currency, product_id)
) STRICT, WITHOUT ROWID;
INSERT INTO product_sales_v6 (currency, product_id, name, quantity, revenue)
    SELECT currency, product_id, name, quantity, revenue FROM product_sales;
DROP TABLE product_sales;
ALTER TABLE product_sales_v6 RENAME TO product_sales;

CREATE TABLE status_counts_v6 (
    status      TEXT    NOT NULL,
    slot        INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 15),
    order_count INTEGER NOT NULL,
    PRIMARY KEY (status, slot)
) STRICT, WITHOUT ROWID;
INSERT INTO status_counts_v6 (status, slot, order_count)
    SELECT status, 0, orders FROM status_counts;
DROP TABLE status_counts;
ALTER TABLE status_counts_v6 RENAME TO status_counts;

-- Order confirmations the mail server accepted, one per order (see the notify worker).
CREATE TABLE sent_confirmations (
    order_id TEXT    NOT NULL PRIMARY KEY,
    user_id  TEXT    NOT NULL,
    event_id TEXT    NOT NULL,
    sent_at  INTEGER NOT NULL
) STRICT;

-- Earlier workers marked a sent confirmation with a lease 'notify:order-confirmation:{id}'
-- held for 100 years from the send (3153600000000 ms); those become rows here, with the
-- order's placed event. Leases expiring after 2065 (1e12 ms past 2033) are such markers; a
-- claim of a send in progress lasts a minute and is left alone.
INSERT OR IGNORE INTO sent_confirmations (order_id, user_id, event_id, sent_at)
    SELECT orders.id, orders.user_id, outbox.event_id, leases.expires_at - 3153600000000
    FROM leases
    JOIN orders ON orders.id = substr(leases.name, 27)
    JOIN outbox ON outbox.order_id = orders.id AND outbox.sequence = 1
    WHERE leases.name LIKE 'notify:order-confirmation:%' AND leases.expires_at > 3000000000000;
DELETE FROM leases
    WHERE name LIKE 'notify:order-confirmation:%' AND expires_at > 3000000000000;
