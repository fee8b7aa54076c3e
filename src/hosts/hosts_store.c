/*
 * hosts_store.c: the SQL behind hosts.c.
 */
#include "hosts/hosts_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

#define HOST_COLS                                                                                                      \
	"h.id, h.uid, h.name, h.enrolled_at, h.last_report_at, h.interval_s, h.packages, h.reports, h.os, h.kernel, "   \
	"h.owner, h.location"

static void copy(char *out, size_t size, const char *v)
{
	snprintf(out, size, "%s", v ? v : "");
}

static void host_read(sqlite3_stmt *st, struct host *h)
{
	memset(h, 0, sizeof(*h));
	h->id = store_col_int(st, 0);
	copy(h->uid, sizeof(h->uid), store_col_text(st, 1));
	copy(h->name, sizeof(h->name), store_col_text(st, 2));
	h->enrolled_at = store_col_int(st, 3);
	h->last_report_at = store_col_int(st, 4);
	h->interval_s = store_col_int(st, 5);
	h->packages = store_col_int(st, 6);
	h->reports = store_col_int(st, 7);
	copy(h->os, sizeof(h->os), store_col_text(st, 8));
	copy(h->kernel, sizeof(h->kernel), store_col_text(st, 9));
	copy(h->owner, sizeof(h->owner), store_col_text(st, 10));
	copy(h->location, sizeof(h->location), store_col_text(st, 11));
}

int hosts_store_token_insert(struct store *s, const unsigned char hash[32], const char *by, int64_t now,
			     int64_t expires, int64_t uses)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO enroll_tokens (token_hash, created_by, created_at, expires_at, "
					 "uses_left) VALUES (?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, expires);
	sqlite3_bind_int64(st, 5, uses);
	return store_step_done(s, st, "cannot create the enrollment token");
}

int hosts_store_token_use(struct store *s, const unsigned char hash[32], int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE enroll_tokens SET uses_left = uses_left - 1 "
					 "WHERE token_hash = ? AND uses_left > 0 AND expires_at > ?");
	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	int r = store_step_done(s, st, "cannot use the enrollment token");
	if (r == 0 && sqlite3_changes(sqlite3_db_handle(st)) != 1)
		r = err_set(-EACCES, "enrollment token is not valid (unknown, expired or used up)");
	return r;
}

int hosts_store_insert(struct store *s, const char *uid, const char *name, const unsigned char secret_hash[32],
		       int64_t now, int64_t interval, int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO hosts (uid, name, secret_hash, enrolled_at, interval_s) "
					 "VALUES (?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, secret_hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, interval);
	int r = store_step_done(s, st, "cannot add the host");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int hosts_store_get_id(struct store *s, int64_t id, struct host *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " HOST_COLS " FROM hosts h WHERE h.id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		host_read(st, ret);
	else
		r = rc == SQLITE_DONE ? err_set(-ENOENT, "host %lld does not exist", (long long)id)
				      : store_error(s, "cannot read hosts");
	store_done(st);
	return r;
}

int hosts_store_get_uid(struct store *s, const char *uid, struct host *ret, unsigned char ret_secret_hash[32])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " HOST_COLS ", h.secret_hash FROM hosts h WHERE h.uid = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		host_read(st, ret);
		if (ret_secret_hash) {
			if (sqlite3_column_bytes(st, 12) == 32)
				memcpy(ret_secret_hash, sqlite3_column_blob(st, 12), 32);
			else
				memset(ret_secret_hash, 0, 32);
		}
	} else if (rc == SQLITE_DONE) {
		r = err_set(-ENOENT, "host '%s' does not exist", uid);
	} else {
		r = store_error(s, "cannot read hosts");
	}
	store_done(st);
	return r;
}

int hosts_store_get_name(struct store *s, const char *name, struct host *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " HOST_COLS " FROM hosts h WHERE h.name = ? LIMIT 2");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		host_read(st, ret);
		if (sqlite3_step(st) == SQLITE_ROW)
			r = err_set(-EEXIST, "several hosts are named '%s'; use the host id", name);
	} else if (rc == SQLITE_DONE) {
		r = err_set(-ENOENT, "host '%s' does not exist", name);
	} else {
		r = store_error(s, "cannot read hosts");
	}
	store_done(st);
	return r;
}

int hosts_store_each(struct store *s, int (*fn)(const struct host *, void *), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " HOST_COLS " FROM hosts h ORDER BY h.name, h.uid");
	if (!st)
		return -EIO;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct host h;
		host_read(st, &h);
		if ((r = fn(&h, arg)) != 0)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read hosts");
	store_done(st);
	return r;
}

int hosts_store_tags(struct store *s, int64_t host_id, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT tag FROM host_tags WHERE host_id = ? ORDER BY tag");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_string(store_col_text(st, 0)));
	int r = rc == SQLITE_DONE ? 0 : store_error(s, "cannot read tags");
	store_done(st);
	return r;
}

int hosts_store_tag_set(struct store *s, int64_t host_id, const char *tag, bool on)
{
	sqlite3_stmt *st = on ? store_stmt(s, "INSERT OR IGNORE INTO host_tags (host_id, tag) VALUES (?, ?)")
			      : store_stmt(s, "DELETE FROM host_tags WHERE host_id = ? AND tag = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_text(st, 2, tag, -1, SQLITE_STATIC);
	return store_step_done(s, st, "cannot change tags");
}

int hosts_store_set_meta(struct store *s, int64_t host_id, const char *owner, const char *location)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE hosts SET owner = coalesce(?1, owner), location = coalesce(?2, location) "
					 "WHERE id = ?3");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, owner);
	store_bind_text(st, 2, location);
	sqlite3_bind_int64(st, 3, host_id);
	return store_step_done(s, st, "cannot change the host");
}

int hosts_store_delete(struct store *s, int64_t host_id)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM hosts WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	return store_step_done(s, st, "cannot remove the host");
}

int hosts_store_reported(struct store *s, int64_t host_id, const char *name, const char *os, const char *kernel,
			 int64_t packages, int64_t interval, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE hosts SET name = coalesce(?1, name), os = coalesce(?2, os), "
					 "kernel = coalesce(?3, kernel), packages = CASE WHEN ?4 < 0 THEN packages ELSE ?4 END, "
					 "interval_s = ?5, last_report_at = ?6, reports = reports + 1 WHERE id = ?7");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, name);
	store_bind_text(st, 2, os);
	store_bind_text(st, 3, kernel);
	sqlite3_bind_int64(st, 4, packages);
	sqlite3_bind_int64(st, 5, interval);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int64(st, 7, host_id);
	return store_step_done(s, st, "cannot record the report");
}

int hosts_store_digests(struct store *s, int64_t host_id, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT section, digest FROM host_sections WHERE host_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(out, store_col_text(st, 0), json_string(store_col_text(st, 1)));
	int r = rc == SQLITE_DONE ? 0 : store_error(s, "cannot read host sections");
	store_done(st);
	return r;
}

int hosts_store_section_get(struct store *s, int64_t host_id, const char *section, char **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT data FROM host_sections WHERE host_id = ? AND section = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_text(st, 2, section, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	*ret = NULL;
	if (rc == SQLITE_ROW) {
		*ret = strdup(store_col_text(st, 0) ? store_col_text(st, 0) : "null");
		if (!*ret)
			r = -ENOMEM;
	} else if (rc != SQLITE_DONE) {
		r = store_error(s, "cannot read a host section");
	}
	store_done(st);
	return r;
}

int hosts_store_section_put(struct store *s, int64_t host_id, const char *section, const char *digest,
			    const char *data, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO host_sections (host_id, section, digest, data, updated_at) "
					 "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (host_id, section) DO UPDATE SET "
					 "digest = ?3, data = ?4, updated_at = ?5");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_text(st, 2, section, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, data, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	return store_step_done(s, st, "cannot store a host section");
}

int hosts_store_sections(struct store *s, int64_t host_id, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT section, data, updated_at FROM host_sections WHERE host_id = ? "
					 "ORDER BY section");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *v = json_loads(store_col_text(st, 1), JSON_DECODE_ANY, NULL);
		json_object_set_new(out, store_col_text(st, 0), v ? v : json_null());
	}
	int r = rc == SQLITE_DONE ? 0 : store_error(s, "cannot read host sections");
	store_done(st);
	return r;
}

int hosts_store_history_add(struct store *s, int64_t host_id, int64_t now, const char *kind, const char *subject,
			    const char *old, const char *cur)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO host_history (host_id, at, kind, subject, old, new) "
					 "VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, subject, -1, SQLITE_STATIC);
	store_bind_text(st, 5, old);
	store_bind_text(st, 6, cur);
	return store_step_done(s, st, "cannot record host history");
}

int hosts_store_history(struct store *s, int64_t host_id, int64_t since, int limit, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, at, kind, subject, old, new FROM host_history "
					 "WHERE host_id = ? AND at >= ? ORDER BY id DESC LIMIT ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int(st, 3, limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:I, s:o, s:s, s:s, s:o, s:o}", "id", (json_int_t)store_col_int(st, 0),
						     "time", json_time(store_col_int(st, 1)), "kind", store_col_text(st, 2),
						     "subject", store_col_text(st, 3), "old",
						     json_string_or_null(store_col_text(st, 4)), "new",
						     json_string_or_null(store_col_text(st, 5))));
	int r = rc == SQLITE_DONE ? 0 : store_error(s, "cannot read host history");
	store_done(st);
	return r;
}
