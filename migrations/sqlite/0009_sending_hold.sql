-- The global stop: while this one row exists, no customer message leaves (steps wait).
-- Written only by `Chaser::hold_sending` and `release_sending` (the CLI, the owner API, the
-- one-tap link, and the deliverability guard all go through them).
CREATE TABLE sending_hold (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    since      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    held_by    TEXT NOT NULL
);

-- Hard bounces and complaints SES reported, one per recipient and message: with the touches
-- (one per recipient sent to) they give the rolling rates the deliverability guard watches.
CREATE TABLE mail_events (
    id         TEXT PRIMARY KEY,      -- <kind>/<address>/<provider message id>
    kind       TEXT NOT NULL,         -- bounce, complaint
    address    TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX mail_events_at ON mail_events (at);
