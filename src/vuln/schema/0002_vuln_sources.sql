-- Feed URLs that ward serve's scheduler imports, with the validators of the copy imported
-- (so an unchanged feed is neither downloaded nor imported again) and the last error.
CREATE TABLE vuln_sources (
    feed          TEXT    PRIMARY KEY,        -- the feed it imports into
    url           TEXT    NOT NULL,           -- http://, https:// or file://
    format        TEXT,                       -- 'tracker', 'osv', or NULL to tell from the content
    every_s       INTEGER NOT NULL,           -- seconds between fetches
    etag          TEXT,                       -- of the copy imported
    last_modified TEXT,
    checked_at    INTEGER,                    -- last fetch tried
    changed_at    INTEGER,                    -- last import from it
    error         TEXT,                       -- the last fetch's or import's failure, NULL after a success
    error_at      INTEGER,
    added_by      TEXT    NOT NULL,
    added_at      INTEGER NOT NULL
);
