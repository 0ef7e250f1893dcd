-- A run started by another run (a backfill's child runs) names it here;
-- empty for runs started on their own.
ALTER TABLE runs ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';

-- `hotpass runs ls --parent ID` lists one backfill's children.
CREATE INDEX runs_by_parent ON runs (parent_id, created_at, id);
