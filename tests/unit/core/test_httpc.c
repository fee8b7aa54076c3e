/*
 * Unit tests for the HTTP/1.1 response parser in core/httpc: framing by Content-Length,
 * chunks and end of connection, responses fed a byte at a time, interim 1xx answers,
 * and the malformed or oversized responses it must refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/httpc.h"

/* A string literal as (text, length), NUL bytes included. */
#define S(lit) lit, sizeof(lit) - 1

#define HEAD_CL "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
#define BODY_CL "{\"ok\":true}"
#define HEAD_CHUNKED "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

/* One parse of text[0..len) from a heap copy of exactly len bytes, so a sanitizer build
 * sees any read past the end. */
struct run {
	char *buf;
	int ret;
	struct httpc_response r;
};

static int run_parse(struct run *t, const char *text, size_t len, bool eof, size_t max_body)
{
	t->buf = malloc(len ? len : 1);
	assert_non_null(t->buf);
	memcpy(t->buf, text, len);
	err_clear();
	t->ret = httpc_response_parse(t->buf, len, eof, max_body, &t->r);
	return t->ret;
}

static void run_done(struct run *t)
{
	if (t->ret == 0)
		httpc_response_free(&t->r);
	free(t->buf);
}

/* The body lies in the parsed buffer (unframed or by length) or is the decoded copy. */
static void check_body_place(const struct run *t, size_t len)
{
	assert_non_null(t->r.body);
	if (t->r.decoded) {
		assert_ptr_equal(t->r.body, t->r.decoded);
	} else {
		assert_true(t->r.body >= t->buf && t->r.body <= t->buf + len);
		assert_true(t->r.body_len <= (size_t)(t->buf + len - t->r.body));
	}
}

static void expect_ok_max(const char *text, size_t len, bool eof, size_t max_body, int status, const char *body,
			  size_t body_len)
{
	struct run t;
	assert_int_equal(run_parse(&t, text, len, eof, max_body), 0);
	assert_int_equal(t.r.status, status);
	assert_int_equal(t.r.body_len, body_len);
	assert_memory_equal(t.r.body, body, body_len);
	check_body_place(&t, len);
	run_done(&t);
}

static void expect_ok(const char *text, size_t len, bool eof, int status, const char *body, size_t body_len)
{
	expect_ok_max(text, len, eof, HTTPC_REPLY_MAX, status, body, body_len);
}

static void expect_err_max(const char *text, size_t len, bool eof, size_t max_body, int code)
{
	struct run t;
	assert_int_equal(run_parse(&t, text, len, eof, max_body), code);
	if (code != -EAGAIN)
		assert_true(strlen(err_msg(code)) > 0);
	run_done(&t);
}

static void expect_err(const char *text, size_t len, bool eof, int code)
{
	expect_err_max(text, len, eof, HTTPC_REPLY_MAX, code);
}

/* Feeds text a byte at a time: every proper prefix needs more (with a hint, when there
 * is one, that neither asks for fewer bytes than it has nor for more than the whole
 * response) and is an error at end of connection; the whole parses to status and body
 * both with and without eof, and the reader's loop (parse again once len >= want) gets
 * there too. */
static void expect_split(const char *text, size_t len, int status, const char *body, size_t body_len)
{
	struct run t;
	for (size_t i = 0; i < len; i++) {
		assert_int_equal(run_parse(&t, text, i, false, HTTPC_REPLY_MAX), -EAGAIN);
		if (t.r.want != 0) {
			assert_true(t.r.want >= i);
			assert_true(t.r.want <= len);
		}
		run_done(&t);
		assert_int_equal(run_parse(&t, text, i, true, HTTPC_REPLY_MAX), -EBADMSG);
		run_done(&t);
	}
	expect_ok(text, len, false, status, body, body_len);
	expect_ok(text, len, true, status, body, body_len);

	size_t n = 1, want = 0;
	for (;; n++) {
		assert_true(n <= len);
		if (n < want)
			continue;
		if (run_parse(&t, text, n, false, HTTPC_REPLY_MAX) == 0)
			break;
		assert_int_equal(t.ret, -EAGAIN);
		want = t.r.want;
		run_done(&t);
	}
	assert_int_equal(n, len);
	assert_int_equal(t.r.status, status);
	assert_int_equal(t.r.body_len, body_len);
	assert_memory_equal(t.r.body, body, body_len);
	run_done(&t);
}

static void test_content_length(void **state)
{
	struct run t;
	assert_int_equal(run_parse(&t, S(HEAD_CL BODY_CL), false, HTTPC_REPLY_MAX), 0);
	assert_int_equal(t.r.status, 200);
	assert_int_equal(t.r.body_len, 11);
	assert_memory_equal(t.r.body, BODY_CL, 11);
	assert_ptr_equal(t.r.body, t.buf + strlen(HEAD_CL)); /* not copied */
	assert_null(t.r.decoded);
	run_done(&t);

	expect_ok(S(HEAD_CL BODY_CL), true, 200, S(BODY_CL));
	/* HTTP/1.0, an empty reason phrase, any case and spacing in the header. */
	expect_ok(S("HTTP/1.0 404\r\ncontent-LENGTH:\t 3 \t\r\n\r\nnop"), false, 404, S("nop"));
	expect_ok(S("HTTP/1.1 503 Service Unavailable\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n"), false, 503, S(""));
	expect_ok(S("HTTP/1.1 599 Odd\r\nContent-Length: 00002\r\n\r\nab"), false, 599, S("ab"));
	/* The body is bytes, NULs included. */
	expect_ok(S("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\na\0\r\n"), false, 200, S("a\0\r\n"));
}

static void test_bytes_after_response(void **state)
{
	expect_ok(S(HEAD_CL BODY_CL "HTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\nx"), false, 200, S(BODY_CL));
	expect_ok(S(HEAD_CL BODY_CL "garbage"), true, 200, S(BODY_CL));
	expect_ok(S(HEAD_CHUNKED "3\r\nabc\r\n0\r\n\r\n3\r\nxyz\r\n"), false, 200, S("abc"));
	expect_ok(S("HTTP/1.1 204 No Content\r\n\r\nleftover"), false, 204, S(""));
}

static void test_split_content_length(void **state)
{
	expect_split(S(HEAD_CL BODY_CL), 200, S(BODY_CL));
	expect_split(S("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"), 201, S(""));

	/* Once the head is in, the hint is the whole response. */
	struct run t;
	assert_int_equal(run_parse(&t, S(HEAD_CL "{\"o"), false, HTTPC_REPLY_MAX), -EAGAIN);
	assert_int_equal(t.r.want, strlen(HEAD_CL BODY_CL));
	run_done(&t);
}

#define CHUNKED_BODY                                                                                                   \
	HEAD_CHUNKED "5\r\nhello\r\n"                                                                                  \
		     "1A;name=value;quoted=\"a b\"\r\nabcdefghijklmnopqrstuvwxyz\r\n"                                  \
		     "1a\r\nABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n"                                                            \
		     "00a ; ext\r\n0123456789\r\n"                                                                     \
		     "0;last=1\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
#define CHUNKED_DATA "helloabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static void test_chunked(void **state)
{
	struct run t;
	assert_int_equal(run_parse(&t, S(CHUNKED_BODY), false, HTTPC_REPLY_MAX), 0);
	assert_int_equal(t.r.status, 200);
	assert_int_equal(t.r.body_len, strlen(CHUNKED_DATA));
	assert_memory_equal(t.r.body, CHUNKED_DATA, strlen(CHUNKED_DATA));
	assert_non_null(t.r.decoded);
	assert_ptr_equal(t.r.body, t.r.decoded);
	run_done(&t);

	expect_ok(S(CHUNKED_BODY), true, 200, S(CHUNKED_DATA));
	/* The coding's name in any case, an empty body, hex digits of both cases. */
	expect_ok(S("HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n0\r\n\r\n"), false, 200, S(""));
	expect_ok(S(HEAD_CHUNKED "F\r\n0123456789abcde\r\n"
				 "b\r\n0123456789a\r\n0\r\n\r\n"),
		  false, 200, S("0123456789abcde0123456789a"));
	/* Chunk data is bytes: CRLF and NUL inside it are data. */
	expect_ok(S(HEAD_CHUNKED "4\r\n\r\n\0x\r\n0\r\n\r\n"), false, 200, S("\r\n\0x"));
}

static void test_split_chunked(void **state)
{
	expect_split(S(CHUNKED_BODY), 200, S(CHUNKED_DATA));
	expect_split(S(HEAD_CHUNKED "0\r\n\r\n"), 200, S(""));

	/* Inside a chunk's data, the hint is the end of that chunk (its CRLF included). */
	struct run t;
	assert_int_equal(run_parse(&t, S(HEAD_CHUNKED "5\r\nhel"), false, HTTPC_REPLY_MAX), -EAGAIN);
	assert_int_equal(t.r.want, strlen(HEAD_CHUNKED "5\r\nhello\r\n"));
	run_done(&t);
}

#define CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"

static void test_interim(void **state)
{
	expect_ok(S(CONTINUE HEAD_CL BODY_CL), false, 200, S(BODY_CL));
	expect_split(S(CONTINUE HEAD_CL BODY_CL), 200, S(BODY_CL));
	/* Several interim answers, with headers of their own. */
	expect_ok(S(CONTINUE "HTTP/1.1 102 Processing\r\n\r\n"
			     "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" HEAD_CHUNKED
			     "2\r\nok\r\n0\r\n\r\n"),
		  false, 200, S("ok"));
	/* An interim answer alone is not a response. */
	expect_err(S(CONTINUE), false, -EAGAIN);
	expect_err(S(CONTINUE), true, -EBADMSG);
	expect_err(S(CONTINUE "HTTP/1.1 2"), false, -EAGAIN);
	expect_err(S(CONTINUE "HTTP/1.1 2"), true, -EBADMSG);
}

static void test_no_body(void **state)
{
	expect_ok(S("HTTP/1.1 204 No Content\r\nServer: ward\r\n\r\n"), false, 204, S(""));
	expect_ok(S("HTTP/1.1 204 No Content\r\n\r\n"), true, 204, S(""));
	expect_split(S("HTTP/1.1 204 No Content\r\nServer: ward\r\n\r\n"), 204, S(""));
	/* Framing headers on a 204 or 304 do not announce a body. */
	expect_ok(S("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"), false, 304, S(""));
	expect_ok(S("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"), false, 204, S(""));
}

static void test_eof_body(void **state)
{
	static const char text[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello, world";
	for (size_t i = 0; i <= strlen(text); i++)
		expect_err(text, i, false, -EAGAIN);
	expect_ok(S(text), true, 200, S("hello, world"));
	expect_ok(S("HTTP/1.0 500 Broken\r\n\r\n"), true, 500, S(""));
	/* A body of exactly max_body is fine, one more byte is not, with or without eof. */
	expect_ok_max(S(text), true, 12, 200, S("hello, world"));
	expect_err_max(S(text), true, 11, -E2BIG);
	expect_err_max(S(text), false, 11, -E2BIG);
}

static void test_truncated(void **state)
{
	/* The head. */
	expect_err(S(""), true, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK"), true, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n"), true, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r"), true, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r"), false, -EAGAIN);
	/* A body by length. */
	expect_err(S(HEAD_CL "{\"ok\":true"), true, -EBADMSG);
	expect_err(S(HEAD_CL), true, -EBADMSG);
	/* A chunked body: in a size line, in data, before a chunk's CRLF, in the trailers,
	 * before the last blank line. */
	expect_err(S(HEAD_CHUNKED "5"), true, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "5\r\nhel"), true, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "5\r\nhello"), true, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "5\r\nhello\r\n"), true, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "5\r\nhello\r\n0\r\n"), true, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "5\r\nhello\r\n0\r\nX-T: 1\r\n"), true, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "5\r\nhello\r\n0\r\nX-T: 1\r\n"), false, -EAGAIN);
}

static void test_content_length_twice(void **state)
{
	expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"), true, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length: 2\r\n\r\nabc"), false, -EBADMSG);
	expect_ok(S("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"), false, 200, S("abc"));
	expect_ok(S("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: b\r\nContent-Length: 003\r\n\r\nabcd"), false, 200,
		  S("abc"));
}

static void test_content_length_bad(void **state)
{
	static const char *const bad[] = {
	    "abc", "+3", "-3", "3x", "0x3", "3 3", "3,3", "", "3.0", "99999999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[200];
		int n = snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\nabc", bad[i]);
		assert_true(n > 0 && (size_t)n < sizeof(text));
		expect_err(text, (size_t)n, true, -EBADMSG);
		expect_err(text, (size_t)n, false, -EBADMSG);
	}
}

static void test_transfer_encoding(void **state)
{
	expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc"), true, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"), false, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"), false, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedx\r\n\r\n0\r\n\r\n"), false, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nabc"), true, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
		   false, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc"), false, -EBADMSG);
}

static void test_header_lines(void **state)
{
	/* Folded (obs-fold) lines, with a space or a tab. */
	expect_err(S("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n"), false, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nX-A: a\r\n\tb\r\nContent-Length: 0\r\n\r\n"), false, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\n Content-Length: 0\r\n\r\n"), false, -EBADMSG);
	/* No colon, an empty name, space before the colon, control bytes. */
	expect_err(S("HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n"), false, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\n: 0\r\n\r\n"), false, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nContent-Length : 3\r\n\r\nabc"), false, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nX-A: a\nContent-Length: 3\r\n\r\nabc"), false, -EBADMSG);
	expect_err(S("HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n"), false, -EBADMSG);
	/* Names that only look like the framing headers frame nothing. */
	expect_ok(S("HTTP/1.1 200 OK\r\nContent-Lengths: 1\r\nX-Content-Length: 2\r\nContent-Length: 3\r\n"
		    "Transfer-Encodings: gzip\r\n\r\nabcd"),
		  false, 200, S("abc"));
}

static void test_status_line(void **state)
{
	static const char *const bad[] = {
	    "HTTP/2 200 OK",	"HTTP/1.1 20 OK",    "HTTP/1.1 20",	  "ICY 200 OK",	      "HTTP/1.1 2000 OK",
	    "HTTP/1.2 200 OK",	"http/1.1 200 OK",   "HTTP/1.1 200OK",	  "HTTP/1.1  200 OK", "HTTP/1.1 2x0 OK",
	    "HTTP/1.1 099 Low", "HTTP/1.1 600 High", "HTTP/1.1 999 High", " HTTP/1.1 200 OK", "HTTP/1.1 20x OK",
	    "HTTP/2.0 200 OK",	"HTTP/1x1 200 OK",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[200];
		int n = snprintf(text, sizeof(text), "%s\r\nContent-Length: 0\r\n\r\n", bad[i]);
		assert_true(n > 0 && (size_t)n < sizeof(text));
		expect_err(text, (size_t)n, false, -EBADMSG);
		expect_err(text, (size_t)n, true, -EBADMSG);
	}
	/* 101 would turn the connection into something else. */
	expect_err(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"), false, -EBADMSG);
	expect_err(S(CONTINUE "HTTP/1.1 101 Switching Protocols\r\n\r\n" HEAD_CL BODY_CL), true, -EBADMSG);
}

/* before, then a head of exactly size bytes: status line, one padding header, blank line. */
static char *make_head(const char *before, size_t size, size_t *ret_len)
{
	static const char start[] = "HTTP/1.1 200 OK\r\nX-Pad: ", end[] = "\r\nContent-Length: 0\r\n\r\n";
	size_t fixed = strlen(start) + strlen(end), bl = strlen(before);
	assert_true(size > fixed);
	char *text = malloc(bl + size);
	assert_non_null(text);
	char *h = text + bl;
	memcpy(text, before, bl);
	memcpy(h, start, strlen(start));
	memset(h + strlen(start), 'a', size - fixed);
	memcpy(h + size - strlen(end), end, strlen(end));
	*ret_len = bl + size;
	return text;
}

static void test_head_max(void **state)
{
	size_t len;
	char *h = make_head("", HTTPC_HEAD_MAX, &len);
	expect_ok(h, len, false, 200, S(""));
	expect_err(h, len - 1, false, -EAGAIN);
	free(h);
	h = make_head("", HTTPC_HEAD_MAX + 1, &len);
	expect_err(h, len, false, -EBADMSG);
	expect_err(h, len, true, -EBADMSG);
	/* Refused as soon as the limit is reached, without waiting for the end. */
	expect_err(h, HTTPC_HEAD_MAX, false, -EBADMSG);
	expect_err(h, HTTPC_HEAD_MAX - 1, false, -EAGAIN);
	free(h);
	/* The limit is per head: an interim answer does not eat into the final one. */
	h = make_head(CONTINUE, HTTPC_HEAD_MAX, &len);
	expect_ok(h, len, false, 200, S(""));
	free(h);
}

static void test_max_body(void **state)
{
	/* By length: refused from the head alone. */
	expect_ok_max(S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"), false, 10, 200, S("0123456789"));
	expect_err_max(S("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789a"), true, 10, -E2BIG);
	expect_err_max(S("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"), false, 10, -E2BIG);
	expect_err_max(S("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n"), false, HTTPC_REPLY_MAX,
		       -E2BIG);
	expect_ok_max(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), false, 0, 200, S(""));
	/* Chunked: the sum of the chunks, refused from the size line that passes it. */
	expect_ok_max(S(HEAD_CHUNKED "4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n"), false, 10, 200, S("0123456789"));
	expect_err_max(S(HEAD_CHUNKED "4\r\n0123\r\n7\r\n456789a\r\n0\r\n\r\n"), true, 10, -E2BIG);
	expect_err_max(S(HEAD_CHUNKED "4\r\n0123\r\n7\r\n"), false, 10, -E2BIG);
	expect_err_max(S(HEAD_CHUNKED "1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n"), false, 2, -E2BIG);
	expect_err(S(HEAD_CHUNKED "400001\r\n"), false, -E2BIG); /* HTTPC_REPLY_MAX + 1 */
	expect_err(S(HEAD_CHUNKED "ffffffffffffffff\r\n"), false, -E2BIG);
}

static void test_chunk_framing(void **state)
{
	/* Data longer or shorter than its size, or ended by something else than CRLF. */
	expect_err(S(HEAD_CHUNKED "5\r\nhelloXY0\r\n\r\n"), true, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "5\r\nhelloXY"), false, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "5\r\nhello\n0\r\n\r\n"), false, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "4\r\nhello\r\n0\r\n\r\n"), false, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "6\r\nhello\r\n0\r\n\r\n"), false, -EBADMSG);
	/* Size lines that are not a hex number. */
	static const char *const bad[] = {"", "x", "-5", "+5", "0x5", " 5", "5x", "g", "5\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[200];
		int n = snprintf(text, sizeof(text), HEAD_CHUNKED "%s\r\nhello\r\n0\r\n\r\n", bad[i]);
		assert_true(n > 0 && (size_t)n < sizeof(text));
		expect_err(text, (size_t)n, false, -EBADMSG);
	}
	/* A size line without end. */
	size_t hl = strlen(HEAD_CHUNKED), len = hl + 4096;
	char *text = malloc(len);
	assert_non_null(text);
	memcpy(text, HEAD_CHUNKED, hl);
	memset(text + hl, '0', len - hl);
	expect_err(text, len, false, -EBADMSG);
	free(text);
}

static void test_chunk_size_overflow(void **state)
{
	expect_err(S(HEAD_CHUNKED "ffffffffffffffffff\r\nx\r\n0\r\n\r\n"), false, -EBADMSG);
	expect_err(S(HEAD_CHUNKED "10000000000000000\r\n"), false, -EBADMSG);
	expect_err_max(S(HEAD_CHUNKED "ffffffffffffffffff\r\n"), false, SIZE_MAX, -EBADMSG);
	/* Leading zeros are not an overflow. */
	expect_ok(S(HEAD_CHUNKED "000000000000000000000000000003\r\nabc\r\n0\r\n\r\n"), false, 200, S("abc"));
}

/* max_body is any size_t: with no real limit, a chunk size close to 2^64 is still a
 * chunk whose data has not come, not arithmetic that wraps. */
static void test_chunk_size_near_max(void **state)
{
	expect_err_max(S(HEAD_CHUNKED "fffffffffffffffe\r\n0\r\n\r\n"), true, SIZE_MAX, -EBADMSG);
	expect_err_max(S(HEAD_CHUNKED "fffffffffffffffe\r\n0\r\n\r\n"), false, SIZE_MAX, -EAGAIN);
	expect_err_max(S(HEAD_CHUNKED "ffffffffffffffff\r\n0\r\n\r\n"), true, SIZE_MAX, -EBADMSG);
	struct run t;
	assert_int_equal(run_parse(&t, S(HEAD_CHUNKED "fffffffffffffffd\r\nab"), false, SIZE_MAX), -EAGAIN);
	assert_true(t.r.want == 0 || t.r.want >= strlen(HEAD_CHUNKED "fffffffffffffffd\r\nab"));
	run_done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_content_length),
	    cmocka_unit_test(test_bytes_after_response),
	    cmocka_unit_test(test_split_content_length),
	    cmocka_unit_test(test_chunked),
	    cmocka_unit_test(test_split_chunked),
	    cmocka_unit_test(test_interim),
	    cmocka_unit_test(test_no_body),
	    cmocka_unit_test(test_eof_body),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_content_length_twice),
	    cmocka_unit_test(test_content_length_bad),
	    cmocka_unit_test(test_transfer_encoding),
	    cmocka_unit_test(test_header_lines),
	    cmocka_unit_test(test_status_line),
	    cmocka_unit_test(test_head_max),
	    cmocka_unit_test(test_max_body),
	    cmocka_unit_test(test_chunk_framing),
	    cmocka_unit_test(test_chunk_size_overflow),
	    cmocka_unit_test(test_chunk_size_near_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
