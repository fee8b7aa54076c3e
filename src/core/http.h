/*
 * http.h: the HTTP server (libmicrohttpd, epoll, a thread pool) and what a route handler
 * sees of a request. Bodies, headers and connection time are bounded (core/limits.h);
 * errors are JSON {"error": ...}. Routing and authorisation live in router.h.
 */
#ifndef WARD_HTTP_H
#define WARD_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/role.h"

struct http_req;

struct http_config {
	const char *listen;        /* "127.0.0.1:8080", "[::1]:0", "0.0.0.0:443" */
	const char *tls_cert_file; /* PEM; both or neither */
	const char *tls_key_file;
	bool insecure_listen;      /* allow a non-loopback address without TLS */
	unsigned threads;          /* request threads; 0: WARD_HTTP_THREADS_PER_CPU a core, at least WARD_HTTP_THREADS_MIN */
	int access_log_fd;         /* -1: none */
	/* Called about once a second while requests are parked; true wakes them all (e.g.
	 * new work appeared in the database, written by another process). May be NULL. */
	bool (*changed)(void);
};

/* Parses "host:port" ("[v6]:port"; "localhost" is 127.0.0.1) into a socket address.
 * -EINVAL with a message for anything else. *ret_loopback tells whether it is loopback. */
int http_parse_listen(const char *text, void *ret_sockaddr, size_t *ret_len, bool *ret_loopback);

/* Starts the server, then blocks until SIGTERM or SIGINT, then stops accepting, lets the
 * requests in flight finish (for up to WARD_HTTP_DRAIN_SECONDS) and returns 0.
 * on_ready(url) runs once the socket listens. -errno with a message if it cannot start. */
int http_serve(const struct http_config *cfg, void (*on_ready)(const char *url));

/* Request accessors, for handlers. Borrowed strings live as long as the request. */
const char *http_method(const struct http_req *req);
const char *http_path(const struct http_req *req);
const char *http_header(const struct http_req *req, const char *name);
const char *http_query(const struct http_req *req, const char *name);
const char *http_cookie(const struct http_req *req, const char *name);
const char *http_client_addr(const struct http_req *req);
bool http_is_tls(const struct http_req *req);

/* An optional integer query parameter in [min, max]: *ret unchanged when absent,
 * -EINVAL saying so when it is not a number in range. */
int http_query_int(const struct http_req *req, const char *name, int64_t min, int64_t max, int64_t *ret);

/* The route's {name} capture, or NULL. */
const char *http_param(const struct http_req *req, const char *name);

/* The body parsed as a JSON object (borrowed; owned by the request). -EINVAL with the
 * parse error otherwise. */
int http_body_json(struct http_req *req, json_t **ret);

/* The raw body (owned by the request; NUL-terminated, but may hold NULs). */
int http_body(const struct http_req *req, const char **ret, size_t *ret_len);

/* Who sent the request (via AUTH_NONE on public routes without credentials). */
const struct auth *http_auth(const struct http_req *req);
struct auth *http_auth_mut(struct http_req *req);

/* Long polling. A handler with nothing to say yet parks the request (and returns 0
 * without replying); it is called again, from the start, when http_wake() runs, when
 * cfg->changed says so, or once wait_ms have passed since the request began.
 * http_waited() tells the handler on that later call whether the wait is over (or the
 * server is stopping). */
int http_park(struct http_req *req, int64_t wait_ms);
bool http_waited(const struct http_req *req, int64_t wait_ms);
void http_wake(void);

/* Replies with body (stolen; NULL gives an empty object). Returns 0. */
int http_reply_json(struct http_req *req, unsigned status, json_t *body);

/* Replies 200 with size bytes read from fd (taken: closed when sent), as content_type,
 * with the headers added by http_add_header, nosniff and a sandboxing CSP. */
int http_reply_file(struct http_req *req, int fd, uint64_t size, const char *content_type);

/* Replies {"error": message} with status. Returns 0. */
int http_reply_error(struct http_req *req, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Adds a header to the reply (copied). At most 8 per request. */
int http_add_header(struct http_req *req, const char *name, const char *value);

/* Sets the session cookie (value NULL clears it); Secure under TLS. */
int http_set_session_cookie(struct http_req *req, const char *value, int64_t max_age);

#endif
