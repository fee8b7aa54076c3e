/*
 * accounts_store.c: the SQL behind accounts.c: users, sessions, API tokens, throttling.
 */
#include "accounts/accounts_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

#define USER_COLS "u.id, u.name, u.email, u.role, u.disabled, u.created_at, u.last_login_at"

/* Reads USER_COLS starting at column col. */
static void user_read(sqlite3_stmt *st, int col, struct user *u)
{
	const char *name = store_col_text(st, col + 1), *email = store_col_text(st, col + 2);
	memset(u, 0, sizeof(*u));
	u->id = store_col_int(st, col);
	snprintf(u->name, sizeof(u->name), "%s", name ? name : "");
	snprintf(u->email, sizeof(u->email), "%s", email ? email : "");
	if (role_parse(store_col_text(st, col + 3), &u->role) < 0)
		u->role = ROLE_EMPLOYEE; /* the CHECK constraint makes this unreachable */
	u->disabled = store_col_int(st, col + 4) != 0;
	u->created_at = store_col_int(st, col + 5);
	u->last_login_at = store_col_int(st, col + 6);
}

int accounts_store_user_get(struct store *s, const char *name, struct user *ret, char **ret_hash)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " USER_COLS ", u.password_hash FROM users u WHERE u.name = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		user_read(st, 0, ret);
		if (ret_hash) {
			const char *h = store_col_text(st, 7);
			*ret_hash = strdup(h ? h : "");
			if (!*ret_hash)
				r = -ENOMEM;
		}
	} else if (rc == SQLITE_DONE) {
		r = err_set(-ENOENT, "user '%s' does not exist", name);
	} else {
		r = store_error(s, "cannot read users");
	}
	store_done(st);
	return r;
}

int accounts_store_user_by_email(struct store *s, const char *email, struct user *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " USER_COLS " FROM users u WHERE u.email = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		user_read(st, 0, ret);
	else
		r = rc == SQLITE_DONE ? err_set(-ENOENT, "no user has the address '%.254s'", email)
				      : store_error(s, "cannot read users");
	store_done(st);
	return r;
}

int accounts_store_email_taken(struct store *s, const char *email, bool *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM users WHERE email = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		*ret = rc == SQLITE_ROW;
	else
		r = store_error(s, "cannot read users");
	store_done(st);
	return r;
}

int accounts_store_user_insert(struct store *s, const char *name, const char *email, const char *role,
			       const char *hash, int64_t now, int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO users (name, email, role, password_hash, created_at, updated_at) "
					 "VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	store_bind_text(st, 2, email);
	sqlite3_bind_text(st, 3, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now);
	int r = store_step_done(s, st, "cannot add the user");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int accounts_store_user_each(struct store *s, int (*fn)(const struct user *, void *), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " USER_COLS " FROM users u ORDER BY u.name");
	if (!st)
		return -EIO;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct user u;
		user_read(st, 0, &u);
		if ((r = fn(&u, arg)) != 0)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read users");
	store_done(st);
	return r;
}

int accounts_store_user_set_password(struct store *s, int64_t id, const char *hash, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, id);
	return store_step_done(s, st, "cannot change the password");
}

int accounts_store_user_set_disabled(struct store *s, int64_t id, bool disabled, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, disabled);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, id);
	return store_step_done(s, st, "cannot change the user");
}

int accounts_store_user_set_login(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE users SET last_login_at = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	return store_step_done(s, st, "cannot record the login");
}

int accounts_store_session_insert(struct store *s, const unsigned char hash[32], int64_t user_id, const char *csrf,
				  const char *address, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO sessions (token_hash, user_id, csrf_token, address, created_at, "
					 "last_seen_at) VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now);
	return store_step_done(s, st, "cannot open a session");
}

int accounts_store_session_get(struct store *s, const unsigned char hash[32], struct user *ret_user,
			       char ret_csrf[65], int64_t *ret_created, int64_t *ret_seen)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " USER_COLS ", s.csrf_token, s.created_at, s.last_seen_at "
					 "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		const char *csrf = store_col_text(st, 7);
		user_read(st, 0, ret_user);
		snprintf(ret_csrf, 65, "%s", csrf ? csrf : "");
		*ret_created = store_col_int(st, 8);
		*ret_seen = store_col_int(st, 9);
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = store_error(s, "cannot read sessions");
	}
	store_done(st);
	return r;
}

int accounts_store_session_touch(struct store *s, const unsigned char hash[32], int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
	return store_step_done(s, st, "cannot update the session");
}

int accounts_store_session_delete(struct store *s, const unsigned char hash[32])
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM sessions WHERE token_hash = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	return store_step_done(s, st, "cannot end the session");
}

int accounts_store_session_delete_user(struct store *s, int64_t user_id)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM sessions WHERE user_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, user_id);
	return store_step_done(s, st, "cannot end the user's sessions");
}

int accounts_store_token_insert(struct store *s, const char *name, int64_t user_id, const unsigned char hash[32],
				const char *created_by, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO api_tokens (name, user_id, token_hash, created_by, created_at) "
					 "VALUES (?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, created_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	return store_step_done(s, st, "cannot create the token");
}

int accounts_store_token_name_taken(struct store *s, const char *name, bool *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM api_tokens WHERE name = ? AND revoked_at IS NULL");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		*ret = rc == SQLITE_ROW;
	else
		r = store_error(s, "cannot read tokens");
	store_done(st);
	return r;
}

int accounts_store_token_get(struct store *s, const unsigned char hash[32], struct user *ret_user,
			     int64_t *ret_last_used)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " USER_COLS ", t.last_used_at FROM api_tokens t "
					 "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL");
	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		user_read(st, 0, ret_user);
		*ret_last_used = store_col_int(st, 7);
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = store_error(s, "cannot read tokens");
	}
	store_done(st);
	return r;
}

int accounts_store_token_touch(struct store *s, const unsigned char hash[32], int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
	return store_step_done(s, st, "cannot update the token");
}

int accounts_store_token_list(struct store *s, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT t.name, u.name, t.created_by, t.created_at, t.last_used_at "
					 "FROM api_tokens t JOIN users u ON u.id = t.user_id "
					 "WHERE t.revoked_at IS NULL ORDER BY t.name");
	if (!st)
		return -EIO;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *t = json_pack("{s:s, s:s, s:s, s:o, s:o}", "name", store_col_text(st, 0), "user",
				      store_col_text(st, 1), "created_by", store_col_text(st, 2), "created_at",
				      json_time(store_col_int(st, 3)), "last_used_at", json_time(store_col_int(st, 4)));
		if (!t || json_array_append_new(out, t) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read tokens");
	store_done(st);
	return r;
}

int accounts_store_token_revoke(struct store *s, const char *name, int64_t now, char ret_user[WARD_NAME_MAX + 1])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT u.name FROM api_tokens t JOIN users u ON u.id = t.user_id "
					 "WHERE t.name = ? AND t.revoked_at IS NULL");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(ret_user, WARD_NAME_MAX + 1, "%s", store_col_text(st, 0));
	store_done(st);
	if (rc == SQLITE_DONE)
		return err_set(-ENOENT, "token '%s' does not exist", name);
	if (rc != SQLITE_ROW)
		return store_error(s, "cannot read tokens");
	st = store_stmt(s, "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return store_step_done(s, st, "cannot revoke the token");
}

int accounts_store_throttle_get(struct store *s, const char *key, struct throttle *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE key = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	memset(ret, 0, sizeof(*ret));
	if (rc == SQLITE_ROW) {
		ret->failures = store_col_int(st, 0);
		ret->last_failure_at = store_col_int(st, 1);
		ret->locked_until = store_col_int(st, 2);
	} else if (rc != SQLITE_DONE) {
		r = store_error(s, "cannot read login failures");
	}
	store_done(st);
	return r;
}

int accounts_store_throttle_put(struct store *s, const char *key, const struct throttle *t)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) "
					 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET failures = ?2, "
					 "last_failure_at = ?3, locked_until = ?4");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t->failures);
	sqlite3_bind_int64(st, 3, t->last_failure_at);
	sqlite3_bind_int64(st, 4, t->locked_until);
	return store_step_done(s, st, "cannot record a login failure");
}

int accounts_store_throttle_clear(struct store *s, const char *key)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM login_throttle WHERE key = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return store_step_done(s, st, "cannot clear login failures");
}
