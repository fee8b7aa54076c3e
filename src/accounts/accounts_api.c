/*
 * accounts_api.c: HTTP handlers for sessions, the current user and user
 * administration. Each parses, calls accounts.c and encodes; roles are checked by the
 * router from the route table (server/server_routes.c).
 */
#include "accounts/accounts_api.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"

/* The thread's store; on failure its message is already set. */
/* The user the authenticator just read, for handlers of the same request on this
 * thread (a request runs start to finish on one thread), so /me does not read it again. */
static _Thread_local struct user auth_user;

int accounts_api_authenticate(struct http_req *req, struct auth *ret)
{
	const char *authz = http_header(req, "Authorization");
	const char *cookie = http_cookie(req, "ward_session");
	memset(ret, 0, sizeof(*ret));
	if (!authz && !cookie)
		return 0;
	STORE_OR_FAIL(s);
	if (authz) {
		if (strncmp(authz, "Bearer ", 7) != 0)
			return err_set(-EACCES, "Authorization header must be 'Bearer <token>'");
		return accounts_auth_token(s, authz + 7, ret, &auth_user);
	}
	return accounts_auth_session(s, cookie, ret, &auth_user);
}

int accounts_api_login(struct http_req *req)
{
	static const char *const fields[] = {"username", "password", NULL};
	const char *name, *password;
	char token[ACCOUNTS_SECRET_HEX], csrf[ACCOUNTS_SECRET_HEX];
	struct user u;
	int64_t retry = 0;
	json_t *body;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "username", true, WARD_NAME_MAX * 4, &name)) < 0 ||
	    (r = json_get_string(body, "password", true, WARD_PASSWORD_MAX, &password)) < 0)
		return r;
	r = accounts_login(s, name, password, http_client_addr(req), token, csrf, &u, &retry);
	if (r == -EAGAIN) {
		char ra[24];
		snprintf(ra, sizeof(ra), "%lld", (long long)retry);
		http_add_header(req, "Retry-After", ra);
	}
	if (r < 0)
		return r;
	http_set_session_cookie(req, token, WARD_SESSION_MAX_AGE);
	sodium_memzero(token, sizeof(token));
	/* The access log names who logged in. */
	struct auth *a = http_auth_mut(req);
	snprintf(a->user, sizeof(a->user), "%s", u.name);
	return http_reply_json(req, 200, json_pack("{s:o, s:s}", "user", accounts_user_json(&u), "csrf_token", csrf));
}

int accounts_api_logout(struct http_req *req)
{
	const struct auth *a = http_auth(req);
	STORE_OR_FAIL(s);
	if (a->via != AUTH_SESSION)
		return err_set(-EINVAL, "there is no session to end: this request used an API token");
	int r = accounts_logout(s, a->user, a->secret_hash);
	if (r < 0)
		return r;
	http_set_session_cookie(req, NULL, 0);
	return http_reply_json(req, 200, json_pack("{s:s}", "status", "logged out"));
}

int accounts_api_me(struct http_req *req)
{
	const struct auth *a = http_auth(req);
	if (auth_user.id != a->user_id)
		return err_set(-EIO, "authenticated user not at hand");
	json_t *body = json_pack("{s:o}", "user", accounts_user_json(&auth_user));
	if (body && a->via == AUTH_SESSION)
		json_object_set_new(body, "csrf_token", json_string(a->csrf));
	return http_reply_json(req, 200, body);
}

int accounts_api_users_list(struct http_req *req)
{
	json_t *users;
	STORE_OR_FAIL(s);
	int r = accounts_user_list(s, &users);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "users", users));
}

int accounts_api_users_add(struct http_req *req)
{
	static const char *const fields[] = {"name", "role", "email", "password", NULL};
	const char *name, *role_text, *email, *password;
	enum role role;
	struct user u;
	json_t *body;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "name", true, WARD_NAME_MAX * 4, &name)) < 0 ||
	    (r = json_get_string(body, "role", true, 64, &role_text)) < 0 ||
	    (r = json_get_string(body, "email", false, WARD_EMAIL_MAX * 4, &email)) < 0 ||
	    (r = json_get_string(body, "password", true, WARD_PASSWORD_MAX * 4, &password)) < 0 ||
	    (r = role_parse(role_text, &role)) < 0)
		return r;
	r = accounts_user_add(s, http_auth(req)->user, name, role, email, password, &u);
	if (r < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:o}", "user", accounts_user_json(&u)));
}

int accounts_api_users_get(struct http_req *req)
{
	struct user u;
	STORE_OR_FAIL(s);
	int r = accounts_user_get(s, http_param(req, "name"), &u);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "user", accounts_user_json(&u)));
}

static int set_disabled(struct http_req *req, bool disabled)
{
	struct user u;
	STORE_OR_FAIL(s);
	const char *name = http_param(req, "name");
	if (disabled && strcmp(name, http_auth(req)->user) == 0)
		return err_set(-EINVAL, "you cannot disable yourself");
	int r = accounts_user_set_disabled(s, http_auth(req)->user, name, disabled, &u);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "user", accounts_user_json(&u)));
}

int accounts_api_users_disable(struct http_req *req)
{
	return set_disabled(req, true);
}

int accounts_api_users_enable(struct http_req *req)
{
	return set_disabled(req, false);
}
