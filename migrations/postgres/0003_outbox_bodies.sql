-- The message as rendered: what a dry run would have sent, and what did go out.
ALTER TABLE outbox ADD COLUMN text_body TEXT;
ALTER TABLE outbox ADD COLUMN html_body TEXT;
