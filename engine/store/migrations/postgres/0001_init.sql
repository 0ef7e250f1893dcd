CREATE TABLE runs (
    id           text PRIMARY KEY,
    pipeline     text NOT NULL,
    spec_path    text NOT NULL DEFAULT '',
    spec_hash    text NOT NULL DEFAULT '',
    deployment   text NOT NULL DEFAULT '',
    status       text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled', 'crashed')),
    params       jsonb,
    error        text NOT NULL DEFAULT '',
    trace_id     text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    started_at   timestamptz,
    ended_at     timestamptz,
    pid          integer NOT NULL DEFAULT 0,
    hostname     text NOT NULL DEFAULT '',
    heartbeat_at timestamptz
);

-- ListRuns walks one of these newest first and stops after its limit.
CREATE INDEX runs_by_created ON runs (created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at, id);
CREATE INDEX runs_by_deployment ON runs (deployment, created_at, id);
CREATE INDEX runs_by_pipeline ON runs (pipeline, created_at, id);

CREATE TABLE task_runs (
    -- seq keeps the order in which tasks were first recorded; an upsert
    -- leaves it unchanged.
    seq             bigserial PRIMARY KEY,
    run_id          text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    task_id         text NOT NULL,
    type            text NOT NULL DEFAULT '',
    status          text NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    started_at      timestamptz,
    ended_at        timestamptz,
    error           text NOT NULL DEFAULT '',
    output          text NOT NULL DEFAULT '',
    definition_hash text NOT NULL DEFAULT '',
    rows_in         bigint NOT NULL DEFAULT 0,
    rows_out        bigint NOT NULL DEFAULT 0,
    attrs           jsonb,
    UNIQUE (run_id, task_id)
);

CREATE TABLE deployments (
    name       text PRIMARY KEY,
    spec_path  text NOT NULL DEFAULT '',
    profile    text NOT NULL DEFAULT '',
    schedule   text NOT NULL DEFAULT '',
    timezone   text NOT NULL DEFAULT '',
    tags       text[] NOT NULL DEFAULT '{}',
    params     jsonb,
    paused     boolean NOT NULL DEFAULT false,
    catchup_ns bigint NOT NULL DEFAULT 0,
    overlap    text NOT NULL CHECK (overlap IN ('skip', 'queue', 'allow')),
    spec_hash  text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- The primary key is what lets exactly one scheduler claim each fire.
CREATE TABLE schedule_fires (
    deployment   text NOT NULL REFERENCES deployments (name) ON DELETE CASCADE,
    scheduled_at timestamptz NOT NULL,
    run_id       text NOT NULL,
    claimed_at   timestamptz NOT NULL,
    PRIMARY KEY (deployment, scheduled_at)
);

CREATE TABLE slot_leases (
    id          text PRIMARY KEY,
    key         text NOT NULL,
    holder      text NOT NULL,
    acquired_at timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

CREATE INDEX slot_leases_by_key ON slot_leases (key, expires_at);
