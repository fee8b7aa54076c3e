/*
 * smtp.h: sending one message by SMTP (RFC 5321) over core/conn: EHLO or HELO,
 * STARTTLS or TLS from the start, AUTH PLAIN or LOGIN, the envelope, DATA with
 * dot-stuffing, QUIT. Failures say whether trying again later may help.
 */
#ifndef WARD_SMTP_H
#define WARD_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits. A server's reply is bounded in line length, line count and total size, so a
 * hostile server cannot make the client hold more than SMTP_REPLY_MAX bytes. */
#define SMTP_REPLY_LINE_MAX 1024	/* one reply line with its CRLF (RFC 5321 says 512) */
#define SMTP_REPLY_LINES_MAX 64		/* lines in one reply (an EHLO list) */
#define SMTP_REPLY_MAX (16 * 1024)	/* one reply, all lines */
#define SMTP_RCPT_MAX 100		/* recipients of one message (RFC 5321 4.5.3.1.8) */
#define SMTP_MSG_MAX (32 * 1024 * 1024) /* a message, before dot-stuffing */
#define SMTP_MSG_LINE_MAX 998		/* a message line, without its CRLF */
#define SMTP_TIMEOUT_DEFAULT 60		/* seconds for each step when timeout_s is 0 */
#define SMTP_TIMEOUT_MAX 3600
#define SMTP_CRED_MAX 512 /* a user name or password */

enum smtp_tls {
	SMTP_TLS_STARTTLS,	   /* STARTTLS when the server offers it (the default) */
	SMTP_TLS_REQUIRE_STARTTLS, /* STARTTLS, or fail */
	SMTP_TLS_IMPLICIT,	   /* TLS from the first byte (port 465) */
	SMTP_TLS_NONE,		   /* plain text throughout */
};

struct smtp_config {
	const char *host;      /* a name or an IP address (required) */
	const char *port;      /* NULL: "465" with SMTP_TLS_IMPLICIT, else "25" */
	const char *helo_name; /* the name given in EHLO; NULL: this machine's host name */
	const char *user;      /* NULL: no AUTH */
	const char *password;  /* with user */
	const char *ca_file;   /* PEM CA(s) to trust; NULL: the system's CAs. The server's
				* name is checked against its certificate either way. */
	enum smtp_tls tls;
	long timeout_s; /* seconds for each step: connecting (with TLS), sending a command,
			 * waiting for a reply, sending each 16 KB of the message (as RFC
			 * 5321 4.5.3.2 times them); 0: SMTP_TIMEOUT_DEFAULT */
};

/* Sends msg (len bytes: RFC 5322 text, e.g. from mail_compose()) from mail_from (""
 * is the null sender, <>) to nrcpt recipients. Line ends are normalised to CRLF (any of
 * CRLF, LF or a lone CR ends a line) and lines starting with '.' are stuffed. The
 * password is only sent over TLS, or in the clear to a loopback host (localhost,
 * 127.0.0.0/8, ::1). All or nothing: when any recipient is refused, nothing is sent.
 *
 * Errors (err_msg() says which step failed and quotes the server's reply):
 *   -EAGAIN  a 4xx reply, or the connection or TLS failed, timed out or was cut, or
 *            the server does not speak SMTP properly, or STARTTLS was required (or
 *            needed for AUTH) and not offered: trying again later may help.
 *   -EPERM   a 5xx reply (a refused sender or recipient, failed authentication, a
 *            message too large): the same message will fail the same way.
 *   -EINVAL  bad arguments (an invalid address, a NUL byte or an over-long line in
 *            msg, AUTH in the clear to a host that is not loopback), before connecting.
 *   -ENOMEM */
int smtp_send(const struct smtp_config *c, const char *mail_from, const char *const *rcpt, size_t nrcpt,
	      const char *msg, size_t len);

/* One reply, parsed. */
struct smtp_reply {
	int code;		   /* 200 to 599 */
	size_t nlines;		   /* 1 to SMTP_REPLY_LINES_MAX */
	char text[SMTP_REPLY_MAX]; /* the lines' texts after "NNN-" / "NNN ", joined by
				    * '\n'; control characters other than tab become '?' */
	size_t text_len;
};

/* Parses the reply at the start of buf[0..len): lines "NNN-text" ending with one
 * "NNN text" (or "NNN"), all with the same code, each ended by CRLF (or LF). On success
 * writes *ret and *ret_consumed (the bytes of the reply; a caller keeps the rest).
 * -EAGAIN: incomplete, read more. -EBADMSG (with a message): not a reply, a line
 * longer than SMTP_REPLY_LINE_MAX, more than SMTP_REPLY_LINES_MAX lines or
 * SMTP_REPLY_MAX bytes, codes that differ between lines. It never needs more than
 * SMTP_REPLY_MAX bytes to decide. */
int smtp_reply_parse(const char *buf, size_t len, struct smtp_reply *ret, size_t *ret_consumed);

/* What an EHLO reply offers. */
struct smtp_ehlo {
	bool starttls;
	bool auth_plain, auth_login;
	bool size;	   /* SIZE (RFC 1870): MAIL FROM may say the message's size */
	uint64_t size_max; /* SIZE's limit in bytes, 0 when none is given */
};

/* Reads the extension keywords (case-insensitive) of a 250 reply to EHLO; the first line
 * is the greeting. Unknown keywords are ignored. */
void smtp_ehlo_parse(const struct smtp_reply *reply, struct smtp_ehlo *ret);

#endif
