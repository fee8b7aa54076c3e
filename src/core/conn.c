/*
 * conn.c: see conn.h. Sockets are non-blocking; every wait is a poll() bounded by the
 * caller's deadline, TLS included (OpenSSL's WANT_READ / WANT_WRITE).
 */
#include "core/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/err.h"
#include "core/timeutil.h"

struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char host[256];
};

/* Waits for events on c->fd until deadline: 0, or -ETIMEDOUT. */
static int conn_wait(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - time_mono_us();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, (int)(left / 1000 + 1));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int connect_one(const struct addrinfo *ai, int64_t deadline, int *ret_fd)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	int r = 0;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			r = -errno;
		} else if ((r = conn_wait(fd, POLLOUT, deadline)) == 0) {
			int so = 0;
			socklen_t sl = sizeof(so);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) < 0)
				r = -errno;
			else if (so != 0)
				r = -so;
		}
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	int one = 1; /* requests go out as header then body: no Nagle wait between them */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*ret_fd = fd;
	return 0;
}

/* The first OpenSSL error on the thread's queue, for messages; clears the queue. */
static const char *ssl_reason(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();
	if (e == 0)
		snprintf(buf, size, "the connection was closed during the TLS handshake");
	else
		ERR_error_string_n(e, buf, size);
	ERR_clear_error();
	return buf;
}

/* Runs one OpenSSL call that may want to wait: 1 when it may be retried, 0 when it is
 * done, <0 on failure (-ETIMEDOUT, or -EIO with the SSL error left for the caller). */
static int ssl_again(struct conn *c, int ret, int64_t deadline)
{
	int e = SSL_get_error(c->ssl, ret);
	if (e == SSL_ERROR_WANT_READ)
		return conn_wait(c->fd, POLLIN, deadline) < 0 ? -ETIMEDOUT : 1;
	if (e == SSL_ERROR_WANT_WRITE)
		return conn_wait(c->fd, POLLOUT, deadline) < 0 ? -ETIMEDOUT : 1;
	return e == SSL_ERROR_ZERO_RETURN ? 0 : -EIO;
}

static bool is_ip_literal(const char *host)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int check_pin(struct conn *c, const unsigned char *pin)
{
	X509 *cert = SSL_get1_peer_certificate(c->ssl);
	unsigned char *der = NULL, got[CONN_PIN_LEN];
	int r = 0;
	if (!cert)
		return err_set(-EPERM, "the server sent no certificate");
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	unsigned int n = 0;
	if (len <= 0 || EVP_Digest(der, (size_t)len, got, &n, EVP_sha256(), NULL) != 1 || n != sizeof(got))
		r = err_set(-EPERM, "cannot read the server's public key");
	else if (sodium_memcmp(got, pin, sizeof(got)) != 0)
		r = err_set(-EPERM, "the server's public key does not match the pinned fingerprint");
	OPENSSL_free(der);
	X509_free(cert);
	return r;
}

int conn_start_tls(struct conn *c, const struct conn_tls *tls, int64_t deadline)
{
	char why[256];
	bool verify = tls->ca_file || !tls->pin;
	if (!(c->ctx = SSL_CTX_new(TLS_client_method())) || !SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION))
		return err_set(-ENOMEM, "cannot set up TLS: %s", ssl_reason(why, sizeof(why)));
	/* Truncation is caught by the protocol above (Content-Length, chunked framing). */
	SSL_CTX_set_options(c->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (tls->ca_file) {
		if (SSL_CTX_load_verify_locations(c->ctx, tls->ca_file, NULL) != 1)
			return err_set(-EPERM, "cannot load CA certificate '%s': %s", tls->ca_file,
				       ssl_reason(why, sizeof(why)));
	} else if (verify && SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
		return err_set(-EPERM, "cannot load the system's CA certificates: %s", ssl_reason(why, sizeof(why)));
	}
	SSL_CTX_set_verify(c->ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	if (!(c->ssl = SSL_new(c->ctx)) || SSL_set_fd(c->ssl, c->fd) != 1)
		return err_set(-ENOMEM, "cannot set up TLS: %s", ssl_reason(why, sizeof(why)));
	bool ip = is_ip_literal(c->host);
	if (!ip)
		SSL_set_tlsext_host_name(c->ssl, c->host);
	if (verify) {
		int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->host) : SSL_set1_host(c->ssl, c->host);
		if (ok != 1)
			return err_set(-EPERM, "cannot check the server's name '%s'", c->host);
	}
	for (;;) {
		ERR_clear_error();
		int ret = SSL_connect(c->ssl), r;
		if (ret == 1)
			break;
		if ((r = ssl_again(c, ret, deadline)) == 1)
			continue;
		if (r == -ETIMEDOUT)
			return err_set(-ETIMEDOUT, "TLS handshake with '%s' timed out", c->host);
		long v = SSL_get_verify_result(c->ssl);
		if (verify && v != X509_V_OK) {
			ERR_clear_error();
			return err_set(-EPERM, "certificate verification failed: %s", X509_verify_cert_error_string(v));
		}
		return err_set(-EPERM, "TLS handshake failed: %s", ssl_reason(why, sizeof(why)));
	}
	return tls->pin ? check_pin(c, tls->pin) : 0;
}

int conn_open(const char *host, const char *port, const struct conn_tls *tls, int64_t deadline, struct conn **ret)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res = NULL;
	struct conn *c = calloc(1, sizeof(*c));
	int r, fd = -1;
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	/* A peer that goes away mid-write must be an error, not a fatal signal (OpenSSL
	 * writes with write(2), so MSG_NOSIGNAL cannot be used there). */
	signal(SIGPIPE, SIG_IGN);
	if (snprintf(c->host, sizeof(c->host), "%s", host) >= (int)sizeof(c->host)) {
		free(c);
		return err_set(-EINVAL, "host name is too long");
	}
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		free(c);
		return err_set(-EHOSTUNREACH, "cannot resolve '%s': %s", host,
			       r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
	}
	r = -EHOSTUNREACH;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if ((r = connect_one(ai, deadline, &fd)) == 0 || r == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (r < 0) {
		free(c);
		return r == -ETIMEDOUT ? err_set(r, "connecting to %s port %s timed out", host, port)
				       : err_set(-EHOSTUNREACH, "cannot connect to %s port %s: %s", host, port,
						 strerror(-r));
	}
	c->fd = fd;
	if (tls && (r = conn_start_tls(c, tls, deadline)) < 0) {
		conn_close(c);
		return r;
	}
	*ret = c;
	return 0;
}

int conn_write(struct conn *c, const void *buf, size_t len, int64_t deadline)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n;
		if (c->ssl) {
			ERR_clear_error();
			int chunk = len > (1 << 30) ? 1 << 30 : (int)len;
			int ret = SSL_write(c->ssl, p, chunk), r;
			if (ret <= 0) {
				if ((r = ssl_again(c, ret, deadline)) == 1)
					continue;
				ERR_clear_error();
				return r == -ETIMEDOUT ? err_set(r, "sending to '%s' timed out", c->host)
						       : err_set(-ECONNRESET, "'%s' closed the connection", c->host);
			}
			n = ret;
		} else {
			n = send(c->fd, p, len, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				if (conn_wait(c->fd, POLLOUT, deadline) < 0)
					return err_set(-ETIMEDOUT, "sending to '%s' timed out", c->host);
				continue;
			}
			if (n < 0)
				return err_set(-ECONNRESET, "sending to '%s' failed: %s", c->host, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t conn_read(struct conn *c, void *buf, size_t len, int64_t deadline)
{
	for (;;) {
		if (c->ssl) {
			ERR_clear_error();
			int ret = SSL_read(c->ssl, buf, len > (1 << 30) ? 1 << 30 : (int)len), r;
			if (ret > 0)
				return ret;
			if ((r = ssl_again(c, ret, deadline)) == 1)
				continue;
			if (r == 0)
				return 0;
			ERR_clear_error();
			return r == -ETIMEDOUT ? err_set(r, "waiting for '%s' timed out", c->host)
					       : err_set(-ECONNRESET, "'%s' closed the connection", c->host);
		}
		ssize_t n = recv(c->fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return err_set(-ECONNRESET, "reading from '%s' failed: %s", c->host, strerror(errno));
		if (conn_wait(c->fd, POLLIN, deadline) < 0)
			return err_set(-ETIMEDOUT, "waiting for '%s' timed out", c->host);
	}
}

void conn_close(struct conn *c)
{
	if (!c)
		return;
	if (c->ssl) {
		/* A polite close_notify, without waiting for the answer. */
		ERR_clear_error();
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	ERR_clear_error();
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
