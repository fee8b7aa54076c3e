-- Training: courses made of knowledge-base articles and an optional quiz, who must take
-- them by when, what they read, every quiz attempt with its score, and reminders.
CREATE TABLE training_courses (
    id           INTEGER PRIMARY KEY,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    quiz         TEXT,                         -- canonical JSON array of questions; NULL: no quiz
    pass_mark    INTEGER NOT NULL CHECK (pass_mark BETWEEN 1 AND 100), -- percent
    kind         TEXT    NOT NULL DEFAULT 'course' CHECK (kind IN ('course', 'notice')),
    package      TEXT,                         -- a notice: the program it is about
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- The lessons of a course, in order. article_id is a kb_articles id; there is no
-- foreign key because articles live in another module's tables (src/kb/).
CREATE TABLE training_lessons (
    course_id   INTEGER NOT NULL REFERENCES training_courses (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,              -- 1, 2, ...
    article_id  INTEGER NOT NULL,
    PRIMARY KEY (course_id, position)
);

-- Assignments to a role or to the users of a program, kept so that people who get
-- the role or the program later are assigned too (training_sync).
CREATE TABLE training_rules (
    id          INTEGER PRIMARY KEY,
    course_id   INTEGER NOT NULL REFERENCES training_courses (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('role', 'package')),
    value       TEXT    NOT NULL,              -- the role, or the package name
    period      INTEGER,                       -- seconds from assignment to due; NULL: no due date
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (course_id, kind, value)
);

-- One course for one user. The status is computed: completed when completed_at is
-- set, else overdue once due_at has passed, else assigned. user_name is an accounts
-- user name (no foreign key: another module's table).
CREATE TABLE training_assignments (
    id            INTEGER PRIMARY KEY,
    course_id     INTEGER NOT NULL REFERENCES training_courses (id) ON DELETE CASCADE,
    user_name     TEXT    NOT NULL,
    via           TEXT    NOT NULL,            -- 'user', 'role:<role>', 'package:<name>', 'notice:<name>'
    assigned_by   TEXT    NOT NULL,
    assigned_at   INTEGER NOT NULL,
    due_at        INTEGER,                     -- NULL: no due date
    completed_at  INTEGER,
    completed_by  TEXT,                        -- the user, or the admin who marked it complete
    override      INTEGER NOT NULL DEFAULT 0,  -- 1: marked complete by an admin
    score         INTEGER,                     -- best quiz score in percent, as scored when submitted
    attempts      INTEGER NOT NULL DEFAULT 0,
    remind_after  INTEGER,                     -- no reminder before this time
    reminders     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (course_id, user_name)
);
CREATE INDEX training_assignments_user ON training_assignments (user_name, id);
CREATE INDEX training_assignments_open ON training_assignments (completed_at, due_at);

-- Lessons read, by article, so that reordering a course's lessons keeps what was read.
CREATE TABLE training_reads (
    assignment_id  INTEGER NOT NULL REFERENCES training_assignments (id) ON DELETE CASCADE,
    article_id     INTEGER NOT NULL,
    at             INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, article_id)
);

-- Every quiz attempt as it was scored: later edits of the quiz or the pass mark change
-- none of these numbers.
CREATE TABLE training_attempts (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES training_assignments (id) ON DELETE CASCADE,
    at             INTEGER NOT NULL,
    answers        TEXT    NOT NULL,           -- canonical JSON: per question, the options chosen
    correct        INTEGER NOT NULL,
    total          INTEGER NOT NULL,
    score          INTEGER NOT NULL,           -- percent, rounded down
    pass_mark      INTEGER NOT NULL,           -- the pass mark at the time
    passed         INTEGER NOT NULL
);
CREATE INDEX training_attempts_assignment ON training_attempts (assignment_id, id);

-- Reminders: sent, or recorded as unsent (no mail server, no address) or failed.
CREATE TABLE training_reminders (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES training_assignments (id) ON DELETE CASCADE,
    at             INTEGER NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('due', 'overdue')),
    to_addr        TEXT,
    status         TEXT    NOT NULL CHECK (status IN ('sending', 'sent', 'unsent', 'failed')),
    reason         TEXT,
    message_id     TEXT
);
CREATE INDEX training_reminders_assignment ON training_reminders (assignment_id, id);
