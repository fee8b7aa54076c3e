-- The activity log: append-only, each entry chained to the one before by SHA-256.
CREATE TABLE activity (
    id        INTEGER PRIMARY KEY,      -- 1, 2, 3, ... with no gaps
    at        INTEGER NOT NULL,         -- Unix seconds
    actor     TEXT    NOT NULL,         -- user name, 'local:<unix user>', 'system', 'anonymous'
    action    TEXT    NOT NULL,         -- '<area>.<verb>', e.g. 'user.create'
    object    TEXT    NOT NULL,         -- what it acted on, e.g. 'user:alice'
    details   TEXT    NOT NULL,         -- canonical JSON object
    prev_hash TEXT    NOT NULL,         -- hash of entry id-1 (64 zeros for the first)
    hash      TEXT    NOT NULL          -- SHA-256 over prev_hash and this entry
);
CREATE INDEX activity_at ON activity (at);
CREATE INDEX activity_actor ON activity (actor, id);
CREATE INDEX activity_action ON activity (action, id);

-- Ward itself never changes an entry; refuse it at the database too.
CREATE TRIGGER activity_no_update BEFORE UPDATE ON activity
BEGIN SELECT RAISE(ABORT, 'the activity log is append-only'); END;
CREATE TRIGGER activity_no_delete BEFORE DELETE ON activity
BEGIN SELECT RAISE(ABORT, 'the activity log is append-only'); END;
