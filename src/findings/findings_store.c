/*
 * findings_store.c: the SQL behind findings.c.
 */
#include "findings/findings_store.h"

#include <errno.h>

#include "core/err.h"
#include "core/json.h"

int findings_store_open_id(struct store *s, const char *source, const char *key, int64_t *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM findings WHERE source = ? AND key = ? AND closed_at IS NULL");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		*ret = store_col_int(st, 0);
	else if (rc == SQLITE_DONE)
		*ret = 0;
	else
		r = store_error(s, "cannot read findings");
	store_done(st);
	return r;
}

int findings_store_insert(struct store *s, const char *source, const char *key, const char *severity,
			  const char *subject, const char *message, int64_t now, int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO findings (source, key, severity, subject, message, opened_at, "
					 "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, severity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	int r = store_step_done(s, st, "cannot open the finding");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int findings_store_refresh(struct store *s, int64_t id, const char *severity, const char *message, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE findings SET severity = ?, message = ?, updated_at = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, severity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, id);
	return store_step_done(s, st, "cannot update the finding");
}

int findings_store_close(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE findings SET closed_at = ?1, updated_at = ?1 WHERE id = ?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	return store_step_done(s, st, "cannot close the finding");
}

int findings_store_list(struct store *s, bool open_only, const char *source, int limit, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, source, key, severity, subject, message, opened_at, updated_at, "
					 "closed_at FROM findings WHERE (?1 = 0 OR closed_at IS NULL) "
					 "AND (?2 IS NULL OR source = ?2) ORDER BY id DESC LIMIT ?3");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, open_only);
	store_bind_text(st, 2, source);
	sqlite3_bind_int(st, 3, limit);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *f =
		    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)store_col_int(st, 0),
			      "source", store_col_text(st, 1), "key", store_col_text(st, 2), "severity",
			      store_col_text(st, 3), "subject", store_col_text(st, 4), "message", store_col_text(st, 5),
			      "opened_at", json_time(store_col_int(st, 6)), "updated_at",
			      json_time(store_col_int(st, 7)), "closed_at", json_time(store_col_int(st, 8)));
		if (!f || json_array_append_new(out, f) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot read findings");
	store_done(st);
	return r;
}

int findings_store_count_open(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM findings WHERE closed_at IS NULL");
	if (!st)
		return -EIO;
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : store_error(s, "cannot count findings");
	if (r == 0)
		*ret = store_col_int(st, 0);
	store_done(st);
	return r;
}
