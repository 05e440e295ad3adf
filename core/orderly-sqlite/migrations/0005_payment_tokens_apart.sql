-- Payment tokens are credentials: they stay in the store, beside the order, and never travel
-- with its document (served to clients, cached, published in events). Existing documents
-- give their token to the new column and lose it. `doc_format` says which shape a document
-- has, so that a later change of the shape is read through the engine's upgrade instead of
-- rewriting every document: 1 is the shape before this migration (token inside), 2 the
-- shape without it.
ALTER TABLE orders ADD COLUMN payment_token TEXT;
ALTER TABLE orders ADD COLUMN doc_format INTEGER NOT NULL DEFAULT 1 CHECK (doc_format >= 1);

UPDATE orders
SET payment_token = json_extract(doc, '$.paymentMethod.token'),
    doc = json_remove(doc, '$.paymentMethod.token'),
    doc_format = 2;

-- Events already written carried the whole order, token included.
UPDATE outbox
SET payload = json_remove(payload, '$.order.paymentMethod.token')
WHERE type = 'order.placed' AND json_type(payload, '$.order.paymentMethod.token') IS NOT NULL;
