/*
 * backup_run_cli.c: `ward backup run|snapshots|ls|restore`: taking snapshots and
 * getting files back. The password comes from --password-file or WARD_BACKUP_PASSWORD.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup.h"
#include "backup/backup_cli.h"
#include "backup/dump.h"
#include "commands.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/limits.h"
#include "core/timeutil.h"

#define EXIT_INCOMPLETE 3 /* a snapshot was written, but some files could not be read */

/* Opens --repo with the password; the caller closes it. */
static int open_repo(struct cli *cli, const char *path, const char *password_file, struct repo **ret)
{
	return backup_cli_open(path, password_file, ret);
}

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

/* Lines of an --exclude-file into o (the text is kept for the patterns). */
static int exclude_file(struct cli *cli, const char *path, struct backup_opts *o, char **keep)
{
	size_t len;
	int r = fs_read_file(path, 1 << 20, keep, &len);
	if (r < 0)
		return cli_fail(err_set(r, "cannot read '%s': %s", path, strerror(-r)));
	for (char *save = NULL, *line = strtok_r(*keep, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		if (o->nexcludes == BACKUP_EXCLUDES_MAX)
			return cli_usage_error(cli, "at most %d exclude patterns", BACKUP_EXCLUDES_MAX);
		o->excludes[o->nexcludes++] = line;
	}
	return EXIT_OK;
}

int cmd_backup_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"repo", required_argument, NULL, 'r'},	      {"password-file", required_argument, NULL, 'p'},
		{"exclude", required_argument, NULL, 'e'},    {"exclude-file", required_argument, NULL, 'E'},
		{"one-file-system", no_argument, NULL, 'x'},  {"tag", required_argument, NULL, 't'},
		{"compression", required_argument, NULL, 'c'}, {"threads", required_argument, NULL, 'j'},
		{"parent", required_argument, NULL, 'P'},     {"dump", required_argument, NULL, 'D'},
		{0, 0, 0, 0}};
	static struct dump_spec specs[DUMP_MAX];
	int ndumps = 0;
	struct backup_opts o = {.zstd_level = BACKUP_ZSTD_AUTO, .progress = true};
	struct backup_summary s;
	const char *repo_path = NULL, *pwfile = NULL, *exfile = NULL;
	char *keep = NULL, id[REPO_HEX_LEN];
	struct repo *repo = NULL;
	int64_t v;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r': repo_path = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'e':
			if (o.nexcludes == BACKUP_EXCLUDES_MAX)
				return cli_usage_error(cli, "at most %d exclude patterns", BACKUP_EXCLUDES_MAX);
			o.excludes[o.nexcludes++] = optarg;
			break;
		case 'E': exfile = optarg; break;
		case 'x': o.one_file_system = true; break;
		case 't':
			if (o.ntags == BACKUP_TAGS_MAX)
				return cli_usage_error(cli, "at most %d tags", BACKUP_TAGS_MAX);
			o.tags[o.ntags++] = optarg;
			break;
		case 'c':
			if (!strcmp(optarg, "auto"))
				o.zstd_level = BACKUP_ZSTD_AUTO;
			else if (parse_int64(optarg, 0, 19, &v) < 0)
				return cli_usage_error(cli, "--compression is auto, 0 (none) or 1 to 19 (zstd levels)");
			else
				o.zstd_level = (int)v;
			break;
		case 'j':
			if (parse_int64(optarg, 1, 64, &v) < 0)
				return cli_usage_error(cli, "--threads is 1 to 64");
			o.threads = (int)v;
			break;
		case 'P': o.parent = optarg; break;
		case 'D':
			if (ndumps == DUMP_MAX)
				return cli_usage_error(cli, "at most %d dumps", DUMP_MAX);
			if (dump_parse(optarg, &specs[ndumps]) < 0)
				return cli_usage_error(cli, "%s", err_msg(-EINVAL));
			ndumps++;
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (o.npaths == BACKUP_PATHS_MAX)
			return cli_usage_error(cli, "at most %d paths", BACKUP_PATHS_MAX);
		o.paths[o.npaths++] = argv[i];
	}
	if (o.npaths == 0)
		return cli_usage_error(cli, "give the paths to back up");
	if (exfile && (r = exclude_file(cli, exfile, &o, &keep)))
		goto out;
	o.progress = !cli->json;
	if ((r = open_repo(cli, repo_path, pwfile, &repo)))
		goto out;
	if ((r = repo_lock(repo, false)) < 0) {
		r = cli_fail(r);
		goto out;
	}
	/* Databases are dumped first, consistently, into a folder of their own that the
	 * snapshot then includes. */
	char dumpdir[PATH_MAX];
	snprintf(dumpdir, sizeof(dumpdir), "%s/backup-dumps", cli->data_dir);
	if (ndumps) {
		json_t *rep = NULL;
		if (o.npaths == BACKUP_PATHS_MAX) {
			r = cli_usage_error(cli, "at most %d paths with the dumps", BACKUP_PATHS_MAX - 1);
			goto out;
		}
		if ((r = dump_all(specs, ndumps, dumpdir, &rep)) < 0) {
			r = cli_fail(r);
			goto out;
		}
		json_decref(rep);
		o.paths[o.npaths++] = dumpdir;
	}
	if ((r = backup_run(repo, &o, &s, id)) < 0) {
		r = cli_fail(r);
		goto out;
	}
	if (cli->json) {
		cli_print_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "snapshot", id, "files_new",
					 (json_int_t)s.files_new, "files_changed", (json_int_t)s.files_changed,
					 "files_unchanged", (json_int_t)s.files_unchanged, "dirs", (json_int_t)s.dirs,
					 "bytes_read", (json_int_t)s.bytes_read, "bytes_total", (json_int_t)s.bytes_total,
					 "bytes_added", (json_int_t)s.bytes_stored, "errors", (json_int_t)s.errors, "seconds",
					 s.seconds));
	} else {
		char total[32], added[32], read[32];
		human(s.bytes_total, total);
		human(s.bytes_stored, added);
		human(s.bytes_read, read);
		printf("files: %llu new, %llu changed, %llu unchanged; %llu folders\n", (unsigned long long)s.files_new,
		       (unsigned long long)s.files_changed, (unsigned long long)s.files_unchanged,
		       (unsigned long long)s.dirs);
		printf("%s in the files, %s read, %s added after deduplication and compression\n", total, read, added);
		printf("snapshot %.16s saved in %.1f s (%.0f MiB/s)%s\n", id, s.seconds,
		       s.seconds > 0 ? (double)s.bytes_read / 1048576.0 / s.seconds : 0.0,
		       s.errors ? "; some files could not be read (said above)" : "");
	}
	r = s.errors ? EXIT_INCOMPLETE : EXIT_OK;
out:
	repo_close(repo);
	free(keep);
	return r;
}

/* --repo and --password-file, and npos positionals. */
static int simple_opts(struct cli *cli, int argc, char **argv, const char **repo_path, const char **pwfile)
{
	static const struct option opts[] = {{"repo", required_argument, NULL, 'r'},
					     {"password-file", required_argument, NULL, 'p'},
					     {0, 0, 0, 0}};
	int c;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r': *repo_path = optarg; break;
		case 'p': *pwfile = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

int cmd_backup_snapshots(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"short_id", "when", "hostname", "paths", "tags", "size", NULL};
	static const char *const headers[] = {"ID", "TIME", "HOST", "PATHS", "TAGS", "SIZE", NULL};
	const char *repo_path = NULL, *pwfile = NULL;
	struct repo *repo = NULL;
	json_t *list, *s;
	size_t i;
	int r;
	if ((r = simple_opts(cli, argc, argv, &repo_path, &pwfile)) || (r = cli_positionals(cli, argc, argv, 0)) ||
	    (r = open_repo(cli, repo_path, pwfile, &repo)))
		return r;
	r = snapshot_list(repo, &list);
	repo_close(repo);
	if (r < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(list);
		return EXIT_OK;
	}
	json_array_foreach(list, i, s) {
		char when[TIME_ISO_LEN], size[32], sid[17];
		time_iso(json_integer_value(json_object_get(s, "time")), when);
		human((uint64_t)json_integer_value(json_object_get(json_object_get(s, "summary"), "bytes_total")), size);
		snprintf(sid, sizeof(sid), "%s", json_string_value(json_object_get(s, "id")));
		json_object_set_new(s, "short_id", json_string(sid));
		json_object_set_new(s, "when", json_string(when));
		json_object_set_new(s, "size", json_string(size));
	}
	cli_print_table(list, keys, headers);
	json_decref(list);
	return EXIT_OK;
}

int cmd_backup_ls(struct cli *cli, int argc, char **argv)
{
	const char *repo_path = NULL, *pwfile = NULL;
	struct repo *repo = NULL;
	json_t *list, *e;
	size_t i;
	int r;
	if ((r = simple_opts(cli, argc, argv, &repo_path, &pwfile)))
		return r;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(cli, "give a snapshot (or 'latest') and optionally a path in it");
	if ((r = open_repo(cli, repo_path, pwfile, &repo)))
		return r;
	r = backup_ls(repo, argv[optind], argc - optind == 2 ? argv[optind + 1] : "", &list);
	repo_close(repo);
	if (r < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(list);
		return EXIT_OK;
	}
	json_array_foreach(list, i, e) {
		const char *type = json_string_value(json_object_get(e, "type"));
		printf("%-8s %12lld  %s\n", type, (long long)json_integer_value(json_object_get(e, "size")),
		       json_string_value(json_object_get(e, "path")));
	}
	json_decref(list);
	return EXIT_OK;
}

int cmd_backup_restore(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"repo", required_argument, NULL, 'r'},	   {"password-file", required_argument, NULL, 'p'},
		{"target", required_argument, NULL, 't'},  {"include", required_argument, NULL, 'i'},
		{"threads", required_argument, NULL, 'j'}, {0, 0, 0, 0}};
	struct restore_opts o = {0};
	struct restore_summary s;
	const char *repo_path = NULL, *pwfile = NULL;
	struct repo *repo = NULL;
	int64_t v;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r': repo_path = optarg; break;
		case 'p': pwfile = optarg; break;
		case 't': o.target = optarg; break;
		case 'i':
			if (o.nincludes == BACKUP_PATHS_MAX)
				return cli_usage_error(cli, "at most %d include patterns", BACKUP_PATHS_MAX);
			o.includes[o.nincludes++] = optarg;
			break;
		case 'j':
			if (parse_int64(optarg, 1, 64, &v) < 0)
				return cli_usage_error(cli, "--threads is 1 to 64");
			o.threads = (int)v;
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 1)))
		return r;
	if (!o.target)
		return cli_usage_error(cli, "--target DIR is required");
	if ((r = open_repo(cli, repo_path, pwfile, &repo)))
		return r;
	r = backup_restore(repo, argv[optind], &o, &s);
	repo_close(repo);
	if (r < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(json_pack("{s:I, s:I, s:I, s:I, s:f}", "files", (json_int_t)s.files, "dirs",
					 (json_int_t)s.dirs, "others", (json_int_t)s.others, "bytes", (json_int_t)s.bytes,
					 "seconds", s.seconds));
		return EXIT_OK;
	}
	char b[32];
	human(s.bytes, b);
	printf("restored %llu files, %llu folders, %llu others (%s) in %.1f s\n", (unsigned long long)s.files,
	       (unsigned long long)s.dirs, (unsigned long long)s.others, b, s.seconds);
	return EXIT_OK;
}
