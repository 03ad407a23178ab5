-- When a message was handed to the provider (the provider call started). A later attempt
-- that finds it handed over and unfinished cannot know whether the provider has it: the
-- message is then `uncertain`, asked about, never sent twice.
ALTER TABLE outbox ADD COLUMN handed_at TEXT;
