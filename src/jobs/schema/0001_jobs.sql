-- Remote jobs: work queued for one host, signed by the server, run by its agent.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    host_id      INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,           -- 'inventory', 'diagnostics', 'command'
    params       TEXT    NOT NULL,           -- canonical JSON
    payload      TEXT    NOT NULL,           -- the signed canonical JSON the agent gets
    signature    TEXT    NOT NULL,           -- Ed25519 over payload, hex
    requested_by TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'queued', -- queued, sent, done, failed, refused, expired
    sent_at      INTEGER,
    finished_at  INTEGER,
    exit_code    INTEGER,
    output       TEXT,                       -- bounded
    result       TEXT                        -- JSON
);
CREATE INDEX jobs_host_status ON jobs (host_id, status);
