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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_bad_versions),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
