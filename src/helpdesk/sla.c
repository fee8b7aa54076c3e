/*
 * sla.c: see sla.h. Working time is counted on the local wall clock: between two
 * daylight saving changes the wall clock runs at a constant offset from UTC, so the
 * working seconds in such a stretch are a difference of a cumulative count over wall
 * time, which whole weeks and a binary search over the holidays give in O(log holidays).
 * A span or due time then costs one step per change it crosses.
 */
#include "helpdesk/sla.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/tz.h"

#define SLA_DAY 86400
/* Local day numbers the arithmetic may meet: the SLA_TIME range moved by any UTC offset. */
#define SLA_DAY_MIN (SLA_TIME_MIN / SLA_DAY - 2)
#define SLA_DAY_MAX (SLA_TIME_MAX / SLA_DAY + 2)

struct sla_calendar {
	char *zone; /* the time zone's name, as given */
	struct tz *tz;
	unsigned days;	    /* working weekdays: bit 0 Monday .. bit 6 Sunday */
	int64_t ndays;	    /* how many, 1..7 */
	int64_t start, end; /* working hours: seconds after local midnight, start < end <= 86400 */
	int64_t prefix[8];  /* working weekdays among the first i days of a week that starts on a
			     * Thursday, as day 0 (1970-01-01) did */
	size_t nholidays;
	int64_t *holidays; /* local day numbers (days since 1970-01-01), sorted, no repeats */
	size_t nclosed;
	int64_t *closed; /* those of them on working weekdays: the ones that take time away */
};

static const char *const sla_day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* ---- calendar arithmetic ---- */

static int64_t sla_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t sla_clamp(int64_t t)
{
	return t < SLA_TIME_MIN ? SLA_TIME_MIN : t > SLA_TIME_MAX ? SLA_TIME_MAX : t;
}

static int64_t sla_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = sla_floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void sla_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = sla_floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* 0 for Monday .. 6 for Sunday. */
static int sla_weekday(int64_t day)
{
	return (int)(((day + 3) % 7 + 7) % 7);
}

/* How many of the sorted v[0..n) are below x. */
static size_t sla_below(const int64_t *v, size_t n, int64_t x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool sla_is_workday(const struct sla_calendar *c, int64_t day)
{
	if (!(c->days & (1u << sla_weekday(day))))
		return false;
	size_t i = sla_below(c->closed, c->nclosed, day);
	return i == c->nclosed || c->closed[i] != day;
}

/* Working days before day, up to a constant: whole weeks from day 0, the days left over,
 * less the holidays that fell on working days. Rises by one after each working day. */
static int64_t sla_workdays_before(const struct sla_calendar *c, int64_t day)
{
	int64_t weeks = sla_floor_div(day, 7);
	return weeks * c->ndays + c->prefix[day - weeks * 7] - (int64_t)sla_below(c->closed, c->nclosed, day);
}

/* Working seconds of wall-clock time up to local (seconds since 1970-01-01 00:00 local),
 * up to a constant: non-decreasing, and rising one a second exactly in working time. */
static int64_t sla_count(const struct sla_calendar *c, int64_t local)
{
	int64_t day = sla_floor_div(local, SLA_DAY), len = c->end - c->start;
	int64_t n = sla_workdays_before(c, day) * len;
	if (sla_is_workday(c, day)) {
		int64_t into = local - day * SLA_DAY - c->start;
		n += into < 0 ? 0 : into > len ? len : into;
	}
	return n;
}

/* The smallest local time at which sla_count reaches n, or INT64_MAX past SLA_DAY_MAX. */
static int64_t sla_count_inverse(const struct sla_calendar *c, int64_t n)
{
	int64_t len = c->end - c->start;
	int64_t k = sla_floor_div(n, len), r = n - k * len;
	if (r == 0) { /* the end of working day k - 1 */
		k--;
		r = len;
	}
	/* Working day k (counted as sla_workdays_before does) is the first day d after which
	 * k + 1 have begun. */
	int64_t lo = SLA_DAY_MIN, hi = SLA_DAY_MAX + 1;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (sla_workdays_before(c, mid + 1) >= k + 1)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo > SLA_DAY_MAX)
		return INT64_MAX;
	return lo * SLA_DAY + c->start + r;
}

int64_t sla_business_seconds(const struct sla_calendar *c, int64_t from, int64_t to)
{
	int64_t total = 0;
	from = sla_clamp(from);
	to = sla_clamp(to);
	for (int64_t t = from; t < to;) {
		int32_t off = tz_offset(c->tz, t);
		int64_t next = tz_next_change(c->tz, t);
		if (next > to)
			next = to;
		total += sla_count(c, next + off) - sla_count(c, t + off);
		t = next;
	}
	return total;
}

int64_t sla_add_business(const struct sla_calendar *c, int64_t start, int64_t seconds)
{
	if (seconds <= 0)
		return start;
	if (seconds > SLA_TIME_MAX - SLA_TIME_MIN)
		return INT64_MAX;
	int64_t left = seconds;
	for (int64_t t = sla_clamp(start);;) {
		int32_t off = tz_offset(c->tz, t);
		int64_t next = tz_next_change(c->tz, t);
		bool last = next >= SLA_TIME_MAX;
		if (last)
			next = SLA_TIME_MAX;
		int64_t have = sla_count(c, t + off), more = sla_count(c, next + off) - have;
		if (more >= left) {
			int64_t local = sla_count_inverse(c, have + left);
			return local == INT64_MAX ? INT64_MAX : local - off;
		}
		if (last)
			return INT64_MAX;
		left -= more;
		t = next;
	}
}

/* ---- the calendar as JSON ---- */

static int sla_parse_days(const json_t *j, struct sla_calendar *c)
{
	const json_t *days = json_object_get(j, "days");
	size_t i;
	const json_t *v;
	if (!days || json_is_null(days))
		return err_set(-EINVAL, "field 'days' is required");
	if (!json_is_array(days))
		return err_set(-EINVAL, "field 'days' must be an array of day names such as \"mon\"");
	json_array_foreach(days, i, v)
	{
		const char *name = json_string_value(v);
		int d = 0;
		if (!name)
			return err_set(-EINVAL, "field 'days' must be an array of day names such as \"mon\"");
		while (d < 7 && strcmp(name, sla_day_names[d]) != 0)
			d++;
		if (d == 7)
			return err_set(-EINVAL,
				       "field 'days': '%.32s' is not a day (use mon, tue, wed, thu, fri, sat, sun)",
				       name);
		if (c->days & (1u << d))
			return err_set(-EINVAL, "field 'days': '%s' is listed twice", name);
		c->days |= 1u << d;
		c->ndays++;
	}
	if (c->ndays == 0)
		return err_set(-EINVAL, "field 'days' must list at least one working day");
	for (int k = 0; k < 7; k++)
		c->prefix[k + 1] = c->prefix[k] + ((c->days >> ((3 + k) % 7)) & 1);
	return 0;
}

/* "HH:MM" at text into seconds; 24:00 only when end. */
static bool sla_parse_clock(const char *text, bool end, int64_t *ret)
{
	for (int i = 0; i < 5; i++)
		if (i == 2 ? text[i] != ':' : text[i] < '0' || text[i] > '9')
			return false;
	int h = (text[0] - '0') * 10 + text[1] - '0', m = (text[3] - '0') * 10 + text[4] - '0';
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
		return false;
	*ret = h * 3600 + m * 60;
	return true;
}

static int sla_parse_hours(const json_t *j, struct sla_calendar *c)
{
	const char *hours;
	int r = json_get_string(j, "hours", true, 64, &hours);
	if (r < 0)
		return r;
	if (strlen(hours) != 11 || hours[5] != '-' || !sla_parse_clock(hours, false, &c->start) ||
	    !sla_parse_clock(hours + 6, true, &c->end))
		return err_set(-EINVAL, "field 'hours': '%s' is not a range of times such as 08:00-17:00", hours);
	if (c->end <= c->start)
		return err_set(
		    -EINVAL, "field 'hours': '%s' must end after it starts (overnight hours are not supported)", hours);
	return 0;
}

static int sla_cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* "YYYY-MM-DD", a real date in years 1..9999, into a day number. */
static bool sla_parse_date(const char *text, int64_t *ret)
{
	int f[8], n = 0;
	if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
		return false;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (text[i] < '0' || text[i] > '9')
			return false;
		f[n++] = text[i] - '0';
	}
	int64_t y = f[0] * 1000 + f[1] * 100 + f[2] * 10 + f[3];
	int m = f[4] * 10 + f[5], d = f[6] * 10 + f[7];
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	int64_t day = sla_days_from_civil(y, m, d), yy;
	int mm, dd;
	sla_civil_from_days(day, &yy, &mm, &dd);
	if (yy != y || mm != m || dd != d) /* 31 April, 29 February 2027 */
		return false;
	*ret = day;
	return true;
}

static int sla_parse_holidays(const json_t *j, struct sla_calendar *c)
{
	const json_t *list = json_object_get(j, "holidays"), *v;
	size_t i, n = 0;
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return err_set(-EINVAL, "field 'holidays' must be an array of dates such as \"2026-12-25\"");
	if (json_array_size(list) > SLA_HOLIDAYS_MAX)
		return err_set(-EINVAL, "field 'holidays' has %zu dates; at most %d are allowed", json_array_size(list),
			       SLA_HOLIDAYS_MAX);
	c->holidays = malloc((json_array_size(list) + 1) * sizeof(int64_t));
	c->closed = malloc((json_array_size(list) + 1) * sizeof(int64_t));
	if (!c->holidays || !c->closed)
		return -ENOMEM;
	json_array_foreach(list, i, v)
	{
		const char *text = json_string_value(v);
		if (!text)
			return err_set(-EINVAL, "field 'holidays' must be an array of dates such as \"2026-12-25\"");
		if (!sla_parse_date(text, &c->holidays[n]))
			return err_set(-EINVAL, "field 'holidays': '%.32s' is not a date (use YYYY-MM-DD)", text);
		n++;
	}
	qsort(c->holidays, n, sizeof(int64_t), sla_cmp_day);
	for (i = 0; i < n; i++) {
		if (c->nholidays > 0 && c->holidays[c->nholidays - 1] == c->holidays[i])
			continue;
		c->holidays[c->nholidays++] = c->holidays[i];
		if (c->days & (1u << sla_weekday(c->holidays[i])))
			c->closed[c->nclosed++] = c->holidays[i];
	}
	return 0;
}

int sla_calendar_parse(const json_t *j, struct sla_calendar **ret)
{
	static const char *const fields[] = {"timezone", "days", "hours", "holidays", NULL};
	const char *zone;
	struct sla_calendar *c = NULL;
	int r;
	if (!json_is_object(j))
		return err_set(-EINVAL, "the business calendar must be a JSON object");
	if ((r = json_check_fields(j, fields)) < 0)
		return r;
	if ((r = json_get_string(j, "timezone", true, TZ_NAME_MAX, &zone)) < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->zone = strdup(zone))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = tz_load(zone, &c->tz)) < 0) {
		/* An unknown zone is a bad calendar, not a missing object. */
		r = err_set(r == -ENOENT ? -EINVAL : r, "field 'timezone': %s", err_msg(r));
		goto out;
	}
	if ((r = sla_parse_days(j, c)) < 0 || (r = sla_parse_hours(j, c)) < 0 || (r = sla_parse_holidays(j, c)) < 0)
		goto out;
	*ret = c;
	c = NULL;
out:
	sla_calendar_free(c);
	return r;
}

json_t *sla_calendar_json(const struct sla_calendar *c)
{
	json_t *days = json_array(), *holidays = json_array();
	char hours[48];
	if (!days || !holidays)
		goto fail;
	for (int d = 0; d < 7; d++)
		if ((c->days & (1u << d)) && json_array_append_new(days, json_string(sla_day_names[d])) < 0)
			goto fail;
	for (size_t i = 0; i < c->nholidays; i++) {
		char date[48];
		int64_t y;
		int m, d;
		sla_civil_from_days(c->holidays[i], &y, &m, &d);
		int n = snprintf(date, sizeof(date), "%04d-%02d-%02d", (int)y, m, d);
		if (n < 0 || (size_t)n >= sizeof(date) || json_array_append_new(holidays, json_string(date)) < 0)
			goto fail;
	}
	int n = snprintf(hours, sizeof(hours), "%02d:%02d-%02d:%02d", (int)(c->start / 3600),
			 (int)(c->start % 3600 / 60), (int)(c->end / 3600), (int)(c->end % 3600 / 60));
	if (n < 0 || (size_t)n >= sizeof(hours))
		goto fail;
	return json_pack("{s:s, s:o, s:s, s:o}", "timezone", c->zone, "days", days, "hours", hours, "holidays",
			 holidays);
fail:
	json_decref(days);
	json_decref(holidays);
	return NULL;
}

void sla_calendar_free(struct sla_calendar *c)
{
	if (!c)
		return;
	tz_free(c->tz);
	free(c->zone);
	free(c->holidays);
	free(c->closed);
	free(c);
}
