-- A queued run that resumes an earlier one names it here (the worker runs
-- it with --resume); empty otherwise.
ALTER TABLE runs ADD COLUMN resume_from text NOT NULL DEFAULT '';
