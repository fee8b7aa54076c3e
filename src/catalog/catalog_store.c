/*
 * catalog_store.c: the SQL behind catalog.c: the catalogue's items and the requests
 * made from it.
 */
#include "catalog/catalog_store.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

/* JSON text from a column, or def when NULL or damaged. */
static json_t *col_json(sqlite3_stmt *st, int col, json_t *def)
{
	const char *t = store_col_text(st, col);
	json_t *v = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;
	if (v) {
		json_decref(def);
		return v;
	}
	return def;
}

static void bind_row(sqlite3_stmt *st, const struct catalog_row *row)
{
	store_bind_text(st, 1, row->name);
	store_bind_text(st, 2, row->description);
	store_bind_text(st, 3, row->packages);
	store_bind_text(st, 4, row->allow);
	store_bind_text(st, 5, row->allow_role);
	store_bind_text(st, 6, row->allow_users);
	sqlite3_bind_int(st, 7, row->approval);
	store_bind_text(st, 8, row->approver_role);
}

int catalog_store_item_insert(struct store *s, const struct catalog_row *row, const char *by, int64_t now,
			      int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO catalog_items (name, description, packages, allow, allow_role, "
					 "allow_users, approval, approver_role, created_by, created_at, updated_at) "
					 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
	if (!st)
		return -EIO;
	bind_row(st, row);
	store_bind_text(st, 9, by);
	sqlite3_bind_int64(st, 10, now);
	int rc = sqlite3_step(st);
	int64_t id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	store_done(st);
	if (rc == SQLITE_CONSTRAINT)
		return err_set(-EEXIST, "catalogue item '%s' exists already", row->name);
	if (rc != SQLITE_DONE)
		return store_error(s, "cannot add the catalogue item");
	*ret_id = id;
	return 0;
}

int catalog_store_item_update(struct store *s, int64_t id, const struct catalog_row *row, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE catalog_items SET name = ?1, description = ?2, packages = ?3, "
					 "allow = ?4, allow_role = ?5, allow_users = ?6, approval = ?7, "
					 "approver_role = ?8, updated_at = ?9 WHERE id = ?10");
	if (!st)
		return -EIO;
	bind_row(st, row);
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_int64(st, 10, id);
	return store_step_done(s, st, "cannot change the catalogue item");
}

int catalog_store_item_remove(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE catalog_items SET removed_at = ?1, updated_at = ?1 WHERE id = ?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	return store_step_done(s, st, "cannot remove the catalogue item");
}

#define ITEM_COLS                                                                                                      \
	"id, name, description, packages, allow, allow_role, allow_users, approval, approver_role, created_by, "       \
	"created_at, updated_at"

static json_t *item_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:o, s:b, s:s, s:s, s:o, s:o}", "id",
			 (json_int_t)store_col_int(st, 0), "name", store_col_text(st, 1), "description",
			 store_col_text(st, 2), "packages", col_json(st, 3, json_array()), "allow",
			 store_col_text(st, 4), "allow_role", json_string_or_null(store_col_text(st, 5)), "allow_users",
			 col_json(st, 6, json_null()), "approval", (int)store_col_int(st, 7), "approver_role",
			 store_col_text(st, 8), "created_by", store_col_text(st, 9), "created_at",
			 json_time(store_col_int(st, 10)), "updated_at", json_time(store_col_int(st, 11)));
}

int catalog_store_item_get(struct store *s, const char *name, json_t **ret)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT " ITEM_COLS " FROM catalog_items WHERE name = ? AND removed_at IS NULL");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, name);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		r = (*ret = item_row(st)) ? 0 : -ENOMEM;
	else if (rc == SQLITE_DONE)
		r = err_set(-ENOENT, "catalogue item '%.64s' does not exist", name);
	else
		r = store_error(s, "cannot read the catalogue");
	store_done(st);
	return r;
}

int catalog_store_item_list(struct store *s, json_t *out)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT " ITEM_COLS " FROM catalog_items WHERE removed_at IS NULL ORDER BY name");
	if (!st)
		return -EIO;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, item_row(st));
	int r = rc == SQLITE_DONE ? 0 : store_error(s, "cannot read the catalogue");
	store_done(st);
	return r;
}

int catalog_store_owned_hosts(struct store *s, const char *owner, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, name FROM hosts WHERE owner = ? ORDER BY name, id");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, owner);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:I, s:s}", "id", (json_int_t)store_col_int(st, 0), "name",
						     store_col_text(st, 1)));
	int r = rc == SQLITE_DONE ? 0 : store_error(s, "cannot read the machines");
	store_done(st);
	return r;
}

int catalog_store_request_insert(struct store *s, const struct catalog_request_row *row, int64_t now, int64_t *ret_id)
{
	sqlite3_stmt *st =
	    store_stmt(s, "INSERT INTO catalog_requests (item_id, item_name, packages, approver_role, ticket_id, "
			  "requester_id, requester, host_id, host_name, status, created_at, updated_at) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10, ?10)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, row->item_id);
	store_bind_text(st, 2, row->item_name);
	store_bind_text(st, 3, row->packages);
	store_bind_text(st, 4, row->approver_role);
	sqlite3_bind_int64(st, 5, row->ticket_id);
	sqlite3_bind_int64(st, 6, row->requester_id);
	store_bind_text(st, 7, row->requester);
	sqlite3_bind_int64(st, 8, row->host_id);
	store_bind_text(st, 9, row->host_name);
	sqlite3_bind_int64(st, 10, now);
	int r = store_step_done(s, st, "cannot add the request");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

#define REQ_COLS                                                                                                       \
	"r.id, r.item_name, r.packages, r.approver_role, r.ticket_id, r.requester_id, r.requester, r.host_name, "      \
	"r.status, r.job_id, r.decided_by, r.decided_at, r.reason, r.result, r.created_at, r.updated_at, "             \
	"(SELECT t.status FROM tickets t WHERE t.id = r.ticket_id), r.host_id"

static json_t *request_row(sqlite3_stmt *st)
{
	return json_pack(
	    "{s:I, s:s, s:o, s:s, s:I, s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "id",
	    (json_int_t)store_col_int(st, 0), "item", store_col_text(st, 1), "packages", col_json(st, 2, json_array()),
	    "approver_role", store_col_text(st, 3), "ticket", (json_int_t)store_col_int(st, 4), "requester_id",
	    (json_int_t)store_col_int(st, 5), "requester", store_col_text(st, 6), "host", store_col_text(st, 7),
	    "status", store_col_text(st, 8), "job",
	    sqlite3_column_type(st, 9) == SQLITE_NULL ? json_null() : json_integer(store_col_int(st, 9)), "decided_by",
	    json_string_or_null(store_col_text(st, 10)), "decided_at", json_time(store_col_int(st, 11)), "reason",
	    json_string_or_null(store_col_text(st, 12)), "result", col_json(st, 13, json_null()), "created_at",
	    json_time(store_col_int(st, 14)), "updated_at", json_time(store_col_int(st, 15)), "ticket_status",
	    json_string_or_null(store_col_text(st, 16)), "host_id", (json_int_t)store_col_int(st, 17));
}

int catalog_store_request_get(struct store *s, int64_t id, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " REQ_COLS " FROM catalog_requests r WHERE r.id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		r = (*ret = request_row(st)) ? 0 : -ENOMEM;
	else if (rc == SQLITE_DONE)
		r = err_set(-ENOENT, "request %lld does not exist", (long long)id);
	else
		r = store_error(s, "cannot read the request");
	store_done(st);
	return r;
}

int catalog_store_request_by_job(struct store *s, int64_t job_id, int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM catalog_requests WHERE job_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, job_id);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		*ret_id = store_col_int(st, 0);
	else
		r = rc == SQLITE_DONE ? -ENOENT : store_error(s, "cannot read requests");
	store_done(st);
	return r;
}

int catalog_store_request_list(struct store *s, int64_t requester_id, const char *status, int64_t ticket, int limit,
			       json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " REQ_COLS " FROM catalog_requests r "
					 "WHERE (?1 = 0 OR r.requester_id = ?1) AND (?2 IS NULL OR r.status = ?2 OR "
					 "(?2 = 'open' AND r.status IN ('pending', 'installing', 'failed'))) "
					 "AND (?3 = 0 OR r.ticket_id = ?3) ORDER BY r.id DESC LIMIT ?4");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, requester_id);
	store_bind_text(st, 2, status);
	sqlite3_bind_int64(st, 3, ticket);
	sqlite3_bind_int(st, 4, limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, request_row(st));
	int r = rc == SQLITE_DONE ? 0 : store_error(s, "cannot read requests");
	store_done(st);
	return r;
}

int catalog_store_request_set(struct store *s, int64_t id, const char *status, int64_t job_id, const char *decided_by,
			      const char *reason, const char *result, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE catalog_requests SET status = ?1, job_id = coalesce(?2, job_id), "
					 "decided_by = coalesce(?3, decided_by), decided_at = CASE WHEN ?3 IS NULL "
					 "THEN decided_at ELSE ?6 END, reason = coalesce(?4, reason), "
					 "result = coalesce(?5, result), updated_at = ?6 WHERE id = ?7");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, status);
	if (job_id)
		sqlite3_bind_int64(st, 2, job_id);
	else
		sqlite3_bind_null(st, 2);
	store_bind_text(st, 3, decided_by);
	store_bind_text(st, 4, reason);
	store_bind_text(st, 5, result);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int64(st, 7, id);
	return store_step_done(s, st, "cannot change the request");
}
