-- Merchants that embed the widget.
CREATE TABLE merchants (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    provider_name   TEXT NOT NULL,
    theme           TEXT NOT NULL,           -- JSON tandem_protocol::Theme
    allowed_origins TEXT NOT NULL DEFAULT '[]' -- JSON array of origins allowed to frame the widget
);

-- Shopper sessions. Only the SHA-256 of the bearer token is stored.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    shopper_id  TEXT NOT NULL,
    shopper_name TEXT,
    identified  INTEGER NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    locale      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_shopper ON sessions(shopper_id);

CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    shopper_id  TEXT NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    identified  INTEGER NOT NULL,
    state       TEXT NOT NULL,              -- JSON tandem_protocol::ConversationState
    status      TEXT NOT NULL,              -- the state's bare name, for queries
    last_seq    INTEGER NOT NULL DEFAULT 0,
    handoff_reason TEXT,                    -- why it went to a person (metrics, queue priority)
    priority    INTEGER NOT NULL DEFAULT 0, -- higher is served first
    queued_at   TEXT,                       -- when it entered the queue
    contact     TEXT,                       -- email left while no person was available
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX conversations_shopper ON conversations(shopper_id, created_at);
CREATE INDEX conversations_status ON conversations(status);

-- Every durable stream event of a conversation, in sequence order. Messages are events whose
-- payload is a tandem_protocol::Message; client_id makes shopper and agent sends idempotent.
CREATE TABLE events (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,          -- 'message' | 'state'
    client_id       TEXT,
    payload         TEXT NOT NULL,          -- JSON tandem_protocol::Event
    created_at      TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX events_client_id ON events(conversation_id, client_id) WHERE client_id IS NOT NULL;

-- The demo ledger: orders and payment plans (a provider plugs in its own ledger instead).
CREATE TABLE ledger_orders (
    shopper_id TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    snapshot   TEXT NOT NULL,               -- JSON tandem_assistant::Order
    PRIMARY KEY (shopper_id, order_id)
);
CREATE TABLE ledger_shoppers (
    shopper_id TEXT PRIMARY KEY,
    name       TEXT NOT NULL
);
