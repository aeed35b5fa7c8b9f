-- The language the conversation is written in: the session's locale at creation, then the
-- language of the shopper's latest message the assistant answered (the server's own sentences
-- to the shopper follow it).
ALTER TABLE conversations ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
