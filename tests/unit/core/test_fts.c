/*
 * Unit tests for ward_rank (core/fts.c): given every phrase's exact document count it
 * scores every row exactly as FTS5's own bm25 does, column weights included; without
 * counts it weighs phrases alike; and a rarer phrase weighs more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fts.h"

static sqlite3 *db;

static void exec(const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static int64_t count(const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int setup(void **state)
{
	static const char *const words[] = {"printer", "jams",	 "paper", "toner", "vpn",   "drops",
					    "again",   "outlook", "crash", "slow",  "please", "help"};
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || fts_setup(db) < 0)
		return -1;
	exec("CREATE VIRTUAL TABLE t USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2')");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "INSERT INTO t (title, body) VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	/* 400 rows of varied length and word mix, from a fixed seed. */
	unsigned x = 12345;
	for (int i = 0; i < 400; i++) {
		char title[200] = "", body[2000] = "";
		size_t tn = 0, bn = 0;
		int nt = 1 + (int)((x = x * 1103515245 + 12345) >> 16) % 4;
		int nb = 3 + (int)((x = x * 1103515245 + 12345) >> 16) % 60;
		for (int k = 0; k < nt; k++)
			tn += (size_t)snprintf(title + tn, sizeof(title) - tn, "%s ",
					       words[((x = x * 1103515245 + 12345) >> 16) % 12]);
		for (int k = 0; k < nb; k++) {
			unsigned w = ((x = x * 1103515245 + 12345) >> 16) % 37;
			/* Zipf-ish: low words often, "help" (11) rarely. */
			bn += (size_t)snprintf(body + bn, sizeof(body) - bn, "%s ", words[w < 12 ? w % 6 : w % 12]);
		}
		sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

static int teardown(void **state)
{
	sqlite3_close(db);
	return 0;
}

/* Every row's ward_rank with exact counts against bm25, for one query. */
static void compare(const char *query, const char *counts, int *ret_rows)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT bm25(t, 5.0, 1.0), ward_rank(t, 5.0, 1.0, ?2) FROM t "
					    "WHERE t MATCH ?1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, counts, -1, SQLITE_STATIC);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		double want = sqlite3_column_double(st, 0), got = sqlite3_column_double(st, 1);
		if (fabs(want - got) > 1e-9 * fabs(want) + 1e-12)
			fail_msg("%s row %d: bm25 %.12f, ward_rank %.12f", query, n, want, got);
		n++;
	}
	sqlite3_finalize(st);
	*ret_rows = n;
}

static void test_matches_bm25(void **state)
{
	static const char *const queries[][3] = {
		{"\"printer\"", "printer", NULL},
		{"\"vpn\" \"drops\"", "vpn", "drops"},
		{"\"toner\" \"help\"", "toner", "help"},
		{"\"jams\" \"pa\"*", "jams", "pa*"},
	};
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char counts[64] = "";
		size_t n = 0;
		for (int k = 1; k < 3 && queries[i][k]; k++) {
			char q[32];
			snprintf(q, sizeof(q), "\"%.*s\"%s", (int)strcspn(queries[i][k], "*"), queries[i][k],
				 strchr(queries[i][k], '*') ? "*" : "");
			n += (size_t)snprintf(counts + n, sizeof(counts) - n, "%s%lld", n ? " " : "",
					      (long long)count("SELECT count(*) FROM t WHERE t MATCH ?", q));
		}
		int rows;
		compare(queries[i][0], counts, &rows);
		assert_true(rows > 5);
	}
}

/* Without counts every phrase weighs the same; with them the rarer one weighs more. */
static void test_weights(void **state)
{
	sqlite3_stmt *st;
	/* A row with one hit of each: the rare word's hit must count for more. */
	exec("INSERT INTO t (title, body) VALUES ('', 'zzrare common1 filler filler')");
	exec("INSERT INTO t (title, body) VALUES ('', 'zzrare common1 zzrare filler')");
	exec("INSERT INTO t (title, body) VALUES ('', 'zzrare common1 common1 filler')");
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT body, ward_rank(t, 1.0, 1.0, ?1) AS r FROM t WHERE t MATCH "
					    "'\"zzrare\" \"common1\"' ORDER BY r",
					    -1, &st, NULL),
			 SQLITE_OK);
	/* zzrare in 3 rows; common1 said to be in 300 of 403. */
	sqlite3_bind_text(st, 1, "3 300", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(st, 0), "zzrare common1 zzrare filler");
	sqlite3_reset(st);
	/* Said the other way round: the row with two of the (now rare) common1 wins. */
	sqlite3_bind_text(st, 1, "300 3", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(st, 0), "zzrare common1 common1 filler");
	sqlite3_reset(st);
	/* No counts: both two-hit rows tie, ahead of the one-hit row. */
	sqlite3_bind_null(st, 1);
	double r[3];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		r[i] = sqlite3_column_double(st, 1);
	}
	assert_true(fabs(r[0] - r[1]) < 1e-12);
	assert_true(r[1] < r[2]);
	sqlite3_finalize(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_bm25),
		cmocka_unit_test(test_weights),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
