/*
 * Unit tests for upgrade_params_check, the check of an "upgrade" job's parameters that
 * the server makes before signing it and the agent makes again before running it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "upgrade/upgrade.h"

static int check(const char *text)
{
	json_t *p = json_loads(text, 0, NULL);
	assert_non_null(p);
	int r = upgrade_params_check(p);
	json_decref(p);
	return r;
}

static void test_good(void **state)
{
	assert_int_equal(check("{\"plan\": 1, \"packages\": [{\"name\": \"openssl\", \"from\": \"3.0.11-1~deb12u1\", "
			       "\"to\": \"3.0.13-1~deb12u1\"}], \"tests\": [], \"min_free_mb\": 100, "
			       "\"allow_no_rollback\": false}"),
			 0);
	assert_int_equal(
	    check("{\"packages\": [{\"name\": \"libc6\", \"from\": \"1:2.36-9\", \"to\": \"1:2.36-9+deb12u4\"}], "
		  "\"tests\": [{\"kind\": \"command\", \"command\": \"true\"}, {\"kind\": \"service\", \"unit\": "
		  "\"nginx.service\", \"command\": \"pgrep nginx\"}, {\"kind\": \"http\", \"url\": "
		  "\"http://127.0.0.1/\", \"status\": 204}, {\"kind\": \"tcp\", \"host\": \"db\", \"port\": 5432}]}"),
	    0);
}

static void test_packages(void **state)
{
	/* none, a bad name (an option to apt-get), a bad version, a missing field */
	assert_int_equal(check("{\"packages\": []}"), -EINVAL);
	assert_int_equal(check("{\"packages\": [{\"name\": \"-oAPT::x=1\", \"from\": \"1\", \"to\": \"2\"}]}"),
			 -EINVAL);
	assert_int_equal(check("{\"packages\": [{\"name\": \"a\", \"from\": \"1:\", \"to\": \"2\"}]}"), -EINVAL);
	assert_int_equal(check("{\"packages\": [{\"name\": \"a\", \"from\": \"1\"}]}"), -EINVAL);
	assert_non_null(strstr(err_msg(-EINVAL), "package 1 of the upgrade job"));
	assert_int_equal(check("{\"packages\": [{\"name\": \"a b\", \"from\": \"1\", \"to\": \"2\"}]}"), -EINVAL);
}

static void test_tests(void **state)
{
	static const char *const bad[] = {
	    "[{\"kind\": \"ping\"}]",
	    "[{\"kind\": \"command\"}]",
	    "[{\"kind\": \"command\", \"command\": \"\"}]",
	    "[{\"kind\": \"service\"}]",
	    "[{\"kind\": \"http\", \"url\": \"ftp://x/\"}]",
	    "[{\"kind\": \"http\", \"url\": \"http://x/\", \"status\": 42}]",
	    "[{\"kind\": \"tcp\", \"host\": \"x\", \"port\": 70000}]",
	    "[{\"kind\": \"tcp\", \"host\": \"x\"}]",
	    "[{\"kind\": \"command\", \"command\": \"true\", \"extra\": 1}]",
	    "{}",
	};
	char text[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"packages\": [{\"name\": \"a\", \"from\": \"1\", \"to\": \"2\"}], \"tests\": %s}", bad[i]);
		assert_int_equal(check(text), -EINVAL);
	}
	assert_int_equal(
	    check("{\"packages\": [{\"name\": \"a\", \"from\": \"1\", \"to\": \"2\"}], \"min_free_mb\": -1}"), -EINVAL);
	assert_int_equal(check("{\"packages\": [{\"name\": \"a\", \"from\": \"1\", \"to\": \"2\"}], \"reboot\": true}"),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_packages),
	    cmocka_unit_test(test_tests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
