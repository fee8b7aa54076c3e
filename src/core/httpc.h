/*
 * httpc.h: the HTTP/1.1 client the agent talks to the server with: JSON in and out,
 * bounded replies, a deadline on the whole request, and a pinned server: a CA
 * certificate file or the SHA-256 of the server's public key. One request per
 * connection (Connection: close), over core/conn.
 */
#ifndef WARD_HTTPC_H
#define WARD_HTTPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define HTTPC_HEAD_MAX (64 * 1024)	  /* status line and headers of one response */
#define HTTPC_REPLY_MAX (4 * 1024 * 1024) /* a response body */

struct httpc_config {
	const char *server;	   /* "https://ward.example.com:8443" (a path prefix is kept) */
	const char *ca_file;	   /* PEM CA certificate to trust, or NULL */
	const char *pubkey_sha256; /* "sha256//BASE64" public-key pin, or NULL */
	long timeout_s;		   /* whole request; 0: 60 */
};

/* Sends method path with body (borrowed; NULL for none) and authorization (the whole
 * header value, or NULL). On an HTTP answer returns 0 with *ret_status and *ret_body
 * (a new JSON value, or NULL when the reply was not JSON). -EHOSTUNREACH (message set)
 * when the server cannot be reached or answers with something that is not HTTP,
 * -EPERM when TLS verification or the pin fails, -E2BIG for a reply over
 * HTTPC_REPLY_MAX. */
int httpc_json(const struct httpc_config *c, const char *method, const char *path, const json_t *body,
	       const char *authorization, long *ret_status, json_t **ret_body);

/* Turns "sha256//BASE64" or 64 hex digits into the "sha256//BASE64" form in out. */
int httpc_pin_parse(const char *text, char *out, size_t size);

/* --- the response parser (exposed for tests and the fuzz target) --- */

struct httpc_response {
	int status;	  /* 200..599 (1xx answers are skipped) */
	const char *body; /* into the parsed buffer, or into decoded */
	size_t body_len;
	char *decoded; /* the de-chunked body (owned), or NULL */
	size_t want;   /* after -EAGAIN: parse again once the buffer holds this many bytes (0: any more) */
};

/* Parses one response from buf[0..len). eof: nothing more will come. 0 when the
 * response is complete (bytes after it are ignored); -EAGAIN when more bytes are needed;
 * -EBADMSG for something that is not a well-formed response (message set); -E2BIG
 * when the body would pass max_body. On 0 the caller frees with httpc_response_free. */
int httpc_response_parse(const char *buf, size_t len, bool eof, size_t max_body, struct httpc_response *ret);
void httpc_response_free(struct httpc_response *r);

#endif
