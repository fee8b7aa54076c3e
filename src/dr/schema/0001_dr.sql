-- Disaster recovery: recovery plans (what is backed up where, the recovery point and
-- time objectives, the restore steps, who owns it) and every backup and restore drill
-- run for them, with its outcome.
CREATE TABLE dr_plans (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,   -- [a-z0-9][a-z0-9._-]*
    description     TEXT    NOT NULL DEFAULT '',
    machine         TEXT    NOT NULL DEFAULT 'local', -- 'local': the Ward server itself
    paths           TEXT    NOT NULL DEFAULT '[]', -- JSON array of absolute paths
    excludes        TEXT    NOT NULL DEFAULT '[]', -- JSON array of fnmatch patterns
    dumps           TEXT    NOT NULL DEFAULT '[]', -- JSON array of dump specs (backup/dump.h)
    repo            TEXT    NOT NULL,          -- the repository's path
    password_file   TEXT    NOT NULL,          -- a file holding its password
    rpo             INTEGER NOT NULL CHECK (rpo > 0), -- seconds
    rto             INTEGER NOT NULL CHECK (rto > 0), -- seconds
    backup_schedule TEXT    NOT NULL,          -- "every 6h", "daily 02:30", "manual"
    drill_schedule  TEXT    NOT NULL,
    retention       TEXT    NOT NULL DEFAULT '{}', -- {"last": n, "daily": n, ...}; {} keeps all
    steps           TEXT    NOT NULL DEFAULT '[]', -- JSON array of restore steps, in order
    owner           TEXT    NOT NULL DEFAULT '',
    contacts        TEXT    NOT NULL DEFAULT '',
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Backups and drills, newest last. A run is 'running' until it ends; one left
-- 'running' by a server that stopped is marked failed at the next start.
CREATE TABLE dr_runs (
    id              INTEGER PRIMARY KEY,
    plan_id         INTEGER NOT NULL REFERENCES dr_plans (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('backup', 'drill')),
    status          TEXT    NOT NULL CHECK (status IN ('running', 'ok', 'passed', 'slow', 'failed')),
    actor           TEXT    NOT NULL,          -- who asked: a user, local:<user>, or 'scheduler'
    pid             INTEGER NOT NULL,          -- the process doing it (a dead one: interrupted); 0 for a job
    job_id          INTEGER,                   -- on an enrolled host: the agent job doing it (src/jobs)
    started_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    seconds         REAL,                      -- how long it took
    snapshot        TEXT,                      -- backup: the snapshot taken; drill: the one restored
    snapshot_time   INTEGER,                   -- that snapshot's time
    details         TEXT    NOT NULL DEFAULT '{}', -- JSON: summary counts, dumps, verification
    error           TEXT                       -- why it failed
);
CREATE INDEX dr_runs_plan ON dr_runs (plan_id, kind, id);
CREATE INDEX dr_runs_job ON dr_runs (job_id) WHERE job_id IS NOT NULL;

-- Things the module remembers once: whether the default plan was made.
CREATE TABLE dr_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
