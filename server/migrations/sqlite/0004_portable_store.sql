-- The storage layer's schema, the same shape as PostgreSQL's (migrations/postgres):
-- * every timestamp is an integer, milliseconds since the Unix epoch (compared and ordered as
--   numbers, never as text);
-- * conversations carry what lists show (the shopper's last words, the assistant's last topic),
--   so the queue is one query instead of transcript scans per row;
-- * agents carry a presence heartbeat (`seen_at`), so any instance can tell a console is gone.
-- Tables are rebuilt (SQLite cannot change a column's type); foreign keys are checked at commit.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE sessions_v4 (
    token_hash   TEXT PRIMARY KEY,
    shopper_id   TEXT NOT NULL,
    shopper_name TEXT,
    identified   INTEGER NOT NULL,
    merchant_id  TEXT NOT NULL REFERENCES merchants(id),
    locale       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
INSERT INTO sessions_v4
SELECT token_hash, shopper_id, shopper_name, identified, merchant_id, locale,
       CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER),
       CAST(ROUND((julianday(expires_at) - 2440587.5) * 86400000) AS INTEGER)
FROM sessions;

CREATE TABLE agents_v4 (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    capacity      INTEGER NOT NULL DEFAULT 3,
    online        INTEGER NOT NULL DEFAULT 0,
    seen_at       INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
INSERT INTO agents_v4
SELECT id, email, display_name, password_hash, capacity, online, 0,
       CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER)
FROM agents;

CREATE TABLE agent_sessions_v4 (
    token_hash TEXT PRIMARY KEY,
    agent_id   TEXT NOT NULL REFERENCES agents(id),
    expires_at INTEGER NOT NULL
);
INSERT INTO agent_sessions_v4
SELECT token_hash, agent_id, CAST(ROUND((julianday(expires_at) - 2440587.5) * 86400000) AS INTEGER) FROM agent_sessions;

CREATE TABLE conversations_v4 (
    id                TEXT PRIMARY KEY,
    shopper_id        TEXT NOT NULL,
    merchant_id       TEXT NOT NULL REFERENCES merchants(id),
    identified        INTEGER NOT NULL,
    state             TEXT NOT NULL,
    status            TEXT NOT NULL,
    last_seq          INTEGER NOT NULL DEFAULT 0,
    handoff_reason    TEXT,
    priority          INTEGER NOT NULL DEFAULT 0,
    queued_at         INTEGER,
    contact           TEXT,
    agent_id          TEXT REFERENCES agents(id),
    rating            INTEGER,
    rating_comment    TEXT,
    locale            TEXT NOT NULL DEFAULT 'en',
    last_shopper_text TEXT,
    last_topic        TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
INSERT INTO conversations_v4 (rowid, id, shopper_id, merchant_id, identified, state, status, last_seq, handoff_reason,
    priority, queued_at, contact, agent_id, rating, rating_comment, locale, last_shopper_text, last_topic, created_at, updated_at)
SELECT c.rowid, c.id, c.shopper_id, c.merchant_id, c.identified, c.state, c.status, c.last_seq, c.handoff_reason,
       c.priority,
       CASE WHEN c.queued_at IS NULL THEN NULL ELSE CAST(ROUND((julianday(c.queued_at) - 2440587.5) * 86400000) AS INTEGER) END,
       c.contact, c.agent_id, c.rating, c.rating_comment, c.locale,
       (SELECT substr(json_extract(e.payload, '$.message.text'), 1, 120) FROM events e
         WHERE e.conversation_id = c.id AND e.kind = 'message' AND json_extract(e.payload, '$.message.author') = 'shopper'
         ORDER BY e.seq DESC LIMIT 1),
       (SELECT json_extract(e.payload, '$.message.meta.topic') FROM events e
         WHERE e.conversation_id = c.id AND e.kind = 'message' AND json_extract(e.payload, '$.message.author') = 'assistant'
         ORDER BY e.seq DESC LIMIT 1),
       CAST(ROUND((julianday(c.created_at) - 2440587.5) * 86400000) AS INTEGER),
       CAST(ROUND((julianday(c.updated_at) - 2440587.5) * 86400000) AS INTEGER)
FROM conversations c;

CREATE TABLE events_v4 (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    client_id       TEXT,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
INSERT INTO events_v4
SELECT conversation_id, seq, kind, client_id, payload, CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER)
FROM events;

CREATE TABLE handoffs_v4 (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    reason          TEXT NOT NULL,
    queued_at       INTEGER NOT NULL,
    claimed_at      INTEGER,
    resolved_at     INTEGER,
    agent_id        TEXT
);
INSERT INTO handoffs_v4
SELECT id, conversation_id, reason,
       CAST(ROUND((julianday(queued_at) - 2440587.5) * 86400000) AS INTEGER),
       CASE WHEN claimed_at IS NULL THEN NULL ELSE CAST(ROUND((julianday(claimed_at) - 2440587.5) * 86400000) AS INTEGER) END,
       CASE WHEN resolved_at IS NULL THEN NULL ELSE CAST(ROUND((julianday(resolved_at) - 2440587.5) * 86400000) AS INTEGER) END,
       agent_id
FROM handoffs;

DROP TABLE events;
DROP TABLE handoffs;
DROP TABLE agent_sessions;
DROP TABLE conversations;
DROP TABLE sessions;
DROP TABLE agents;
ALTER TABLE sessions_v4 RENAME TO sessions;
ALTER TABLE agents_v4 RENAME TO agents;
ALTER TABLE agent_sessions_v4 RENAME TO agent_sessions;
ALTER TABLE conversations_v4 RENAME TO conversations;
ALTER TABLE events_v4 RENAME TO events;
ALTER TABLE handoffs_v4 RENAME TO handoffs;

CREATE INDEX sessions_shopper ON sessions(shopper_id);
CREATE INDEX conversations_shopper ON conversations(shopper_id, merchant_id, created_at);
CREATE INDEX conversations_status ON conversations(status, priority, queued_at);
CREATE INDEX conversations_agent ON conversations(agent_id, status);
CREATE UNIQUE INDEX events_client_id ON events(conversation_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX handoffs_conversation ON handoffs(conversation_id, id);
CREATE INDEX handoffs_queued ON handoffs(queued_at);
CREATE INDEX agents_online ON agents(online, seen_at);
