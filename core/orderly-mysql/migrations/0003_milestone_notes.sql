-- Stored orders are sent to API clients as they are, and the API shows every milestone with
-- its `note` (null when none was given). Documents written before this version left `note`
-- out when it was null: add it. An order has at most four milestones (placed, processing,
-- shipped, then delivered or cancelled); JSON_INSERT adds `note` only where a milestone lacks
-- it and ignores positions past the end of the history.
UPDATE orders
SET doc = JSON_INSERT(doc,
    '$.history[0].note', NULL,
    '$.history[1].note', NULL,
    '$.history[2].note', NULL,
    '$.history[3].note', NULL,
    '$.history[4].note', NULL)
WHERE JSON_LENGTH(doc, '$.history') > 0;
