-- The questions due the assistant's reply, moved out of `events` (PostgreSQL's migration 0008 says
-- why): a row is inserted with the question and deleted with its reply, so a reply no longer
-- rewrites its question's event. One B-tree, keyed as the reply finds it. The old column goes at
-- once (PostgreSQL keeps it for instances that upgrade one by one; a SQLite database has one).
CREATE TABLE replies_due (
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
INSERT INTO replies_due SELECT conversation_id, seq, created_at FROM events WHERE reply_due = 1;
DROP INDEX events_reply_due;
ALTER TABLE events DROP COLUMN reply_due;
