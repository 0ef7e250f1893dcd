-- How a run started: cli, schedule, api, ui or backfill; empty for runs
-- recorded before it was kept.
ALTER TABLE runs ADD COLUMN started_by TEXT NOT NULL DEFAULT '';

-- The run list filters by it.
CREATE INDEX runs_by_started_by ON runs (started_by, created_at, id);
