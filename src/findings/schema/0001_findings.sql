-- Findings: problems a module found and wants a person to look at (an RPO missed, and
-- later a port open against the baseline, a changed file...). One open finding per
-- (source, key); it closes when the module sees the problem gone.
CREATE TABLE findings (
    id          INTEGER PRIMARY KEY,
    source      TEXT    NOT NULL,             -- the module: 'dr'
    key         TEXT    NOT NULL,             -- what it is about, unique per source while open
    severity    TEXT    NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    subject     TEXT    NOT NULL,             -- an object name: 'dr-plan:ward'
    message     TEXT    NOT NULL,
    opened_at   INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    closed_at   INTEGER                       -- NULL while open
);
CREATE UNIQUE INDEX findings_open ON findings (source, key) WHERE closed_at IS NULL;
CREATE INDEX findings_time ON findings (closed_at, opened_at);
