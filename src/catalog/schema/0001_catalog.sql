-- The software catalogue: approved software employees may request for their machines,
-- and the requests, each tied to the help-desk ticket that carries its conversation
-- and to the install job that carries it out.
CREATE TABLE catalog_items (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,             -- a slug: 'gimp'
    description   TEXT    NOT NULL,
    packages      TEXT    NOT NULL,             -- JSON: [{"name": "gimp", "version"?: "2.10.34-1"}]
    allow         TEXT    NOT NULL CHECK (allow IN ('all', 'role', 'users')),
    allow_role    TEXT    CHECK (allow_role IN ('employee', 'support', 'admin')), -- with 'role': this role and above
    allow_users   TEXT,                         -- with 'users': JSON array of user names
    approval      INTEGER NOT NULL CHECK (approval IN (0, 1)),
    approver_role TEXT    NOT NULL CHECK (approver_role IN ('support', 'admin')),
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    removed_at    INTEGER                       -- kept while requests name it; NULL while offered
);
CREATE UNIQUE INDEX catalog_items_name ON catalog_items (name) WHERE removed_at IS NULL;

CREATE TABLE catalog_requests (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL REFERENCES catalog_items (id),
    item_name     TEXT    NOT NULL,
    packages      TEXT    NOT NULL,             -- the item's packages when requested (JSON)
    approver_role TEXT    NOT NULL CHECK (approver_role IN ('support', 'admin')),
    ticket_id     INTEGER NOT NULL,             -- the help desk's ticket (number)
    requester_id  INTEGER NOT NULL,
    requester     TEXT    NOT NULL,
    host_id       INTEGER NOT NULL,
    host_name     TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'installing', 'installed', 'failed', 'rejected')),
    job_id        INTEGER,                      -- the latest install job
    decided_by    TEXT,                         -- who approved or rejected ('system' when no approval is needed)
    decided_at    INTEGER,
    reason        TEXT,                         -- a rejection's reason
    result        TEXT,                         -- JSON: the installed versions, or the failure
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX catalog_requests_status ON catalog_requests (status, id);
CREATE INDEX catalog_requests_ticket ON catalog_requests (ticket_id);
CREATE INDEX catalog_requests_job ON catalog_requests (job_id);
CREATE INDEX catalog_requests_requester ON catalog_requests (requester_id, id);
