-- Help desk: tickets, their timeline, and the search index over them.
CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,        -- the ticket number
    title             TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    requester_id      INTEGER NOT NULL REFERENCES users (id),
    host_id           INTEGER REFERENCES hosts (id) ON DELETE SET NULL,
    category          TEXT    NOT NULL DEFAULT '',
    impact            INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 3),   -- 1 high .. 3 low
    urgency           INTEGER NOT NULL CHECK (urgency BETWEEN 1 AND 3),  -- 1 high .. 3 low
    priority          INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 5), -- impact + urgency - 1
    status            TEXT    NOT NULL CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
    tier              INTEGER NOT NULL DEFAULT 1 CHECK (tier IN (1, 2)),
    assignee_id       INTEGER REFERENCES users (id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    first_response_at INTEGER,                    -- first public reply by support
    resolved_at       INTEGER,
    closed_at         INTEGER,
    -- The SLA clocks, in business seconds of the help desk's calendar. The resolution
    -- clock runs from created_at, stops while pending and after resolution:
    -- sla_used is what it had used when it last stopped, sla_since when it last
    -- started (NULL while stopped).
    sla_used          INTEGER NOT NULL DEFAULT 0,
    sla_since         INTEGER,
    response_due_at   INTEGER,                    -- NULL once answered
    resolve_due_at    INTEGER,                    -- NULL while the clock is stopped
    sla_flags         INTEGER NOT NULL DEFAULT 0, -- 1 response at risk, 2 response breached,
                                                  -- 4 resolution at risk, 8 resolution breached
    auto_escalated    INTEGER NOT NULL DEFAULT 0,
    merged_into       INTEGER REFERENCES tickets (id),
    resolution        TEXT,
    rating            INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_comment    TEXT
);
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_requester ON tickets (requester_id, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status, id);
CREATE INDEX tickets_due ON tickets (coalesce(resolve_due_at, 9223372036854775807), id);

CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag       TEXT    NOT NULL,
    PRIMARY KEY (ticket_id, tag)
) WITHOUT ROWID;

-- The timeline: every comment, note and change, in order.
CREATE TABLE ticket_events (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,                   -- user name, or "system"
    kind      TEXT    NOT NULL,                   -- created, reply, note, status, assign, escalate,
                                                  -- deescalate, priority, update, sla, resolve, ...
    public    INTEGER NOT NULL,                   -- 0: internal, never shown to employees
    body      TEXT,                               -- the comment's text
    data      TEXT                                -- JSON: what changed
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

-- SLA targets per priority, in business seconds.
CREATE TABLE sla_targets (
    priority INTEGER PRIMARY KEY CHECK (priority BETWEEN 1 AND 5),
    response INTEGER NOT NULL CHECK (response > 0),
    resolve  INTEGER NOT NULL CHECK (resolve > 0)
);
INSERT INTO sla_targets VALUES (1, 3600, 4 * 3600), (2, 2 * 3600, 8 * 3600), (3, 4 * 3600, 24 * 3600),
                               (4, 8 * 3600, 40 * 3600), (5, 16 * 3600, 80 * 3600);

-- Help-desk settings as JSON values: 'calendar' (the business calendar).
CREATE TABLE helpdesk_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO helpdesk_settings VALUES ('calendar',
    '{"timezone":"UTC","days":["mon","tue","wed","thu","fri"],"hours":"09:00-17:00","holidays":[]}');

-- Full-text search over tickets and their comments: one row per ticket (title and
-- description) and one per comment. internal = 1 rows (notes) are never matched for
-- employees; requester_id lets an employee's search stay within their own tickets.
CREATE VIRTUAL TABLE ticket_fts USING fts5 (
    title, body,
    ticket_id UNINDEXED, event_id UNINDEXED, requester_id UNINDEXED, internal UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
