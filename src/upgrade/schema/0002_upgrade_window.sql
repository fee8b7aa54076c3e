-- Plans run in each machine's maintenance window (src/maint): a machine's job is queued
-- only while one of its windows is open.
ALTER TABLE upgrade_plans ADD COLUMN in_window INTEGER NOT NULL DEFAULT 0;
