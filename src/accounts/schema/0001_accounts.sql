-- Accounts: people, their sessions and API tokens, and failed-login throttling.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,    -- validated: [a-z][a-z0-9._-]{0,63}
    email         TEXT    UNIQUE,             -- lower-cased; NULL when none
    role          TEXT    NOT NULL CHECK (role IN ('employee', 'support', 'admin')),
    password_hash TEXT    NOT NULL,           -- argon2id (libsodium crypto_pwhash_str)
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    last_login_at INTEGER
);

CREATE TABLE sessions (
    token_hash   BLOB    PRIMARY KEY,         -- SHA-256 of the cookie's token
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    address      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BLOB    NOT NULL UNIQUE,     -- SHA-256 of the token
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE login_throttle (
    key             TEXT    PRIMARY KEY,      -- 'user:<name>' or 'addr:<address>'
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,         -- Unix milliseconds
    locked_until    INTEGER NOT NULL DEFAULT 0 -- Unix milliseconds
);
