/*
 * Unit tests for mail_parse: the messages in tests/fixtures/mail (plain, alternative,
 * HTML-only, encoded, reply, attachments, auto-reply, bounce, bulk, garbage, no From),
 * messages built here (robot rules, charsets, file names, every limit), the HTML
 * reducer on its own, and that parsing the same message again and again does not grow
 * the heap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fs.h"
#include "mail/mail_parse.h"

/* --- helpers --- */

/* A growing string for building messages. */
struct sb {
	char *p;
	size_t len, cap;
};

static void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void sb_repeat(struct sb *b, const char *s, size_t times)
{
	for (size_t i = 0; i < times; i++)
		sb_add(b, "%s", s);
}

static char *fixture(const char *name, size_t *ret_len)
{
	char path[4096];
	char *data = NULL;
	const char *src = getenv("WARD_SRC");
	int n = snprintf(path, sizeof(path), "%s/tests/fixtures/mail/%s", src && *src ? src : ".", name);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	assert_int_equal(fs_read_file(path, MAIL_MAX + 1, &data, ret_len), 0);
	return data;
}

static bool utf8_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	while (*u) {
		size_t n = *u < 0x80		      ? 1
			   : *u >= 0xc2 && *u <= 0xdf ? 2
			   : *u >= 0xe0 && *u <= 0xef ? 3
			   : *u >= 0xf0 && *u <= 0xf4 ? 4
						      : 0;
		if (n == 0)
			return false;
		uint32_t cp = n == 1 ? *u : (uint32_t)(*u & (0xff >> (n + 1)));
		for (size_t i = 1; i < n; i++) {
			if ((u[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (u[i] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		u += n;
	}
	return true;
}

/* What the header promises of every parsed message. */
static void check_message(const struct mail_message *m)
{
	assert_non_null(m->from_addr);
	assert_true(utf8_ok(m->from_addr) && strchr(m->from_addr, '@'));
	for (const char *p = m->from_addr; *p; p++)
		assert_false(*p >= 'A' && *p <= 'Z');
	assert_true(strlen(m->from_addr) <= MAIL_PARSE_ADDR_MAX);
	if (m->from_name) {
		assert_true(*m->from_name && utf8_ok(m->from_name));
		assert_true(strlen(m->from_name) <= MAIL_PARSE_NAME_MAX);
	}
	assert_non_null(m->subject);
	assert_true(utf8_ok(m->subject) && strlen(m->subject) <= MAIL_PARSE_SUBJECT_MAX);
	assert_null(strpbrk(m->subject, "\r\n\t"));
	const char *ids[] = {m->message_id, m->in_reply_to};
	for (size_t i = 0; i < 2; i++)
		if (ids[i])
			assert_true(*ids[i] && strlen(ids[i]) <= MAIL_PARSE_ID_MAX && !strpbrk(ids[i], "<> ") &&
				    utf8_ok(ids[i]));
	assert_true(m->nreferences <= MAIL_PARSE_REFERENCES_MAX);
	for (size_t i = 0; i < m->nreferences; i++)
		assert_true(*m->references[i] && !strpbrk(m->references[i], "<> ") && utf8_ok(m->references[i]));
	assert_non_null(m->text);
	assert_true(utf8_ok(m->text) && strlen(m->text) <= MAIL_PARSE_TEXT_MAX);
	for (const unsigned char *p = (const unsigned char *)m->text; *p; p++)
		assert_true(*p >= 0x20 || *p == '\n' || *p == '\t');
	if (m->automatic)
		assert_true(*m->automatic_why);
	else
		assert_string_equal(m->automatic_why, "");
	for (const char *p = m->automatic_why; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_true(m->nattachments <= MAIL_ATTACHMENTS_MAX);
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];
		assert_true(a->filename && *a->filename && utf8_ok(a->filename));
		assert_null(strpbrk(a->filename, "/\\"));
		assert_true(strcmp(a->filename, ".") && strcmp(a->filename, ".."));
		for (const unsigned char *p = (const unsigned char *)a->filename; *p; p++)
			assert_true(*p >= 0x20 && *p != 0x7f);
		assert_null(strstr(a->filename, "\u202e"));
		assert_true(strlen(a->filename) <= MAIL_PARSE_FILENAME_MAX);
		assert_true(a->content_type && strchr(a->content_type, '/'));
		assert_true(a->size <= MAIL_ATTACHMENT_MAX && a->data);
	}
}

static int parse(const char *text, struct mail_message *m)
{
	int r = mail_parse(text, strlen(text), m);
	if (r == 0)
		check_message(m);
	return r;
}

static int parse_fixture(const char *name, struct mail_message *m)
{
	size_t len;
	char *data = fixture(name, &len);
	int r = mail_parse(data, len, m);
	free(data);
	if (r == 0)
		check_message(m);
	return r;
}

/* A message with the given extra headers and a plain body. */
static int parse_with(const char *headers, struct mail_message *m)
{
	struct sb b = {0};
	sb_add(&b, "From: Someone <someone@example.com>\nTo: helpdesk@corp.example\nSubject: hello\n%s\nbody\n",
	       headers);
	int r = parse(b.p, m);
	free(b.p);
	return r;
}

/* --- the fixtures --- */

static void test_plain(void **state)
{
	struct mail_message m;
	assert_int_equal(parse_fixture("plain.eml", &m), 0);
	assert_string_equal(m.message_id, "CAFx1vXk9q2mZ3@mail.example.com");
	assert_null(m.in_reply_to);
	assert_int_equal(m.nreferences, 0);
	assert_string_equal(m.from_addr, "anna.berg@example.com");
	assert_string_equal(m.from_name, "Anna Berg");
	assert_string_equal(m.subject, "VPN drops every 10 minutes");
	assert_int_equal(m.date, 1710231238);
	assert_false(m.automatic);
	assert_string_equal(m.text, "Hi,\n\nsince this morning the VPN disconnects about every 10 minutes. I'm on the\n"
				    "office laptop (LT-0231), Windows 11. Reconnecting works, but my Teams calls\n"
				    "drop each time.\n\nThanks,\nAnna \u2013 Finance");
	assert_int_equal(m.nattachments, 0);
	mail_message_free(&m);
	mail_message_free(&m); /* zeroed: a second free is harmless */
	mail_message_free(NULL);
}

static void test_alternative(void **state)
{
	struct mail_message m;
	assert_int_equal(parse_fixture("alternative.eml", &m), 0);
	assert_string_equal(m.from_name, "Ben O'Neill");
	assert_string_equal(m.subject, "Printer on 3rd floor shows \"Paper jam\"");
	assert_string_equal(m.text, "The HP printer next to the kitchen says \"Paper jam\" but there is no paper\n"
				    "stuck anywhere. I already turned it off and on.");
	assert_int_equal(m.nattachments, 0); /* the HTML twin is neither text nor attachment */
	assert_int_equal(m.date, 1710345731);
	mail_message_free(&m);
}

static void test_html_only(void **state)
{
	struct mail_message m;
	assert_int_equal(parse_fixture("html_only.eml", &m), 0);
	assert_string_equal(m.text, "Laptop won't boot\n\n"
				    "Since the update it shows a black screen & the fan runs at full speed.\n\n"
				    "I tried:\n\n"
				    "- holding the power button > 10 s\n"
				    "- unplugging the dock\n\n"
				    "Caf\u00e9 \u2014 \u20ac5 \u20ac \u00a9 &bogus; <script>\n\n"
				    "Details: status page <https://status.example.com/incident/42>\n\n"
				    "Asset LT-0417");
	assert_null(strstr(m.text, "hidden"));
	assert_int_equal(m.nattachments, 0);
	mail_message_free(&m);
}

static void test_encoded(void **state)
{
	struct mail_message m;
	assert_int_equal(parse_fixture("encoded.eml", &m), 0);
	assert_string_equal(m.subject, "Drucker im B\u00fcro druckt leere Seiten");
	assert_string_equal(m.from_name, "J\u00f6rg M\u00fcller");
	assert_string_equal(m.message_id, "1a2b3c$4d5e@corp.example");
	/* quoted-printable ISO-8859-1 with Windows-1252 quotes, as Outlook sends it */
	assert_string_equal(m.text, "Guten Tag,\n\nder Drucker im B\u00fcro \u201eNord\u201c druckt nur noch leere "
				    "Seiten.\nGr\u00fc\u00dfe, J\u00f6rg M\u00fcller");
	assert_int_equal(m.nattachments, 0);
	mail_message_free(&m);
}

static void test_reply(void **state)
{
	struct mail_message m;
	assert_int_equal(parse_fixture("reply.eml", &m), 0);
	assert_string_equal(m.in_reply_to, "ward.1042.3.9f8e7d@corp.example");
	assert_int_equal(m.nreferences, 3);
	assert_string_equal(m.references[0], "CAFx1vXk9q2mZ3@mail.example.com");
	assert_string_equal(m.references[1], "ward.1042.1.1a2b3c@corp.example");
	assert_string_equal(m.references[2], "ward.1042.3.9f8e7d@corp.example");
	assert_string_equal(m.subject, "Re: [Ward #1042] VPN drops every 10 minutes");
	assert_non_null(strstr(m.text, "\n\n> On Mon, 18 Mar 2024, IT Help Desk wrote:\n> Could you"));
	mail_message_free(&m);
}

static void test_attachments(void **state)
{
	struct mail_message m;
	assert_int_equal(parse_fixture("attachment.eml", &m), 0);
	assert_string_equal(m.text, "Please put the attached scan on the share.");
	assert_int_equal(m.nattachments, 3);
	/* the inline screenshot of the HTML body is kept, as its own attachment */
	assert_string_equal(m.attachments[0].filename, "screenshot.png");
	assert_string_equal(m.attachments[0].content_type, "image/png");
	assert_int_equal(m.attachments[0].size, 66);
	assert_memory_equal(m.attachments[0].data, "\x89PNG\r\n\x1a\n", 8);
	/* "C:\Users\dan\Desktop\..\scan 2024-03.pdf": the path is gone */
	assert_string_equal(m.attachments[1].filename, "scan 2024-03.pdf");
	assert_string_equal(m.attachments[1].content_type, "application/pdf");
	assert_int_equal(m.attachments[1].size, 142);
	assert_memory_equal(m.attachments[1].data, "%PDF-1.4\n", 9);
	assert_memory_equal(m.attachments[1].data + 136, "%%EOF\n", 6);
	assert_string_equal(m.attachments[2].filename, "passwd");
	assert_int_equal(m.attachments[2].size, 11);
	assert_memory_equal(m.attachments[2].data, "root:x:0:0\n", 11);
	mail_message_free(&m);
}

static void test_autoreply(void **state)
{
	struct mail_message m;
	assert_int_equal(parse_fixture("autoreply.eml", &m), 0);
	assert_true(m.automatic);
	assert_string_equal(m.automatic_why, "Auto-Submitted: auto-replied");
	assert_string_equal(m.in_reply_to, "ward.1050.1.aa11@corp.example");
	mail_message_free(&m);
}

/* The bounce, then again with each of its robot marks removed in turn. */
static void test_bounce(void **state)
{
	struct mail_message m;
	size_t len;
	char *data = fixture("bounce.eml", &len);
	assert_int_equal(mail_parse(data, len, &m), 0);
	check_message(&m);
	assert_true(m.automatic);
	assert_string_equal(m.automatic_why, "Auto-Submitted: auto-replied");
	assert_string_equal(m.from_addr, "mailer-daemon@mx.corp.example");
	assert_string_equal(m.from_name, "Mail Delivery System");
	assert_non_null(strstr(m.text, "could not\nbe delivered"));
	assert_int_equal(m.nattachments, 2);
	assert_string_equal(m.attachments[0].content_type, "message/delivery-status");
	assert_string_equal(m.attachments[1].content_type, "message/rfc822");
	assert_string_equal(m.attachments[1].filename, "message.eml");
	assert_non_null(memmem(m.attachments[1].data, m.attachments[1].size, "Subject: [Ward #1051]", 21));
	mail_message_free(&m);

	static const struct {
		const char *drop;
		const char *why;
	} steps[] = {
	    {"Auto-Submitted: auto-replied\n", "Content-Type: multipart/report"},
	    {"multipart/report; report-type=delivery-status;", "Return-Path: <>"},
	    {"Return-Path: <>\n", "From: mailer-daemon@mx.corp.example"},
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *at = strstr(data, steps[i].drop);
		assert_non_null(at);
		if (i == 1)
			memcpy(at, "multipart/mixed;", 16), memset(at + 16, ' ', strlen(steps[i].drop) - 16);
		else
			memmove(at, at + strlen(steps[i].drop), strlen(at + strlen(steps[i].drop)) + 1);
		assert_int_equal(mail_parse(data, strlen(data), &m), 0);
		assert_true(m.automatic);
		assert_string_equal(m.automatic_why, steps[i].why);
		mail_message_free(&m);
	}
	free(data);
}

static void test_bulk(void **state)
{
	struct mail_message m;
	assert_int_equal(parse_fixture("bulk.eml", &m), 0);
	assert_true(m.automatic);
	assert_string_equal(m.automatic_why, "Precedence: bulk");
	mail_message_free(&m);
}

static void test_not_messages(void **state)
{
	struct mail_message m = {.text = (char *)"untouched"};
	assert_int_equal(parse_fixture("garbage.eml", &m), -EBADMSG);
	assert_int_equal(parse_fixture("no_from.eml", &m), -EBADMSG);
	assert_non_null(strstr(err_msg(-EBADMSG), "From"));
	assert_int_equal(mail_parse("", 0, &m), -EBADMSG);
	assert_int_equal(mail_parse(NULL, 0, &m), -EBADMSG);
	assert_int_equal(parse("just some text without any headers at all\n", &m), -EBADMSG);
	assert_int_equal(parse("From: not an address\n\nhi\n", &m), -EBADMSG);
	assert_int_equal(parse("From: <>\n\nhi\n", &m), -EBADMSG);
	assert_int_equal(parse("From: \"a b\"@example.com\n\nhi\n", &m), -EBADMSG);
	assert_int_equal(parse("From: group: ;\n\nhi\n", &m), -EBADMSG);
	assert_string_equal(m.text, "untouched"); /* never written on failure */
	/* a mailbox inside a group is the sender */
	assert_int_equal(parse("From: team: Eve <eve@example.com>;\n\nhi\n", &m), 0);
	assert_string_equal(m.from_addr, "eve@example.com");
	assert_string_equal(m.subject, "");
	assert_int_equal(m.date, 0);
	assert_null(m.message_id);
	mail_message_free(&m);
}

/* --- the robot rules --- */

static void test_automatic_rules(void **state)
{
	static const struct {
		const char *headers;
		const char *why; /* NULL: not automatic */
	} cases[] = {
	    {"", NULL},
	    {"Auto-Submitted: no\n", NULL},
	    {"Auto-Submitted: No (a person)\n", NULL},
	    {"Auto-Submitted: auto-generated\n", "Auto-Submitted: auto-generated"},
	    {"Auto-Submitted: Auto-Replied; owner-email=\"x@y\"\n",
	     "Auto-Submitted: Auto-Replied; owner-email=\"x@y\""},
	    {"X-Autoreply: yes\n", "X-Autoreply: yes"},
	    {"X-Autorespond: vacation\n", "X-Autorespond: vacation"},
	    {"X-Auto-Response-Suppress: DR, OOF\n", "X-Auto-Response-Suppress: DR, OOF"},
	    {"X-Auto-Response-Suppress: all\n", "X-Auto-Response-Suppress: all"},
	    {"X-Auto-Response-Suppress: DR, RN, NRN\n", NULL},
	    {"Precedence: list\n", "Precedence: list"},
	    {"Precedence: JUNK\n", "Precedence: JUNK"},
	    {"Precedence: first-class\n", NULL},
	    {"Return-Path: < >\n", "Return-Path: <>"},
	    {"Return-Path: <bounce@example.com>\n", NULL},
	    {"List-Id: IT announcements <it.lists.example.com>\n", "List-Id: IT announcements <it.lists.example.com>"},
	    {"List-Unsubscribe: <mailto:unsub@example.com>\n", "List-Unsubscribe: <mailto:unsub@example.com>"},
	    {"Content-Type: multipart/report; report-type=disposition-notification; boundary=x\n",
	     "Content-Type: multipart/report"},
	    {"X-Autoreply: " /* long values are cut */
	     "0123456789012345678901234567890123456789012345678901234567890123456789\n",
	     "X-Autoreply: 0123456789012345678901234567890123456789012345678901234567890123..."},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mail_message m;
		assert_int_equal(parse_with(cases[i].headers, &m), 0);
		if (cases[i].why) {
			assert_true(m.automatic);
			assert_string_equal(m.automatic_why, cases[i].why);
		} else {
			assert_false(m.automatic);
		}
		mail_message_free(&m);
	}
	struct mail_message m;
	assert_int_equal(parse("From: PostMaster@Example.com\n\nhi\n", &m), 0);
	assert_true(m.automatic);
	assert_string_equal(m.automatic_why, "From: postmaster@example.com");
	mail_message_free(&m);
}

/* --- charsets and text --- */

static void test_charsets(void **state)
{
	static const struct {
		const char *content_type;
		const char *body;
		const char *text;
	} cases[] = {
	    /* declared UTF-8, invalid bytes: each one U+FFFD */
	    {"text/plain; charset=utf-8", "ok \xff\xfe end \xe2\x82", "ok \ufffd\ufffd end \ufffd\ufffd"},
	    {"text/plain; charset=utf-8", "overlong \xc0\xaf, surrogate \xed\xa0\x80",
	     "overlong \ufffd\ufffd, surrogate \ufffd\ufffd\ufffd"},
	    /* no charset: UTF-8 if it is, else Windows-1252 */
	    {"text/plain", "caf\xc3\xa9", "caf\u00e9"},
	    {"text/plain", "caf\xe9 \x80", "caf\u00e9 \u20ac"},
	    {"text/plain; charset=us-ascii", "na\xefve", "na\u00efve"},
	    {"text/plain; charset=x-unknown-charset", "caf\xe9", "caf\u00e9"},
	    /* through iconv */
	    {"text/plain; charset=koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "\u041f\u0440\u0438\u0432\u0435\u0442"},
	    {"text/plain; charset=iso-8859-15", "\xa4", "\u20ac"},
	    {"text/plain; charset=shift_jis", "\x82\xa0 \xff", "\u3042 \ufffd"},
	    {"text/plain; charset=iso-2022-jp", "\x1b$B$\"\x1b(B!", "\u3042!"},
	    /* controls dropped, line ends made "\n", tabs kept */
	    {"text/plain", "a\x01\x7f\tb\r\nc\rd\xc2\x85", "a\tb\nc\nd"},
	    {"text/plain; charset=utf-16le", "h\0i\0", "hi"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb b = {0};
		struct mail_message m;
		sb_add(&b, "From: a@example.com\nContent-Type: %s\nContent-Transfer-Encoding: 8bit\n\n",
		       cases[i].content_type);
		size_t head = b.len, body = strlen(cases[i].body);
		if (strstr(cases[i].content_type, "utf-16"))
			body = 4;
		sb_add(&b, "%*s", (int)body, "");
		memcpy(b.p + head, cases[i].body, body);
		assert_int_equal(mail_parse(b.p, b.len, &m), 0);
		check_message(&m);
		assert_string_equal(m.text, cases[i].text);
		mail_message_free(&m);
		free(b.p);
	}
}

static void test_headers_decoded(void **state)
{
	struct mail_message m;
	/* raw 8-bit Latin-1 in headers, encoded-words without spaces, a long folded subject */
	assert_int_equal(parse("From: Jos\xe9 Garc\xed"
			       "a <JOSE@Example.COM>\n"
			       "Subject: =?utf-8?q?Caf=C3=A9?==?utf-8?q?_au_lait?= and\n\tmore\x01text\n"
			       "Date: Sat, 1 Jan 2022 00:00:00 +0000\n"
			       "In-Reply-To: bare-id@example.com\n"
			       "Message-ID: <has space@example.com>\n\nx\n",
			       &m),
			 0);
	assert_string_equal(m.from_name, "Jos\u00e9 Garc\u00eda");
	assert_string_equal(m.from_addr, "jose@example.com");
	assert_string_equal(m.subject, "Caf\u00e9 au lait and more text");
	assert_int_equal(m.date, 1640995200);
	assert_string_equal(m.in_reply_to, "bare-id@example.com");
	assert_null(m.message_id); /* white space: no usable id */
	mail_message_free(&m);

	/* an IDN domain comes in ASCII */
	assert_int_equal(parse("From: =?utf-8?q?M=C3=BCller?= <info@m\xc3\xbcller.example>\n\nx\n", &m), 0);
	assert_string_equal(m.from_addr, "info@xn--mller-kva.example");
	mail_message_free(&m);

	/* References: the first and the latest MAIL_PARSE_REFERENCES_MAX - 1 */
	struct sb b = {0};
	sb_add(&b, "From: a@example.com\nReferences:");
	for (int i = 0; i < 50; i++)
		sb_add(&b, " <id%d@example.com>", i);
	sb_add(&b, " <bad id@x>\n\nx\n");
	assert_int_equal(parse(b.p, &m), 0);
	assert_int_equal(m.nreferences, MAIL_PARSE_REFERENCES_MAX);
	assert_string_equal(m.references[0], "id0@example.com");
	assert_string_equal(m.references[1], "id31@example.com");
	assert_string_equal(m.references[MAIL_PARSE_REFERENCES_MAX - 1], "id49@example.com");
	mail_message_free(&m);
	free(b.p);

	/* a too-long name and subject are cut at a character */
	b = (struct sb){0};
	sb_add(&b, "From: ");
	sb_repeat(&b, "\xc3\xa9", 150);
	sb_add(&b, " <a@example.com>\nSubject: ");
	sb_repeat(&b, "\xe2\x82\xac", 400);
	sb_add(&b, "\n\nx\n");
	assert_int_equal(parse(b.p, &m), 0);
	assert_int_equal(strlen(m.from_name), MAIL_PARSE_NAME_MAX);
	assert_int_equal(strlen(m.subject), MAIL_PARSE_SUBJECT_MAX);
	mail_message_free(&m);
	free(b.p);
}

static void test_text_truncated(void **state)
{
	struct sb b = {0};
	struct mail_message m;
	sb_add(&b, "From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\nx");
	sb_repeat(&b, "\xc3\xa9\xe2\x82\xac\r\n", 60000); /* 7 bytes in, 6 out: 360,000 */
	assert_int_equal(parse(b.p, &m), 0);
	size_t n = strlen(m.text), t = strlen(MAIL_PARSE_TRUNCATED);
	assert_true(n <= MAIL_PARSE_TEXT_MAX && n > MAIL_PARSE_TEXT_MAX - 16);
	assert_string_equal(m.text + n - t, MAIL_PARSE_TRUNCATED);
	mail_message_free(&m);
	free(b.p);

	/* the same through the HTML reducer */
	b = (struct sb){0};
	sb_repeat(&b, "<p>\xc3\xa9\xe2\x82\xac</p>", 60000);
	char *text;
	assert_int_equal(mail_parse_html(b.p, b.len, &text), 0);
	n = strlen(text);
	assert_true(utf8_ok(text) && n <= MAIL_PARSE_TEXT_MAX && n > MAIL_PARSE_TEXT_MAX - 16);
	assert_string_equal(text + n - t, MAIL_PARSE_TRUNCATED);
	free(text);
	free(b.p);
}

/* Body choice in multipart trees. */
static void test_structure(void **state)
{
	struct mail_message m;
	/* HTML-only alternative (with text/watch-html, Apple's), a related image without a
	 * name, a text/calendar invitation, a signed part */
	assert_int_equal(
	    parse("From: a@example.com\nContent-Type: multipart/mixed; boundary=M\n\n"
		  "--M\nContent-Type: multipart/alternative; boundary=A\n\n"
		  "--A\nContent-Type: text/watch-html\n\nwatch\n"
		  "--A\nContent-Type: multipart/related; boundary=R\n\n"
		  "--R\nContent-Type: text/html\n\n<p>hello <b>there</b></p>\n"
		  "--R\nContent-Type: image/gif\nContent-Transfer-Encoding: base64\n\nR0lGODlhAQABAAAAACw=\n"
		  "--R--\n--A--\n"
		  "--M\nContent-Type: text/plain\n\nsecond part\n"
		  "--M\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\n"
		  "--M\nContent-Type: text/plain; name=notes.txt\n\nnamed inline text\n"
		  "--M--\n",
		  &m),
	    0);
	assert_string_equal(m.text, "hello there\n\nsecond part");
	assert_int_equal(m.nattachments, 3);
	assert_string_equal(m.attachments[0].filename, "attachment");
	assert_string_equal(m.attachments[0].content_type, "image/gif");
	assert_int_equal(m.attachments[0].size, 14);
	assert_string_equal(m.attachments[1].content_type, "text/calendar");
	assert_string_equal(m.attachments[2].filename, "notes.txt");
	assert_memory_equal(m.attachments[2].data, "named inline text", 17);
	mail_message_free(&m);

	/* the signature of multipart/signed is dropped; an attached message is kept whole */
	assert_int_equal(
	    parse("From: a@example.com\nContent-Type: multipart/signed; boundary=S;"
		  " protocol=\"application/pgp-signature\"\n\n"
		  "--S\nContent-Type: multipart/mixed; boundary=M\n\n"
		  "--M\nContent-Type: text/plain\n\nsigned text\n"
		  "--M\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename=fwd.eml\n\n"
		  "From: b@example.com\nSubject: inner\n\ninner body\n"
		  "--M--\n"
		  "--S\nContent-Type: application/pgp-signature; name=signature.asc\n\n-----BEGIN PGP\n"
		  "--S--\n",
		  &m),
	    0);
	assert_string_equal(m.text, "signed text");
	assert_int_equal(m.nattachments, 1);
	assert_string_equal(m.attachments[0].filename, "fwd.eml");
	assert_non_null(memmem(m.attachments[0].data, m.attachments[0].size, "inner body", 10));
	mail_message_free(&m);

	/* a blank text/plain beside the HTML does not count as the plain rendering */
	assert_int_equal(parse("From: a@example.com\nContent-Type: multipart/alternative; boundary=A\n\n"
			       "--A\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nIA0K\n"
			       "--A\nContent-Type: text/html\n\n<p>the real text</p>\n--A--\n",
			       &m),
			 0);
	assert_string_equal(m.text, "the real text");
	mail_message_free(&m);

	/* an attachment disposition wins over being the only text; an empty body is "" */
	assert_int_equal(parse("From: a@example.com\nContent-Type: text/plain\n"
			       "Content-Disposition: attachment; filename=log.txt\n\nlog line\n",
			       &m),
			 0);
	assert_string_equal(m.text, "");
	assert_int_equal(m.nattachments, 1);
	assert_string_equal(m.attachments[0].filename, "log.txt");
	mail_message_free(&m);
}

static void test_filenames(void **state)
{
	static const struct {
		const char *param;
		const char *name;
	} cases[] = {
	    {"filename=\"../../etc/passwd\"", "passwd"},
	    {"filename=\"..\"", "attachment"},
	    {"filename=\"dir/\"", "attachment"},
	    {"filename=\" report. \"", "report"},
	    {"filename=\"\"", "attachment"},
	    {"filename*=utf-8''invoice%E2%80%AEfdp.exe", "invoicefdp.exe"},
	    {"filename*=utf-8''a%01b%7Fc%C2%85d%0Ae.txt", "abcde.txt"},
	    {"filename*=iso-8859-1''r%E9sum%E9.pdf", "r\u00e9sum\u00e9.pdf"},
	    {"filename=\"=?utf-8?b?0J/RgNC40LLQtdGCLnR4dA==?=\"", "\u041f\u0440\u0438\u0432\u0435\u0442.txt"},
	    {"filename=\"a\\\\b\\\\c.doc\"", "c.doc"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb b = {0};
		struct mail_message m;
		sb_add(&b,
		       "From: a@example.com\nContent-Type: multipart/mixed; boundary=M\n\n--M\n\nbody\n--M\n"
		       "Content-Type: application/octet-stream\nContent-Disposition: attachment; %s\n\ndata\n--M--\n",
		       cases[i].param);
		assert_int_equal(parse(b.p, &m), 0);
		assert_int_equal(m.nattachments, 1);
		assert_string_equal(m.attachments[0].filename, cases[i].name);
		mail_message_free(&m);
		free(b.p);
	}
	/* a long name keeps its extension */
	struct sb b = {0};
	struct mail_message m;
	sb_add(&b, "From: a@example.com\nContent-Type: application/pdf\nContent-Disposition: attachment;"
		   " filename*=utf-8''");
	sb_repeat(&b, "%C3%A9", 300);
	sb_add(&b, ".pdf\n\ndata\n");
	assert_int_equal(parse(b.p, &m), 0);
	assert_int_equal(strlen(m.attachments[0].filename), MAIL_PARSE_FILENAME_MAX);
	assert_string_equal(m.attachments[0].filename + MAIL_PARSE_FILENAME_MAX - 4, ".pdf");
	mail_message_free(&m);
	free(b.p);
	/* a content type outside RFC 6838's names */
	assert_int_equal(
	    parse("From: a@example.com\nContent-Type: image/p{ng\nContent-Disposition: attachment\n\nx\n", &m), 0);
	assert_string_equal(m.attachments[0].content_type, "application/octet-stream");
	mail_message_free(&m);
}

/* --- limits --- */

static void test_limits(void **state)
{
	struct mail_message m = {0};
	struct sb b = {0};

	/* the whole message */
	char *big = malloc(MAIL_MAX + 1);
	assert_non_null(big);
	memset(big, 'a', MAIL_MAX + 1);
	memcpy(big, "From: a@example.com\n\n", 21);
	assert_int_equal(mail_parse(big, MAIL_MAX + 1, &m), -E2BIG);
	assert_non_null(strstr(err_msg(-E2BIG), "over the limit"));
	free(big);

	/* attachments: MAIL_ATTACHMENTS_MAX fit, one more does not */
	for (int extra = 0; extra < 2; extra++) {
		b = (struct sb){0};
		sb_add(&b, "From: a@example.com\nContent-Type: multipart/mixed; boundary=M\n\n");
		for (int i = 0; i < MAIL_ATTACHMENTS_MAX + extra; i++)
			sb_add(&b, "--M\nContent-Type: image/png; name=%d.png\n\npng\n", i);
		sb_add(&b, "--M--\n");
		assert_int_equal(parse(b.p, &m), extra ? -E2BIG : 0);
		if (!extra) {
			assert_int_equal(m.nattachments, MAIL_ATTACHMENTS_MAX);
			mail_message_free(&m);
		}
		free(b.p);
	}

	/* one attachment: MAIL_ATTACHMENT_MAX bytes fit, one more does not */
	for (int extra = 0; extra < 2; extra++) {
		size_t n = MAIL_ATTACHMENT_MAX + (size_t)extra;
		b = (struct sb){0};
		sb_add(&b, "From: a@example.com\nContent-Type: multipart/mixed; boundary=M\n\n--M\n\nsee attached\n"
			   "--M\nContent-Type: application/zip; name=big.zip\nContent-Transfer-Encoding: base64\n\n");
		/* "AAAA" is 3 zero bytes: n / 3 groups, the rest with padding */
		for (size_t i = 0; i < n / 3; i++)
			sb_add(&b, i % 19 == 18 ? "AAAA\n" : "AAAA");
		sb_add(&b, n % 3 == 1 ? "\nAA==\n" : n % 3 == 2 ? "\nAAA=\n" : "\n");
		sb_add(&b, "--M--\n");
		assert_int_equal(parse(b.p, &m), extra ? -E2BIG : 0);
		if (!extra) {
			assert_int_equal(m.attachments[0].size, MAIL_ATTACHMENT_MAX);
			mail_message_free(&m);
		} else {
			assert_non_null(strstr(err_msg(-E2BIG), "attachment"));
		}
		free(b.p);
	}

	/* parts */
	b = (struct sb){0};
	sb_add(&b, "From: a@example.com\nContent-Type: multipart/mixed; boundary=M\n\n");
	sb_repeat(&b, "--M\n\n\n", MAIL_PARSE_PARTS_MAX + 1);
	sb_add(&b, "--M--\n");
	assert_int_equal(parse(b.p, &m), -E2BIG);
	assert_non_null(strstr(err_msg(-E2BIG), "MIME parts"));
	free(b.p);

	/* nesting */
	b = (struct sb){0};
	sb_add(&b, "From: a@example.com\n");
	for (int i = 0; i <= MAIL_PARSE_DEPTH_MAX + 1; i++)
		sb_add(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	sb_add(&b, "\ndeep\n");
	assert_int_equal(parse(b.p, &m), -E2BIG);
	assert_non_null(strstr(err_msg(-E2BIG), "nested"));
	free(b.p);

	/* headers, as GMime would see them: many, or one long list */
	b = (struct sb){0};
	sb_add(&b, "From: a@example.com\n");
	sb_repeat(&b, "X-Filler: 0123456789\n", MAIL_PARSE_HEADERS_MAX / 20);
	sb_add(&b, "\nbody\n");
	assert_int_equal(parse(b.p, &m), -E2BIG);
	assert_non_null(strstr(err_msg(-E2BIG), "headers"));
	free(b.p);
	b = (struct sb){0};
	sb_add(&b, "From: a@example.com\nContent-Type: multipart/mixed; boundary=M\n\n--M\nContent-Type: text/plain;");
	sb_repeat(&b, "\n a=b;", MAIL_PARSE_HEADERS_MAX / 5);
	sb_add(&b, "\n\nbody\n--M--\n");
	assert_int_equal(parse(b.p, &m), -E2BIG);
	free(b.p);
	/* ...but header-like lines in a body are not headers */
	b = (struct sb){0};
	sb_add(&b, "From: a@example.com\n\n");
	sb_repeat(&b, "2024-03-12T10:00:00 vpn: tunnel up\n", MAIL_PARSE_HEADERS_MAX / 30);
	assert_int_equal(parse(b.p, &m), 0);
	mail_message_free(&m);
	free(b.p);

	/* possible boundaries */
	b = (struct sb){0};
	sb_add(&b, "From: a@example.com\n\n");
	sb_repeat(&b, "-- \n", MAIL_PARSE_DASH_LINES_MAX);
	assert_int_equal(parse(b.p, &m), 0);
	mail_message_free(&m);
	sb_add(&b, "--\n");
	assert_int_equal(parse(b.p, &m), -E2BIG);
	free(b.p);
}

/* --- the HTML reducer --- */

static void test_html(void **state)
{
	static const struct {
		const char *html;
		const char *text;
	} cases[] = {
	    {"", ""},
	    {"plain words", "plain words"},
	    {"  a \n\t b  ", "a b"},
	    {"a < b and c > d, 1<2", "a < b and c > d, 1<2"},
	    {"x<!-- <p>gone</p> -->y<!---->z<!-->w", "xyzw"},
	    {"a<!DOCTYPE html>b<?xml version=\"1.0\"?>c<![CDATA[d]]>e", "abce"}, /* as browsers: to the first '>' */
	    {"<style>p{}</style>a<script>if (a<b) x='</scripts>'</script>b", "ab"},
	    {"a<script>never closed <p>b", "a"},
	    {"a<title>t</title><xml><o:x>1</o:x></xml>b", "ab"},
	    {"<p>one</p><p>two</p>", "one\n\ntwo"},
	    {"<div>one</div><div>two</div><div><br></div><div>three</div>", "one\ntwo\n\nthree"},
	    {"line<br>break<br/><br />twice", "line\nbreak\n\ntwice"},
	    {"<p class=MsoNormal>one<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
	     "<p class=\"MsoNormal\">two</p>",
	     "one\n\ntwo"},
	    {"<ol><li>first<li>second</ol>after", "- first\n- second\n\nafter"},
	    {"<pre>  keep\n   this\r\n</pre>then", "keep\n   this\n\nthen"},
	    {"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
	    {"&amp;&lt;&gt;&quot;&apos;&nbsp;&eacute;&Eacute;&hellip;&euro;&trade;",
	     "&<>\"' \u00e9\u00c9\u2026\u20ac\u2122"},
	    {"&#65;&#x42;&#X43;&#0;&#x110000;&#xD800;&#150;&#999999999999;&#;&#x;&amp",
	     "ABC\ufffd\ufffd\ufffd\u2013\ufffd&#;&#x;&amp"},
	    {"&notanentity; &AMP; &#9;x", "&notanentity; &AMP; x"},
	    {"a&#1;b&#x7f;c&#x85;d", "abc\u2026d"},
	    {"bad \xff\xc3 utf8", "bad \ufffd\ufffd utf8"},
	    {"<a href=\"https://x.example/a?b=1&amp;c=2\">the page</a>.", "the page <https://x.example/a?b=1&c=2>."},
	    {"<a href='https://x.example/'>https://x.example/</a>", "https://x.example/"},
	    {"<a href=https://x.example/>x.example</a>", "x.example"},
	    {"<a href=\"mailto:a@b\">write</a> <a href=\"javascript:x()\">js</a>", "write js"},
	    {"<a href=\"https://x.example\"><img src=logo.png></a>rest", "rest"},
	    {"<a href=\"https://a.example\">one<a href=\"https://b.example\">two</a>",
	     "one <https://a.example>two <https://b.example>"},
	    {"<a href=\"https://x.example/with space\">t</a>", "t"},
	    {"<p title=\"a > b\" data-x='<p>'>quoted</p>", "quoted"},
	    {"text <b", "text"},
	    {"a<div title=\"unclosed>b</div>", "a"},
	    {"</>a</ b>c", "ac"},
	    {"<SCRIPT>x</SCRIPT>y<STYLE >z</sTyLe\n>w", "yw"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = NULL;
		assert_int_equal(mail_parse_html(cases[i].html, strlen(cases[i].html), &text), 0);
		if (strcmp(text, cases[i].text) != 0)
			print_error("case %zu: %s\n", i, cases[i].html);
		assert_string_equal(text, cases[i].text);
		assert_true(utf8_ok(text));
		free(text);
	}
}

/* --- memory --- */

/* Parsing the same messages many times leaves the heap as it was: nothing is leaked per
 * message. (GMime and GLib allocate once, on first use: their type system, charset
 * tables and iconv cache; the warm-up round takes those.) */
static void test_no_growth(void **state)
{
	static const char *const names[] = {"plain.eml", "alternative.eml", "html_only.eml", "encoded.eml",
					    "reply.eml", "attachment.eml",  "autoreply.eml", "bounce.eml",
					    "bulk.eml",	 "garbage.eml",	    "no_from.eml"};
	size_t n = sizeof(names) / sizeof(names[0]), len[sizeof(names) / sizeof(names[0])];
	char *data[sizeof(names) / sizeof(names[0])];
	for (size_t i = 0; i < n; i++)
		data[i] = fixture(names[i], &len[i]);
	size_t before = 0;
	for (int round = 0; round < 201; round++) {
		if (round == 1)
			before = mallinfo2().uordblks;
		for (size_t i = 0; i < n; i++) {
			struct mail_message m;
			if (mail_parse(data[i], len[i], &m) == 0)
				mail_message_free(&m);
		}
	}
	size_t after = mallinfo2().uordblks;
	print_message("heap in use after 200 rounds of %zu messages: %zd bytes more\n", n, (ssize_t)(after - before));
	assert_true(after <= before + 16 * 1024);
	for (size_t i = 0; i < n; i++)
		free(data[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_alternative),
	    cmocka_unit_test(test_html_only),
	    cmocka_unit_test(test_encoded),
	    cmocka_unit_test(test_reply),
	    cmocka_unit_test(test_attachments),
	    cmocka_unit_test(test_autoreply),
	    cmocka_unit_test(test_bounce),
	    cmocka_unit_test(test_bulk),
	    cmocka_unit_test(test_not_messages),
	    cmocka_unit_test(test_automatic_rules),
	    cmocka_unit_test(test_charsets),
	    cmocka_unit_test(test_headers_decoded),
	    cmocka_unit_test(test_text_truncated),
	    cmocka_unit_test(test_structure),
	    cmocka_unit_test(test_filenames),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_html),
	    cmocka_unit_test(test_no_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
