/*
 * timeutil.c: see timeutil.h.
 */
#include "core/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"

/* WARD_TEST_CLOCK_OFFSET ("8d", "-2h", "3600"): seconds added to time_now(), read once,
 * so tests can travel in time (due dates, overdue lists, daily snapshots). Meant for
 * tests only; an unparsable value is ignored. */
static int64_t clock_offset;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static void clock_offset_load(void)
{
	const char *v = getenv("WARD_TEST_CLOCK_OFFSET");
	int64_t d;
	bool neg = v && v[0] == '-';
	if (v && *v && time_parse_duration(neg ? v + 1 : v, &d) == 0)
		clock_offset = neg ? -d : d;
	err_clear();
}

int64_t time_now(void)
{
	pthread_once(&clock_once, clock_offset_load);
	return (int64_t)time(NULL) + clock_offset;
}

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void time_iso(int64_t t, char out[TIME_ISO_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(out, TIME_ISO_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, TIME_ISO_LEN, "invalid-time");
}

int parse_int64(const char *text, int64_t min, int64_t max, int64_t *ret)
{
	const char *p = text;
	int neg = 0;
	int64_t v = 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p < '0' || *p > '9')
		return err_set(-EINVAL, "'%s' is not a number", text);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return err_set(-EINVAL, "'%s' is out of range", text);
		v = v * 10 + (*p - '0');
	}
	if (*p)
		return err_set(-EINVAL, "'%s' is not a number", text);
	if (neg)
		v = -v;
	if (v < min || v > max)
		return err_set(-EINVAL, "'%s' is out of range (%lld to %lld)", text, (long long)min,
			       (long long)max);
	*ret = v;
	return 0;
}

int time_parse_duration(const char *text, int64_t *ret)
{
	char num[32];
	size_t len = strlen(text);
	if (len == 0 || len >= sizeof(num))
		return err_set(-EINVAL, "'%s' is not a duration (use e.g. 30m, 24h, 7d)", text);
	int64_t unit = 1;
	memcpy(num, text, len + 1);
	switch (num[len - 1]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: unit = 0; break;
	}
	if (unit)
		num[len - 1] = '\0';
	else
		unit = 1;
	int64_t v;
	if (num[0] == '-' || parse_int64(num, 0, INT64_MAX / (7 * 86400), &v) < 0)
		return err_set(-EINVAL, "'%s' is not a duration (use e.g. 30m, 24h, 7d)", text);
	*ret = v * unit;
	return 0;
}

/* strptime is lenient (leading blanks, no zero padding, 31 February): accept only what
 * prints back the same. */
static bool time_exact(const char *text, size_t len, bool with_time, const struct tm *tm)
{
	struct tm copy = *tm, back;
	char buf[32];
	time_t t = timegm(&copy);
	size_t n = !gmtime_r(&t, &back)	? 0
		   : with_time		? strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &back)
					: strftime(buf, sizeof(buf), "%Y-%m-%d", &back);
	return n == len && memcmp(buf, text, len) == 0;
}

int time_parse_since(const char *text, int64_t now, int64_t *ret)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end && (*end == '\0' || strcmp(end, "Z") == 0) && time_exact(text, (size_t)(end - text), true, &tm)) {
		*ret = (int64_t)timegm(&tm);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(text, "%Y-%m-%d", &tm);
	if (end && *end == '\0' && time_exact(text, (size_t)(end - text), false, &tm)) {
		*ret = (int64_t)timegm(&tm);
		return 0;
	}
	int64_t age;
	if (time_parse_duration(text, &age) == 0) {
		*ret = now - age;
		return 0;
	}
	return err_set(-EINVAL, "'%s' is not a time (use 2026-11-26, 2026-11-26T10:00:00Z or an age such as 12h or 7d)",
		       text);
}
