/*
 * mail_compose.c: see mail_compose.h. Every value is checked before anything is
 * written; the text is then built in one bounded buffer. Non-ASCII header text goes
 * out as B-encoded words (base64 works the same in a Subject and in a display name,
 * where Q's rules differ), the body as quoted-printable.
 */
#include "mail/mail_compose.h"

#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/timeutil.h"

#define FOLD_AT 78	      /* RFC 5322's recommended line length */
#define QP_LINE 76	      /* RFC 2045's encoded line length, soft break included */
#define EW_OVERHEAD 12	      /* "=?UTF-8?B?" and "?=" */
#define EW_BYTES 45	      /* text in one encoded-word: 60 base64 characters, 72 in all */
#define ID_RANDOM_BYTES 16    /* randomness in a generated Message-ID */
#define OUT_SLACK (64 * 1024) /* headers, beyond the encoded body */
/* The output ceiling: quoted-printable at most triples the body, soft breaks add 3 bytes
 * in 76. Reaching it means a bug, not a large input: the inputs are bounded. */
#define OUT_MAX ((size_t)MAIL_TEXT_MAX * 4 + OUT_SLACK)

struct out {
	char *p;
	size_t len, cap;
	bool failed; /* out of memory or past OUT_MAX; the text is incomplete */
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (n + 1 > o->cap - o->len) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->len + n + 1 && cap <= OUT_MAX)
			cap *= 2;
		char *p = cap < o->len + n + 1 ? NULL : realloc(o->p, cap);
		if (!p) {
			o->failed = true;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

/* --- checks --- */

/* The length of the well-formed UTF-8 sequence at s (n bytes available): 1 to 4, or 0
 * when it is not one (overlong forms, surrogates and code points past U+10FFFF are
 * not). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* bounds of the second byte */
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static bool utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len((const unsigned char *)s + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/* Text for a header (a subject, a display name, an extra value): UTF-8, no line
 * breaks and no other control characters but tab, at most max bytes. */
static int check_header_text(const char *v, size_t max, const char *what)
{
	size_t len = strlen(v);
	if (len > max)
		return err_set(-EINVAL, "%s is longer than %zu bytes", what, max);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '\r' || c == '\n')
			return err_set(-EINVAL, "%s contains a line break, which could inject headers", what);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return err_set(-EINVAL, "%s contains a control character (0x%02x)", what, c);
	}
	if (!utf8_valid(v, len))
		return err_set(-EINVAL, "%s is not valid UTF-8", what);
	return 0;
}

static bool is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int mail_addr_check(const char *addr, const char *what)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	size_t len = addr ? strlen(addr) : 0;
	bool ok = at && len <= MAIL_ADDR_MAX && at > addr && (size_t)(at - addr) <= 64 && at[1];
	/* The local part: dot-atom (atext with single inner dots). */
	for (const char *p = addr; ok && p < at; p++)
		ok = is_atext((unsigned char)*p) || (*p == '.' && p > addr && p + 1 < at && p[1] != '.');
	/* The domain: labels of 1 to 63 letters, digits and inner hyphens. */
	size_t label = 0;
	for (const char *p = ok ? at + 1 : ""; ok && *p; p++) {
		char c = *p;
		if (c == '.') {
			ok = label > 0 && p[-1] != '-' && p[1] != '\0';
			label = 0;
		} else {
			ok = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			      (c == '-' && label > 0 && p[1] != '.' && p[1] != '\0')) &&
			     ++label <= 63;
		}
	}
	if (!ok) {
		if (!addr || !*addr)
			return err_set(-EINVAL, "%s is missing", what);
		/* The message shows the address only when it cannot break a log line. */
		for (const char *p = addr; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				return err_set(-EINVAL, "%s is not valid: it contains a control or non-ASCII character",
					       what);
		return err_set(-EINVAL, "%s '%.254s' is not a valid e-mail address", what, addr);
	}
	return 0;
}

/* A Message-ID without <>: one '@', printable ASCII on both sides, none of the
 * characters that end or break an msg-id. */
static int check_msgid(const char *id, size_t len, const char *what)
{
	const char *at = memchr(id, '@', len);
	bool ok = len >= 3 && len <= MAIL_MSGID_MAX && at && at > id && at < id + len - 1 &&
		  !memchr(at + 1, '@', (size_t)(id + len - at - 1));
	for (size_t i = 0; ok && i < len; i++) {
		unsigned char c = (unsigned char)id[i];
		ok = c > 0x20 && c < 0x7f && (c == '@' || !strchr("<>()[]\\,;:\"", c));
	}
	if (!ok) {
		for (size_t i = 0; i < len; i++)
			if (id[i] == '\r' || id[i] == '\n')
				return err_set(-EINVAL, "%s contains a line break, which could inject headers", what);
		return err_set(-EINVAL, "%s '%.*s' is not a valid message id (left@right, without <>)", what,
			       (int)(len > 100 ? 100 : len), id);
	}
	return 0;
}

/* Headers the composer writes itself; Content-* is reserved as a prefix. */
static bool header_reserved(const char *name)
{
	static const char *const reserved[] = {"Date",	       "From",	      "To",	    "Cc",	   "Bcc",
					       "Sender",       "Subject",     "Message-ID", "In-Reply-To", "References",
					       "MIME-Version", "Return-Path", "Received"};
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return true;
	return strncasecmp(name, "Content-", 8) == 0;
}

static int check_header_name(const char *name)
{
	size_t len = strlen(name);
	bool ok = len > 0 && len <= MAIL_HEADER_NAME_MAX;
	for (size_t i = 0; ok && i < len; i++)
		ok = name[i] > 0x20 && name[i] < 0x7f && name[i] != ':';
	if (strchr(name, '\r') || strchr(name, '\n'))
		return err_set(-EINVAL, "extra header name contains a line break, which could inject headers");
	if (!ok)
		return err_set(-EINVAL,
			       "extra header name '%.64s' is not valid: use up to %d printable ASCII characters "
			       "without ':'",
			       name, MAIL_HEADER_NAME_MAX);
	if (header_reserved(name))
		return err_set(-EINVAL, "extra header '%s' is written by the composer and cannot be set", name);
	return 0;
}

/* --- header writing --- */

static bool needs_encoding(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return true;
	return strstr(s, "=?") != NULL; /* it would read as an encoded-word */
}

/* Writes s as RFC 2047 B-encoded words, starting at column *col, split at character
 * boundaries and folded so lines stay near FOLD_AT. */
static void put_encoded(struct out *o, size_t *col, const char *s)
{
	size_t n = strlen(s), i = 0;
	while (i < n) {
		size_t room = EW_BYTES;
		if (i == 0) { /* the first word shares the line with what came before */
			size_t avail = *col + EW_OVERHEAD < FOLD_AT ? FOLD_AT - *col - EW_OVERHEAD : 0;
			room = avail / 4 * 3;
			if (room > EW_BYTES)
				room = EW_BYTES;
			if (room < 12) /* too little: take a full word on a long line */
				room = EW_BYTES;
		} else {
			out_add(o, "\r\n ", 3);
			*col = 1;
		}
		size_t end = i + room < n ? i + room : n;
		while (end < n && ((unsigned char)s[end] & 0xc0) == 0x80)
			end--;
		char b64[sodium_base64_ENCODED_LEN(EW_BYTES, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s + i, end - i,
				  sodium_base64_VARIANT_ORIGINAL);
		out_str(o, "=?UTF-8?B?");
		out_str(o, b64);
		out_str(o, "?=");
		*col += EW_OVERHEAD + strlen(b64);
		i = end;
	}
}

/* Writes ASCII s as it is, folding before a space when the line would pass FOLD_AT
 * (never leaving a line of only blanks); a word longer than a line stays whole. */
static void put_folded(struct out *o, size_t *col, const char *s)
{
	size_t n = strlen(s), i = 0;
	while (i < n) {
		size_t j = i, k;
		while (j < n && (s[j] == ' ' || s[j] == '\t'))
			j++;
		for (k = j; k < n && s[k] != ' ' && s[k] != '\t'; k++)
			;
		if (i > 0 && j > i && k > j && *col + (k - i) > FOLD_AT) {
			out_add(o, "\r\n", 2);
			*col = 0;
		}
		out_add(o, s + i, k - i);
		*col += k - i;
		i = k;
	}
}

/* An unstructured value (Subject, extra headers): "Name: value" and CRLF. */
static void put_unstructured(struct out *o, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;
	out_str(o, name);
	out_str(o, ": ");
	if (needs_encoding(value))
		put_encoded(o, &col, value);
	else
		put_folded(o, &col, value);
	out_add(o, "\r\n", 2);
}

/* "Name: display name <addr>" and CRLF; the name is a quoted-string, or encoded-words
 * when it is not ASCII. */
static void put_address(struct out *o, const char *header, const char *name, const char *addr)
{
	size_t col = strlen(header) + 2;
	out_str(o, header);
	out_str(o, ": ");
	if (!name || !*name) {
		out_str(o, addr);
		out_add(o, "\r\n", 2);
		return;
	}
	if (needs_encoding(name)) {
		put_encoded(o, &col, name);
	} else {
		out_add(o, "\"", 1);
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				out_add(o, "\\", 1);
			out_add(o, p, 1);
		}
		out_add(o, "\"", 1);
		col += strlen(name) + 2;
	}
	out_str(o, col + strlen(addr) + 3 > FOLD_AT ? "\r\n <" : " <");
	out_str(o, addr);
	out_str(o, ">\r\n");
}

/* "Name: <id>" and CRLF. */
static void put_msgid(struct out *o, const char *header, const char *id)
{
	out_str(o, header);
	out_str(o, ": <");
	out_str(o, id);
	out_str(o, ">\r\n");
}

struct id_span {
	const char *p;
	size_t len;
};

/* Splits and checks References: at most MAIL_REFERENCES_MAX kept, the first and the
 * latest ones, as RFC 5322 3.6.4 suggests when trimming. Returns the count kept. */
static int split_references(const char *refs, struct id_span kept[MAIL_REFERENCES_MAX], size_t *ret_n)
{
	size_t n = 0;
	const char *p = refs;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, " \t");
		int r = check_msgid(p, len, "a References id");
		if (r < 0)
			return r;
		struct id_span s = {p, len};
		if (n < MAIL_REFERENCES_MAX) {
			kept[n++] = s;
		} else { /* keep kept[0]; the rest slide to make room for the latest */
			memmove(&kept[1], &kept[2], (MAIL_REFERENCES_MAX - 2) * sizeof(kept[0]));
			kept[MAIL_REFERENCES_MAX - 1] = s;
		}
		p += len;
	}
	*ret_n = n;
	return 0;
}

static int format_date(int64_t t, char out[64])
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	time_t tt = (time_t)t;
	if (t < 0 || t > 253402300799LL /* 9999-12-31T23:59:59Z */ || !gmtime_r(&tt, &tm))
		return err_set(-EINVAL, "date %lld is out of range", (long long)t);
	snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return 0;
}

/* --- the body --- */

static bool qp_literal(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '=';
}

/* Quoted-printable (RFC 2045 6.7), CRLF line ends, lines of at most QP_LINE bytes. Any
 * of CRLF, LF or a lone CR ends a line. A line that would start with "From " has its F
 * encoded, so mbox files do not mangle it. */
static void put_qp(struct out *o, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *p = text, *end = text + strlen(text);
	while (p < end) {
		size_t len = strcspn(p, "\r\n"), col = 0;
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)p[i];
			bool last = i + 1 == len;
			bool lit = qp_literal(c) || ((c == ' ' || c == '\t') && !last);
			if (c == 'F' && len - i >= 5 && memcmp(p + i, "From ", 5) == 0 && col == 0)
				lit = false;
			size_t w = lit ? 1 : 3;
			if (col + w > (last ? QP_LINE : QP_LINE - 1)) {
				out_add(o, "=\r\n", 3);
				col = 0;
				if (c == 'F' && len - i >= 5 && memcmp(p + i, "From ", 5) == 0)
					lit = false, w = 3;
			}
			if (lit) {
				out_add(o, (const char *)&c, 1);
			} else {
				char e[3] = {'=', hex[c >> 4], hex[c & 15]};
				out_add(o, e, 3);
			}
			col += w;
		}
		out_add(o, "\r\n", 2);
		p += len;
		if (p < end && *p == '\r' && p + 1 < end && p[1] == '\n')
			p += 2;
		else if (p < end)
			p++; /* a lone CR or LF */
	}
}

/* --- mail_compose --- */

int mail_compose(const struct mail_out *m, char **ret_text, size_t *ret_len, char ret_message_id[MAIL_MSGID_SIZE])
{
	struct out o = {0};
	char date[64], id[MAIL_MSGID_SIZE];
	struct id_span refs[MAIL_REFERENCES_MAX];
	size_t nrefs = 0;
	const char *subject = m->subject ? m->subject : "", *text = m->text ? m->text : "";
	const char *auto_submitted = "auto-generated";
	int r;

	if ((r = mail_addr_check(m->from_addr, "sender address")) < 0 ||
	    (r = mail_addr_check(m->to_addr, "recipient address")) < 0)
		return r;
	if ((m->from_name && (r = check_header_text(m->from_name, MAIL_NAME_MAX, "sender name")) < 0) ||
	    (m->to_name && (r = check_header_text(m->to_name, MAIL_NAME_MAX, "recipient name")) < 0) ||
	    (r = check_header_text(subject, MAIL_SUBJECT_MAX, "subject")) < 0)
		return r;
	if (strlen(text) > MAIL_TEXT_MAX)
		return err_set(-EINVAL, "message text is longer than %d bytes", MAIL_TEXT_MAX);
	if (!utf8_valid(text, strlen(text)))
		return err_set(-EINVAL, "message text is not valid UTF-8");
	if ((m->message_id && (r = check_msgid(m->message_id, strlen(m->message_id), "Message-ID")) < 0) ||
	    (m->in_reply_to && (r = check_msgid(m->in_reply_to, strlen(m->in_reply_to), "In-Reply-To")) < 0) ||
	    (m->references && (r = split_references(m->references, refs, &nrefs)) < 0))
		return r;
	for (size_t i = 0; i < MAIL_EXTRA_HEADERS && m->extra_headers[i][0]; i++) {
		const char *name = m->extra_headers[i][0], *value = m->extra_headers[i][1];
		char what[MAIL_HEADER_NAME_MAX + 32];
		if (strcasecmp(name, "Auto-Submitted") == 0) {
			auto_submitted = value;
		} else if ((r = check_header_name(name)) < 0) {
			return r;
		}
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(m->extra_headers[j][0], name) == 0)
				return err_set(-EINVAL, "extra header '%s' is given twice", name);
		snprintf(what, sizeof(what), "header '%s'", name);
		if (!value)
			return err_set(-EINVAL, "%s has no value", what);
		if ((r = check_header_text(value, MAIL_HEADER_VALUE_MAX, what)) < 0)
			return r;
	}
	if ((r = format_date(m->date ? m->date : time_now(), date)) < 0)
		return r;

	if (m->message_id) {
		snprintf(id, sizeof(id), "%s", m->message_id);
	} else {
		char rnd[2 * ID_RANDOM_BYTES + 1];
		if (crypto_init() < 0)
			return err_set(-EIO, "cannot initialise the random number generator");
		crypto_random_hex(ID_RANDOM_BYTES, rnd);
		/* 33 + the domain (at most 253): may not fit MAIL_MSGID_MAX */
		if (snprintf(id, sizeof(id), "%s%s", rnd, strrchr(m->from_addr, '@')) > MAIL_MSGID_MAX)
			return err_set(-EINVAL, "sender domain is too long for a Message-ID; give one");
	}

	out_str(&o, "Date: ");
	out_str(&o, date);
	out_str(&o, "\r\n");
	put_address(&o, "From", m->from_name, m->from_addr);
	put_address(&o, "To", m->to_name, m->to_addr);
	put_unstructured(&o, "Subject", subject);
	put_msgid(&o, "Message-ID", id);
	if (m->in_reply_to)
		put_msgid(&o, "In-Reply-To", m->in_reply_to);
	if (nrefs > 0) {
		size_t col = strlen("References:");
		out_str(&o, "References:");
		for (size_t i = 0; i < nrefs; i++) {
			if (i > 0 && col + refs[i].len + 3 > FOLD_AT) {
				out_add(&o, "\r\n", 2);
				col = 0;
			}
			out_str(&o, " <");
			out_add(&o, refs[i].p, refs[i].len);
			out_str(&o, ">");
			col += refs[i].len + 3;
		}
		out_str(&o, "\r\n");
	}
	out_str(&o, "MIME-Version: 1.0\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n");
	put_unstructured(&o, "Auto-Submitted", auto_submitted);
	for (size_t i = 0; i < MAIL_EXTRA_HEADERS && m->extra_headers[i][0]; i++)
		if (strcasecmp(m->extra_headers[i][0], "Auto-Submitted") != 0)
			put_unstructured(&o, m->extra_headers[i][0], m->extra_headers[i][1]);
	out_str(&o, "\r\n");
	put_qp(&o, text);

	if (o.failed) {
		free(o.p);
		return err_set(-ENOMEM, "out of memory composing a message of %zu bytes", strlen(text));
	}
	*ret_text = o.p;
	*ret_len = o.len;
	memcpy(ret_message_id, id, strlen(id) + 1);
	return 0;
}
