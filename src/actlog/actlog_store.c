/*
 * actlog_store.c: the activity table's SQL.
 */
#include "actlog/actlog_store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

int actlog_store_tail(struct store *s, int64_t *ret_id, char ret_hash[CRYPTO_SHA256_HEX])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, hash FROM activity ORDER BY id DESC LIMIT 1");
	if (!st)
		return -EIO;
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		const char *h = store_col_text(st, 1);
		*ret_id = store_col_int(st, 0);
		snprintf(ret_hash, CRYPTO_SHA256_HEX, "%s", h ? h : "");
	} else if (rc == SQLITE_DONE) {
		*ret_id = 0;
		memset(ret_hash, '0', CRYPTO_SHA256_HEX - 1);
		ret_hash[CRYPTO_SHA256_HEX - 1] = '\0';
	} else {
		r = store_error(s, "cannot read the activity log");
	}
	store_done(st);
	return r;
}

int actlog_store_insert(struct store *s, const struct actlog_row *row)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO activity (id, at, actor, action, object, details, prev_hash, hash) "
					 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, row->id);
	sqlite3_bind_int64(st, 2, row->at);
	sqlite3_bind_text(st, 3, row->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->object, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, row->details, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, row->prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, row->hash, -1, SQLITE_STATIC);
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : store_error(s, "cannot append to the activity log");
	store_done(st);
	return r;
}

static void row_read(sqlite3_stmt *st, struct actlog_row *row)
{
	row->id = store_col_int(st, 0);
	row->at = store_col_int(st, 1);
	row->actor = store_col_text(st, 2);
	row->action = store_col_text(st, 3);
	row->object = store_col_text(st, 4);
	row->details = store_col_text(st, 5);
	row->prev_hash = store_col_text(st, 6);
	row->hash = store_col_text(st, 7);
}

int actlog_store_walk(struct store *s, int (*fn)(const struct actlog_row *, void *), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, at, actor, action, object, details, prev_hash, hash "
					 "FROM activity ORDER BY id");
	if (!st)
		return -EIO;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct actlog_row row;
		row_read(st, &row);
		r = fn(&row, arg);
		if (r)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read the activity log");
	store_done(st);
	return r;
}

int actlog_store_list(struct store *s, int64_t since, const char *actor, const char *action_exact,
		      const char *action_prefix, int64_t before, int limit, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, at, actor, action, object, details, prev_hash, hash "
					 "FROM activity WHERE at >= ?1 AND (?2 IS NULL OR actor = ?2)"
					 " AND (?3 IS NULL OR action = ?3)"
					 " AND (?4 IS NULL OR substr(action, 1, length(?4)) = ?4)"
					 " AND (?5 = 0 OR id < ?5) ORDER BY id DESC LIMIT ?6");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, since);
	store_bind_text(st, 2, actor);
	store_bind_text(st, 3, action_exact);
	store_bind_text(st, 4, action_prefix);
	sqlite3_bind_int64(st, 5, before);
	sqlite3_bind_int(st, 6, limit);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct actlog_row row;
		row_read(st, &row);
		json_t *details = json_loads(row.details ? row.details : "{}", 0, NULL);
		json_t *e = json_pack("{s:I, s:o, s:s, s:s, s:s, s:o}", "id", (json_int_t)row.id, "time",
				      json_time(row.at), "actor", row.actor ? row.actor : "", "action",
				      row.action ? row.action : "", "object", row.object ? row.object : "",
				      "details", details ? details : json_string(row.details ? row.details : ""));
		if (!e || json_array_append_new(out, e) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read the activity log");
	store_done(st);
	return r;
}

int actlog_store_count(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM activity");
	if (!st)
		return -EIO;
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : store_error(s, "cannot count the activity log");
	if (r == 0)
		*ret = store_col_int(st, 0);
	store_done(st);
	return r;
}
