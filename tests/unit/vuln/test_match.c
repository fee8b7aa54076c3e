/*
 * Unit tests for the vulnerability matcher: every status the tracker's fields and
 * OSV's ranges can give, version order as dpkg's (epochs, ~, revisions), bad
 * versions refused, and status names both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/crypto.h"
#include "core/store.h"
#include "hosts/hosts_store.h"
#include "vuln/vuln.h"

struct match_case {
	const char *installed;
	struct vuln_entry e;
	enum vuln_status want;
};

#define T(st, fx, urg, nd, ndr)                                                                                        \
	{                                                                                                              \
		.release = "bookworm", .source = "pkg", .cve = "CVE-1", .status = st, .fixed = fx, .urgency = urg,     \
		.nodsa = nd, .nodsa_reason = ndr                                                                       \
	}
#define O(intro, fx, last)                                                                                             \
	{                                                                                                              \
		.release = "12", .source = "pkg", .cve = "CVE-1", .status = fx ? "resolved" : "open",                  \
		.introduced = intro, .fixed = fx, .last_affected = last                                                \
	}

static const struct match_case cases[] = {
    /* the tracker */
    {"1.0-1", T("resolved", "0", NULL, NULL, NULL), VULN_NOT_AFFECTED},
    {"1.0-1", T("resolved", "1.0-2", "high", NULL, NULL), VULN_FIXED_AVAILABLE},
    {"1.0-2", T("resolved", "1.0-2", "high", NULL, NULL), VULN_NOT_AFFECTED},
    {"1.0-3", T("resolved", "1.0-2", "high", NULL, NULL), VULN_NOT_AFFECTED},
    {"1.0-2~deb12u1", T("resolved", "1.0-2", NULL, NULL, NULL), VULN_FIXED_AVAILABLE}, /* ~ sorts first */
    {"1:0.9-1", T("resolved", "1.0-2", NULL, NULL, NULL), VULN_NOT_AFFECTED},	       /* the epoch wins */
    {"1.0", T("resolved", "1.0-0", NULL, NULL, NULL), VULN_NOT_AFFECTED},	       /* no revision is 0 */
    {"1.0-1", T("resolved", NULL, NULL, NULL, NULL), VULN_NOT_AFFECTED},	       /* resolved, no version */
    {"1.0-1", T("open", NULL, "low", NULL, NULL), VULN_UNFIXED},
    {"1.0-1", T("undetermined", NULL, "not yet assigned", NULL, NULL), VULN_UNFIXED},
    {"1.0-1", T("open", NULL, "unimportant", NULL, NULL), VULN_UNFIXED},
    {"1.0-1", T("open", NULL, "low", "Minor issue", "ignored"), VULN_WILL_NOT_FIX},
    {"1.0-1", T("open", NULL, "low", "Minor issue", ""), VULN_WILL_NOT_FIX},
    {"1.0-1", T("open", NULL, "low", "", NULL), VULN_WILL_NOT_FIX},
    {"1.0-1", T("open", NULL, "low", "Minor issue", "postponed"), VULN_UNFIXED},
    {"1.0-1", T("open", NULL, "end-of-life", NULL, NULL), VULN_END_OF_LIFE},
    {"1.0-1", T("open", NULL, "end-of-life", "x", "ignored"), VULN_END_OF_LIFE},
    {"1.0-1", T("resolved", "1.0-2", "end-of-life", NULL, NULL), VULN_FIXED_AVAILABLE},
    {"1.0-3", T("resolved", "1.0-2", "end-of-life", NULL, NULL), VULN_NOT_AFFECTED},
    /* OSV ranges */
    {"1.0-1", O("0", "1.0-2", NULL), VULN_FIXED_AVAILABLE},
    {"1.0-2", O("0", "1.0-2", NULL), VULN_NOT_AFFECTED},
    {"0.9-1", O("1.0-1", "1.0-2", NULL), VULN_NOT_AFFECTED},	/* before introduced */
    {"1.0-1", O("1.0-1", "1.0-2", NULL), VULN_FIXED_AVAILABLE}, /* introduced is affected */
    {"1.0-1", O("0", NULL, "1.0-1"), VULN_UNFIXED},		/* last_affected is affected */
    {"1.0-2", O("0", NULL, "1.0-1"), VULN_NOT_AFFECTED},
    {"1.0-1", O("0", NULL, NULL), VULN_UNFIXED},
    {"1.0-1", O(NULL, NULL, NULL), VULN_UNFIXED},
};

static void test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum vuln_status st = (enum vuln_status)99;
		int r = vuln_match_entry(&cases[i].e, cases[i].installed, &st);
		if (r != 0 || st != cases[i].want)
			print_error("case %zu: installed %s fixed %s: got %d %s, want %s\n", i, cases[i].installed,
				    cases[i].e.fixed ? cases[i].e.fixed : "-", r, vuln_status_name(st),
				    vuln_status_name(cases[i].want));
		assert_int_equal(r, 0);
		assert_int_equal(st, cases[i].want);
	}
}

static void test_bad_versions(void **state)
{
	struct vuln_entry e = T("resolved", "1.0-2", NULL, NULL, NULL);
	struct vuln_entry bad = T("resolved", "1.0 2", NULL, NULL, NULL);
	enum vuln_status st = VULN_UNFIXED;
	assert_int_equal(vuln_match_entry(&e, "", &st), -EINVAL);
	assert_int_equal(vuln_match_entry(&e, "a:1", &st), -EINVAL);
	assert_int_equal(vuln_match_entry(&bad, "1.0-1", &st), -EINVAL);
	assert_non_null(strstr(err_msg(-EINVAL), "CVE-1"));
	assert_int_equal(st, VULN_UNFIXED); /* untouched on failure */
}

static void test_names(void **state)
{
	for (int s = VULN_NOT_AFFECTED; s <= VULN_END_OF_LIFE; s++) {
		enum vuln_status back;
		assert_int_equal(vuln_status_parse(vuln_status_name((enum vuln_status)s), &back), 0);
		assert_int_equal(back, s);
	}
	enum vuln_status st;
	assert_int_equal(vuln_status_parse("vulnerable", &st), -EINVAL);
	assert_string_equal(vuln_status_name(VULN_WILL_NOT_FIX), "will-not-fix");
}

/* --- the fleet: packages sections read by the scanner, or by jansson when it gives up --- */

static char dir[256];

static int store_up(void **state)
{
	struct store *s;
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-vuln-match.XXXXXX");
	if (!mkdtemp(dir) || crypto_init() < 0 || store_setup(dir) < 0 || store_open(true, &s) < 0)
		return -1;
	return 0;
}

static int store_down(void **state)
{
	char cmd[300];
	(void)state;
	store_release();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *const tracker_json =
    "{\"openssl\": {\"CVE-1\": {\"scope\": \"remote\", \"releases\": {\"bookworm\": {\"status\": \"resolved\", "
    "\"fixed_version\": \"3.0.2-1\", \"urgency\": \"high\"}}},"
    "  \"CVE-2\": {\"releases\": {\"bookworm\": {\"status\": \"open\", \"urgency\": \"low\", \"nodsa\": \"Minor\", "
    "\"nodsa_reason\": \"ignored\"}}}},"
    " \"zlib\": {\"CVE-3\": {\"releases\": {\"bookworm\": {\"status\": \"open\", \"urgency\": \"end-of-life\"}}}},"
    " \"caf\\u00e9\": {\"CVE-4\": {\"releases\": {\"bookworm\": {\"status\": \"open\"}}}}}";

/* Packages sections the scanner reads and ones it must leave to jansson; each host's
 * findings must be what vuln_match_machine makes of the section parsed as JSON. */
static const char *const sections[] = {
    /* the agent's shape */
    "{\"count\": 3, \"items\": [{\"name\": \"libssl3\", \"version\": \"3.0.1-1\", \"source\": \"openssl\", "
    "\"source_version\": \"3.0.1-1\", \"status\": \"installed\", \"manager\": \"dpkg\", \"size\": 12.5},"
    " {\"name\": \"openssl\", \"version\": \"3.0.1-1\", \"status\": \"installed\", \"files\": [1, -2, 0.5, true, "
    "false, null, {\"a\": []}]},"
    " {\"name\": \"zlib1g\", \"version\": \"1:1.2.13-1\", \"source\": \"zlib\"}]}",
    /* a bare array; items filtered out: rpm, not installed, no version, a name not a string */
    "[{\"name\": \"zlib1g\", \"version\": \"1.2\", \"source\": \"zlib\", \"manager\": \"rpm\"},"
    " {\"name\": \"libssl3\", \"source\": \"openssl\", \"version\": \"3.0.1-1\", \"status\": \"config-files\"},"
    " {\"name\": \"libssl3\", \"source\": \"openssl\"}, {\"name\": 5, \"source\": \"zlib\", \"version\": \"1\"},"
    " \"text\", 7, [], {\"name\": \"zlib1g\", \"source\": \"zlib\", \"source\": 3, \"version\": \"1.0\"}]",
    /* a repeated items member: the last one counts */
    "{\"items\": [{\"name\": \"zlib1g\", \"version\": \"1.0\", \"source\": \"zlib\"}], \"items\": "
    "[{\"name\": \"libssl3\", \"version\": \"3.0.3-1\", \"source\": \"openssl\"}]}",
    /* items not an array */
    "{\"items\": {\"name\": \"zlib1g\", \"version\": \"1.0\", \"source\": \"zlib\"}}",
    /* escapes and UTF-8: jansson reads these */
    "{\"items\": [{\"name\": \"caf\\u00e9-bin\", \"version\": \"1.0\", \"source\": \"caf\\u00e9\"},"
    " {\"name\": \"zlib1g\", \"version\": \"1.0\", \"source\": \"z\\u006cib\"}]}",
    "{\"items\": [{\"name\": \"caf\xc3\xa9-bin\", \"version\": \"1.0\", \"source\": \"caf\xc3\xa9\"}], \"n\": 1e3}",
};

/* Hosts whose packages sections are not JSON at all (or null) are left out. */
static const char *const skipped[] = {"{\"items\": [", "null", "{\"items\": []} x", "{\"items\": [01]}"};

struct seen {
	json_t *by_host;
};

static int keep(void *arg, json_t *res)
{
	struct seen *sn = arg;
	return json_object_set(sn->by_host, json_string_value(json_object_get(res, "host")), res);
}

static void test_fleet_scan(void **state)
{
	struct store *s = store_get();
	char path[300], name[32];
	unsigned char hash[32] = {0};
	json_t *os = json_pack("{s:s, s:s, s:s}", "id", "debian", "version_id", "12", "codename", "bookworm");
	const char *system_json = "{\"os\": {\"id\": \"debian\", \"version_id\": \"12\", \"codename\": \"bookworm\"}}";
	struct seen sn = {json_object()};
	size_t nsec = sizeof(sections) / sizeof(sections[0]), nskip = sizeof(skipped) / sizeof(skipped[0]);
	(void)state;
	snprintf(path, sizeof(path), "%s/tracker.json", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(tracker_json, fp) >= 0 && fclose(fp) == 0, 1);
	assert_int_equal(vuln_import(s, "test", path, NULL, NULL, NULL), 0);
	for (size_t i = 0; i < nsec + nskip; i++) {
		int64_t id;
		char uid[40];
		snprintf(name, sizeof(name), "h%02zu", i);
		snprintf(uid, sizeof(uid), "%032zx", i + 1);
		assert_int_equal(hosts_store_insert(s, uid, name, hash, 1000, 300, &id), 0);
		assert_int_equal(hosts_store_section_put(s, id, "system", "0", system_json, 1000), 0);
		assert_int_equal(hosts_store_section_put(s, id, "packages", "0", i < nsec ? sections[i] : skipped[i - nsec],
							 1000),
				 0);
	}
	for (int pass = 0; pass < 2; pass++) { /* counts only, then every finding */
		json_object_clear(sn.by_host);
		assert_int_equal(vuln_match_fleet(s, NULL, NULL, 0, pass == 0, keep, &sn), 0);
		assert_int_equal(json_object_size(sn.by_host), nsec);
		for (size_t i = 0; i < nsec; i++) {
			json_t *pk = json_loads(sections[i], JSON_DECODE_ANY, NULL), *want = NULL;
			snprintf(name, sizeof(name), "h%02zu", i);
			json_t *got = json_object_get(sn.by_host, name);
			assert_non_null(pk);
			assert_non_null(got);
			assert_int_equal(vuln_match_machine(s, pk, os, NULL, &want), 0);
			assert_true(json_equal(json_object_get(got, "counts"), json_object_get(want, "counts")));
			if (pass == 1)
				assert_true(json_equal(json_object_get(got, "findings"), json_object_get(want, "findings")));
			json_decref(pk);
			json_decref(want);
		}
	}
	/* the first section's findings, for the record: both openssl issues and zlib's */
	json_t *f = json_object_get(json_object_get(sn.by_host, "h00"), "findings");
	assert_int_equal(json_array_size(f), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "status")), "fixed-available");
	assert_int_equal(json_array_size(json_object_get(json_array_get(f, 0), "binaries")), 2);
	/* the café section went through jansson and still matched */
	assert_int_equal(json_array_size(json_object_get(json_object_get(sn.by_host, "h04"), "findings")), 2);
	json_decref(sn.by_host);
	json_decref(os);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_bad_versions),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_fleet_scan, store_up, store_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
