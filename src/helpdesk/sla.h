/*
 * sla.h: the help desk's business calendar (time zone, working days and hours,
 * holidays) and SLA clock arithmetic in business seconds. Pure computation: no database.
 */
#ifndef WARD_SLA_H
#define WARD_SLA_H

#include <jansson.h>
#include <stdint.h>

#define SLA_HOLIDAYS_MAX 1000 /* holidays in one calendar */

/* Instants the clock arithmetic works on: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
 * Arguments outside are taken as the nearest end. */
#define SLA_TIME_MIN INT64_C(-62135596800)
#define SLA_TIME_MAX INT64_C(253402300799)

/*
 * A second counts as working time when the calendar's wall clock, in its time zone, shows
 * a working day that is not a holiday and a time of day within the working hours
 * [start, end). Hours are wall-clock times, so they move with daylight saving time: an
 * 08:00-17:00 day is 9 real hours on the day of a change at 02:00 too. Only a change that
 * falls inside the working hours alters that day: skipped wall times are never worked (a
 * 00:00-08:00 day lasts 7 hours when the clock springs forward at 02:00) and repeated ones
 * are worked twice (9 hours when it falls back).
 */
struct sla_calendar;

/* Parses {"timezone": "Europe/Berlin", "days": ["mon", ..., "fri"], "hours": "08:00-17:00",
 * "holidays": ["2026-12-25", ...]}. timezone, days and hours are required; holidays may be
 * absent. Days are mon..sun, each at most once, at least one; hours are HH:MM-HH:MM with
 * the start before the end (24:00 allowed as the end; no overnight shifts); holidays are
 * local dates YYYY-MM-DD, at most SLA_HOLIDAYS_MAX, in any order, repeats dropped. Unknown
 * fields are refused. -EINVAL with a message naming the field (an unknown time zone
 * too), -ENOMEM, or -errno when the zone's file cannot be read. On success *ret is the
 * caller's, freed with sla_calendar_free. */
int sla_calendar_parse(const json_t *j, struct sla_calendar **ret);

/* The calendar in the shape sla_calendar_parse takes: days in week order, holidays sorted.
 * A new reference, or NULL on OOM. */
json_t *sla_calendar_json(const struct sla_calendar *c);

/* NULL-safe. */
void sla_calendar_free(struct sla_calendar *c);

/* Working seconds in [from, to), both Unix times; 0 when to <= from. */
int64_t sla_business_seconds(const struct sla_calendar *c, int64_t from, int64_t to);

/* The earliest instant at which `seconds` working seconds have passed since start (so
 * sla_business_seconds(c, start, result) == seconds); start itself when seconds <= 0.
 * A due time that ends a working day is that day's end, not the next day's start.
 * INT64_MAX when it would fall after SLA_TIME_MAX. Non-decreasing in start and seconds.
 * Costs O(daylight saving changes crossed + log holidays): about two a year. */
int64_t sla_add_business(const struct sla_calendar *c, int64_t start, int64_t seconds);

#endif
