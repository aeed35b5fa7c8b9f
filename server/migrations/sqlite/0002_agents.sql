-- Human agents: accounts, their console sessions, and the handoff log.
CREATE TABLE agents (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,             -- argon2id PHC string
    capacity      INTEGER NOT NULL DEFAULT 3,
    online        INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE agent_sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id   TEXT NOT NULL REFERENCES agents(id),
    expires_at TEXT NOT NULL
);

ALTER TABLE conversations ADD COLUMN agent_id TEXT REFERENCES agents(id);
ALTER TABLE conversations ADD COLUMN rating INTEGER;
ALTER TABLE conversations ADD COLUMN rating_comment TEXT;
CREATE INDEX conversations_agent ON conversations(agent_id, status);

-- One row per trip to a person: when it was queued, picked up and resolved (metrics, handling times).
CREATE TABLE handoffs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    reason          TEXT NOT NULL,
    queued_at       TEXT NOT NULL,
    claimed_at      TEXT,
    resolved_at     TEXT,
    agent_id        TEXT
);
CREATE INDEX handoffs_conversation ON handoffs(conversation_id, id);
