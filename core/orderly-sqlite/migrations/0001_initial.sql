-- Orderly schema, version 1.
--
-- Ids are canonical hyphenated UUIDs made by the engine (never auto-increment), money is
-- INTEGER minor units and times are INTEGER Unix milliseconds. An order is stored whole as
-- JSON in `doc`; the scalar columns beside it exist for indexes, queries and reporting and
-- are written from the same `Order` in the same statement, so they always agree with `doc`.

CREATE TABLE orders (
    id          TEXT    NOT NULL PRIMARY KEY,
    user_id     TEXT    NOT NULL,
    status      TEXT    NOT NULL
                CHECK (status IN ('placed', 'processing', 'shipped', 'delivered', 'cancelled')),
    currency    TEXT    NOT NULL,
    subtotal    INTEGER NOT NULL,
    shipping    INTEGER NOT NULL,
    tax         INTEGER NOT NULL,
    discount    INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    checkout_id TEXT,
    doc         TEXT    NOT NULL
) STRICT;

-- History pages: newest first by (created_at, id), with and without a status filter.
CREATE INDEX orders_user_history ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_user_status_history ON orders (user_id, status, created_at DESC, id DESC);

-- The key is written first in the order's transaction, before the order row exists, so its
-- reference to the order is checked at commit.
CREATE TABLE idempotency_keys (
    user_id     TEXT    NOT NULL,
    idem_key    TEXT    NOT NULL,
    order_id    TEXT    NOT NULL REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
    fingerprint TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, idem_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE checkouts (
    id         TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    doc        TEXT    NOT NULL
) STRICT;

CREATE TABLE outbox (
    event_id     TEXT    NOT NULL PRIMARY KEY,
    order_id     TEXT    NOT NULL REFERENCES orders (id),
    user_id      TEXT    NOT NULL,
    sequence     INTEGER NOT NULL,
    type         TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    payload      TEXT    NOT NULL,
    delivered_at INTEGER
) STRICT;

-- Only undelivered events are indexed, in the order the relay reads them.
CREATE INDEX outbox_pending ON outbox (at, sequence, event_id) WHERE delivered_at IS NULL;

-- Rollups: every order write applies its deltas here in the same transaction.
CREATE TABLE sales_hourly (
    hour     INTEGER NOT NULL,
    currency TEXT    NOT NULL,
    amount   INTEGER NOT NULL,
    orders   INTEGER NOT NULL,
    PRIMARY KEY (hour, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE product_sales (
    product_id TEXT    NOT NULL,
    currency   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    revenue    INTEGER NOT NULL,
    PRIMARY KEY (product_id, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE status_counts (
    status TEXT    NOT NULL PRIMARY KEY,
    orders INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
