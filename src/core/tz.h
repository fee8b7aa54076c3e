/*
 * tz.h: time zones read from TZif files (RFC 8536), without touching the process's TZ,
 * so threads can each work in their own zone. A loaded zone is read-only.
 */
#ifndef WARD_TZ_H
#define WARD_TZ_H

#include <stddef.h>
#include <stdint.h>

#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_FILE_MAX (1024 * 1024) /* bytes of one TZif file */
#define TZ_NAME_MAX 255		  /* bytes of a zone name such as "America/Argentina/Buenos_Aires" */

/* Instants (and local times) are clamped to [TZ_TIME_MIN, TZ_TIME_MAX], about a billion
 * years either side of 1970, so that no arithmetic on them can overflow. */
#define TZ_TIME_MAX (INT64_C(1) << 55)
#define TZ_TIME_MIN (-TZ_TIME_MAX)

struct tz;

/* Loads the zone name ("Europe/Berlin") from TZ_DIR/<name>. The name must be relative,
 * without "..", of letters, digits and "_+-/" only. "UTC" is built in (no file read).
 * -EINVAL for a bad name or file, -ENOENT for an unknown zone, -E2BIG for a file over
 * TZ_FILE_MAX, -errno when it cannot be read; each with a message naming the zone. On
 * success *ret is the caller's, freed with tz_free. */
int tz_load(const char *name, struct tz **ret);

/* Parses len bytes of TZif data (versions 1 to 4; the 64-bit data and the footer of
 * version 2 and later). Files with leap seconds ("right/" zones) are refused. -EINVAL with
 * a message on anything malformed, -E2BIG over TZ_FILE_MAX, -ENOMEM. */
int tz_load_data(const void *data, size_t len, struct tz **ret);

/* NULL-safe. */
void tz_free(struct tz *z);

/* The offset from UTC in seconds (east positive) of local time at Unix time t. Before the
 * first transition it is that of the file's first time type; after the last, the footer's
 * POSIX TZ rule decides when there is one. Always in [-89999, 93599]. */
int32_t tz_offset(const struct tz *z, int64_t t);

/* The first instant after t at which tz_offset differs from tz_offset(z, t), or INT64_MAX
 * when the offset never changes again. Offsets are constant on [t, tz_next_change(z, t)). */
int64_t tz_next_change(const struct tz *z, int64_t t);

/* The Unix time at which the local wall clock reads local_seconds (seconds since
 * 1970-01-01 00:00 local time): the first instant at which the wall clock shows
 * local_seconds or later. So when the clock goes back and a local time happens twice, the
 * earlier instant; when it jumps forward over local_seconds, the instant of the jump (03:00
 * CEST for 02:30 on the day Berlin springs forward). Non-decreasing in local_seconds. */
int64_t tz_local_to_utc(const struct tz *z, int64_t local_seconds);

#endif
