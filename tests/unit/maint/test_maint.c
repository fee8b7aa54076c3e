/*
 * Unit tests for maint: window occurrences checked against glibc's local time (TZ set in
 * this process only) for random windows, zones and instants; the DST days (a start in
 * the hour that is skipped, one that happens twice); windows over midnight and longer
 * than a day; and, on a real store, windows added, checked, found by host name and tag,
 * changed, renamed and removed, each in the activity log.
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

#include "actlog/actlog.h"
#include "core/crypto.h"
#include "core/store.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "hosts/hosts.h"
#include "hosts/hosts_store.h"
#include "maint/maint.h"

#define MIN 60
#define HOUR 3600
#define DAY 86400

static char dir[256];
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int setup(void **state)
{
	struct store *s;
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-maint.XXXXXX");
	if (!mkdtemp(dir) || crypto_init() < 0 || store_setup(dir) < 0 || store_open(true, &s) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	store_release();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int64_t utc(const char *iso)
{
	int64_t t = 0;
	assert_int_equal(time_parse_since(iso, 0, &t), 0);
	return t;
}

/* glibc's instant for a local date and time in the zone set in TZ: the earliest of the
 * instants whose local time is that (two when the clock goes back), or -1 in a gap. */
static int64_t glibc_local(int year, int mon, int mday, int minute)
{
	int64_t best = -1;
	for (int dst = 0; dst <= 1; dst++) {
		struct tm tm = {.tm_year = year - 1900, .tm_mon = mon, .tm_mday = mday, .tm_hour = minute / 60,
				.tm_min = minute % 60, .tm_isdst = dst};
		time_t t = mktime(&tm);
		struct tm back;
		localtime_r(&t, &back);
		if (back.tm_year != year - 1900 || back.tm_mon != mon || back.tm_mday != mday ||
		    back.tm_hour != minute / 60 || back.tm_min != minute % 60)
			continue;
		if (best < 0 || (int64_t)t < best)
			best = (int64_t)t;
	}
	return best;
}

/* The occurrence as glibc sees it: scan the local days around t. 0 when an occurrence
 * that matters falls in a gap (the sample is not comparable), else 1. */
static int glibc_occurrence(unsigned days, int start_min, int dur_min, int64_t t, bool starting, int64_t *rs,
			    int64_t *re)
{
	time_t tt = (time_t)t;
	struct tm lt;
	localtime_r(&tt, &lt);
	for (int k = -9; k <= 10; k++) {
		struct tm d = {.tm_year = lt.tm_year, .tm_mon = lt.tm_mon, .tm_mday = lt.tm_mday + k, .tm_hour = 12};
		mktime(&d); /* normalizes the date, sets the weekday */
		int wd = (d.tm_wday + 6) % 7; /* 0 Monday */
		if (!(days & (1u << wd)))
			continue;
		int64_t s = glibc_local(d.tm_year + 1900, d.tm_mon, d.tm_mday, start_min);
		if (s < 0)
			return 0;
		int64_t e = s + (int64_t)dur_min * MIN;
		if (starting ? s >= t : e > t) {
			*rs = s;
			*re = e;
			return 1;
		}
	}
	fail_msg("no occurrence within 10 days");
	return 0;
}

static void test_occurrence_glibc(void **state)
{
	static const char *const zones[] = {"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
					    "Asia/Kolkata", "America/St_Johns"};
	const int64_t from = utc("2026-01-01T00:00:00Z"), span = 4 * 365 * (int64_t)DAY;
	int compared = 0;
	for (size_t z = 0; z < sizeof(zones) / sizeof(*zones); z++) {
		struct tz *tz;
		assert_int_equal(tz_load(zones[z], &tz), 0);
		assert_int_equal(setenv("TZ", zones[z], 1), 0);
		tzset();
		for (int i = 0; i < 4000; i++) {
			unsigned days = (unsigned)(rng() % 127) + 1;
			int start = (int)(rng() % 1440), dur = 1 + (int)(rng() % (rng() % 4 ? 240 : 3 * 1440));
			int64_t t = from + (int64_t)(rng() % (uint64_t)span);
			if (rng() % 3 == 0) /* near a start: exactly at it, just before, just after */
				t = t - t % 60 + (int64_t)(rng() % 3) - 1;
			bool starting = rng() % 2;
			int64_t ws, we, gs, ge;
			if (!glibc_occurrence(days, start, dur, t, starting, &gs, &ge))
				continue;
			maint_occurrence(days, start, dur, tz, t, starting, &ws, &we);
			if (ws != gs || we != ge)
				fail_msg("%s days %#x start %d dur %d t %lld starting %d: ward %lld..%lld glibc %lld..%lld",
					 zones[z], days, start, dur, (long long)t, starting, (long long)ws, (long long)we,
					 (long long)gs, (long long)ge);
			compared++;
		}
		tz_free(tz);
	}
	unsetenv("TZ");
	tzset();
	assert_true(compared > 20000);
}

static void test_occurrence_dst(void **state)
{
	struct tz *berlin;
	int64_t s, e;
	assert_int_equal(tz_load("Europe/Berlin", &berlin), 0);
	const unsigned sun = 1u << 6, sat = 1u << 5;
	/* 2026-03-29: 02:00 CET jumps to 03:00 CEST; a 02:30 start is the jump's instant */
	maint_occurrence(sun, 150, 60, berlin, utc("2026-03-28T12:00:00Z"), false, &s, &e);
	assert_int_equal(s, utc("2026-03-29T01:00:00Z"));
	assert_int_equal(e, s + HOUR);
	/* the week before and after: 02:30 CET and CEST */
	maint_occurrence(sun, 150, 60, berlin, utc("2026-03-21T12:00:00Z"), false, &s, &e);
	assert_int_equal(s, utc("2026-03-22T01:30:00Z"));
	maint_occurrence(sun, 150, 60, berlin, utc("2026-03-29T02:00:00Z"), true, &s, &e);
	assert_int_equal(s, utc("2026-04-05T00:30:00Z"));
	/* 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice: the first */
	maint_occurrence(sun, 150, 60, berlin, utc("2026-10-24T12:00:00Z"), false, &s, &e);
	assert_int_equal(s, utc("2026-10-25T00:30:00Z"));
	/* over midnight: Saturday 23:00 for 3 hours is still on at Sunday 01:00 local */
	maint_occurrence(sat, 23 * 60, 180, berlin, utc("2026-06-14T00:00:00Z") - 1, false, &s, &e);
	assert_int_equal(s, utc("2026-06-13T21:00:00Z"));
	assert_int_equal(e, utc("2026-06-14T00:00:00Z"));
	/* ...and at its end it is over: the next is a week later */
	maint_occurrence(sat, 23 * 60, 180, berlin, utc("2026-06-14T00:00:00Z"), false, &s, &e);
	assert_int_equal(s, utc("2026-06-20T21:00:00Z"));
	/* longer than a day: Friday 18:00 for 60 hours, on at Sunday noon */
	maint_occurrence(1u << 4, 18 * 60, 60 * 60, berlin, utc("2026-06-14T10:00:00Z"), false, &s, &e);
	assert_int_equal(s, utc("2026-06-12T16:00:00Z"));
	assert_int_equal(e, utc("2026-06-15T04:00:00Z"));
	/* no day at all: never */
	maint_occurrence(0, 0, 60, berlin, 0, false, &s, &e);
	assert_true(s == INT64_MAX && e == INT64_MAX);
	tz_free(berlin);
}

static json_t *window(const char *name, const char *days, const char *start, int minutes, const char *zone,
		      const char *host, const char *tag)
{
	json_t *w = json_pack("{s:s, s:[s], s:s, s:i, s:s}", "name", name, "days", days, "start", start,
			      "duration_minutes", minutes, "timezone", zone);
	if (host)
		json_object_set_new(w, "hosts", json_pack("[s]", host));
	if (tag)
		json_object_set_new(w, "tags", json_pack("[s]", tag));
	return w;
}

static int add(struct store *s, json_t *w, int64_t now)
{
	json_t *got = NULL;
	int r = maint_window_add(s, "tester", w, now, &got);
	json_decref(w);
	json_decref(got);
	return r;
}

/* Unit test: the store-backed windows. */
static void test_windows_store(void **state)
{
	struct store *s = store_get();
	unsigned char secret[32] = {0};
	int64_t web1, db1;
	const int64_t now = utc("2026-11-27T10:00:00Z"); /* a Friday */
	assert_int_equal(hosts_store_insert(s, "00000000000000000000000000000001", "web1", secret, now, 900, &web1), 0);
	assert_int_equal(hosts_store_insert(s, "00000000000000000000000000000002", "db1", secret, now, 900, &db1), 0);
	struct host h;
	assert_int_equal(hosts_get(s, "db1", &h), 0);
	const char *tags[] = {"db"};
	assert_int_equal(hosts_set(s, "tester", &h, NULL, NULL, tags, 1), 0);

	/* refused: each with a message, nothing written */
	assert_int_equal(add(s, window("Bad Name", "sun", "02:00", 60, "UTC", "web1", NULL), now), -EINVAL);
	assert_int_equal(add(s, window("w", "someday", "02:00", 60, "UTC", "web1", NULL), now), -EINVAL);
	assert_int_equal(add(s, window("w", "sun", "2:00", 60, "UTC", "web1", NULL), now), -EINVAL);
	assert_int_equal(add(s, window("w", "sun", "24:00", 60, "UTC", "web1", NULL), now), -EINVAL);
	assert_int_equal(add(s, window("w", "sun", "02:00", 0, "UTC", "web1", NULL), now), -EINVAL);
	assert_int_equal(add(s, window("w", "sun", "02:00", MAINT_DURATION_MAX + 1, "UTC", "web1", NULL), now),
			 -EINVAL);
	assert_int_equal(add(s, window("w", "sun", "02:00", 60, "Nowhere/Atlantis", "web1", NULL), now), -EINVAL);
	assert_int_equal(add(s, window("w", "sun", "02:00", 60, "../../etc/passwd", "web1", NULL), now), -EINVAL);
	assert_int_equal(add(s, window("w", "sun", "02:00", 60, "UTC", NULL, NULL), now), -EINVAL);
	assert_int_equal(add(s, window("w", "sun", "02:00", 60, "UTC", "nosuchhost", NULL), now), -ENOENT);
	json_t *list = NULL;
	assert_int_equal(maint_window_list(s, now, &list), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);

	/* web1 by name on Sundays 02:00 Berlin; the db tag on weekdays 22:00 UTC for 2 h */
	assert_int_equal(add(s, window("web-sunday", "sun", "02:00", 180, "Europe/Berlin", "web1", NULL), now), 0);
	assert_int_equal(add(s, window("db-nights", "weekdays", "22:00", 120, "UTC", NULL, "db"), now), 0);
	assert_int_equal(add(s, window("web-sunday", "sat", "02:00", 60, "UTC", "web1", NULL), now), -EEXIST);

	struct maint_slot slot;
	assert_int_equal(maint_host_find(s, web1, now, false, &slot), 0);
	assert_string_equal(slot.window, "web-sunday");
	assert_int_equal(slot.start, utc("2026-11-29T01:00:00Z"));
	assert_int_equal(slot.end, utc("2026-11-29T04:00:00Z"));
	assert_int_equal(maint_host_find(s, db1, now, false, &slot), 0);
	assert_string_equal(slot.window, "db-nights");
	assert_int_equal(slot.start, utc("2026-11-27T22:00:00Z"));
	/* inside it: that one (open); starting: the next Monday's */
	assert_int_equal(maint_host_find(s, db1, utc("2026-11-27T23:00:00Z"), false, &slot), 0);
	assert_int_equal(slot.start, utc("2026-11-27T22:00:00Z"));
	assert_int_equal(maint_host_find(s, db1, utc("2026-11-27T23:00:00Z"), true, &slot), 0);
	assert_int_equal(slot.start, utc("2026-11-30T22:00:00Z"));

	/* the window as shown: its machines and next occurrences */
	json_t *w = NULL;
	assert_int_equal(maint_window_get(s, "db-nights", utc("2026-11-27T23:00:00Z"), &w), 0);
	assert_true(json_is_true(json_object_get(w, "open")));
	assert_int_equal(json_array_size(json_object_get(w, "machines")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(w, "machines"), 0)), "db1");
	assert_int_equal(json_array_size(json_object_get(w, "next")), MAINT_NEXT_SHOWN);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(w, "next"), 1), "start")),
			    "2026-11-30T22:00:00Z");
	assert_string_equal(json_string_value(json_array_get(json_object_get(w, "days"), 4)), "fri");
	assert_string_equal(json_string_value(json_object_get(w, "start")), "22:00");
	json_decref(w);

	/* a second window for web1 (every day at 12:00 UTC): the earlier one wins */
	assert_int_equal(add(s, window("noon", "daily", "12:00", 30, "UTC", "web1", NULL), now), 0);
	assert_int_equal(maint_host_find(s, web1, now, false, &slot), 0);
	assert_string_equal(slot.window, "noon");
	assert_int_equal(slot.start, utc("2026-11-27T12:00:00Z"));

	/* edit: a bad change leaves the window as it was; a rename and new days stick */
	json_t *bad = json_pack("{s:[s]}", "days", "never");
	assert_int_equal(maint_window_edit(s, "tester", "noon", bad, now, NULL), -EINVAL);
	json_decref(bad);
	json_t *edit = json_pack("{s:s, s:[s]}", "name", "noon-weekend", "days", "weekend");
	assert_int_equal(maint_window_edit(s, "tester", "noon", edit, now, NULL), 0);
	json_decref(edit);
	assert_int_equal(maint_window_get(s, "noon", now, &w), -ENOENT);
	assert_int_equal(maint_host_find(s, web1, now, false, &slot), 0);
	assert_string_equal(slot.window, "noon-weekend");
	assert_int_equal(slot.start, utc("2026-11-28T12:00:00Z"));

	/* removed: web1 is back to its Sunday window; every change is in the log */
	assert_int_equal(maint_window_remove(s, "tester", "noon-weekend"), 0);
	assert_int_equal(maint_window_remove(s, "tester", "noon-weekend"), -ENOENT);
	assert_int_equal(maint_host_find(s, web1, now, false, &slot), 0);
	assert_string_equal(slot.window, "web-sunday");
	int64_t other;
	assert_int_equal(hosts_store_insert(s, "00000000000000000000000000000003", "lone", secret, now, 900, &other), 0);
	assert_int_equal(maint_host_find(s, other, now, false, &slot), -ENOENT);

	struct actlog_filter f = {.action = "maint.window.*", .limit = 50};
	json_t *entries = NULL;
	int64_t next = 0;
	assert_int_equal(actlog_list(s, &f, &entries, &next), 0);
	char actions[512] = "";
	size_t i, used = 0;
	json_t *e;
	json_array_foreach(entries, i, e)
	    used += (size_t)snprintf(actions + used, sizeof(actions) - used, "%s %s\n",
				     json_string_value(json_object_get(e, "action")),
				     json_string_value(json_object_get(e, "object")));
	assert_string_equal(actions, "maint.window.remove window:noon-weekend\n"
				     "maint.window.edit window:noon-weekend\n"
				     "maint.window.add window:noon\n"
				     "maint.window.add window:db-nights\n"
				     "maint.window.add window:web-sunday\n");
	json_decref(entries);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_occurrence_glibc),
	    cmocka_unit_test(test_occurrence_dst),
	    cmocka_unit_test(test_windows_store),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
