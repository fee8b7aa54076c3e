-- Help desk, second step: attachments, canned responses, related and merged tickets,
-- mail threading, the knowledge-base article a resolution cites, and approved fixes.
CREATE TABLE ticket_attachments (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    filename     TEXT    NOT NULL,            -- no path, no control characters
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,            -- the blob under data/blobs/
    internal     INTEGER NOT NULL DEFAULT 0,  -- 1: support only
    uploaded_by  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id, id);

CREATE TABLE canned_responses (
    id         INTEGER PRIMARY KEY,
    title      TEXT    NOT NULL UNIQUE,
    body       TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- Related tickets, stored once per pair with a < b.
CREATE TABLE ticket_links (
    a INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    b INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    PRIMARY KEY (a, b),
    CHECK (a < b)
) WITHOUT ROWID;

-- Mail that came in or went out for a ticket: the same Message-ID never makes a
-- second ticket, and replies find their ticket through In-Reply-To / References.
CREATE TABLE ticket_messages (
    message_id TEXT    PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    direction  TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    at         INTEGER NOT NULL                 -- Unix milliseconds, for their order
) WITHOUT ROWID;

ALTER TABLE tickets ADD COLUMN article_id INTEGER;   -- the knowledge-base article the resolution cites
ALTER TABLE tickets ADD COLUMN deflected_by INTEGER; -- closed by the requester because this article helped

-- Approved fixes: vetted scripts first-level support may run from a ticket on the
-- requester's machine through the agent's job channel.
CREATE TABLE fix_scripts (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL,
    command     TEXT    NOT NULL,
    timeout_s   INTEGER NOT NULL CHECK (timeout_s BETWEEN 1 AND 3600),
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    disabled    INTEGER NOT NULL DEFAULT 0
);

-- Jobs started from a ticket (a fix, or diagnostics on escalation): their results
-- land in the ticket as internal notes.
CREATE TABLE ticket_jobs (
    job_id    INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    purpose   TEXT    NOT NULL,                -- 'fix:<name>' or 'diagnostics'
    noted     INTEGER NOT NULL DEFAULT 0       -- 1 once the result is in the ticket
);
