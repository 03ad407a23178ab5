-- What each intake source (an export synced on a schedule, or imported by hand) said last
-- time, as a JSON snapshot: the next export is diffed against it.
CREATE TABLE intake_snapshots (
    source     TEXT PRIMARY KEY,
    snapshot   TEXT NOT NULL,
    rows       INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

-- Things a human must look at: invoices that vanished from an export, payments that matched
-- nothing or more than one invoice, conflicts. Never acted on by guesswork.
CREATE TABLE review_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    invoice     TEXT,                 -- normalised invoice number, when there is one
    summary     TEXT NOT NULL,
    detail      TEXT NOT NULL,        -- JSON
    dedup_key   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution  TEXT
);
CREATE INDEX review_items_open ON review_items (resolved_at, created_at);
CREATE INDEX review_items_dedup ON review_items (dedup_key);
