-- The chase as the workflow last wrote it (its `status` view, JSON): the store's copy of a
-- chase is a projection with one writer, the chase itself. NULL for invoices never chased.
ALTER TABLE invoices ADD COLUMN chase TEXT;

-- Every command a door accepted, until the chase has it: a command that could not be
-- delivered (Temporal down, no worker) waits here and the reconciler delivers it.
CREATE TABLE commands (
    id          TEXT PRIMARY KEY,     -- also the update id: the chase does it once
    invoice     TEXT NOT NULL,        -- number_key
    workflow_id TEXT NOT NULL,
    request     TEXT NOT NULL,        -- the CommandRequest, JSON
    status      TEXT NOT NULL,        -- pending, delivered, refused, dropped
    outcome     TEXT,                 -- the answer, or why it was dropped
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX commands_pending ON commands (status, created_at);
