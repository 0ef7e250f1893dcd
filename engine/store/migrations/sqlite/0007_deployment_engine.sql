-- What fires a deployment: 'embedded' (hotpass serve's scheduler) or
-- 'temporal' (a Temporal Schedule, kept in step by hotpass deploy and
-- hotpass deployment). Deployments saved before default to embedded.
ALTER TABLE deployments ADD COLUMN engine TEXT NOT NULL DEFAULT 'embedded';
