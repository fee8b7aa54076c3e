-- Help desk, third step: outgoing mail. Notifications are queued in the transaction
-- of the change they report and sent by the server's scheduler (or `ward mail send`),
-- with retries, so a slow or absent mail server never blocks or loses a change.
CREATE TABLE mail_outbox (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    to_addr     TEXT    NOT NULL,
    to_name     TEXT,
    subject     TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    message_id  TEXT    NOT NULL UNIQUE,
    in_reply_to TEXT,
    refs        TEXT,                          -- space-separated message ids
    created_at  INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,              -- when to try (again)
    sent_at     INTEGER,
    last_error  TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_at);
