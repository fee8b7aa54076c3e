/*
 * jobs_store.c: the SQL behind jobs.c.
 */
#include "jobs/jobs_store.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

int jobs_store_insert(struct store *s, int64_t host_id, const char *kind, const char *params, const char *by,
		      int64_t now, int64_t expires, int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO jobs (host_id, kind, params, payload, signature, requested_by, "
					 "created_at, expires_at) VALUES (?, ?, ?, '', '', ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, params, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, expires);
	int r = store_step_done(s, st, "cannot queue the job");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int jobs_store_sign(struct store *s, int64_t id, const char *payload, const char *signature)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE jobs SET payload = ?, signature = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, signature, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	return store_step_done(s, st, "cannot sign the job");
}

int jobs_store_expire(struct store *s, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE jobs SET status = 'expired' WHERE status = 'queued' AND expires_at <= ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	return store_step_done(s, st, "cannot expire jobs");
}

int jobs_store_take(struct store *s, int64_t host_id, int64_t now, int limit, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, payload, signature FROM jobs WHERE host_id = ? AND status = 'queued' "
					 "AND expires_at > ? ORDER BY id LIMIT ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, limit);
	int rc;
	json_t *ids = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_array_append_new(ids, json_integer(store_col_int(st, 0)));
		json_array_append_new(out, json_pack("{s:s, s:s}", "payload", store_col_text(st, 1), "signature",
						     store_col_text(st, 2)));
	}
	int r = rc == SQLITE_DONE ? 0 : store_error(s, "cannot read jobs");
	store_done(st);
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) {
		if (r < 0)
			break;
		st = store_stmt(s, "UPDATE jobs SET status = 'sent', sent_at = ? WHERE id = ?");
		if (!st) {
			r = -EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, json_integer_value(v));
		r = store_step_done(s, st, "cannot mark the job sent");
	}
	json_decref(ids);
	return r;
}

int jobs_store_latest(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT coalesce(max(id), 0) FROM jobs");
	if (!st)
		return -EIO;
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : store_error(s, "cannot read jobs");
	if (r == 0)
		*ret = store_col_int(st, 0);
	store_done(st);
	return r;
}

int jobs_store_finish(struct store *s, int64_t id, int64_t host_id, const char *status, const int64_t *exit_code,
		      const char *output, const char *result, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT status FROM jobs WHERE id = ? AND host_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, host_id);
	int rc = sqlite3_step(st);
	bool open = rc == SQLITE_ROW && (strcmp(store_col_text(st, 0), "sent") == 0 ||
					 strcmp(store_col_text(st, 0), "queued") == 0);
	store_done(st);
	if (rc == SQLITE_DONE)
		return err_set(-ENOENT, "job %lld does not exist for this host", (long long)id);
	if (rc != SQLITE_ROW)
		return store_error(s, "cannot read the job");
	if (!open)
		return err_set(-EEXIST, "job %lld already has a result", (long long)id);
	st = store_stmt(s, "UPDATE jobs SET status = ?, exit_code = ?, output = ?, result = ?, finished_at = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	if (exit_code)
		sqlite3_bind_int64(st, 2, *exit_code);
	else
		sqlite3_bind_null(st, 2);
	store_bind_text(st, 3, output);
	store_bind_text(st, 4, result);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, id);
	return store_step_done(s, st, "cannot record the job's result");
}

#define JOB_COLS                                                                                                       \
	"j.id, h.name, h.uid, j.kind, j.params, j.requested_by, j.created_at, j.expires_at, j.status, j.sent_at, "     \
	"j.finished_at, j.exit_code, j.output, j.result"

static json_t *job_row(sqlite3_stmt *st, bool full)
{
	json_t *params = json_loads(store_col_text(st, 4), 0, NULL);
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:s, s:o, s:o, s:o}", "id",
			      (json_int_t)store_col_int(st, 0), "host", store_col_text(st, 1), "host_id",
			      store_col_text(st, 2), "kind", store_col_text(st, 3), "params", params ? params : json_object(),
			      "requested_by", store_col_text(st, 5), "created_at", json_time(store_col_int(st, 6)),
			      "expires_at", json_time(store_col_int(st, 7)), "status", store_col_text(st, 8), "sent_at",
			      json_time(store_col_int(st, 9)), "finished_at", json_time(store_col_int(st, 10)), "exit_code",
			      sqlite3_column_type(st, 11) == SQLITE_NULL ? json_null() : json_integer(store_col_int(st, 11)));
	if (j && full) {
		const char *out = store_col_text(st, 12), *res = store_col_text(st, 13);
		json_t *rj = res ? json_loads(res, JSON_DECODE_ANY, NULL) : NULL;
		json_object_set_new(j, "output", json_string_or_null(out));
		json_object_set_new(j, "result", rj ? rj : json_null());
	}
	return j;
}

int jobs_store_list(struct store *s, int64_t host_id, int limit, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " JOB_COLS " FROM jobs j JOIN hosts h ON h.id = j.host_id "
					 "WHERE (?1 = 0 OR j.host_id = ?1) ORDER BY j.id DESC LIMIT ?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_int(st, 2, limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, job_row(st, false));
	int r = rc == SQLITE_DONE ? 0 : store_error(s, "cannot read jobs");
	store_done(st);
	return r;
}

int jobs_store_get(struct store *s, int64_t id, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " JOB_COLS " FROM jobs j JOIN hosts h ON h.id = j.host_id WHERE j.id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		r = (*ret = job_row(st, true)) ? 0 : -ENOMEM;
	else if (rc == SQLITE_DONE)
		r = err_set(-ENOENT, "job %lld does not exist", (long long)id);
	else
		r = store_error(s, "cannot read the job");
	store_done(st);
	return r;
}
