-- Every message moves its conversation's `updated_at`. While indexes held that column, no update
-- of a conversation could be heap-only (HOT): each message wrote a new entry into every one of the
-- table's seven indexes. The indexes that find conversations by last activity now hold its minute,
-- which a message changes at most once a minute, so nearly every message's update touches no index;
-- queries narrow by the minute through the index, then by the exact time. Pages keep a fifth free
-- for the rows' new versions (set before the column is added, which rewrites the table).
ALTER TABLE conversations SET (fillfactor = 80);
ALTER TABLE conversations ADD COLUMN active_minute BIGINT GENERATED ALWAYS AS (updated_at / 60000) STORED;
DROP INDEX conversations_activity;
DROP INDEX conversations_updated;
DROP INDEX conversations_contact;
CREATE INDEX conversations_activity ON conversations(status, active_minute);
CREATE INDEX conversations_updated ON conversations(active_minute);
CREATE INDEX conversations_contact ON conversations(active_minute) WHERE contact IS NOT NULL;
