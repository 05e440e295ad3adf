-- Shipments, structured cancellation, staff search and notes. The same tables, columns and
-- keys as the MySQL store's migration 7.
--
-- `partially_shipped` joins the statuses. The CHECK on `orders.status` is widened before this
-- script runs (see `migrate`): SQLite cannot alter a CHECK in place, and a widened CHECK that
-- every stored row already satisfies is the one schema edit its documentation allows through
-- `writable_schema` without rebuilding the table.

-- Staff search over all orders: each common filter leads an index whose rows come in the
-- orders' sort order, so a page reads about as many rows as it shows.
CREATE INDEX orders_created ON orders (created_at, id);
CREATE INDEX orders_status_created ON orders (status, created_at, id);
CREATE INDEX orders_currency_created ON orders (currency, created_at, id);
CREATE INDEX orders_total ON orders (total, id);
CREATE INDEX orders_status_total ON orders (status, total, id);
-- Totals compare within a currency (a total filter needs one): ranges and sorts by total in it.
CREATE INDEX orders_currency_total ON orders (currency, total, id);

-- What else an order is found by, one row per (kind, value): `p` a product on its lines, `t` a
-- tracking number of its shipments, `m` a top-level metadata pair as `key=value`, `w` a
-- lower-case word (user id, email address, delivery name and each of its words). Rows of one
-- value come in creation order, so a filter on one walks them newest first.
CREATE TABLE order_index (
    kind       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    order_id   TEXT    NOT NULL,
    PRIMARY KEY (kind, value, created_at, order_id)
) STRICT, WITHOUT ROWID;
-- An order's rows are replaced when its tracking numbers change.
CREATE INDEX order_index_order ON order_index (order_id);

-- Cancelled orders per reason, slotted like the other rollups (SQLite writes slot 0).
-- Cancellations recorded before reasons existed count as `other`.
CREATE TABLE cancellation_counts (
    reason      TEXT    NOT NULL,
    slot        INTEGER NOT NULL,
    order_count INTEGER NOT NULL,
    PRIMARY KEY (reason, slot)
) STRICT, WITHOUT ROWID;
INSERT INTO cancellation_counts (reason, slot, order_count)
SELECT 'other', 0, COUNT(*) FROM orders WHERE status = 'cancelled' HAVING COUNT(*) > 0;

-- Staff notes: internal, never part of the order's document.
CREATE TABLE staff_notes (
    note_id  TEXT    NOT NULL PRIMARY KEY,
    order_id TEXT    NOT NULL REFERENCES orders (id),
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL,
    body     TEXT    NOT NULL
) STRICT;
CREATE INDEX staff_notes_order ON staff_notes (order_id, at);

-- Shipping emails the mail server accepted, one per shipment.
CREATE TABLE sent_shipping_notices (
    order_id    TEXT    NOT NULL,
    shipment_id TEXT    NOT NULL,
    event_id    TEXT    NOT NULL,
    sent_at     INTEGER NOT NULL,
    PRIMARY KEY (order_id, shipment_id)
) STRICT, WITHOUT ROWID;
