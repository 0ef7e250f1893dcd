-- Times are INTEGER microseconds since the Unix epoch (UTC); NULL means unset.

CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    pipeline     TEXT NOT NULL,
    spec_path    TEXT NOT NULL DEFAULT '',
    spec_hash    TEXT NOT NULL DEFAULT '',
    deployment   TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled', 'crashed')),
    params       TEXT,
    error        TEXT NOT NULL DEFAULT '',
    trace_id     TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    ended_at     INTEGER,
    pid          INTEGER NOT NULL DEFAULT 0,
    hostname     TEXT NOT NULL DEFAULT '',
    heartbeat_at INTEGER
);

-- ListRuns walks one of these newest first and stops after its limit.
CREATE INDEX runs_by_created ON runs (created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at, id);
CREATE INDEX runs_by_deployment ON runs (deployment, created_at, id);
CREATE INDEX runs_by_pipeline ON runs (pipeline, created_at, id);

CREATE TABLE task_runs (
    -- seq keeps the order in which tasks were first recorded; an upsert
    -- leaves it unchanged.
    seq             INTEGER PRIMARY KEY,
    run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    task_id         TEXT NOT NULL,
    type            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    started_at      INTEGER,
    ended_at        INTEGER,
    error           TEXT NOT NULL DEFAULT '',
    output          TEXT NOT NULL DEFAULT '',
    definition_hash TEXT NOT NULL DEFAULT '',
    rows_in         INTEGER NOT NULL DEFAULT 0,
    rows_out        INTEGER NOT NULL DEFAULT 0,
    attrs           TEXT,
    UNIQUE (run_id, task_id)
);

CREATE TABLE deployments (
    name       TEXT PRIMARY KEY,
    spec_path  TEXT NOT NULL DEFAULT '',
    profile    TEXT NOT NULL DEFAULT '',
    schedule   TEXT NOT NULL DEFAULT '',
    timezone   TEXT NOT NULL DEFAULT '',
    tags       TEXT NOT NULL DEFAULT '[]',
    params     TEXT,
    paused     INTEGER NOT NULL DEFAULT 0,
    catchup_ns INTEGER NOT NULL DEFAULT 0,
    overlap    TEXT NOT NULL CHECK (overlap IN ('skip', 'queue', 'allow')),
    spec_hash  TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The primary key is what lets exactly one scheduler claim each fire.
CREATE TABLE schedule_fires (
    deployment   TEXT NOT NULL REFERENCES deployments (name) ON DELETE CASCADE,
    scheduled_at INTEGER NOT NULL,
    run_id       TEXT NOT NULL,
    claimed_at   INTEGER NOT NULL,
    PRIMARY KEY (deployment, scheduled_at)
) WITHOUT ROWID;

CREATE TABLE slot_leases (
    id          TEXT PRIMARY KEY,
    key         TEXT NOT NULL,
    holder      TEXT NOT NULL,
    acquired_at INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE INDEX slot_leases_by_key ON slot_leases (key, expires_at);
