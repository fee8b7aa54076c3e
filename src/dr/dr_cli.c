/*
 * dr_cli.c: `ward dr ...`: recovery plans (add, list, show, edit, remove), a backup or
 * a restore drill run now in this process, the plans' status, their run history and
 * snapshots, and the RPO check the server makes every minute.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog/actlog.h"
#include "commands.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "dr/dr.h"
#include "helpdesk/helpdesk.h"

#define EXIT_SLOW 3 /* a drill restored and verified everything, but slower than the RTO */

/* The options of plan add and plan edit. */
static const struct option plan_opts[] = {{"description", required_argument, NULL, 'D'},
					  {"machine", required_argument, NULL, 'm'},
					  {"path", required_argument, NULL, 'p'},
					  {"exclude", required_argument, NULL, 'e'},
					  {"dump", required_argument, NULL, 'd'},
					  {"repo", required_argument, NULL, 'r'},
					  {"password-file", required_argument, NULL, 'P'},
					  {"rpo", required_argument, NULL, 'o'},
					  {"rto", required_argument, NULL, 't'},
					  {"backup-schedule", required_argument, NULL, 'b'},
					  {"drill-schedule", required_argument, NULL, 'B'},
					  {"keep-last", required_argument, NULL, '1'},
					  {"keep-hourly", required_argument, NULL, '2'},
					  {"keep-daily", required_argument, NULL, '3'},
					  {"keep-weekly", required_argument, NULL, '4'},
					  {"keep-monthly", required_argument, NULL, '5'},
					  {"keep-yearly", required_argument, NULL, '6'},
					  {"no-retention", no_argument, NULL, 'R'},
					  {"step", required_argument, NULL, 's'},
					  {"owner", required_argument, NULL, 'O'},
					  {"contacts", required_argument, NULL, 'c'},
					  {"no-paths", no_argument, NULL, 'x'},
					  {"no-excludes", no_argument, NULL, 'X'},
					  {"no-dumps", no_argument, NULL, 'y'},
					  {"no-steps", no_argument, NULL, 'z'},
					  {0, 0, 0, 0}};

/* Appends v to the array field key of f, making it first. */
static void push(json_t *f, const char *key, const char *v)
{
	json_t *a = json_object_get(f, key);
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(f, key, a);
	}
	json_array_append_new(a, json_string(v));
}

/* Reads plan options into the fields object f; EXIT_OK or an exit code. */
static int plan_fields(struct cli *cli, int argc, char **argv, json_t *f)
{
	static const char *const keep[] = {"last", "hourly", "daily", "weekly", "monthly", "yearly"};
	int c;
	int64_t n;
	while ((c = cli_getopt(cli, argc, argv, plan_opts)) != -1) {
		switch (c) {
		case 'D': json_object_set_new(f, "description", json_string(optarg)); break;
		case 'm': json_object_set_new(f, "machine", json_string(optarg)); break;
		case 'p': push(f, "paths", optarg); break;
		case 'e': push(f, "excludes", optarg); break;
		case 'd': push(f, "dumps", optarg); break;
		case 'r': json_object_set_new(f, "repo", json_string(optarg)); break;
		case 'P': json_object_set_new(f, "password_file", json_string(optarg)); break;
		case 'o': json_object_set_new(f, "rpo", json_string(optarg)); break;
		case 't': json_object_set_new(f, "rto", json_string(optarg)); break;
		case 'b': json_object_set_new(f, "backup_schedule", json_string(optarg)); break;
		case 'B': json_object_set_new(f, "drill_schedule", json_string(optarg)); break;
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
			if (parse_int64(optarg, 0, 100000, &n) < 0)
				return cli_usage_error(cli, "--keep-%s needs a count", keep[c - '1']);
			if (!json_is_object(json_object_get(f, "retention")))
				json_object_set_new(f, "retention", json_object());
			json_object_set_new(json_object_get(f, "retention"), keep[c - '1'], json_integer(n));
			break;
		case 'R': json_object_set_new(f, "retention", json_object()); break;
		case 's': push(f, "steps", optarg); break;
		case 'O': json_object_set_new(f, "owner", json_string(optarg)); break;
		case 'c': json_object_set_new(f, "contacts", json_string(optarg)); break;
		case 'x': json_object_set_new(f, "paths", json_array()); break;
		case 'X': json_object_set_new(f, "excludes", json_array()); break;
		case 'y': json_object_set_new(f, "dumps", json_array()); break;
		case 'z': json_object_set_new(f, "steps", json_array()); break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static void duration_text(int64_t s, char *out, size_t size)
{
	if (s % 86400 == 0)
		snprintf(out, size, "%lldd", (long long)(s / 86400));
	else if (s % 3600 == 0)
		snprintf(out, size, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0)
		snprintf(out, size, "%lldm", (long long)(s / 60));
	else
		snprintf(out, size, "%llds", (long long)s);
}

static void print_plan(const json_t *p)
{
	const json_t *st = json_object_get(p, "status"), *v;
	char rpo[32], rto[32];
	size_t i;
	duration_text(json_integer_value(json_object_get(p, "rpo")), rpo, sizeof(rpo));
	duration_text(json_integer_value(json_object_get(p, "rto")), rto, sizeof(rto));
	printf("plan:            %s (id %lld)\n", json_string_value(json_object_get(p, "name")),
	       (long long)json_integer_value(json_object_get(p, "id")));
	printf("status:          %s\n", json_string_value(json_object_get(st, "color")));
	json_array_foreach(json_object_get(st, "reasons"), i, v)
	    printf("                 - %s\n", json_string_value(v));
	if (*json_string_value(json_object_get(p, "description")))
		printf("description:     %s\n", json_string_value(json_object_get(p, "description")));
	printf("machine:         %s\n", json_string_value(json_object_get(p, "machine")));
	json_array_foreach(json_object_get(p, "paths"), i, v) printf("path:            %s\n", json_string_value(v));
	json_array_foreach(json_object_get(p, "excludes"), i, v) printf("exclude:         %s\n", json_string_value(v));
	json_array_foreach(json_object_get(p, "dumps"), i, v) printf("dump:            %s\n", json_string_value(v));
	printf("repository:      %s\n", json_string_value(json_object_get(p, "repo")));
	printf("password file:   %s\n", json_string_value(json_object_get(p, "password_file")));
	printf("RPO / RTO:       %s / %s\n", rpo, rto);
	printf("backups:         %s\n", json_string_value(json_object_get(p, "backup_schedule")));
	printf("drills:          %s\n", json_string_value(json_object_get(p, "drill_schedule")));
	char *ret = json_dumps(json_object_get(p, "retention"), JSON_COMPACT);
	printf("retention:       %s\n", ret && strcmp(ret, "{}") ? ret : "keep every snapshot");
	free(ret);
	printf("owner:           %s\n", json_string_value(json_object_get(p, "owner")));
	printf("contacts:        %s\n", json_string_value(json_object_get(p, "contacts")));
	const json_t *lb = json_object_get(st, "last_good_backup"), *ld = json_object_get(st, "last_drill");
	printf("last backup:     %s%s%s\n",
	       json_is_object(lb) ? json_string_value(json_object_get(lb, "finished_at")) : "never",
	       json_is_object(lb) ? ", snapshot " : "",
	       json_is_object(lb) ? json_string_value(json_object_get(lb, "snapshot")) : "");
	if (json_is_object(ld))
		printf("last drill:      %s, %s in %.1f s\n", json_string_value(json_object_get(ld, "finished_at")),
		       json_string_value(json_object_get(ld, "status")),
		       json_real_value(json_object_get(ld, "seconds")));
	else
		printf("last drill:      never\n");
	printf("next backup:     %s\n", json_is_string(json_object_get(st, "next_backup"))
					    ? json_string_value(json_object_get(st, "next_backup"))
					    : "manual");
	printf("next drill:      %s\n", json_is_string(json_object_get(st, "next_drill"))
					    ? json_string_value(json_object_get(st, "next_drill"))
					    : "manual, or after the first backup");
	if (json_array_size(json_object_get(p, "steps")))
		printf("restore steps:\n");
	json_array_foreach(json_object_get(p, "steps"), i, v) printf("  %zu. %s\n", i + 1, json_string_value(v));
}

/* The PLAN argument left after the options, as its id. */
static int plan_arg(struct cli *cli, int argc, char **argv, struct store **s, json_t **ret_plan, int64_t *ret_id)
{
	json_t *p;
	int r = cli_positionals(cli, argc, argv, 1);
	if (r || (r = cli_store(cli, s)))
		return r;
	if ((r = dr_plan_get(*s, argv[optind], time_now(), &p)) < 0)
		return cli_fail(r);
	*ret_id = json_integer_value(json_object_get(p, "id"));
	if (ret_plan)
		*ret_plan = p;
	else
		json_decref(p);
	return EXIT_OK;
}

static int show(struct cli *cli, struct store *s, int64_t id)
{
	char key[24];
	json_t *p;
	snprintf(key, sizeof(key), "%lld", (long long)id);
	int r = dr_plan_get(s, key, time_now(), &p);
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(p);
	else {
		print_plan(p);
		json_decref(p);
	}
	return EXIT_OK;
}

static int plan_add(struct cli *cli, int argc, char **argv)
{
	json_t *f = json_object();
	struct store *s;
	int64_t id;
	int r;
	if (!f)
		return cli_fail(-ENOMEM);
	if ((r = plan_fields(cli, argc, argv, f)) || (r = cli_positionals(cli, argc, argv, 1)) ||
	    (r = cli_store(cli, &s)))
		goto out;
	json_object_set_new(f, "name", json_string(argv[optind]));
	if ((r = dr_plan_create(s, actlog_local_actor(), f, &id)) < 0) {
		r = cli_fail(r);
		goto out;
	}
	if (cli->json)
		r = show(cli, s, id);
	else
		printf("added recovery plan '%s' (id %lld)\n", argv[optind], (long long)id);
out:
	json_decref(f);
	return r;
}

static int plan_edit(struct cli *cli, int argc, char **argv)
{
	json_t *f = json_object();
	struct store *s;
	int64_t id;
	int r;
	if (!f)
		return cli_fail(-ENOMEM);
	if ((r = plan_fields(cli, argc, argv, f)))
		goto out;
	if (json_object_size(f) == 0) {
		r = cli_usage_error(cli, "nothing to change: give the options to change");
		goto out;
	}
	if ((r = plan_arg(cli, argc, argv, &s, NULL, &id)))
		goto out;
	if ((r = dr_plan_edit(s, actlog_local_actor(), id, f)) < 0) {
		r = cli_fail(r);
		goto out;
	}
	if (cli->json)
		r = show(cli, s, id);
	else
		printf("changed recovery plan '%s'\n", argv[optind]);
out:
	json_decref(f);
	return r;
}

static int simple(struct cli *cli, int argc, char **argv)
{
	static const struct option none[] = {{0, 0, 0, 0}};
	int c;
	while ((c = cli_getopt(cli, argc, argv, none)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	return -1;
}

static int plan_show(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	int64_t id;
	int r = simple(cli, argc, argv);
	if (r >= 0)
		return r;
	if ((r = plan_arg(cli, argc, argv, &s, NULL, &id)))
		return r;
	return show(cli, s, id);
}

static int plan_remove(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	int64_t id;
	int r = simple(cli, argc, argv);
	if (r >= 0)
		return r;
	if ((r = plan_arg(cli, argc, argv, &s, NULL, &id)))
		return r;
	if ((r = dr_plan_remove(s, actlog_local_actor(), id)) < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:s}", "removed", argv[optind]));
	else
		printf("removed recovery plan '%s'; its repository and snapshots are left as they are\n", argv[optind]);
	return EXIT_OK;
}

/* Rows for the status table. */
static json_t *status_rows(const json_t *plans)
{
	json_t *rows = json_array(), *p;
	size_t i;
	json_array_foreach(plans, i, p)
	{
		const json_t *st = json_object_get(p, "status");
		const json_t *lb = json_object_get(st, "last_good_backup"), *ld = json_object_get(st, "last_drill");
		char rpo[32], rto[32], age[32] = "-", drill[64] = "-";
		duration_text(json_integer_value(json_object_get(p, "rpo")), rpo, sizeof(rpo));
		duration_text(json_integer_value(json_object_get(p, "rto")), rto, sizeof(rto));
		if (json_is_integer(json_object_get(st, "backup_age"))) {
			int64_t a = json_integer_value(json_object_get(st, "backup_age"));
			snprintf(age, sizeof(age), a >= 3600 ? "%lldh%02lldm" : "%lldm",
				 (long long)(a >= 3600 ? a / 3600 : a / 60), (long long)(a % 3600 / 60));
		}
		if (json_is_object(ld))
			snprintf(drill, sizeof(drill), "%s %.1fs", json_string_value(json_object_get(ld, "status")),
				 json_real_value(json_object_get(ld, "seconds")));
		json_t *reasons = json_object_get(st, "reasons");
		json_array_append_new(
		    rows, json_pack("{s:O, s:O, s:o, s:s, s:s, s:s, s:s, s:s}", "plan", json_object_get(p, "name"),
				    "status", json_object_get(st, "color"), "last_backup",
				    json_is_object(lb) ? json_incref(json_object_get(lb, "finished_at")) : json_null(),
				    "age", age, "rpo", rpo, "drill", drill, "rto", rto, "reason",
				    json_array_size(reasons) ? json_string_value(json_array_get(reasons, 0))
							     : "all objectives met"));
	}
	return rows;
}

int cmd_dr_plan(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"name", "machine", "repo", "backup_schedule", "color", NULL};
	static const char *const headers[] = {"PLAN", "MACHINE", "REPOSITORY", "BACKUPS", "STATUS", NULL};
	if (argc < 2)
		return cli_usage_error(cli, "give a verb: add, list, show, edit or remove");
	const char *verb = argv[1];
	argc--;
	argv++;
	if (strcmp(verb, "add") == 0)
		return plan_add(cli, argc, argv);
	if (strcmp(verb, "edit") == 0)
		return plan_edit(cli, argc, argv);
	if (strcmp(verb, "show") == 0)
		return plan_show(cli, argc, argv);
	if (strcmp(verb, "remove") == 0)
		return plan_remove(cli, argc, argv);
	if (strcmp(verb, "list") != 0)
		return cli_usage_error(cli, "unknown verb '%s': add, list, show, edit or remove", verb);
	struct store *s;
	json_t *plans, *p;
	size_t i;
	int r = simple(cli, argc, argv);
	if (r >= 0)
		return r;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = dr_plan_list(s, time_now(), &plans)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(plans);
		return EXIT_OK;
	}
	json_array_foreach(plans, i, p)
	    json_object_set(p, "color", json_object_get(json_object_get(p, "status"), "color"));
	cli_print_table(plans, keys, headers);
	json_decref(plans);
	return EXIT_OK;
}

static void print_run(const json_t *run)
{
	const json_t *d = json_object_get(run, "details");
	const char *status = json_string_value(json_object_get(run, "status"));
	const char *err = json_string_value(json_object_get(run, "error"));
	if (strcmp(json_string_value(json_object_get(run, "kind")), "backup") == 0) {
		printf("backup %s: %s in %.1f s", json_string_value(json_object_get(run, "plan")), status,
		       json_real_value(json_object_get(run, "seconds")));
		if (json_is_string(json_object_get(run, "snapshot")))
			printf(", snapshot %.16s (%lld new, %lld changed, %lld unchanged files; %lld bytes added)",
			       json_string_value(json_object_get(run, "snapshot")),
			       (long long)json_integer_value(json_object_get(d, "files_new")),
			       (long long)json_integer_value(json_object_get(d, "files_changed")),
			       (long long)json_integer_value(json_object_get(d, "files_unchanged")),
			       (long long)json_integer_value(json_object_get(d, "bytes_added")));
	} else {
		printf("drill %s: %s in %.1f s", json_string_value(json_object_get(run, "plan")), status,
		       json_real_value(json_object_get(run, "seconds")));
		if (json_object_get(d, "verified_files"))
			printf(" (RTO %lld s); %lld files and %lld bytes restored and verified against snapshot %.16s",
			       (long long)json_integer_value(json_object_get(d, "rto")),
			       (long long)json_integer_value(json_object_get(d, "verified_files")),
			       (long long)json_integer_value(json_object_get(d, "verified_bytes")),
			       json_string_value(json_object_get(run, "snapshot")));
	}
	printf("\n");
	if (err)
		printf("%s\n", err);
}

static int run_now(struct cli *cli, int argc, char **argv, enum dr_kind kind)
{
	struct store *s;
	json_t *run, *p;
	int64_t id, run_id;
	int r = simple(cli, argc, argv);
	if (r >= 0)
		return r;
	if ((r = plan_arg(cli, argc, argv, &s, &p, &id)))
		return r;
	const char *machine = json_string_value(json_object_get(p, "machine"));
	if (strcmp(machine, DR_LOCAL) != 0) {
		/* On an enrolled host: its agent does it and the server records the result. */
		if ((r = dr_run_start(s, actlog_local_actor(), id, kind, &run_id)) < 0 ||
		    (r = dr_run_get(s, run_id, &run)) < 0) {
			json_decref(p);
			return cli_fail(r);
		}
		if (cli->json)
			cli_print_json(run);
		else {
			printf("%s %s: queued as job %lld for '%s'; its agent runs it and the outcome shows in 'ward "
			       "dr runs "
			       "%s'\n",
			       dr_kind_name(kind), argv[optind],
			       (long long)json_integer_value(json_object_get(run, "job")), machine, argv[optind]);
			json_decref(run);
		}
		json_decref(p);
		return EXIT_OK;
	}
	json_decref(p);
	if ((r = dr_run_begin(s, actlog_local_actor(), id, kind, &run_id)) < 0 ||
	    (r = dr_run_exec(s, run_id, &run)) < 0)
		return cli_fail(r);
	const char *status = json_string_value(json_object_get(run, "status"));
	int code = strcmp(status, "ok") == 0 || strcmp(status, "passed") == 0 ? EXIT_OK
		   : strcmp(status, "slow") == 0			      ? EXIT_SLOW
									      : EXIT_FAIL;
	if (cli->json)
		cli_print_json(run);
	else {
		print_run(run);
		json_decref(run);
	}
	return code;
}

int cmd_dr_backup(struct cli *cli, int argc, char **argv)
{
	return run_now(cli, argc, argv, DR_BACKUP);
}

int cmd_dr_drill(struct cli *cli, int argc, char **argv)
{
	return run_now(cli, argc, argv, DR_DRILL);
}

int cmd_dr_status(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"plan",  "status", "last_backup", "age", "rpo",
					   "drill", "rto",    "reason",	     NULL};
	static const char *const headers[] = {"PLAN",	    "STATUS", "LAST BACKUP", "AGE", "RPO",
					      "LAST DRILL", "RTO",    "WHY",	     NULL};
	struct store *s;
	json_t *plans, *p;
	size_t i;
	int worst = 0;
	int r = simple(cli, argc, argv);
	if (r >= 0)
		return r;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = dr_plan_list(s, time_now(), &plans)) < 0)
		return cli_fail(r);
	json_array_foreach(plans, i,
			   p) if (strcmp(json_string_value(json_object_get(json_object_get(p, "status"), "color")),
					 "red") == 0) worst = 1;
	if (cli->json) {
		json_t *out = json_array();
		json_array_foreach(plans, i, p)
		    json_array_append_new(out, json_pack("{s:O, s:O}", "plan", json_object_get(p, "name"), "status",
							 json_object_get(p, "status")));
		json_decref(plans);
		cli_print_json(out);
	} else {
		json_t *rows = status_rows(plans);
		if (json_array_size(rows))
			cli_print_table(rows, keys, headers);
		else
			printf("no recovery plans; add one with 'ward dr plan add'\n");
		json_decref(rows);
		json_decref(plans);
	}
	/* Red is a failure for scripts and monitoring. */
	return worst ? EXIT_FAIL : EXIT_OK;
}

int cmd_dr_runs(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kind", required_argument, NULL, 'k'}, {"limit", required_argument, NULL, 'l'}, {0, 0, 0, 0}};
	static const char *const keys[] = {"id",       "kind",	"status", "started_at", "seconds",
					   "snapshot", "actor", "error",  NULL};
	static const char *const headers[] = {"RUN",	  "KIND", "STATUS", "STARTED", "SECONDS",
					      "SNAPSHOT", "BY",	  "ERROR",  NULL};
	const char *kind = NULL;
	int64_t limit = WARD_DR_RUNS_DEFAULT, id;
	struct store *s;
	json_t *runs, *run;
	size_t i;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'k': kind = optarg; break;
		case 'l':
			if (parse_int64(optarg, 1, WARD_DR_RUNS_MAX, &limit) < 0)
				return cli_usage_error(cli, "--limit must be between 1 and %d", WARD_DR_RUNS_MAX);
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = plan_arg(cli, argc, argv, &s, NULL, &id)))
		return r;
	if ((r = dr_runs(s, id, kind, (int)limit, &runs)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(runs);
		return EXIT_OK;
	}
	json_array_foreach(runs, i, run)
	{
		char sec[32] = "-", snap[17] = "-";
		if (json_is_real(json_object_get(run, "seconds")))
			snprintf(sec, sizeof(sec), "%.1f", json_real_value(json_object_get(run, "seconds")));
		if (json_is_string(json_object_get(run, "snapshot")))
			snprintf(snap, sizeof(snap), "%s", json_string_value(json_object_get(run, "snapshot")));
		json_object_set_new(run, "seconds", json_string(sec));
		json_object_set_new(run, "snapshot", json_string(snap));
	}
	cli_print_table(runs, keys, headers);
	json_decref(runs);
	return EXIT_OK;
}

int cmd_dr_check(struct cli *cli, int argc, char **argv)
{
	struct dr_sweep_result res;
	struct store *s;
	int sent = 0, failed = 0;
	int r = simple(cli, argc, argv);
	if (r >= 0)
		return r;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = dr_sweep(s, actlog_local_actor(), time_now(), false, &res)) < 0)
		return cli_fail(r);
	/* The alerts go out over the help desk's mail settings, as the server sends them. */
	struct helpdesk_mail_config mc;
	int m = helpdesk_mail_config(s, &mc);
	if (m < 0 && m != -ENOENT) {
		json_decref(res.alerts);
		return cli_fail(m);
	}
	r = dr_alert_send(s, res.alerts, m == 0 ? &mc.smtp : NULL, m == 0 ? mc.from_addr : NULL, &sent, &failed);
	if (m == 0)
		helpdesk_mail_config_free(&mc);
	json_decref(res.alerts);
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:i, s:i, s:i, s:i}", "opened", res.opened, "closed", res.closed, "mailed",
					 sent, "mail_failed", failed));
	else
		printf("RPO check: %d finding%s opened, %d closed; %d alert%s mailed%s\n", res.opened,
		       res.opened == 1 ? "" : "s", res.closed, sent, sent == 1 ? "" : "s",
		       failed ? " (some failed: see 'ward log list --action dr.alert')" : "");
	return EXIT_OK;
}
