/*
 * maint.h: maintenance windows. A window is a weekly recurring time (local days of the
 * week, a start time and a length, in an IANA time zone, so "Sunday 02:00 for 3 hours
 * in Europe/Berlin" stays at 02:00 across daylight saving changes) that applies to
 * machines (named hosts, tags, or all). A machine's window is when it may be changed:
 * upgrade runs planned "in the window" start each machine's job only while one of its
 * windows is open, and upgrades that are not security fixes are due at the end of the
 * machine's next window after they appeared (compliance.c).
 *
 * Windows are JSON objects in and out (the shapes in docs/maintenance.md); every change
 * is an activity-log entry in the same transaction.
 *
 * Errors: 0 or a negative errno with err_set(): -EINVAL bad field, -ENOENT no such
 * window, -EEXIST a name taken.
 */
#ifndef WARD_MAINT_H
#define WARD_MAINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"

#define MAINT_NAME_MAX 64
#define MAINT_DESCRIPTION_MAX 1024
#define MAINT_WINDOWS_MAX 1000		   /* windows in all */
#define MAINT_SELECT_MAX 1000		   /* hosts or tags one window names */
#define MAINT_DURATION_MAX (7 * 24 * 60) /* minutes of one occurrence */
#define MAINT_NEXT_SHOWN 5		   /* occurrences a window's page lists */

/* One occurrence of a window: [start, end) in Unix time. */
struct maint_slot {
	int64_t start, end;
	char window[MAINT_NAME_MAX + 1];
};

/* Adds a window from {"name", "description"?, "days": ["mon".."sun" | "daily" |
 * "weekdays" | "weekend"], "start": "HH:MM", "duration_minutes", "timezone"? ("UTC"),
 * "hosts"?, "tags"?, "all"?} (hosts, tags or all required). Logged as maint.window.add.
 * *ret (may be NULL) is the window as maint_window_get gives it. */
int maint_window_add(struct store *s, const char *actor, const json_t *fields, int64_t now, json_t **ret);

/* Changes the fields given (the same as add's; name renames). maint.window.edit. */
int maint_window_edit(struct store *s, const char *actor, const char *name, const json_t *fields, int64_t now,
		      json_t **ret);

/* Removes a window. maint.window.remove. */
int maint_window_remove(struct store *s, const char *actor, const char *name);

/* The window {"name", "description", "days", "start", "duration_minutes", "timezone",
 * "hosts", "tags", "all", "open" (an occurrence is on at now), "next": [{"start",
 * "end"}] (the current one and those after, MAINT_NEXT_SHOWN), "machines": [names of
 * the enrolled hosts it applies to], "created_by", "created_at", "updated_at"}. */
int maint_window_get(struct store *s, const char *name, int64_t now, json_t **ret);

/* Every window, by name, each as maint_window_get gives it with one "next" entry. */
int maint_window_list(struct store *s, int64_t now, json_t **ret);

/* The windows, loaded once for many lookups (a sweep, a fleet's due dates). */
struct maint_set;
int maint_set_load(struct store *s, struct maint_set **ret);
void maint_set_free(struct maint_set *set);

/* The occurrence of the windows that apply to the host (its name and its tags, a JSON
 * array of strings or NULL) found from t: with starting false the one on at t, or else
 * the next to start; with starting true the first to start at t or later. Of several,
 * the earliest to start. -ENOENT (no message) when no window applies to the host. */
int maint_set_find(const struct maint_set *set, const char *host, const json_t *tags, int64_t t, bool starting,
		   struct maint_slot *ret);

/* The same for a host by its row id, loading the windows and its tags. */
int maint_host_find(struct store *s, int64_t host_id, int64_t t, bool starting, struct maint_slot *ret);

/* The host's tags, a JSON array (hosts.host_tags), for maint_set_find. */
int maint_host_tags(struct store *s, int64_t host_id, json_t **ret);

/* Schedule arithmetic, public for the unit tests: the first occurrence, of a window on
 * days (bit 0 Monday) from start_min after local midnight for duration_min minutes in
 * zone z, that ends after t (starting false) or starts at t or later (starting true). */
struct tz;
void maint_occurrence(unsigned days, int start_min, int duration_min, const struct tz *z, int64_t t, bool starting,
		      int64_t *ret_start, int64_t *ret_end);

#endif
