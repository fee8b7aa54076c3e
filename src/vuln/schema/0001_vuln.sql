-- Vulnerabilities: what each imported feed says about source packages, per release.
CREATE TABLE vuln_feeds (
    feed        TEXT    PRIMARY KEY,          -- 'debian-tracker', 'osv', or a name given to --feed
    format      TEXT    NOT NULL,             -- 'tracker' or 'osv'
    origin      TEXT    NOT NULL,             -- the file or directory imported
    imported_at INTEGER NOT NULL,
    issues      INTEGER NOT NULL,             -- CVEs (or OSV ids) in it
    entries     INTEGER NOT NULL              -- rows in vuln_entries
);

CREATE TABLE vuln_issues (
    feed        TEXT    NOT NULL REFERENCES vuln_feeds (feed) ON DELETE CASCADE,
    cve         TEXT    NOT NULL,             -- 'CVE-2024-1234', 'TEMP-...', or an OSV id
    description TEXT,
    scope       TEXT,                         -- 'local', 'remote' or NULL
    debianbug   INTEGER,
    PRIMARY KEY (feed, cve)
) WITHOUT ROWID;

CREATE TABLE vuln_entries (
    feed          TEXT NOT NULL REFERENCES vuln_feeds (feed) ON DELETE CASCADE,
    release       TEXT NOT NULL,              -- codename ('bookworm') or version ('22.04')
    source        TEXT NOT NULL,              -- source package name
    cve           TEXT NOT NULL,
    status        TEXT NOT NULL,              -- tracker: open, resolved, undetermined; OSV: open, resolved
    introduced    TEXT,                       -- OSV: first affected version; NULL for all
    fixed         TEXT,                       -- fixed version; '0' means never affected
    last_affected TEXT,                       -- OSV
    urgency       TEXT,                       -- 'high', 'unimportant', 'end-of-life', ...
    nodsa         TEXT,                       -- the tracker's no-DSA note, NULL without one
    nodsa_reason  TEXT                        -- 'ignored', 'postponed', '' or NULL
);
CREATE INDEX vuln_entries_release ON vuln_entries (release, source);
CREATE INDEX vuln_entries_cve ON vuln_entries (cve);
