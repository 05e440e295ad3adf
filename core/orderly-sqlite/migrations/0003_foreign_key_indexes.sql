-- Orderly schema, version 3: index the child columns of foreign keys.
--
-- Inserting an order while the deferred check on its idempotency key is pending makes SQLite
-- look for rows that reference the new order; without these indexes that is a full scan of
-- every idempotency key and event, so placing an order slowed with every order stored.
CREATE INDEX IF NOT EXISTS idempotency_keys_order ON idempotency_keys (order_id);
CREATE INDEX IF NOT EXISTS outbox_order ON outbox (order_id, sequence);
