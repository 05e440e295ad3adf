-- Stored orders are sent to API clients as they are, and the API shows every milestone with
-- its `note` (null when none was given). Documents written before this version left `note`
-- out when it was null: add it. Milestones keep their order; nothing else changes.
UPDATE orders
SET doc = json_set(doc, '$.history', json((
    SELECT json_group_array(json_insert(milestone.value, '$.note', NULL))
    FROM json_each(orders.doc, '$.history') AS milestone
)))
WHERE EXISTS (
    SELECT 1 FROM json_each(orders.doc, '$.history') AS milestone
    WHERE json_type(milestone.value, '$.note') IS NULL
);
