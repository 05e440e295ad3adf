-- One schema for every backend: the SQLite store matches these tables, columns, names and
-- constraints (its migration 6). Here: an index for retention of expired checkouts, and the
-- record of sent order confirmations, taking over the leases that marked them before. Idempotent like every migration (an index that exists
-- already is not an error; see `migrate`).

ALTER TABLE checkouts ADD INDEX checkouts_expiry (expires_at);

CREATE TABLE IF NOT EXISTS sent_confirmations (
    order_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_id CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sent_at  BIGINT      NOT NULL,
    PRIMARY KEY (order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Earlier workers marked a sent confirmation with a lease 'notify:order-confirmation:{id}'
-- held for 100 years from the send (3153600000000 ms); those become rows here, with the
-- order's placed event. Leases expiring after 2065 are such markers; a claim of a send in
-- progress lasts a minute and is left alone.
INSERT IGNORE INTO sent_confirmations (order_id, user_id, event_id, sent_at)
    SELECT orders.id, orders.user_id, outbox.event_id, leases.expires_at - 3153600000000
    FROM leases
    JOIN orders ON orders.id = SUBSTRING(leases.name, 27)
    JOIN outbox ON outbox.order_id = orders.id AND outbox.sequence = 1
    WHERE leases.name LIKE 'notify:order-confirmation:%' AND leases.expires_at > 3000000000000;

DELETE FROM leases
    WHERE name LIKE 'notify:order-confirmation:%' AND expires_at > 3000000000000;
