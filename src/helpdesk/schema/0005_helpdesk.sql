-- Ticket search, rebuilt for size (bench/helpdesk at 1,000,000 tickets):
-- * prefix indexes for 2 to 6 characters, so search-as-you-type ("outl*", "print*")
--   reads one ready list instead of merging the lists of every word with that prefix
--   (250 ms -> a few ms for a common prefix);
-- * the index's segments merged 16 at a time instead of 4, which cuts the pages a new
--   ticket writes about fourfold;
-- * each ticket remembers the search row of its title and description (fts_rowid), so
--   a new title updates that row instead of scanning every row for it.
CREATE VIRTUAL TABLE ticket_fts_new USING fts5 (
    title, body,
    ticket_id UNINDEXED, event_id UNINDEXED, requester_id UNINDEXED, internal UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6'
);
INSERT INTO ticket_fts_new (ticket_fts_new, rank) VALUES ('automerge', 16);
INSERT INTO ticket_fts_new (rowid, title, body, ticket_id, event_id, requester_id, internal)
    SELECT rowid, title, body, ticket_id, event_id, requester_id, internal FROM ticket_fts ORDER BY rowid;
DROP TABLE ticket_fts;
ALTER TABLE ticket_fts_new RENAME TO ticket_fts;
ALTER TABLE tickets ADD COLUMN fts_rowid INTEGER;
UPDATE tickets SET fts_rowid = m.r
    FROM (SELECT rowid AS r, ticket_id AS t FROM ticket_fts WHERE event_id = 0) AS m
    WHERE tickets.id = m.t;
