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
-- Questions the assistant has yet to answer: written with the question, deleted with its reply (or
-- when a person takes over first), so a crash never loses a reply (the sweeper answers what is left).
CREATE TABLE pending_replies (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
CREATE INDEX pending_replies_age ON pending_replies(created_at);
