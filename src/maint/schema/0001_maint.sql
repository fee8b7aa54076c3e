-- Maintenance windows: recurring weekly times, in a time zone, when the machines they
-- apply to may be changed (upgrade runs wait for them; upgrades that are not security
-- fixes are due at the next one).
CREATE TABLE maint_windows (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    description  TEXT    NOT NULL DEFAULT '',
    days         INTEGER NOT NULL,             -- bit 0 Monday ... bit 6 Sunday, local days
    start_min    INTEGER NOT NULL,             -- minutes after local midnight
    duration_min INTEGER NOT NULL,
    timezone     TEXT    NOT NULL,             -- an IANA zone name
    selection    TEXT    NOT NULL,             -- JSON {"all", "hosts", "tags"}
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
