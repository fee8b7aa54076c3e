/*
 * backup_admin_cli.c: `ward backup forget|prune|diff|stats`: keeping a repository to
 * its retention policy and its size, and looking at what the snapshots hold. The
 * password comes from --password-file or WARD_BACKUP_PASSWORD.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/backup.h"
#include "backup/backup_cli.h"
#include "commands.h"
#include "core/err.h"
#include "core/timeutil.h"

#define PRUNE_MAX_UNUSED_DEFAULT 5 /* percent */
#define KEEP_MAX 1000000	   /* a --keep-* count */

static void human(uint64_t b, char out[32])
{
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	int i = 0;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(out, 32, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

/* A lock we could not take: say who holds it and what to do. */
static int lock_fail(int r, const char *what)
{
	if (r == -EBUSY)
		return cli_fail(err_set(r, "cannot %s: %s", what, err_msg(r)));
	return cli_fail(r);
}

/* "5%", "5" or "unlimited" (100: never repack). */
static int parse_percent(const char *text, int *ret)
{
	char num[16];
	int64_t v;
	size_t len = strlen(text);
	if (strcmp(text, "unlimited") == 0) {
		*ret = 100;
		return 0;
	}
	if (len && text[len - 1] == '%')
		len--;
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, text, len);
	num[len] = '\0';
	if (parse_int64(num, 0, 100, &v) < 0)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* A --keep-* count: N or "unlimited". */
static int parse_keep(const char *text, int *ret)
{
	int64_t v;
	if (strcmp(text, "unlimited") == 0) {
		*ret = FORGET_UNLIMITED;
		return 0;
	}
	if (parse_int64(text, 0, KEEP_MAX, &v) < 0)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* --- prune --- */

static json_t *prune_json(const struct prune_summary *s, bool dry_run)
{
	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I}, "
			 "s:{s:I, s:I}, s:{s:I, s:I}, s:I, s:I, s:I, s:I, s:f}",
			 "dry_run", dry_run, "snapshots", (json_int_t)s->snapshots, "packs", (json_int_t)s->packs,
			 "blobs", (json_int_t)s->blobs, "bytes", (json_int_t)s->bytes, "used_blobs",
			 (json_int_t)s->used_blobs, "used_bytes", (json_int_t)s->used_bytes, "deleted", "packs",
			 (json_int_t)s->deleted_packs, "blobs", (json_int_t)s->deleted_blobs, "bytes",
			 (json_int_t)s->deleted_bytes, "repacked", "packs", (json_int_t)s->repacked_packs, "blobs",
			 (json_int_t)s->repacked_blobs, "bytes", (json_int_t)s->repacked_bytes, "dropped_blobs",
			 (json_int_t)s->dropped_blobs, "dropped_bytes", (json_int_t)s->dropped_bytes, "unindexed",
			 "packs", (json_int_t)s->unindexed_packs, "bytes", (json_int_t)s->unindexed_bytes,
			 "kept_unused", "blobs", (json_int_t)s->kept_unused_blobs, "bytes",
			 (json_int_t)s->kept_unused_bytes, "new_packs", (json_int_t)s->new_packs, "index_files_old",
			 (json_int_t)s->index_files_old, "index_files_new", (json_int_t)s->index_files_new,
			 "tmp_removed", (json_int_t)s->tmp_removed, "seconds", s->seconds);
}

static void prune_print(const struct prune_summary *s, int max_unused, bool dry_run)
{
	char a[32], b[32], c[32];
	const char *will = dry_run ? "would " : "";
	human(s->used_bytes, a);
	human(s->bytes, b);
	printf("%llu snapshots use %llu blobs (%s) of the %llu blobs (%s) in %llu packs\n",
	       (unsigned long long)s->snapshots, (unsigned long long)s->used_blobs, a, (unsigned long long)s->blobs, b,
	       (unsigned long long)s->packs);
	human(s->deleted_bytes, a);
	printf("%sdelete %llu packs no snapshot uses: %llu blobs, %s\n", will, (unsigned long long)s->deleted_packs,
	       (unsigned long long)s->deleted_blobs, a);
	human(s->repacked_bytes, a);
	human(s->dropped_bytes, b);
	printf("%srepack %llu packs: copy %llu used blobs (%s), drop %llu unused blobs (%s)\n", will,
	       (unsigned long long)s->repacked_packs, (unsigned long long)s->repacked_blobs, a,
	       (unsigned long long)s->dropped_blobs, b);
	if (s->unindexed_packs) {
		human(s->unindexed_bytes, a);
		printf("%sremove %llu packs no index names (%s, left by interrupted runs)\n", will,
		       (unsigned long long)s->unindexed_packs, a);
	}
	human(s->kept_unused_bytes, a);
	printf("%skeep %llu unused blobs (%s) in packs at most %d%% unused\n", will,
	       (unsigned long long)s->kept_unused_blobs, a, max_unused);
	human(s->deleted_bytes + s->dropped_bytes + s->unindexed_bytes, c);
	if (dry_run) {
		printf("dry run: nothing was changed; pruning would free %s\n", c);
		return;
	}
	printf("wrote %llu new packs and %llu index files, removed %llu old index files and %llu temporary files\n",
	       (unsigned long long)s->new_packs, (unsigned long long)s->index_files_new,
	       (unsigned long long)s->index_files_old, (unsigned long long)s->tmp_removed);
	printf("pruned in %.1f s: %s freed\n", s->seconds, c);
}

int cmd_backup_prune(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"repo", required_argument, NULL, 'r'},
					     {"password-file", required_argument, NULL, 'p'},
					     {"max-unused", required_argument, NULL, 'u'},
					     {"dry-run", no_argument, NULL, 'n'},
					     {0, 0, 0, 0}};
	struct prune_opts o = {.max_unused = PRUNE_MAX_UNUSED_DEFAULT};
	struct prune_summary s;
	const char *repo_path = NULL, *pwfile = NULL;
	struct repo *repo = NULL;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r': repo_path = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'u':
			if (parse_percent(optarg, &o.max_unused) < 0)
				return cli_usage_error(cli,
						       "--max-unused is a percentage, 0%% to 100%%, or 'unlimited'");
			break;
		case 'n': o.dry_run = true; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = backup_cli_open(repo_path, pwfile, &repo)))
		return r;
	/* A dry run changes nothing: a shared lock keeps prune and forget out meanwhile. */
	if ((r = repo_lock(repo, !o.dry_run)) < 0) {
		r = lock_fail(r, "prune");
		goto out;
	}
	if ((r = backup_prune(repo, &o, &s)) < 0) {
		r = cli_fail(r);
		goto out;
	}
	if (cli->json)
		cli_print_json(prune_json(&s, o.dry_run));
	else
		prune_print(&s, o.max_unused, o.dry_run);
	r = EXIT_OK;
out:
	repo_close(repo);
	return r;
}

/* --- forget --- */

static void local_when(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!localtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

/* Joins an array of strings with sep. */
static json_t *joined(const json_t *list, const char *sep)
{
	char buf[512];
	size_t at = 0, i;
	const json_t *v;
	buf[0] = '\0';
	json_array_foreach(list, i, v)
	{
		int n = snprintf(buf + at, sizeof(buf) - at, "%s%s", i ? sep : "", json_string_value(v) ?: "");
		if (n < 0 || (size_t)n >= sizeof(buf) - at)
			break;
		at += (size_t)n;
	}
	return json_string(buf);
}

static void forget_table(const json_t *list, bool reasons)
{
	static const char *const keys[] = {"short_id", "when", "tags", "reasons", NULL};
	static const char *const headers[] = {"ID", "TIME", "TAGS", "REASONS", NULL};
	static const char *const keys3[] = {"short_id", "when", "tags", NULL};
	json_t *rows = json_array(), *s;
	size_t i;
	json_array_foreach(list, i, s)
	{
		char when[32];
		local_when(json_integer_value(json_object_get(s, "time")), when);
		json_array_append_new(rows, json_pack("{s:s%, s:s, s:o, s:o}", "short_id",
						      json_string_value(json_object_get(s, "id")) ?: "", (size_t)16,
						      "when", when, "tags", joined(json_object_get(s, "tags"), ","),
						      "reasons", joined(json_object_get(s, "reasons"), ", ")));
	}
	cli_print_table(rows, reasons ? keys : keys3, headers);
	json_decref(rows);
}

static void forget_print(const json_t *groups, bool dry_run)
{
	const json_t *g;
	size_t i;
	json_array_foreach(groups, i, g)
	{
		json_t *paths = joined(json_object_get(g, "paths"), " ");
		const json_t *keep = json_object_get(g, "keep"), *remove = json_object_get(g, "remove");
		printf("%shost '%s', paths %s:\n", i ? "\n" : "",
		       json_string_value(json_object_get(g, "hostname")) ?: "", json_string_value(paths));
		json_decref(paths);
		printf("keep %zu snapshots:\n", json_array_size(keep));
		forget_table(keep, true);
		if (json_array_size(remove)) {
			printf("%s %zu snapshots:\n", dry_run ? "would remove" : "remove", json_array_size(remove));
			forget_table(remove, false);
		}
	}
}

int cmd_backup_forget(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"repo", required_argument, NULL, 'r'},
					     {"password-file", required_argument, NULL, 'p'},
					     {"keep-last", required_argument, NULL, 'l'},
					     {"keep-hourly", required_argument, NULL, 'H'},
					     {"keep-daily", required_argument, NULL, 'd'},
					     {"keep-weekly", required_argument, NULL, 'w'},
					     {"keep-monthly", required_argument, NULL, 'm'},
					     {"keep-yearly", required_argument, NULL, 'y'},
					     {"keep-tag", required_argument, NULL, 't'},
					     {"host", required_argument, NULL, 'o'},
					     {"path", required_argument, NULL, 'P'},
					     {"dry-run", no_argument, NULL, 'n'},
					     {"prune", no_argument, NULL, 'x'},
					     {"max-unused", required_argument, NULL, 'u'},
					     {0, 0, 0, 0}};
	struct forget_policy p = {0};
	struct forget_filter f = {0};
	struct prune_opts po = {.max_unused = PRUNE_MAX_UNUSED_DEFAULT};
	struct prune_summary ps;
	const char *repo_path = NULL, *pwfile = NULL;
	bool dry_run = false, prune = false;
	struct repo *repo = NULL;
	json_t *groups = NULL, *removed = json_object(), *out = NULL;
	int c, r, *count;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r': repo_path = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'l': count = &p.last; goto keep;
		case 'H': count = &p.hourly; goto keep;
		case 'd': count = &p.daily; goto keep;
		case 'w': count = &p.weekly; goto keep;
		case 'm': count = &p.monthly; goto keep;
		case 'y':
			count = &p.yearly;
		keep:
			if (parse_keep(optarg, count) < 0) {
				r = cli_usage_error(cli, "'%s' is not a count: give a number or 'unlimited'", optarg);
				goto out;
			}
			break;
		case 't':
			if (p.nkeep_tags == BACKUP_TAGS_MAX) {
				r = cli_usage_error(cli, "at most %d --keep-tag options", BACKUP_TAGS_MAX);
				goto out;
			}
			p.keep_tags[p.nkeep_tags++] = optarg;
			break;
		case 'o':
			if (f.nhosts == BACKUP_PATHS_MAX) {
				r = cli_usage_error(cli, "at most %d --host options", BACKUP_PATHS_MAX);
				goto out;
			}
			f.hosts[f.nhosts++] = optarg;
			break;
		case 'P':
			if (f.npaths == BACKUP_PATHS_MAX) {
				r = cli_usage_error(cli, "at most %d --path options", BACKUP_PATHS_MAX);
				goto out;
			}
			f.paths[f.npaths++] = optarg;
			break;
		case 'n': dry_run = true; break;
		case 'x': prune = true; break;
		case 'u':
			if (parse_percent(optarg, &po.max_unused) < 0) {
				r = cli_usage_error(cli, "--max-unused is a percentage, 0%% to 100%%, or 'unlimited'");
				goto out;
			}
			break;
		case 'h': r = cli_help(cli); goto out;
		default: r = EXIT_USAGE; goto out;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)))
		goto out;
	if (forget_policy_empty(&p)) {
		r = cli_usage_error(cli,
				    "give at least one --keep-* option above 0: forget never removes every snapshot");
		goto out;
	}
	if (!removed) {
		r = cli_fail(-ENOMEM);
		goto out;
	}
	if ((r = backup_cli_open(repo_path, pwfile, &repo)))
		goto out;
	if ((r = repo_lock(repo, !dry_run)) < 0) {
		r = lock_fail(r, "forget snapshots");
		goto out;
	}
	if ((r = backup_forget(repo, &p, &f, dry_run, &groups)) < 0) {
		r = cli_fail(r);
		goto out;
	}
	size_t i, k;
	json_t *g, *s;
	json_array_foreach(groups, i, g)
	{
		json_array_foreach(json_object_get(g, "remove"), k, s)
		{
			json_object_set(removed, json_string_value(json_object_get(s, "id")) ?: "", json_true());
		}
	}
	if (cli->json)
		out = json_pack("{s:O, s:b, s:I}", "groups", groups, "dry_run", dry_run, "removed",
				(json_int_t)json_object_size(removed));
	else
		forget_print(groups, dry_run);
	if (!cli->json)
		printf("%s %zu snapshots%s\n", dry_run ? "\ndry run: would remove" : "\nremoved",
		       json_object_size(removed), dry_run ? "; nothing was changed" : "");
	r = EXIT_OK;
	if (prune && json_object_size(removed)) {
		po.dry_run = dry_run;
		po.ignore = dry_run ? removed : NULL; /* not removed yet: count them as gone */
		if (!cli->json)
			printf("\npruning what they used:\n");
		if ((r = backup_prune(repo, &po, &ps)) < 0) {
			r = cli_fail(r);
			goto out;
		}
		if (cli->json)
			json_object_set_new(out, "prune", prune_json(&ps, dry_run));
		else
			prune_print(&ps, po.max_unused, dry_run);
		r = EXIT_OK;
	}
	if (out) {
		cli_print_json(out);
		out = NULL;
	}
out:
	repo_close(repo);
	json_decref(groups);
	json_decref(removed);
	json_decref(out);
	return r;
}

/* --- diff --- */

struct diff_print {
	bool json;
	json_t *changes;
};

static int diff_line(const char *path, char change, unsigned what, const char *type, void *arg)
{
	struct diff_print *d = arg;
	char names[128];
	diff_what_names(what, names, sizeof(names));
	if (d->json) {
		json_t *w = json_array();
		for (char *save = NULL, *t = strtok_r(names, ",", &save); t; t = strtok_r(NULL, ",", &save))
			json_array_append_new(w, json_string(t));
		return json_array_append_new(d->changes, json_pack("{s:s, s:s%, s:s, s:o}", "path", path, "change",
								   &change, (size_t)1, "type", type, "what", w)) == 0
			   ? 0
			   : -ENOMEM;
	}
	if (what && change != '+' && change != '-')
		printf("%c    %s%s  (%s)\n", change, path, strcmp(type, "dir") == 0 ? "/" : "", names);
	else
		printf("%c    %s%s\n", change, path, strcmp(type, "dir") == 0 ? "/" : "");
	return 0;
}

int cmd_backup_diff(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"repo", required_argument, NULL, 'r'}, {"password-file", required_argument, NULL, 'p'}, {0, 0, 0, 0}};
	struct diff_print d = {.json = cli->json};
	struct diff_summary s;
	const char *repo_path = NULL, *pwfile = NULL;
	struct repo *repo = NULL;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r': repo_path = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 2)))
		return r;
	if (d.json && !(d.changes = json_array()))
		return cli_fail(-ENOMEM);
	if ((r = backup_cli_open(repo_path, pwfile, &repo))) {
		json_decref(d.changes);
		return r;
	}
	r = backup_diff(repo, argv[optind], argv[optind + 1], diff_line, &d, &s);
	repo_close(repo);
	if (r < 0) {
		json_decref(d.changes);
		return cli_fail(r);
	}
	if (cli->json) {
		cli_print_json(json_pack("{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}", "changes", d.changes,
					 "summary", "added", (json_int_t)s.added, "removed", (json_int_t)s.removed,
					 "modified", (json_int_t)s.modified, "metadata", (json_int_t)s.metadata,
					 "type_changed", (json_int_t)s.type_changed, "added_bytes",
					 (json_int_t)s.added_bytes, "removed_bytes", (json_int_t)s.removed_bytes));
		return EXIT_OK;
	}
	char a[32], b[32];
	human(s.added_bytes, a);
	human(s.removed_bytes, b);
	printf("\n%llu added (%s in files), %llu removed (%s), %llu modified, %llu with new metadata, %llu changed "
	       "type\n",
	       (unsigned long long)s.added, a, (unsigned long long)s.removed, b, (unsigned long long)s.modified,
	       (unsigned long long)s.metadata, (unsigned long long)s.type_changed);
	return EXIT_OK;
}

/* --- stats --- */

int cmd_backup_stats(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"repo", required_argument, NULL, 'r'},
					     {"password-file", required_argument, NULL, 'p'},
					     {"mode", required_argument, NULL, 'm'},
					     {0, 0, 0, 0}};
	enum stats_mode mode = STATS_RESTORE;
	const char *repo_path = NULL, *pwfile = NULL;
	struct repo *repo = NULL;
	json_t *st;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r': repo_path = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'm':
			if (strcmp(optarg, "raw") == 0)
				mode = STATS_RAW;
			else if (strcmp(optarg, "restore") == 0)
				mode = STATS_RESTORE;
			else
				return cli_usage_error(cli, "--mode is 'restore' (the default) or 'raw'");
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(cli, "give at most one snapshot (none: every snapshot)");
	if ((r = backup_cli_open(repo_path, pwfile, &repo)))
		return r;
	r = backup_stats(repo, argc - optind == 1 ? argv[optind] : NULL, mode, &st);
	repo_close(repo);
	if (r < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(st);
		return EXIT_OK;
	}
	char a[32], b[32];
	human((uint64_t)json_integer_value(json_object_get(st, "restore_size")), a);
	printf("snapshots:     %lld\n", (long long)json_integer_value(json_object_get(st, "snapshots")));
	printf("files:         %lld, %lld folders, %lld others\n",
	       (long long)json_integer_value(json_object_get(st, "files")),
	       (long long)json_integer_value(json_object_get(st, "dirs")),
	       (long long)json_integer_value(json_object_get(st, "others")));
	printf("restore size:  %s\n", a);
	if (mode == STATS_RAW) {
		human((uint64_t)json_integer_value(json_object_get(st, "stored_size")), a);
		human((uint64_t)json_integer_value(json_object_get(st, "raw_size")), b);
		printf("blobs:         %lld (%lld trees, %lld data)\n",
		       (long long)json_integer_value(json_object_get(st, "blobs")),
		       (long long)json_integer_value(json_object_get(st, "tree_blobs")),
		       (long long)json_integer_value(json_object_get(st, "data_blobs")));
		printf("stored size:   %s (%s before compression, ratio %.2f)\n", a, b,
		       json_real_value(json_object_get(st, "compression_ratio")));
		printf("dedup ratio:   %.2f (restore size / distinct data)\n",
		       json_real_value(json_object_get(st, "dedup_ratio")));
	}
	json_decref(st);
	return EXIT_OK;
}
