/*
 * mail_compose.h: one outgoing notification as RFC 5322 text: checked headers (no
 * CR/LF injection, sane addresses), RFC 2047 encoded-words for non-ASCII, a UTF-8
 * body in quoted-printable with CRLF lines, threading headers, and the
 * Auto-Submitted header that keeps other robots from answering.
 */
#ifndef WARD_MAIL_COMPOSE_H
#define WARD_MAIL_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

/* Limits on what a caller may hand in (input bytes, before any encoding). */
#define MAIL_ADDR_MAX 254		/* an addr-spec (RFC 5321's path limit less the <>) */
#define MAIL_NAME_MAX 200		/* a display name */
#define MAIL_SUBJECT_MAX 900		/* the subject */
#define MAIL_HEADER_VALUE_MAX 900	/* an extra header's value */
#define MAIL_HEADER_NAME_MAX 64		/* an extra header's name */
#define MAIL_EXTRA_HEADERS 8		/* extra headers in struct mail_out */
#define MAIL_MSGID_MAX 250		/* a message id, without the <> */
#define MAIL_REFERENCES_MAX 20		/* ids kept in References: the first and the latest */
#define MAIL_TEXT_MAX (4 * 1024 * 1024) /* the body */
#define MAIL_MSGID_SIZE 256		/* the ret_message_id buffer */

struct mail_out {
	const char *from_addr;	 /* "helpdesk@example.com" (required) */
	const char *from_name;	 /* "Example IT", UTF-8, or NULL */
	const char *to_addr;	 /* required */
	const char *to_name;	 /* UTF-8, or NULL */
	const char *subject;	 /* UTF-8; NULL is an empty subject */
	const char *text;	 /* the UTF-8 body, any line endings; NULL is empty */
	const char *message_id;	 /* without <>; NULL: random@<domain of from_addr> */
	const char *in_reply_to; /* without <>, or NULL */
	const char *references;	 /* ids without <> separated by spaces, or NULL */
	/* {name, value} pairs ended by a NULL name, e.g. {"X-Ward-Ticket", "1234"}. The
	 * headers the composer writes itself may not appear, except Auto-Submitted, whose
	 * value then replaces "auto-generated" (say "auto-replied" for an answer to a
	 * message). Non-ASCII values are encoded as unstructured text. */
	const char *extra_headers[MAIL_EXTRA_HEADERS][2];
	int64_t date; /* Unix seconds; 0 is now */
};

/* Composes m into a message ready for smtp_send(): headers Date (UTC, "+0000"), From,
 * To, Subject, Message-ID, In-Reply-To and References (when given), MIME-Version,
 * Content-Type (text/plain; charset=utf-8), Content-Transfer-Encoding
 * (quoted-printable), Auto-Submitted and the extra headers; lines end in CRLF and none
 * is longer than 998 bytes (body lines at most 76). *ret_text is NUL-terminated and
 * the caller frees it; ret_message_id gets the Message-ID without <>. Errors: -EINVAL
 * (a missing or invalid address, CR or LF or another control character in a header
 * value, text that is not UTF-8, a value over its limit, a reserved or repeated extra
 * header), -ENOMEM. Nothing is written to the ret_ outputs on failure. */
int mail_compose(const struct mail_out *m, char **ret_text, size_t *ret_len, char ret_message_id[MAIL_MSGID_SIZE]);

/* Checks an addr-spec: a dot-atom local part of at most 64 bytes, '@', and a domain of
 * letters, digits and inner hyphens in dot-separated labels; ASCII only. what names the
 * address in the message ("sender address"). 0 or -EINVAL. */
int mail_addr_check(const char *addr, const char *what);

#endif
