/*
 * Unit tests for the small parsers in core: times, durations, integers, listen
 * addresses, route patterns and request JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/err.h"
#include "core/http.h"
#include "core/json.h"
#include "core/router.h"
#include "core/timeutil.h"

static void test_parse_int64(void **state)
{
	int64_t v;
	assert_int_equal(parse_int64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_int64("-5", -10, 10, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(parse_int64("101", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int64("", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int64("12abc", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int64(" 1", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int64("99999999999999999999", 0, INT64_MAX, &v), -EINVAL);
}

static void test_durations(void **state)
{
	int64_t v;
	assert_int_equal(time_parse_duration("90", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(time_parse_duration("15m", &v), 0);
	assert_int_equal(v, 900);
	assert_int_equal(time_parse_duration("24h", &v), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(time_parse_duration("2w", &v), 0);
	assert_int_equal(v, 14 * 86400);
	assert_int_equal(time_parse_duration("-1h", &v), -EINVAL);
	assert_int_equal(time_parse_duration("h", &v), -EINVAL);
	assert_int_equal(time_parse_duration("1y", &v), -EINVAL);
}

static void test_since(void **state)
{
	int64_t v, now = 1800000000;
	assert_int_equal(time_parse_since("2026-11-26", now, &v), 0);
	assert_int_equal(v, 1795651200);
	assert_int_equal(time_parse_since("2026-11-26T10:00:00Z", now, &v), 0);
	assert_int_equal(v, 1795651200 + 36000);
	assert_int_equal(time_parse_since("12h", now, &v), 0);
	assert_int_equal(v, now - 43200);
	assert_int_equal(time_parse_since("yesterday", now, &v), -EINVAL);
	assert_non_null(strstr(err_msg(-EINVAL), "'yesterday'"));
	assert_int_equal(time_parse_since("2026-02-31", now, &v), -EINVAL);
	assert_int_equal(time_parse_since(" 2026-01-01", now, &v), -EINVAL);
	assert_int_equal(time_parse_since("2026-1-1", now, &v), -EINVAL);
	char iso[TIME_ISO_LEN];
	time_iso(1795651200, iso);
	assert_string_equal(iso, "2026-11-26T00:00:00Z");
}

static void test_listen(void **state)
{
	struct sockaddr_storage ss;
	size_t len;
	bool lo;
	assert_int_equal(http_parse_listen("127.0.0.1:8080", &ss, &len, &lo), 0);
	assert_true(lo);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8080);
	assert_int_equal(http_parse_listen("127.9.9.9:0", &ss, &len, &lo), 0);
	assert_true(lo);
	assert_int_equal(http_parse_listen("localhost:1", &ss, &len, &lo), 0);
	assert_true(lo);
	assert_int_equal(http_parse_listen("[::1]:443", &ss, &len, &lo), 0);
	assert_true(lo);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(http_parse_listen("0.0.0.0:80", &ss, &len, &lo), 0);
	assert_false(lo);
	assert_int_equal(http_parse_listen(":80", &ss, &len, &lo), 0);
	assert_false(lo);
	assert_int_equal(http_parse_listen("10.0.0.1:80", &ss, &len, &lo), 0);
	assert_false(lo);
	assert_int_equal(http_parse_listen("127.0.0.1", &ss, &len, &lo), -EINVAL);
	assert_int_equal(http_parse_listen("127.0.0.1:65536", &ss, &len, &lo), -EINVAL);
	assert_int_equal(http_parse_listen("example.com:80", &ss, &len, &lo), -EINVAL);
	assert_int_equal(http_parse_listen("[::1:80", &ss, &len, &lo), -EINVAL);
	assert_int_equal(http_parse_listen("", &ss, &len, &lo), -EINVAL);
	assert_int_equal(http_parse_listen("::1:8080", &ss, &len, &lo), -EINVAL);
	assert_int_equal(http_parse_listen("127.0.0.1:-0", &ss, &len, &lo), -EINVAL);
}

static void test_route_match(void **state)
{
	const char *names[4], *values[4];
	char scratch[256];
	int n = -1;
	assert_true(router_match("/api/v1/users", "/api/v1/users", names, values, scratch, sizeof(scratch), &n));
	assert_int_equal(n, 0);
	assert_true(router_match("/api/v1/users/{name}/disable", "/api/v1/users/bob/disable", names, values, scratch,
				 sizeof(scratch), &n));
	assert_int_equal(n, 1);
	assert_string_equal(values[0], "bob");
	assert_int_equal(strncmp(names[0], "name}", 5), 0);
	assert_false(router_match("/api/v1/users/{name}", "/api/v1/users/", names, values, scratch, sizeof(scratch), &n));
	assert_false(router_match("/api/v1/users/{name}", "/api/v1/users/a/b", names, values, scratch, sizeof(scratch), &n));
	assert_false(router_match("/api/v1/users", "/api/v1/users/", names, values, scratch, sizeof(scratch), &n));
	assert_false(router_match("/api/v1/user", "/api/v1/users", names, values, scratch, sizeof(scratch), &n));
	/* A capture that does not fit the scratch space does not match. */
	assert_false(router_match("/{a}", "/0123456789", names, values, scratch, 4, &n));
}

static void test_json_strict(void **state)
{
	json_t *o;
	const char *s;
	static const char *const allowed[] = {"a", "b", NULL};
	assert_int_equal(json_parse_object("{\"a\":\"x\"}", 9, &o), 0);
	assert_int_equal(json_check_fields(o, allowed), 0);
	assert_int_equal(json_get_string(o, "a", true, 10, &s), 0);
	assert_string_equal(s, "x");
	assert_int_equal(json_get_string(o, "b", false, 10, &s), 0);
	assert_null(s);
	assert_int_equal(json_get_string(o, "b", true, 10, &s), -EINVAL);
	assert_non_null(strstr(err_msg(-EINVAL), "field 'b' is required"));
	assert_int_equal(json_get_string(o, "a", true, 0, &s), -EINVAL);
	json_decref(o);

	assert_int_equal(json_parse_object("{\"c\":1}", 7, &o), 0);
	assert_int_equal(json_check_fields(o, allowed), -EINVAL);
	assert_non_null(strstr(err_msg(-EINVAL), "'c' is not recognised"));
	assert_int_equal(json_get_string(o, "c", true, 10, &s), -EINVAL);
	json_decref(o);

	assert_int_equal(json_parse_object("{\"a\":1,\"a\":2}", 13, &o), -EINVAL);
	assert_int_equal(json_parse_object("[1]", 3, &o), -EINVAL);
	assert_int_equal(json_parse_object("", 0, &o), -EINVAL);
	assert_int_equal(json_parse_object("{\"a\":", 5, &o), -EINVAL);
	assert_non_null(strstr(err_msg(-EINVAL), "line 1 column"));
}

static void test_json_canonical(void **state)
{
	json_t *a = json_pack("{s:i, s:s, s:{s:b, s:n}}", "z", 1, "a", "é\"", "m", "y", 1, "x");
	json_t *b = json_pack("{s:{s:n, s:b}, s:s, s:i}", "m", "x", "y", 1, "a", "é\"", "z", 1);
	char *ca = json_canonical(a), *cb = json_canonical(b);
	assert_string_equal(ca, cb);
	assert_string_equal(ca, "{\"a\":\"é\\\"\",\"m\":{\"x\":null,\"y\":true},\"z\":1}");
	free(ca);
	free(cb);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_int64), cmocka_unit_test(test_durations), cmocka_unit_test(test_since),
		cmocka_unit_test(test_listen),      cmocka_unit_test(test_route_match), cmocka_unit_test(test_json_strict),
		cmocka_unit_test(test_json_canonical),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
