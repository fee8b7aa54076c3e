/*
 * httpc.h: the HTTP client the agent talks to the server with (libcurl): JSON in and
 * out, bounded replies, timeouts, and a pinned server: a CA certificate file or the
 * SHA-256 of the server's public key.
 */
#ifndef WARD_HTTPC_H
#define WARD_HTTPC_H

#include <jansson.h>

struct httpc_config {
	const char *server;      /* "https://ward.example.com:8443" (no trailing slash needed) */
	const char *ca_file;     /* PEM CA certificate to trust, or NULL */
	const char *pubkey_sha256; /* "sha256//BASE64" public-key pin, or NULL */
	long timeout_s;          /* whole request; 0: 60 */
};

/* Sends method path with body (borrowed; NULL for none) and authorization (the whole
 * header value, or NULL). On an HTTP answer returns 0 with *ret_status and *ret_body
 * (a new JSON value, or NULL when the reply was not JSON). -EHOSTUNREACH (message set)
 * when the server cannot be reached, -EPERM when TLS verification or the pin fails. */
int httpc_json(const struct httpc_config *c, const char *method, const char *path, const json_t *body,
	       const char *authorization, long *ret_status, json_t **ret_body);

/* Turns "sha256//BASE64" or 64 hex digits into the libcurl pin form in out. */
int httpc_pin_parse(const char *text, char *out, size_t size);

#endif
