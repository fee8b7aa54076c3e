-- Knowledge base: articles on problem resolutions, every version of each, full-text
-- search over title and body, and the tickets each article helped with.
CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,      -- from the title at creation; never changes
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,             -- Markdown; rendered by cmark when shown
    category    TEXT    NOT NULL COLLATE NOCASE,
    visibility  TEXT    NOT NULL CHECK (visibility IN ('employees', 'support')),
    author      TEXT    NOT NULL,             -- who created it
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    revision    INTEGER NOT NULL DEFAULT 1    -- the newest row of kb_article_revisions
);
CREATE INDEX kb_articles_category ON kb_articles (category, id);

-- Every version, the first included: revision N is the article as it was after its
-- (N-1)th edit.
CREATE TABLE kb_article_revisions (
    article_id  INTEGER NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL,
    author      TEXT    NOT NULL,             -- who wrote this version
    at          INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    visibility  TEXT    NOT NULL,
    PRIMARY KEY (article_id, revision)
);

-- "Helped N times": tickets whose resolution cited the article. ticket_id is the help
-- desk's ticket id; there is no foreign key because tickets live in another module's
-- tables (src/helpdesk/), which the knowledge base must not depend on.
CREATE TABLE kb_article_tickets (
    article_id  INTEGER NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    ticket_id   INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    cited_by    TEXT    NOT NULL,
    PRIMARY KEY (article_id, ticket_id)
);
CREATE INDEX kb_article_tickets_ticket ON kb_article_tickets (ticket_id);

-- Tickets their employee closed because the article solved the problem (no foreign
-- key to tickets, as above).
CREATE TABLE kb_article_deflections (
    article_id  INTEGER NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    ticket_id   INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    closed_by   TEXT    NOT NULL,
    PRIMARY KEY (article_id, ticket_id)
);

-- Full-text index over title and body, with kb_articles as its external content. The
-- triggers keep it in step inside the transaction that changes an article.
CREATE VIRTUAL TABLE kb_fts USING fts5 (
    title, body,
    content = 'kb_articles', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
CREATE TRIGGER kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER kb_articles_fts_update AFTER UPDATE OF title, body ON kb_articles BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO kb_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
