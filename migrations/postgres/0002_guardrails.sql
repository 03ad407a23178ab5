-- Why an outbox row ended as it did (a guardrail's reason code, or the provider's error).
ALTER TABLE outbox ADD COLUMN reason TEXT;

-- Every message that left, per recipient: the minimum gap and the daily cap count touches to
-- one contact across all invoices.
CREATE TABLE touches (
    id          BIGSERIAL PRIMARY KEY,
    address     TEXT NOT NULL,        -- lower-cased e-mail address
    sent_at     TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    message_key TEXT NOT NULL,
    UNIQUE (address, workflow_id, message_key)
);
CREATE INDEX touches_address ON touches (address, sent_at);

-- Addresses that must never be mailed again (bounces, complaints, or by hand).
CREATE TABLE suppressions (
    address    TEXT PRIMARY KEY,      -- lower-cased e-mail address
    reason     TEXT NOT NULL,         -- bounce, complaint, manual
    source     TEXT NOT NULL,         -- ses-event, ses-suppression-list, cli
    detail     TEXT,
    created_at TEXT NOT NULL
);

-- Messages waiting for a human to approve them (mode = "approve", or require_approval).
CREATE TABLE approvals (
    id          TEXT PRIMARY KEY,     -- <workflow id>/<message key>
    workflow_id TEXT NOT NULL,
    invoice     TEXT NOT NULL,        -- normalised invoice number
    message_key TEXT NOT NULL,
    recipients  TEXT NOT NULL,        -- JSON {"to": [...], "cc": [...]}
    subject     TEXT NOT NULL,
    text_body   TEXT NOT NULL,
    html_body   TEXT NOT NULL,
    status      TEXT NOT NULL,        -- pending, approved, rejected, expired, sent
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    decided_by  TEXT,
    decided_at  TEXT
);
CREATE INDEX approvals_status ON approvals (status, expires_at);

-- Single-use links already used (owner actions, approvals).
CREATE TABLE used_links (
    nonce   TEXT PRIMARY KEY,
    used_at TEXT NOT NULL,
    purpose TEXT NOT NULL
);
