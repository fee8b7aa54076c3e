/*
 * Unit tests for the ticket search index's merging: FTS5's structure record read in
 * both its forms and refused when damaged; a write adds a segment and merges nothing;
 * a level of 16 segments calls for merging, which the merge steps do without losing a
 * match; FTS5 still merges the first level by itself at 64; which level FTS5 merges
 * next; and the share of the write lock the server's merger takes while others write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "accounts/accounts.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/store.h"
#include "helpdesk/helpdesk.h"

static char dir[256];
static struct actor staff;
static int created;

static int setup(void **state)
{
	struct store *s;
	struct user u;
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/ward-unit-index.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir) || crypto_init() < 0 || store_setup(dir) < 0 || store_open(true, &s) < 0)
		return -1;
	if (accounts_user_add(s, "test", "sam", ROLE_SUPPORT, NULL, "password-sam-1", &u) < 0)
		return -1;
	staff = (struct actor){u.id, "sam", ROLE_SUPPORT};
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	store_release();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Appends v as an SQLite varint. */
static size_t put_varint(uint8_t *p, uint64_t v)
{
	uint8_t tmp[9];
	size_t n = 0;
	if (v > 0x00ffffffffffffffULL) {
		p[8] = (uint8_t)v;
		v >>= 8;
		for (int i = 7; i >= 0; i--, v >>= 7)
			p[i] = (uint8_t)((v & 0x7f) | 0x80);
		return 9;
	}
	do {
		tmp[n++] = (uint8_t)(v & 0x7f);
		v >>= 7;
	} while (v);
	for (size_t i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0);
	return n;
}

/* A structure record: two levels, the first with two segments (one of them in a
 * merge), the second with one of 200 pages; v2 adds the five numbers a segment has in
 * the second form. */
static size_t make_record(uint8_t *p, bool v2, uint64_t nsegs_said, uint64_t nmerge0)
{
	size_t n = 0;
	static const uint8_t cookie[4] = {0, 0, 0, 7}, marker[4] = {0xff, 0, 0, 1};
	memcpy(p, cookie, 4);
	n = 4;
	if (v2) {
		memcpy(p + n, marker, 4);
		n += 4;
	}
	const uint64_t head[] = {2, nsegs_said, 1000};
	for (size_t i = 0; i < 3; i++)
		n += put_varint(p + n, head[i]);
	const uint64_t segs[][4] = {{0, 1, 1, 5}, {0, 2, 1, 3}, {1, 3, 1, 200}}; /* level, id, first, last */
	for (int l = 0; l < 2; l++) {
		n += put_varint(p + n, l == 0 ? nmerge0 : 0);
		n += put_varint(p + n, l == 0 ? 2 : 1);
		for (size_t i = 0; i < 3; i++) {
			if ((int)segs[i][0] != l)
				continue;
			for (int k = 1; k < 4; k++)
				n += put_varint(p + n, segs[i][k]);
			for (int k = 0; v2 && k < 5; k++)
				n += put_varint(p + n, 300u * (unsigned)k);
		}
	}
	return n;
}

static void test_parse(void **state)
{
	uint8_t rec[256];
	struct helpdesk_index ix;
	(void)state;
	for (int v2 = 0; v2 <= 1; v2++) {
		size_t n = make_record(rec, v2, 3, 2);
		assert_int_equal(helpdesk_index_parse(rec, n, &ix), 0);
		assert_int_equal(ix.levels, 2);
		assert_int_equal(ix.segments, 3);
		assert_int_equal(ix.pages, 5 + 3 + 200);
		assert_int_equal(ix.first, 2);
		assert_int_equal(ix.most_above, 1);
		assert_int_equal(ix.level_segs[0], 2);
		assert_int_equal(ix.level_segs[1], 1);
		assert_int_equal(ix.level_pages[0], 5 + 3);
		assert_int_equal(ix.level_merge_pages[0], 5 + 3);
		assert_int_equal(ix.level_pages[1], 200);
		assert_true(ix.merging);
		assert_true(helpdesk_index_needs_merge(&ix));
		/* Cut anywhere, it is refused, not read past its end. */
		for (size_t cut = 0; cut < n; cut++)
			assert_int_equal(helpdesk_index_parse(rec, cut, &ix), -EBADMSG);
	}
	size_t n = make_record(rec, false, 3, 0);
	assert_int_equal(helpdesk_index_parse(rec, n, &ix), 0);
	assert_false(ix.merging);
	assert_false(helpdesk_index_needs_merge(&ix));
	/* A total that does not add up, or more segments in a merge than on the level. */
	n = make_record(rec, false, 4, 0);
	assert_int_equal(helpdesk_index_parse(rec, n, &ix), -EBADMSG);
	n = make_record(rec, false, 3, 3);
	assert_int_equal(helpdesk_index_parse(rec, n, &ix), -EBADMSG);
	/* A write counter of nine bytes, the longest varint. */
	memset(rec, 0, 4);
	n = 4;
	n += put_varint(rec + n, 1);
	n += put_varint(rec + n, 0);
	size_t m = put_varint(rec + n, UINT64_MAX);
	assert_int_equal(m, 9);
	n += m;
	n += put_varint(rec + n, 0);
	n += put_varint(rec + n, 0);
	assert_int_equal(helpdesk_index_parse(rec, n, &ix), 0);
	assert_int_equal(ix.levels, 1);
	assert_int_equal(ix.segments, 0);
}

static void create(int i)
{
	char title[64];
	snprintf(title, sizeof(title), "Printer %d jams", i);
	struct ticket_new t = {.title = title, .description = "the toner smears zebrafish stripes"};
	int64_t id = 0;
	int r = ticket_create(store_get(), &staff, &t, &id); /* a transaction of its own */
	if (r < 0)
		fail_msg("ticket_create: %s", err_msg(r));
	created++;
}

/* The integer sql (one parameter, arg) gives, read on a connection of its own; -1 when
 * it gives nothing. */
static int query_int(const char *sql, const char *arg)
{
	char path[300];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int v = -1;
	snprintf(path, sizeof(path), "%s/ward.db", dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Rows the index matches for q. */
static int matches(const char *q)
{
	return query_int("SELECT count(*) FROM ticket_fts WHERE ticket_fts MATCH ?", q);
}

/* The index's setting key (ticket_fts_config). */
static int setting(const char *key)
{
	return query_int("SELECT v FROM ticket_fts_config WHERE k = ?", key);
}

static void test_writes_do_not_merge(void **state)
{
	struct helpdesk_index ix;
	(void)state;
	/* FTS5 merges in a write only what crisismerge forces; the merges are the server's. */
	assert_int_equal(setting("automerge"), 0);
	assert_int_equal(setting("usermerge"), HELPDESK_INDEX_MERGE);
	assert_int_equal(setting("crisismerge"), HELPDESK_INDEX_CRISIS);
	for (int i = 0; i < HELPDESK_INDEX_MERGE + 4; i++)
		create(created);
	assert_int_equal(helpdesk_index_shape(store_get(), &ix), 0);
	/* One segment a write, none merged (FTS5's automerge would have merged 16). */
	assert_int_equal(ix.first, HELPDESK_INDEX_MERGE + 4);
	assert_int_equal(ix.segments, HELPDESK_INDEX_MERGE + 4);
	assert_true(helpdesk_index_needs_merge(&ix));
	assert_int_equal(matches("zebrafish"), created);

	int steps = 0;
	bool worked = true;
	while (worked && steps < 100) {
		assert_int_equal(helpdesk_index_merge(store_get(), 64, &worked), 0);
		steps += worked;
	}
	assert_true(steps >= 1);
	assert_int_equal(helpdesk_index_shape(store_get(), &ix), 0);
	assert_false(helpdesk_index_needs_merge(&ix));
	assert_true(ix.first < HELPDESK_INDEX_MERGE);
	assert_true(ix.segments < HELPDESK_INDEX_MERGE);
	/* Nothing lost or doubled, and the prefix indexes were merged too. */
	assert_int_equal(matches("zebrafish"), created);
	assert_int_equal(matches("zebr*"), created);
	assert_int_equal(matches("zeb*"), created);
	assert_int_equal(matches("printer"), created);
	/* Nothing left: a step does nothing. */
	assert_int_equal(helpdesk_index_merge(store_get(), 64, &worked), 0);
	assert_false(worked);
}

static void test_crisis_backstop(void **state)
{
	struct helpdesk_index ix;
	(void)state;
	/* Without a server, FTS5 still merges the first level once it holds 64. */
	for (int i = 0; i < HELPDESK_INDEX_CRISIS + 6; i++)
		create(created);
	assert_int_equal(helpdesk_index_shape(store_get(), &ix), 0);
	assert_true(ix.first < HELPDESK_INDEX_CRISIS);
	assert_true(ix.levels >= 2);
	assert_int_equal(matches("zebrafish"), created);
}

/* A shape: the first level with first segments, the second with above segments of
 * pages_each pages, and a third with one large segment. */
static struct helpdesk_index shape(int first, int above, int64_t pages_each)
{
	struct helpdesk_index ix = {.levels = 3, .first = first, .most_above = above > 1 ? above : 1};
	ix.level_segs[0] = first;
	ix.level_pages[0] = first * 20;
	ix.level_segs[1] = above;
	ix.level_pages[1] = above * pages_each;
	ix.level_segs[2] = 1;
	ix.level_pages[2] = 800000;
	ix.segments = first + above + 1;
	return ix;
}

static void test_next_merge(void **state)
{
	int64_t pages;
	(void)state;
	struct helpdesk_index ix = shape(5, 10, 100);
	assert_int_equal(helpdesk_index_next_merge(&ix, &pages), -1);
	assert_false(helpdesk_index_needs_merge(&ix));
	/* The level with the most segments, if it has 16: all of its pages. */
	ix = shape(20, 17, 100);
	assert_int_equal(helpdesk_index_next_merge(&ix, &pages), 0);
	assert_int_equal(pages, 20 * 20);
	ix = shape(3, 17, 100);
	assert_int_equal(helpdesk_index_next_merge(&ix, &pages), 1);
	assert_int_equal(pages, 1700);
	/* A merge under way comes first, with what is left of its input. */
	ix = shape(3, 17, 100);
	ix.level_merge[1] = 16;
	ix.level_merge_pages[1] = 333;
	assert_int_equal(helpdesk_index_next_merge(&ix, &pages), 1);
	assert_int_equal(pages, 333);
	/* ... unless a lower level holds more segments than it merges (FTS5's choice). */
	ix.level_segs[0] = 40;
	assert_int_equal(helpdesk_index_next_merge(&ix, &pages), 0);
	/* A merge under way above a level FTS5 stops at is not reached. */
	ix = shape(5, 17, 100);
	ix.level_merge[1] = 3;
	assert_int_equal(helpdesk_index_next_merge(&ix, &pages), -1);
}

static void test_duty(void **state)
{
	(void)state;
	/* The first level alone: never while others write. */
	struct helpdesk_index ix = shape(HELPDESK_INDEX_CRISIS - 1, 2, 100);
	assert_true(helpdesk_index_duty(&ix) == 0.0);
	ix = shape(3, HELPDESK_INDEX_MERGE - 1, 100);
	assert_true(helpdesk_index_duty(&ix) == 0.0);
	ix = shape(3, HELPDESK_INDEX_MERGE, 100);
	assert_true(helpdesk_index_duty(&ix) > 0.19 && helpdesk_index_duty(&ix) < 0.21);
	double last = 0;
	for (int n = HELPDESK_INDEX_MERGE; n <= HELPDESK_INDEX_CRISIS; n++) {
		ix = shape(3, n, 100);
		double d = helpdesk_index_duty(&ix);
		assert_true(d >= last && d <= 0.8);
		last = d;
	}
	/* Well before the all-at-once merge, the most it takes. */
	ix = shape(3, HELPDESK_INDEX_CRISIS - 16, 100);
	assert_true(helpdesk_index_duty(&ix) > 0.79);
	/* A merge of large, old segments waits for a quiet moment. */
	ix = shape(3, HELPDESK_INDEX_CRISIS - 16, HELPDESK_INDEX_BUSY_PAGES / 8);
	assert_true(helpdesk_index_duty(&ix) == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_writes_do_not_merge),
		cmocka_unit_test(test_crisis_backstop),
		cmocka_unit_test(test_next_merge),
		cmocka_unit_test(test_duty),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
