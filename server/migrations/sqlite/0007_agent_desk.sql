-- The agent desk: the languages (and team) an agent works in, for routing; internal notes and
-- transfer notes (never shown to shoppers: they are not events of the conversation's log);
-- canned replies (the team's when owner_id is NULL, else the agent's own); single-use links that
-- reopen a conversation from an email, and the email outbox (sent with retries); the questions the
-- assistant did not understand (content gaps), which a supervisor may label with a topic.
ALTER TABLE agents ADD COLUMN languages TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN team TEXT;
CREATE TABLE notes (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    agent_id        TEXT NOT NULL,
    author_name     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX notes_conversation ON notes(conversation_id, created_at);
CREATE TABLE canned_replies (
    id         TEXT PRIMARY KEY,
    owner_id   TEXT,
    locale     TEXT NOT NULL,
    shortcut   TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX canned_owner ON canned_replies(owner_id, locale);
CREATE TABLE email_links (
    token_hash      TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);
CREATE INDEX email_links_conversation ON email_links(conversation_id);
CREATE TABLE email_outbox (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX email_outbox_due ON email_outbox(next_attempt_at) WHERE sent_at IS NULL;
CREATE TABLE content_gaps (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             INTEGER NOT NULL,
    locale          TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    label           TEXT,
    labelled_by     TEXT,
    labelled_at     INTEGER
);
CREATE INDEX content_gaps_created ON content_gaps(created_at);
CREATE INDEX handoffs_resolved ON handoffs(resolved_at);
