-- Patch compliance: when Ward first saw each upgrade on each machine (the due clock),
-- the due policy, and a daily snapshot per machine and for the fleet.
CREATE TABLE compliance_upgrades (
    host_id      INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    package      TEXT    NOT NULL,            -- binary package
    architecture TEXT    NOT NULL,
    candidate    TEXT    NOT NULL,            -- the version offered
    installed    TEXT,                        -- the version it replaces, as last reported
    security     INTEGER NOT NULL,            -- 1: from a security archive
    first_seen   INTEGER NOT NULL,            -- the due clock's start
    urgency      TEXT,                        -- the most urgent issue it fixes (from the feeds), or NULL
    cves         TEXT,                        -- JSON array of the issues it fixes, or NULL
    resolved_at  INTEGER,                     -- no longer offered (installed or superseded)
    PRIMARY KEY (host_id, package, architecture, candidate)
);
CREATE INDEX compliance_upgrades_open ON compliance_upgrades (host_id, resolved_at);

CREATE TABLE compliance_settings (
    key   TEXT    PRIMARY KEY,                -- 'due.security-high', 'due.security', 'due.other', 'synced_through', 'feeds_stamp'
    value INTEGER NOT NULL
);

CREATE TABLE compliance_snapshots (
    day       TEXT    NOT NULL,               -- 'YYYY-MM-DD' (UTC)
    host_id   INTEGER NOT NULL,               -- 0: the fleet (no foreign key: history outlives a removed host)
    host      TEXT    NOT NULL,               -- its name that day, '' for the fleet
    tracked   INTEGER NOT NULL,               -- pending upgrades with a due date
    overdue   INTEGER NOT NULL,
    percent   REAL    NOT NULL,               -- of tracked not overdue (100 when none)
    machines  INTEGER NOT NULL,               -- 1 for a machine; the fleet's machines
    compliant INTEGER NOT NULL,               -- machines with nothing overdue
    taken_at  INTEGER NOT NULL,
    PRIMARY KEY (day, host_id)
);
