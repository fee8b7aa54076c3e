/*
 * maint_store.c: the SQL behind maint.c: the maint_windows table.
 */
#include "maint/maint_store.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"

static void bind_row(sqlite3_stmt *st, const struct maint_row *row)
{
	store_bind_text(st, 1, row->name);
	store_bind_text(st, 2, row->description ? row->description : "");
	sqlite3_bind_int(st, 3, (int)row->days);
	sqlite3_bind_int(st, 4, row->start_min);
	sqlite3_bind_int(st, 5, row->duration_min);
	store_bind_text(st, 6, row->timezone);
	store_bind_text(st, 7, row->selection);
}

int maint_store_insert(struct store *s, const struct maint_row *row, const char *by, int64_t now, int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO maint_windows (name, description, days, start_min, duration_min, "
					 "timezone, selection, created_by, created_at, updated_at) "
					 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)");
	if (!st)
		return -EIO;
	bind_row(st, row);
	store_bind_text(st, 8, by);
	sqlite3_bind_int64(st, 9, now);
	int rc = sqlite3_step(st);
	int64_t id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	store_done(st);
	if (rc == SQLITE_CONSTRAINT)
		return err_set(-EEXIST, "maintenance window '%s' exists already", row->name);
	if (rc != SQLITE_DONE)
		return store_error(s, "cannot add the maintenance window");
	*ret_id = id;
	return 0;
}

int maint_store_update(struct store *s, int64_t id, const struct maint_row *row, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE maint_windows SET name = ?1, description = ?2, days = ?3, "
					 "start_min = ?4, duration_min = ?5, timezone = ?6, selection = ?7, "
					 "updated_at = ?9 WHERE id = ?8");
	if (!st)
		return -EIO;
	bind_row(st, row);
	sqlite3_bind_int64(st, 8, id);
	sqlite3_bind_int64(st, 9, now);
	int rc = sqlite3_step(st);
	store_done(st);
	if (rc == SQLITE_CONSTRAINT)
		return err_set(-EEXIST, "maintenance window '%s' exists already", row->name);
	return rc == SQLITE_DONE ? 0 : store_error(s, "cannot change the maintenance window");
}

int maint_store_delete(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM maint_windows WHERE id = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_error(s, "cannot remove the maintenance window");
}

#define WINDOW_COLUMNS                                                                                                 \
	"SELECT id, name, description, days, start_min, duration_min, timezone, selection, created_by, created_at, "   \
	"updated_at FROM maint_windows "

static json_t *window_row(sqlite3_stmt *st)
{
	const char *sel = store_col_text(st, 7);
	json_t *selection = sel ? json_loads(sel, 0, NULL) : NULL;
	if (!json_is_object(selection)) {
		json_decref(selection);
		selection = json_object(); /* damaged: applies to nothing */
	}
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:s, s:o, s:s, s:I, s:I}", "id",
			 (json_int_t)sqlite3_column_int64(st, 0), "name", store_col_text(st, 1), "description",
			 store_col_text(st, 2) ?: "", "days", (json_int_t)sqlite3_column_int64(st, 3), "start_min",
			 (json_int_t)sqlite3_column_int64(st, 4), "duration_min",
			 (json_int_t)sqlite3_column_int64(st, 5), "timezone", store_col_text(st, 6), "selection",
			 selection, "created_by", store_col_text(st, 8) ?: "", "created_at",
			 (json_int_t)sqlite3_column_int64(st, 9), "updated_at",
			 (json_int_t)sqlite3_column_int64(st, 10));
}

int maint_store_get(struct store *s, const char *name, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, WINDOW_COLUMNS "WHERE name = ?1");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, name);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		r = (*ret = window_row(st)) ? 0 : -ENOMEM;
	else if (rc == SQLITE_DONE)
		r = err_set(-ENOENT, "maintenance window '%.80s' does not exist", name);
	else
		r = store_error(s, "cannot read the maintenance window");
	store_done(st);
	return r;
}

int maint_store_list(struct store *s, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, WINDOW_COLUMNS "ORDER BY name");
	int rc, r = 0;
	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *w = window_row(st);
		if (!w || json_array_append_new(out, w) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot list the maintenance windows");
	store_done(st);
	return r;
}

int maint_store_count(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM maint_windows");
	if (!st)
		return -EIO;
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	else
		r = store_error(s, "cannot count the maintenance windows");
	store_done(st);
	return r;
}
