/*
 * router.h: the route table's shape and the one place where authorisation happens:
 * each route names the least role it needs; the router authenticates the request,
 * checks the role and the CSRF token, and only then calls the handler.
 */
#ifndef WARD_ROUTER_H
#define WARD_ROUTER_H

#include "core/http.h"
#include "core/role.h"

/* A handler replies through http_reply_json() and returns 0, or returns a negative
 * errno with err_set() and the router replies with its status and message. */
typedef int (*route_fn)(struct http_req *req);

struct route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/api/v1/users/{name}/disable" */
	enum role role;      /* least role; ROLE_PUBLIC needs no login */
	route_fn fn;
	size_t body_max;     /* request body limit in bytes; 0: WARD_HTTP_BODY_MAX */
};

/* Fills req's auth from its cookie or bearer token. 0 when credentials were valid, or
 * when there were none (via stays AUTH_NONE); -EACCES when they were given but are
 * not valid. */
typedef int (*router_auth_fn)(struct http_req *req, struct auth *ret);

/* Installs the table (NULL-method terminated) and the authenticator. Call once before
 * http_serve. */
void router_setup(const struct route *routes, router_auth_fn auth);

/* The body limit of the route that method and path reach (WARD_HTTP_BODY_MAX when
 * none does). */
size_t router_body_max(const char *method, const char *path);

/* Dispatches one request: 404 / 405 / 401 / 403, or the handler. Used by http.c. */
void router_dispatch(struct http_req *req);

/* For http.c: match pattern against path, filling captures. */
bool router_match(const char *pattern, const char *path, const char *names[], const char *values[],
		  char *scratch, size_t scratch_size, int *ret_n);

#endif
