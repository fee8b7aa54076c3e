/*
 * fuzz_fts_structure.c: helpdesk_index_parse (FTS5's structure record of the ticket
 * search index, as read from a database that may come from anywhere: a restored
 * backup, a copied data directory) on arbitrary bytes. It must refuse or describe a
 * shape whose numbers agree with each other, and the merger's pacing read from that
 * shape must stay between none and 4/5 of the time.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "helpdesk/helpdesk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct helpdesk_index ix;
	/* A copy of exactly size bytes, so reading one past the end is caught. */
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	for (size_t i = 0; i < size; i++)
		p[i] = data[i];
	if (helpdesk_index_parse(p, size, &ix) == 0) {
		int sum = 0, most = 0;
		assert(ix.levels >= 0 && ix.levels <= HELPDESK_INDEX_LEVELS_MAX);
		for (int l = 0; l < ix.levels; l++) {
			assert(ix.level_segs[l] >= 0);
			sum += ix.level_segs[l];
			if (l > 0 && ix.level_segs[l] > most)
				most = ix.level_segs[l];
		}
		assert(sum == ix.segments);
		assert(ix.first == (ix.levels ? ix.level_segs[0] : 0));
		assert(ix.most_above == most);
		assert(ix.pages >= 0);
		int64_t pages, sum_pages = 0;
		for (int l = 0; l < ix.levels; l++) {
			assert(ix.level_merge[l] >= 0 && ix.level_merge[l] <= ix.level_segs[l]);
			assert(ix.level_merge_pages[l] >= 0 && ix.level_merge_pages[l] <= ix.level_pages[l]);
			sum_pages += ix.level_pages[l];
		}
		assert(sum_pages == ix.pages);
		int next = helpdesk_index_next_merge(&ix, &pages);
		assert(next >= -1 && next < ix.levels);
		assert(next < 0 ? pages == 0 : pages >= 0 && pages <= ix.level_pages[next]);
		double d = helpdesk_index_duty(&ix);
		assert(d >= 0.0 && d <= 0.8);
		(void)helpdesk_index_needs_merge(&ix);
	}
	free(p);
	return 0;
}
