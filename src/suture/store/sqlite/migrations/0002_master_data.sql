-- Master data (issue 3): versioned records, crosswalk (xrefs), observations, change requests and the
-- exceptions worklist. Dates are ISO 'YYYY-MM-DD' TEXT and JSON is TEXT on both backends so one set of SQL
-- and one row decoder serve SQLite and PostgreSQL. Validity ranges are inclusive at both ends.
CREATE TABLE master_records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    is_current BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    search TEXT NOT NULL,
    data TEXT NOT NULL,
    system TEXT NOT NULL,
    message_id TEXT,
    note TEXT NOT NULL DEFAULT '',
    recorded_at REAL NOT NULL,
    PRIMARY KEY (kind, id, version)
);
CREATE UNIQUE INDEX master_records_current ON master_records (kind, id) WHERE is_current;

CREATE TABLE master_counters (
    kind TEXT PRIMARY KEY,
    issued INTEGER NOT NULL
);

CREATE TABLE xrefs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    canonical_id TEXT NOT NULL,
    system TEXT NOT NULL,
    namespace TEXT NOT NULL DEFAULT '',
    value TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    active BOOLEAN NOT NULL,
    created_at REAL NOT NULL,
    created_by_system TEXT NOT NULL,
    message_id TEXT,
    retired_at REAL,
    retired_by_system TEXT,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX xrefs_claim ON xrefs (kind, value, system, namespace) WHERE active;
CREATE INDEX xrefs_record ON xrefs (kind, canonical_id);

CREATE TABLE observations (
    kind TEXT NOT NULL,
    canonical_id TEXT NOT NULL,
    system TEXT NOT NULL,
    data TEXT NOT NULL,
    observed_at REAL NOT NULL,
    message_id TEXT,
    PRIMARY KEY (kind, canonical_id, system)
);
CREATE INDEX observations_system ON observations (kind, system, canonical_id);

CREATE TABLE change_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    canonical_id TEXT NOT NULL,
    system TEXT NOT NULL,
    diff TEXT NOT NULL,
    state TEXT NOT NULL,
    message_id TEXT,
    created_at REAL NOT NULL,
    decided_at REAL,
    decided_by TEXT,
    reason TEXT NOT NULL DEFAULT '',
    applied_version INTEGER
);
CREATE INDEX change_requests_state ON change_requests (state, kind, id);
CREATE INDEX change_requests_record ON change_requests (kind, canonical_id);

CREATE TABLE exceptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT,
    detail TEXT NOT NULL,
    state TEXT NOT NULL,
    dedup_key TEXT,
    occurrences INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL,
    last_seen_at REAL NOT NULL,
    resolved_at REAL,
    resolved_by TEXT,
    resolution TEXT
);
CREATE UNIQUE INDEX exceptions_open_key ON exceptions (dedup_key) WHERE state = 'open' AND dedup_key IS NOT NULL;
CREATE INDEX exceptions_state_type ON exceptions (state, type, id);
CREATE INDEX exceptions_subject ON exceptions (subject_kind, subject_id)
