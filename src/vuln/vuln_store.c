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

static json_t *col_json_text(sqlite3_stmt *st, int col)
{
	const char *v = store_col_text(st, col);
	return v ? json_string(v) : json_null();
}

static json_t *col_json_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null() : json_integer(store_col_int(st, col));
}

int vuln_store_feeds(struct store *s, json_t *out)
{
	/* Imported feeds, with their URL when one is configured, and configured URLs not
	 * imported yet. */
	sqlite3_stmt *st = store_stmt(
	    s, "SELECT f.feed, f.format, f.origin, f.imported_at, f.issues, f.entries, u.url, u.every_s, u.checked_at, "
	       "u.changed_at, u.error, u.error_at FROM vuln_feeds f LEFT JOIN vuln_sources u ON u.feed = f.feed "
	       "UNION ALL "
	       "SELECT u.feed, u.format, NULL, NULL, 0, 0, u.url, u.every_s, u.checked_at, u.changed_at, u.error, "
	       "u.error_at FROM vuln_sources u WHERE u.feed NOT IN (SELECT feed FROM vuln_feeds) ORDER BY 1");
	if (!st)
		return -EIO;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object();
		static const char *const keys[] = {"feed",  "format", "origin",	    "imported_at", "issues",   "entries",
						   "url",   "every",  "checked_at", "changed_at",  "error",    "error_at"};
		if (!row || json_array_append_new(out, row) < 0) {
			r = -ENOMEM;
			break;
		}
		for (int k = 0; k < 12; k++) {
			bool text = k == 0 || k == 1 || k == 2 || k == 6 || k == 10;
			json_object_set_new(row, keys[k], text ? col_json_text(st, k) : col_json_int(st, k));
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot list the feeds");
	store_done(st);
	return r;
}

int vuln_store_source_count(struct store *s, const char *except, int64_t *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM vuln_sources WHERE feed != ?");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, except ? except : "");
	int r = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		*ret = store_col_int(st, 0);
	else
		r = store_error(s, "cannot count the feed URLs");
	store_done(st);
	return r;
}

int vuln_store_source_put(struct store *s, const char *feed, const char *url, const char *format, int64_t every_s,
			  const char *actor, int64_t now)
{
	sqlite3_stmt *st = store_stmt(
	    s, "INSERT INTO vuln_sources (feed, url, format, every_s, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?) "
	       "ON CONFLICT (feed) DO UPDATE SET url = excluded.url, format = excluded.format, every_s = "
	       "excluded.every_s, etag = NULL, last_modified = NULL, checked_at = NULL, error = NULL, error_at = NULL, "
	       "added_by = excluded.added_by, added_at = excluded.added_at");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, feed);
	store_bind_text(st, 2, url);
	store_bind_text(st, 3, format);
	sqlite3_bind_int64(st, 4, every_s);
	store_bind_text(st, 5, actor);
	sqlite3_bind_int64(st, 6, now);
	return store_step_done(s, st, "cannot record the feed URL");
}

int vuln_store_source_delete(struct store *s, const char *feed)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM vuln_sources WHERE feed = ?");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, feed);
	int r = store_step_done(s, st, "cannot remove the feed URL");
	if (r == 0 && sqlite3_changes(sqlite3_db_handle(st)) == 0)
		r = err_set(-ENOENT, "feed '%s' has no URL configured", feed);
	return r;
}

int vuln_store_sources(struct store *s, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT feed, url, format, every_s, etag, last_modified, checked_at "
					 "FROM vuln_sources ORDER BY feed");
	if (!st)
		return -EIO;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "feed", col_json_text(st, 0), "url",
					col_json_text(st, 1), "format", col_json_text(st, 2), "every", col_json_int(st, 3),
					"etag", col_json_text(st, 4), "last_modified", col_json_text(st, 5),
					"checked_at", col_json_int(st, 6));
		if (!row || json_array_append_new(out, row) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot list the feed URLs");
	store_done(st);
	return r;
}

int vuln_store_source_checked(struct store *s, const char *feed, int64_t now, const char *etag,
			      const char *last_modified, bool changed, const char *error)
{
	sqlite3_stmt *st;
	if (error)
		st = store_stmt(s, "UPDATE vuln_sources SET checked_at = ?, error = ?, error_at = ?1 WHERE feed = ?");
	else if (changed)
		st = store_stmt(s, "UPDATE vuln_sources SET checked_at = ?, changed_at = ?1, error = NULL, error_at = "
				   "NULL, etag = ?, last_modified = ? WHERE feed = ?");
	else
		st = store_stmt(s, "UPDATE vuln_sources SET checked_at = ?, error = NULL, error_at = NULL WHERE feed = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	if (error) {
		store_bind_text(st, 2, error);
		store_bind_text(st, 3, feed);
	} else if (changed) {
		store_bind_text(st, 2, etag && *etag ? etag : NULL);
		store_bind_text(st, 3, last_modified && *last_modified ? last_modified : NULL);
		store_bind_text(st, 4, feed);
	} else {
		store_bind_text(st, 2, feed);
	}
	return store_step_done(s, st, "cannot record the feed's fetch");
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
