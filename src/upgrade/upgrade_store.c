/*
 * upgrade_store.c: the SQL behind upgrade.c (see upgrade_store.h).
 */
#include "upgrade/upgrade_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* Columns holding JSON text: parsed when read. */
static bool json_column(const char *name)
{
	static const char *const cols[] = {"selection", "packages", "tests", "note", "warnings", "versions", NULL};
	for (size_t i = 0; cols[i]; i++)
		if (strcmp(cols[i], name) == 0)
			return true;
	return false;
}

static json_t *row(sqlite3_stmt *st)
{
	json_t *o = json_object();
	int n = sqlite3_column_count(st);
	for (int i = 0; o && i < n; i++) {
		const char *name = sqlite3_column_name(st, i);
		json_t *v;
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(st, i)); break;
		case SQLITE_FLOAT: v = json_real(sqlite3_column_double(st, i)); break;
		case SQLITE_NULL: v = json_null(); break;
		default:
			if (json_column(name)) {
				v = json_loads(store_col_text(st, i), JSON_DECODE_ANY, NULL);
				if (!v)
					v = json_null();
			} else {
				v = json_string(store_col_text(st, i));
			}
		}
		if (!v || json_object_set_new(o, name, v) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* Steps st to the end, appending each row to out. */
static int rows(struct store *s, sqlite3_stmt *st, json_t *out, const char *what)
{
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = row(st);
		if (!o || json_array_append_new(out, o) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, what);
	store_done(st);
	return r;
}

static char *dump(const json_t *v)
{
	return json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
}

int upgrade_store_plan_insert(struct store *s, const json_t *p, int64_t *ret_id)
{
	char *sel = dump(json_object_get(p, "selection")), *pk = dump(json_object_get(p, "packages")),
	     *te = dump(json_object_get(p, "tests")), *note = NULL;
	json_t *n = json_object_get(p, "note");
	int r = -ENOMEM;
	if (json_is_object(n))
		note = dump(n);
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO upgrade_plans (name, status, selection, packages, tests, note, "
					 "min_free_mb, allow_no_rollback, start_at, rings, created_by, created_at, in_window) "
					 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
	if (!st) {
		r = -EIO;
		goto out;
	}
	if (!sel || !pk || !te || (json_is_object(n) && !note)) {
		store_done(st);
		goto out;
	}
	json_t *start = json_object_get(p, "start_at");
	sqlite3_bind_text(st, 1, json_string_value(json_object_get(p, "name")), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, json_string_value(json_object_get(p, "status")), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, te, -1, SQLITE_STATIC);
	store_bind_text(st, 6, note);
	sqlite3_bind_int64(st, 7, json_integer_value(json_object_get(p, "min_free_mb")));
	sqlite3_bind_int(st, 8, json_is_true(json_object_get(p, "allow_no_rollback")));
	if (json_is_integer(start))
		sqlite3_bind_int64(st, 9, json_integer_value(start));
	sqlite3_bind_int64(st, 10, json_integer_value(json_object_get(p, "rings")));
	sqlite3_bind_text(st, 11, json_string_value(json_object_get(p, "created_by")), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, json_integer_value(json_object_get(p, "created_at")));
	sqlite3_bind_int(st, 13, json_is_true(json_object_get(p, "in_window")));
	if ((r = store_step_done(s, st, "cannot add the upgrade plan")) == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
out:
	free(sel);
	free(pk);
	free(te);
	free(note);
	return r;
}

int upgrade_store_plan_get(struct store *s, int64_t id, const char *name, json_t **ret)
{
	sqlite3_stmt *st = id > 0 ? store_stmt(s, "SELECT * FROM upgrade_plans WHERE id = ?")
				  : store_stmt(s, "SELECT * FROM upgrade_plans WHERE name = ?");
	if (!st)
		return -EIO;
	if (id > 0)
		sqlite3_bind_int64(st, 1, id);
	else
		sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
	json_t *out = json_array();
	int r = out ? rows(s, st, out, "cannot read upgrade plans") : -ENOMEM;
	if (r == 0 && json_array_size(out) == 0) {
		if (id > 0)
			r = err_set(-ENOENT, "upgrade plan %lld does not exist", (long long)id);
		else
			r = err_set(-ENOENT, "upgrade plan '%s' does not exist", name ? name : "");
	}
	if (r == 0)
		*ret = json_incref(json_array_get(out, 0));
	json_decref(out);
	return r;
}

int upgrade_store_plan_list(struct store *s, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT * FROM upgrade_plans ORDER BY id DESC");
	return st ? rows(s, st, out, "cannot read upgrade plans") : -EIO;
}

int upgrade_store_plan_set(struct store *s, int64_t id, const char *status, const char *reason, int64_t ring,
			   const char *started_by, int64_t started_at, int64_t finished_at)
{
	sqlite3_stmt *st = store_stmt(
	    s, "UPDATE upgrade_plans SET status = ?2, reason = COALESCE(?3, reason), "
	       "current_ring = CASE WHEN ?4 < 0 THEN current_ring ELSE ?4 END, started_by = COALESCE(?5, started_by), "
	       "started_at = CASE WHEN ?6 = 0 THEN started_at ELSE ?6 END, "
	       "finished_at = CASE WHEN ?7 = 0 THEN finished_at ELSE ?7 END WHERE id = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	store_bind_text(st, 3, reason);
	sqlite3_bind_int64(st, 4, ring);
	store_bind_text(st, 5, started_by);
	sqlite3_bind_int64(st, 6, started_at);
	sqlite3_bind_int64(st, 7, finished_at);
	return store_step_done(s, st, "cannot change the upgrade plan");
}

int upgrade_store_plan_notice(struct store *s, int64_t id, int64_t course_id)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE upgrade_plans SET notice_course = ?2 WHERE id = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, course_id);
	return store_step_done(s, st, "cannot change the upgrade plan");
}

int upgrade_store_plans_due(struct store *s, int64_t now, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, created_by FROM upgrade_plans WHERE status = 'scheduled' AND "
					 "start_at <= ? ORDER BY start_at, id");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	return rows(s, st, out, "cannot read upgrade plans");
}

int upgrade_store_machine_insert(struct store *s, int64_t plan_id, int64_t host_id, int64_t ring,
				 const json_t *packages, const json_t *warnings, const char *status)
{
	char *pk = dump(packages), *wa = dump(warnings);
	int r = -ENOMEM;
	sqlite3_stmt *st =
	    store_stmt(s, "INSERT INTO upgrade_machines (plan_id, host_id, ring, packages, warnings, status) "
			  "VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		r = -EIO;
	else if (!pk || !wa)
		store_done(st);
	else {
		sqlite3_bind_int64(st, 1, plan_id);
		sqlite3_bind_int64(st, 2, host_id);
		sqlite3_bind_int64(st, 3, ring);
		sqlite3_bind_text(st, 4, pk, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, wa, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, status, -1, SQLITE_STATIC);
		r = store_step_done(s, st, "cannot add the plan's machine");
	}
	free(pk);
	free(wa);
	return r;
}

#define MACHINE_COLS                                                                                                   \
	"m.id, m.plan_id, m.host_id, h.name AS host, m.ring, m.packages, m.warnings, m.status, m.job_id AS job, "      \
	"m.reason, m.versions, m.started_at, m.finished_at"

int upgrade_store_machines(struct store *s, int64_t plan_id, json_t *out)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT " MACHINE_COLS " FROM upgrade_machines m JOIN hosts h ON h.id = m.host_id "
			  "WHERE m.plan_id = ? ORDER BY m.ring, h.name, m.id");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, plan_id);
	return rows(s, st, out, "cannot read the plan's machines");
}

int upgrade_store_machine_by_job(struct store *s, int64_t job_id, json_t **ret)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT " MACHINE_COLS " FROM upgrade_machines m JOIN hosts h ON h.id = m.host_id "
			  "WHERE m.job_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, job_id);
	json_t *out = json_array();
	int r = out ? rows(s, st, out, "cannot read the plan's machines") : -ENOMEM;
	if (r == 0)
		*ret = json_array_size(out) ? json_incref(json_array_get(out, 0)) : NULL;
	json_decref(out);
	return r;
}

int upgrade_store_machine_set(struct store *s, int64_t id, const char *status, int64_t job_id, const char *reason,
			      const json_t *versions, int64_t started_at, int64_t finished_at)
{
	char *ve = versions ? dump(versions) : NULL;
	if (versions && !ve)
		return -ENOMEM;
	sqlite3_stmt *st =
	    store_stmt(s, "UPDATE upgrade_machines SET status = ?2, job_id = CASE WHEN ?3 = 0 THEN job_id ELSE ?3 END, "
			  "reason = COALESCE(?4, reason), versions = COALESCE(?5, versions), "
			  "started_at = CASE WHEN ?6 = 0 THEN started_at ELSE ?6 END, "
			  "finished_at = CASE WHEN ?7 = 0 THEN finished_at ELSE ?7 END WHERE id = ?1");
	int r = -EIO;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, job_id);
		store_bind_text(st, 4, reason);
		store_bind_text(st, 5, ve);
		sqlite3_bind_int64(st, 6, started_at);
		sqlite3_bind_int64(st, 7, finished_at);
		r = store_step_done(s, st, "cannot change the plan's machine");
	}
	free(ve);
	return r;
}

int upgrade_store_machines_stuck(struct store *s, int64_t cutoff, json_t *out)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT " MACHINE_COLS " FROM upgrade_machines m JOIN hosts h ON h.id = m.host_id "
			  "WHERE m.status = 'running' AND m.started_at < ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, cutoff);
	return rows(s, st, out, "cannot read the plan's machines");
}

int upgrade_store_step_insert(struct store *s, int64_t machine_id, int64_t seq, const json_t *step, int64_t at)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO upgrade_steps (machine_id, seq, name, phase, status, output, "
					 "seconds, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	const char *out = json_string_value(json_object_get(step, "output"));
	sqlite3_bind_int64(st, 1, machine_id);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_text(st, 3, json_string_value(json_object_get(step, "name")), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, json_string_value(json_object_get(step, "phase")), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, json_string_value(json_object_get(step, "status")), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, out ? out : "", -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 7, json_number_value(json_object_get(step, "seconds")));
	sqlite3_bind_int64(st, 8, at);
	return store_step_done(s, st, "cannot record the step");
}

int upgrade_store_steps(struct store *s, int64_t machine_id, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT seq, name, phase, status, output, seconds, at FROM upgrade_steps "
					 "WHERE machine_id = ? ORDER BY seq");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, machine_id);
	return rows(s, st, out, "cannot read the steps");
}
