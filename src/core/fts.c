/*
 * fts.c: the ward_rank() FTS5 auxiliary function (see fts.h).
 */
#include "core/fts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* bm25's constants, as FTS5 has them. */
#define RANK_K1 1.2
#define RANK_B 0.75

/* Computed once per query (auxiliary data), from the arguments and the index's totals. */
struct rank_query {
	int nphrase, nweight;
	double avgdl;
	double idf[FTS_RANK_PHRASES_MAX];
	double weight[FTS_RANK_COLUMNS_MAX];
};

static int rank_query_new(const Fts5ExtensionApi *api, Fts5Context *fts, int nval, sqlite3_value **val,
			  struct rank_query **ret)
{
	struct rank_query *q = calloc(1, sizeof(*q));
	sqlite3_int64 nrow = 0, ntok = 0;
	if (!q)
		return SQLITE_NOMEM;
	q->nphrase = api->xPhraseCount(fts);
	int rc = api->xRowCount(fts, &nrow);
	if (rc == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, -1, &ntok);
	if (rc != SQLITE_OK) {
		free(q);
		return rc;
	}
	q->avgdl = nrow > 0 ? (double)ntok / (double)nrow : 1.0;
	if (q->avgdl <= 0)
		q->avgdl = 1.0;
	/* The weights, then the document frequencies ("n1 n2 ..."), if given. */
	int nweight = nval > 0 ? nval - 1 : 0;
	q->nweight = nweight < FTS_RANK_COLUMNS_MAX ? nweight : FTS_RANK_COLUMNS_MAX;
	for (int i = 0; i < q->nweight; i++)
		q->weight[i] = sqlite3_value_double(val[i]);
	const char *freq = nval > 0 ? (const char *)sqlite3_value_text(val[nval - 1]) : NULL;
	for (int i = 0; i < FTS_RANK_PHRASES_MAX; i++)
		q->idf[i] = 1.0;
	for (int i = 0; freq && *freq && i < q->nphrase && i < FTS_RANK_PHRASES_MAX; i++) {
		char *end;
		double n = strtod(freq, &end);
		if (end == freq)
			break;
		freq = end;
		if (n < 0)
			n = 0;
		if (n > (double)nrow)
			n = (double)nrow;
		double idf = log(((double)nrow - n + 0.5) / (n + 0.5));
		q->idf[i] = idf > 1e-6 ? idf : 1e-6;
	}
	*ret = q;
	return SQLITE_OK;
}

static void ward_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
		      sqlite3_value **val)
{
	struct rank_query *q = api->xGetAuxdata(fts, 0);
	double freq[FTS_RANK_PHRASES_MAX] = {0};
	int rc = SQLITE_OK, ninst = 0;
	if (!q) {
		rc = rank_query_new(api, fts, nval, val, &q);
		if (rc == SQLITE_OK)
			rc = api->xSetAuxdata(fts, q, free);
		if (rc != SQLITE_OK) {
			sqlite3_result_error_code(ctx, rc);
			return;
		}
	}
	/* Each phrase's frequency in this row, every hit weighed by its column. */
	rc = api->xInstCount(fts, &ninst);
	for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
		int phrase, col, off;
		rc = api->xInst(fts, i, &phrase, &col, &off);
		if (rc == SQLITE_OK && phrase >= 0 && phrase < FTS_RANK_PHRASES_MAX)
			freq[phrase] += col < q->nweight ? q->weight[col] : 1.0;
	}
	int ntok = 0;
	if (rc == SQLITE_OK)
		rc = api->xColumnSize(fts, -1, &ntok);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	double score = 0, norm = RANK_K1 * (1 - RANK_B + RANK_B * (double)ntok / q->avgdl);
	int n = q->nphrase < FTS_RANK_PHRASES_MAX ? q->nphrase : FTS_RANK_PHRASES_MAX;
	for (int i = 0; i < n; i++)
		score += q->idf[i] * (freq[i] * (RANK_K1 + 1.0)) / (freq[i] + norm);
	sqlite3_result_double(ctx, -score);
}

int fts_setup(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	/* FTS5 hands out its API only through this query: SQLite's documented way, not domain SQL. */
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) { /* lint: allow */
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (!api || api->iVersion < 2)
		return err_set(-EIO, "this SQLite has no FTS5");
	if (api->xCreateFunction(api, "ward_rank", NULL, ward_rank, NULL) != SQLITE_OK)
		return err_set(-EIO, "cannot register ward_rank: %s", sqlite3_errmsg(db));
	return 0;
}
