-- Forwarded invoice documents and what was read from them, awaiting the owner's approval.
-- The PDF is kept (base64) so that a retried activity reads the same bytes.
CREATE TABLE documents (
    id          TEXT PRIMARY KEY,     -- the first 16 bytes of the content's SHA-256, in hex
    filename    TEXT NOT NULL,
    received_by TEXT NOT NULL,
    received_at TEXT NOT NULL,
    content     TEXT NOT NULL,
    state       TEXT NOT NULL,        -- received, proposed, approved, rejected, expired, failed
    reader      TEXT,
    proposer    TEXT,
    text        TEXT,
    proposal    TEXT,                 -- JSON: the fields as read, or as the owner corrected them
    problems    TEXT,                 -- JSON list
    warnings    TEXT,                 -- JSON list
    invoice     TEXT,                 -- the invoice number, once approved
    decided_by  TEXT,
    decided_at  TEXT,
    reason      TEXT
);
CREATE INDEX documents_state ON documents (state, received_at);
