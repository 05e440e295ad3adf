-- Payment tokens are credentials: they stay in the store, beside the order, and never travel
-- with its document (served to clients, cached, published in events). Existing documents
-- give their token to the new column and lose it. `doc_format` says which shape a document
-- has, so that a later change of the shape is read through the engine's upgrade instead of
-- rewriting every document: 1 is the shape before this migration (token inside), 2 the
-- shape without it. Every statement can run again after a partial failure.
ALTER TABLE orders
    ADD COLUMN payment_token VARCHAR(255) NULL,
    ADD COLUMN doc_format INT UNSIGNED NOT NULL DEFAULT 1;

UPDATE orders
SET payment_token = COALESCE(payment_token, JSON_UNQUOTE(JSON_EXTRACT(doc, '$.paymentMethod.token'))),
    doc = JSON_REMOVE(doc, '$.paymentMethod.token'),
    doc_format = 2
WHERE doc_format = 1;

-- Events already written carried the whole order, token included.
UPDATE outbox
SET payload = JSON_REMOVE(payload, '$.order.paymentMethod.token')
WHERE event_type = 'order.placed' AND JSON_CONTAINS_PATH(payload, 'one', '$.order.paymentMethod.token');
