/*
 * fuzz_fts_query.c: helpdesk_fts_query (a ticket search typed by anyone) and
 * kb_search_query on arbitrary bytes. Whatever they return must be a query SQLite's
 * FTS5 accepts: it is run against an in-memory FTS5 table, and a syntax error there
 * is a crash here. Every word must come out quoted, so no FTS5 operator survives.
 */
#include <assert.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpdesk/helpdesk.h"
#include "kb/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;
static sqlite3_stmt *st;

static void run(const char *q)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	/* Anything but a clean end is FTS5 refusing the query the helper built. */
	assert(rc == SQLITE_DONE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db) {
		assert(sqlite3_open(":memory:", &db) == SQLITE_OK);
		assert(sqlite3_exec(db,
				    "CREATE VIRTUAL TABLE f USING fts5(title, body, tokenize = 'unicode61 "
				    "remove_diacritics 2', prefix = '2 3');"
				    "INSERT INTO f VALUES ('printer jams', 'the printer on floor 3 jams')," /* lint: allow */
				    "('VPN', 'vpn drops every 10 minutes');",
				    NULL, NULL, NULL) == SQLITE_OK);
		/* The fuzzer's own scratch table, not Ward's data. lint: allow */
		assert(sqlite3_prepare_v2(db, "SELECT rowid FROM f WHERE f MATCH ?", -1, &st, NULL) == SQLITE_OK); /* lint: allow */
	}
	char *text = malloc(size + 1), out[1024];
	assert(text);
	memcpy(text, data, size);
	text[size] = '\0';
	if (helpdesk_fts_query(text, out, sizeof(out)) == 0) {
		assert(out[0] == '"');
		run(out);
	}
	for (int any = 0; any < 2; any++) {
		if (kb_search_query(text, any, out, sizeof(out)) == 0 && out[0])
			run(out);
	}
	free(text);
	return 0;
}
