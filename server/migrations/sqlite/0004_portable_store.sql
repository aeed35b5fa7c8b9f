-- The storage layer's schema, the same shape as PostgreSQL's (migrations/postgres):
-- * every timestamp is an integer, milliseconds since the Unix epoch (compared and ordered as
--   numbers, never as text);
-- * conversations carry what lists show (the shopper's last words, the assistant's last topic),
--   so the queue is one query instead of transcript scans per row;
-- * agents carry a presence heartbeat (`seen_at`), so any instance can tell a console is gone.
-- Tables are rebuilt (SQLite cannot change a column's type): the old ones are renamed to *_v3
-- (SQLite rewrites the references between them), the new ones created under the real names and
-- filled, parents first, then the old ones dropped, children first; every foreign key holds at
-- every step.
ALTER TABLE events RENAME TO events_v3;
ALTER TABLE handoffs RENAME TO handoffs_v3;
ALTER TABLE agent_sessions RENAME TO agent_sessions_v3;
ALTER TABLE sessions RENAME TO sessions_v3;
ALTER TABLE conversations RENAME TO conversations_v3;
ALTER TABLE agents RENAME TO agents_v3;

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    shopper_id   TEXT NOT NULL,
    shopper_name TEXT,
    identified   INTEGER NOT NULL,
    merchant_id  TEXT NOT NULL REFERENCES merchants(id),
    locale       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
INSERT INTO sessions
SELECT token_hash, shopper_id, shopper_name, identified, merchant_id, locale,
       CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER),
       CAST(ROUND((julianday(expires_at) - 2440587.5) * 86400000) AS INTEGER)
FROM sessions_v3;

CREATE TABLE agents (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    capacity      INTEGER NOT NULL DEFAULT 3,
    online        INTEGER NOT NULL DEFAULT 0,
    seen_at       INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
INSERT INTO agents
SELECT id, email, display_name, password_hash, capacity, online, 0,
       CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER)
FROM agents_v3;

CREATE TABLE agent_sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id   TEXT NOT NULL REFERENCES agents(id),
    expires_at INTEGER NOT NULL
);
INSERT INTO agent_sessions
SELECT token_hash, agent_id, CAST(ROUND((julianday(expires_at) - 2440587.5) * 86400000) AS INTEGER) FROM agent_sessions_v3;

CREATE TABLE conversations (
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
INSERT INTO conversations (rowid, id, shopper_id, merchant_id, identified, state, status, last_seq, handoff_reason,
    priority, queued_at, contact, agent_id, rating, rating_comment, locale, last_shopper_text, last_topic, created_at, updated_at)
SELECT c.rowid, c.id, c.shopper_id, c.merchant_id, c.identified, c.state, c.status, c.last_seq, c.handoff_reason,
       c.priority,
       CASE WHEN c.queued_at IS NULL THEN NULL ELSE CAST(ROUND((julianday(c.queued_at) - 2440587.5) * 86400000) AS INTEGER) END,
       c.contact, c.agent_id, c.rating, c.rating_comment, c.locale,
       (SELECT substr(json_extract(e.payload, '$.message.text'), 1, 120) FROM events_v3 e
         WHERE e.conversation_id = c.id AND e.kind = 'message' AND json_extract(e.payload, '$.message.author') = 'shopper'
         ORDER BY e.seq DESC LIMIT 1),
       (SELECT json_extract(e.payload, '$.message.meta.topic') FROM events_v3 e
         WHERE e.conversation_id = c.id AND e.kind = 'message' AND json_extract(e.payload, '$.message.author') = 'assistant'
         ORDER BY e.seq DESC LIMIT 1),
       CAST(ROUND((julianday(c.created_at) - 2440587.5) * 86400000) AS INTEGER),
       CAST(ROUND((julianday(c.updated_at) - 2440587.5) * 86400000) AS INTEGER)
FROM conversations_v3 c;

CREATE TABLE events (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    client_id       TEXT,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
INSERT INTO events
SELECT conversation_id, seq, kind, client_id, payload, CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER)
FROM events_v3;

CREATE TABLE handoffs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    reason          TEXT NOT NULL,
    queued_at       INTEGER NOT NULL,
    claimed_at      INTEGER,
    resolved_at     INTEGER,
    agent_id        TEXT
);
INSERT INTO handoffs
SELECT id, conversation_id, reason,
       CAST(ROUND((julianday(queued_at) - 2440587.5) * 86400000) AS INTEGER),
       CASE WHEN claimed_at IS NULL THEN NULL ELSE CAST(ROUND((julianday(claimed_at) - 2440587.5) * 86400000) AS INTEGER) END,
       CASE WHEN resolved_at IS NULL THEN NULL ELSE CAST(ROUND((julianday(resolved_at) - 2440587.5) * 86400000) AS INTEGER) END,
       agent_id
FROM handoffs_v3;

DROP TABLE events_v3;
DROP TABLE handoffs_v3;
DROP TABLE agent_sessions_v3;
DROP TABLE sessions_v3;
DROP TABLE conversations_v3;
DROP TABLE agents_v3;
DROP INDEX IF EXISTS sessions_shopper;
DROP INDEX IF EXISTS conversations_shopper;
DROP INDEX IF EXISTS conversations_status;
DROP INDEX IF EXISTS conversations_agent;
DROP INDEX IF EXISTS events_client_id;
DROP INDEX IF EXISTS handoffs_conversation;
CREATE INDEX sessions_shopper ON sessions(shopper_id);
CREATE INDEX conversations_shopper ON conversations(shopper_id, merchant_id, created_at);
CREATE INDEX conversations_status ON conversations(status, priority, queued_at);
CREATE INDEX conversations_agent ON conversations(agent_id, status);
CREATE UNIQUE INDEX events_client_id ON events(conversation_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX handoffs_conversation ON handoffs(conversation_id, id);
CREATE INDEX handoffs_queued ON handoffs(queued_at);
CREATE INDEX agents_online ON agents(online, seen_at);
