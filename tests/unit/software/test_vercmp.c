/*
 * Unit tests for vercmp: dpkg's classic cases (its own t-version.c and Debian policy
 * 5.6.12): parsing and its two classes of bad syntax, the order of epochs, upstream
 * versions and revisions, '~', letters and digit runs, byte ranges, and the
 * relations of dpkg --compare-versions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "software/vercmp.h"

static int sign(int v)
{
	return v < 0 ? -1 : v > 0 ? 1 : 0;
}

/* a compares to b as want, and b to a the other way round. */
static void order(const char *a, const char *b, int want)
{
	int got = sign(vercmp(a, b)), back = sign(vercmp(b, a));
	if (got != want || back != -want)
		fail_msg("vercmp('%s', '%s') = %d (back %d), want %d", a, b, got, back, want);
}

static void test_equal(void **state)
{
	order("0", "0", 0);
	order("0:0-0", "0", 0);
	order("1.0", "1.0-0", 0);
	order("0:1.0", "1.0", 0);
	order("1.002", "1.2", 0);
	order("1.0-00", "1.0", 0);
	order("00:1", "1", 0);
	order(" 1.0 ", "1.0", 0);
	order("1.0\t", "1.0", 0);
}

static void test_epoch(void **state)
{
	order("1:0", "0:9", 1);
	order("1:1.0", "2.0", 1);
	order("2:0.1", "1:99.99", 1);
	order("10:1", "9:1", 1);
	order("2147483647:1", "2147483646:9", 1);
}

static void test_upstream(void **state)
{
	order("1.0", "1.1", -1);
	order("1.2", "1.10", -1);
	order("1.0.0", "1.0", 1);
	order("1.0a", "1.0", 1);
	order("1.0a", "1.0b", -1);
	order("1.0B", "1.0a", -1); /* ASCII: upper case first */
	order("1.0a", "1.0+", -1); /* letters before non-letters */
	order("1.0+", "1.0.", -1); /* then by byte */
	order("1.0z", "1.0.", -1);
	order("2.0.1", "2.0a", 1);
	order("1:2:3", "1:2:4", -1); /* colons in the upstream version */
	order("0001", "1", 0);
	order("18446744073709551616", "18446744073709551615", 1); /* digit runs of any length */
	order("1.99999999999999999999", "1.100000000000000000000", -1);
}

static void test_tilde(void **state)
{
	/* Debian policy 5.6.12: ~~ < ~~a < ~ < (nothing) < a */
	order("1.0~~", "1.0~~a", -1);
	order("1.0~~a", "1.0~", -1);
	order("1.0~", "1.0", -1);
	order("1.0", "1.0a", -1);
	order("1.0~rc1", "1.0", -1);
	order("1.0~rc1", "1.0~rc2", -1);
	order("2.0~beta", "2.0~alpha", 1);
	order("1.0~", "1.0-", -1); /* a '-' is never in a parsed upstream; still ordered */
	order("1.0-1~bpo1", "1.0-1", -1);
	order("1.0-1~deb12u1", "1.0-1+deb12u1", -1);
}

static void test_revision(void **state)
{
	order("1.0-1", "1.0-2", -1);
	order("1.0-10", "1.0-9", 1);
	order("1.0-1", "1.0-1+b1", -1);
	order("1.0-1+b1", "1.0-1.1", -1); /* '+' (43) before '.' (46), both after letters */
	order("1.0-1-2", "1.0-1-10", -1); /* the revision is after the last hyphen */
	order("1.0-1-2", "1.0-2", 1);	   /* upstream "1.0-1" against "1.0" */
	order("5.2.15-2+b8", "5.2.15-2+b13", -1);
	order("1.0-0", "1.0-0.1", -1);
	order("2:1.0-1", "2:1.0", 1);
}

static void test_high_bytes(void **state)
{
	/* dpkg reads a plain (signed) char: bytes above 0x7f sort after letters and before
	 * other ASCII characters. Bad syntax, but dpkg still compares it. */
	order("1\xe9", "1z", 1);
	order("1\xe9", "1.", -1);
	order("1\xe9", "1\xff", -1);
}

static void parse_ok(const char *s, int epoch, const char *up, const char *rev, const char *warning)
{
	struct vercmp_version v;
	const char *w = "unset";
	int r = vercmp_parse(s, strlen(s), &v, &w);
	if (r != 0)
		fail_msg("'%s' refused: %s", s, err_msg(r));
	assert_int_equal(v.epoch, epoch);
	assert_int_equal(v.upstream_len, strlen(up));
	assert_memory_equal(v.upstream, up, strlen(up));
	assert_int_equal(v.revision_len, strlen(rev));
	assert_memory_equal(v.revision, rev, strlen(rev));
	if (warning)
		assert_string_equal(w, warning);
	else
		assert_null(w);
	assert_int_equal(vercmp_check(s), warning ? -EINVAL : 0);
	if (warning)
		assert_non_null(strstr(err_msg(-EINVAL), warning));
}

static void parse_bad(const char *s, const char *why)
{
	struct vercmp_version v = {.epoch = 77};
	const char *w = "unset";
	assert_int_equal(vercmp_parse(s, strlen(s), &v, &w), -EINVAL);
	if (!strstr(err_msg(-EINVAL), why) || !strstr(err_msg(-EINVAL), "has bad syntax"))
		fail_msg("'%s': message '%s', want '%s'", s, err_msg(-EINVAL), why);
	assert_int_equal(v.epoch, 77); /* nothing written on failure */
	assert_string_equal(w, "unset");
	assert_int_equal(vercmp_check(s), -EINVAL);
}

static void test_parse(void **state)
{
	parse_ok("1.0", 0, "1.0", "", NULL);
	parse_ok("2:1.0-1", 2, "1.0", "1", NULL);
	parse_ok("1.0-1-2", 0, "1.0-1", "2", NULL);
	parse_ok("1:2:3", 1, "2:3", "", NULL);
	parse_ok(" \t1.0-1 \t", 0, "1.0", "1", NULL);
	parse_ok("0:0-0", 0, "0", "0", NULL);
	parse_ok("+1:2", 1, "2", "", NULL); /* strtol takes a sign */
	parse_ok("-0:2", 0, "2", "", NULL);
	parse_ok("\n3:2", 3, "2", "", NULL); /* and skips a newline before the digits */
	parse_ok("2147483647:1", 2147483647, "1", "", NULL);
	parse_ok("1.0~rc1+dfsg-1~bpo12+1", 0, "1.0~rc1+dfsg", "1~bpo12+1", NULL);
	parse_ok("a", 0, "a", "", "version number does not start with digit");
	parse_ok("~1", 0, "~1", "", "version number does not start with digit");
	parse_ok("1_2", 0, "1_2", "", "invalid character in version number");
	parse_ok("1.0-a_b", 0, "1.0", "a_b", "invalid character in revision number");
	parse_ok("1.0-1%2", 0, "1.0", "1%2", "invalid character in revision number");
	parse_bad("", "version string is empty");
	parse_bad(" \t ", "version string is empty");
	parse_bad("1.0 1", "version string has embedded spaces");
	parse_bad(":1", "epoch in version is empty");
	parse_bad("a:1", "epoch in version is empty");
	parse_bad("1a:1", "epoch in version is not number");
	parse_bad("1-1:2", "epoch in version is not number");
	parse_bad("-1:1", "epoch in version is negative");
	parse_bad("2147483648:1", "epoch in version is too big");
	parse_bad("99999999999999999999:1", "epoch in version is too big");
	parse_bad("1:", "nothing after colon in version number");
	parse_bad("1.0-", "revision number is empty");
	parse_bad("-1", "version number is empty");
	parse_bad("1:-1", "version number is empty");
	parse_bad("1: ", "version number is empty");
}

static void test_ranges(void **state)
{
	/* Byte ranges need no NUL: the bytes after them must not count. */
	const char buf[] = "1.0-19.5";
	assert_int_equal(sign(vercmp_n(buf, 5, "1.0-1", 5)), 0);
	assert_int_equal(sign(vercmp_n(buf, 3, "1.0", 3)), 0);
	assert_true(vercmp_n(buf, 6, "1.0-1", 5) > 0);
	struct vercmp_version v;
	assert_int_equal(vercmp_parse(buf, 5, &v, NULL), 0);
	assert_int_equal(v.revision_len, 1);
	/* A NUL ends the version as it does for dpkg. */
	assert_int_equal(vercmp_parse("1.0\0-5", 6, &v, NULL), 0);
	assert_int_equal(v.revision_len, 0);
}

static void test_relations(void **state)
{
	struct vercmp_version one, two;
	enum vercmp_rel rel;
	bool obsolete;
	assert_int_equal(vercmp_parse("1", 1, &one, NULL), 0);
	assert_int_equal(vercmp_parse("2", 1, &two, NULL), 0);
	static const struct {
		const char *rel;
		bool lt, eq, gt, none_a, none_both, none_b;
	} t[] = {
	    {"lt", 1, 0, 0, 1, 0, 0},	 {"le", 1, 1, 0, 1, 1, 0},    {"eq", 0, 1, 0, 0, 1, 0},
	    {"ne", 1, 0, 1, 1, 0, 1},	 {"ge", 0, 1, 1, 0, 1, 1},    {"gt", 0, 0, 1, 0, 0, 1},
	    {"lt-nl", 1, 0, 0, 0, 0, 1}, {"le-nl", 1, 1, 0, 0, 1, 1}, {"ge-nl", 0, 1, 1, 1, 1, 0},
	    {"gt-nl", 0, 0, 1, 1, 0, 0}, {"<<", 1, 0, 0, 1, 0, 0},    {"<=", 1, 1, 0, 1, 1, 0},
	    {"=", 0, 1, 0, 0, 1, 0},	 {">=", 0, 1, 1, 0, 1, 1},    {">>", 0, 0, 1, 0, 0, 1},
	    {"<", 1, 1, 0, 1, 1, 0},	 {">", 0, 1, 1, 0, 1, 1},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(vercmp_rel_parse(t[i].rel, &rel, &obsolete), 0);
		assert_int_equal(obsolete, strcmp(t[i].rel, "<") == 0 || strcmp(t[i].rel, ">") == 0);
		assert_int_equal(vercmp_rel_holds(rel, &one, &two), t[i].lt);
		assert_int_equal(vercmp_rel_holds(rel, &one, &one), t[i].eq);
		assert_int_equal(vercmp_rel_holds(rel, &two, &one), t[i].gt);
		assert_int_equal(vercmp_rel_holds(rel, NULL, &one), t[i].none_a);
		assert_int_equal(vercmp_rel_holds(rel, NULL, NULL), t[i].none_both);
		assert_int_equal(vercmp_rel_holds(rel, &one, NULL), t[i].none_b);
	}
	assert_int_equal(vercmp_rel_parse("=>", &rel, &obsolete), -EINVAL);
	assert_non_null(strstr(err_msg(-EINVAL), "'=>'"));
	assert_int_equal(vercmp_rel_parse("LT", &rel, NULL), -EINVAL);
}

static void test_sorted_list(void **state)
{
	/* A list in dpkg's order; every pair must agree with the positions. */
	static const char *const list[] = {
	    "0~",	 "0",	     "0.1~a",	"0.1",	     "0.1-1~",	"0.1-1",   "0.1-1+b1", "0.1-1.1", "0.1a",
	    "0.1+1",	 "0.1.1",    "0.9",	"0.10",	     "1.0~~",	"1.0~~a",  "1.0~",     "1.0",	  "1.0a",
	    "1.0+dfsg",	 "1.0.1",    "2",	"10",	     "1:0",	"1:0.1",   "2:0~",     "2:0",
	};
	size_t n = sizeof(list) / sizeof(list[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			order(list[i], list[j], i < j ? -1 : i > j ? 1 : 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equal),    cmocka_unit_test(test_epoch),	cmocka_unit_test(test_upstream),
	    cmocka_unit_test(test_tilde),    cmocka_unit_test(test_revision),	cmocka_unit_test(test_high_bytes),
	    cmocka_unit_test(test_parse),    cmocka_unit_test(test_ranges),	cmocka_unit_test(test_relations),
	    cmocka_unit_test(test_sorted_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
