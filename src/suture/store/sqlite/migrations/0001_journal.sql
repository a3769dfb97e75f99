CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    received_at REAL NOT NULL,
    peer TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL,
    control_id TEXT NOT NULL DEFAULT '',
    correlation_id TEXT NOT NULL DEFAULT '',
    trace_id TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    status TEXT NOT NULL,
    error TEXT,
    size INTEGER NOT NULL,
    duplicates INTEGER NOT NULL DEFAULT 0,
    raw BLOB NOT NULL
);
CREATE UNIQUE INDEX messages_idempotency ON messages (channel, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_channel_received ON messages (channel, received_at);
CREATE INDEX messages_status ON messages (status);
CREATE INDEX messages_control_id ON messages (control_id);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL REFERENCES messages (id),
    channel TEXT NOT NULL,
    sink TEXT NOT NULL,
    payload BLOB NOT NULL,
    content_type TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    order_key TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL,
    last_error TEXT,
    replay_of INTEGER REFERENCES deliveries (id)
);
CREATE INDEX deliveries_queue ON deliveries (channel, sink, state, id);
CREATE INDEX deliveries_message ON deliveries (message_id);

CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
    message_id TEXT NOT NULL,
    sink TEXT NOT NULL,
    try_no INTEGER NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL NOT NULL,
    outcome TEXT NOT NULL,
    response TEXT,
    error TEXT
);
CREATE INDEX attempts_delivery ON attempts (delivery_id);
CREATE INDEX attempts_message ON attempts (message_id);
