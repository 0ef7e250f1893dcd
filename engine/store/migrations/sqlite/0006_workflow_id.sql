-- A run executed by a Temporal workflow names it here; its liveness is
-- Temporal's to judge, so such runs are never marked crashed. Empty for
-- runs of the embedded engine.
ALTER TABLE runs ADD COLUMN workflow_id TEXT NOT NULL DEFAULT '';
