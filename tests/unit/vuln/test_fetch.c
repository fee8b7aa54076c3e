/*
 * Unit tests for the feed download's answer parser (vuln_fetch_parser): bodies by
 * Content-Length, chunked and up to the end of the connection, fed whole and a byte at
 * a time; the validators and Location kept; 304 without a body; truncated bodies told
 * from complete ones; malformed heads, chunk sizes and limits refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vuln/vuln.h"

struct body {
	char data[4096];
	size_t len;
};

static int sink(void *arg, const char *d, size_t n)
{
	struct body *b = arg;
	assert_true(b->len + n < sizeof(b->data));
	memcpy(b->data + b->len, d, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Parses text whole (step 0) or step bytes at a time; the result of finish, or of the
 * first failing feed. */
static int parse(const char *text, size_t step, int64_t max, struct body *b, int *status, char etag[256])
{
	struct vuln_fetch_parser *p = vuln_fetch_parser_new(max, sink, b);
	size_t len = strlen(text);
	int r = 0;
	memset(b, 0, sizeof(*b));
	for (size_t off = 0; off < len && r == 0; off += step ? step : len)
		r = vuln_fetch_parser_feed(p, text + off, step && len - off > step ? step : len - off);
	if (r == 0)
		r = vuln_fetch_parser_finish(p);
	*status = vuln_fetch_parser_status(p);
	const char *e = vuln_fetch_parser_header(p, "etag");
	snprintf(etag, 256, "%s", e ? e : "");
	vuln_fetch_parser_free(p);
	return r;
}

static void both(const char *text, int want_r, int want_status, const char *want_body, const char *want_etag)
{
	for (size_t step = 0; step <= 1; step++) {
		struct body b;
		int status;
		char etag[256];
		assert_int_equal(parse(text, step, 1 << 20, &b, &status, etag), want_r);
		if (want_r == 0) {
			assert_int_equal(status, want_status);
			assert_string_equal(b.data, want_body);
			assert_string_equal(etag, want_etag);
		}
	}
}

static void test_bodies(void **state)
{
	both("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"abc\"\r\n\r\nhello and more", 0, 200, "hello", "\"abc\"");
	both(
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
	    0, 200, "hello world", "");
	both("HTTP/1.0 200 OK\nLast-Modified: Tue, 01 Jan 2030 00:00:00 GMT\n\nto the end", 0, 200, "to the end", "");
	both("HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\n\r\n", 0, 304, "", "\"abc\"");
	both("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 200, "ok", "");
}

static void test_truncated(void **state)
{
	both("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", -EPIPE, 0, NULL, NULL);
	both("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", -EPIPE, 0, NULL, NULL);
	both("HTTP/1.1 200 OK\r\nContent-Le", -EBADMSG, 0, NULL, NULL);
	both("", -EBADMSG, 0, NULL, NULL);
}

static void test_malformed(void **state)
{
	both("SMTP 220 hello\r\n\r\n", -EBADMSG, 0, NULL, NULL);
	both("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello", -EBADMSG, 0, NULL, NULL);
	both("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", -EBADMSG, 0, NULL, NULL);
	both("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", -EBADMSG, 0, NULL, NULL);
	both("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx", -EBADMSG, 0, NULL, NULL);
	both("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", -EBADMSG, 0, NULL, NULL);
	both("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiX\r\n", -EBADMSG, 0, NULL, NULL);
	both("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", -EBADMSG, 0, NULL, NULL);
	both("HTTP/1.1 200 OK\r\nETag: \"a\x01\"\r\n\r\n", -EBADMSG, 0, NULL, NULL);
}

static void test_limits(void **state)
{
	struct body b;
	int status;
	char etag[256];
	/* announced larger than the limit: refused before a byte is taken */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", 0, 10, &b, &status, etag), -E2BIG);
	/* chunked or to the end: refused once past it */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n", 1,
			       10, &b, &status, etag),
			 -E2BIG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\n\r\nhello world", 0, 10, &b, &status, etag), -E2BIG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\n\r\nhello worl", 0, 10, &b, &status, etag), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bodies),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
