/*
 * Unit tests for the recovery plans' pure rules: the status colours (each rule of
 * docs/dr.md on its own and in combination, the boundaries at the RPO and at 80% of
 * it), schedule parsing and when runs fall due.
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
#include <time.h>

#include "dr/dr.h"

#define H 3600
#define NOW 1800000000

/* A plan made a week ago, RPO 10h, RTO 1h, weekly drills, backed up 1h ago, drilled
 * yesterday in 60 s: green. */
static struct dr_status_in healthy(void)
{
	return (struct dr_status_in){.now = NOW,
				     .created_at = NOW - 7 * 86400,
				     .rpo = 10 * H,
				     .rto = H,
				     .drill_period = 7 * 86400,
				     .good_backup_time = NOW - H,
				     .last_drill = "passed",
				     .last_drill_time = NOW - 86400,
				     .last_drill_seconds = 60};
}

static enum dr_color eval(const struct dr_status_in *in, char *first, size_t size)
{
	json_t *reasons = json_array();
	enum dr_color c = dr_status_eval(in, reasons);
	snprintf(first, size, "%s", json_array_size(reasons) ? json_string_value(json_array_get(reasons, 0)) : "");
	json_decref(reasons);
	return c;
}

static void test_green(void **state)
{
	struct dr_status_in in = healthy();
	char why[256];
	assert_int_equal(eval(&in, why, sizeof(why)), DR_GREEN);
	assert_string_equal(why, "");
	assert_string_equal(dr_color_name(DR_GREEN), "green");
}

static void test_rpo_boundaries(void **state)
{
	struct dr_status_in in = healthy();
	char why[256];
	in.good_backup_time = NOW - 8 * H; /* exactly 80%: still green */
	assert_int_equal(eval(&in, why, sizeof(why)), DR_GREEN);
	in.good_backup_time = NOW - 8 * H - 1; /* over 80% */
	assert_int_equal(eval(&in, why, sizeof(why)), DR_AMBER);
	assert_non_null(strstr(why, "over 80% of the RPO"));
	in.good_backup_time = NOW - 10 * H; /* exactly the RPO: not missed yet */
	assert_int_equal(eval(&in, why, sizeof(why)), DR_AMBER);
	in.good_backup_time = NOW - 10 * H - 1;
	assert_int_equal(eval(&in, why, sizeof(why)), DR_RED);
	assert_non_null(strstr(why, "RPO missed: the newest good backup is 10h 0m old"));
}

static void test_no_backup(void **state)
{
	struct dr_status_in in = healthy();
	char why[256];
	in.good_backup_time = 0;
	in.last_drill = NULL;
	in.created_at = NOW - H; /* a new plan: amber while within its RPO */
	assert_int_equal(eval(&in, why, sizeof(why)), DR_AMBER);
	assert_string_equal(why, "no backup yet");
	in.created_at = NOW - 11 * H;
	assert_int_equal(eval(&in, why, sizeof(why)), DR_RED);
	assert_non_null(strstr(why, "RPO missed: no good backup"));
}

static void test_failures(void **state)
{
	struct dr_status_in in = healthy();
	char why[256];
	in.last_backup_failed = true;
	assert_int_equal(eval(&in, why, sizeof(why)), DR_RED);
	assert_string_equal(why, "the last backup failed");
	in = healthy();
	in.last_drill = "failed";
	assert_int_equal(eval(&in, why, sizeof(why)), DR_RED);
	assert_string_equal(why, "the last restore drill failed");
}

static void test_drills(void **state)
{
	struct dr_status_in in = healthy();
	char why[256];
	in.last_drill = NULL;
	assert_int_equal(eval(&in, why, sizeof(why)), DR_AMBER);
	assert_string_equal(why, "no restore drill yet");
	in = healthy();
	in.last_drill = "slow";
	in.last_drill_seconds = 5400;
	assert_int_equal(eval(&in, why, sizeof(why)), DR_AMBER);
	assert_non_null(strstr(why, "took 1h 30m, over the RTO (1h 0m)"));
	in = healthy();
	in.last_drill_time = NOW - 14 * 86400 - 1; /* two drill periods ago */
	assert_int_equal(eval(&in, why, sizeof(why)), DR_AMBER);
	assert_non_null(strstr(why, "the last restore drill is"));
	in.drill_period = 0; /* manual drills never go stale */
	assert_int_equal(eval(&in, why, sizeof(why)), DR_GREEN);
}

static void test_worst_first(void **state)
{
	struct dr_status_in in = healthy();
	json_t *reasons = json_array();
	in.good_backup_time = NOW - 11 * H;
	in.last_drill = "slow";
	in.last_drill_seconds = 2 * H;
	assert_int_equal(dr_status_eval(&in, reasons), DR_RED);
	assert_int_equal(json_array_size(reasons), 2);
	assert_non_null(strstr(json_string_value(json_array_get(reasons, 0)), "RPO missed"));
	assert_non_null(strstr(json_string_value(json_array_get(reasons, 1)), "over the RTO"));
	json_decref(reasons);
	assert_int_equal(dr_status_eval(&in, NULL), DR_RED); /* reasons are optional */
}

static void test_schedule_parse(void **state)
{
	struct dr_schedule sc;
	assert_int_equal(dr_schedule_parse("manual", &sc), 0);
	assert_int_equal(sc.kind, DR_SCHED_MANUAL);
	assert_int_equal(dr_schedule_period(&sc), 0);
	assert_int_equal(dr_schedule_parse("every 6h", &sc), 0);
	assert_int_equal(sc.kind, DR_SCHED_EVERY);
	assert_int_equal(sc.every, 6 * H);
	assert_int_equal(dr_schedule_parse("daily 02:30", &sc), 0);
	assert_int_equal(sc.kind, DR_SCHED_DAILY);
	assert_int_equal(sc.minute, 150);
	assert_int_equal(dr_schedule_period(&sc), 86400);
	static const char *const bad[] = {"",		"every",       "every 1m", "every soon", "daily 24:00",
					  "daily 2:30", "daily 02:60", "weekly",   "Every 1h",	 "every -1h",
					  NULL};
	for (int i = 0; bad[i]; i++)
		assert_int_equal(dr_schedule_parse(bad[i], &sc), -EINVAL);
}

static void test_schedule_next(void **state)
{
	struct dr_schedule sc;
	assert_int_equal(dr_schedule_parse("every 6h", &sc), 0);
	assert_int_equal(dr_schedule_next(&sc, NOW, 0, false), NOW); /* at once */
	assert_int_equal(dr_schedule_next(&sc, NOW - 86400, NOW, false), NOW + 6 * H);
	assert_int_equal(dr_schedule_next(&sc, NOW - 86400, NOW, true), NOW + DR_RETRY_AFTER);
	assert_int_equal(dr_schedule_parse("manual", &sc), 0);
	assert_true(dr_schedule_next(&sc, NOW, 0, false) == INT64_MAX);
	/* daily: the next local 02:30 after the last run, whatever the zone. */
	assert_int_equal(dr_schedule_parse("daily 02:30", &sc), 0);
	int64_t next = dr_schedule_next(&sc, NOW, NOW, false);
	time_t t = (time_t)next;
	struct tm tm;
	localtime_r(&t, &tm);
	assert_true(next > NOW && next <= NOW + 86400 + H);
	assert_int_equal(tm.tm_hour, 2);
	assert_int_equal(tm.tm_min, 30);
	assert_int_equal(dr_schedule_next(&sc, NOW - 86400, next, false) > next, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_green),	   cmocka_unit_test(test_rpo_boundaries),
	    cmocka_unit_test(test_no_backup),	   cmocka_unit_test(test_failures),
	    cmocka_unit_test(test_drills),	   cmocka_unit_test(test_worst_first),
	    cmocka_unit_test(test_schedule_parse), cmocka_unit_test(test_schedule_next),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
