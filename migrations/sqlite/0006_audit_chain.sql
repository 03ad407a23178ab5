-- The audit log is hash-chained: each row stores the hash of the row before it and its own
-- hash over its content, so an edited or deleted row breaks the chain (`chaser audit verify`).
-- `prev_hash` is unique: two writers racing for the same place in the chain cannot both win.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_chain ON audit_log (prev_hash);
