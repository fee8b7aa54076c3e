/*
 * dr_store.c: the SQL behind dr.c and dr_run.c: plans (their list fields kept as JSON
 * text), runs, and the module's one-off flags.
 */
#include "dr/dr_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

#define PLAN_COLS                                                                                                      \
	"id, name, description, machine, paths, excludes, dumps, repo, password_file, rpo, rto, backup_schedule, "     \
	"drill_schedule, retention, steps, owner, contacts, created_by, created_at, updated_at"

#define RUN_COLS                                                                                                       \
	"r.id, r.plan_id, p.name, r.kind, r.status, r.actor, r.started_at, r.finished_at, r.seconds, r.snapshot, "     \
	"r.snapshot_time, r.details, r.error, r.pid, r.job_id"

static const char *str(const json_t *plan, const char *key)
{
	const char *v = json_string_value(json_object_get(plan, key));
	return v ? v : "";
}

/* A JSON field as compact text (the caller frees). */
static char *text(const json_t *plan, const char *key)
{
	json_t *v = json_object_get(plan, key);
	return json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
}

static json_t *parsed(const char *text, json_t *fallback)
{
	json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	if (!v)
		return fallback;
	json_decref(fallback);
	return v;
}

static json_t *plan_read(sqlite3_stmt *st)
{
	return json_pack(
	    "{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:I, s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:s, "
	    "s:I, s:I}",
	    "id", (json_int_t)store_col_int(st, 0), "name", store_col_text(st, 1), "description", store_col_text(st, 2),
	    "machine", store_col_text(st, 3), "paths", parsed(store_col_text(st, 4), json_array()), "excludes",
	    parsed(store_col_text(st, 5), json_array()), "dumps", parsed(store_col_text(st, 6), json_array()), "repo",
	    store_col_text(st, 7), "password_file", store_col_text(st, 8), "rpo", (json_int_t)store_col_int(st, 9),
	    "rto", (json_int_t)store_col_int(st, 10), "backup_schedule", store_col_text(st, 11), "drill_schedule",
	    store_col_text(st, 12), "retention", parsed(store_col_text(st, 13), json_object()), "steps",
	    parsed(store_col_text(st, 14), json_array()), "owner", store_col_text(st, 15), "contacts",
	    store_col_text(st, 16), "created_by", store_col_text(st, 17), "created_at",
	    (json_int_t)store_col_int(st, 18), "updated_at", (json_int_t)store_col_int(st, 19));
}

/* Binds the plan's fields to ?1..?15 in the column order of PLAN_COLS after id. */
static int bind_plan(sqlite3_stmt *st, const json_t *plan, char *keep[6])
{
	static const char *const lists[] = {"paths", "excludes", "dumps", "retention", "steps"};
	for (int i = 0; i < 5; i++)
		if (!(keep[i] = text(plan, lists[i])))
			return -ENOMEM;
	sqlite3_bind_text(st, 1, str(plan, "name"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, str(plan, "description"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, str(plan, "machine"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, keep[0], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, keep[1], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, keep[2], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, str(plan, "repo"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, str(plan, "password_file"), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, json_integer_value(json_object_get(plan, "rpo")));
	sqlite3_bind_int64(st, 10, json_integer_value(json_object_get(plan, "rto")));
	sqlite3_bind_text(st, 11, str(plan, "backup_schedule"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, str(plan, "drill_schedule"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, keep[3], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, keep[4], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, str(plan, "owner"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, str(plan, "contacts"), -1, SQLITE_STATIC);
	return 0;
}

static void keep_free(char *keep[6])
{
	for (int i = 0; i < 6; i++)
		free(keep[i]);
}

int dr_store_plan_insert(struct store *s, const json_t *plan, const char *actor, int64_t now, int64_t *ret_id)
{
	char *keep[6] = {0};
	sqlite3_stmt *st = store_stmt(
	    s,
	    "INSERT INTO dr_plans (name, description, machine, paths, excludes, dumps, repo, password_file, rpo, rto, "
	    "backup_schedule, drill_schedule, retention, steps, owner, contacts, created_by, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18)");
	if (!st)
		return -EIO;
	int r = bind_plan(st, plan, keep);
	if (r == 0) {
		sqlite3_bind_text(st, 17, actor, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 18, now);
		if ((r = store_step_done(s, st, "cannot add the recovery plan")) == 0)
			*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	} else {
		store_done(st);
	}
	keep_free(keep);
	return r;
}

int dr_store_plan_update(struct store *s, int64_t id, const json_t *plan, int64_t now)
{
	char *keep[6] = {0};
	sqlite3_stmt *st = store_stmt(
	    s, "UPDATE dr_plans SET name = ?1, description = ?2, machine = ?3, paths = ?4, excludes = ?5, dumps = ?6, "
	       "repo = ?7, password_file = ?8, rpo = ?9, rto = ?10, backup_schedule = ?11, drill_schedule = ?12, "
	       "retention = ?13, steps = ?14, owner = ?15, contacts = ?16, updated_at = ?17 WHERE id = ?18");
	if (!st)
		return -EIO;
	int r = bind_plan(st, plan, keep);
	if (r == 0) {
		sqlite3_bind_int64(st, 17, now);
		sqlite3_bind_int64(st, 18, id);
		r = store_step_done(s, st, "cannot change the recovery plan");
	} else {
		store_done(st);
	}
	keep_free(keep);
	return r;
}

int dr_store_plan_delete(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM dr_plans WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return store_step_done(s, st, "cannot remove the recovery plan");
}

static int plan_one(struct store *s, sqlite3_stmt *st, const char *what, json_t **ret)
{
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		json_t *p = plan_read(st);
		if (p)
			*ret = p;
		else
			r = -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		r = err_set(-ENOENT, "recovery plan '%s' does not exist", what);
	} else {
		r = store_error(s, "cannot read recovery plans");
	}
	store_done(st);
	return r;
}

int dr_store_plan_get_id(struct store *s, int64_t id, json_t **ret)
{
	char what[24];
	sqlite3_stmt *st = store_stmt(s, "SELECT " PLAN_COLS " FROM dr_plans WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "%lld", (long long)id);
	return plan_one(s, st, what, ret);
}

int dr_store_plan_get_name(struct store *s, const char *name, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " PLAN_COLS " FROM dr_plans WHERE name = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return plan_one(s, st, name, ret);
}

int dr_store_plan_list(struct store *s, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " PLAN_COLS " FROM dr_plans ORDER BY name");
	int rc, r = 0;
	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *p = plan_read(st);
		if (!p || json_array_append_new(out, p) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot read recovery plans");
	store_done(st);
	return r;
}

int dr_store_run_insert(struct store *s, int64_t plan_id, const char *kind, const char *actor, int64_t now, int64_t pid,
			int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO dr_runs (plan_id, kind, status, actor, pid, started_at) "
					 "VALUES (?, ?, 'running', ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, plan_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, pid);
	sqlite3_bind_int64(st, 5, now);
	int r = store_step_done(s, st, "cannot record the run");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int dr_store_run_finish(struct store *s, int64_t id, const char *status, int64_t now, double seconds,
			const char *snapshot, int64_t snapshot_time, const char *details, const char *error)
{
	sqlite3_stmt *st =
	    store_stmt(s, "UPDATE dr_runs SET status = ?, finished_at = ?, seconds = ?, snapshot = ?, "
			  "snapshot_time = ?, details = ?, error = ? WHERE id = ? AND status = 'running'");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_double(st, 3, seconds);
	store_bind_text(st, 4, snapshot);
	if (snapshot_time)
		sqlite3_bind_int64(st, 5, snapshot_time);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_text(st, 6, details ? details : "{}", -1, SQLITE_STATIC);
	store_bind_text(st, 7, error);
	sqlite3_bind_int64(st, 8, id);
	return store_step_done(s, st, "cannot record the run's outcome");
}

static json_t *run_read(sqlite3_stmt *st)
{
	json_t *r =
	    json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "id",
		      (json_int_t)store_col_int(st, 0), "plan_id", (json_int_t)store_col_int(st, 1), "plan",
		      store_col_text(st, 2), "kind", store_col_text(st, 3), "status", store_col_text(st, 4), "actor",
		      store_col_text(st, 5), "started_at", json_time(store_col_int(st, 6)), "finished_at",
		      json_time(store_col_int(st, 7)), "seconds",
		      sqlite3_column_type(st, 8) == SQLITE_NULL ? json_null() : json_real(sqlite3_column_double(st, 8)),
		      "snapshot", json_string_or_null(store_col_text(st, 9)), "snapshot_time",
		      json_time(store_col_int(st, 10)), "details", parsed(store_col_text(st, 11), json_object()),
		      "error", json_string_or_null(store_col_text(st, 12)), "pid", (json_int_t)store_col_int(st, 13));
	if (r) {
		json_object_set_new(r, "job",
				    sqlite3_column_type(st, 14) == SQLITE_NULL ? json_null()
									       : json_integer(store_col_int(st, 14)));
		/* The raw times too, for the status rules. */
		json_object_set_new(r, "started", json_integer(store_col_int(st, 6)));
		json_object_set_new(r, "finished", json_integer(store_col_int(st, 7)));
		json_object_set_new(r, "snapshot_at", json_integer(store_col_int(st, 10)));
	}
	return r;
}

static int runs_each(struct store *s, sqlite3_stmt *st, json_t *out, int max)
{
	int rc, r = 0, n = 0;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *j = run_read(st);
		if (!j || json_array_append_new(out, j) < 0) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	if (r == 0 && n < max && rc != SQLITE_DONE)
		r = store_error(s, "cannot read runs");
	store_done(st);
	return r;
}

int dr_store_run_get(struct store *s, int64_t id, json_t **ret)
{
	json_t *out = json_array();
	sqlite3_stmt *st = store_stmt(s, "SELECT " RUN_COLS " FROM dr_runs r JOIN dr_plans p ON p.id = r.plan_id "
					 "WHERE r.id = ?");
	if (!out || !st) {
		json_decref(out);
		return st ? -ENOMEM : -EIO;
	}
	sqlite3_bind_int64(st, 1, id);
	int r = runs_each(s, st, out, 1);
	if (r == 0 && json_array_size(out) == 0)
		r = err_set(-ENOENT, "run %lld does not exist", (long long)id);
	if (r == 0)
		*ret = json_incref(json_array_get(out, 0));
	json_decref(out);
	return r;
}

int dr_store_runs(struct store *s, int64_t plan_id, const char *kind, int limit, json_t *out)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT " RUN_COLS " FROM dr_runs r JOIN dr_plans p ON p.id = r.plan_id "
			  "WHERE r.plan_id = ?1 AND (?2 IS NULL OR r.kind = ?2) ORDER BY r.id DESC LIMIT ?3");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, plan_id);
	store_bind_text(st, 2, kind);
	sqlite3_bind_int(st, 3, limit);
	return runs_each(s, st, out, limit);
}

int dr_store_run_last(struct store *s, int64_t plan_id, const char *kind, const char *status, json_t **ret)
{
	json_t *out = json_array();
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT " RUN_COLS " FROM dr_runs r JOIN dr_plans p ON p.id = r.plan_id WHERE r.plan_id = ?1 "
			  "AND r.kind = ?2 AND CASE ?3 WHEN 'finished' THEN r.status <> 'running' "
			  "WHEN 'good' THEN r.status IN ('ok', 'passed', 'slow') ELSE r.status = ?3 END "
			  "ORDER BY r.id DESC LIMIT 1");
	if (!out || !st) {
		json_decref(out);
		return st ? -ENOMEM : -EIO;
	}
	sqlite3_bind_int64(st, 1, plan_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	int r = runs_each(s, st, out, 1);
	if (r == 0)
		*ret = json_incref(json_array_get(out, 0));
	json_decref(out);
	return r;
}

int dr_store_run_set_job(struct store *s, int64_t id, int64_t job_id)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE dr_runs SET job_id = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, job_id);
	sqlite3_bind_int64(st, 2, id);
	return store_step_done(s, st, "cannot record the run's job");
}

int dr_store_run_by_job(struct store *s, int64_t job_id, json_t **ret)
{
	json_t *out = json_array();
	sqlite3_stmt *st = store_stmt(s, "SELECT " RUN_COLS " FROM dr_runs r JOIN dr_plans p ON p.id = r.plan_id "
					 "WHERE r.job_id = ?");
	if (!out || !st) {
		json_decref(out);
		return st ? -ENOMEM : -EIO;
	}
	sqlite3_bind_int64(st, 1, job_id);
	int r = runs_each(s, st, out, 1);
	if (r == 0)
		*ret = json_incref(json_array_get(out, 0));
	json_decref(out);
	return r;
}

int dr_store_runs_running(struct store *s, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " RUN_COLS " FROM dr_runs r JOIN dr_plans p ON p.id = r.plan_id "
					 "WHERE r.status = 'running' ORDER BY r.id");
	if (!st)
		return -EIO;
	return runs_each(s, st, out, 1 << 20);
}

int dr_store_meta_get(struct store *s, const char *key, char **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT value FROM dr_meta WHERE key = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		if (!(*ret = strdup(store_col_text(st, 0) ? store_col_text(st, 0) : "")))
			r = -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		*ret = NULL;
	} else {
		r = store_error(s, "cannot read dr_meta");
	}
	store_done(st);
	return r;
}

int dr_store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO dr_meta (key, value) VALUES (?1, ?2) "
					 "ON CONFLICT (key) DO UPDATE SET value = ?2");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return store_step_done(s, st, "cannot write dr_meta");
}
