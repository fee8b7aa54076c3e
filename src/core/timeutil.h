/*
 * timeutil.h: wall-clock time as Unix seconds, ISO 8601 UTC text, and the "since"
 * forms users type (2026-11-26, 2026-11-26T10:00:00Z, 30m, 12h, 7d).
 */
#ifndef WARD_TIMEUTIL_H
#define WARD_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define TIME_ISO_LEN 21 /* "2026-11-26T23:19:44Z" and a NUL */

/* Wall-clock Unix seconds, plus WARD_TEST_CLOCK_OFFSET ("8d", "-2h") when the
 * environment sets it: a test-only way to travel in time. */
int64_t time_now(void);

/* Wall-clock time in milliseconds. */
int64_t time_now_ms(void);

/* Monotonic clock in microseconds, for durations. */
int64_t time_mono_us(void);

/* Formats t as ISO 8601 UTC into out (TIME_ISO_LEN bytes). */
void time_iso(int64_t t, char out[TIME_ISO_LEN]);

/* Parses an ISO date or UTC time, or an age (N followed by s, m, h, d or w) counted back
 * from now. -EINVAL with a message naming the text when it is neither. */
int time_parse_since(const char *text, int64_t now, int64_t *ret);

/* Parses a duration ("90", "30s", "15m", "24h", "7d", "2w") into seconds. */
int time_parse_duration(const char *text, int64_t *ret);

/* Parses a decimal integer in [min, max] with nothing after it; -EINVAL otherwise. */
int parse_int64(const char *text, int64_t min, int64_t max, int64_t *ret);

#endif
