-- The cockpit's "since yesterday" reads the audit log by time: without this it would scan
-- the whole log, which grows for years.
CREATE INDEX audit_log_at ON audit_log (at);
