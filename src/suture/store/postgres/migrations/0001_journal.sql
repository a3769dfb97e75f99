CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
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
    raw BYTEA NOT NULL
);
CREATE UNIQUE INDEX messages_idempotency ON messages (channel, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_channel_received ON messages (channel, received_at);
CREATE INDEX messages_status ON messages (status);
CREATE INDEX messages_control_id ON messages (control_id);

CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id),
    channel TEXT NOT NULL,
    sink TEXT NOT NULL,
    payload BYTEA NOT NULL,
    content_type TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    order_key TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION,
    last_error TEXT,
    replay_of BIGINT REFERENCES deliveries (id)
);
CREATE INDEX deliveries_queue ON deliveries (channel, sink, state, id);
CREATE INDEX deliveries_message ON deliveries (message_id);

CREATE TABLE attempts (
    id BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES deliveries (id),
    message_id TEXT NOT NULL,
    sink TEXT NOT NULL,
    try_no INTEGER NOT NULL,
    started_at DOUBLE PRECISION NOT NULL,
    ended_at DOUBLE PRECISION NOT NULL,
    outcome TEXT NOT NULL,
    response TEXT,
    error TEXT
);
CREATE INDEX attempts_delivery ON attempts (delivery_id);
CREATE INDEX attempts_message ON attempts (message_id);
