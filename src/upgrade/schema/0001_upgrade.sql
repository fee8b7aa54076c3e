-- Upgrade runs: plans that fix exact package versions per machine, the machines in
-- their rings, and every step each machine's agent reported.
CREATE TABLE upgrade_plans (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL UNIQUE,
    status            TEXT    NOT NULL,           -- planned, scheduled, running, passed, failed, cancelled
    selection         TEXT    NOT NULL,           -- JSON {"hosts", "tags", "all", "pilot", "pilot_tags"}
    packages          TEXT    NOT NULL,           -- JSON: "all", "security" or [{"name", "version"?}]
    tests             TEXT    NOT NULL,           -- JSON array of compatibility tests
    note              TEXT,                       -- JSON {"title", "text", "package"} or NULL
    min_free_mb       INTEGER NOT NULL,
    allow_no_rollback INTEGER NOT NULL DEFAULT 0,
    start_at          INTEGER,                    -- a start time; NULL: when run
    rings             INTEGER NOT NULL,
    current_ring      INTEGER NOT NULL DEFAULT 0,
    reason            TEXT,                       -- why it failed or was cancelled
    notice_course     INTEGER,                    -- the training notice published for the note
    created_by        TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    started_by        TEXT,
    started_at        INTEGER,
    finished_at       INTEGER
);

CREATE TABLE upgrade_machines (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES upgrade_plans (id) ON DELETE CASCADE,
    host_id     INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    ring        INTEGER NOT NULL,
    packages    TEXT    NOT NULL,                 -- JSON [{"name", "architecture", "from", "to", "rollback"}]
    warnings    TEXT    NOT NULL,                 -- JSON array of text
    status      TEXT    NOT NULL,                 -- pending, running, passed, failed, rolled-back, skipped, cancelled
    job_id      INTEGER,
    reason      TEXT,
    versions    TEXT,                             -- JSON [{"name", "before", "after"}] from the agent
    started_at  INTEGER,
    finished_at INTEGER,
    UNIQUE (plan_id, host_id)
);
CREATE INDEX upgrade_machines_job ON upgrade_machines (job_id);

CREATE TABLE upgrade_steps (
    id          INTEGER PRIMARY KEY,
    machine_id  INTEGER NOT NULL REFERENCES upgrade_machines (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    phase       TEXT    NOT NULL,                 -- pre, install, post, rollback
    status      TEXT    NOT NULL,                 -- passed, failed, skipped
    output      TEXT    NOT NULL,                 -- an excerpt
    seconds     REAL    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX upgrade_steps_machine ON upgrade_steps (machine_id, seq);
