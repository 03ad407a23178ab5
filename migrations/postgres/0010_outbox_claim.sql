-- Which attempt holds an unfinished outbox claim. Handing a message to the provider is
-- conditional on it, so an attempt Temporal gave up on (and started again) while it still
-- ran can never hand over the same message as its successor.
ALTER TABLE outbox ADD COLUMN claim TEXT;
