/*
 * compliance_store.c: the SQL behind compliance.c.
 */
#include "compliance/compliance_store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

int compliance_store_setting_get(struct store *s, const char *key, int64_t *ret, bool *ret_found)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT value FROM compliance_settings WHERE key = ?");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, key);
	int rc = sqlite3_step(st), r = 0;
	*ret_found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		*ret = store_col_int(st, 0);
	else if (rc != SQLITE_DONE)
		r = store_error(s, "cannot read the compliance settings");
	store_done(st);
	return r;
}

int compliance_store_setting_set(struct store *s, const char *key, int64_t value)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO compliance_settings (key, value) VALUES (?, ?) "
					 "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, value);
	return store_step_done(s, st, "cannot write the compliance settings");
}

int compliance_store_sections_since(struct store *s, int64_t since,
				    int (*fn)(void *arg, int64_t host_id, const char *data, int64_t updated_at),
				    void *arg)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT host_id, data, updated_at FROM host_sections "
					 "WHERE section = 'upgrades' AND updated_at >= ? ORDER BY updated_at, host_id");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, since);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = fn(arg, store_col_int(st, 0), store_col_text(st, 1), store_col_int(st, 2))) < 0)
			break;
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read the hosts' upgrades");
	store_done(st);
	return r;
}

int compliance_store_open_keys(struct store *s, int64_t host_id, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT package, architecture, candidate FROM compliance_upgrades "
					 "WHERE host_id = ? AND resolved_at IS NULL");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char key[1024];
		snprintf(key, sizeof(key), "%s\t%s\t%s", store_col_text(st, 0), store_col_text(st, 1),
			 store_col_text(st, 2));
		if (json_object_set_new(out, key, json_true()) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read the pending upgrades");
	store_done(st);
	return r;
}

int compliance_store_observe(struct store *s, int64_t host_id, const char *package, const char *architecture,
			     const char *installed, const char *candidate, bool security, int64_t first_seen)
{
	sqlite3_stmt *st = store_stmt(
	    s, "INSERT INTO compliance_upgrades (host_id, package, architecture, candidate, installed, security, "
	       "first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce((SELECT min(first_seen) FROM compliance_upgrades "
	       "WHERE host_id = ?1 AND package = ?2 AND architecture = ?3 AND resolved_at IS NULL), ?7)) "
	       "ON CONFLICT (host_id, package, architecture, candidate) DO UPDATE SET resolved_at = NULL, "
	       "installed = excluded.installed, security = excluded.security");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	store_bind_text(st, 2, package);
	store_bind_text(st, 3, architecture);
	store_bind_text(st, 4, candidate);
	store_bind_text(st, 5, installed);
	sqlite3_bind_int(st, 6, security);
	sqlite3_bind_int64(st, 7, first_seen);
	return store_step_done(s, st, "cannot record an upgrade");
}

int compliance_store_resolve(struct store *s, int64_t host_id, const char *package, const char *architecture,
			     const char *candidate, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE compliance_upgrades SET resolved_at = ? WHERE host_id = ? AND "
					 "package = ? AND architecture = ? AND candidate = ? AND resolved_at IS NULL");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, host_id);
	store_bind_text(st, 3, package);
	store_bind_text(st, 4, architecture);
	store_bind_text(st, 5, candidate);
	return store_step_done(s, st, "cannot resolve an upgrade");
}

int compliance_store_set_urgency(struct store *s, int64_t host_id, const char *package, const char *architecture,
				 const char *candidate, const char *urgency, const char *cves)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE compliance_upgrades SET urgency = ?, cves = ? WHERE host_id = ? AND "
					 "package = ? AND architecture = ? AND candidate = ?");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, urgency);
	store_bind_text(st, 2, cves);
	sqlite3_bind_int64(st, 3, host_id);
	store_bind_text(st, 4, package);
	store_bind_text(st, 5, architecture);
	store_bind_text(st, 6, candidate);
	return store_step_done(s, st, "cannot record an upgrade's urgency");
}

int compliance_store_hosts(struct store *s, int64_t host_id, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT h.id, h.name, h.uid FROM hosts h JOIN host_sections x ON "
					 "x.host_id = h.id AND x.section = 'upgrades' WHERE ?1 = 0 OR h.id = ?1 "
					 "ORDER BY h.name, h.id");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(out, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)store_col_int(st, 0),
							 "host", store_col_text(st, 1), "uid", store_col_text(st, 2))) <
		    0) {
			r = -ENOMEM;
			break;
		}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot list the machines");
	store_done(st);
	return r;
}

int compliance_store_pending(struct store *s, int64_t host_id, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT host_id, package, architecture, installed, candidate, security, "
					 "first_seen, urgency, cves FROM compliance_upgrades WHERE resolved_at IS NULL "
					 "AND (?1 = 0 OR host_id = ?1) ORDER BY host_id, package, architecture");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *inst = store_col_text(st, 3);
		if (json_array_size(out) >= COMPLIANCE_STORE_ROWS_MAX) {
			r = err_set(-E2BIG, "more than %d pending upgrades", COMPLIANCE_STORE_ROWS_MAX);
			break;
		}
		const char *cves = store_col_text(st, 8);
		json_t *cv = cves ? json_loads(cves, 0, NULL) : NULL;
		if (cv && !json_is_array(cv)) {
			json_decref(cv);
			cv = NULL;
		}
		if (json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s?, s:s, s:b, s:I, s:s?, s:o}", "host_id",
							 (json_int_t)store_col_int(st, 0), "package",
							 store_col_text(st, 1), "architecture", store_col_text(st, 2),
							 "installed", inst, "candidate", store_col_text(st, 4),
							 "security", store_col_int(st, 5) != 0, "first_seen",
							 (json_int_t)store_col_int(st, 6), "urgency", store_col_text(st, 7),
							 "cves", cv ? cv : json_array())) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read the pending upgrades");
	store_done(st);
	return r;
}

int compliance_store_snapshot_put(struct store *s, const char *day, int64_t host_id, const char *host, int64_t tracked,
				  int64_t overdue, double percent, int64_t machines, int64_t compliant, int64_t now)
{
	sqlite3_stmt *st = store_stmt(
	    s, "INSERT INTO compliance_snapshots (day, host_id, host, tracked, overdue, percent, machines, compliant, "
	       "taken_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, host_id) DO UPDATE SET host = "
	       "excluded.host, tracked = excluded.tracked, overdue = excluded.overdue, percent = excluded.percent, "
	       "machines = excluded.machines, compliant = excluded.compliant, taken_at = excluded.taken_at");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, day);
	sqlite3_bind_int64(st, 2, host_id);
	store_bind_text(st, 3, host);
	sqlite3_bind_int64(st, 4, tracked);
	sqlite3_bind_int64(st, 5, overdue);
	sqlite3_bind_double(st, 6, percent);
	sqlite3_bind_int64(st, 7, machines);
	sqlite3_bind_int64(st, 8, compliant);
	sqlite3_bind_int64(st, 9, now);
	return store_step_done(s, st, "cannot record the compliance snapshot");
}

int compliance_store_history(struct store *s, int64_t host_id, const char *since_day, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT day, tracked, overdue, percent, machines, compliant FROM "
					 "compliance_snapshots WHERE host_id = ? AND day >= ? ORDER BY day");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, host_id);
	store_bind_text(st, 2, since_day);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(out, json_pack("{s:s, s:I, s:I, s:f, s:I, s:I}", "day", store_col_text(st, 0),
							 "tracked", (json_int_t)store_col_int(st, 1), "overdue",
							 (json_int_t)store_col_int(st, 2), "percent",
							 sqlite3_column_double(st, 3), "machines",
							 (json_int_t)store_col_int(st, 4), "compliant",
							 (json_int_t)store_col_int(st, 5))) < 0) {
			r = -ENOMEM;
			break;
		}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read the compliance history");
	store_done(st);
	return r;
}
