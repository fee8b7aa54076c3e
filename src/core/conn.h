/*
 * conn.h: an outgoing TCP connection, plain or TLS (OpenSSL), with a deadline on every
 * step. The agent's HTTP client talks through it, and so will anything else Ward says
 * to a server (mail). Not libcurl: Debian's libcurl brings about twenty libraries and
 * some 6 MB of resident memory into every process that links it, and the agent, which
 * runs on every machine, must stay under 10 MB (docs/internals/http.md).
 */
#ifndef WARD_CONN_H
#define WARD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONN_PIN_LEN 32 /* SHA-256 of the server's SubjectPublicKeyInfo (DER) */

/* How to trust a TLS server. With a pin and no CA file the pin alone is the trust (a
 * self-signed certificate is fine); with a CA file the chain and the host name are
 * checked, and the pin too when given; with neither, the system's CAs and the host
 * name. */
struct conn_tls {
	const char *ca_file;	  /* PEM certificate(s) to trust, or NULL */
	const unsigned char *pin; /* CONN_PIN_LEN bytes, or NULL */
};

struct conn;

/* Connects to host:port (a name, an IPv4 address or an IPv6 address without brackets),
 * then speaks TLS when tls is not NULL. deadline is a time_mono_us() value. Errors:
 * -EHOSTUNREACH (cannot resolve or connect), -ETIMEDOUT, -EPERM (the TLS handshake or
 * the trust check failed); err_msg() says which. */
int conn_open(const char *host, const char *port, const struct conn_tls *tls, int64_t deadline, struct conn **ret);

/* Starts TLS on an open plain connection (STARTTLS). Errors as conn_open. */
int conn_start_tls(struct conn *c, const struct conn_tls *tls, int64_t deadline);

/* Writes all of buf. -ETIMEDOUT, -ECONNRESET. */
int conn_write(struct conn *c, const void *buf, size_t len, int64_t deadline);

/* Reads what is there (at least one byte), or 0 at the end of the stream. -ETIMEDOUT,
 * -ECONNRESET. */
ssize_t conn_read(struct conn *c, void *buf, size_t len, int64_t deadline);

void conn_close(struct conn *c);

#endif
