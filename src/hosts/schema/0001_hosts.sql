-- Hosts: enrolled machines, their current facts by section, and their change history.
CREATE TABLE enroll_tokens (
    id          INTEGER PRIMARY KEY,
    token_hash  BLOB    NOT NULL UNIQUE,     -- SHA-256 of the one-time token
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    uses_left   INTEGER NOT NULL
);

CREATE TABLE hosts (
    id             INTEGER PRIMARY KEY,
    uid            TEXT    NOT NULL UNIQUE,  -- the host id the agent holds (32 hex digits)
    name           TEXT    NOT NULL,         -- hostname as last reported
    secret_hash    BLOB    NOT NULL,         -- SHA-256 of the per-host secret
    enrolled_at    INTEGER NOT NULL,
    last_report_at INTEGER,
    interval_s     INTEGER NOT NULL DEFAULT 900,
    os             TEXT,                     -- pretty name, for listings
    kernel         TEXT,
    owner          TEXT,                     -- user name of who uses the machine
    location       TEXT,
    packages       INTEGER NOT NULL DEFAULT 0,
    reports        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX hosts_name ON hosts (name);

CREATE TABLE host_tags (
    host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL,
    PRIMARY KEY (host_id, tag)
);

CREATE TABLE host_sections (
    host_id    INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    section    TEXT    NOT NULL,
    digest     TEXT    NOT NULL,             -- SHA-256 of the section's canonical JSON
    data       TEXT    NOT NULL,             -- the section's canonical JSON
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (host_id, section)
);

CREATE TABLE host_history (
    id      INTEGER PRIMARY KEY,
    host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    kind    TEXT    NOT NULL,                -- 'package.upgraded', 'port.opened', ...
    subject TEXT    NOT NULL,                -- 'openssl:amd64', 'tcp/22', 'alice', ...
    old     TEXT,
    new     TEXT
);
CREATE INDEX host_history_host ON host_history (host_id, id);
