/*
 * Unit tests for helpdesk/sla: due times and business seconds in worked examples
 * (weekends, holidays, outside hours, DST changes in Berlin and New York, a Sunday to
 * Thursday week), against a reference that asks glibc for the wall clock quarter-hour by
 * quarter-hour, the round trip and monotonicity on random input, speed, and parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "helpdesk/sla.h"

#define HOUR 3600

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int64_t rnd(int64_t lo, int64_t hi) /* in [lo, hi) */
{
	return lo + (int64_t)(rng() % (uint64_t)(hi - lo));
}

/* The calendar in text, which must parse. */
static struct sla_calendar *cal(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("bad JSON in the test: %s", e.text);
	struct sla_calendar *c = NULL;
	int r = sla_calendar_parse(j, &c);
	if (r != 0)
		fail_msg("%s: %s", text, err_msg(r));
	json_decref(j);
	return c;
}

/* Unix time of a local wall-clock time at UTC offset off_hours. */
static int64_t at(int y, int mo, int d, int h, int mi, double off_hours)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm) - (int64_t)(off_hours * 3600);
}

static void assert_time(int64_t got, int64_t want)
{
	if (got != want) {
		char g[TIME_ISO_LEN], w[TIME_ISO_LEN];
		time_iso(got, g);
		time_iso(want, w);
		fail_msg("got %s (%lld), want %s (%lld)", g, (long long)got, w, (long long)want);
	}
}

#define BERLIN_OFFICE                                                                                                  \
	"{\"timezone\": \"Europe/Berlin\", \"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"], "                  \
	"\"hours\": \"08:00-17:00\""

static void test_friday_afternoon(void **state)
{
	struct sla_calendar *c = cal(BERLIN_OFFICE "}");
	int64_t fri = at(2026, 1, 16, 16, 0, 1); /* Friday 16:00 CET */
	assert_time(sla_add_business(c, fri, 4 * HOUR), at(2026, 1, 19, 11, 0, 1));
	assert_int_equal(sla_business_seconds(c, fri, at(2026, 1, 19, 11, 0, 1)), 4 * HOUR);
	/* A due time that ends the day is that day's 17:00, not Monday's 08:00. */
	assert_time(sla_add_business(c, fri, HOUR), at(2026, 1, 16, 17, 0, 1));
	assert_time(sla_add_business(c, fri, HOUR + 1), at(2026, 1, 19, 8, 0, 1) + 1);
	assert_time(sla_add_business(c, fri, 1), fri + 1);
	assert_time(sla_add_business(c, fri, 0), fri);
	assert_time(sla_add_business(c, fri, -5), fri);
	/* A week is 45 hours; 10 weeks on from Friday 16:00 is Friday 16:00 again. */
	assert_time(sla_add_business(c, fri, 450 * HOUR), at(2026, 3, 27, 16, 0, 1));
	assert_int_equal(sla_business_seconds(c, at(2026, 1, 12, 0, 0, 1), at(2026, 1, 19, 0, 0, 1)), 45 * HOUR);
	assert_int_equal(sla_business_seconds(c, fri, fri), 0);
	assert_int_equal(sla_business_seconds(c, fri + 60, fri), 0);
	sla_calendar_free(c);
}

static void test_weekend_and_holiday(void **state)
{
	struct sla_calendar *c = cal(BERLIN_OFFICE ", \"holidays\": [\"2026-01-19\", \"2026-01-17\"]}");
	int64_t fri = at(2026, 1, 16, 16, 0, 1);
	/* Saturday's holiday changes nothing; Monday's moves the due time to Tuesday. */
	assert_time(sla_add_business(c, fri, 4 * HOUR), at(2026, 1, 20, 11, 0, 1));
	assert_int_equal(sla_business_seconds(c, at(2026, 1, 16, 0, 0, 1), at(2026, 1, 21, 0, 0, 1)), 18 * HOUR);
	assert_int_equal(sla_business_seconds(c, at(2026, 1, 19, 0, 0, 1), at(2026, 1, 20, 0, 0, 1)), 0);
	/* Christmas: Thursday 24 (worked), 25 and 26 off, then a weekend. */
	sla_calendar_free(c);
	c = cal(BERLIN_OFFICE ", \"holidays\": [\"2026-12-25\", \"2026-12-26\", \"2026-12-25\", \"2027-01-01\"]}");
	assert_time(sla_add_business(c, at(2026, 12, 24, 15, 0, 1), 3 * HOUR), at(2026, 12, 28, 9, 0, 1));
	assert_time(sla_add_business(c, at(2026, 12, 31, 12, 0, 1), 6 * HOUR), at(2027, 1, 4, 9, 0, 1));
	sla_calendar_free(c);
}

static void test_outside_hours(void **state)
{
	struct sla_calendar *c = cal(BERLIN_OFFICE "}");
	/* Saturday, Sunday: the clock starts on Monday at 08:00. */
	assert_time(sla_add_business(c, at(2026, 1, 17, 10, 0, 1), 2 * HOUR), at(2026, 1, 19, 10, 0, 1));
	assert_time(sla_add_business(c, at(2026, 1, 18, 23, 59, 1), HOUR), at(2026, 1, 19, 9, 0, 1));
	/* 03:00 on a Tuesday: from 08:00. */
	assert_time(sla_add_business(c, at(2026, 1, 20, 3, 0, 1), 2 * HOUR), at(2026, 1, 20, 10, 0, 1));
	/* After 17:00: the next morning; on a Friday evening, Monday's. */
	assert_time(sla_add_business(c, at(2026, 1, 20, 17, 0, 1), 2 * HOUR), at(2026, 1, 21, 10, 0, 1));
	assert_time(sla_add_business(c, at(2026, 1, 20, 18, 30, 1), 9 * HOUR), at(2026, 1, 21, 17, 0, 1));
	assert_time(sla_add_business(c, at(2026, 1, 23, 21, 0, 1), 30 * 60), at(2026, 1, 26, 8, 30, 1));
	/* No time at all: the start itself, even outside hours. */
	assert_time(sla_add_business(c, at(2026, 1, 17, 10, 0, 1), 0), at(2026, 1, 17, 10, 0, 1));
	/* Spans wholly outside working time count nothing. */
	assert_int_equal(sla_business_seconds(c, at(2026, 1, 17, 0, 0, 1), at(2026, 1, 19, 8, 0, 1)), 0);
	assert_int_equal(sla_business_seconds(c, at(2026, 1, 20, 17, 0, 1), at(2026, 1, 21, 8, 0, 1)), 0);
	assert_int_equal(sla_business_seconds(c, at(2026, 1, 20, 3, 0, 1), at(2026, 1, 20, 8, 0, 1) + 1), 1);
	sla_calendar_free(c);
}

static void test_dst_berlin(void **state)
{
	struct sla_calendar *c = cal(BERLIN_OFFICE "}");
	/* 29 March 2026, a Sunday: CET to CEST. Working hours stay 08:00-17:00 on the wall. */
	assert_time(sla_add_business(c, at(2026, 3, 27, 16, 0, 1), 2 * HOUR), at(2026, 3, 30, 9, 0, 2));
	assert_int_equal(sla_business_seconds(c, at(2026, 3, 23, 0, 0, 1), at(2026, 4, 6, 0, 0, 2)), 90 * HOUR);
	/* 25 October 2026: back to CET. */
	assert_time(sla_add_business(c, at(2026, 10, 23, 12, 0, 2), 9 * HOUR), at(2026, 10, 26, 12, 0, 1));
	assert_int_equal(sla_business_seconds(c, at(2026, 10, 19, 0, 0, 2), at(2026, 11, 2, 0, 0, 1)), 90 * HOUR);
	sla_calendar_free(c);

	/* Every day, all day: the change days last 23 and 25 hours. */
	c = cal("{\"timezone\": \"Europe/Berlin\", \"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", "
		"\"sun\"], \"hours\": \"00:00-24:00\"}");
	assert_int_equal(sla_business_seconds(c, at(2026, 3, 29, 0, 0, 1), at(2026, 3, 30, 0, 0, 2)), 23 * HOUR);
	assert_int_equal(sla_business_seconds(c, at(2026, 10, 25, 0, 0, 2), at(2026, 10, 26, 0, 0, 1)), 25 * HOUR);
	assert_int_equal(sla_business_seconds(c, 1767225600, 1798761600), 365 * 24 * HOUR); /* 2026, UTC */
	sla_calendar_free(c);

	/* Hours around the change: 01:00-05:00. Springing forward skips 02:00-03:00 (3 hours
	 * worked); falling back repeats it (5 hours). */
	c = cal("{\"timezone\": \"Europe/Berlin\", \"days\": [\"sat\", \"sun\"], \"hours\": \"01:00-05:00\"}");
	assert_int_equal(sla_business_seconds(c, at(2026, 3, 29, 0, 0, 1), at(2026, 3, 30, 0, 0, 2)), 3 * HOUR);
	assert_int_equal(sla_business_seconds(c, at(2026, 10, 25, 0, 0, 2), at(2026, 10, 26, 0, 0, 1)), 5 * HOUR);
	/* Saturday 04:00 plus 2 hours: 1 on Saturday, 1 on Sunday from 01:00 CET, which ends
	 * when the clock jumps from 02:00 CET to 03:00 CEST, at 01:00 UTC. */
	assert_time(sla_add_business(c, at(2026, 3, 28, 4, 0, 1), 2 * HOUR), at(2026, 3, 29, 1, 0, 0));
	assert_time(sla_add_business(c, at(2026, 3, 28, 4, 0, 1), 2 * HOUR + 1), at(2026, 3, 29, 3, 0, 2) + 1);
	/* Falling back: 01:00 CEST + 2.5 hours is 02:30 CET, the second 02:30. */
	assert_time(sla_add_business(c, at(2026, 10, 25, 1, 0, 2), 5 * HOUR / 2), at(2026, 10, 25, 2, 30, 1));
	sla_calendar_free(c);

	/* Hours that end where the clock springs forward: due at the jump, not before. */
	c = cal("{\"timezone\": \"Europe/Berlin\", \"days\": [\"sun\"], \"hours\": \"00:00-02:00\"}");
	assert_time(sla_add_business(c, at(2026, 3, 29, 0, 0, 1), 2 * HOUR), at(2026, 3, 29, 1, 0, 0));
	assert_time(sla_add_business(c, at(2026, 3, 29, 0, 0, 1), 2 * HOUR + 1), at(2026, 4, 5, 0, 0, 2) + 1);
	sla_calendar_free(c);
}

static void test_dst_new_york(void **state)
{
	struct sla_calendar *c = cal("{\"timezone\": \"America/New_York\", \"days\": [\"mon\", \"tue\", \"wed\", "
				     "\"thu\", \"fri\"], \"hours\": \"09:00-17:00\"}");
	/* 8 March 2026: EST to EDT. */
	assert_time(sla_add_business(c, at(2026, 3, 6, 16, 0, -5), 2 * HOUR), at(2026, 3, 9, 10, 0, -4));
	assert_int_equal(sla_business_seconds(c, at(2026, 3, 2, 0, 0, -5), at(2026, 3, 16, 0, 0, -4)), 80 * HOUR);
	/* 1 November 2026: EDT to EST. */
	assert_time(sla_add_business(c, at(2026, 10, 30, 15, 0, -4), 4 * HOUR), at(2026, 11, 2, 11, 0, -5));
	assert_int_equal(sla_business_seconds(c, at(2026, 10, 30, 9, 0, -4), at(2026, 11, 2, 17, 0, -5)), 16 * HOUR);
	sla_calendar_free(c);

	c = cal("{\"timezone\": \"America/New_York\", \"days\": [\"sun\"], \"hours\": \"00:00-04:00\"}");
	assert_int_equal(sla_business_seconds(c, at(2026, 3, 8, 0, 0, -5), at(2026, 3, 9, 0, 0, -4)), 3 * HOUR);
	assert_int_equal(sla_business_seconds(c, at(2026, 11, 1, 0, 0, -4), at(2026, 11, 2, 0, 0, -5)), 5 * HOUR);
	sla_calendar_free(c);
}

static void test_sunday_to_thursday(void **state)
{
	struct sla_calendar *c = cal("{\"timezone\": \"Asia/Riyadh\", \"days\": [\"sun\", \"mon\", \"tue\", \"wed\", "
				     "\"thu\"], \"hours\": \"08:00-16:00\", \"holidays\": [\"2026-03-19\"]}");
	/* Thursday 15:00 plus 2 hours: Sunday 09:00; Friday and Saturday are the weekend. */
	assert_time(sla_add_business(c, at(2026, 1, 15, 15, 0, 3), 2 * HOUR), at(2026, 1, 18, 9, 0, 3));
	assert_time(sla_add_business(c, at(2026, 1, 16, 12, 0, 3), HOUR), at(2026, 1, 18, 9, 0, 3));
	assert_int_equal(sla_business_seconds(c, at(2026, 1, 16, 0, 0, 3), at(2026, 1, 18, 0, 0, 3)), 0);
	assert_int_equal(sla_business_seconds(c, at(2026, 1, 18, 0, 0, 3), at(2026, 1, 25, 0, 0, 3)), 40 * HOUR);
	/* A holiday on Thursday 19 March: Wednesday 15:00 plus 2 hours is Sunday 09:00. */
	assert_time(sla_add_business(c, at(2026, 3, 18, 15, 0, 3), 2 * HOUR), at(2026, 3, 22, 9, 0, 3));
	sla_calendar_free(c);

	/* Asia/Jerusalem: Sunday to Thursday with daylight saving time (Friday 27 March 2026). */
	c = cal("{\"timezone\": \"Asia/Jerusalem\", \"days\": [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\"], "
		"\"hours\": \"09:00-17:00\"}");
	assert_time(sla_add_business(c, at(2026, 3, 26, 16, 0, 2), 2 * HOUR), at(2026, 3, 29, 10, 0, 3));
	sla_calendar_free(c);
}

/* ---- the reference: glibc's wall clock, quarter-hour by quarter-hour ---- */

struct ref {
	const char *zone;
	unsigned days;	/* bit 0 Monday */
	int start, end; /* quarter-hours of the day, start < end <= 96 */
	int nholidays;
	int holidays[8][3]; /* y, m, d */
};

static bool ref_working(const struct ref *r, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	assert_non_null(localtime_r(&tt, &tm));
	int wd = (tm.tm_wday + 6) % 7, q = (tm.tm_hour * 60 + tm.tm_min) / 15;
	if (!(r->days & (1u << wd)) || q < r->start || q >= r->end)
		return false;
	for (int i = 0; i < r->nholidays; i++)
		if (tm.tm_year + 1900 == r->holidays[i][0] && tm.tm_mon + 1 == r->holidays[i][1] &&
		    tm.tm_mday == r->holidays[i][2])
			return false;
	return true;
}

static struct sla_calendar *ref_calendar(const struct ref *r)
{
	static const char *const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
	json_t *days = json_array(), *hol = json_array();
	for (int i = 0; i < 7; i++)
		if (r->days & (1u << i))
			json_array_append_new(days, json_string(names[i]));
	for (int i = 0; i < r->nholidays; i++) {
		char d[48];
		snprintf(d, sizeof(d), "%04d-%02d-%02d", r->holidays[i][0], r->holidays[i][1], r->holidays[i][2]);
		json_array_append_new(hol, json_string(d));
	}
	char hours[48];
	snprintf(hours, sizeof(hours), "%02d:%02d-%02d:%02d", r->start / 4, r->start % 4 * 15, r->end / 4,
		 r->end % 4 * 15);
	json_t *j =
	    json_pack("{s:s, s:o, s:s, s:o}", "timezone", r->zone, "days", days, "hours", hours, "holidays", hol);
	struct sla_calendar *c = NULL;
	if (sla_calendar_parse(j, &c) != 0)
		fail_msg("%s", err_msg(-EINVAL));
	json_decref(j);
	return c;
}

static void test_against_reference(void **state)
{
	/* Zones whose offsets and changes fall on quarter-hours since 1970. */
	static const char *const zones[] = {"Europe/Berlin",   "America/New_York", "Australia/Lord_Howe",
					    "Pacific/Chatham", "Asia/Kolkata",	   "America/Sao_Paulo",
					    "Europe/Dublin",   "Asia/Jerusalem",   "America/Santiago"};
	for (size_t zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
		struct tz *z;
		assert_int_equal(tz_load(zones[zi], &z), 0);
		assert_int_equal(setenv("TZ", zones[zi], 1), 0);
		tzset();
		for (int k = 0; k < 40; k++) {
			struct ref r = {.zone = zones[zi], .days = (unsigned)rnd(1, 128)};
			/* Often hours across the night, where the changes are. */
			r.start = (int)(k % 3 == 0 ? rnd(0, 16) : rnd(0, 95));
			r.end = (int)(k % 3 == 0 ? rnd(r.start + 1, r.start + 20) : rnd(r.start + 1, 97));
			if (r.end > 96)
				r.end = 96;
			/* A span of up to ten days, half the time around a change of offset. */
			int64_t from = rnd(0, 2208988800) / 900 * 900; /* 1970-2040 */
			if (k % 2 && tz_next_change(z, from) < INT64_C(2208988800))
				from = (tz_next_change(z, from) - rnd(0, 4 * 86400)) / 900 * 900;
			int64_t to = from + rnd(0, 10 * 96) * 900;
			r.nholidays = (int)rnd(0, 4);
			for (int i = 0; i < r.nholidays; i++) {
				time_t d = (time_t)rnd(from - 86400, to + 86400);
				struct tm tm;
				localtime_r(&d, &tm);
				r.holidays[i][0] = tm.tm_year + 1900;
				r.holidays[i][1] = tm.tm_mon + 1;
				r.holidays[i][2] = tm.tm_mday;
			}
			struct sla_calendar *c = ref_calendar(&r);
			int64_t want = 0, x = 0;
			for (int64_t q = from; q < to; q += 900)
				want += ref_working(&r, q) ? 900 : 0;
			if (sla_business_seconds(c, from, to) != want)
				fail_msg("%s %u %d-%d from %lld to %lld: %lld, reference %lld", zones[zi], r.days,
					 r.start, r.end, (long long)from, (long long)to,
					 (long long)sla_business_seconds(c, from, to), (long long)want);
			/* The due time of a part of it, at a random second. */
			if (want > 0) {
				x = rnd(1, want + 1);
				int64_t due = from, done = 0;
				for (;; due += 900)
					if (ref_working(&r, due)) {
						if (done + 900 >= x)
							break;
						done += 900;
					}
				due += x - done;
				assert_time(sla_add_business(c, from, x), due);
			}
			sla_calendar_free(c);
		}
		tz_free(z);
	}
}

static void test_round_trip(void **state)
{
	static const char *const cals[] = {
	    BERLIN_OFFICE ", \"holidays\": [\"2026-12-25\", \"2026-12-26\", \"2027-01-01\", \"2030-05-01\"]}",
	    "{\"timezone\": \"America/New_York\", \"days\": [\"mon\", \"wed\", \"fri\"], \"hours\": \"00:00-02:30\"}",
	    "{\"timezone\": \"Australia/Lord_Howe\", \"days\": [\"sat\", \"sun\"], \"hours\": \"01:15-02:45\"}",
	    "{\"timezone\": \"Pacific/Chatham\", \"days\": [\"sun\"], \"hours\": \"00:00-24:00\"}",
	    "{\"timezone\": \"Asia/Kolkata\", \"days\": [\"tue\"], \"hours\": \"23:59-24:00\"}",
	    "{\"timezone\": \"UTC\", \"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"], "
	    "\"hours\": \"00:00-24:00\"}",
	};
	for (size_t i = 0; i < sizeof(cals) / sizeof(cals[0]); i++) {
		struct sla_calendar *c = cal(cals[i]);
		for (int k = 0; k < 3000; k++) {
			int64_t s = rnd(-INT64_C(2208988800), INT64_C(4102444800)); /* 1900-2100 */
			int64_t x = rnd(1, k % 3 == 0 ? 10000 * HOUR : k % 3 == 1 ? 20 * HOUR : 120);
			int64_t due = sla_add_business(c, s, x);
			assert_true(due > s);
			if (due == INT64_MAX) { /* after the year 9999: a minute a week is slow */
				assert_true(sla_business_seconds(c, s, due) < x);
				continue;
			}
			if (sla_business_seconds(c, s, due) != x)
				fail_msg("%s: from %lld, %lld seconds: due %lld, which gives %lld", cals[i],
					 (long long)s, (long long)x, (long long)due,
					 (long long)sla_business_seconds(c, s, due));
			/* The earliest such instant: one second before, one second short. */
			assert_int_equal(sla_business_seconds(c, s, due - 1), x - 1);
			/* Monotonic in the seconds and in the start. */
			int64_t d = rnd(0, 3 * HOUR);
			assert_true(sla_add_business(c, s, x + d) >= due);
			assert_true(sla_add_business(c, s + d, x) >= due);
			/* Additive: a span split anywhere counts the same. */
			int64_t mid = rnd(s, due + 1);
			assert_int_equal(sla_business_seconds(c, s, mid) + sla_business_seconds(c, mid, due), x);
			assert_time(sla_add_business(c, mid, x - sla_business_seconds(c, s, mid)), due);
		}
		sla_calendar_free(c);
	}
}

static void test_far_and_fast(void **state)
{
	struct sla_calendar *c = cal(BERLIN_OFFICE ", \"holidays\": [\"2027-01-01\", \"2028-12-25\"]}");
	int64_t s = at(2026, 1, 5, 8, 0, 1); /* Monday 08:00 */
	/* 10,000 hours: 1111 days of 9 and 1 more hour. From Monday 5 January 2026, 1111
	 * working days plus 2 holidays are 222 weeks and 3 days: Thursday 11 April 2030. */
	int64_t due = sla_add_business(c, s, 10000 * HOUR);
	assert_time(due, at(2030, 4, 11, 9, 0, 2));
	assert_int_equal(sla_business_seconds(c, s, due), 10000 * HOUR);
	sla_calendar_free(c);

	/* A thousand years of a zone without changes, a thousand times: a day-by-day loop
	 * would take seconds. */
	c = cal("{\"timezone\": \"Asia/Kolkata\", \"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"], "
		"\"hours\": \"09:00-18:00\"}");
	int64_t t0 = time_mono_us();
	for (int i = 0; i < 1000; i++) {
		int64_t from = at(2000, 1, 3, 9, 0, 5.5) + i * 60; /* Monday 09:00 */
		int64_t n = sla_business_seconds(c, from, from + INT64_C(1000) * 365 * 86400);
		assert_true(n > INT64_C(260000) * 9 * HOUR && n < INT64_C(262000) * 9 * HOUR);
		assert_int_equal(sla_business_seconds(c, from, sla_add_business(c, from, n)), n);
	}
	int64_t us = time_mono_us() - t0;
	if (us > 1000000)
		fail_msg("2000 calls over a thousand years took %lld us", (long long)us);

	/* Berlin, with a change every half year: 10,000 hours out, a thousand times. */
	sla_calendar_free(c);
	c = cal(BERLIN_OFFICE "}");
	t0 = time_mono_us();
	for (int i = 0; i < 1000; i++)
		assert_int_equal(sla_business_seconds(c, s, sla_add_business(c, s + i * 97, 10000 * HOUR)) > 0, 1);
	us = time_mono_us() - t0;
	if (us > 1000000)
		fail_msg("1000 due times 10,000 hours out took %lld us", (long long)us);

	/* The ends of the range. */
	assert_int_equal(sla_add_business(c, s, INT64_MAX), INT64_MAX);
	assert_int_equal(sla_add_business(c, SLA_TIME_MAX - 86400, 30 * HOUR), INT64_MAX);
	assert_true(sla_business_seconds(c, INT64_MIN, INT64_MAX) > 0);
	assert_int_equal(sla_business_seconds(c, INT64_MIN, SLA_TIME_MIN + 14 * 86400), 90 * HOUR);
	assert_int_equal(sla_business_seconds(c, SLA_TIME_MAX - 14 * 86400, INT64_MAX), 90 * HOUR);
	assert_true(sla_add_business(c, INT64_MIN, 1) >= SLA_TIME_MIN);
	sla_calendar_free(c);
}

static void test_json(void **state)
{
	struct sla_calendar *c = cal("{\"timezone\": \"Europe/Berlin\", \"days\": [\"fri\", \"mon\", \"sun\"], "
				     "\"hours\": \"07:30-24:00\", \"holidays\": [\"2027-01-01\", \"2026-12-25\", "
				     "\"2027-01-01\", \"0001-01-01\", \"9999-12-31\", \"2028-02-29\"]}");
	json_t *j = sla_calendar_json(c);
	assert_non_null(j);
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, "{\"days\":[\"mon\",\"fri\",\"sun\"],\"holidays\":[\"0001-01-01\",\"2026-12-25\","
				  "\"2027-01-01\",\"2028-02-29\",\"9999-12-31\"],\"hours\":\"07:30-24:00\","
				  "\"timezone\":\"Europe/Berlin\"}");
	/* What it gives back parses to the same. */
	struct sla_calendar *c2 = NULL;
	assert_int_equal(sla_calendar_parse(j, &c2), 0);
	json_t *j2 = sla_calendar_json(c2);
	char *text2 = json_dumps(j2, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	json_decref(j);
	json_decref(j2);
	sla_calendar_free(c);
	sla_calendar_free(c2);

	/* No holidays: an empty list back. */
	c = cal("{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"00:00-00:01\", \"holidays\": null}");
	j = sla_calendar_json(c);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text,
			    "{\"days\":[\"mon\"],\"holidays\":[],\"hours\":\"00:00-00:01\",\"timezone\":\"UTC\"}");
	free(text);
	json_decref(j);
	sla_calendar_free(c);
	sla_calendar_free(NULL);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
	    {"[]", "the business calendar must be a JSON object"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\", \"weekend\": [\"sat\"]}",
	     "field 'weekend' is not recognised"},
	    {"{\"days\": [\"mon\"], \"hours\": \"08:00-17:00\"}", "field 'timezone' is required"},
	    {"{\"timezone\": 1, \"days\": [\"mon\"], \"hours\": \"08:00-17:00\"}", "field 'timezone' must be a string"},
	    {"{\"timezone\": \"Mars/Olympus_Mons\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\"}",
	     "field 'timezone': unknown time zone 'Mars/Olympus_Mons'"},
	    {"{\"timezone\": \"../../etc/passwd\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\"}",
	     "field 'timezone': '../../etc/passwd' is not a time zone name"},
	    {"{\"timezone\": \"Europe\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\"}",
	     "field 'timezone': 'Europe' is a group of time zones"},
	    {"{\"timezone\": \"UTC\", \"hours\": \"08:00-17:00\"}", "field 'days' is required"},
	    {"{\"timezone\": \"UTC\", \"days\": \"mon-fri\", \"hours\": \"08:00-17:00\"}",
	     "field 'days' must be an array of day names"},
	    {"{\"timezone\": \"UTC\", \"days\": [1], \"hours\": \"08:00-17:00\"}",
	     "field 'days' must be an array of day names"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"monday\"], \"hours\": \"08:00-17:00\"}",
	     "field 'days': 'monday' is not a day (use mon, tue, wed, thu, fri, sat, sun)"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"Mon\"], \"hours\": \"08:00-17:00\"}",
	     "field 'days': 'Mon' is not a day"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\", \"tue\", \"mon\"], \"hours\": \"08:00-17:00\"}",
	     "field 'days': 'mon' is listed twice"},
	    {"{\"timezone\": \"UTC\", \"days\": [], \"hours\": \"08:00-17:00\"}",
	     "field 'days' must list at least one working day"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"]}", "field 'hours' is required"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": 8}", "field 'hours' must be a string"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"8-17\"}",
	     "field 'hours': '8-17' is not a range of times such as 08:00-17:00"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00 - 17:00\"}", "is not a range of times"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:60-17:00\"}",
	     "'08:60-17:00' is not a range"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"24:00-24:00\"}",
	     "'24:00-24:00' is not a range"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-24:01\"}",
	     "'08:00-24:01' is not a range"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-17:0a\"}",
	     "'08:00-17:0a' is not a range"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"17:00-08:00\"}",
	     "field 'hours': '17:00-08:00' must end after it starts (overnight hours are not supported)"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-08:00\"}",
	     "'08:00-08:00' must end after it starts"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\", \"holidays\": \"2026-12-25\"}",
	     "field 'holidays' must be an array of dates"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\", \"holidays\": [20261225]}",
	     "field 'holidays' must be an array of dates"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\", \"holidays\": [\"2026-02-29\"]}",
	     "field 'holidays': '2026-02-29' is not a date (use YYYY-MM-DD)"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\", \"holidays\": [\"2026-04-31\"]}",
	     "'2026-04-31' is not a date"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\", \"holidays\": [\"2026-1-1\"]}",
	     "'2026-1-1' is not a date"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\", \"holidays\": [\"0000-01-01\"]}",
	     "'0000-01-01' is not a date"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\", \"holidays\": [\"2026-13-01\"]}",
	     "'2026-13-01' is not a date"},
	    {"{\"timezone\": \"UTC\", \"days\": [\"mon\"], \"hours\": \"08:00-17:00\", \"holidays\": [\"2026-12-25 "
	     "\"]}",
	     "'2026-12-25 ' is not a date"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_loads(cases[i].json, 0, NULL);
		assert_non_null(j);
		struct sla_calendar *c = (struct sla_calendar *)&cases; /* must stay untouched */
		err_clear();
		assert_int_equal(sla_calendar_parse(j, &c), -EINVAL);
		assert_ptr_equal(c, (struct sla_calendar *)&cases);
		if (!strstr(err_msg(-EINVAL), cases[i].msg))
			fail_msg("%s: message '%s' lacks '%s'", cases[i].json, err_msg(-EINVAL), cases[i].msg);
		json_decref(j);
	}

	/* 1000 holidays are fine; 1001 are not, even with repeats. */
	json_t *j = json_pack("{s:s, s:[s], s:s}", "timezone", "UTC", "days", "mon", "hours", "08:00-17:00");
	json_t *list = json_array();
	for (int i = 0; i < SLA_HOLIDAYS_MAX; i++) {
		char d[48];
		snprintf(d, sizeof(d), "%04d-01-01", 2000 + i);
		json_array_append_new(list, json_string(d));
	}
	json_object_set_new(j, "holidays", list);
	struct sla_calendar *c = NULL;
	assert_int_equal(sla_calendar_parse(j, &c), 0);
	sla_calendar_free(c);
	c = NULL;
	json_array_append_new(list, json_string("2000-01-01"));
	assert_int_equal(sla_calendar_parse(j, &c), -EINVAL);
	assert_null(c);
	assert_string_equal(err_msg(-EINVAL), "field 'holidays' has 1001 dates; at most 1000 are allowed");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_friday_afternoon),  cmocka_unit_test(test_weekend_and_holiday),
	    cmocka_unit_test(test_outside_hours),     cmocka_unit_test(test_dst_berlin),
	    cmocka_unit_test(test_dst_new_york),      cmocka_unit_test(test_sunday_to_thursday),
	    cmocka_unit_test(test_against_reference), cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_far_and_fast),      cmocka_unit_test(test_json),
	    cmocka_unit_test(test_parse_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
