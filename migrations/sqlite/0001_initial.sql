-- The latest known state of every invoice the chaser has seen.
CREATE TABLE invoices (
    number_key    TEXT PRIMARY KEY,   -- normalised invoice number (workflow id suffix)
    number        TEXT NOT NULL,      -- as the accounting tool wrote it
    workflow_id   TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    state         TEXT NOT NULL,      -- chase state: scheduled, paused, paid, ...
    balance       TEXT NOT NULL,      -- Money, e.g. "USD 1200.00"
    due_date      TEXT NOT NULL,
    snapshot      TEXT NOT NULL,      -- the invoice as JSON
    updated_at    TEXT NOT NULL
);

-- One row per message the chaser decided to send, ever: the key makes sends idempotent.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id TEXT NOT NULL,
    step_id     TEXT NOT NULL,
    status      TEXT NOT NULL,        -- sending, sent, failed, declined, dry_run
    recipients  TEXT NOT NULL,        -- JSON {"to": [...], "cc": [...]}
    subject     TEXT NOT NULL,
    message_id  TEXT,
    error       TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (workflow_id, step_id)
);

-- Append-only: who did what to which invoice, with before and after snapshots.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    invoice     TEXT NOT NULL,        -- normalised invoice number
    workflow_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    before      TEXT,                 -- JSON
    after       TEXT,                 -- JSON
    detail      TEXT,
    dedup_key   TEXT NOT NULL UNIQUE  -- makes a retried write a no-op
);
CREATE INDEX audit_log_invoice ON audit_log (invoice, id);

-- Webhook deliveries already processed, so a replay has no second effect.
CREATE TABLE webhook_events (
    event_id    TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    received_at TEXT NOT NULL
);
