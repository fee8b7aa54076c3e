/*
 * search_index.c: the ticket search index's shape and its merging. FTS5 keeps the
 * index as segments in levels; a write adds one small segment to the first level, and
 * merging 16 segments of a level makes one on the next. Writes no longer merge
 * (0007_helpdesk.sql); the server does it in the background, paced by what this file
 * reads from FTS5's structure record (ext/fts5/fts5_index.c, "The structure record").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "helpdesk/helpdesk.h"
#include "helpdesk/tickets_store.h"

/* An SQLite varint: 7 bits a byte, high bit set on all but the last, the ninth byte
 * whole. -EBADMSG when it runs past the end. */
static int varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *ret)
{
	uint64_t v = 0;
	for (int i = 0; i < 9; i++) {
		if (*pos >= len)
			return -EBADMSG;
		uint8_t b = p[(*pos)++];
		if (i == 8) {
			*ret = (v << 8) | b;
			return 0;
		}
		v = (v << 7) | (b & 0x7f);
		if (!(b & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -EBADMSG;
}

int helpdesk_index_parse(const uint8_t *rec, size_t len, struct helpdesk_index *ret)
{
	/* The cookie (4 bytes), then, since SQLite 3.43, a marker for the second form,
	 * whose segments carry five more numbers. */
	static const uint8_t v2[4] = {0xff, 0x00, 0x00, 0x01};
	size_t pos = 4;
	uint64_t nlevels, nsegs, writes, v;
	int extra = 0;
	memset(ret, 0, sizeof(*ret));
	if (len < 4)
		return err_set(-EBADMSG, "the search index's structure record is %zu bytes long", len);
	if (len >= 8 && memcmp(rec + 4, v2, sizeof(v2)) == 0) {
		pos = 8;
		extra = 5;
	}
	if (varint(rec, len, &pos, &nlevels) < 0 || varint(rec, len, &pos, &nsegs) < 0 ||
	    varint(rec, len, &pos, &writes) < 0)
		goto bad;
	if (nlevels > HELPDESK_INDEX_LEVELS_MAX || nsegs > 65535)
		goto bad;
	ret->levels = (int)nlevels;
	for (int l = 0; l < ret->levels; l++) {
		uint64_t nmerge, nseg;
		if (varint(rec, len, &pos, &nmerge) < 0 || varint(rec, len, &pos, &nseg) < 0 || nseg > nsegs ||
		    nmerge > nseg || nseg > nsegs - (uint64_t)ret->segments)
			goto bad;
		for (uint64_t i = 0; i < nseg; i++) {
			uint64_t id, first, last;
			if (varint(rec, len, &pos, &id) < 0 || varint(rec, len, &pos, &first) < 0 ||
			    varint(rec, len, &pos, &last) < 0 || last + 1 < first || last > INT32_MAX)
				goto bad;
			for (int k = 0; k < extra; k++)
				if (varint(rec, len, &pos, &v) < 0)
					goto bad;
			/* Segments go oldest first; a merge takes the oldest. */
			ret->level_pages[l] += (int64_t)(last + 1 - first);
			if (i < nmerge)
				ret->level_merge_pages[l] += (int64_t)(last + 1 - first);
		}
		ret->pages += ret->level_pages[l];
		ret->level_segs[l] = (int)nseg;
		ret->level_merge[l] = (int)nmerge;
		ret->segments += (int)nseg;
		if (nmerge)
			ret->merging = true;
		if (l == 0)
			ret->first = (int)nseg;
		else if ((int)nseg > ret->most_above)
			ret->most_above = (int)nseg;
	}
	if ((uint64_t)ret->segments != nsegs)
		goto bad;
	return 0;
bad:
	memset(ret, 0, sizeof(*ret));
	return err_set(-EBADMSG, "the search index's structure record is not one this version of Ward reads");
}

int helpdesk_index_shape(struct store *s, struct helpdesk_index *ret)
{
	uint8_t *rec = NULL;
	size_t len = 0;
	int r = tickets_store_index_record(s, &rec, &len);
	if (r == -ENOENT) {
		/* A table no row was ever written to has no record yet: nothing to merge. */
		memset(ret, 0, sizeof(*ret));
		return 0;
	}
	if (r == 0)
		r = helpdesk_index_parse(rec, len, ret);
	free(rec);
	return r;
}

bool helpdesk_index_needs_merge(const struct helpdesk_index *ix)
{
	int64_t pages;
	return helpdesk_index_next_merge(ix, &pages) >= 0;
}

int helpdesk_index_next_merge(const struct helpdesk_index *ix, int64_t *ret_pages)
{
	int best = 0, nbest = 0;
	*ret_pages = 0;
	for (int l = 0; l < ix->levels; l++) {
		if (ix->level_merge[l]) {
			if (ix->level_merge[l] > nbest) {
				best = l;
				nbest = HELPDESK_INDEX_MERGE;
			}
			break;
		}
		if (ix->level_segs[l] > nbest) {
			nbest = ix->level_segs[l];
			best = l;
		}
	}
	if (ix->levels == 0 || (nbest < HELPDESK_INDEX_MERGE && ix->level_merge[best] == 0))
		return -1;
	/* A new merge takes every segment of its level. */
	*ret_pages = ix->level_merge[best] ? ix->level_merge_pages[best] : ix->level_pages[best];
	return best;
}

double helpdesk_index_duty(const struct helpdesk_index *ix)
{
	const int start = HELPDESK_INDEX_MERGE, full = HELPDESK_INDEX_CRISIS - HELPDESK_INDEX_MERGE;
	int64_t pages;
	if (ix->most_above < start || helpdesk_index_next_merge(ix, &pages) < 0 || pages > HELPDESK_INDEX_BUSY_PAGES)
		return 0;
	double d = 0.2 + 0.6 * (double)(ix->most_above - start) / (double)(full - start);
	return d > 0.8 ? 0.8 : d;
}

int helpdesk_index_merge(struct store *s, int pages, bool *ret_worked)
{
	int r;
	*ret_worked = false;
	if ((r = store_tx_begin(s)) < 0)
		return r;
	r = tickets_store_index_merge(s, pages, ret_worked);
	return store_tx_end(s, r);
}
