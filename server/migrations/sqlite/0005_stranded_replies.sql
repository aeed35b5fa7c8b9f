-- Finding questions whose reply was lost with a crashed instance: conversations with the assistant,
-- by last activity.
CREATE INDEX conversations_activity ON conversations(status, updated_at);
