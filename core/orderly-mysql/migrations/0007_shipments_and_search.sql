-- Shipments, structured cancellation, staff search and notes: the same tables, columns and
-- keys as the SQLite store's migration 8 (see there). Every statement can run again after a
-- partial failure: an index a rerun finds is there already (see `migrate`), the column
-- changes and the backfill of cancellation counts set rather than add. The search index rows
-- of existing orders are written by `migrate` after these statements, from their documents.

-- `partially_shipped` (17 characters) joins the statuses.
ALTER TABLE orders MODIFY status VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;
ALTER TABLE status_counts MODIFY status VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;

-- Staff search over all orders: each common filter leads an index whose rows come in the
-- orders' sort order, so a page reads about as many rows as it shows.
ALTER TABLE orders ADD INDEX orders_created (created_at, id);
ALTER TABLE orders ADD INDEX orders_status_created (status, created_at, id);
ALTER TABLE orders ADD INDEX orders_currency_created (currency, created_at, id);
ALTER TABLE orders ADD INDEX orders_total (total, id);
ALTER TABLE orders ADD INDEX orders_status_total (status, total, id);
ALTER TABLE orders ADD INDEX orders_currency_total (currency, total, id);

-- What else an order is found by, one row per (kind, value): `p` a product, `t` a tracking
-- number, `m` a top-level metadata pair `key=value`, `w` a lower-case word. Values are
-- compared byte for byte like product ids (VARBINARY: the *_bin collations are PAD SPACE and
-- would find 'sku ' for 'sku'); 760 bytes hold the 190 characters kept.
CREATE TABLE IF NOT EXISTS order_index (
    kind       CHAR(1)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    value      VARBINARY(760) NOT NULL,
    created_at BIGINT         NOT NULL,
    order_id   CHAR(36)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (kind, value, created_at, order_id),
    KEY order_index_order (order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Cancelled orders per reason, spread over slots like status_counts. Cancellations recorded
-- before reasons existed count as `other`, in slot 0; a rerun counts them again.
CREATE TABLE IF NOT EXISTS cancellation_counts (
    reason      VARCHAR(32)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    slot        TINYINT UNSIGNED NOT NULL,
    order_count BIGINT           NOT NULL,
    PRIMARY KEY (reason, slot)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT INTO cancellation_counts (reason, slot, order_count)
    SELECT 'other', 0, COUNT(*) FROM orders WHERE status = 'cancelled' HAVING COUNT(*) > 0
    ON DUPLICATE KEY UPDATE order_count = VALUES(order_count);

-- Staff notes: internal, never part of the order's document.
CREATE TABLE IF NOT EXISTS staff_notes (
    note_id  CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    order_id CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    at       BIGINT       NOT NULL,
    actor    TEXT         NOT NULL,
    body     TEXT         NOT NULL,
    PRIMARY KEY (note_id),
    KEY staff_notes_order (order_id, at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Shipping emails the mail server accepted, one per shipment.
CREATE TABLE IF NOT EXISTS sent_shipping_notices (
    order_id    CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    shipment_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_id    CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sent_at     BIGINT   NOT NULL,
    PRIMARY KEY (order_id, shipment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
