/*
 * router.c: route matching and the authorisation every request passes through.
 */
#include "core/router.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"

static const struct route *router_routes;
static router_auth_fn router_auth;

void http_req_params(struct http_req *req, const char ***names, const char ***values, char **scratch,
		     size_t *scratch_size, int **n);

void router_setup(const struct route *routes, router_auth_fn auth)
{
	router_routes = routes;
	router_auth = auth;
}

bool router_match(const char *pattern, const char *path, const char *names[], const char *values[], char *scratch,
		  size_t scratch_size, int *ret_n)
{
	const char *p = pattern, *u = path;
	size_t used = 0;
	int n = 0;
	while (*p && *u) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			const char *seg_end = strchr(u, '/');
			size_t seg_len = seg_end ? (size_t)(seg_end - u) : strlen(u);
			if (!close || seg_len == 0 || n == WARD_HTTP_ROUTE_PARAMS || used + seg_len + 1 > scratch_size)
				return false;
			/* names point into the pattern; the router knows each name ends at '}'. */
			names[n] = p + 1;
			memcpy(scratch + used, u, seg_len);
			scratch[used + seg_len] = '\0';
			values[n++] = scratch + used;
			used += seg_len + 1;
			p = close + 1;
			u += seg_len;
			continue;
		}
		if (*p != *u)
			return false;
		p++;
		u++;
	}
	if (*p || *u)
		return false;
	*ret_n = n;
	return true;
}

size_t router_body_max(const char *method, const char *path)
{
	const char *names[WARD_HTTP_ROUTE_PARAMS], *values[WARD_HTTP_ROUTE_PARAMS];
	char scratch[WARD_HTTP_PATH_MAX + 1];
	int n;
	for (const struct route *rt = router_routes; rt && rt->method; rt++)
		if (rt->body_max && strcmp(rt->method, method) == 0 &&
		    router_match(rt->pattern, path, names, values, scratch, sizeof(scratch), &n))
			return rt->body_max;
	return WARD_HTTP_BODY_MAX;
}

static bool method_is_safe(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

void router_dispatch(struct http_req *req)
{
	const char *method = http_method(req), *path = http_path(req);
	const char **names, **values;
	char *scratch, allow[128] = "";
	size_t scratch_size;
	int *nparams;
	const struct route *found = NULL;
	http_req_params(req, &names, &values, &scratch, &scratch_size, &nparams);

	for (const struct route *rt = router_routes; rt && rt->method; rt++) {
		int n;
		if (!router_match(rt->pattern, path, names, values, scratch, scratch_size, &n))
			continue;
		bool same = strcmp(rt->method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0);
		if (same) {
			found = rt;
			*nparams = n;
			break;
		}
		size_t len = strlen(allow);
		snprintf(allow + len, sizeof(allow) - len, "%s%s", len ? ", " : "", rt->method);
	}
	if (!found) {
		if (allow[0]) {
			http_add_header(req, "Allow", allow);
			http_reply_error(req, 405, "method %s is not allowed on '%.200s' (allowed: %s)", method, path, allow);
		} else {
			http_reply_error(req, 404, "no such route '%.200s'", path);
		}
		return;
	}
	/* Turn the captured names ("name}/disable") into plain names. */
	static _Thread_local char name_buf[WARD_HTTP_ROUTE_PARAMS][32];
	for (int i = 0; i < *nparams; i++) {
		const char *close = strchr(names[i], '}');
		size_t len = close ? (size_t)(close - names[i]) : 0;
		if (len >= sizeof(name_buf[i]))
			len = sizeof(name_buf[i]) - 1;
		memcpy(name_buf[i], names[i], len);
		name_buf[i][len] = '\0';
		names[i] = name_buf[i];
	}

	struct auth *auth = http_auth_mut(req);
	int r = router_auth ? router_auth(req, auth) : 0;
	if (r < 0 && found->role == ROLE_PUBLIC) {
		/* A stale cookie must not break the login page or the health check. */
		memset(auth, 0, sizeof(*auth));
	} else if (r < 0) {
		http_reply_error(req, 401, "%s", err_msg(r));
		return;
	}
	if (found->role != ROLE_PUBLIC) {
		if (auth->via == AUTH_NONE) {
			http_reply_error(req, 401, "authentication required: log in or send an API token");
			return;
		}
		if (auth->role < found->role) {
			http_reply_error(req, 403, "this needs the %s role; you are %s", role_name(found->role),
					 role_name(auth->role));
			return;
		}
		if (auth->via == AUTH_SESSION && !method_is_safe(method)) {
			const char *csrf = http_header(req, "X-CSRF-Token");
			if (!csrf || !crypto_streq(csrf, auth->csrf)) {
				http_reply_error(req, 403, "missing or invalid CSRF token (send the X-CSRF-Token header)");
				return;
			}
		}
	}
	err_clear();
	r = found->fn(req);
	if (r < 0)
		http_reply_error(req, (unsigned)err_http_status(r), "%s", err_msg(r));
}
