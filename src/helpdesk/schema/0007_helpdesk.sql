-- Ticket search: the index's segments are merged by the server in the background
-- (src/server/server_index.c), not by the transaction that writes a ticket. With
-- 'automerge' on, every write also did merge work of about its own size times the
-- index's levels: on a million tickets more than half of what a new ticket cost, and
-- all of it while holding the write lock. Now a write only adds its small segment; the
-- server merges when no one else is writing, and while others write, for a share of
-- the time that grows with the backlog. 'usermerge' 16 makes its merges the ones
-- automerge 16 made. 'crisismerge' (64, from 0006) stays the backstop for writers
-- without a server: a level that reaches it is merged at once.
INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('automerge', 0);
INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('usermerge', 16);
