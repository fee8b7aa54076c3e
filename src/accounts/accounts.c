/*
 * accounts.c: users, passwords, sessions, API tokens and failed-login throttling.
 * Password hashing (argon2id, deliberately slow) runs outside transactions; every
 * change and its activity-log entry commit together.
 */
#include "accounts/accounts.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "accounts/accounts_store.h"
#include "actlog/actlog.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"

int accounts_check_name(const char *what, const char *name)
{
	size_t len = name ? strlen(name) : 0;
	bool ok = len >= 1 && len <= WARD_NAME_MAX && name[0] >= 'a' && name[0] <= 'z';
	for (size_t i = 0; ok && i < len; i++) {
		char c = name[i];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
	}
	if (!ok)
		return err_set(-EINVAL,
			       "%s '%.64s' is not valid: use 1 to %d lowercase letters, digits, '.', '_' or '-', "
			       "starting with a letter",
			       what, name ? name : "", WARD_NAME_MAX);
	return 0;
}

int accounts_check_email(const char *email)
{
	static const char local_ok[] = "!#$%&'*+-/=?^_`{|}~.";
	size_t len = strlen(email);
	const char *at = strchr(email, '@');
	bool ok = len >= 3 && len <= WARD_EMAIL_MAX && at && at != email && strchr(at + 1, '@') == NULL &&
		  (size_t)(at - email) <= 64;
	for (const char *p = email; ok && p < at; p++)
		ok = isalnum((unsigned char)*p) || strchr(local_ok, *p);
	/* The domain: dot-separated labels of letters, digits and inner hyphens, and a dot. */
	const char *d = ok ? at + 1 : "";
	ok = ok && strchr(d, '.') && d[0] != '.' && d[strlen(d) - 1] != '.' && !strstr(d, "..");
	for (const char *p = d; ok && *p; p++) {
		ok = isalnum((unsigned char)*p) || *p == '.' || *p == '-';
		if (*p == '-' && (p == d || p[-1] == '.' || p[1] == '.' || p[1] == '\0'))
			ok = false;
	}
	if (!ok)
		return err_set(-EINVAL, "e-mail address '%.254s' is not valid", email);
	return 0;
}

int accounts_check_password(const char *name, const char *password)
{
	size_t len = password ? strlen(password) : 0;
	if (len < WARD_PASSWORD_MIN)
		return err_set(-EINVAL, "password is too short: use at least %d characters", WARD_PASSWORD_MIN);
	if (len > WARD_PASSWORD_MAX)
		return err_set(-EINVAL, "password is longer than %d bytes", WARD_PASSWORD_MAX);
	if (name && strcasecmp(name, password) == 0)
		return err_set(-EINVAL, "password must not be the user name");
	return 0;
}

json_t *accounts_user_json(const struct user *u)
{
	return json_pack("{s:s, s:s, s:o, s:b, s:o, s:o}", "name", u->name, "role", role_name(u->role), "email",
			 json_string_or_null(u->email[0] ? u->email : NULL), "disabled", u->disabled, "created_at",
			 json_time(u->created_at), "last_login_at", json_time(u->last_login_at));
}

static int password_hash(const char *password, char out[crypto_pwhash_STRBYTES])
{
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return err_set(-ENOMEM, "cannot hash the password: out of memory");
	return 0;
}

static int user_object(char *out, size_t size, const char *name)
{
	int n = snprintf(out, size, "user:%s", name);
	return n < 0 || (size_t)n >= size ? -EINVAL : 0;
}

void accounts_generate_password(char out[21])
{
	crypto_random_password(out, 20);
}

int accounts_user_add(struct store *s, const char *actor, const char *name, enum role role, const char *email,
		      const char *password, struct user *ret)
{
	char hash[crypto_pwhash_STRBYTES], lower[WARD_EMAIL_MAX + 1] = "", object[WARD_NAME_MAX + 8];
	bool taken = false;
	int64_t id;
	int r;
	if ((r = accounts_check_name("user name", name)) < 0)
		return r;
	if (role < ROLE_EMPLOYEE || role > ROLE_ADMIN)
		return err_set(-EINVAL, "role is not valid");
	if (email && *email) {
		if ((r = accounts_check_email(email)) < 0)
			return r;
		for (size_t i = 0; email[i]; i++)
			lower[i] = (char)tolower((unsigned char)email[i]);
	}
	if ((r = accounts_check_password(name, password)) < 0 || (r = password_hash(password, hash)) < 0)
		return r;

	user_object(object, sizeof(object), name);
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	struct user existing;
	r = accounts_store_user_get(s, name, &existing, NULL);
	if (r == 0) {
		r = err_set(-EEXIST, "user '%s' already exists", name);
		goto out;
	}
	if (r != -ENOENT)
		goto out;
	if (lower[0] && (r = accounts_store_email_taken(s, lower, &taken)) < 0)
		goto out;
	if (taken) {
		r = err_set(-EEXIST, "e-mail address '%s' belongs to another user", lower);
		goto out;
	}
	r = accounts_store_user_insert(s, name, lower[0] ? lower : NULL, role_name(role), hash, time_now(), &id);
	if (r < 0)
		goto out;
	r = actlog_appendf(s, actor, "user.create", object, "{s:s, s:o}", "role", role_name(role),
			   "email", json_string_or_null(lower[0] ? lower : NULL));
	if (r < 0)
		goto out;
	r = accounts_store_user_get(s, name, ret, NULL);
out:
	sodium_memzero(hash, sizeof(hash));
	return store_tx_end(s, r);
}

int accounts_user_get(struct store *s, const char *name, struct user *ret)
{
	int r = accounts_check_name("user name", name);
	if (r < 0)
		return r;
	return accounts_store_user_get(s, name, ret, NULL);
}

int accounts_user_by_email(struct store *s, const char *email, struct user *ret)
{
	return accounts_store_user_by_email(s, email, ret);
}

static int list_one(const struct user *u, void *arg)
{
	json_t *j = accounts_user_json(u);
	return j && json_array_append_new(arg, j) == 0 ? 0 : -ENOMEM;
}

int accounts_user_list(struct store *s, json_t **ret)
{
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	int r = accounts_store_user_each(s, list_one, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}

struct counts {
	json_int_t total, by_role[4], disabled;
};

static int count_one(const struct user *u, void *arg)
{
	struct counts *c = arg;
	c->total++;
	c->by_role[u->role]++;
	c->disabled += u->disabled;
	return 0;
}

int accounts_user_counts(struct store *s, json_t **ret)
{
	struct counts c = {0};
	int r = accounts_store_user_each(s, count_one, &c);
	if (r < 0)
		return r;
	*ret = json_pack("{s:I, s:I, s:I, s:I, s:I}", "total", c.total, "admin", c.by_role[ROLE_ADMIN], "support",
			 c.by_role[ROLE_SUPPORT], "employee", c.by_role[ROLE_EMPLOYEE], "disabled", c.disabled);
	return *ret ? 0 : -ENOMEM;
}

int accounts_user_passwd(struct store *s, const char *actor, const char *name, const char *password)
{
	char hash[crypto_pwhash_STRBYTES], object[WARD_NAME_MAX + 8];
	struct user u;
	int r;
	if ((r = accounts_check_name("user name", name)) < 0 || (r = accounts_check_password(name, password)) < 0)
		return r;
	if ((r = password_hash(password, hash)) < 0)
		return r;
	user_object(object, sizeof(object), name);
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = accounts_store_user_get(s, name, &u, NULL)) < 0 ||
	    (r = accounts_store_user_set_password(s, u.id, hash, time_now())) < 0 ||
	    (r = accounts_store_session_delete_user(s, u.id)) < 0)
		goto out;
	r = actlog_append(s, actor, "user.password", object, NULL);
out:
	sodium_memzero(hash, sizeof(hash));
	return store_tx_end(s, r);
}

int accounts_user_set_disabled(struct store *s, const char *actor, const char *name, bool disabled,
			       struct user *ret)
{
	char object[WARD_NAME_MAX + 8];
	struct user u;
	int r = accounts_check_name("user name", name);
	if (r < 0)
		return r;
	user_object(object, sizeof(object), name);
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = accounts_store_user_get(s, name, &u, NULL)) < 0)
		goto out;
	if (u.disabled == disabled) {
		*ret = u; /* nothing to change, nothing to log */
		goto out;
	}
	if ((r = accounts_store_user_set_disabled(s, u.id, disabled, time_now())) < 0)
		goto out;
	if (disabled && (r = accounts_store_session_delete_user(s, u.id)) < 0)
		goto out;
	if (!disabled) {
		char key[WARD_NAME_MAX + 8];
		snprintf(key, sizeof(key), "user:%s", name);
		if ((r = accounts_store_throttle_clear(s, key)) < 0)
			goto out;
	}
	if ((r = actlog_append(s, actor, disabled ? "user.disable" : "user.enable", object, NULL)) < 0)
		goto out;
	r = accounts_store_user_get(s, name, ret, NULL);
out:
	return store_tx_end(s, r);
}

int accounts_user_unlock(struct store *s, const char *actor, const char *name)
{
	char key[WARD_NAME_MAX + 8];
	struct user u;
	int r = accounts_check_name("user name", name);
	if (r < 0)
		return r;
	snprintf(key, sizeof(key), "user:%s", name);
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = accounts_store_user_get(s, name, &u, NULL)) == 0 && (r = accounts_store_throttle_clear(s, key)) == 0)
		r = actlog_append(s, actor, "user.unlock", key, NULL);
	return store_tx_end(s, r);
}

/* --- logins --- */

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

/* Unknown users are checked against this, so a wrong name costs as long as a wrong
 * password and timing does not tell which names exist. */
static void dummy_make(void)
{
	char pw[21];
	accounts_generate_password(pw);
	if (password_hash(pw, dummy_hash) < 0)
		dummy_hash[0] = '\0';
}

/* Throttle times are in milliseconds, so a one-second delay is one second. */

/* Milliseconds until another attempt is allowed; *locked when it is a lock, not a delay. */
static int64_t throttle_wait(const struct throttle *t, int slow_after, int64_t now_ms, bool *locked)
{
	*locked = false;
	if (t->locked_until > now_ms) {
		*locked = true;
		return t->locked_until - now_ms;
	}
	if (t->failures < slow_after || now_ms - t->last_failure_at > WARD_LOGIN_WINDOW * 1000LL || t->locked_until)
		return 0;
	int shift = (int)(t->failures - slow_after);
	int64_t ready = t->last_failure_at + 1000LL * ((int64_t)1 << (shift > 6 ? 6 : shift));
	return ready > now_ms ? ready - now_ms : 0;
}

/* Counts one failure against key; locks it at lock_after. */
static int throttle_fail(struct store *s, const char *key, int lock_after, int64_t now_ms)
{
	struct throttle t;
	int r = accounts_store_throttle_get(s, key, &t);
	if (r < 0)
		return r;
	if (now_ms - t.last_failure_at > WARD_LOGIN_WINDOW * 1000LL || (t.locked_until && t.locked_until <= now_ms))
		t = (struct throttle){0};
	t.failures++;
	t.last_failure_at = now_ms;
	if (t.failures == lock_after) {
		t.locked_until = now_ms + WARD_LOGIN_LOCK_SECONDS * 1000LL;
		char until[TIME_ISO_LEN];
		time_iso(t.locked_until / 1000, until);
		r = actlog_appendf(s, "system", "auth.lockout", key, "{s:I, s:s}", "failures", (json_int_t)t.failures,
				   "until", until);
		if (r < 0)
			return r;
	}
	return accounts_store_throttle_put(s, key, &t);
}

int accounts_login(struct store *s, const char *name, const char *password, const char *address,
		   char ret_token[ACCOUNTS_SECRET_HEX], char ret_csrf[ACCOUNTS_SECRET_HEX], struct user *ret_user,
		   int64_t *ret_retry_after)
{
	char ukey[WARD_NAME_MAX + 8], akey[80], object[WARD_NAME_MAX + 8], *hash = NULL;
	const char *reason = NULL;
	struct throttle tu, ta;
	struct user u;
	int64_t now = time_now(), now_ms = time_now_ms(), wait_u, wait_a;
	bool locked_u, locked_a;
	/* A name that could never be valid is still throttled, under a fixed key. */
	bool valid_name = accounts_check_name("user name", name) == 0;
	err_clear();
	snprintf(ukey, sizeof(ukey), "user:%s", valid_name ? name : "(invalid)");
	snprintf(object, sizeof(object), "%s", ukey);
	snprintf(akey, sizeof(akey), "addr:%.64s", address);

	int r = accounts_store_throttle_get(s, ukey, &tu);
	if (r == 0)
		r = accounts_store_throttle_get(s, akey, &ta);
	if (r < 0)
		return r;
	wait_u = throttle_wait(&tu, WARD_LOGIN_SLOW_AFTER, now_ms, &locked_u);
	wait_a = throttle_wait(&ta, WARD_LOGIN_ADDR_SLOW_AFTER, now_ms, &locked_a);
	if (wait_u || wait_a) {
		*ret_retry_after = ((wait_u > wait_a ? wait_u : wait_a) + 999) / 1000;
		return err_set(-EAGAIN, "too many failed logins%s; try again in %lld seconds",
			       (locked_u || locked_a) ? " (locked)" : "", (long long)*ret_retry_after);
	}

	r = valid_name ? accounts_store_user_get(s, name, &u, &hash) : -ENOENT;
	if (r < 0 && r != -ENOENT)
		return r;
	bool found = r == 0;
	if (!found) {
		pthread_once(&dummy_once, dummy_make);
		if (dummy_hash[0] && crypto_pwhash_str_verify(dummy_hash, password, strlen(password)) == 0)
			reason = "unknown user"; /* same outcome: only the time spent matters */
		reason = "unknown user";
	} else if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0) {
		reason = "wrong password";
	} else if (u.disabled) {
		reason = "user disabled";
	}
	free(hash);

	unsigned char th[32];
	char token[ACCOUNTS_SECRET_HEX], csrf[ACCOUNTS_SECRET_HEX];
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	if (reason) {
		/* The failure is committed, then reported; the wait runs from now, the answer,
		 * not from the request's start (the password hash takes a while, longer on a
		 * busy machine). */
		int64_t failed_ms = time_now_ms();
		if ((r = throttle_fail(s, ukey, WARD_LOGIN_LOCK_AFTER, failed_ms)) == 0 &&
		    (r = throttle_fail(s, akey, WARD_LOGIN_ADDR_LOCK_AFTER, failed_ms)) == 0)
			r = actlog_appendf(s, "anonymous", "auth.login_failed", object, "{s:s, s:s}", "address",
					   address, "reason", reason);
		r = store_tx_end(s, r);
		return r < 0 ? r : err_set(-EACCES, "invalid user name or password");
	}
	crypto_random_hex(32, token);
	crypto_random_hex(32, csrf);
	crypto_sha256(token, strlen(token), th);
	if ((r = accounts_store_throttle_clear(s, ukey)) < 0 ||
	    (r = accounts_store_session_insert(s, th, u.id, csrf, address, now)) < 0 ||
	    (r = accounts_store_user_set_login(s, u.id, now)) < 0 ||
	    (r = actlog_appendf(s, u.name, "auth.login", object, "{s:s}", "address", address)) < 0)
		goto out;
out:
	r = store_tx_end(s, r);
	if (r == 0) {
		u.last_login_at = now;
		memcpy(ret_token, token, sizeof(token));
		memcpy(ret_csrf, csrf, sizeof(csrf));
		*ret_user = u;
	}
	sodium_memzero(token, sizeof(token));
	return r;
}

int accounts_logout(struct store *s, const char *actor, const unsigned char token_hash[32])
{
	char object[WARD_NAME_MAX + 8];
	snprintf(object, sizeof(object), "user:%s", actor);
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = accounts_store_session_delete(s, token_hash)) == 0)
		r = actlog_append(s, actor, "auth.logout", object, NULL);
	return store_tx_end(s, r);
}

static bool is_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return p[n] == '\0';
}

static void auth_fill(struct auth *a, enum auth_via via, const struct user *u, const unsigned char hash[32])
{
	memset(a, 0, sizeof(*a));
	a->via = via;
	a->user_id = u->id;
	snprintf(a->user, sizeof(a->user), "%s", u->name);
	a->role = u->role;
	memcpy(a->secret_hash, hash, 32);
}

int accounts_auth_session(struct store *s, const char *token, struct auth *ret, struct user *ret_user)
{
	unsigned char h[32];
	char csrf[65];
	struct user u;
	int64_t created, seen, now = time_now();
	if (!token || !is_hex(token, 64))
		return err_set(-EACCES, "session is not valid; log in again");
	crypto_sha256(token, 64, h);
	int r = accounts_store_session_get(s, h, &u, csrf, &created, &seen);
	if (r == -ENOENT)
		return err_set(-EACCES, "session is not valid; log in again");
	if (r < 0)
		return r;
	if (now - created > WARD_SESSION_MAX_AGE || now - seen > WARD_SESSION_IDLE) {
		accounts_store_session_delete(s, h);
		return err_set(-EACCES, "session expired; log in again");
	}
	if (u.disabled)
		return err_set(-EACCES, "user '%s' is disabled", u.name);
	if (now - seen > WARD_SESSION_TOUCH)
		accounts_store_session_touch(s, h, now); /* best effort: only the idle clock */
	auth_fill(ret, AUTH_SESSION, &u, h);
	memcpy(ret->csrf, csrf, sizeof(ret->csrf));
	if (ret_user)
		*ret_user = u;
	return 0;
}

int accounts_auth_token(struct store *s, const char *token, struct auth *ret, struct user *ret_user)
{
	unsigned char h[32];
	struct user u;
	int64_t last_used, now = time_now();
	if (!token || strncmp(token, "ward_", 5) != 0 || !is_hex(token + 5, 64))
		return err_set(-EACCES, "API token is not valid");
	crypto_sha256(token, ACCOUNTS_TOKEN_LEN, h);
	int r = accounts_store_token_get(s, h, &u, &last_used);
	if (r == -ENOENT)
		return err_set(-EACCES, "API token is not valid (unknown or revoked)");
	if (r < 0)
		return r;
	if (u.disabled)
		return err_set(-EACCES, "user '%s' is disabled", u.name);
	if (now - last_used > WARD_TOKEN_TOUCH)
		accounts_store_token_touch(s, h, now);
	auth_fill(ret, AUTH_TOKEN, &u, h);
	if (ret_user)
		*ret_user = u;
	return 0;
}

int accounts_token_create(struct store *s, const char *actor, const char *name, const char *user,
			  char ret_token[ACCOUNTS_TOKEN_LEN + 1])
{
	char token[ACCOUNTS_TOKEN_LEN + 1], object[WARD_NAME_MAX + 8];
	unsigned char h[32];
	struct user u;
	bool taken;
	int r;
	if ((r = accounts_check_name("token name", name)) < 0 || (r = accounts_check_name("user name", user)) < 0)
		return r;
	memcpy(token, "ward_", 5);
	crypto_random_hex(32, token + 5);
	crypto_sha256(token, ACCOUNTS_TOKEN_LEN, h);
	snprintf(object, sizeof(object), "token:%s", name);
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = accounts_store_user_get(s, user, &u, NULL)) < 0 ||
	    (r = accounts_store_token_name_taken(s, name, &taken)) < 0)
		goto out;
	if (taken) {
		r = err_set(-EEXIST, "token '%s' already exists", name);
		goto out;
	}
	if ((r = accounts_store_token_insert(s, name, u.id, h, actor, time_now())) < 0 ||
	    (r = actlog_appendf(s, actor, "token.create", object, "{s:s}", "user", user)) < 0)
		goto out;
	memcpy(ret_token, token, sizeof(token));
out:
	sodium_memzero(token, sizeof(token));
	return store_tx_end(s, r);
}

int accounts_token_list(struct store *s, json_t **ret)
{
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	int r = accounts_store_token_list(s, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}

int accounts_token_revoke(struct store *s, const char *actor, const char *name)
{
	char object[WARD_NAME_MAX + 8], user[WARD_NAME_MAX + 1];
	int r = accounts_check_name("token name", name);
	if (r < 0)
		return r;
	snprintf(object, sizeof(object), "token:%s", name);
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = accounts_store_token_revoke(s, name, time_now(), user)) == 0)
		r = actlog_appendf(s, actor, "token.revoke", object, "{s:s}", "user", user);
	return store_tx_end(s, r);
}
