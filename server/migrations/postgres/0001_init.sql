-- Tandem's schema on PostgreSQL: the same tables and columns as SQLite's after its migration 0004.
-- Timestamps are BIGINT milliseconds since the Unix epoch; flags are BIGINT 0/1; JSON is TEXT
-- (written and read whole by the server, never queried inside).
CREATE TABLE merchants (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    provider_name   TEXT NOT NULL,
    theme           TEXT NOT NULL,
    allowed_origins TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    shopper_id   TEXT NOT NULL,
    shopper_name TEXT,
    identified   BIGINT NOT NULL,
    merchant_id  TEXT NOT NULL REFERENCES merchants(id),
    locale       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_shopper ON sessions(shopper_id);

CREATE TABLE agents (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    capacity      BIGINT NOT NULL DEFAULT 3,
    online        BIGINT NOT NULL DEFAULT 0,
    seen_at       BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);
CREATE INDEX agents_online ON agents(online, seen_at);

CREATE TABLE agent_sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id   TEXT NOT NULL REFERENCES agents(id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE conversations (
    id                TEXT PRIMARY KEY,
    shopper_id        TEXT NOT NULL,
    merchant_id       TEXT NOT NULL REFERENCES merchants(id),
    identified        BIGINT NOT NULL,
    state             TEXT NOT NULL,
    status            TEXT NOT NULL,
    last_seq          BIGINT NOT NULL DEFAULT 0,
    handoff_reason    TEXT,
    priority          BIGINT NOT NULL DEFAULT 0,
    queued_at         BIGINT,
    contact           TEXT,
    agent_id          TEXT REFERENCES agents(id),
    rating            BIGINT,
    rating_comment    TEXT,
    locale            TEXT NOT NULL DEFAULT 'en',
    last_shopper_text TEXT,
    last_topic        TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    -- Creation order (SQLite uses its rowid), the tie-breaker for equal timestamps.
    row_order         BIGSERIAL
);
CREATE INDEX conversations_shopper ON conversations(shopper_id, merchant_id, created_at);
CREATE INDEX conversations_status ON conversations(status, priority, queued_at);
CREATE INDEX conversations_agent ON conversations(agent_id, status);

CREATE TABLE events (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    client_id       TEXT,
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX events_client_id ON events(conversation_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE handoffs (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    reason          TEXT NOT NULL,
    queued_at       BIGINT NOT NULL,
    claimed_at      BIGINT,
    resolved_at     BIGINT,
    agent_id        TEXT
);
CREATE INDEX handoffs_conversation ON handoffs(conversation_id, id);
CREATE INDEX handoffs_queued ON handoffs(queued_at);

CREATE TABLE ledger_orders (
    shopper_id TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    snapshot   TEXT NOT NULL,
    PRIMARY KEY (shopper_id, order_id)
);
CREATE TABLE ledger_shoppers (
    shopper_id TEXT PRIMARY KEY,
    name       TEXT NOT NULL
);
