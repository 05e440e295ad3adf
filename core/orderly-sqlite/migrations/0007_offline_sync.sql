-- Offline capture and sync: the same tables, columns and keys as the MySQL store's migration 6.
--
-- Server side: one row per device (the last operation seq applied, and the counter of its
-- change feed, both advanced in the transactions that write them, so they serialise per
-- device and never rely on clocks or auto-increment), one result per applied operation, and
-- the feed of changes to the orders each device captured.
-- Device side: its identity (one row), and its operation log, gap-free by seq, with each
-- operation's result once the server answered. Those two are WITHOUT ROWID so that their
-- integer keys are keys like MySQL's, not aliases of the rowid.

-- The device that captured an order offline (NULL for orders placed online).
ALTER TABLE orders ADD COLUMN device_id TEXT;

CREATE TABLE sync_devices (
    device_id  TEXT    NOT NULL PRIMARY KEY,
    last_seq   INTEGER NOT NULL CHECK (last_seq >= 0),
    change_seq INTEGER NOT NULL CHECK (change_seq >= 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sync_results (
    device_id  TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    order_id   TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    code       TEXT,
    detail     TEXT,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT;

CREATE TABLE device_changes (
    device_id  TEXT    NOT NULL,
    change_seq INTEGER NOT NULL,
    order_id   TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, change_seq)
) STRICT;

CREATE TABLE device_identity (
    singleton   INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
    device_id   TEXT    NOT NULL,
    pull_cursor TEXT,
    created_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_operations (
    seq         INTEGER NOT NULL PRIMARY KEY,
    kind        TEXT    NOT NULL,
    order_id    TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    outcome     TEXT,
    code        TEXT,
    detail      TEXT,
    result_at   INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX sync_operations_pending ON sync_operations (seq) WHERE outcome IS NULL;
CREATE INDEX sync_operations_by_order ON sync_operations (order_id, seq);
