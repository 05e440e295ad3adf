-- Orderly schema, version 2: named leases, so that one of several processes (outbox relays)
-- does a job at a time. A lease is held by `owner` until `expires_at` (Unix milliseconds).

CREATE TABLE leases (
    name       TEXT    NOT NULL PRIMARY KEY,
    owner      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
