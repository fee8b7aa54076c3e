/*
 * fts.h: what Ward adds to SQLite's FTS5 on every connection: the ward_rank()
 * auxiliary function, bm25 as FTS5 computes it, but with the document frequency of
 * each phrase given by the caller instead of counted over the whole index (which costs
 * a scan of every phrase's full document list on each query).
 *
 *   ward_rank(tbl, w0, w1, ..., 'n1 n2 ...')
 *
 * w0.. are the column weights (as bm25's); the last argument gives, for each phrase of
 * the query in order, the number of rows holding it (an estimate will do), or is NULL
 * to weigh every phrase alike. Lower is better, as with bm25.
 */
#ifndef WARD_FTS_H
#define WARD_FTS_H

#include <sqlite3.h>

#define FTS_RANK_PHRASES_MAX 32 /* phrases ward_rank weighs; further ones count as weight 1 */
#define FTS_RANK_COLUMNS_MAX 16

/* Registers ward_rank() on db. 0, or -EIO when FTS5 is missing. */
int fts_setup(sqlite3 *db);

#endif
