/*
 * Unit tests for forget's retention policy (restic's rules and its documented examples,
 * ISO weeks across a year's end, local time, tags, groups, filters, the refusals) and
 * for prune, diff and stats on built repositories: unused data gone, used data intact
 * and restorable, check sound, a dry run changing nothing, damage refused, and a prune
 * killed at each of its steps leaving a repository that check accepts and that restores.
 */
#include "backup_test.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "backup/backup.h"
#include "backup/tree.h"
#include "core/tz.h"

/* --- the policy --- */

static int64_t utc(const char *when)
{
	struct tm tm = {0};
	if (sscanf(when, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec) != 6)
		fail_msg("bad time '%s'", when);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/* Appends snapshot number i (its id is i in hex) with paths and tags as "a,b" lists. */
static void add_snap(json_t *list, size_t i, int64_t t, const char *host, const char *paths, const char *tags)
{
	char id[REPO_HEX_LEN];
	json_t *p = json_array(), *tg = json_array();
	snprintf(id, sizeof(id), "%064zx", i);
	for (int k = 0; k < 2; k++) {
		const char *s = k ? tags : paths;
		json_t *arr = k ? tg : p;
		while (s && *s) {
			size_t len = strcspn(s, ",");
			json_array_append_new(arr, json_stringn(s, len));
			s += len + (s[len] == ',');
		}
	}
	json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:s, s:o, s:o, s:s}", "id", id, "time", (json_int_t)t,
					      "time_ns", (json_int_t)t * 1000000000, "hostname", host, "paths", p,
					      "tags", tg, "tree", "00"));
}

/* Snapshots at the given UTC times ("YYYY-MM-DD HH:MM:SS"), numbered 0.., host h, /data. */
static json_t *snaps_at(const char *const *times, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		add_snap(list, i, utc(times[i]), "h", "/data", NULL);
	return list;
}

static struct tz *zone_utc(void)
{
	struct tz *z = NULL;
	assert_int_equal(tz_load("UTC", &z), 0);
	return z;
}

static size_t id_number(const json_t *s)
{
	size_t n = 0;
	if (sscanf(json_string_value(json_object_get(s, "id")), "%zx", &n) != 1)
		fail_msg("bad id");
	return n;
}

static int num_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* The numbers of the snapshots in what ("keep" or "remove") of every group, sorted,
 * as "0,3,5". */
static char *numbers(const json_t *groups, const char *what)
{
	static char buf[8][65536];
	static int which;
	size_t nums[40000], n = 0, i, k, at = 0;
	const json_t *g, *s;
	char *out = buf[which++ % 8];
	json_array_foreach(groups, i, g)
	{
		json_array_foreach(json_object_get(g, what), k, s)
		{
			assert_true(n < 40000);
			nums[n++] = id_number(s);
		}
	}
	qsort(nums, n, sizeof(nums[0]), num_cmp);
	out[0] = '\0';
	for (i = 0; i < n && at < sizeof(buf[0]) - 24; i++)
		at += (size_t)snprintf(out + at, sizeof(buf[0]) - at, "%s%zu", i ? "," : "", nums[i]);
	return out;
}

static json_t *apply(const json_t *snaps, const struct forget_policy *p, const struct forget_filter *f,
		     const struct tz *zone)
{
	json_t *groups = NULL;
	int e = forget_apply(snaps, p, f, zone, &groups);
	if (e < 0)
		fail_msg("forget_apply: %s", err_msg(e));
	return groups;
}

/* The reasons the snapshot numbered n is kept for, as "a|b". */
static const char *reasons_of(const json_t *groups, size_t n)
{
	static char buf[256];
	size_t i, k, j;
	const json_t *g, *s, *r;
	buf[0] = '\0';
	json_array_foreach(groups, i, g)
	{
		json_array_foreach(json_object_get(g, "keep"), k, s)
		{
			if (id_number(s) != n)
				continue;
			json_array_foreach(json_object_get(s, "reasons"), j, r)
			{
				size_t at = strlen(buf);
				snprintf(buf + at, sizeof(buf) - at, "%s%s", at ? "|" : "", json_string_value(r));
			}
		}
	}
	return buf;
}

static void test_keep_last(void **state)
{
	static const char *const t[] = {"2024-01-01 10:00:00", "2024-01-02 10:00:00", "2024-01-03 10:00:00",
					"2024-01-04 10:00:00", "2024-01-05 10:00:00"};
	struct tz *z = zone_utc();
	json_t *s = snaps_at(t, 5);
	struct forget_policy p = {.last = 3};
	json_t *g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "2,3,4");
	assert_string_equal(numbers(g, "remove"), "0,1");
	assert_string_equal(reasons_of(g, 4), "last snapshot");
	/* kept and removed are listed oldest first */
	assert_int_equal(id_number(json_array_get(json_object_get(json_array_get(g, 0), "keep"), 0)), 2);
	json_decref(g);
	p.last = 10; /* more than there are: every one */
	g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "0,1,2,3,4");
	assert_string_equal(numbers(g, "remove"), "");
	json_decref(g);
	json_decref(s);
	tz_free(z);
}

/* restic's documentation: a backup every Sunday for 12 weeks, then --keep-daily 4
 * keeps the last four Sundays and removes the other eight. */
static void test_restic_doc_sundays(void **state)
{
	static const char *const t[] = {"2019-09-01 11:00:00", "2019-09-08 11:00:00", "2019-09-15 11:00:00",
					"2019-09-22 11:00:00", "2019-09-29 11:00:00", "2019-10-06 11:00:00",
					"2019-10-13 11:00:00", "2019-10-20 11:00:00", "2019-10-27 11:00:00",
					"2019-11-03 11:00:00", "2019-11-10 11:00:00", "2019-11-17 11:00:00"};
	struct tz *z = zone_utc();
	json_t *s = snaps_at(t, 12);
	struct forget_policy p = {.daily = 4};
	json_t *g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "8,9,10,11");
	assert_string_equal(numbers(g, "remove"), "0,1,2,3,4,5,6,7");
	assert_string_equal(reasons_of(g, 8), "daily snapshot");
	json_decref(g);
	json_decref(s);
	tz_free(z);
}

/* Period keys computed here independently (strftime's ISO week). */
static int64_t period(int kind, int64_t t)
{
	char buf[16];
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	switch (kind) {
	case 0: strftime(buf, sizeof(buf), "%Y%m%d", &tm); break;
	case 1: strftime(buf, sizeof(buf), "%G%V", &tm); break;
	case 2: strftime(buf, sizeof(buf), "%Y%m", &tm); break;
	default: strftime(buf, sizeof(buf), "%Y", &tm); break;
	}
	int64_t v = 0;
	for (const char *p = buf; *p; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* restic's documentation: a backup every day for 100 years and --keep-daily 7
 * --keep-weekly 5 --keep-monthly 12 --keep-yearly 75 keep the 7 newest dailies, 4 more
 * last-days-of-the-week (the dailies hold one), 11 more last-days-of-the-month and 74
 * more last-days-of-the-year. The newest is a Sunday here, as in its count. */
static void test_restic_doc_hundred_years(void **state)
{
	struct tz *z = zone_utc();
	json_t *s = json_array();
	int64_t first = utc("1920-01-01 12:00:00"), last = utc("2019-12-29 12:00:00"); /* a Sunday */
	size_t n = 0;
	for (int64_t t = first; t <= last; t += 86400)
		add_snap(s, n++, t, "h", "/data", NULL);
	struct forget_policy p = {.daily = 7, .weekly = 5, .monthly = 12, .yearly = 75};
	json_t *g = apply(s, &p, NULL, z);
	/* The newest of each of the newest N periods, for each rule, by hand. */
	static const int counts[] = {7, 5, 12, 75};
	bool *want = calloc(n, sizeof(*want));
	size_t per_rule_new[4] = {0}, total = 0;
	for (int kind = 0; kind < 4; kind++) {
		int left = counts[kind];
		int64_t prev = -1;
		for (size_t i = n; i-- > 0 && left > 0;) {
			int64_t v = period(kind, first + (int64_t)i * 86400);
			if (v == prev)
				continue;
			prev = v;
			left--;
			if (!want[i]) {
				want[i] = true;
				per_rule_new[kind]++;
			}
		}
	}
	assert_int_equal(per_rule_new[0], 7);
	assert_int_equal(per_rule_new[1], 4);
	assert_int_equal(per_rule_new[2], 11);
	assert_int_equal(per_rule_new[3], 74);
	char *expect = malloc(65536);
	size_t at = 0;
	expect[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (want[i]) {
			at += (size_t)snprintf(expect + at, 65536 - at, "%s%zu", total ? "," : "", i);
			total++;
		}
	assert_int_equal(total, 96);
	assert_string_equal(numbers(g, "keep"), expect);
	assert_int_equal(json_array_size(json_object_get(json_array_get(g, 0), "remove")), n - 96);
	/* the newest Sunday is kept by every rule */
	assert_string_equal(reasons_of(g, n - 1), "daily snapshot|weekly snapshot|monthly snapshot|yearly snapshot");
	free(expect);
	free(want);
	json_decref(g);
	json_decref(s);
	tz_free(z);
}

/* The newest of each hour; and the oldest snapshot too while a count is left over. */
static void test_hourly_and_oldest(void **state)
{
	static const char *const t[] = {"2024-03-05 10:05:00", "2024-03-05 10:20:00", "2024-03-05 10:50:00",
					"2024-03-05 11:10:00", "2024-03-05 11:40:00"};
	struct tz *z = zone_utc();
	json_t *s = snaps_at(t, 5);
	struct forget_policy p = {.hourly = 5};
	json_t *g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "0,2,4");
	assert_string_equal(reasons_of(g, 0), "oldest hourly snapshot");
	assert_string_equal(reasons_of(g, 2), "hourly snapshot");
	json_decref(g);
	p.hourly = 2; /* no count left for the oldest */
	g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "2,4");
	json_decref(g);
	p.hourly = FORGET_UNLIMITED;
	g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "0,2,4");
	json_decref(g);
	json_decref(s);
	tz_free(z);
}

/* ISO weeks: 2020-12-28 (Monday) to 2021-01-03 (Sunday) is week 53 of 2020. */
static void test_weekly_iso_year_end(void **state)
{
	static const char *const t[] = {"2020-12-27 12:00:00", "2020-12-28 12:00:00", "2021-01-03 12:00:00",
					"2021-01-04 12:00:00", "2021-01-10 12:00:00"};
	struct tz *z = zone_utc();
	json_t *s = snaps_at(t, 5);
	struct forget_policy p = {.weekly = 2};
	json_t *g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "2,4");
	json_decref(g);
	p.weekly = 3;
	g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "0,2,4");
	assert_string_equal(reasons_of(g, 0), "weekly snapshot");
	json_decref(g);
	/* 2024-12-30 (Monday) starts week 1 of 2025, with 2025-01-05 */
	static const char *const t2[] = {"2024-12-29 12:00:00", "2024-12-30 12:00:00", "2025-01-05 12:00:00"};
	json_t *s2 = snaps_at(t2, 3);
	p.weekly = 2;
	g = apply(s2, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "0,2");
	json_decref(g);
	json_decref(s2);
	json_decref(s);
	tz_free(z);
}

static void test_monthly_yearly(void **state)
{
	static const char *const t[] = {
	    "2018-06-01 12:00:00", /* 0 */ "2018-12-31 23:00:00", /* 1 */ "2019-01-15 12:00:00", /* 2 */
	    "2019-07-01 12:00:00", /* 3 */ "2019-07-20 12:00:00", /* 4 */ "2020-02-29 12:00:00", /* 5 */
	    "2020-03-01 00:30:00", /* 6 */ "2020-03-31 12:00:00", /* 7 */ "2021-01-01 00:00:00", /* 8 */
	};
	struct tz *z = zone_utc();
	json_t *s = snaps_at(t, 9);
	struct forget_policy p = {.monthly = 3};
	json_t *g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "5,7,8");
	json_decref(g);
	p = (struct forget_policy){.yearly = FORGET_UNLIMITED};
	g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "0,1,4,7,8"); /* 0 is also the oldest */
	assert_string_equal(reasons_of(g, 0), "oldest yearly snapshot");
	json_decref(g);
	p = (struct forget_policy){.last = 1, .monthly = 2, .yearly = 2};
	g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "7,8");
	assert_string_equal(reasons_of(g, 8), "last snapshot|monthly snapshot|yearly snapshot");
	assert_string_equal(reasons_of(g, 7), "monthly snapshot|yearly snapshot");
	json_decref(g);
	json_decref(s);
	tz_free(z);
}

/* Periods are local: 22:30 UTC is the next day in Berlin. */
static void test_local_time(void **state)
{
	static const char *const t[] = {"2021-06-01 20:00:00", "2021-06-01 21:30:00", "2021-06-01 22:30:00"};
	struct tz *berlin = NULL, *z = zone_utc();
	if (tz_load("Europe/Berlin", &berlin) < 0)
		skip();
	json_t *s = snaps_at(t, 3);
	struct forget_policy p = {.daily = 2};
	json_t *g = apply(s, &p, NULL, berlin); /* June 1 23:30 and June 2 00:30 */
	assert_string_equal(numbers(g, "keep"), "1,2");
	json_decref(g);
	g = apply(s, &p, NULL, z); /* one day; the oldest kept while a count is left */
	assert_string_equal(numbers(g, "keep"), "0,2");
	json_decref(g);
	json_decref(s);
	tz_free(berlin);
	tz_free(z);
}

static void test_keep_tag(void **state)
{
	struct tz *z = zone_utc();
	json_t *s = json_array();
	int64_t t = utc("2024-05-01 00:00:00");
	add_snap(s, 0, t, "h", "/d", "a");
	add_snap(s, 1, t + 10, "h", "/d", "a,b");
	add_snap(s, 2, t + 20, "h", "/d", NULL);
	add_snap(s, 3, t + 30, "h", "/d", "b,c");
	add_snap(s, 4, t + 40, "h", "/d", "c");
	struct forget_policy p = {.keep_tags = {"a,b"}, .nkeep_tags = 1};
	json_t *g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "1");
	assert_string_equal(reasons_of(g, 1), "tagged a,b");
	json_decref(g);
	p = (struct forget_policy){.keep_tags = {"a", "c"}, .nkeep_tags = 2}; /* either */
	g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "0,1,3,4");
	json_decref(g);
	p = (struct forget_policy){.last = 1, .keep_tags = {""}, .nkeep_tags = 1}; /* untagged */
	g = apply(s, &p, NULL, z);
	assert_string_equal(numbers(g, "keep"), "2,4");
	assert_string_equal(reasons_of(g, 2), "untagged");
	json_decref(g);
	/* a tag nobody has would remove every snapshot of the group: refused */
	p = (struct forget_policy){.keep_tags = {"nope"}, .nkeep_tags = 1};
	json_t *out = NULL;
	int e = forget_apply(s, &p, NULL, z, &out);
	assert_int_equal(e, -EPERM);
	assert_null(out);
	assert_msg_has(e, "refusing to remove every snapshot");
	/* and no policy at all */
	p = (struct forget_policy){.last = 0};
	assert_true(forget_policy_empty(&p));
	assert_int_equal(forget_apply(s, &p, NULL, z, &out), -EINVAL);
	json_decref(s);
	tz_free(z);
}

static void test_groups_and_filters(void **state)
{
	struct tz *z = zone_utc();
	json_t *s = json_array();
	int64_t t = utc("2024-05-01 00:00:00");
	add_snap(s, 0, t, "a", "/x", NULL);
	add_snap(s, 1, t + 1, "a", "/y", NULL);
	add_snap(s, 2, t + 2, "b", "/x", NULL);
	add_snap(s, 3, t + 3, "a", "/x", NULL);
	add_snap(s, 4, t + 4, "a", "/p,/q", NULL);
	add_snap(s, 5, t + 5, "a", "/q,/p", NULL); /* the same paths in another order: one group */
	add_snap(s, 6, t + 6, "b", "/x", NULL);
	struct forget_policy p = {.last = 1};
	json_t *g = apply(s, &p, NULL, z);
	assert_int_equal(json_array_size(g), 4);
	assert_string_equal(numbers(g, "keep"), "1,3,5,6");
	assert_string_equal(numbers(g, "remove"), "0,2,4");
	json_decref(g);
	struct forget_filter f = {.hosts = {"b"}, .nhosts = 1};
	g = apply(s, &p, &f, z);
	assert_int_equal(json_array_size(g), 1);
	assert_string_equal(numbers(g, "keep"), "6");
	assert_string_equal(numbers(g, "remove"), "2");
	json_decref(g);
	f = (struct forget_filter){.paths = {"/p"}, .npaths = 1};
	g = apply(s, &p, &f, z);
	assert_string_equal(numbers(g, "keep"), "5");
	assert_string_equal(numbers(g, "remove"), "4");
	json_decref(g);
	json_decref(s);
	tz_free(z);
}

/* --- prune, diff, stats on a built repository --- */

#define MAX_IDS 64

struct scenario {
	struct repo *r;
	char src[512], src2[512];
	char snap1[REPO_HEX_LEN], snap2[REPO_HEX_LEN], snap3[REPO_HEX_LEN];
	uint8_t gone[MAX_IDS][REPO_ID_LEN]; /* data blobs only removed snapshots used */
	size_t ngone;
	uint8_t used[MAX_IDS][REPO_ID_LEN]; /* data blobs snapshot 2 uses */
	size_t nused;
	uint8_t unindexed[REPO_ID_LEN];
};

static void write_file(const char *dir, const char *name, size_t len, uint64_t seed, bool text)
{
	char path[1024];
	uint8_t *buf = malloc(len);
	test_fill(buf, len, seed, text);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

static void take(struct repo *r, const char *path, char id[REPO_HEX_LEN])
{
	struct backup_opts o = {.paths = {path}, .npaths = 1, .zstd_level = 3, .threads = 1};
	struct backup_summary s;
	int e = backup_run(r, &o, &s, id);
	if (e < 0)
		fail_msg("backup_run: %s", err_msg(e));
}

/* The data blob ids below tree id. */
static void data_ids(struct repo *r, const uint8_t id[REPO_ID_LEN], uint8_t (*out)[REPO_ID_LEN], size_t *n)
{
	uint8_t *text;
	size_t len;
	struct tree t;
	assert_int_equal(repo_blob_read(r, REPO_BLOB_TREE, id, &text, &len), 0);
	assert_int_equal(tree_decode((const char *)text, len, &t), 0);
	free(text);
	for (size_t i = 0; i < t.n; i++) {
		for (size_t k = 0; k < t.nodes[i].ncontent; k++) {
			assert_true(*n < MAX_IDS);
			memcpy(out[(*n)++], t.nodes[i].content[k], REPO_ID_LEN);
		}
		if (t.nodes[i].type == NODE_DIR)
			data_ids(r, t.nodes[i].subtree, out, n);
	}
	tree_free(&t);
}

static void snapshot_data_ids(struct repo *r, const char *snap, uint8_t (*out)[REPO_ID_LEN], size_t *n)
{
	json_t *s;
	char id[REPO_HEX_LEN];
	uint8_t tree[REPO_ID_LEN];
	assert_int_equal(snapshot_get(r, snap, &s, id), 0);
	assert_int_equal(repo_id_parse(json_string_value(json_object_get(s, "tree")), tree), 0);
	json_decref(s);
	data_ids(r, tree, out, n);
}

static bool in_list(const uint8_t (*list)[REPO_ID_LEN], size_t n, const uint8_t *id)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(list[i], id, REPO_ID_LEN) == 0)
			return true;
	return false;
}

/* Three snapshots: 1 of src (keep/, gone/), 2 of src after gone/ went and new/ came, 3
 * of src2; snapshot 1 forgotten (keep-last 1) and 3 removed by hand; a pack no index
 * names and a temporary file, as interrupted runs leave. r holds an exclusive lock. */
static void build(struct scenario *sc)
{
	char dir[600];
	uint8_t(*all)[REPO_ID_LEN] = calloc(3 * MAX_IDS, REPO_ID_LEN);
	size_t nall = 0;
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->src, sizeof(sc->src), "%s/src", test_dir);
	snprintf(sc->src2, sizeof(sc->src2), "%s/src2", test_dir);
	test_rm_rf(sc->src);
	test_rm_rf(sc->src2);
	sc->r = test_new_repo();
	assert_int_equal(repo_lock(sc->r, false), 0);
	snprintf(dir, sizeof(dir), "%s/keep", sc->src);
	assert_int_equal(mkdir(sc->src, 0700), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file(dir, "k1", 700000, 1, false);
	write_file(dir, "k2", 300000, 2, true);
	snprintf(dir, sizeof(dir), "%s/gone", sc->src);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file(dir, "g1", 1500000, 3, false);
	write_file(dir, "g2", 600000, 4, false);
	take(sc->r, sc->src, sc->snap1);
	test_rm_rf(dir);
	snprintf(dir, sizeof(dir), "%s/new", sc->src);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file(dir, "n1", 800000, 5, false);
	take(sc->r, sc->src, sc->snap2);
	assert_int_equal(mkdir(sc->src2, 0700), 0);
	write_file(sc->src2, "s1", 1000000, 6, false);
	take(sc->r, sc->src2, sc->snap3);

	snapshot_data_ids(sc->r, sc->snap1, all, &nall);
	snapshot_data_ids(sc->r, sc->snap3, all, &nall);
	snapshot_data_ids(sc->r, sc->snap2, sc->used, &sc->nused);
	for (size_t i = 0; i < nall; i++)
		if (!in_list((const uint8_t(*)[REPO_ID_LEN])sc->used, sc->nused, all[i]))
			memcpy(sc->gone[sc->ngone++], all[i], REPO_ID_LEN);
	free(all);
	assert_true(sc->ngone >= 3 && sc->nused >= 3); /* chunk boundaries depend on the repository key */

	/* A pack whose index file was never written, and a pack being written. */
	struct repo_pack_writer *w;
	uint8_t buf[5000];
	test_fill(buf, sizeof(buf), 7, false);
	assert_int_equal(repo_pack_writer_new(sc->r, &w), 0);
	assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, buf, sizeof(buf), 1, NULL, NULL), 0);
	assert_int_equal(repo_pack_writer_finish(w, sc->unindexed), 0);
	repo_pack_writer_free(w);
	sc->r = test_reopen(sc->r); /* the index forgets the pack unwritten */
	FILE *f = fopen(test_path("data/0123456789abcdef0123456789abcdef.tmp"), "wb");
	assert_non_null(f);
	fputs("half a pack", f);
	fclose(f);

	assert_int_equal(repo_lock(sc->r, true), 0);
	struct forget_policy p = {.last = 1};
	struct forget_filter flt = {.paths = {sc->src}, .npaths = 1};
	json_t *groups = NULL;
	assert_int_equal(backup_forget(sc->r, &p, &flt, false, &groups), 0);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(json_array_get(groups, 0), "remove"), 0), "id")),
			    sc->snap1);
	json_decref(groups);
	assert_int_equal(repo_file_remove(sc->r, "snapshots", sc->snap3), 0);
}

static struct prune_summary prune(struct repo *r, int max_unused, bool dry_run)
{
	struct prune_opts o = {.max_unused = max_unused, .dry_run = dry_run};
	struct prune_summary s;
	int e = backup_prune(r, &o, &s);
	if (e < 0)
		fail_msg("backup_prune: %s", err_msg(e));
	return s;
}

/* Every file in the repository but locks/: path, size, mtime. */
static char listing_buf[1 << 16];
static size_t listing_at;
static int listing_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_F && !strstr(path, "/locks/"))
		listing_at +=
		    (size_t)snprintf(listing_buf + listing_at, sizeof(listing_buf) - listing_at, "%s %lld %lld.%09ld\n",
				     path, (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	return 0;
}

static char *listing(void)
{
	listing_at = 0;
	listing_buf[0] = '\0';
	nftw(test_repo, listing_one, 16, FTW_PHYS);
	assert_true(listing_at < sizeof(listing_buf) - 1);
	return strdup(listing_buf);
}

static bool file_equal(const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	size_t lx, ly;
	FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
	bool same = false;
	if (f && g) {
		fseek(f, 0, SEEK_END);
		fseek(g, 0, SEEK_END);
		lx = (size_t)ftell(f);
		ly = (size_t)ftell(g);
		rewind(f);
		rewind(g);
		x = malloc(lx + 1);
		y = malloc(ly + 1);
		same = lx == ly && fread(x, 1, lx, f) == lx && fread(y, 1, ly, g) == ly && memcmp(x, y, lx) == 0;
	}
	if (f)
		fclose(f);
	if (g)
		fclose(g);
	free(x);
	free(y);
	return same;
}

/* Snapshot 2 restores bit-exact. */
static void restores(struct scenario *sc)
{
	static const char *const files[] = {"keep/k1", "keep/k2", "new/n1"};
	char target[600], a[1200], b[1200];
	struct restore_summary rs;
	snprintf(target, sizeof(target), "%s/restore", test_dir);
	test_rm_rf(target);
	struct restore_opts o = {.target = target, .threads = 1};
	int e = backup_restore(sc->r, sc->snap2, &o, &rs);
	if (e < 0)
		fail_msg("backup_restore: %s", err_msg(e));
	assert_int_equal(rs.errors, 0);
	assert_int_equal(rs.files, 3);
	for (size_t i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "%s/%s", sc->src, files[i]);
		snprintf(b, sizeof(b), "%s%s/%s", target, sc->src, files[i]);
		assert_true(file_equal(a, b));
	}
	test_rm_rf(target);
}

static void check_sound(struct repo *r, bool no_warnings)
{
	json_t *report = NULL;
	assert_int_equal(repo_check(r, true, &report), 0);
	if (!json_is_true(json_object_get(report, "ok"))) {
		char *text = json_dumps(report, 0);
		fail_msg("check: %s", text);
	}
	if (no_warnings)
		assert_int_equal(json_array_size(json_object_get(report, "warnings")), 0);
	json_decref(report);
}

/* After a prune: the unused blobs are gone, the used ones read, check is clean. */
static void pruned(struct scenario *sc)
{
	uint8_t *plain;
	size_t len;
	for (size_t i = 0; i < sc->ngone; i++)
		assert_false(repo_index_has(sc->r, REPO_BLOB_DATA, sc->gone[i]));
	for (size_t i = 0; i < sc->nused; i++) {
		assert_int_equal(repo_blob_read(sc->r, REPO_BLOB_DATA, sc->used[i], &plain, &len), 0);
		free(plain);
	}
	assert_false(access(test_pack_path(sc->unindexed), F_OK) == 0);
	assert_false(access(test_path("data/0123456789abcdef0123456789abcdef.tmp"), F_OK) == 0);
	check_sound(sc->r, true);
	restores(sc);
}

static void test_prune_repacks_and_deletes(void **state)
{
	struct scenario sc;
	build(&sc);
	char *before = listing();
	struct prune_summary dry = prune(sc.r, 0, true);
	char *after = listing();
	assert_string_equal(before, after); /* a dry run changes nothing */
	free(before);
	free(after);
	assert_int_equal(dry.snapshots, 1);
	assert_int_equal(dry.deleted_packs, 2);	 /* snapshot 3's data and trees */
	assert_int_equal(dry.repacked_packs, 2); /* snapshot 1's data and trees, partly used */
	assert_int_equal(dry.unindexed_packs, 1);
	assert_true(dry.dropped_blobs >= 3 && dry.dropped_bytes >= 2000000);
	assert_int_equal(dry.kept_unused_blobs, 0);

	struct prune_summary s = prune(sc.r, 0, false);
	assert_int_equal(s.deleted_packs, dry.deleted_packs);
	assert_int_equal(s.repacked_packs, dry.repacked_packs);
	assert_int_equal(s.repacked_blobs, dry.repacked_blobs);
	assert_int_equal(s.dropped_bytes, dry.dropped_bytes);
	assert_int_equal(s.new_packs, 1);
	assert_int_equal(s.tmp_removed, 1);
	assert_int_equal(s.index_files_new, 1);
	pruned(&sc); /* the handle's index was reloaded */
	sc.r = test_reopen(sc.r);
	pruned(&sc);

	/* Once more: nothing left to do. */
	assert_int_equal(repo_lock(sc.r, true), 0);
	s = prune(sc.r, 0, false);
	assert_int_equal(s.deleted_packs + s.repacked_packs + s.unindexed_packs + s.dropped_blobs, 0);
	assert_int_equal(s.used_blobs, s.blobs);
	repo_close(sc.r);
}

/* Packs within the unused share stay as they are; wholly unused ones go anyway. */
static void test_prune_max_unused(void **state)
{
	struct scenario sc;
	build(&sc);
	struct prune_summary s = prune(sc.r, 100, false);
	assert_int_equal(s.repacked_packs, 0);
	assert_int_equal(s.deleted_packs, 2);
	assert_true(s.kept_unused_blobs >= 3);
	sc.r = test_reopen(sc.r);
	check_sound(sc.r, true);
	restores(&sc);
	/* g1 and g2 are still in snapshot 1's pack: the index keeps naming them */
	size_t still = 0;
	for (size_t i = 0; i < sc.ngone; i++)
		still += repo_index_has(sc.r, REPO_BLOB_DATA, sc.gone[i]);
	assert_true(still >= 2);
	repo_close(sc.r);
}

/* A tree that cannot be read, or a pack the index names gone: prune refuses and
 * changes nothing (it cannot know what is in use). */
static void test_prune_refuses_damage(void **state)
{
	struct scenario sc;
	struct repo_blob_location loc;
	json_t *snap;
	char id[REPO_HEX_LEN];
	uint8_t tree[REPO_ID_LEN];
	build(&sc);
	assert_int_equal(snapshot_get(sc.r, sc.snap2, &snap, id), 0);
	assert_int_equal(repo_id_parse(json_string_value(json_object_get(snap, "tree")), tree), 0);
	json_decref(snap);
	assert_int_equal(repo_index_lookup(sc.r, REPO_BLOB_TREE, tree, &loc), 0);
	test_flip(test_pack_path(loc.pack), (long long)loc.offset + 20);
	char *before = listing();
	struct prune_opts o = {.max_unused = 0};
	struct prune_summary s;
	int e = backup_prune(sc.r, &o, &s);
	assert_int_equal(e, -EBADMSG);
	assert_msg_has(e, "nothing was pruned");
	char *after = listing();
	assert_string_equal(before, after);
	free(before);
	free(after);
	test_flip(test_pack_path(loc.pack), (long long)loc.offset + 20);
	before = listing();
	char rel[100], hex[REPO_HEX_LEN], moved[1200];
	repo_id_hex(loc.pack, hex);
	snprintf(rel, sizeof(rel), "data/%.2s/%s", hex, hex);
	snprintf(moved, sizeof(moved), "%s/moved", test_dir);
	assert_int_equal(rename(test_path(rel), moved), 0);
	e = backup_prune(sc.r, &o, &s);
	assert_int_equal(e, -ENOENT);
	assert_msg_has(e, "missing");
	assert_int_equal(rename(moved, test_path(rel)), 0);
	after = listing();
	assert_string_equal(before, after);
	free(before);
	free(after);
	repo_close(sc.r);
}

/* A prune killed at each step: check accepts what it left, snapshot 2 restores, and
 * the next prune finishes the work. */
static void test_prune_killed_at_each_step(void **state)
{
	static const char *const points[] = {"repacked", "indexed", "index-removed", "pack-removed"};
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		struct scenario sc;
		int status;
		build(&sc);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct prune_opts o = {.max_unused = 0};
			struct prune_summary s;
			setenv("WARD_BACKUP_PRUNE_CRASH", points[i], 1);
			backup_prune(sc.r, &o, &s);
			_exit(0); /* not killed: the step was never reached */
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("prune was not killed at '%s'", points[i]);
		sc.r = test_reopen(sc.r);
		check_sound(sc.r, false); /* packs no index names are only warnings */
		restores(&sc);
		assert_int_equal(repo_lock(sc.r, true), 0);
		prune(sc.r, 0, false);
		sc.r = test_reopen(sc.r);
		pruned(&sc);
		repo_close(sc.r);
	}
}

struct seen {
	char lines[32][700];
	size_t n;
};

static int diff_seen(const char *path, char change, unsigned what, const char *type, void *arg)
{
	struct seen *s = arg;
	char names[64];
	diff_what_names(what, names, sizeof(names));
	if (s->n < 32)
		snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%c %s %s %s", change, type, path, names);
	return 0;
}

static bool saw(const struct seen *s, const char *line)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->lines[i], line) == 0)
			return true;
	return false;
}

static void test_diff_and_stats(void **state)
{
	struct scenario sc;
	struct seen seen = {0};
	struct diff_summary d;
	char line[800];
	json_t *st;
	build(&sc);
	/* snapshot 1 is forgotten; compare 3 (src2) and 2 (src) instead, then src with itself */
	assert_int_equal(backup_diff(sc.r, sc.snap2, sc.snap2, diff_seen, &seen, &d), 0);
	assert_int_equal(seen.n, 0);
	assert_int_equal(backup_diff(sc.r, sc.snap2, "latest", diff_seen, &seen, &d), 0);
	assert_int_equal(seen.n, 0);
	repo_close(sc.r);

	/* a fresh pair: one file modified, one removed, one added, one chmod-ed */
	build(&sc);
	char a[REPO_HEX_LEN], b[REPO_HEX_LEN], dir[600];
	repo_unlock(sc.r);
	assert_int_equal(repo_lock(sc.r, false), 0);
	take(sc.r, sc.src, a);
	snprintf(dir, sizeof(dir), "%s/keep", sc.src);
	write_file(dir, "k2", 300001, 8, true);
	write_file(dir, "k3", 1234, 9, true);
	snprintf(line, sizeof(line), "%s/new/n1", sc.src);
	assert_int_equal(unlink(line), 0);
	snprintf(line, sizeof(line), "%s/keep/k1", sc.src);
	assert_int_equal(chmod(line, 0640), 0);
	take(sc.r, sc.src, b);
	assert_int_equal(backup_diff(sc.r, a, b, diff_seen, &seen, &d), 0);
	snprintf(line, sizeof(line), "M file %s/keep/k2 content,mtime", sc.src);
	assert_true(saw(&seen, line));
	snprintf(line, sizeof(line), "+ file %s/keep/k3 ", sc.src);
	assert_true(saw(&seen, line));
	snprintf(line, sizeof(line), "- file %s/new/n1 ", sc.src);
	assert_true(saw(&seen, line));
	snprintf(line, sizeof(line), "U file %s/keep/k1 mode", sc.src);
	assert_true(saw(&seen, line));
	assert_int_equal(d.added, 1);
	assert_int_equal(d.removed, 1);
	assert_int_equal(d.modified, 1);
	assert_int_equal(d.added_bytes, 1234);
	assert_int_equal(d.removed_bytes, 800000);
	assert_int_equal(d.type_changed, 0);

	assert_int_equal(backup_stats(sc.r, b, STATS_RESTORE, &st), 0);
	assert_int_equal(json_integer_value(json_object_get(st, "files")), 3);
	assert_int_equal(json_integer_value(json_object_get(st, "restore_size")), 700000 + 300001 + 1234);
	json_decref(st);
	assert_int_equal(backup_stats(sc.r, NULL, STATS_RAW, &st), 0);
	/* snapshots 2, a, b: 3 + 3 + 3 files; the data blobs shared between them once */
	assert_int_equal(json_integer_value(json_object_get(st, "snapshots")), 3);
	assert_int_equal(json_integer_value(json_object_get(st, "files")), 9);
	uint64_t restore = 2 * (700000 + 300000 + 800000) + 700000 + 300001 + 1234;
	assert_int_equal(json_integer_value(json_object_get(st, "restore_size")), restore);
	assert_int_equal(json_integer_value(json_object_get(st, "data_blobs")), sc.nused + 2);
	double dedup = json_real_value(json_object_get(st, "dedup_ratio"));
	double want = (double)restore / (700000 + 300000 + 800000 + 300001 + 1234); /* each distinct chunk once */
	assert_true(dedup > want - 1e-9 && dedup < want + 1e-9);
	assert_true(json_integer_value(json_object_get(st, "stored_size")) > 0);
	json_decref(st);
	repo_close(sc.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keep_last),
	    cmocka_unit_test(test_restic_doc_sundays),
	    cmocka_unit_test(test_restic_doc_hundred_years),
	    cmocka_unit_test(test_hourly_and_oldest),
	    cmocka_unit_test(test_weekly_iso_year_end),
	    cmocka_unit_test(test_monthly_yearly),
	    cmocka_unit_test(test_local_time),
	    cmocka_unit_test(test_keep_tag),
	    cmocka_unit_test(test_groups_and_filters),
	    cmocka_unit_test(test_prune_repacks_and_deletes),
	    cmocka_unit_test(test_prune_max_unused),
	    cmocka_unit_test(test_prune_refuses_damage),
	    cmocka_unit_test(test_prune_killed_at_each_step),
	    cmocka_unit_test(test_diff_and_stats),
	};
	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
