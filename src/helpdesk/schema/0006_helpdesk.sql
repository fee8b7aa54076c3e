-- Ticket search: merge the index's segments a little with every write, never all at
-- once. FTS5 merges a level incrementally once it holds 'automerge' segments (16, set in
-- 0005), and merges the whole level at once inside the writing transaction when it holds
-- 'crisismerge' (default 16). With both at 16 every merge was the all-at-once kind: at a
-- million tickets one rewrote hundreds of megabytes while holding the write lock, and
-- ticket creation stopped for 8 seconds (bench/helpdesk). At 64 the incremental merges,
-- which write about as many pages as each new segment times the levels, keep the levels
-- short, and the all-at-once merge is left as the backstop it is meant to be.
INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('crisismerge', 64);
