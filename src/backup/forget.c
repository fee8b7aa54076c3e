/*
 * forget.c: which snapshots a retention policy keeps, with restic's semantics (per group
 * of host and paths, newest first: the newest n; the newest of each of the newest n
 * hours, days, ISO weeks, months and years in local time, plus the oldest snapshot when
 * a count is left over; every snapshot with given tags), and removing the others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/backup.h"
#include "core/err.h"
#include "core/tz.h"

/* One snapshot of a group, as the policy sees it. */
struct item {
	json_t *snap;	 /* borrowed from the input */
	int64_t time_ns; /* for the order */
	struct tm tm;	 /* its local time */
};

enum bucket_kind { B_LAST, B_HOURLY, B_DAILY, B_WEEKLY, B_MONTHLY, B_YEARLY, B_COUNT };

static const char *const bucket_reason[B_COUNT] = {"last snapshot",   "hourly snapshot",  "daily snapshot",
						   "weekly snapshot", "monthly snapshot", "yearly snapshot"};

bool forget_policy_empty(const struct forget_policy *p)
{
	return p->last == 0 && p->hourly == 0 && p->daily == 0 && p->weekly == 0 && p->monthly == 0 && p->yearly == 0 &&
	       p->nkeep_tags == 0;
}

/* ISO 8601 weeks in year y: 53 when it starts on a Thursday, or is a leap year starting
 * on a Wednesday. */
static int iso_weeks_in(int y)
{
	int p = (y + y / 4 - y / 100 + y / 400) % 7, q = ((y - 1) + (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400) % 7;
	return p == 4 || q == 3 ? 53 : 52;
}

/* The ISO week of tm as year * 100 + week (2021-01-03 is in week 53 of 2020). */
static int64_t iso_week(const struct tm *tm)
{
	int year = tm->tm_year + 1900, wd = (tm->tm_wday + 6) % 7; /* Monday 0 */
	int w = (tm->tm_yday - wd + 10) / 7;
	if (w < 1) {
		year--;
		w = iso_weeks_in(year);
	} else if (w > iso_weeks_in(year)) {
		year++;
		w = 1;
	}
	return (int64_t)year * 100 + w;
}

/* The bucket of the nr-th newest snapshot for a rule: equal values share a period. */
static int64_t bucket_of(enum bucket_kind k, const struct tm *tm, size_t nr)
{
	int64_t y = tm->tm_year + 1900, m = tm->tm_mon + 1, d = tm->tm_mday, h = tm->tm_hour;
	switch (k) {
	case B_LAST: return (int64_t)nr;
	case B_HOURLY: return y * 1000000 + m * 10000 + d * 100 + h;
	case B_DAILY: return y * 10000 + m * 100 + d;
	case B_WEEKLY: return iso_week(tm);
	case B_MONTHLY: return y * 100 + m;
	default: return y;
	}
}

static void local_time(int64_t t, const struct tz *zone, struct tm *out)
{
	time_t tt = (time_t)t;
	if (zone) {
		tt = (time_t)(t + tz_offset(zone, t));
		gmtime_r(&tt, out);
	} else {
		localtime_r(&tt, out);
	}
}

static bool has_tag(const json_t *snap, const char *tag, size_t len)
{
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(snap, "tags"), i, v)
	{
		const char *s = json_string_value(v);
		if (s && strlen(s) == len && memcmp(s, tag, len) == 0)
			return true;
	}
	return false;
}

/* Whether snap has every tag of the comma-separated list ("": it has no tag at all). */
static bool has_tags(const json_t *snap, const char *list)
{
	if (!*list)
		return json_array_size(json_object_get(snap, "tags")) == 0;
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		if (len && !has_tag(snap, p, len))
			return false;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

static bool has_path(const json_t *snap, const char *path)
{
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(snap, "paths"), i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), path) == 0)
			return true;
	}
	return false;
}

static bool selected(const json_t *snap, const struct forget_filter *f)
{
	const char *host = json_string_value(json_object_get(snap, "hostname"));
	bool host_ok = !f || f->nhosts == 0;
	for (int i = 0; f && i < f->nhosts && !host_ok; i++)
		host_ok = host && strcmp(host, f->hosts[i]) == 0;
	for (int i = 0; f && host_ok && i < f->npaths; i++)
		if (!has_path(snap, f->paths[i]))
			return false;
	return host_ok;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "host\n/path1\n/path2" with the paths sorted: snapshots of one group share it. */
static char *group_key(const json_t *snap, json_t **ret_paths)
{
	const json_t *paths = json_object_get(snap, "paths");
	const char *host = json_string_value(json_object_get(snap, "hostname"));
	size_t n = json_array_size(paths), len = strlen(host ? host : "") + 1;
	const char **sorted = calloc(n ? n : 1, sizeof(*sorted));
	json_t *out = json_array();
	char *key = NULL;
	if (!sorted || !out)
		goto out;
	for (size_t i = 0; i < n; i++) {
		sorted[i] = json_string_value(json_array_get(paths, i)) ?: "";
		len += strlen(sorted[i]) + 1;
	}
	qsort(sorted, n, sizeof(*sorted), str_cmp);
	if (!(key = malloc(len)))
		goto out;
	size_t at = (size_t)snprintf(key, len, "%s", host ? host : "");
	for (size_t i = 0; i < n; i++) {
		at += (size_t)snprintf(key + at, len - at, "\n%s", sorted[i]);
		json_array_append_new(out, json_string(sorted[i]));
	}
	*ret_paths = out;
	out = NULL;
out:
	free(sorted);
	json_decref(out);
	return key;
}

static int64_t time_ns_of(const json_t *s)
{
	const json_t *ns = json_object_get(s, "time_ns");
	return json_is_integer(ns) ? (int64_t)json_integer_value(ns)
				   : (int64_t)json_integer_value(json_object_get(s, "time")) * 1000000000;
}

/* Newest first: by time, then by id (the reverse of snapshot_list's order). */
static int newest_first(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->time_ns != y->time_ns)
		return x->time_ns > y->time_ns ? -1 : 1;
	const char *ix = json_string_value(json_object_get(x->snap, "id")) ?: "";
	const char *iy = json_string_value(json_object_get(y->snap, "id")) ?: "";
	return -strcmp(ix, iy);
}

static json_t *brief(const json_t *snap)
{
	return json_pack("{s:O?, s:O?, s:O?}", "id", json_object_get(snap, "id"), "time", json_object_get(snap, "time"),
			 "tags", json_object_get(snap, "tags"));
}

/* Applies the policy to one group (its snapshots in items, newest first). */
static int apply_group(struct item *items, size_t n, const struct forget_policy *p, json_t *group)
{
	struct {
		int count;
		int64_t last;
		bool used;
	} b[B_COUNT] = {{p->last}, {p->hourly}, {p->daily}, {p->weekly}, {p->monthly}, {p->yearly}};
	json_t *keep = json_array(), *remove = json_array();
	if (!keep || !remove) {
		json_decref(keep);
		json_decref(remove);
		return -ENOMEM;
	}
	for (size_t nr = 0; nr < n; nr++) {
		json_t *reasons = json_array();
		for (int t = 0; t < p->nkeep_tags; t++) {
			if (!has_tags(items[nr].snap, p->keep_tags[t]))
				continue;
			if (*p->keep_tags[t])
				json_array_append_new(reasons, json_sprintf("tagged %s", p->keep_tags[t]));
			else
				json_array_append_new(reasons, json_string("untagged"));
		}
		for (int k = 0; k < B_COUNT; k++) {
			if (b[k].count == 0)
				continue;
			int64_t v = bucket_of((enum bucket_kind)k, &items[nr].tm, nr);
			bool fresh = !b[k].used || v != b[k].last;
			/* The oldest snapshot too while a count is left: the history kept is the
			 * longest the counts allow. */
			if (!fresh && nr != n - 1)
				continue;
			json_array_append_new(reasons, fresh ? json_string(bucket_reason[k])
							     : json_sprintf("oldest %s", bucket_reason[k]));
			b[k].last = v;
			b[k].used = true;
			if (b[k].count > 0)
				b[k].count--;
		}
		json_t *entry = brief(items[nr].snap);
		if (!reasons || !entry) {
			json_decref(reasons);
			json_decref(entry);
			json_decref(keep);
			json_decref(remove);
			return -ENOMEM;
		}
		if (json_array_size(reasons)) {
			json_object_set_new(entry, "reasons", reasons);
			json_array_insert_new(keep, 0, entry); /* oldest first */
		} else {
			json_decref(reasons);
			json_array_insert_new(remove, 0, entry);
		}
	}
	json_object_set_new(group, "keep", keep);
	json_object_set_new(group, "remove", remove);
	return 0;
}

static int group_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int forget_apply(const json_t *snapshots, const struct forget_policy *p, const struct forget_filter *f,
		 const struct tz *zone, json_t **ret)
{
	json_t *groups = NULL, *out = NULL, *snap;
	const char **keys = NULL;
	struct item *items = NULL;
	size_t i, nkeys = 0;
	int e = 0;
	if (forget_policy_empty(p))
		return err_set(-EINVAL, "no policy: give at least one --keep-* option (forget never removes every "
					"snapshot)");
	if (!(groups = json_object()) || !(out = json_array())) {
		e = -ENOMEM;
		goto out;
	}
	/* groups: key -> {"hostname", "paths", "list": [snapshots]} */
	json_array_foreach(snapshots, i, snap)
	{
		if (!selected(snap, f))
			continue;
		json_t *paths = NULL, *g;
		char *key = group_key(snap, &paths);
		if (!key) {
			e = -ENOMEM;
			goto out;
		}
		if (!(g = json_object_get(groups, key))) {
			g = json_pack("{s:O?, s:o, s:[]}", "hostname", json_object_get(snap, "hostname"), "paths",
				      paths, "list");
			paths = NULL;
			if (!g || json_object_set_new(groups, key, g) < 0) {
				free(key);
				e = -ENOMEM;
				goto out;
			}
		}
		json_decref(paths);
		free(key);
		json_array_append(json_object_get(g, "list"), snap);
	}
	nkeys = json_object_size(groups);
	if (!(keys = calloc(nkeys ? nkeys : 1, sizeof(*keys)))) {
		e = -ENOMEM;
		goto out;
	}
	const char *k;
	json_t *g;
	i = 0;
	json_object_foreach(groups, k, g) keys[i++] = k;
	qsort(keys, nkeys, sizeof(*keys), group_cmp);
	for (i = 0; i < nkeys && e == 0; i++) {
		g = json_object_get(groups, keys[i]);
		json_t *list = json_object_get(g, "list");
		size_t n = json_array_size(list);
		free(items);
		if (!(items = calloc(n ? n : 1, sizeof(*items)))) {
			e = -ENOMEM;
			break;
		}
		for (size_t j = 0; j < n; j++) {
			items[j].snap = json_array_get(list, j);
			items[j].time_ns = time_ns_of(items[j].snap);
			local_time((int64_t)json_integer_value(json_object_get(items[j].snap, "time")), zone,
				   &items[j].tm);
		}
		qsort(items, n, sizeof(*items), newest_first);
		json_t *group = json_pack("{s:O?, s:O}", "hostname", json_object_get(g, "hostname"), "paths",
					  json_object_get(g, "paths"));
		if (!group || (e = apply_group(items, n, p, group)) < 0) {
			json_decref(group);
			e = e ? e : -ENOMEM;
			break;
		}
		if (n && json_array_size(json_object_get(group, "keep")) == 0) {
			char *text = json_dumps(json_object_get(group, "paths"), JSON_COMPACT);
			e = err_set(-EPERM,
				    "refusing to remove every snapshot of host '%s', paths %s: no snapshot matches the "
				    "policy (a --keep-tag that names no tag?); nothing was removed",
				    json_string_value(json_object_get(group, "hostname")) ?: "", text ? text : "");
			free(text);
			json_decref(group);
			break;
		}
		json_array_append_new(out, group);
	}
	if (e == 0) {
		*ret = out;
		out = NULL;
	}
out:
	free(items);
	free(keys);
	json_decref(groups);
	json_decref(out);
	return e;
}

int backup_forget(struct repo *r, const struct forget_policy *p, const struct forget_filter *f, bool dry_run,
		  json_t **ret)
{
	json_t *all = NULL, *groups = NULL, *g, *s;
	size_t i, k, removed = 0;
	int e = snapshot_list(r, &all);
	if (e < 0)
		return e;
	if ((e = forget_apply(all, p, f, NULL, &groups)) < 0)
		goto out;
	if (!dry_run && (e = repo_lock_check(r)) < 0)
		goto out;
	json_array_foreach(groups, i, g){json_array_foreach(json_object_get(g, "remove"), k, s){if (dry_run) continue;
	const char *id = json_string_value(json_object_get(s, "id"));
	if ((e = repo_file_remove(r, "snapshots", id ? id : "")) < 0) {
		e = err_set(e, "%s (after removing %zu snapshots)", err_msg(e), removed);
		goto out;
	}
	removed++;
}
}
*ret = groups;
groups = NULL;
out : json_decref(all);
json_decref(groups);
return e;
}
