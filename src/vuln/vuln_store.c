/*
 * vuln_store.c: the SQL behind vuln.c.
 */
#include "vuln/vuln_store.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"

int vuln_store_feed_reset(struct store *s, const char *feed, const char *format, const char *origin, int64_t now)
{
	sqlite3_stmt *st;
	int r;
	for (size_t i = 0; i < 3; i++) {
		/* store_stmt caches by address: each literal is its own statement. */
		st = store_stmt(s, i == 0   ? "DELETE FROM vuln_entries WHERE feed = ?"
				   : i == 1 ? "DELETE FROM vuln_issues WHERE feed = ?"
					    : "DELETE FROM vuln_feeds WHERE feed = ?");
		if (!st)
			return -EIO;
		sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
		if ((r = store_step_done(s, st, "cannot clear the feed")) < 0)
			return r;
	}
	st = store_stmt(s, "INSERT INTO vuln_feeds (feed, format, origin, imported_at, issues, entries) "
			   "VALUES (?, ?, ?, ?, 0, 0)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	return store_step_done(s, st, "cannot record the feed");
}

int vuln_store_feed_counts(struct store *s, const char *feed, int64_t issues, int64_t entries)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE vuln_feeds SET issues = ?, entries = ? WHERE feed = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, issues);
	sqlite3_bind_int64(st, 2, entries);
	sqlite3_bind_text(st, 3, feed, -1, SQLITE_STATIC);
	return store_step_done(s, st, "cannot record the feed");
}

int vuln_store_issue_put(struct store *s, const char *feed, const struct vuln_issue *i, bool *ret_new)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO vuln_issues (feed, cve, description, scope, debianbug) "
					 "VALUES (?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	size_t dlen = i->description ? strlen(i->description) : 0;
	sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, i->cve, -1, SQLITE_STATIC);
	if (i->description)
		sqlite3_bind_text(st, 3, i->description, (int)(dlen > WARD_VULN_TEXT_MAX ? WARD_VULN_TEXT_MAX : dlen),
				  SQLITE_STATIC);
	store_bind_text(st, 4, i->scope);
	if (i->debianbug)
		sqlite3_bind_int64(st, 5, i->debianbug);
	int r = store_step_done(s, st, "cannot store an issue");
	if (r == 0)
		*ret_new = sqlite3_changes(sqlite3_db_handle(st)) > 0;
	return r;
}

int vuln_store_entry_put(struct store *s, const char *feed, const struct vuln_entry *e)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO vuln_entries (feed, release, source, cve, status, introduced, "
					 "fixed, last_affected, urgency, nodsa, nodsa_reason) "
					 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	const char *v[] = {feed,     e->release,       e->source,  e->cve,   e->status,	     e->introduced,
			   e->fixed, e->last_affected, e->urgency, e->nodsa, e->nodsa_reason};
	for (int k = 0; k < 11; k++)
		store_bind_text(st, k + 1, v[k]);
	return store_step_done(s, st, "cannot store an entry");
}

int vuln_store_release_each(struct store *s, const char *r1, const char *r2,
			    int (*fn)(void *arg, const char *feed, const struct vuln_entry *e, const char *scope),
			    void *arg)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT e.feed, e.release, e.source, e.cve, e.status, e.introduced, e.fixed, "
			  "e.last_affected, e.urgency, e.nodsa, e.nodsa_reason, i.scope "
			  "FROM vuln_entries e LEFT JOIN vuln_issues i ON i.feed = e.feed AND i.cve = e.cve "
			  "WHERE e.release IN (?, ?) ORDER BY e.source, e.cve");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, r1);
	store_bind_text(st, 2, r2 ? r2 : r1);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vuln_entry e = {
		    .release = store_col_text(st, 1),
		    .source = store_col_text(st, 2),
		    .cve = store_col_text(st, 3),
		    .status = store_col_text(st, 4),
		    .introduced = store_col_text(st, 5),
		    .fixed = store_col_text(st, 6),
		    .last_affected = store_col_text(st, 7),
		    .urgency = store_col_text(st, 8),
		    .nodsa = store_col_text(st, 9),
		    .nodsa_reason = store_col_text(st, 10),
		};
		if ((r = fn(arg, store_col_text(st, 0), &e, store_col_text(st, 11))) < 0)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read the vulnerability entries");
	store_done(st);
	return r;
}

int vuln_store_feeds(struct store *s, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT feed, format, origin, imported_at, issues, entries FROM vuln_feeds "
					 "ORDER BY feed");
	if (!st)
		return -EIO;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json_array_append_new(
			out, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "feed", store_col_text(st, 0), "format",
				       store_col_text(st, 1), "origin", store_col_text(st, 2), "imported_at",
				       (json_int_t)store_col_int(st, 3), "issues", (json_int_t)store_col_int(st, 4),
				       "entries", (json_int_t)store_col_int(st, 5))) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot list the feeds");
	store_done(st);
	return r;
}

int vuln_store_issue_get(struct store *s, const char *cve, json_t *obj, json_t *entries)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT description, scope, debianbug FROM vuln_issues WHERE cve = ? "
					 "ORDER BY description IS NULL, feed LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, cve, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		const char *d = store_col_text(st, 0), *scope = store_col_text(st, 1);
		json_object_set_new(obj, "description", d ? json_string(d) : json_null());
		json_object_set_new(obj, "scope", scope ? json_string(scope) : json_null());
		json_object_set_new(obj, "debianbug",
				    store_col_int(st, 2) ? json_integer(store_col_int(st, 2)) : json_null());
	} else if (rc == SQLITE_DONE) {
		r = err_set(-ENOENT, "no imported feed knows '%s'", cve);
	} else {
		r = store_error(s, "cannot read an issue");
	}
	store_done(st);
	if (r < 0)
		return r;
	st = store_stmt(s, "SELECT feed, release, source, status, introduced, fixed, last_affected, urgency, nodsa, "
			   "nodsa_reason FROM vuln_entries WHERE cve = ? ORDER BY source, release, feed");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, cve, -1, SQLITE_STATIC);
	static const char *const keys[] = {"feed",  "release",	     "source",	"status", "introduced",
					   "fixed", "last_affected", "urgency", "nodsa",  "nodsa_reason"};
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object();
		if (!row || json_array_append_new(entries, row) < 0) {
			r = -ENOMEM;
			break;
		}
		for (int k = 0; k < 10; k++) {
			const char *v = store_col_text(st, k);
			json_object_set_new(row, keys[k], v ? json_string(v) : json_null());
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read an issue's entries");
	store_done(st);
	return r;
}
