/*
 * maint.c: maintenance windows: checking a window's fields, the schedule arithmetic
 * (local days and times in the window's zone, through core/tz.c), which windows apply
 * to a machine, and adding, changing and removing windows with their activity-log
 * entries.
 */
#include "maint/maint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog/actlog.h"
#include "core/err.h"
#include "core/json.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "hosts/hosts.h"
#include "hosts/hosts_store.h"
#include "maint/maint_store.h"

#define DAY 86400
#define ALL_DAYS 0x7fu

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* --- schedule arithmetic --- */

/* 0 Monday ... 6 Sunday for a day counted from 1970-01-01 (a Thursday). */
static int weekday(int64_t day)
{
	int64_t w = (day + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void maint_occurrence(unsigned days, int start_min, int duration_min, const struct tz *z, int64_t t, bool starting,
		      int64_t *ret_start, int64_t *ret_end)
{
	int64_t today = floor_div(t + tz_offset(z, t), DAY);
	/* an occurrence that began days ago may still be on; one more day for offsets */
	int64_t first = today - 1 - (starting ? 0 : (duration_min + 1439) / 1440);
	*ret_start = *ret_end = INT64_MAX;
	if (!(days & ALL_DAYS))
		return;
	/* Starts are non-decreasing in the local day (tz_local_to_utc is), so the first
	 * day that fits has the earliest start. Within 9 days one weekday comes round. */
	for (int64_t d = first; d <= today + 9; d++) {
		if (!(days & (1u << weekday(d))))
			continue;
		int64_t start = tz_local_to_utc(z, d * DAY + (int64_t)start_min * 60);
		int64_t end = start + (int64_t)duration_min * 60;
		if (starting ? start >= t : end > t) {
			*ret_start = start;
			*ret_end = end;
			return;
		}
	}
}

/* --- fields --- */

static int parse_days(const json_t *v, unsigned *ret)
{
	unsigned mask = 0;
	size_t i;
	const json_t *d;
	if (!json_is_array(v) || !json_array_size(v))
		return err_set(-EINVAL, "field 'days' must be a list of days: mon..sun, daily, weekdays or weekend");
	json_array_foreach(v, i, d)
	{
		const char *n = json_string_value(d);
		unsigned bit = 0;
		for (int k = 0; n && k < 7; k++)
			if (strcmp(n, day_names[k]) == 0)
				bit = 1u << k;
		if (n && strcmp(n, "daily") == 0)
			bit = ALL_DAYS;
		else if (n && strcmp(n, "weekdays") == 0)
			bit = 0x1fu;
		else if (n && strcmp(n, "weekend") == 0)
			bit = 0x60u;
		if (!bit)
			return err_set(-EINVAL, "field 'days': '%.32s' is not a day (mon..sun, daily, weekdays, weekend)",
				       n ? n : "?");
		mask |= bit;
	}
	*ret = mask;
	return 0;
}

static json_t *days_json(unsigned mask)
{
	json_t *a = json_array();
	for (int k = 0; a && k < 7; k++)
		if (mask & (1u << k))
			json_array_append_new(a, json_string(day_names[k]));
	return a;
}

/* "HH:MM" into minutes after midnight. */
static int parse_start(const json_t *v, int *ret)
{
	const char *t = json_string_value(v);
	int h, m, n = 0;
	if (!t || sscanf(t, "%2d:%2d%n", &h, &m, &n) != 2 || t[n] || strlen(t) != 5 || h < 0 || h > 23 || m < 0 ||
	    m > 59)
		return err_set(-EINVAL, "field 'start' must be a local time HH:MM (00:00 to 23:59)");
	*ret = h * 60 + m;
	return 0;
}

static int check_names(const json_t *f, const char *field)
{
	const json_t *a = json_object_get(f, field), *v;
	size_t i;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > MAINT_SELECT_MAX)
		return err_set(-EINVAL, "field '%s' must be a list of at most %d names", field, MAINT_SELECT_MAX);
	json_array_foreach(a, i, v)
	{
		const char *n = json_string_value(v);
		if (!n || !*n || strlen(n) > 255)
			return err_set(-EINVAL, "field '%s': item %zu must be a name", field, i + 1);
	}
	return 0;
}

/*
 * Merges fields over base (a stored window, or an empty object for a new one) into the
 * checked window w {"name", "description", "days", "start_min", "duration_min",
 * "timezone", "selection"}, with every named host enrolled.
 */
static int window_fields(struct store *s, const json_t *base, const json_t *f, json_t **ret)
{
	static const char *const fields[] = {"name", "description", "days",  "start", "duration_minutes",
					     "timezone", "hosts",	"tags", "all",	 NULL};
	json_t *w = json_deep_copy(base), *sel;
	const json_t *v;
	struct tz *z = NULL;
	int r;
	if (!w)
		return -ENOMEM;
	if (!json_is_object(f)) {
		r = err_set(-EINVAL, "a maintenance window must be a JSON object");
		goto fail;
	}
	if ((r = json_check_fields(f, fields)) < 0)
		goto fail;
	if ((v = json_object_get(f, "name"))) {
		if (!text_is_name(json_string_value(v), MAINT_NAME_MAX)) {
			r = err_set(-EINVAL, "field 'name' must be 1 to %d of a-z, 0-9, '.', '_', '-' (starting with a "
					     "letter or digit)",
				    MAINT_NAME_MAX);
			goto fail;
		}
		json_object_set(w, "name", (json_t *)v);
	}
	if ((v = json_object_get(f, "description")) && !json_is_null(v)) {
		if (!json_is_string(v) || strlen(json_string_value(v)) > MAINT_DESCRIPTION_MAX) {
			r = err_set(-EINVAL, "field 'description' must be text of at most %d bytes",
				    MAINT_DESCRIPTION_MAX);
			goto fail;
		}
		json_object_set(w, "description", (json_t *)v);
	}
	if ((v = json_object_get(f, "days"))) {
		unsigned days = 0;
		if ((r = parse_days(v, &days)) < 0)
			goto fail;
		json_object_set_new(w, "days", json_integer(days));
	}
	if ((v = json_object_get(f, "start"))) {
		int start = 0;
		if ((r = parse_start(v, &start)) < 0)
			goto fail;
		json_object_set_new(w, "start_min", json_integer(start));
	}
	if ((v = json_object_get(f, "duration_minutes"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > MAINT_DURATION_MAX) {
			r = err_set(-EINVAL, "field 'duration_minutes' must be 1 to %d (a week)", MAINT_DURATION_MAX);
			goto fail;
		}
		json_object_set(w, "duration_min", (json_t *)v);
	}
	if ((v = json_object_get(f, "timezone")) && !json_is_null(v)) {
		const char *zone = json_string_value(v);
		if (!zone || (r = tz_load(zone, &z)) < 0) {
			r = err_set(-EINVAL, "field 'timezone': %s", zone ? err_msg(r) : "must be a zone name");
			goto fail;
		}
		tz_free(z);
		json_object_set(w, "timezone", (json_t *)v);
	}
	if (!json_object_get(w, "timezone"))
		json_object_set_new(w, "timezone", json_string("UTC"));
	if ((r = check_names(f, "hosts")) < 0 || (r = check_names(f, "tags")) < 0)
		goto fail;
	if ((v = json_object_get(f, "all")) && !json_is_boolean(v)) {
		r = err_set(-EINVAL, "field 'all' must be true or false");
		goto fail;
	}
	if (!json_is_object(sel = json_object_get(w, "selection"))) {
		json_object_set_new(w, "selection", sel = json_pack("{s:b, s:[], s:[]}", "all", 0, "hosts", "tags"));
		if (!sel) {
			r = -ENOMEM;
			goto fail;
		}
	}
	static const char *const keys[] = {"all", "hosts", "tags"};
	for (size_t k = 0; k < 3; k++)
		if ((v = json_object_get(f, keys[k])) && !json_is_null(v))
			json_object_set(sel, keys[k], (json_t *)v);
	const json_t *h;
	size_t i;
	json_array_foreach(json_object_get(sel, "hosts"), i, h)
	{
		struct host x;
		if ((r = hosts_get(s, json_string_value(h), &x)) < 0)
			goto fail;
	}
	if (!json_is_true(json_object_get(sel, "all")) && !json_array_size(json_object_get(sel, "hosts")) &&
	    !json_array_size(json_object_get(sel, "tags"))) {
		r = err_set(-EINVAL, "say which machines the window is for: hosts, tags, or all");
		goto fail;
	}
	static const char *const required[] = {"name", "days", "start_min", "duration_min"};
	static const char *const said[] = {"name", "days", "start", "duration_minutes"};
	for (size_t k = 0; k < 4; k++)
		if (!json_object_get(w, required[k])) {
			r = err_set(-EINVAL, "field '%s' is required", said[k]);
			goto fail;
		}
	*ret = w;
	return 0;
fail:
	json_decref(w);
	return r;
}

static int window_save(struct store *s, int64_t id, const json_t *w, const char *actor, int64_t now, int64_t *ret_id)
{
	char *sel = json_dumps(json_object_get(w, "selection"), JSON_COMPACT | JSON_SORT_KEYS);
	if (!sel)
		return -ENOMEM;
	struct maint_row row = {.name = json_string_value(json_object_get(w, "name")),
				.description = json_string_value(json_object_get(w, "description")),
				.timezone = json_string_value(json_object_get(w, "timezone")),
				.selection = sel,
				.days = (unsigned)json_integer_value(json_object_get(w, "days")),
				.start_min = (int)json_integer_value(json_object_get(w, "start_min")),
				.duration_min = (int)json_integer_value(json_object_get(w, "duration_min"))};
	int r = id ? maint_store_update(s, id, &row, now) : maint_store_insert(s, &row, actor, now, ret_id);
	free(sel);
	return r;
}

/* --- the set of windows --- */

struct maint_win {
	const char *name;
	unsigned days;
	int start_min, duration_min;
	struct tz *tz;
	bool all;
	const json_t *hosts, *tags;
};

struct maint_set {
	json_t *rows; /* owns the strings */
	size_t n;
	struct maint_win *w;
};

void maint_set_free(struct maint_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		tz_free(set->w[i].tz);
	free(set->w);
	json_decref(set->rows);
	free(set);
}

/* The windows of rows (maint_store's objects) with their zones loaded; a window whose
 * zone is gone from this machine (tzdata changed since it was checked) is read as UTC. */
static int set_from_rows(json_t *rows, struct maint_set **ret)
{
	struct maint_set *set = calloc(1, sizeof(*set));
	json_t *row;
	size_t i;
	if (!set || !(set->w = calloc(json_array_size(rows) + 1, sizeof(*set->w)))) {
		free(set);
		json_decref(rows);
		return -ENOMEM;
	}
	set->rows = rows;
	json_array_foreach(rows, i, row)
	{
		struct maint_win *w = &set->w[set->n];
		const json_t *sel = json_object_get(row, "selection");
		w->name = json_string_value(json_object_get(row, "name"));
		w->days = (unsigned)json_integer_value(json_object_get(row, "days"));
		w->start_min = (int)json_integer_value(json_object_get(row, "start_min"));
		w->duration_min = (int)json_integer_value(json_object_get(row, "duration_min"));
		w->all = json_is_true(json_object_get(sel, "all"));
		w->hosts = json_object_get(sel, "hosts");
		w->tags = json_object_get(sel, "tags");
		int r = tz_load(json_string_value(json_object_get(row, "timezone")), &w->tz);
		if (r < 0 && (r = tz_load("UTC", &w->tz)) < 0) {
			maint_set_free(set);
			return r;
		}
		set->n++;
	}
	*ret = set;
	return 0;
}

int maint_set_load(struct store *s, struct maint_set **ret)
{
	json_t *rows = json_array();
	int r;
	if (!rows)
		return -ENOMEM;
	if ((r = maint_store_list(s, rows)) < 0) {
		json_decref(rows);
		return r;
	}
	return set_from_rows(rows, ret);
}

static bool has_string(const json_t *arr, const char *s)
{
	const json_t *v;
	size_t i;
	json_array_foreach(arr, i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

static bool applies(const struct maint_win *w, const char *host, const json_t *tags)
{
	const json_t *t;
	size_t i;
	if (w->all || has_string(w->hosts, host))
		return true;
	json_array_foreach(tags, i, t)
	{
		if (json_is_string(t) && has_string(w->tags, json_string_value(t)))
			return true;
	}
	return false;
}

int maint_set_find(const struct maint_set *set, const char *host, const json_t *tags, int64_t t, bool starting,
		   struct maint_slot *ret)
{
	bool found = false;
	for (size_t i = 0; i < set->n; i++) {
		const struct maint_win *w = &set->w[i];
		int64_t start, end;
		if (!applies(w, host, tags))
			continue;
		maint_occurrence(w->days, w->start_min, w->duration_min, w->tz, t, starting, &start, &end);
		if (start == INT64_MAX || (found && start >= ret->start))
			continue;
		ret->start = start;
		ret->end = end;
		snprintf(ret->window, sizeof(ret->window), "%s", w->name);
		found = true;
	}
	return found ? 0 : -ENOENT;
}

int maint_host_tags(struct store *s, int64_t host_id, json_t **ret)
{
	json_t *tags = json_array();
	int r;
	if (!tags)
		return -ENOMEM;
	if ((r = hosts_store_tags(s, host_id, tags)) < 0) {
		json_decref(tags);
		return r;
	}
	*ret = tags;
	return 0;
}

int maint_host_find(struct store *s, int64_t host_id, int64_t t, bool starting, struct maint_slot *ret)
{
	struct maint_set *set = NULL;
	json_t *tags = NULL;
	struct host h;
	int r;
	if ((r = hosts_get_id(s, host_id, &h)) < 0 || (r = maint_host_tags(s, host_id, &tags)) < 0 ||
	    (r = maint_set_load(s, &set)) < 0)
		goto out;
	r = maint_set_find(set, h.name, tags, t, starting, ret);
out:
	json_decref(tags);
	maint_set_free(set);
	return r;
}

/* --- windows as the faces show them --- */

/* Minutes after midnight as "HH:MM". */
static void hhmm(json_int_t minutes, char out[8])
{
	unsigned m = (unsigned)minutes % 1440;
	snprintf(out, 8, "%02u:%02u", m / 60, m % 60);
}

/* The stored row as shown, with its next occurrences (shown of them) and, when hosts is
 * given, the names of those it applies to. */
static json_t *window_view(const json_t *row, const struct maint_win *w, int64_t now, int shown, const json_t *hosts)
{
	const json_t *sel = json_object_get(row, "selection");
	char start[8];
	hhmm(json_integer_value(json_object_get(row, "start_min")), start);
	json_t *v = json_pack(
	    "{s:O, s:O, s:o, s:s, s:O, s:O, s:O, s:O, s:b, s:O, s:[], s:b}", "name", json_object_get(row, "name"),
	    "description", json_object_get(row, "description"), "days",
	    days_json((unsigned)json_integer_value(json_object_get(row, "days"))), "start", start, "duration_minutes",
	    json_object_get(row, "duration_min"), "timezone", json_object_get(row, "timezone"), "hosts",
	    json_object_get(sel, "hosts") ?: json_null(), "tags", json_object_get(sel, "tags") ?: json_null(), "all",
	    json_is_true(json_object_get(sel, "all")), "created_by", json_object_get(row, "created_by"), "next",
	    "open", 0);
	if (!v)
		return NULL;
	json_object_set_new(v, "created_at", json_time(json_integer_value(json_object_get(row, "created_at"))));
	json_object_set_new(v, "updated_at", json_time(json_integer_value(json_object_get(row, "updated_at"))));
	int64_t a, b;
	maint_occurrence(w->days, w->start_min, w->duration_min, w->tz, now, false, &a, &b);
	for (int k = 0; k < shown && a != INT64_MAX; k++) {
		if (k == 0)
			json_object_set_new(v, "open", json_boolean(a <= now));
		json_array_append_new(json_object_get(v, "next"),
				      json_pack("{s:o, s:o}", "start", json_time(a), "end", json_time(b)));
		maint_occurrence(w->days, w->start_min, w->duration_min, w->tz, a + 1, true, &a, &b);
	}
	if (hosts) {
		json_t *names = json_array(), *h;
		size_t i;
		json_array_foreach(hosts, i, h)
		{
			const char *name = json_string_value(json_object_get(h, "name"));
			if (name && applies(w, name, json_object_get(h, "tags")))
				json_array_append_new(names, json_string(name));
		}
		json_object_set_new(v, "machines", names);
	}
	return v;
}

/* The named window (or every one, name NULL) as shown. */
static int view(struct store *s, const char *name, int64_t now, json_t **ret)
{
	json_t *rows = json_array(), *row = NULL, *hosts = NULL, *out = NULL;
	struct maint_set *set = NULL;
	struct hosts_filter hf = {0};
	int r;
	if (!rows)
		return -ENOMEM;
	if (name) {
		if ((r = maint_store_get(s, name, &row)) < 0) {
			json_decref(rows);
			return r;
		}
		json_array_append_new(rows, row);
	} else if ((r = maint_store_list(s, rows)) < 0) {
		json_decref(rows);
		return r;
	}
	if ((r = set_from_rows(rows, &set)) < 0 || (r = hosts_list(s, &hf, &hosts)) < 0)
		goto out;
	if (!(out = json_array())) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < set->n; i++) {
		json_t *v = window_view(json_array_get(set->rows, i), &set->w[i], now, name ? MAINT_NEXT_SHOWN : 1,
					hosts);
		if (!v || json_array_append_new(out, v) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	*ret = name ? json_incref(json_array_get(out, 0)) : json_incref(out);
out:
	json_decref(out);
	json_decref(hosts);
	maint_set_free(set);
	return r;
}

int maint_window_get(struct store *s, const char *name, int64_t now, json_t **ret)
{
	return view(s, name, now, ret);
}

int maint_window_list(struct store *s, int64_t now, json_t **ret)
{
	return view(s, NULL, now, ret);
}

/* --- changes --- */

static json_t *log_details(const json_t *w)
{
	char start[8];
	hhmm(json_integer_value(json_object_get(w, "start_min")), start);
	return json_pack("{s:o, s:s, s:O, s:O, s:O}", "days",
			 days_json((unsigned)json_integer_value(json_object_get(w, "days"))), "start", start,
			 "duration_minutes", json_object_get(w, "duration_min"), "timezone",
			 json_object_get(w, "timezone"), "selection", json_object_get(w, "selection"));
}

static int log_change(struct store *s, const char *actor, const char *action, const char *name, json_t *details)
{
	char object[MAINT_NAME_MAX + 16];
	snprintf(object, sizeof(object), "window:%s", name);
	if (!details)
		return -ENOMEM;
	int r = actlog_append(s, actor, action, object, details);
	json_decref(details);
	return r;
}

int maint_window_add(struct store *s, const char *actor, const json_t *fields, int64_t now, json_t **ret)
{
	json_t *base = json_object(), *w = NULL;
	int64_t id = 0, count = 0;
	int r;
	if (!base) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = window_fields(s, base, fields, &w)) < 0)
		goto out;
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if ((r = maint_store_count(s, &count)) == 0 && count >= MAINT_WINDOWS_MAX)
		r = err_set(-EINVAL, "at most %d maintenance windows", MAINT_WINDOWS_MAX);
	if (r == 0)
		r = window_save(s, 0, w, actor, now, &id);
	if (r == 0)
		r = log_change(s, actor, "maint.window.add", json_string_value(json_object_get(w, "name")),
			       log_details(w));
	if ((r = store_tx_end(s, r)) == 0 && ret)
		r = maint_window_get(s, json_string_value(json_object_get(w, "name")), now, ret);
out:
	json_decref(base);
	json_decref(w);
	return r;
}

int maint_window_edit(struct store *s, const char *actor, const char *name, const json_t *fields, int64_t now,
		      json_t **ret)
{
	json_t *old = NULL, *w = NULL;
	int r;
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = maint_store_get(s, name, &old)) < 0 || (r = window_fields(s, old, fields, &w)) < 0)
		goto end;
	if ((r = window_save(s, json_integer_value(json_object_get(old, "id")), w, actor, now, NULL)) < 0)
		goto end;
	json_t *details = log_details(w);
	if (details && strcmp(name, json_string_value(json_object_get(w, "name"))) != 0)
		json_object_set_new(details, "renamed_from", json_string(name));
	r = log_change(s, actor, "maint.window.edit", json_string_value(json_object_get(w, "name")), details);
end:
	if ((r = store_tx_end(s, r)) == 0 && ret)
		r = maint_window_get(s, json_string_value(json_object_get(w, "name")), now, ret);
	json_decref(old);
	json_decref(w);
	return r;
}

int maint_window_remove(struct store *s, const char *actor, const char *name)
{
	json_t *old = NULL;
	int r;
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = maint_store_get(s, name, &old)) == 0 &&
	    (r = maint_store_delete(s, json_integer_value(json_object_get(old, "id")))) == 0)
		r = log_change(s, actor, "maint.window.remove", name, log_details(old));
	json_decref(old);
	return store_tx_end(s, r);
}
