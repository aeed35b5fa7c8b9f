-- Administration: agents have a role and can be disabled; rows the demo seed wrote are recorded,
-- so that starting without --demo removes them; retention deletes by last activity.
ALTER TABLE agents ADD COLUMN role TEXT NOT NULL DEFAULT 'agent';
ALTER TABLE agents ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;
CREATE TABLE demo_rows (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX conversations_updated ON conversations(updated_at);
CREATE INDEX conversations_contact ON conversations(updated_at) WHERE contact IS NOT NULL;
CREATE INDEX agent_sessions_agent ON agent_sessions(agent_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);
-- Questions the assistant has yet to answer are marked on their own event when stored (no extra
-- statement) and unmarked by the reply (or when a person takes over first), so a crash never loses a
-- reply: the sweeper answers what is still marked.
ALTER TABLE events ADD COLUMN reply_due BIGINT NOT NULL DEFAULT 0;
CREATE INDEX events_reply_due ON events(created_at) WHERE reply_due = 1;
