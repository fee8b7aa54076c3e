/*
 * backup_cli.c: `ward backup init`, `ward backup key add|list|remove|passwd`, `ward
 * backup check` and `ward backup unlock`: the repository's own commands. Passwords come
 * from --password-file (or WARD_BACKUP_PASSWORD), never from the command line.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"
#include "backup/backup_cli.h"
#include "backup/repo.h"
#include "commands.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/timeutil.h"

/* What every backup command takes. */
struct opts {
	const char *repo;	   /* --repo, or WARD_BACKUP_REPO */
	const char *password_file; /* --password-file, else WARD_BACKUP_PASSWORD */
	const char *new_file;	   /* --new-password-file */
	bool read_data;		   /* check --read-data */
	bool all;		   /* unlock --all */
};

static const struct option common_opts[] = {{"repo", required_argument, NULL, 'r'},
					    {"password-file", required_argument, NULL, 'p'},
					    {"new-password-file", required_argument, NULL, 'n'},
					    {"read-data", no_argument, NULL, 'd'},
					    {"all", no_argument, NULL, 'a'},
					    {0, 0, 0, 0}};

/* Parses options (only those in allowed, e.g. "rpn") and n positionals; -1 to go on,
 * else the exit code. */
static int parse(struct cli *cli, int argc, char **argv, const char *allowed, int n, struct opts *o)
{
	int c;
	memset(o, 0, sizeof(*o));
	while ((c = cli_getopt(cli, argc, argv, common_opts)) != -1) {
		if (c == 'h')
			return cli_help(cli);
		if (c == '?')
			return EXIT_USAGE;
		if (!strchr(allowed, c))
			return cli_usage_error(cli, "option '%s' does not apply here", argv[optind - 1]);
		switch (c) {
		case 'r': o->repo = optarg; break;
		case 'p': o->password_file = optarg; break;
		case 'n': o->new_file = optarg; break;
		case 'd': o->read_data = true; break;
		case 'a': o->all = true; break;
		}
	}
	int r = cli_positionals(cli, argc, argv, n);
	if (r)
		return r;
	if (!o->repo)
		o->repo = getenv("WARD_BACKUP_REPO");
	if (!o->repo || !*o->repo)
		return cli_usage_error(cli, "--repo PATH is required (or set WARD_BACKUP_REPO)");
	return -1;
}

/* The repository password: --password-file, else WARD_BACKUP_PASSWORD. */
static int password(const struct opts *o, char out[WARD_PASSWORD_MAX + 1])
{
	const char *env = getenv("WARD_BACKUP_PASSWORD");
	if (o->password_file)
		return cli_read_secret(o->password_file, out, WARD_PASSWORD_MAX + 1);
	if (env && *env) {
		size_t len = strlen(env);
		if (len > WARD_PASSWORD_MAX)
			return err_set(-EINVAL, "WARD_BACKUP_PASSWORD is longer than %d bytes", WARD_PASSWORD_MAX);
		memcpy(out, env, len + 1);
		return 0;
	}
	return err_set(-EINVAL, "no repository password: give --password-file F or set WARD_BACKUP_PASSWORD");
}

static int new_password(const struct opts *o, char out[WARD_PASSWORD_MAX + 1])
{
	if (!o->new_file)
		return err_set(-EINVAL, "--new-password-file F is required");
	return cli_read_secret(o->new_file, out, WARD_PASSWORD_MAX + 1);
}

int backup_cli_open(const char *repo, const char *password_file, struct repo **ret)
{
	char pw[WARD_PASSWORD_MAX + 1];
	struct opts o = {.repo = repo ? repo : getenv("WARD_BACKUP_REPO"), .password_file = password_file};
	if (!o.repo || !*o.repo)
		return cli_fail(err_set(-EINVAL, "--repo PATH is required (or set WARD_BACKUP_REPO)"));
	int r = password(&o, pw);
	if (r == 0)
		r = repo_open(o.repo, pw, ret);
	sodium_memzero(pw, sizeof(pw));
	return r < 0 ? cli_fail(r) : EXIT_OK;
}

/* Opens the repository with the password; prints and returns the exit code on failure,
 * -1 on success. */
static int open_repo(const struct opts *o, struct repo **ret)
{
	int r = backup_cli_open(o->repo, o->password_file, ret);
	return r == EXIT_OK ? -1 : r;
}

int cmd_backup_init(struct cli *cli, int argc, char **argv)
{
	char pw[WARD_PASSWORD_MAX + 1];
	struct repo *repo = NULL;
	struct opts o;
	int r = parse(cli, argc, argv, "rp", 0, &o);
	if (r >= 0)
		return r;
	if ((r = password(&o, pw)) == 0)
		r = repo_init(o.repo, pw, &repo);
	sodium_memzero(pw, sizeof(pw));
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:s, s:s, s:s}", "repository", o.repo, "id", repo_config(repo)->id, "key",
					 repo_key_current(repo)));
	else
		printf("created backup repository '%s' (id %.16s)\nkeep its password safe: without it nothing in "
		       "the repository can be read\n",
		       o.repo, repo_config(repo)->id);
	repo_close(repo);
	return EXIT_OK;
}

static int key_add(struct cli *cli, const struct opts *o, struct repo *repo, bool passwd)
{
	char pw[WARD_PASSWORD_MAX + 1], id[REPO_HEX_LEN];
	int r = new_password(o, pw);
	if (r == 0)
		r = passwd ? repo_key_passwd(repo, pw, id) : repo_key_add(repo, pw, id);
	sodium_memzero(pw, sizeof(pw));
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:s}", "id", id));
	else if (passwd)
		printf("changed the password: key %.16s replaces the old one\n", id);
	else
		printf("added key %.16s\n", id);
	return EXIT_OK;
}

static int key_list(struct cli *cli, struct repo *repo)
{
	static const char *const keys[] = {"current", "id", "user", "host", "created", NULL};
	static const char *const headers[] = {"IN USE", "ID", "USER", "HOST", "CREATED", NULL};
	json_t *list;
	int r = repo_key_list(repo, &list);
	if (r < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(list);
		return EXIT_OK;
	}
	cli_print_table(list, keys, headers);
	json_decref(list);
	return EXIT_OK;
}

int cmd_backup_key(struct cli *cli, int argc, char **argv)
{
	struct repo *repo = NULL;
	struct opts o;
	const char *sub = argc > 1 ? argv[1] : NULL;
	int r, positionals = 0;
	const char *allowed = "rp";
	if (!sub)
		return cli_usage_error(cli, "which key command: add, list, remove or passwd?");
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0)
		return cli_help(cli);
	if (strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0)
		allowed = "rpn";
	else if (strcmp(sub, "remove") == 0)
		positionals = 1;
	else if (strcmp(sub, "list") != 0)
		return cli_usage_error(cli, "unknown key command '%s' (add, list, remove or passwd)", sub);
	/* getopt sees the key command as its argv[0]. */
	if ((r = parse(cli, argc - 1, argv + 1, allowed, positionals, &o)) >= 0)
		return r;
	if (strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0) {
		char probe[WARD_PASSWORD_MAX + 1];
		/* Read the new password before the slow unlock, so a bad file fails fast. */
		r = new_password(&o, probe);
		sodium_memzero(probe, sizeof(probe));
		if (r < 0)
			return cli_fail(r);
	}
	if ((r = open_repo(&o, &repo)) >= 0)
		return r;
	bool exclusive = strcmp(sub, "remove") == 0 || strcmp(sub, "passwd") == 0;
	if (strcmp(sub, "list") != 0 && (r = repo_lock(repo, exclusive)) < 0) {
		repo_close(repo);
		return cli_fail(r);
	}
	if (strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0) {
		r = key_add(cli, &o, repo, strcmp(sub, "passwd") == 0);
	} else if (strcmp(sub, "list") == 0) {
		r = key_list(cli, repo);
	} else if ((r = repo_key_remove(repo, argv[1 + optind])) < 0) {
		r = cli_fail(r);
	} else {
		if (cli->json)
			cli_print_json(json_pack("{s:s}", "removed", argv[1 + optind]));
		else
			printf("removed key %s\n", argv[1 + optind]);
		r = EXIT_OK;
	}
	repo_close(repo); /* releases the lock */
	return r;
}

static void print_list(const json_t *list, const char *title)
{
	size_t i;
	const json_t *v;
	if (json_array_size(list) == 0)
		return;
	printf("%s:\n", title);
	json_array_foreach(list, i, v)
	{
		printf("  %s\n", json_string_value(v));
	}
}

int cmd_backup_check(struct cli *cli, int argc, char **argv)
{
	struct repo *repo = NULL;
	json_t *report = NULL;
	struct opts o;
	int r = parse(cli, argc, argv, "rpd", 0, &o);
	if (r >= 0)
		return r;
	if ((r = open_repo(&o, &repo)) >= 0)
		return r;
	if ((r = repo_lock(repo, false)) < 0 || (r = repo_check(repo, o.read_data, &report)) < 0) {
		repo_close(repo);
		return cli_fail(r);
	}
	bool ok = json_is_true(json_object_get(report, "ok"));
	if (!ok) {
		/* Which snapshots and files the damage reaches. */
		json_t *ids = json_object(), *affected = NULL, *v, *b;
		size_t i, k;
		json_array_foreach(json_object_get(report, "damaged_blobs"), i, v)
			json_object_set(ids, json_string_value(json_object_get(v, "id")) ?: "", json_true());
		json_array_foreach(json_object_get(report, "damaged_packs"), i, v)
			json_array_foreach(json_object_get(v, "blobs"), k, b)
				json_object_set(ids, json_string_value(json_object_get(b, "id")) ?: "", json_true());
		if (json_object_size(ids) && backup_affected(repo, ids, &affected) == 0)
			json_object_set_new(report, "affected", affected);
		json_decref(ids);
	}
	repo_close(repo);
	if (cli->json) {
		cli_print_json(report);
		return ok ? EXIT_OK : EXIT_FAIL;
	}
	printf("checked '%s': %lld keys, %lld index files, %lld packs, %lld blobs, %lld snapshots%s\n", o.repo,
	       (long long)json_integer_value(json_object_get(report, "keys")),
	       (long long)json_integer_value(json_object_get(report, "index_files")),
	       (long long)json_integer_value(json_object_get(report, "packs")),
	       (long long)json_integer_value(json_object_get(report, "blobs")),
	       (long long)json_integer_value(json_object_get(report, "snapshots")),
	       o.read_data ? ", every blob read" : " (structure only; --read-data reads every blob)");
	print_list(json_object_get(report, "warnings"), "warnings");
	print_list(json_object_get(report, "errors"), "errors");
	json_t *snap, *f;
	size_t i, k;
	json_array_foreach(json_object_get(report, "affected"), i, snap) {
		char when[TIME_ISO_LEN];
		time_iso(json_integer_value(json_object_get(snap, "time")), when);
		printf("snapshot %.16s (%s) has damaged files:\n", json_string_value(json_object_get(snap, "snapshot")), when);
		json_array_foreach(json_object_get(snap, "files"), k, f)
			printf("  %s\n", json_is_string(f) ? json_string_value(f)
							   : json_string_value(json_object_get(f, "unreadable")));
	}
	printf(ok ? "no errors found\n" : "the repository is damaged: see the errors above\n");
	json_decref(report);
	return ok ? EXIT_OK : EXIT_FAIL;
}

int cmd_backup_unlock(struct cli *cli, int argc, char **argv)
{
	struct repo *repo = NULL;
	unsigned removed = 0;
	struct opts o;
	int r = parse(cli, argc, argv, "rpa", 0, &o);
	if (r >= 0)
		return r;
	if ((r = open_repo(&o, &repo)) >= 0)
		return r;
	r = repo_lock_clean(repo, o.all, &removed);
	repo_close(repo);
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:i}", "removed", (int)removed));
	else
		printf("removed %u %slock%s\n", removed, o.all ? "" : "stale ", removed == 1 ? "" : "s");
	return EXIT_OK;
}
