/*
 * Unit tests for the feed parsers: the tracker's JSON streamed in chunks of every
 * size gives what one chunk gives; every truncation of it, and malformed members, are
 * refused; OSV records (one, an array, ranges with introduced / fixed /
 * last_affected, other ecosystems skipped); end of life from distro-info CSVs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fs.h"
#include "vuln/vuln.h"

#define LOG_MAX (256 * 1024)

struct log {
	char text[LOG_MAX];
	size_t len;
};

static void log_add(struct log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_add(struct log *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(l->text) - l->len);
	l->len += (size_t)n;
}

#define S(x) ((x) ? (x) : "-")

static int on_issue(void *arg, const struct vuln_issue *i)
{
	log_add(arg, "issue %s %s %lld\n", i->cve, S(i->scope), (long long)i->debianbug);
	return 0;
}

static int on_entry(void *arg, const struct vuln_entry *e)
{
	log_add(arg, "entry %s %s %s %s %s %s %s %s %s %s\n", e->release, e->source, e->cve, e->status,
		S(e->introduced), S(e->fixed), S(e->last_affected), S(e->urgency), S(e->nodsa), S(e->nodsa_reason));
	return 0;
}

static char *fixture(const char *rel, size_t *len)
{
	char path[4096];
	char *data = NULL;
	const char *src = getenv("WARD_SRC");
	snprintf(path, sizeof(path), "%s/tests/fixtures/vuln/%s", src ? src : ".", rel);
	assert_int_equal(fs_read_file(path, 1 << 20, &data, len), 0);
	return data;
}

/* Parses data in chunks of size step (0: whole); the result of finish, or of the
 * failing feed. */
static int tracker_parse(const char *data, size_t len, size_t step, struct log *l)
{
	struct vuln_sink sink = {on_issue, on_entry, l};
	struct vuln_tracker *t = vuln_tracker_new(&sink);
	int r = 0;
	assert_non_null(t);
	l->len = 0;
	l->text[0] = '\0';
	for (size_t off = 0; off < len && r == 0; off += step ? step : len) {
		size_t n = step && len - off > step ? step : len - off;
		r = vuln_tracker_feed(t, data + off, n);
	}
	if (r == 0)
		r = vuln_tracker_finish(t);
	vuln_tracker_free(t);
	return r;
}

static void test_tracker_fixture(void **state)
{
	size_t len;
	char *data = fixture("tracker.json", &len);
	static struct log whole, part;
	assert_int_equal(tracker_parse(data, len, 0, &whole), 0);
	assert_non_null(strstr(whole.text, "issue CVE-2024-0001 remote 1060001\n"));
	assert_non_null(
	    strstr(whole.text, "entry bookworm openssl CVE-2024-0001 resolved - 3.0.13-1~deb12u1 - high - -\n"));
	assert_non_null(strstr(whole.text, "entry bookworm curl CVE-2024-0004 resolved - 0 - unimportant - -\n"));
	assert_non_null(strstr(whole.text, "entry bookworm bash CVE-2024-0007 open - - - low Minor issue ignored\n"));
	assert_non_null(strstr(whole.text, "entry bookworm zlib CVE-2024-0011 open - - - end-of-life - -\n"));
	assert_non_null(strstr(whole.text, "entry bullseye curl CVE-2024-0013 open"));
	/* the same whatever the chunks */
	for (size_t step = 1; step <= 97; step++) {
		assert_int_equal(tracker_parse(data, len, step, &part), 0);
		assert_string_equal(part.text, whole.text);
	}
	free(data);
}

static void test_tracker_truncated(void **state)
{
	size_t len;
	char *data = fixture("tracker.json", &len);
	static struct log l;
	size_t end = len;
	while (end > 0 && data[end - 1] != '}')
		end--;
	/* every prefix that stops before the closing brace is refused */
	for (size_t n = 0; n < end; n++) {
		int r = tracker_parse(data, n, 7, &l);
		if (r != -EBADMSG)
			print_error("prefix of %zu bytes: %d\n", n, r);
		assert_int_equal(r, -EBADMSG);
	}
	assert_int_equal(tracker_parse(data, end, 7, &l), 0);
	assert_int_equal(tracker_parse(data, 1500, 0, &l), -EBADMSG);
	assert_non_null(strstr(err_msg(-EBADMSG), "truncated"));
	free(data);
}

static void test_tracker_malformed(void **state)
{
	static const char *const bad[] = {
	    "[]",
	    "{\"a\": 1}",
	    "{\"a\": {\"CVE-1\": []}}",
	    "{\"a\": {\"CVE-1\": {\"releases\": {\"bookworm\": {\"status\": 7}}}}}",
	    "{\"a\": {\"CVE-1\": {\"releases\": {\"bookworm\": {\"fixed_version\": \"1\"}}}}}",
	    "{\"a\": {\"CVE-1\": {\"releases\": {\"bookworm\": {\"status\": \"open\", \"nodsa\": 3}}}}}",
	    "{\"a\": {\"CVE-1\": {\"releases\": []}}}",
	    "{\"a\": {\"CVE-1\": {\"debianbug\": \"x\"}}}",
	    "{\"a\": {\"CVE-1\": {}} \"b\": {}}",
	    "{\"a\": {\"CVE-1\": {}}} x",
	    "{\"a\": {\"CVE-1\": {\"releases\": {\"bookworm\": {\"status\": \"open\"}}}}, \"a\": {]}}",
	    "",
	    "   ",
	};
	static struct log l;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = tracker_parse(bad[i], strlen(bad[i]), 0, &l);
		if (r != -EBADMSG)
			print_error("case %zu: %d\n", i, r);
		assert_int_equal(r, -EBADMSG);
	}
	/* an empty object, blanks, a BOM and unknown fields are fine */
	const char *ok = "\xef\xbb\xbf { \"a\" : { \"CVE-1\" : { \"x\": [1, \"}\"], \"releases\": {\"sid\": "
			 "{\"status\": \"open\", \"nodsa\": true, \"other\": {}}}}} } \n";
	assert_int_equal(tracker_parse(ok, strlen(ok), 1, &l), 0);
	assert_string_equal(l.text, "issue CVE-1 - 0\nentry sid a CVE-1 open - - - -  -\n");
	assert_int_equal(tracker_parse("{}", 2, 0, &l), 0);
}

static void test_osv(void **state)
{
	size_t len, skipped = 0;
	char *data = fixture("osv/more.json", &len);
	static struct log l;
	struct vuln_sink sink = {on_issue, on_entry, &l};
	l.len = 0;
	assert_int_equal(vuln_osv_parse(data, len, &sink, &skipped), 0);
	assert_non_null(strstr(l.text, "entry 12 bash CVE-2024-0021 resolved 5.3-1 5.3-2 - - - -\n"));
	assert_non_null(strstr(l.text, "entry 12 bash CVE-2024-0022 open 0 - 5.2.15-2 - - -\n"));
	assert_non_null(strstr(l.text, "entry 22.04 bash CVE-2024-0023 resolved 0 5.1-6ubuntu1.1 - high - -\n"));
	assert_null(strstr(l.text, "left-pad"));
	assert_int_equal(skipped, 1);
	free(data);

	/* several intervals in one range; Ubuntu Pro's ecosystem name */
	const char *multi =
	    "{\"id\": \"USN-1\", \"aliases\": [\"CVE-9\"], \"affected\": [{\"package\": {\"ecosystem\": "
	    "\"Ubuntu:Pro:20.04:LTS\", \"name\": \"p\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": "
	    "[{\"introduced\": \"0\"}, {\"fixed\": \"1\"}, {\"introduced\": \"2\"}, {\"fixed\": \"3\"}, "
	    "{\"introduced\": \"4\"}]}]}]}";
	l.len = 0;
	assert_int_equal(vuln_osv_parse(multi, strlen(multi), &sink, NULL), 0);
	assert_string_equal(l.text, "issue CVE-9 - 0\n"
				    "entry 20.04 p CVE-9 resolved 0 1 - - - -\n"
				    "entry 20.04 p CVE-9 resolved 2 3 - - - -\n"
				    "entry 20.04 p CVE-9 open 4 - - - - -\n");
	static const char *const bad[] = {"{", "{\"affected\": []}", "{\"id\": \"X\", \"affected\": {}}", "[1]",
					  "{\"id\": \"X\", \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\", "
					  "\"name\": \"p\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\"}]}]}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vuln_osv_parse(bad[i], strlen(bad[i]), &sink, NULL), -EBADMSG);
}

static void test_eol(void **state)
{
	char dir[4096];
	const char *src = getenv("WARD_SRC");
	json_t *res = NULL;
	snprintf(dir, sizeof(dir), "%s/tests/fixtures/vuln/root/usr/share/distro-info", src ? src : ".");
	int64_t y2025 = 1735689600; /* 2025-01-01 */
	assert_int_equal(vuln_eol(dir, "debian", "12", "bookworm", y2025, &res), 0);
	assert_string_equal(json_string_value(json_object_get(res, "status")), "extended");
	assert_string_equal(json_string_value(json_object_get(res, "eol")), "2024-06-10");
	json_decref(res);
	assert_int_equal(vuln_eol(dir, "debian", "11", NULL, y2025 + 2 * 365 * 86400LL, &res), 0);
	assert_string_equal(json_string_value(json_object_get(res, "status")), "extended");
	json_decref(res);
	assert_int_equal(vuln_eol(dir, "debian", NULL, "bullseye", 2000000000, &res), 0); /* 2033 */
	assert_string_equal(json_string_value(json_object_get(res, "status")), "end-of-life");
	json_decref(res);
	assert_int_equal(vuln_eol(dir, "debian", "13", "trixie", y2025, &res), 0);
	assert_string_equal(json_string_value(json_object_get(res, "status")), "supported");
	assert_true(json_is_null(json_object_get(res, "eol")));
	json_decref(res);
	assert_int_equal(vuln_eol(dir, "debian", "14", "forky", y2025, &res), -ENOENT);
	assert_int_equal(vuln_eol(dir, "ubuntu", "22.04", "jammy", y2025, &res), -ENOENT);
	assert_int_equal(vuln_eol(dir, "fedora", "40", NULL, y2025, &res), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tracker_fixture),
	    cmocka_unit_test(test_tracker_truncated),
	    cmocka_unit_test(test_tracker_malformed),
	    cmocka_unit_test(test_osv),
	    cmocka_unit_test(test_eol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
