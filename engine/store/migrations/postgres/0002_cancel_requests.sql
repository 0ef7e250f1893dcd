-- A row asks the process running the run to stop; it polls for it. Kept
-- apart from runs so that asking never races with the run's own updates.
CREATE TABLE cancel_requests (
    run_id       text PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL
);
