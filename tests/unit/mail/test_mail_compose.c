/*
 * Unit tests for mail/mail_compose: the headers as built, CRLF everywhere, RFC 2047
 * encoded-words that decode back to the text, quoted-printable lines of at most 76
 * bytes that decode back to the body, threading headers, and the refusals: header
 * injection, bad addresses, invalid UTF-8, reserved or repeated extra headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "mail/mail_compose.h"

#define DATE_2026 1795735184 /* Thu, 26 Nov 2026 23:19:44 +0000 */

static struct mail_out base(void)
{
	struct mail_out m = {
	    .from_addr = "helpdesk@example.com",
	    .from_name = "Example IT",
	    .to_addr = "ann@example.org",
	    .to_name = "Ann Smith",
	    .subject = "[#1234] Printer on floor 2",
	    .text = "Hello Ann,\nyour ticket was updated.\n",
	    .message_id = "ticket-1234-5@example.com",
	    .date = DATE_2026,
	};
	return m;
}

/* Composes m, which must succeed, and checks what every message must be: CRLF line
 * ends only, no line over 998 bytes, a blank line after the headers, body lines of at
 * most 76 bytes of printable ASCII. */
static char *compose(const struct mail_out *m, char id[MAIL_MSGID_SIZE])
{
	char *text = NULL, dummy[MAIL_MSGID_SIZE];
	size_t len = 0;
	err_clear();
	int r = mail_compose(m, &text, &len, id ? id : dummy);
	if (r != 0)
		fail_msg("mail_compose: %d %s", r, err_msg(r));
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	const char *body = strstr(text, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	for (const char *p = text; *p;) {
		const char *eol = strstr(p, "\r\n");
		assert_non_null(eol); /* the text ends with CRLF */
		for (const char *q = p; q < eol; q++)
			assert_true(*q != '\r' && *q != '\n');
		assert_true(eol - p <= 998);
		if (p >= body) {
			assert_true(eol - p <= 76);
			for (const char *q = p; q < eol; q++)
				assert_true((*q >= 0x20 && *q < 0x7f) || *q == '\t');
		} else {
			for (const char *q = p; q < eol; q++)
				assert_true((unsigned char)*q < 0x80);
		}
		p = eol + 2;
	}
	return text;
}

/* The unfolded value of the n-th header called name (case-insensitive), or NULL. */
static char *header_n(const char *text, const char *name, int n)
{
	size_t nl = strlen(name);
	const char *end = strstr(text, "\r\n\r\n");
	for (const char *p = text; p < end; p = strstr(p, "\r\n") + 2) {
		if (strncasecmp(p, name, nl) != 0 || p[nl] != ':' || n-- > 0)
			continue;
		const char *v = p + nl + 1, *q = v;
		while (*v == ' ')
			v++;
		for (q = v; q < end + 2; q = strstr(q, "\r\n") + 2)
			if (q != v && q[-2] == '\r' && q[0] != ' ' && q[0] != '\t')
				break;
		/* q: the start of the next header; unfold the CRLFs in between */
		char *out = malloc((size_t)(q - v) + 1);
		size_t k = 0;
		assert_non_null(out);
		for (const char *s = v; s < q - 2; s++) {
			if (s[0] == '\r' && s[1] == '\n')
				s++;
			else
				out[k++] = *s;
		}
		out[k] = '\0';
		return out;
	}
	return NULL;
}

static char *header(const char *text, const char *name)
{
	return header_n(text, name, 0);
}

static void assert_header(const char *text, const char *name, const char *want)
{
	char *v = header(text, name);
	if (!v)
		fail_msg("no %s header in:\n%s", name, text);
	assert_string_equal(v, want);
	free(v);
	v = header_n(text, name, 1);
	assert_null(v); /* exactly once */
}

static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = s[i] < 0x80 ? 1 : s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : s[i] >= 0xc2 ? 2 : 0;
		if (k == 0 || i + k > n)
			return false;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

/* Decodes a value made of B-encoded words only (what the composer writes for non-ASCII
 * text): each word at most 75 characters and whole characters by itself. */
static char *decode_words(const char *value)
{
	char *out = calloc(1, strlen(value) + 1);
	size_t k = 0;
	assert_non_null(out);
	for (const char *p = value; *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n == 0)
			break;
		assert_true(n <= 75);
		assert_true(strncmp(p, "=?UTF-8?B?", 10) == 0);
		assert_true(strncmp(p + n - 2, "?=", 2) == 0);
		size_t len = 0;
		assert_int_equal(sodium_base642bin((unsigned char *)out + k, strlen(value) - k, p + 10, n - 12, NULL,
						   &len, NULL, sodium_base64_VARIANT_ORIGINAL),
				 0);
		assert_true(utf8_ok((unsigned char *)out + k, len));
		k += len;
		p += n;
	}
	out[k] = '\0';
	return out;
}

/* Quoted-printable to bytes: soft breaks dropped, =XX decoded, CRLF kept. */
static char *qp_decode(const char *body)
{
	char *out = malloc(strlen(body) + 1);
	size_t k = 0;
	assert_non_null(out);
	for (const char *p = body; *p; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;
		} else if (p[0] == '=') {
			unsigned int v;
			assert_true(sscanf(p + 1, "%2X", &v) == 1);
			assert_true(strchr("0123456789ABCDEF", p[1]) && strchr("0123456789ABCDEF", p[2]));
			out[k++] = (char)v;
			p += 2;
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
	return out;
}

static const char *body_of(const char *text)
{
	return strstr(text, "\r\n\r\n") + 4;
}

/* Every line of the body: no trailing blank before a hard line end. */
static void check_qp_trailing(const char *body)
{
	for (const char *p = body; *p; p = strstr(p, "\r\n") + 2) {
		const char *eol = strstr(p, "\r\n");
		if (eol > p)
			assert_true(eol[-1] != ' ' && eol[-1] != '\t');
	}
}

static void expect_refused(const struct mail_out *m, const char *words)
{
	char *text = (char *)"untouched", id[MAIL_MSGID_SIZE] = "untouched";
	size_t len = 12345;
	err_clear();
	int r = mail_compose(m, &text, &len, id);
	if (r != -EINVAL)
		fail_msg("expected -EINVAL (%s), got %d: %s", words, r, r ? err_msg(r) : text);
	if (!strstr(err_msg(r), words))
		fail_msg("message '%s' does not say '%s'", err_msg(r), words);
	assert_string_equal(text, "untouched");
	assert_int_equal(len, 12345);
	assert_string_equal(id, "untouched");
}

/* --- tests --- */

static void test_headers_as_built(void **state)
{
	struct mail_out m = base();
	m.in_reply_to = "ticket-1234-4@example.com";
	m.references = "CAF=x+y@mail.example.net ticket-1234-4@example.com";
	m.extra_headers[0][0] = "X-Ward-Ticket";
	m.extra_headers[0][1] = "1234";
	char id[MAIL_MSGID_SIZE];
	char *text = compose(&m, id);
	assert_string_equal(id, "ticket-1234-5@example.com");
	assert_string_equal(text, "Date: Thu, 26 Nov 2026 23:19:44 +0000\r\n"
				  "From: \"Example IT\" <helpdesk@example.com>\r\n"
				  "To: \"Ann Smith\" <ann@example.org>\r\n"
				  "Subject: [#1234] Printer on floor 2\r\n"
				  "Message-ID: <ticket-1234-5@example.com>\r\n"
				  "In-Reply-To: <ticket-1234-4@example.com>\r\n"
				  "References: <CAF=x+y@mail.example.net> <ticket-1234-4@example.com>\r\n"
				  "MIME-Version: 1.0\r\n"
				  "Content-Type: text/plain; charset=utf-8\r\n"
				  "Content-Transfer-Encoding: quoted-printable\r\n"
				  "Auto-Submitted: auto-generated\r\n"
				  "X-Ward-Ticket: 1234\r\n"
				  "\r\n"
				  "Hello Ann,\r\n"
				  "your ticket was updated.\r\n");
	free(text);
}

static void test_minimal(void **state)
{
	struct mail_out m = {.from_addr = "a@example.com", .to_addr = "b@example.com"};
	char id[MAIL_MSGID_SIZE];
	int64_t before = time_now();
	char *text = compose(&m, id);
	/* A random id at the sender's domain, the same in the header. */
	assert_int_equal(strlen(id), 32 + strlen("@example.com"));
	assert_int_equal(strspn(id, "0123456789abcdef"), 32);
	assert_string_equal(id + 32, "@example.com");
	char want[300];
	snprintf(want, sizeof(want), "<%s>", id);
	assert_header(text, "Message-ID", want);
	assert_header(text, "From", "a@example.com");
	assert_header(text, "To", "b@example.com");
	assert_header(text, "Subject", "");
	assert_header(text, "Auto-Submitted", "auto-generated");
	assert_null(header(text, "In-Reply-To"));
	assert_null(header(text, "References"));
	assert_string_equal(body_of(text), "");
	/* Date is now, in UTC. */
	char *date = header(text, "Date");
	assert_non_null(strstr(date, " +0000"));
	assert_int_equal(strlen(date), strlen("Thu, 26 Nov 2026 23:19:44 +0000"));
	free(date);
	(void)before;

	char id2[MAIL_MSGID_SIZE];
	char *text2 = compose(&m, id2);
	assert_string_not_equal(id, id2);
	free(text);
	free(text2);
}

static void test_injection_refused(void **state)
{
	struct mail_out m;
	static const char *const breaks[] = {"a\r\nBcc: x@example.net", "a\nBcc: x@example.net", "a\rb", "\n"};
	for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		m = base();
		m.subject = breaks[i];
		expect_refused(&m, "subject contains a line break");
		m = base();
		m.from_name = breaks[i];
		expect_refused(&m, "sender name contains a line break");
		m = base();
		m.to_name = breaks[i];
		expect_refused(&m, "recipient name contains a line break");
		m = base();
		m.extra_headers[0][0] = "X-Ward-Ticket";
		m.extra_headers[0][1] = breaks[i];
		expect_refused(&m, "header 'X-Ward-Ticket' contains a line break");
		m = base();
		m.in_reply_to = breaks[i];
		expect_refused(&m, "In-Reply-To");
		m = base();
		m.message_id = breaks[i];
		expect_refused(&m, "Message-ID");
	}
	m = base();
	m.to_addr = "ann@example.org\r\nBcc: x@example.net";
	expect_refused(&m, "recipient address is not valid");
	m = base();
	m.from_addr = "helpdesk@example.com\n";
	expect_refused(&m, "sender address is not valid");
	m = base();
	m.in_reply_to = "a@example.com>\r\nBcc: <x@example.net";
	expect_refused(&m, "line break");
	m = base();
	m.references = "a@example.com b@example.com>\r\nBcc: <x@example.net";
	expect_refused(&m, "References");
	m = base();
	m.extra_headers[0][0] = "X-Evil\r\nBcc";
	m.extra_headers[0][1] = "x@example.net";
	expect_refused(&m, "line break");
	m = base();
	m.subject = "tab\tis fine but not \x1b[31m escape";
	expect_refused(&m, "control character (0x1b)");
	m = base();
	m.subject = "delete \x7f";
	expect_refused(&m, "control character (0x7f)");
}

static void test_values_checked(void **state)
{
	struct mail_out m = base();
	m.subject = "caf\xc3";
	expect_refused(&m, "subject is not valid UTF-8");
	m.subject = "overlong \xc0\xaf";
	expect_refused(&m, "subject is not valid UTF-8");
	m.subject = "surrogate \xed\xa0\x80";
	expect_refused(&m, "subject is not valid UTF-8");
	m = base();
	m.text = "body \xff\n";
	expect_refused(&m, "message text is not valid UTF-8");
	m = base();
	char long_subject[MAIL_SUBJECT_MAX + 2];
	memset(long_subject, 'x', sizeof(long_subject) - 1);
	long_subject[sizeof(long_subject) - 1] = '\0';
	m.subject = long_subject;
	expect_refused(&m, "subject is longer than");

	/* Extra headers: reserved names, bad names, repeats, missing values. */
	static const char *const reserved[] = {
	    "From",	    "to",	  "BCC", "Subject", "Message-Id", "content-type", "Content-Disposition",
	    "MIME-Version", "References", "Date"};
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		m = base();
		m.extra_headers[0][0] = reserved[i];
		m.extra_headers[0][1] = "x";
		expect_refused(&m, "is written by the composer");
	}
	static const char *const bad_names[] = {"X Ward", "X-Ward:", "", "X-\xc3\xa9"};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		m = base();
		m.extra_headers[0][0] = bad_names[i];
		m.extra_headers[0][1] = "x";
		expect_refused(&m, "is not valid");
	}
	m = base();
	m.extra_headers[0][0] = "X-Ward-Ticket";
	m.extra_headers[0][1] = "1";
	m.extra_headers[1][0] = "x-ward-ticket";
	m.extra_headers[1][1] = "2";
	expect_refused(&m, "given twice");
	m = base();
	m.extra_headers[0][0] = "X-Ward-Ticket";
	expect_refused(&m, "has no value");

	static const char *const bad_ids[] = {"noat", "@example.com", "a@", "a@b@c", "a b@c", "<a@b>", "a@[1.2.3.4]"};
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		m = base();
		m.message_id = bad_ids[i];
		expect_refused(&m, "not a valid message id");
	}
	m = base();
	m.date = -1;
	expect_refused(&m, "out of range");
	m = base();
	m.from_addr = NULL;
	expect_refused(&m, "sender address is missing");
}

static void test_addresses(void **state)
{
	static const char *const good[] = {
	    "a@b",
	    "root@localhost",
	    "first.last+tag@mail.example.co.uk",
	    "!#$%&'*+-/=?^_`{|}~@example.com",
	    "x@a-b.example",
	    "x@123.example",
	    "1234567890123456789012345678901234567890123456789012345678901234@example.com",
	};
	static const char *const bad[] = {
	    "",
	    "@example.com",
	    "a@",
	    "a",
	    "a..b@example.com",
	    ".a@example.com",
	    "a.@example.com",
	    "a@-example.com",
	    "a@example-.com",
	    "a@example..com",
	    "a@example.com.",
	    "a@.example.com",
	    "a b@example.com",
	    "a@b@example.com",
	    "<a>@example.com",
	    "\"quoted\"@example.com",
	    "a@[192.0.2.1]",
	    "j\xc3\xb6rg@example.com",
	    "a@exa_mple.com",
	    "12345678901234567890123456789012345678901234567890123456789012345@example.com",
	    "a@1234567890123456789012345678901234567890123456789012345678901234.com",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err_clear();
		if (mail_addr_check(good[i], "address") != 0)
			fail_msg("'%s' refused: %s", good[i], err_msg(-EINVAL));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mail_addr_check(bad[i], "address") != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	char lng[300];
	memset(lng, 'a', sizeof(lng));
	memcpy(lng + 60, "@", 1);
	for (size_t i = 110; i < 290; i += 50)
		lng[i] = '.';
	lng[255] = '\0'; /* 255 bytes: one over MAIL_ADDR_MAX */
	assert_int_equal(mail_addr_check(lng, "address"), -EINVAL);
	lng[254] = '\0';
	assert_int_equal(mail_addr_check(lng, "address"), 0);
}

static void test_encoded_subject(void **state)
{
	static const char *const subjects[] = {
	    "Drucker im B\xc3\xbc"
	    "ro defekt",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d",
	    /* long, mixed, with 4-byte characters where a split would break them */
	    "\xf0\x9f\x96\xa8 Printer \xf0\x9f\x96\xa8 on the second floor keeps jamming \xe2\x80\x94 "
	    "\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    " and then some more text to need several encoded-words in a row",
	    /* ASCII that would read as an encoded-word */
	    "=?UTF-8?B?aGk=?= is not an encoded word here",
	};
	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		struct mail_out m = base();
		m.subject = subjects[i];
		m.from_name = subjects[i];
		char *text = compose(&m, NULL);
		/* Folded lines of at most 78 bytes around the words. */
		for (const char *p = text; p < body_of(text); p = strstr(p, "\r\n") + 2)
			assert_true(strstr(p, "\r\n") - p <= 78);
		char *v = header(text, "Subject");
		char *d = decode_words(v);
		assert_string_equal(d, subjects[i]);
		free(v);
		free(d);
		/* The display name, likewise, then the address. */
		v = header(text, "From");
		char *lt = strrchr(v, '<');
		assert_non_null(lt);
		assert_string_equal(lt, "<helpdesk@example.com>");
		lt[-1] = '\0';
		d = decode_words(v);
		assert_string_equal(d, subjects[i]);
		free(v);
		free(d);
		free(text);
	}
}

static void test_ascii_folding(void **state)
{
	struct mail_out m = base();
	const char *subject = "[#1234] A rather long subject line about the printer on the second floor that "
			      "keeps jamming whenever somebody prints more than   ten pages at once";
	m.subject = subject;
	m.to_name = "Ann \"the admin\" Smith \\ IT";
	char *text = compose(&m, NULL);
	char *v = header(text, "Subject");
	assert_string_equal(v, subject); /* unfolding gives it back, blanks included */
	free(v);
	for (const char *p = text; p < strstr(text, "\r\n\r\n"); p = strstr(p, "\r\n") + 2) {
		assert_true(strstr(p, "\r\n") - p <= 78);
		assert_true(p[strspn(p, " \t")] != '\r'); /* no line of blanks only */
	}
	assert_header(text, "To", "\"Ann \\\"the admin\\\" Smith \\\\ IT\" <ann@example.org>");
	free(text);
}

static void test_quoted_printable(void **state)
{
	char big[3000];
	size_t k = 0;
	k += (size_t)snprintf(big + k, sizeof(big) - k,
			      "Gr\xc3\xbc\xc3\x9f"
			      "e = 100%%\r\n");
	k += (size_t)snprintf(big + k, sizeof(big) - k, "trailing blanks   \n\ttab\tinside\t\r");
	k += (size_t)snprintf(big + k, sizeof(big) - k, ".a line with a leading dot\n.\n");
	k += (size_t)snprintf(big + k, sizeof(big) - k, "From the desk of IT\n");
	for (int i = 0; i < 40; i++) /* a long line of mixed text */
		k += (size_t)snprintf(big + k, sizeof(big) - k, "w\xc3\xb6rd=%d ", i);
	k += (size_t)snprintf(big + k, sizeof(big) - k, "\n");
	for (int i = 0; i < 200; i++) /* a long line of one word: only soft breaks */
		big[k++] = (char)('a' + i % 26);
	k += (size_t)snprintf(big + k, sizeof(big) - k, "\n\n\nno newline at the end");
	struct mail_out m = base();
	m.text = big;
	char *text = compose(&m, NULL);
	const char *body = body_of(text);
	check_qp_trailing(body);
	/* The expected text: every line end CRLF, one added at the end. */
	char want[3200];
	size_t w = 0;
	for (const char *p = big; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\r' || *p == '\n') {
			want[w++] = '\r';
			want[w++] = '\n';
		} else {
			want[w++] = *p;
		}
	}
	memcpy(want + w, "\r\n", 3);
	char *got = qp_decode(body);
	assert_string_equal(got, want);
	free(got);
	/* Specific encodings. */
	assert_non_null(strstr(body, "Gr=C3=BC=C3=9Fe =3D 100%\r\n"));
	assert_non_null(strstr(body, "trailing blanks  =20\r\n"));
	assert_non_null(strstr(body, "\ttab\tinside=09\r\n"));
	assert_non_null(strstr(body, "\r\n.a line with a leading dot\r\n.\r\n"));
	assert_non_null(strstr(body, "\r\n=46rom the desk of IT\r\n"));
	assert_non_null(strstr(body, "\r\nno newline at the end\r\n"));
	free(text);

	/* A line exactly 76 long stays whole; 77 gets a soft break. */
	char line[80];
	memset(line, 'x', 77);
	line[76] = '\0';
	m.text = line;
	text = compose(&m, NULL);
	assert_int_equal(strlen(body_of(text)), 78);
	free(text);
	line[76] = 'x';
	line[77] = '\0';
	text = compose(&m, NULL);
	assert_non_null(strstr(body_of(text), "=\r\n"));
	got = qp_decode(body_of(text));
	assert_int_equal(strlen(got), 79);
	free(got);
	free(text);
	/* Escapes are never split by a soft break. */
	char umlauts[400] = "";
	for (int i = 0; i < 60; i++)
		strcat(umlauts, i % 7 ? "\xc3\xbc" : "x\xc3\xbc"); // lint: allow (test data)
	m.text = umlauts;
	text = compose(&m, NULL);
	for (const char *p = body_of(text); *p; p = strstr(p, "\r\n") + 2) {
		const char *eol = strstr(p, "\r\n");
		for (const char *q = p; q < eol; q++)
			if (*q == '=' && q + 1 < eol)
				assert_true(q + 3 <= eol);
	}
	got = qp_decode(body_of(text));
	assert_memory_equal(got, umlauts, strlen(umlauts));
	free(got);
	free(text);
}

static void test_references(void **state)
{
	char refs[2000] = "", id[64];
	for (int i = 0; i < 30; i++) {
		snprintf(id, sizeof(id), "%sticket-7-%d@example.com", i ? " " : "", i);
		strcat(refs, id); // lint: allow (test data)
	}
	struct mail_out m = base();
	m.references = refs;
	m.in_reply_to = "ticket-7-29@example.com";
	char *text = compose(&m, NULL);
	char *v = header(text, "References");
	/* The first, then the latest 19. */
	char want[2000] = "<ticket-7-0@example.com>";
	for (int i = 11; i < 30; i++) {
		snprintf(id, sizeof(id), " <ticket-7-%d@example.com>", i);
		strcat(want, id); // lint: allow (test data)
	}
	assert_string_equal(v, want);
	free(v);
	for (const char *p = text; p < body_of(text); p = strstr(p, "\r\n") + 2)
		assert_true(strstr(p, "\r\n") - p <= 78);
	assert_header(text, "In-Reply-To", "<ticket-7-29@example.com>");
	free(text);

	m.references = "  a@example.com\t b@example.com  ";
	text = compose(&m, NULL);
	assert_header(text, "References", "<a@example.com> <b@example.com>");
	free(text);
}

static void test_auto_submitted_and_extras(void **state)
{
	struct mail_out m = base();
	m.extra_headers[0][0] = "auto-submitted";
	m.extra_headers[0][1] = "auto-replied";
	m.extra_headers[1][0] = "X-Ward-Ticket";
	m.extra_headers[1][1] = "1234";
	m.extra_headers[2][0] = "X-Ward-Title";
	m.extra_headers[2][1] = "Caf\xc3\xa9 Wi-Fi";
	m.extra_headers[3][0] = "Reply-To";
	m.extra_headers[3][1] = "support@example.com";
	char *text = compose(&m, NULL);
	assert_header(text, "Auto-Submitted", "auto-replied");
	assert_header(text, "X-Ward-Ticket", "1234");
	assert_header(text, "Reply-To", "support@example.com");
	char *v = header(text, "X-Ward-Title"), *d = decode_words(v);
	assert_string_equal(d, "Caf\xc3\xa9 Wi-Fi");
	free(v);
	free(d);
	free(text);

	/* All eight slots, no terminator needed. */
	m = base();
	static const char *const names[MAIL_EXTRA_HEADERS] = {"X-A", "X-B", "X-C", "X-D", "X-E", "X-F", "X-G", "X-H"};
	for (int i = 0; i < MAIL_EXTRA_HEADERS; i++) {
		m.extra_headers[i][0] = names[i];
		m.extra_headers[i][1] = "v";
	}
	text = compose(&m, NULL);
	assert_header(text, "X-H", "v");
	assert_header(text, "Auto-Submitted", "auto-generated");
	free(text);
}

static void test_non_ascii_names(void **state)
{
	struct mail_out m = base();
	m.from_name = "Service Desk M\xc3\xbcller & S\xc3\xb6hne";
	m.to_name = "";
	char *text = compose(&m, NULL);
	assert_header(text, "To", "ann@example.org");
	char *v = header(text, "From");
	assert_true(strncmp(v, "=?UTF-8?B?", 10) == 0);
	free(v);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_headers_as_built),  cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_injection_refused), cmocka_unit_test(test_values_checked),
	    cmocka_unit_test(test_addresses),	      cmocka_unit_test(test_encoded_subject),
	    cmocka_unit_test(test_ascii_folding),     cmocka_unit_test(test_quoted_printable),
	    cmocka_unit_test(test_references),	      cmocka_unit_test(test_auto_submitted_and_extras),
	    cmocka_unit_test(test_non_ascii_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
