/*
 * smtp.c: see smtp.h. One message per connection, one command at a time (no
 * PIPELINING), every step under its own deadline. Replies are read into one buffer of
 * SMTP_REPLY_MAX bytes, which smtp_reply_parse() never needs to exceed.
 */
#include "mail/smtp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/conn.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "mail/mail_compose.h"

#define SMTP_CMD_MAX 2048    /* one command line we send; AUTH PLAIN is the longest */
#define SMTP_WRITE_BUF 16384 /* the message goes out in pieces of this size */
#define SMTP_ERR_REPLY 300   /* bytes of the server's reply quoted in a message */
#define SMTP_HELO_MAX 255    /* the EHLO name */
#define SMTP_QUIT_TIMEOUT_US (2 * 1000 * 1000)

/* --- the reply parser --- */

/* Checks one line (without its line end) and returns its code, or -EBADMSG. partial:
 * the line's end has not arrived, so only what is there is checked. */
static int reply_line(const char *line, size_t len, bool partial, bool *ret_last)
{
	if ((len < 3 && !partial) || (len > 0 && (line[0] < '2' || line[0] > '5')) ||
	    (len > 1 && (line[1] < '0' || line[1] > '9')) || (len > 2 && (line[2] < '0' || line[2] > '9')) ||
	    (len > 3 && line[3] != ' ' && line[3] != '-')) {
		char shown[41];
		size_t n = len < sizeof(shown) - 1 ? len : sizeof(shown) - 1;
		for (size_t i = 0; i < n; i++)
			shown[i] = line[i] < 0x20 || line[i] == 0x7f ? '?' : line[i];
		shown[n] = '\0';
		return err_set(-EBADMSG, "not an SMTP reply line: '%s'", shown);
	}
	if (len < 3)
		return 0;
	*ret_last = len == 3 || line[3] == ' ';
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

int smtp_reply_parse(const char *buf, size_t len, struct smtp_reply *ret, size_t *ret_consumed)
{
	size_t off = 0, nlines = 0;
	int code = 0;
	bool last = false;
	/* First pass: find the reply's end and check every line. */
	while (!last) {
		const char *line = buf + off;
		size_t avail = len - off, scan = avail < SMTP_REPLY_LINE_MAX ? avail : SMTP_REPLY_LINE_MAX;
		const char *nl = memchr(line, '\n', scan);
		size_t end = nl ? (size_t)(nl - line) : avail; /* the content, and a CR */
		size_t content = end > 0 && line[end - 1] == '\r' ? end - 1 : end;
		if (!nl && avail >= SMTP_REPLY_LINE_MAX)
			return err_set(-EBADMSG, "reply line is longer than %d bytes", SMTP_REPLY_LINE_MAX);
		if (off + (nl ? end + 1 : avail) > SMTP_REPLY_MAX || (!nl && off + avail >= SMTP_REPLY_MAX))
			return err_set(-EBADMSG, "reply is longer than %d bytes", SMTP_REPLY_MAX);
		if (nlines + 1 > SMTP_REPLY_LINES_MAX)
			return err_set(-EBADMSG, "reply has more than %d lines", SMTP_REPLY_LINES_MAX);
		/* A partial line's last CR may be the start of its CRLF: left out too. */
		int c = reply_line(line, content, !nl, &last);
		if (c < 0)
			return c;
		if (!nl)
			return -EAGAIN;
		if (nlines > 0 && c != code)
			return err_set(-EBADMSG, "reply lines have different codes (%d, then %d)", code, c);
		code = c;
		nlines++;
		off += end + 1;
	}
	/* Second pass: the texts, joined by '\n', controls made harmless for messages. */
	size_t t = 0;
	for (size_t at = 0, i = 0; i < nlines; i++) {
		const char *line = buf + at, *nl = memchr(line, '\n', off - at);
		size_t end = (size_t)(nl - line);
		size_t content = end > 0 && line[end - 1] == '\r' ? end - 1 : end;
		if (i > 0)
			ret->text[t++] = '\n';
		for (size_t k = 4; k < content; k++) {
			unsigned char ch = (unsigned char)line[k];
			ret->text[t++] = (ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : (char)ch;
		}
		at += end + 1;
	}
	ret->text[t] = '\0';
	ret->text_len = t;
	ret->code = code;
	ret->nlines = nlines;
	*ret_consumed = off;
	return 0;
}

static bool word_eq(const char *w, size_t n, const char *s)
{
	return n == strlen(s) && strncasecmp(w, s, n) == 0;
}

void smtp_ehlo_parse(const struct smtp_reply *reply, struct smtp_ehlo *ret)
{
	struct smtp_ehlo e = {0};
	const char *p = reply->text, *end = reply->text + reply->text_len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	p = nl ? nl + 1 : end; /* past the greeting line */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		/* The keyword, then its parameters; "AUTH=PLAIN LOGIN" is an old form. */
		const char *w = p;
		size_t n = strcspn(w, " =\t\n");
		if (w + n > eol)
			n = (size_t)(eol - w);
		const char *q = w + n;
		if (word_eq(w, n, "STARTTLS")) {
			e.starttls = true;
		} else if (word_eq(w, n, "SIZE")) {
			uint64_t v = 0;
			bool ok = true;
			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			for (; q < eol && ok && *q >= '0' && *q <= '9'; q++) {
				ok = v <= (UINT64_MAX - 9) / 10;
				v = v * 10 + (uint64_t)(*q - '0');
			}
			e.size = true;
			e.size_max = ok ? v : 0;
		} else if (word_eq(w, n, "AUTH")) {
			while (q < eol) {
				while (q < eol && (*q == ' ' || *q == '\t' || *q == '='))
					q++;
				size_t m = strcspn(q, " \t\n");
				if (q + m > eol)
					m = (size_t)(eol - q);
				if (word_eq(q, m, "PLAIN"))
					e.auth_plain = true;
				else if (word_eq(q, m, "LOGIN"))
					e.auth_login = true;
				q += m;
			}
		}
		p = eol + 1;
	}
	*ret = e;
}

/* --- the session --- */

struct smtp {
	const struct smtp_config *cfg;
	struct conn *conn;
	bool broken; /* the connection failed or the server spoke nonsense: no QUIT */
	int64_t timeout_us;
	bool tls;
	struct smtp_ehlo ext;
	struct smtp_reply reply; /* the last one */
	char in[SMTP_REPLY_MAX];
	size_t in_len;
	char out[SMTP_WRITE_BUF];
	size_t out_len;
};

static int64_t smtp_deadline(const struct smtp *s)
{
	return time_mono_us() + s->timeout_us;
}

/* The last reply on one line, quoted in messages. */
static const char *reply_flat(const struct smtp_reply *r, char out[SMTP_ERR_REPLY])
{
	int n = snprintf(out, SMTP_ERR_REPLY, "%d %s", r->code, r->text);
	for (char *p = out; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (n >= SMTP_ERR_REPLY)
		memcpy(out + SMTP_ERR_REPLY - 4, "...", 4);
	return out;
}

/* Maps a failure of the connection to -EAGAIN (keeping -ENOMEM), with the step. */
static int smtp_conn_error(struct smtp *s, int r, const char *step)
{
	s->broken = true;
	if (r == -ENOMEM)
		return r;
	return err_set(-EAGAIN, "SMTP with '%s' failed at %s: %s", s->cfg->host, step, err_msg(r));
}

/* Reads one reply under one deadline, so a server that trickles bytes gains nothing. */
static int smtp_read_reply(struct smtp *s, const char *step)
{
	int64_t deadline = smtp_deadline(s);
	for (;;) {
		size_t used;
		int r = smtp_reply_parse(s->in, s->in_len, &s->reply, &used);
		if (r == 0) {
			memmove(s->in, s->in + used, s->in_len - used);
			s->in_len -= used;
			return 0;
		}
		if (r != -EAGAIN) {
			s->broken = true;
			return err_set(-EAGAIN, "mail server '%s' sent a malformed reply to %s: %s", s->cfg->host, step,
				       err_msg(r));
		}
		/* The parser decides within SMTP_REPLY_MAX bytes, so there is room. */
		ssize_t n = conn_read(s->conn, s->in + s->in_len, sizeof(s->in) - s->in_len, deadline);
		if (n < 0)
			return smtp_conn_error(s, (int)n, step);
		if (n == 0) {
			s->broken = true;
			return err_set(-EAGAIN, "mail server '%s' closed the connection during %s", s->cfg->host, step);
		}
		s->in_len += (size_t)n;
	}
}

/* Checks the last reply's class against want's (2xx, 3xx): -EAGAIN for 4xx (and for a
 * reply of the wrong kind), -EPERM for 5xx. */
static int smtp_check(const struct smtp *s, int want, const char *step)
{
	char text[SMTP_ERR_REPLY];
	int code = s->reply.code;
	if (code / 100 == want / 100)
		return 0;
	return err_set(code >= 500 ? -EPERM : -EAGAIN, "mail server '%s' %s %s: %s", s->cfg->host,
		       code >= 400 ? "refused" : "answered unexpectedly to", step, reply_flat(&s->reply, text));
}

/* Sends one command line (CRLF added) and reads the reply; the reply's code is for the
 * caller to check. step names the command in messages. */
static int smtp_command(struct smtp *s, const char *step, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int smtp_command(struct smtp *s, const char *step, const char *fmt, ...)
{
	char line[SMTP_CMD_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return err_set(-EINVAL, "SMTP command for %s is too long", step);
	memcpy(line + n, "\r\n", 2);
	int r = conn_write(s->conn, line, (size_t)n + 2, smtp_deadline(s));
	explicit_bzero(line, sizeof(line)); /* it may have held credentials */
	if (r < 0)
		return smtp_conn_error(s, r, step);
	return smtp_read_reply(s, step);
}

/* EHLO, or HELO when the server does not know EHLO (then no extensions). */
static int smtp_hello(struct smtp *s, const char *name)
{
	int r = smtp_command(s, "EHLO", "EHLO %s", name);
	if (r < 0)
		return r;
	memset(&s->ext, 0, sizeof(s->ext));
	if (s->reply.code / 100 == 2) {
		smtp_ehlo_parse(&s->reply, &s->ext);
		return 0;
	}
	if (s->reply.code != 500 && s->reply.code != 502)
		return smtp_check(s, 250, "EHLO");
	if ((r = smtp_command(s, "HELO", "HELO %s", name)) < 0)
		return r;
	return smtp_check(s, 250, "HELO");
}

static int smtp_starttls(struct smtp *s, const char *name)
{
	struct conn_tls tls = {.ca_file = s->cfg->ca_file};
	int r = smtp_command(s, "STARTTLS", "STARTTLS");
	if (r < 0 || (r = smtp_check(s, 220, "STARTTLS")) < 0)
		return r;
	/* Anything after the 220 came in the clear and must not be read as if it had come
	 * over TLS (the STARTTLS command injection, CVE-2011-0411 and kin). */
	if (s->in_len > 0) {
		s->broken = true;
		return err_set(-EAGAIN, "mail server '%s' sent data after its STARTTLS reply; refusing it",
			       s->cfg->host);
	}
	if ((r = conn_start_tls(s->conn, &tls, smtp_deadline(s))) < 0)
		return smtp_conn_error(s, r, "STARTTLS");
	s->tls = true;
	return smtp_hello(s, name);
}

static int base64(const char *in, size_t len, char *out, size_t size)
{
	if (size < sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL))
		return -EINVAL;
	sodium_bin2base64(out, size, (const unsigned char *)in, len, sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

static int smtp_auth(struct smtp *s)
{
	const char *user = s->cfg->user, *pass = s->cfg->password;
	char raw[2 * SMTP_CRED_MAX + 2],
	    b64[sodium_base64_ENCODED_LEN(2 * SMTP_CRED_MAX + 2, sodium_base64_VARIANT_ORIGINAL)];
	char text[SMTP_ERR_REPLY];
	size_t ul = strlen(user), pl = strlen(pass);
	int r;
	if (s->ext.auth_plain) { /* RFC 4616: authzid (empty) NUL authcid NUL password */
		raw[0] = '\0';
		memcpy(raw + 1, user, ul);
		raw[1 + ul] = '\0';
		memcpy(raw + 2 + ul, pass, pl);
		base64(raw, ul + pl + 2, b64, sizeof(b64));
		if ((r = smtp_command(s, "AUTH", "AUTH PLAIN %s", b64)) == 0 && s->reply.code == 334)
			r = smtp_command(s, "AUTH", "%s", b64); /* no initial response taken */
	} else if (s->ext.auth_login) {
		if ((r = smtp_command(s, "AUTH", "AUTH LOGIN")) == 0 && s->reply.code == 334) {
			base64(user, ul, b64, sizeof(b64));
			if ((r = smtp_command(s, "AUTH", "%s", b64)) == 0 && s->reply.code == 334) {
				base64(pass, pl, b64, sizeof(b64));
				r = smtp_command(s, "AUTH", "%s", b64);
			}
		}
	} else {
		r = err_set(-EAGAIN, "mail server '%s' offers neither AUTH PLAIN nor AUTH LOGIN; cannot log in as '%s'",
			    s->cfg->host, user);
		goto out;
	}
	if (r == 0 && s->reply.code / 100 != 2)
		r = err_set(s->reply.code >= 500 ? -EPERM : -EAGAIN, "mail server '%s' refused the login as '%s': %s",
			    s->cfg->host, user, reply_flat(&s->reply, text));
out:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(b64, sizeof(b64));
	return r;
}

/* Walks msg's lines, CRLF, LF or a lone CR ending each: calls fn for each line (without
 * its end) unless fn is NULL; checks for NUL bytes and over-long lines and counts the
 * bytes on the wire (stuffing, CRLFs, the final "."). */
static int msg_lines(const char *msg, size_t len, int (*fn)(struct smtp *, const char *, size_t), struct smtp *s,
		     size_t *ret_wire)
{
	size_t wire = 0, lineno = 0;
	for (size_t i = 0; i < len;) {
		const char *p = msg + i;
		size_t n = 0;
		while (i + n < len && p[n] != '\r' && p[n] != '\n' && p[n] != '\0')
			n++;
		lineno++;
		if (i + n < len && p[n] == '\0')
			return err_set(-EINVAL, "message has a NUL byte on line %zu", lineno);
		if (n > SMTP_MSG_LINE_MAX)
			return err_set(-EINVAL, "message line %zu is longer than %d bytes", lineno, SMTP_MSG_LINE_MAX);
		wire += n + 2 + (n > 0 && p[0] == '.');
		if (fn) {
			int r = fn(s, p, n);
			if (r < 0)
				return r;
		}
		i += n;
		if (i < len && msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
			i += 2;
		else if (i < len)
			i++;
	}
	if (ret_wire)
		*ret_wire = wire + 3;
	return 0;
}

static int smtp_flush(struct smtp *s)
{
	int r = conn_write(s->conn, s->out, s->out_len, smtp_deadline(s));
	s->out_len = 0;
	return r < 0 ? smtp_conn_error(s, r, "sending the message") : 0;
}

static int smtp_put(struct smtp *s, const char *p, size_t n)
{
	while (n > 0) {
		size_t k = sizeof(s->out) - s->out_len;
		if (k > n)
			k = n;
		memcpy(s->out + s->out_len, p, k);
		s->out_len += k;
		p += k;
		n -= k;
		if (s->out_len == sizeof(s->out)) {
			int r = smtp_flush(s);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int smtp_put_line(struct smtp *s, const char *line, size_t n)
{
	int r = 0;
	if (n > 0 && line[0] == '.') /* RFC 5321 4.5.2 */
		r = smtp_put(s, ".", 1);
	if (r == 0)
		r = smtp_put(s, line, n);
	return r < 0 ? r : smtp_put(s, "\r\n", 2);
}

static bool host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

/* A host name (letters, digits, '-', '.') or an address literal in brackets. */
static bool helo_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > SMTP_HELO_MAX)
		return false;
	if (name[0] == '[')
		return len > 2 && name[len - 1] == ']' && strspn(name + 1, "0123456789abcdefABCDEF.:Pv6") == len - 2;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == len;
}

static int smtp_check_args(const struct smtp_config *c, const char *mail_from, const char *const *rcpt, size_t nrcpt)
{
	int r;
	if (!c->host || !*c->host)
		return err_set(-EINVAL, "mail server is not set");
	if (c->tls < SMTP_TLS_STARTTLS || c->tls > SMTP_TLS_NONE)
		return err_set(-EINVAL, "unknown TLS mode %d", (int)c->tls);
	if (c->timeout_s < 0 || c->timeout_s > SMTP_TIMEOUT_MAX)
		return err_set(-EINVAL, "mail timeout %ld is out of range (0 to %d seconds)", c->timeout_s,
			       SMTP_TIMEOUT_MAX);
	if (c->helo_name && !helo_name_ok(c->helo_name))
		return err_set(-EINVAL, "EHLO name '%.255s' is not a host name or an address literal", c->helo_name);
	if (mail_from && *mail_from && (r = mail_addr_check(mail_from, "envelope sender")) < 0)
		return r;
	if (!mail_from)
		return err_set(-EINVAL, "envelope sender is not set");
	if (nrcpt == 0 || nrcpt > SMTP_RCPT_MAX)
		return err_set(-EINVAL, "a message needs 1 to %d recipients, not %zu", SMTP_RCPT_MAX, nrcpt);
	for (size_t i = 0; i < nrcpt; i++)
		if ((r = mail_addr_check(rcpt[i], "recipient address")) < 0)
			return r;
	if (c->user) {
		if (!*c->user || strlen(c->user) > SMTP_CRED_MAX || strpbrk(c->user, "\r\n"))
			return err_set(-EINVAL, "mail user name must be 1 to %d bytes without line breaks",
				       SMTP_CRED_MAX);
		if (!c->password || strlen(c->password) > SMTP_CRED_MAX)
			return err_set(-EINVAL, "mail password for '%s' is missing or longer than %d bytes", c->user,
				       SMTP_CRED_MAX);
		if (c->tls == SMTP_TLS_NONE && !host_is_loopback(c->host))
			return err_set(
			    -EINVAL, "refusing to send the password for '%s' in the clear to '%s': use STARTTLS or TLS",
			    c->user, c->host);
	}
	return 0;
}

int smtp_send(const struct smtp_config *c, const char *mail_from, const char *const *rcpt, size_t nrcpt,
	      const char *msg, size_t len)
{
	struct smtp *s = NULL;
	char helo[SMTP_HELO_MAX + 1], step[MAIL_ADDR_MAX + 32], size_param[32] = "";
	size_t wire = 0;
	bool quit = false; /* the server is still listening: say goodbye */
	int r;

	if ((r = smtp_check_args(c, mail_from, rcpt, nrcpt)) < 0)
		return r;
	if (len > SMTP_MSG_MAX)
		return err_set(-EINVAL, "message is larger than %d bytes", SMTP_MSG_MAX);
	if ((r = msg_lines(msg, len, NULL, NULL, &wire)) < 0)
		return r;
	if (c->helo_name) {
		snprintf(helo, sizeof(helo), "%s", c->helo_name);
	} else {
		if (gethostname(helo, sizeof(helo) - 1) < 0)
			helo[0] = '\0';
		helo[sizeof(helo) - 1] = '\0';
		if (!helo_name_ok(helo))
			snprintf(helo, sizeof(helo), "localhost");
	}
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	s->cfg = c;
	s->timeout_us = (int64_t)(c->timeout_s ? c->timeout_s : SMTP_TIMEOUT_DEFAULT) * 1000000;

	struct conn_tls tls = {.ca_file = c->ca_file};
	const char *port = c->port ? c->port : c->tls == SMTP_TLS_IMPLICIT ? "465" : "25";
	if ((r = conn_open(c->host, port, c->tls == SMTP_TLS_IMPLICIT ? &tls : NULL, smtp_deadline(s), &s->conn)) < 0) {
		r = r == -EINVAL || r == -ENOMEM ? r : err_set(-EAGAIN, "mail server: %s", err_msg(r));
		goto out;
	}
	s->tls = c->tls == SMTP_TLS_IMPLICIT;
	if ((r = smtp_read_reply(s, "the greeting")) < 0)
		goto out;
	quit = true;
	if ((r = smtp_check(s, 220, "the connection")) < 0)
		goto out;
	if ((r = smtp_hello(s, helo)) < 0)
		goto out;
	if (!s->tls && c->tls != SMTP_TLS_NONE) {
		if (s->ext.starttls) {
			quit = false; /* a failed handshake leaves nobody to say QUIT to */
			if ((r = smtp_starttls(s, helo)) < 0)
				goto out;
			quit = true;
		} else if (c->tls == SMTP_TLS_REQUIRE_STARTTLS) {
			r = err_set(-EAGAIN, "mail server '%s' does not offer STARTTLS, which is required", c->host);
			goto out;
		}
	}
	if (c->user) {
		if (!s->tls && !host_is_loopback(c->host)) {
			r = err_set(-EAGAIN,
				    "mail server '%s' does not offer STARTTLS; not sending the password for '%s' in "
				    "the clear",
				    c->host, c->user);
			goto out;
		}
		if ((r = smtp_auth(s)) < 0)
			goto out;
	}
	if (s->ext.size) {
		if (s->ext.size_max > 0 && wire > s->ext.size_max) {
			r = err_set(-EPERM, "message of %zu bytes is larger than mail server '%s' accepts (%llu)", wire,
				    c->host, (unsigned long long)s->ext.size_max);
			goto out;
		}
		snprintf(size_param, sizeof(size_param), " SIZE=%zu", wire);
	}
	snprintf(step, sizeof(step), "the sender '%s'", *mail_from ? mail_from : "<>");
	if ((r = smtp_command(s, step, "MAIL FROM:<%s>%s", mail_from, size_param)) < 0 ||
	    (r = smtp_check(s, 250, step)) < 0)
		goto out;
	for (size_t i = 0; i < nrcpt; i++) {
		snprintf(step, sizeof(step), "the recipient '%s'", rcpt[i]);
		if ((r = smtp_command(s, step, "RCPT TO:<%s>", rcpt[i])) < 0 || (r = smtp_check(s, 250, step)) < 0)
			goto out;
	}
	if ((r = smtp_command(s, "DATA", "DATA")) < 0 || (r = smtp_check(s, 354, "DATA")) < 0)
		goto out;
	quit = false; /* until the server has the final ".", QUIT would be message text */
	if ((r = msg_lines(msg, len, smtp_put_line, s, NULL)) < 0 || (r = smtp_put(s, ".\r\n", 3)) < 0 ||
	    (r = smtp_flush(s)) < 0)
		goto out;
	if ((r = smtp_read_reply(s, "the message")) < 0)
		goto out;
	quit = true;
	r = smtp_check(s, 250, "the message");
out:
	if (quit && !s->broken && s->reply.code != 421 /* closing already */) {
		/* The outcome is settled; the goodbye is a courtesy and its failure is not one. */
		char saved[512];
		snprintf(saved, sizeof(saved), "%s", r < 0 ? err_msg(r) : "");
		s->timeout_us = SMTP_QUIT_TIMEOUT_US;
		smtp_command(s, "QUIT", "QUIT");
		if (r < 0)
			err_set(r, "%s", saved);
		else
			err_clear();
	}
	if (s)
		conn_close(s->conn);
	free(s);
	return r;
}
