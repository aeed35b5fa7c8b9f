-- The same indexes by minute of last activity as PostgreSQL's (its migration 0007 says why), so
-- both run the same queries. SQLite computes the column when it is read (it may only add virtual
-- generated columns) and keeps the indexes on it.
ALTER TABLE conversations ADD COLUMN active_minute INTEGER GENERATED ALWAYS AS (updated_at / 60000) VIRTUAL;
DROP INDEX conversations_activity;
DROP INDEX conversations_updated;
DROP INDEX conversations_contact;
CREATE INDEX conversations_activity ON conversations(status, active_minute);
CREATE INDEX conversations_updated ON conversations(active_minute);
CREATE INDEX conversations_contact ON conversations(active_minute) WHERE contact IS NOT NULL;
