/*
 * Tests for mail/smtp. Three parts: the reply parser (smtp_reply_parse,
 * smtp_ehlo_parse) on its own; smtp_send against a scripted fake server on loopback,
 * for what a real server will not do (no EHLO, replies a byte at a time, hostile or
 * broken answers, data after STARTTLS's 220, silence); and smtp_send against a real
 * SMTP server, aiosmtpd (Debian's python3-aiosmtpd), started here on loopback in plain,
 * STARTTLS-required and implicit-TLS flavours with a certificate made by openssl, which
 * stores what arrives so the test can read it back, decoded by Python's email module.
 * aiosmtpd missing is a failure, not a skip: scripts/deps test installs it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "mail/mail_compose.h"
#include "mail/smtp.h"

extern char **environ;

/* A string literal as (text, length). */
#define S(lit) lit, sizeof(lit) - 1

/* ------------------------------------------------------------------------------------
 * The reply parser
 */

/* Parses text from a heap copy of exactly its length (so ASan sees any overread). */
static int parse(const char *text, size_t len, struct smtp_reply *r, size_t *used)
{
	char *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, text, len);
	err_clear();
	int ret = smtp_reply_parse(buf, len, r, used);
	free(buf);
	return ret;
}

static void expect_reply(const char *text, size_t len, int code, const char *joined, size_t nlines, size_t used)
{
	static struct smtp_reply r;
	size_t u = 0;
	int ret = parse(text, len, &r, &u);
	if (ret != 0)
		fail_msg("'%.*s': %d %s", (int)len, text, ret, err_msg(ret));
	assert_int_equal(r.code, code);
	assert_string_equal(r.text, joined);
	assert_int_equal(r.text_len, strlen(joined));
	assert_int_equal(r.nlines, nlines);
	assert_int_equal(u, used);
	/* Every proper prefix needs more. */
	for (size_t i = 0; i < used; i++) {
		ret = parse(text, i, &r, &u);
		if (ret != -EAGAIN)
			fail_msg("prefix %zu of '%.*s': %d", i, (int)len, text, ret);
	}
}

static void expect_bad(const char *text, size_t len, const char *words)
{
	static struct smtp_reply r;
	r.code = 12345;
	size_t u = 777;
	int ret = parse(text, len, &r, &u);
	if (ret != -EBADMSG)
		fail_msg("'%.*s': expected -EBADMSG, got %d", (int)(len > 60 ? 60 : len), text, ret);
	if (!strstr(err_msg(ret), words))
		fail_msg("message '%s' does not say '%s'", err_msg(ret), words);
	assert_int_equal(r.code, 12345); /* untouched */
	assert_int_equal(u, 777);
}

static void test_reply_parse(void **state)
{
	expect_reply(S("220 mx.example.com ESMTP ready\r\n"), 220, "mx.example.com ESMTP ready", 1, 32);
	expect_reply(S("250-mx.example.com\r\n250-SIZE 1000\r\n250 STARTTLS\r\n"), 250,
		     "mx.example.com\nSIZE 1000\nSTARTTLS", 3, 49);
	expect_reply(S("250\r\n"), 250, "", 1, 5);
	expect_reply(S("250 \r\n"), 250, "", 1, 6);
	expect_reply(S("354 go\n"), 354, "go", 1, 7); /* a bare LF is taken */
	expect_reply(S("250-a\n250 b\r\n"), 250, "a\nb", 2, 13);
	/* What follows a reply is left for the next one. */
	expect_reply(S("250 ok\r\n221 bye\r\n"), 250, "ok", 1, 8);
	expect_reply(S("550 5.1.1 no\r\n250-"), 550, "5.1.1 no", 1, 14);
	/* Controls in the text are made harmless; other bytes stay. */
	expect_reply(S("554 a\x1b[2Jb\rc\0d\te \xc3\xbc\r\n"), 554, "a?[2Jb?c?d\te \xc3\xbc", 1, 21);

	expect_bad(S("hello\r\n"), "not an SMTP reply line");
	expect_bad(S("HTTP/1.1 400 Bad Request\r\n"), "not an SMTP reply line");
	expect_bad(S("25\r\n"), "not an SMTP reply line");
	expect_bad(S("2500 x\r\n"), "not an SMTP reply line");
	expect_bad(S("250_x\r\n"), "not an SMTP reply line");
	expect_bad(S("150 interim\r\n"), "not an SMTP reply line");
	expect_bad(S("650 x\r\n"), "not an SMTP reply line");
	expect_bad(S("250-a\r\n251 b\r\n"), "different codes");
	expect_bad(S("250-a\r\nxyz\r\n"), "not an SMTP reply line");
	expect_bad(S("\r\n"), "not an SMTP reply line");
	/* Garbage is refused as soon as its first bytes are there. */
	expect_bad(S("x"), "not an SMTP reply line");
	expect_bad(S("2x"), "not an SMTP reply line");
	expect_bad(S("250="), "not an SMTP reply line");
	/* A CR that may start the CRLF is no reason to wait or to refuse. */
	struct smtp_reply r;
	size_t u;
	assert_int_equal(parse(S("250\r"), &r, &u), -EAGAIN);
	assert_int_equal(parse(S(""), &r, &u), -EAGAIN);
}

static void test_reply_limits(void **state)
{
	static char buf[4 * SMTP_REPLY_MAX];
	static struct smtp_reply r;
	size_t u;
	/* A line of exactly SMTP_REPLY_LINE_MAX bytes with its CRLF is fine; one more is not,
	 * and that is known before its end arrives. */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "250 ", 4);
	memcpy(buf + SMTP_REPLY_LINE_MAX - 2, "\r\n", 2);
	assert_int_equal(parse(buf, SMTP_REPLY_LINE_MAX, &r, &u), 0);
	assert_int_equal(r.text_len, SMTP_REPLY_LINE_MAX - 6);
	buf[SMTP_REPLY_LINE_MAX - 2] = 'x';
	buf[SMTP_REPLY_LINE_MAX - 1] = 'x';
	expect_bad(buf, SMTP_REPLY_LINE_MAX, "longer than");
	assert_int_equal(parse(buf, SMTP_REPLY_LINE_MAX - 1, &r, &u), -EAGAIN);
	expect_bad(buf, sizeof(buf), "longer than");

	/* SMTP_REPLY_LINES_MAX lines are fine; one more is not. */
	size_t n = 0;
	for (int i = 0; i < SMTP_REPLY_LINES_MAX - 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "250-line %d\r\n", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "250 last\r\n");
	assert_int_equal(parse(buf, n, &r, &u), 0);
	assert_int_equal(r.nlines, SMTP_REPLY_LINES_MAX);
	n = 0;
	for (int i = 0; i < SMTP_REPLY_LINES_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "250-line %d\r\n", i);
	expect_bad(buf, n, "more than");

	/* The whole reply: long lines, few of them, past SMTP_REPLY_MAX. */
	n = 0;
	while (n < SMTP_REPLY_MAX) {
		memcpy(buf + n, "250-", 4);
		memset(buf + n + 4, 'y', 996);
		memcpy(buf + n + 1000, "\r\n", 2);
		n += 1002;
	}
	expect_bad(buf, n, "longer than");
	/* And whatever the bytes, SMTP_REPLY_MAX of them are enough to decide. */
	for (size_t i = 0; i < SMTP_REPLY_MAX; i++)
		buf[i] = "250-x\r\n"[i % 7];
	assert_int_equal(parse(buf, SMTP_REPLY_MAX, &r, &u), -EBADMSG);
}

static void test_ehlo_parse(void **state)
{
	static struct smtp_reply r;
	struct smtp_ehlo e;
	size_t u;
	assert_int_equal(parse(S("250-mx.example.com Hello [127.0.0.1] STARTTLS AUTH\r\n"
				 "250-PIPELINING\r\n"
				 "250-size 35882577\r\n"
				 "250-starttls\r\n"
				 "250-AUTH CRAM-MD5 login PLAIN\r\n"
				 "250 8BITMIME\r\n"),
			       &r, &u),
			 0);
	smtp_ehlo_parse(&r, &e);
	assert_true(e.starttls && e.auth_plain && e.auth_login && e.size);
	assert_int_equal(e.size_max, 35882577);

	/* The greeting line's words are not extensions; the old AUTH= form counts. */
	assert_int_equal(parse(S("250-mx STARTTLS AUTH PLAIN SIZE 5\r\n250-AUTH=LOGIN\r\n250 SIZE\r\n"), &r, &u), 0);
	smtp_ehlo_parse(&r, &e);
	assert_false(e.starttls);
	assert_false(e.auth_plain);
	assert_true(e.auth_login);
	assert_true(e.size);
	assert_int_equal(e.size_max, 0);

	assert_int_equal(parse(S("250 mx\r\n"), &r, &u), 0);
	smtp_ehlo_parse(&r, &e);
	assert_false(e.starttls || e.auth_plain || e.auth_login || e.size);

	/* Near-misses are not the keywords. */
	assert_int_equal(parse(S("250-mx\r\n250-STARTTLSX\r\n250-XAUTH PLAIN\r\n250-AUTH PLAINX\r\n"
				 "250 SIZE 99999999999999999999999\r\n"),
			       &r, &u),
			 0);
	smtp_ehlo_parse(&r, &e);
	assert_false(e.starttls || e.auth_plain || e.auth_login);
	assert_true(e.size);
	assert_int_equal(e.size_max, 0); /* overflow: no limit known */
}

/* ------------------------------------------------------------------------------------
 * A scripted fake server
 */

#define FAKE_DATA "<DATA>"   /* expect: the message, up to and with CRLF.CRLF */
#define FAKE_CLOSE "<CLOSE>" /* reply: hang up */
#define FAKE_HANG "<HANG>"   /* reply: say nothing until the client hangs up */

struct fake_step {
	const char *expect; /* the start of the client's next line, or NULL to send at once */
	const char *reply;  /* sent as it is, or FAKE_CLOSE / FAKE_HANG, or NULL */
};

struct fake {
	const struct fake_step *steps;
	size_t nsteps;
	bool byte_at_a_time; /* each reply a byte per send() */
	size_t reply_len;    /* send this many bytes of reply[0] when not 0 (NULs, long) */
	int lfd;
	char port[16];
	pthread_t thread;
	char in[256 * 1024]; /* what the client sent, whole */
	size_t in_len;
	char data[64 * 1024]; /* the DATA part as it came over the wire */
	size_t data_len;
	char error[512]; /* a script mismatch, reported by fake_end */
};

static bool fake_wait(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) > 0;
}

/* Reads until the buffer from `from` contains end; false at EOF or after 10 s. */
static bool fake_read_until(struct fake *f, int fd, size_t from, const char *end)
{
	while (!memmem(f->in + from, f->in_len - from, end, strlen(end))) {
		if (f->in_len == sizeof(f->in) || !fake_wait(fd, 10000))
			return false;
		ssize_t n = recv(fd, f->in + f->in_len, sizeof(f->in) - f->in_len, 0);
		if (n <= 0)
			return false;
		f->in_len += (size_t)n;
	}
	return true;
}

static void fake_send(struct fake *f, int fd, const char *s, size_t len)
{
	if (!f->byte_at_a_time) {
		(void)!send(fd, s, len, MSG_NOSIGNAL);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		(void)!send(fd, s + i, 1, MSG_NOSIGNAL);
		usleep(200);
	}
}

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	size_t at = 0; /* the start of the next unread line in f->in */
	if (!fake_wait(f->lfd, 10000)) {
		snprintf(f->error, sizeof(f->error), "no connection");
		return NULL;
	}
	int fd = accept(f->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct fake_step *st = &f->steps[i];
		if (st->expect && strcmp(st->expect, FAKE_DATA) == 0) {
			/* From the CRLF of "DATA", for an empty message's ".\r\n". */
			if (!fake_read_until(f, fd, at - 2, "\r\n.\r\n")) {
				snprintf(f->error, sizeof(f->error), "step %zu: no end of DATA", i);
				break;
			}
			char *end = (char *)memmem(f->in + at - 2, f->in_len - at + 2, "\r\n.\r\n", 5) + 5;
			f->data_len = (size_t)(end - (f->in + at));
			memcpy(f->data, f->in + at, f->data_len);
			at += f->data_len;
		} else if (st->expect) {
			if (!fake_read_until(f, fd, at, "\r\n")) {
				snprintf(f->error, sizeof(f->error), "step %zu: no line (wanted '%s')", i, st->expect);
				break;
			}
			char *eol = memmem(f->in + at, f->in_len - at, "\r\n", 2);
			if (strncmp(f->in + at, st->expect, strlen(st->expect)) != 0) {
				snprintf(f->error, sizeof(f->error), "step %zu: wanted '%s', got '%.*s'", i, st->expect,
					 (int)(eol - (f->in + at)), f->in + at);
				break;
			}
			at = (size_t)(eol + 2 - f->in);
		}
		if (!st->reply)
			continue;
		if (strcmp(st->reply, FAKE_CLOSE) == 0) {
			close(fd);
			return NULL;
		}
		if (strcmp(st->reply, FAKE_HANG) == 0) {
			fake_read_until(f, fd, f->in_len, "\x01never");
			break;
		}
		fake_send(f, fd, st->reply, i == 0 && f->reply_len ? f->reply_len : strlen(st->reply));
	}
	/* Take what else comes (QUIT) until the client hangs up. */
	if (!f->error[0])
		fake_read_until(f, fd, f->in_len, "\x01never");
	close(fd);
	return NULL;
}

static struct fake *fake_start(const struct fake_step *steps, size_t nsteps)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	assert_non_null(f);
	f->steps = steps;
	f->nsteps = nsteps;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
	snprintf(f->port, sizeof(f->port), "%d", ntohs(a.sin_port));
	return f;
}

static void fake_go(struct fake *f)
{
	assert_int_equal(pthread_create(&f->thread, NULL, fake_run, f), 0);
}

/* Waits for the server's thread; the script must have run to its end. */
static void fake_end(struct fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->lfd);
	f->in[f->in_len < sizeof(f->in) ? f->in_len : sizeof(f->in) - 1] = '\0';
	if (f->error[0])
		fail_msg("fake server: %s; the client sent:\n%s", f->error, f->in);
}

static struct smtp_config fake_config(const struct fake *f)
{
	struct smtp_config c = {
	    .host = "127.0.0.1", .port = f->port, .helo_name = "client.example.com", .timeout_s = 10};
	return c;
}

static const char *const ONE_RCPT[] = {"b@example.com"};

static int fake_send_msg(const struct smtp_config *c, const char *msg, size_t len)
{
	err_clear();
	return smtp_send(c, "a@example.com", ONE_RCPT, 1, msg, len);
}

static void expect_msg(int r, int want, const char *words)
{
	if (r != want)
		fail_msg("expected %d, got %d: %s", want, r, r ? err_msg(r) : "success");
	if (words && !strstr(err_msg(r), words))
		fail_msg("message '%s' does not say '%s'", err_msg(r), words);
}

#define ARRAY(a) a, sizeof(a) / sizeof((a)[0])

static void test_fake_helo_and_stuffing(void **state)
{
	static const struct fake_step steps[] = {
	    {NULL, "220 fake.example.com\r\n"},
	    {"EHLO client.example.com", "502 5.5.2 Error: command not recognized\r\n"},
	    {"HELO client.example.com", "250 fake.example.com\r\n"},
	    {"MAIL FROM:<a@example.com>\r", "250 2.1.0 Ok\r\n"}, /* no SIZE: no EHLO */
	    {"RCPT TO:<b@example.com>\r", "250 2.1.5 Ok\r\n"},
	    {"DATA", "354 End data with <CR><LF>.<CR><LF>\r\n"},
	    {FAKE_DATA, "250 2.0.0 Ok: queued\r\n"},
	    {"QUIT", "221 2.0.0 Bye\r\n"},
	};
	struct fake *f = fake_start(ARRAY(steps));
	struct smtp_config c = fake_config(f); /* SMTP_TLS_STARTTLS, but nothing is offered */
	fake_go(f);
	const char msg[] = "Subject: dots\r\n\r\n.leading\r\n..two\r\n.\r\nbare lf\nbare cr\rcrlf\r\n\r\n"
			   ".\n\n.\rend without a newline";
	expect_msg(fake_send_msg(&c, S(msg)), 0, NULL);
	fake_end(f);
	const char want[] = "Subject: dots\r\n\r\n..leading\r\n...two\r\n..\r\nbare lf\r\nbare cr\r\ncrlf\r\n\r\n"
			    "..\r\n\r\n..\r\nend without a newline\r\n.\r\n";
	assert_int_equal(f->data_len, sizeof(want) - 1);
	assert_memory_equal(f->data, want, sizeof(want) - 1);
	assert_null(strstr(f->in, "STARTTLS"));
	free(f);
}

static void test_fake_auth_login_bytewise(void **state)
{
	/* A multi-line greeting and every reply a byte at a time; AUTH LOGIN in the clear
	 * is allowed to a loopback address; SIZE offered, so MAIL FROM says the size. */
	static const struct fake_step steps[] = {
	    {NULL, "220-fake.example.com\r\n220-second line\r\n220 ready\r\n"},
	    {"EHLO client.example.com", "250-fake.example.com\r\n250-SIZE 100000\r\n250 AUTH=LOGIN\r\n"},
	    {"AUTH LOGIN\r", "334 VXNlcm5hbWU6\r\n"},
	    {"dXNlckBleGFtcGxlLmNvbQ==\r", "334 UGFzc3dvcmQ6\r\n"},
	    {"c2VjcmV0IHBhc3M=\r", "235 2.7.0 Authentication successful\r\n"},
	    {"MAIL FROM:<a@example.com> SIZE=15\r", "250 Ok\r\n"},
	    {"RCPT TO:<b@example.com>", "250 Ok\r\n"},
	    {"DATA", "354 go\r\n"},
	    {FAKE_DATA, "250-Ok\r\n250 queued\r\n"},
	    {"QUIT", "221 Bye\r\n"},
	};
	struct fake *f = fake_start(ARRAY(steps));
	f->byte_at_a_time = true;
	struct smtp_config c = fake_config(f);
	c.user = "user@example.com";
	c.password = "secret pass";
	c.tls = SMTP_TLS_NONE;
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("\r\nhi there")), 0, NULL);
	fake_end(f);
	assert_int_equal(f->data_len, 15);
	assert_memory_equal(f->data, "\r\nhi there\r\n.\r\n", 15);
	free(f);
}

static void test_fake_auth_plain(void **state)
{
	static const struct fake_step steps[] = {
	    {NULL, "220 fake\r\n"},
	    {"EHLO", "250-fake\r\n250-AUTH LOGIN PLAIN\r\n250 8BITMIME\r\n"},
	    {"AUTH PLAIN AHVzZXIAcGFzcw==\r", "535 5.7.8 Error: authentication failed\r\n"},
	    {"QUIT", "221 Bye\r\n"},
	};
	struct fake *f = fake_start(ARRAY(steps));
	struct smtp_config c = fake_config(f);
	c.user = "user";
	c.password = "pass";
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EPERM,
		   "mail server '127.0.0.1' refused the login as 'user': 535 5.7.8 Error: authentication failed");
	fake_end(f);
	assert_null(strstr(f->in, "MAIL FROM"));
	free(f);
}

static void test_fake_refusals(void **state)
{
	/* A refused recipient stops everything: no DATA, -EPERM, the reply quoted. */
	static const struct fake_step rcpt[] = {
	    {NULL, "220 fake\r\n"},
	    {"EHLO", "250 fake\r\n"},
	    {"MAIL FROM:<a@example.com>", "250 Ok\r\n"},
	    {"RCPT TO:<b@example.com>", "250 Ok\r\n"},
	    {"RCPT TO:<c@example.com>", "550-5.1.1 <c@example.com>: Recipient address rejected:\r\n"
					"550 5.1.1 User unknown in local recipient table\r\n"},
	    {"QUIT", "221 Bye\r\n"},
	};
	struct fake *f = fake_start(ARRAY(rcpt));
	struct smtp_config c = fake_config(f);
	fake_go(f);
	static const char *const two[] = {"b@example.com", "c@example.com"};
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", two, 2, S("x")), -EPERM,
		   "mail server '127.0.0.1' refused the recipient 'c@example.com': 550 5.1.1 <c@example.com>: "
		   "Recipient address rejected: 5.1.1 User unknown in local recipient table");
	fake_end(f);
	assert_null(strstr(f->in, "DATA"));
	free(f);

	/* A temporary failure after the message: -EAGAIN. */
	static const struct fake_step later[] = {
	    {NULL, "220 fake\r\n"},
	    {"EHLO", "250 fake\r\n"},
	    {"MAIL FROM:<a@example.com>", "250 Ok\r\n"},
	    {"RCPT TO:<b@example.com>", "250 Ok\r\n"},
	    {"DATA", "354 go\r\n"},
	    {FAKE_DATA, "451 4.3.0 Error: queue file write error\r\n"},
	    {"QUIT", "221 Bye\r\n"},
	};
	f = fake_start(ARRAY(later));
	c = fake_config(f);
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "refused the message: 451 4.3.0 Error: queue file write error");
	fake_end(f);
	free(f);

	/* Greetings: 421 is temporary, 554 permanent. */
	static const struct fake_step g421[] = {{NULL, "421 4.3.2 busy, try later\r\n"}, {NULL, FAKE_CLOSE}};
	f = fake_start(ARRAY(g421));
	c = fake_config(f);
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "refused the connection: 421 4.3.2 busy, try later");
	fake_end(f);
	free(f);
	static const struct fake_step g554[] = {{NULL, "554 5.7.1 go away\r\n"}, {"QUIT", "221 bye\r\n"}};
	f = fake_start(ARRAY(g554));
	c = fake_config(f);
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EPERM, "refused the connection: 554 5.7.1 go away");
	fake_end(f);
	free(f);
}

static void test_fake_size(void **state)
{
	static const struct fake_step steps[] = {
	    {NULL, "220 fake\r\n"},
	    {"EHLO", "250-fake\r\n250 SIZE 100\r\n"},
	    {"QUIT", "221 Bye\r\n"},
	};
	struct fake *f = fake_start(ARRAY(steps));
	struct smtp_config c = fake_config(f);
	fake_go(f);
	char big[200];
	memset(big, 'x', sizeof(big));
	expect_msg(fake_send_msg(&c, big, sizeof(big)), -EPERM,
		   "message of 205 bytes is larger than mail server '127.0.0.1' accepts (100)");
	fake_end(f);
	assert_null(strstr(f->in, "MAIL FROM"));
	free(f);
}

static void test_fake_broken_servers(void **state)
{
	struct smtp_config c;
	struct fake *f;

	/* An endless line: refused once it is too long, not buffered. */
	static char endless[3 * SMTP_REPLY_MAX];
	memset(endless, 'x', sizeof(endless));
	memcpy(endless, "220 ", 4);
	static const struct fake_step line[] = {{NULL, endless}, {NULL, FAKE_HANG}};
	f = fake_start(ARRAY(line));
	f->reply_len = sizeof(endless);
	c = fake_config(f);
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "sent a malformed reply to the greeting: reply line is longer");
	fake_end(f);
	free(f);

	/* Endless lines. */
	static char many[SMTP_REPLY_LINES_MAX * 10 + 100];
	size_t n = 0;
	for (int i = 0; i <= SMTP_REPLY_LINES_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "220-%d\r\n", i);
	static const struct fake_step lines[] = {{NULL, many}, {NULL, FAKE_HANG}};
	f = fake_start(ARRAY(lines));
	c = fake_config(f);
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "reply has more than");
	fake_end(f);
	free(f);

	/* Not SMTP at all. */
	static const struct fake_step http[] = {{NULL, "HTTP/1.1 400 Bad Request\r\n\r\n"}, {NULL, FAKE_CLOSE}};
	f = fake_start(ARRAY(http));
	c = fake_config(f);
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "not an SMTP reply line: 'HTTP/1.1 400 Bad Request'");
	fake_end(f);
	free(f);

	/* Hangs up in the middle. */
	static const struct fake_step cut[] = {
	    {NULL, "220 fake\r\n"}, {"EHLO", "250 fake\r\n"}, {"MAIL FROM", FAKE_CLOSE}};
	f = fake_start(ARRAY(cut));
	c = fake_config(f);
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "closed the connection during the sender 'a@example.com'");
	fake_end(f);
	free(f);

	/* Says nothing: the step's timeout ends it. */
	static const struct fake_step silent[] = {{NULL, "220 fake\r\n"}, {"EHLO", FAKE_HANG}};
	f = fake_start(ARRAY(silent));
	c = fake_config(f);
	c.timeout_s = 1;
	fake_go(f);
	int64_t t0 = time_mono_us();
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "timed out");
	int64_t took = time_mono_us() - t0;
	assert_true(took >= 900000 && took < 3000000);
	fake_end(f);
	free(f);

	/* Data after STARTTLS's 220 (a command injection): refused, nothing in TLS. */
	static const struct fake_step inject[] = {
	    {NULL, "220 fake\r\n"},
	    {"EHLO", "250-fake\r\n250 STARTTLS\r\n"},
	    {"STARTTLS", "220 2.0.0 Ready to start TLS\r\n250 injected\r\n"},
	    {NULL, FAKE_HANG},
	};
	f = fake_start(ARRAY(inject));
	c = fake_config(f);
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "sent data after its STARTTLS reply");
	fake_end(f);
	free(f);

	/* STARTTLS required and not offered: -EAGAIN (it may be stripped on the way),
	 * and a polite QUIT. */
	static const struct fake_step plain[] = {
	    {NULL, "220 fake\r\n"}, {"EHLO", "250 fake\r\n"}, {"QUIT", "221 Bye\r\n"}};
	f = fake_start(ARRAY(plain));
	c = fake_config(f);
	c.tls = SMTP_TLS_REQUIRE_STARTTLS;
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "does not offer STARTTLS, which is required");
	fake_end(f);
	free(f);

	/* AUTH wanted and not offered. */
	f = fake_start(ARRAY(plain));
	c = fake_config(f);
	c.user = "u";
	c.password = "p";
	fake_go(f);
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "offers neither AUTH PLAIN nor AUTH LOGIN");
	fake_end(f);
	free(f);
}

static void test_dead_port(void **state)
{
	/* A port nobody listens on: bound, then closed. */
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	char port[16];
	snprintf(port, sizeof(port), "%d", ntohs(a.sin_port));
	struct smtp_config c = {.host = "127.0.0.1", .port = port, .timeout_s = 5};
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "cannot connect to 127.0.0.1 port");
	c.host = "no-such-host.invalid";
	expect_msg(fake_send_msg(&c, S("x")), -EAGAIN, "cannot resolve 'no-such-host.invalid'");
}

static void test_arguments(void **state)
{
	/* All refused before any connection (the port is never opened). */
	struct smtp_config c = {.host = "192.0.2.1", .port = "1", .timeout_s = 1};
	static const char *const bad_rcpt[] = {"b@example.com", "x@example.com>\r\nDATA"};
	static const char *const one[] = {"b@example.com"};
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", bad_rcpt, 2, S("x")), -EINVAL, "recipient address is not valid");
	expect_msg(smtp_send(&c, "a@example.com>\r\nRSET", one, 1, S("x")), -EINVAL, "envelope sender is not valid");
	expect_msg(smtp_send(&c, NULL, one, 1, S("x")), -EINVAL, "envelope sender is not set");
	expect_msg(smtp_send(&c, "a@example.com", one, 0, S("x")), -EINVAL, "1 to 100 recipients");
	expect_msg(smtp_send(&c, "a@example.com", one, 1, S("a\r\nb\0c")), -EINVAL, "NUL byte on line 2");
	char long_line[1200];
	memset(long_line, 'x', sizeof(long_line));
	expect_msg(smtp_send(&c, "a@example.com", one, 1, long_line, 999), -EINVAL, "line 1 is longer than 998");
	c.user = "u";
	c.password = "p";
	c.tls = SMTP_TLS_NONE;
	expect_msg(smtp_send(&c, "a@example.com", one, 1, S("x")), -EINVAL,
		   "refusing to send the password for 'u' in the clear to '192.0.2.1'");
	c.password = NULL;
	c.tls = SMTP_TLS_STARTTLS;
	expect_msg(smtp_send(&c, "a@example.com", one, 1, S("x")), -EINVAL, "password for 'u' is missing");
	c.user = NULL;
	c.helo_name = "bad name";
	expect_msg(smtp_send(&c, "a@example.com", one, 1, S("x")), -EINVAL, "EHLO name 'bad name'");
	c.helo_name = NULL;
	c.timeout_s = -1;
	expect_msg(smtp_send(&c, "a@example.com", one, 1, S("x")), -EINVAL, "timeout");
	c.timeout_s = 1;
	c.host = NULL;
	expect_msg(smtp_send(&c, "a@example.com", one, 1, S("x")), -EINVAL, "mail server is not set");
}

/* ------------------------------------------------------------------------------------
 * A real server: aiosmtpd
 */

/* The server: aiosmtpd's SMTP class with a handler that refuses recipients named
 * refused* (550) and later* (450) and stores each message as N.eml (the bytes as
 * received, dot-stuffing undone) and N.json (envelope, TLS and AUTH used, the headers
 * and body decoded by Python's email module, its defects). */
static const char server_py[] =
    "import argparse, asyncio, json, os, ssl\n"
    "from email import policy\n"
    "from email.parser import BytesParser\n"
    "from aiosmtpd.smtp import SMTP, AuthResult\n"
    "ap = argparse.ArgumentParser()\n"
    "ap.add_argument('dir')\n"
    "ap.add_argument('--starttls', nargs=2)\n"
    "ap.add_argument('--smtps', nargs=2)\n"
    "ap.add_argument('--auth')\n"
    "args = ap.parse_args()\n"
    "def put(name, data):\n"
    "    tmp = os.path.join(args.dir, name + '.tmp')\n"
    "    with open(tmp, 'wb') as f:\n"
    "        f.write(data)\n"
    "    os.rename(tmp, os.path.join(args.dir, name))\n"
    "class Handler:\n"
    "    n = 0\n"
    "    async def handle_RCPT(self, server, session, envelope, address, options):\n"
    "        if address.startswith('refused'):\n"
    "            return '550 5.1.1 <%s>: recipient rejected' % address\n"
    "        if address.startswith('later'):\n"
    "            return '450 4.2.0 <%s>: mailbox busy' % address\n"
    "        envelope.rcpt_tos.append(address)\n"
    "        return '250 OK'\n"
    "    async def handle_DATA(self, server, session, envelope):\n"
    "        Handler.n += 1\n"
    "        raw = envelope.original_content\n"
    "        msg = BytesParser(policy=policy.default).parsebytes(raw)\n"
    "        defects = [type(d).__name__ for d in msg.defects]\n"
    "        headers = []\n"
    "        for k, v in msg.items():\n"
    "            headers.append([k, str(v)])\n"
    "            defects += [type(d).__name__ for d in getattr(v, 'defects', ())]\n"
    "        info = {'mail_from': envelope.mail_from, 'mail_options': envelope.mail_options,\n"
    "                'rcpt_tos': envelope.rcpt_tos,\n"
    "                'tls': server.transport.get_extra_info('ssl_object') is not None,\n"
    "                'auth': session.auth_data if session.authenticated else None,\n"
    "                'headers': headers, 'defects': defects, 'body': msg.get_content()}\n"
    "        put('%d.eml' % Handler.n, raw)\n"
    "        put('%d.json' % Handler.n, json.dumps(info).encode())\n"
    "        return '250 2.0.0 Ok: queued as %d' % Handler.n\n"
    "def authenticator(server, session, envelope, mechanism, data):\n"
    "    user, _, password = args.auth.partition(':')\n"
    "    ok = data.login == user.encode() and data.password == password.encode()\n"
    "    return AuthResult(success=ok, handled=False, auth_data=user if ok else None)\n"
    "async def main():\n"
    "    ctx = None\n"
    "    pair = args.starttls or args.smtps\n"
    "    if pair:\n"
    "        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)\n"
    "        ctx.load_cert_chain(pair[0], pair[1])\n"
    "    kw = {'hostname': 'mx.test', 'auth_require_tls': pair is not None}\n"
    "    if args.starttls:\n"
    "        kw.update(tls_context=ctx, require_starttls=True)\n"
    "    if args.auth:\n"
    "        kw['authenticator'] = authenticator\n"
    "    loop = asyncio.get_running_loop()\n"
    "    server = await loop.create_server(lambda: SMTP(Handler(), loop=loop, **kw), '127.0.0.1', 0,\n"
    "                                      ssl=ctx if args.smtps else None)\n"
    "    put('port', str(server.sockets[0].getsockname()[1]).encode())\n"
    "    await server.serve_forever()\n"
    "asyncio.run(main())\n";

struct mta {
	pid_t pid;
	char dir[300];
	char port[16];
	int seen; /* messages read back so far */
};

static struct {
	char tmp[64];
	char python[64];
	char cert[300], key[300];
	struct mta plain;    /* no TLS; AUTH u:p allowed in the clear (loopback) */
	struct mta starttls; /* STARTTLS required; AUTH u:p after it */
	struct mta smtps;    /* TLS from the first byte */
} env;

/* Runs argv (PATH searched), output to log; its exit status, or -1. */
static int run(char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void print_file(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "--- %s ---\n%s\n", path, buf);
}

static int mta_start(struct mta *m, const char *name, const char *const extra[])
{
	char script[300], log[300], portfile[400];
	snprintf(m->dir, sizeof(m->dir), "%s/%s", env.tmp, name);
	snprintf(script, sizeof(script), "%s/server.py", env.tmp);
	snprintf(log, sizeof(log), "%s/%s.log", env.tmp, name);
	snprintf(portfile, sizeof(portfile), "%s/port", m->dir);
	if (mkdir(m->dir, 0700) < 0)
		return -1;
	char *argv[16] = {env.python, script, m->dir};
	int argc = 3;
	for (int i = 0; extra[i]; i++)
		argv[argc++] = (char *)extra[i];
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	int r = posix_spawnp(&m->pid, env.python, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		fprintf(stderr, "cannot start %s: %s\n", env.python, strerror(r));
		return -1;
	}
	for (int i = 0; i < 300; i++) { /* 15 s */
		FILE *f = fopen(portfile, "re");
		if (f) {
			bool ok = fgets(m->port, sizeof(m->port), f) != NULL;
			fclose(f);
			if (ok)
				return 0;
		}
		int status;
		if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
			m->pid = 0;
			break;
		}
		usleep(50000);
	}
	fprintf(stderr, "the aiosmtpd server '%s' did not start\n", name);
	print_file(log);
	return -1;
}

static void mta_stop(struct mta *m)
{
	if (m->pid > 0) {
		kill(m->pid, SIGTERM);
		waitpid(m->pid, NULL, 0);
		m->pid = 0;
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int aiosmtpd_start(void)
{
	signal(SIGPIPE, SIG_IGN);
	snprintf(env.tmp, sizeof(env.tmp), "/tmp/ward-test-smtp-XXXXXX");
	if (!mkdtemp(env.tmp))
		return -1;
	char log[300];
	snprintf(log, sizeof(log), "%s/setup.log", env.tmp);
	/* Debian's package is for the system's python3, which may not be first on PATH. */
	static const char *const pythons[] = {"/usr/bin/python3", "python3"};
	for (size_t i = 0; i < sizeof(pythons) / sizeof(pythons[0]) && !env.python[0]; i++) {
		char *argv[] = {(char *)pythons[i], (char *)"-c", (char *)"import aiosmtpd.smtp", NULL};
		if (run(argv, log) == 0)
			snprintf(env.python, sizeof(env.python), "%s", pythons[i]);
	}
	if (!env.python[0]) {
		fprintf(stderr, "test_smtp: aiosmtpd is not installed for python3: install the Debian package "
				"python3-aiosmtpd (scripts/deps test does)\n");
		print_file(log);
		return -1;
	}
	snprintf(env.cert, sizeof(env.cert), "%s/cert.pem", env.tmp);
	snprintf(env.key, sizeof(env.key), "%s/key.pem", env.tmp);
	char *req[] = {"openssl",
		       "req",
		       "-x509",
		       "-newkey",
		       "ec",
		       "-pkeyopt",
		       "ec_paramgen_curve:P-256",
		       "-nodes",
		       "-keyout",
		       env.key,
		       "-out",
		       env.cert,
		       "-days",
		       "2",
		       "-subj",
		       "/CN=127.0.0.1",
		       "-addext",
		       "subjectAltName=IP:127.0.0.1",
		       NULL};
	if (run(req, log) != 0) {
		fprintf(stderr, "test_smtp: openssl req failed\n");
		print_file(log);
		return -1;
	}
	char script[300];
	snprintf(script, sizeof(script), "%s/server.py", env.tmp);
	FILE *f = fopen(script, "we");
	if (!f || fwrite(server_py, 1, sizeof(server_py) - 1, f) != sizeof(server_py) - 1 || fclose(f) != 0)
		return -1;
	const char *plain[] = {"--auth", "u:p", NULL};
	const char *starttls[] = {"--starttls", env.cert, env.key, "--auth", "u:p", NULL};
	const char *smtps[] = {"--smtps", env.cert, env.key, NULL};
	if (mta_start(&env.plain, "plain", plain) < 0 || mta_start(&env.starttls, "starttls", starttls) < 0 ||
	    mta_start(&env.smtps, "smtps", smtps) < 0)
		return -1;
	return 0;
}

static int aiosmtpd_teardown(void **state)
{
	mta_stop(&env.plain);
	mta_stop(&env.starttls);
	mta_stop(&env.smtps);
	if (env.tmp[0])
		nftw(env.tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static int aiosmtpd_setup(void **state)
{
	if (aiosmtpd_start() == 0)
		return 0;
	aiosmtpd_teardown(state); /* cmocka does not run it after a failed setup */
	return -1;
}

static struct smtp_config mta_config(const struct mta *m, enum smtp_tls tls)
{
	struct smtp_config c = {.host = "127.0.0.1",
				.port = m->port,
				.helo_name = "ward.example.com",
				.ca_file = env.cert,
				.tls = tls,
				.timeout_s = 10};
	return c;
}

/* The next message the server stored: its JSON, and its bytes in *ret_raw. */
static json_t *mta_next(struct mta *m, char **ret_raw, size_t *ret_len)
{
	char path[400];
	m->seen++;
	snprintf(path, sizeof(path), "%s/%d.json", m->dir, m->seen);
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j)
		fail_msg("no message %d from %s: %s", m->seen, m->dir, e.text);
	snprintf(path, sizeof(path), "%s/%d.eml", m->dir, m->seen);
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	char *raw = malloc(1 << 20);
	assert_non_null(raw);
	size_t n = fread(raw, 1, (1 << 20) - 1, f);
	raw[n] = '\0';
	fclose(f);
	*ret_raw = raw;
	*ret_len = n;
	return j;
}

/* No message stored since the last mta_next. */
static void mta_nothing_new(const struct mta *m)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%d.json", m->dir, m->seen + 1);
	assert_int_equal(access(path, F_OK), -1);
}

static const char *json_header(const json_t *j, const char *name)
{
	size_t i;
	json_t *h;
	const char *found = NULL;
	json_array_foreach(json_object_get(j, "headers"), i, h)
	{
		if (strcasecmp(json_string_value(json_array_get(h, 0)), name) == 0) {
			assert_null(found); /* once */
			found = json_string_value(json_array_get(h, 1));
		}
	}
	if (!found)
		fail_msg("no %s header", name);
	return found;
}

static void assert_json_str(const json_t *j, const char *key, const char *want)
{
	const char *v = json_string_value(json_object_get(j, key));
	assert_non_null(v);
	assert_string_equal(v, want);
}

static void test_aiosmtpd_composed(void **state)
{
	struct mail_out m = {
	    .from_addr = "helpdesk@example.com",
	    .from_name = "Service Desk M\xc3\xbcller",
	    .to_addr = "ann@example.org",
	    .to_name = "Ann Smith",
	    .subject = "[#1234] Drucker im B\xc3\xbcro \xe2\x80\x94 \xf0\x9f\x96\xa8 still jamming after the repair "
		       "yesterday, \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e too",
	    .text =
		"Hello Ann,\n\n.this line starts with a dot\n.\nGr\xc3\xbc\xc3\x9f"
		"e = 100% \nFrom: the help desk\nFrom the help desk\n"
		"A long line: "
		"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
		"\n-- \nExample IT\n",
	    .in_reply_to = "ticket-1234-4@example.com",
	    .references = "CAF=x+y@mail.example.net ticket-1234-4@example.com",
	    .extra_headers = {{"X-Ward-Ticket", "1234"}},
	};
	char *text, id[MAIL_MSGID_SIZE];
	size_t len;
	assert_int_equal(mail_compose(&m, &text, &len, id), 0);
	struct smtp_config c = mta_config(&env.plain, SMTP_TLS_STARTTLS); /* none offered: plain */
	static const char *const rcpt[] = {"ann@example.org"};
	err_clear();
	expect_msg(smtp_send(&c, "bounces@example.com", rcpt, 1, text, len), 0, NULL);

	char *raw;
	size_t raw_len;
	json_t *j = mta_next(&env.plain, &raw, &raw_len);
	/* Byte for byte what was composed. */
	assert_int_equal(raw_len, len);
	assert_memory_equal(raw, text, len);
	assert_json_str(j, "mail_from", "bounces@example.com");
	assert_int_equal(json_array_size(json_object_get(j, "rcpt_tos")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "rcpt_tos"), 0)), "ann@example.org");
	assert_true(json_is_false(json_object_get(j, "tls")));
	assert_int_equal(json_array_size(json_object_get(j, "defects")), 0);
	/* Decoded by Python: the subject and the names round-trip. */
	assert_string_equal(json_header(j, "Subject"), m.subject);
	assert_string_equal(json_header(j, "From"), "Service Desk M\xc3\xbcller <helpdesk@example.com>");
	assert_string_equal(json_header(j, "To"), "Ann Smith <ann@example.org>");
	char want_id[300];
	snprintf(want_id, sizeof(want_id), "<%s>", id);
	assert_string_equal(json_header(j, "Message-ID"), want_id);
	assert_string_equal(json_header(j, "In-Reply-To"), "<ticket-1234-4@example.com>");
	assert_string_equal(json_header(j, "References"), "<CAF=x+y@mail.example.net> <ticket-1234-4@example.com>");
	assert_string_equal(json_header(j, "Auto-Submitted"), "auto-generated");
	assert_string_equal(json_header(j, "X-Ward-Ticket"), "1234");
	assert_string_equal(json_header(j, "MIME-Version"), "1.0");
	assert_string_equal(json_header(j, "Content-Transfer-Encoding"), "quoted-printable");
	assert_non_null(strstr(json_header(j, "Content-Type"), "charset=\"utf-8\""));
	assert_non_null(strstr(json_header(j, "Date"), " +0000"));
	/* The body decoded is the text (Python may keep the CRs). */
	const char *body = json_string_value(json_object_get(j, "body"));
	char *plain_body = strdup(body);
	size_t k = 0;
	for (const char *p = body; *p; p++)
		if (*p != '\r')
			plain_body[k++] = *p;
	plain_body[k] = '\0';
	assert_string_equal(plain_body, m.text);
	free(plain_body);
	json_decref(j);
	free(raw);
	free(text);
}

static void test_aiosmtpd_dot_stuffing(void **state)
{
	const char msg[] = "From: a@example.com\r\nSubject: dots\r\n\r\n.\r\n..\r\n.leading\r\n...\r\n"
			   "x\n.\nlf\r.\rcr\r\n.\r\n\r\n.end";
	const char want[] = "From: a@example.com\r\nSubject: dots\r\n\r\n.\r\n..\r\n.leading\r\n...\r\n"
			    "x\r\n.\r\nlf\r\n.\r\ncr\r\n.\r\n\r\n.end\r\n";
	struct smtp_config c = mta_config(&env.plain, SMTP_TLS_NONE);
	static const char *const rcpt[] = {"x@example.org"};
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", rcpt, 1, S(msg)), 0, NULL);
	char *raw;
	size_t len;
	json_t *j = mta_next(&env.plain, &raw, &len);
	assert_int_equal(len, sizeof(want) - 1);
	assert_memory_equal(raw, want, len);
	json_decref(j);
	free(raw);
}

static void test_aiosmtpd_envelope(void **state)
{
	struct smtp_config c = mta_config(&env.plain, SMTP_TLS_STARTTLS);
	char *raw;
	size_t len;
	/* A refused recipient: -EPERM, the server's words, nothing delivered to anyone. */
	static const char *const refused[] = {"ok@example.org", "refused@example.org"};
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", refused, 2, S("Subject: x\r\n\r\nx\r\n")), -EPERM,
		   "mail server '127.0.0.1' refused the recipient 'refused@example.org': 550 5.1.1 "
		   "<refused@example.org>: recipient rejected");
	/* A temporary refusal: -EAGAIN. */
	static const char *const later[] = {"later@example.org"};
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", later, 1, S("Subject: x\r\n\r\nx\r\n")), -EAGAIN,
		   "450 4.2.0 <later@example.org>: mailbox busy");
	mta_nothing_new(&env.plain);

	/* The null sender, several recipients; SIZE said. */
	static const char *const three[] = {"a@example.org", "b@example.org", "c@example.net"};
	err_clear();
	expect_msg(smtp_send(&c, "", three, 3, S("Subject: bounce\r\n\r\nx\r\n")), 0, NULL);
	json_t *j = mta_next(&env.plain, &raw, &len);
	assert_json_str(j, "mail_from", "<>");
	json_t *to = json_object_get(j, "rcpt_tos");
	assert_int_equal(json_array_size(to), 3);
	assert_string_equal(json_string_value(json_array_get(to, 2)), "c@example.net");
	json_t *opts = json_object_get(j, "mail_options");
	assert_int_equal(json_array_size(opts), 1);
	assert_string_equal(json_string_value(json_array_get(opts, 0)), "SIZE=25");
	json_decref(j);
	free(raw);
}

static void test_aiosmtpd_auth_loopback(void **state)
{
	/* In the clear, which is allowed to loopback only. */
	struct smtp_config c = mta_config(&env.plain, SMTP_TLS_NONE);
	c.user = "u";
	c.password = "p";
	char *raw;
	size_t len;
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", ONE_RCPT, 1, S("Subject: auth\r\n\r\nx\r\n")), 0, NULL);
	json_t *j = mta_next(&env.plain, &raw, &len);
	assert_json_str(j, "auth", "u");
	assert_true(json_is_false(json_object_get(j, "tls")));
	json_decref(j);
	free(raw);

	c.password = "wrong";
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", ONE_RCPT, 1, S("x\r\n")), -EPERM, "refused the login as 'u': 535");
	mta_nothing_new(&env.plain);
}

static void test_aiosmtpd_starttls(void **state)
{
	char *raw;
	size_t len;
	json_t *j;
	/* The server requires STARTTLS; the default mode uses it when offered. */
	static const enum smtp_tls modes[] = {SMTP_TLS_STARTTLS, SMTP_TLS_REQUIRE_STARTTLS};
	for (size_t i = 0; i < 2; i++) {
		struct smtp_config c = mta_config(&env.starttls, modes[i]);
		err_clear();
		expect_msg(smtp_send(&c, "a@example.com", ONE_RCPT, 1, S("Subject: tls\r\n\r\nx\r\n")), 0, NULL);
		j = mta_next(&env.starttls, &raw, &len);
		assert_true(json_is_true(json_object_get(j, "tls")));
		assert_true(json_is_null(json_object_get(j, "auth")));
		json_decref(j);
		free(raw);
	}
	/* AUTH, offered by this server only over TLS. */
	struct smtp_config c = mta_config(&env.starttls, SMTP_TLS_STARTTLS);
	c.user = "u";
	c.password = "p";
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", ONE_RCPT, 1, S("Subject: tls+auth\r\n\r\nx\r\n")), 0, NULL);
	j = mta_next(&env.starttls, &raw, &len);
	assert_true(json_is_true(json_object_get(j, "tls")));
	assert_json_str(j, "auth", "u");
	json_decref(j);
	free(raw);

	/* Without TLS the server refuses, permanently. */
	c = mta_config(&env.starttls, SMTP_TLS_NONE);
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", ONE_RCPT, 1, S("x\r\n")), -EPERM, "530");
	/* A certificate we cannot trust: the system's CAs, or the wrong name. */
	c = mta_config(&env.starttls, SMTP_TLS_STARTTLS);
	c.ca_file = NULL;
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", ONE_RCPT, 1, S("x\r\n")), -EAGAIN, "certificate verification failed");
	c = mta_config(&env.starttls, SMTP_TLS_STARTTLS);
	c.host = "localhost"; /* the certificate is for 127.0.0.1 */
	err_clear();
	int r = smtp_send(&c, "a@example.com", ONE_RCPT, 1, S("x\r\n"));
	assert_int_equal(r, -EAGAIN);
	mta_nothing_new(&env.starttls);
}

static void test_aiosmtpd_implicit_tls(void **state)
{
	struct smtp_config c = mta_config(&env.smtps, SMTP_TLS_IMPLICIT);
	char *raw;
	size_t len;
	err_clear();
	expect_msg(smtp_send(&c, "a@example.com", ONE_RCPT, 1, S("Subject: smtps\r\n\r\nx\r\n")), 0, NULL);
	json_t *j = mta_next(&env.smtps, &raw, &len);
	assert_true(json_is_true(json_object_get(j, "tls")));
	json_decref(j);
	free(raw);
	/* Plain SMTP to a TLS port: the greeting never comes as text. */
	c = mta_config(&env.smtps, SMTP_TLS_STARTTLS);
	c.timeout_s = 2;
	err_clear();
	assert_int_equal(smtp_send(&c, "a@example.com", ONE_RCPT, 1, S("x\r\n")), -EAGAIN);
	mta_nothing_new(&env.smtps);
}

int main(void)
{
	const struct CMUnitTest offline[] = {
	    cmocka_unit_test(test_reply_parse),
	    cmocka_unit_test(test_reply_limits),
	    cmocka_unit_test(test_ehlo_parse),
	    cmocka_unit_test(test_fake_helo_and_stuffing),
	    cmocka_unit_test(test_fake_auth_login_bytewise),
	    cmocka_unit_test(test_fake_auth_plain),
	    cmocka_unit_test(test_fake_refusals),
	    cmocka_unit_test(test_fake_size),
	    cmocka_unit_test(test_fake_broken_servers),
	    cmocka_unit_test(test_dead_port),
	    cmocka_unit_test(test_arguments),
	};
	const struct CMUnitTest aiosmtpd[] = {
	    cmocka_unit_test(test_aiosmtpd_composed), cmocka_unit_test(test_aiosmtpd_dot_stuffing),
	    cmocka_unit_test(test_aiosmtpd_envelope), cmocka_unit_test(test_aiosmtpd_auth_loopback),
	    cmocka_unit_test(test_aiosmtpd_starttls), cmocka_unit_test(test_aiosmtpd_implicit_tls),
	};
	int failed = cmocka_run_group_tests_name("smtp offline", offline, NULL, NULL);
	failed += cmocka_run_group_tests_name("smtp with aiosmtpd", aiosmtpd, aiosmtpd_setup, aiosmtpd_teardown);
	return failed ? 1 : 0;
}
