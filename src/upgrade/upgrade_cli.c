/*
 * upgrade_cli.c: `ward upgrade plan|list|show|run|cancel`: upgrade plans on the local
 * data directory (the server runs them: its agents do the jobs and their results move
 * the plan ring by ring).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog/actlog.h"
#include "commands.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/timeutil.h"
#include "upgrade/upgrade.h"

static void push(json_t *f, const char *key, json_t *v)
{
	json_t *a = json_object_get(f, key);
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(f, key, a);
	}
	json_array_append_new(a, v);
}

/* "UNIT" or "UNIT:COMMAND" (the command where systemd does not run). */
static json_t *service_test(const char *arg)
{
	const char *colon = strchr(arg, ':');
	if (!colon)
		return json_pack("{s:s, s:s, s:s}", "name", arg, "kind", "service", "unit", arg);
	char unit[256];
	snprintf(unit, sizeof(unit), "%.*s", (int)(colon - arg < 255 ? colon - arg : 255), arg);
	return json_pack("{s:s, s:s, s:s, s:s}", "name", unit, "kind", "service", "unit", unit, "command", colon + 1);
}

/* "URL" or "URL=STATUS". */
static json_t *http_test(const char *arg)
{
	const char *eq = strrchr(arg, '=');
	int64_t status = 200;
	char url[2100];
	if (eq && parse_int64(eq + 1, 100, 599, &status) == 0)
		snprintf(url, sizeof(url), "%.*s", (int)(eq - arg < 2099 ? eq - arg : 2099), arg);
	else
		snprintf(url, sizeof(url), "%s", arg);
	return json_pack("{s:s, s:s, s:s, s:I}", "name", url, "kind", "http", "url", url, "status", (json_int_t)status);
}

/* "HOST:PORT". */
static json_t *tcp_test(const char *arg)
{
	const char *colon = strrchr(arg, ':');
	int64_t port = 0;
	char host[300];
	if (!colon || parse_int64(colon + 1, 1, 65535, &port) < 0)
		return NULL;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - arg < 299 ? colon - arg : 299), arg);
	return json_pack("{s:s, s:s, s:s, s:I}", "name", arg, "kind", "tcp", "host", host, "port", (json_int_t)port);
}

/* "NAME=COMMAND" or "COMMAND" (named by itself). */
static json_t *command_test(const char *arg)
{
	const char *eq = strstr(arg, "=");
	const char *sp = strpbrk(arg, " \t");
	if (eq && eq > arg && (!sp || eq < sp)) {
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg < 127 ? eq - arg : 127), arg);
		return json_pack("{s:s, s:s, s:s}", "name", name, "kind", "command", "command", eq + 1);
	}
	char name[64];
	snprintf(name, sizeof(name), "%.60s", arg);
	return json_pack("{s:s, s:s, s:s}", "name", name, "kind", "command", "command", arg);
}

static const char *const machine_keys[] = {"ring", "host", "status", "changes", "reason", NULL};
static const char *const machine_headers[] = {"RING", "HOST", "STATUS", "VERSIONS", "WHY", NULL};

static void print_plan(const json_t *p)
{
	static const char *const keys[] = {
	    "id",	  "name",     "status",	    "reason",	   "current_ring",     "rings", "created_by",
	    "created_at", "start_at", "in_window", "started_at", "finished_at", "rollback_missing", NULL};
	cli_print_fields(p, keys);
	json_t *rows = json_array(), *m, *pk, *st;
	size_t i, k;
	json_array_foreach(json_object_get(p, "machines"), i, m)
	{
		char changes[1024] = "";
		size_t used = 0;
		json_array_foreach(json_object_get(m, "packages"), k, pk)
		{
			if (used >= sizeof(changes))
				break;
			used +=
			    (size_t)snprintf(changes + used, sizeof(changes) - used, "%s%s %s -> %s%s",
					     used ? ", " : "", json_string_value(json_object_get(pk, "name")),
					     json_string_value(json_object_get(pk, "from")),
					     json_string_value(json_object_get(pk, "to")),
					     json_is_string(json_object_get(pk, "rollback")) ? "" : " (no rollback)");
		}
		json_t *row = json_pack("{s:O, s:O, s:O, s:s, s:O}", "ring", json_object_get(m, "ring"), "host",
					json_object_get(m, "host"), "status", json_object_get(m, "status"), "changes",
					changes, "reason", json_object_get(m, "reason"));
		json_t *w = json_object_get(m, "window");
		if (row && json_is_object(w)) {
			char why[200];
			snprintf(why, sizeof(why), "waits for window %s: %s to %s",
				 json_string_value(json_object_get(w, "name")),
				 json_string_value(json_object_get(w, "start")),
				 json_string_value(json_object_get(w, "end")));
			json_object_set_new(row, "reason", json_string(why));
		} else if (row && w) {
			json_object_set_new(row, "reason", json_string("waits: no maintenance window applies to it"));
		}
		json_array_append_new(rows, row);
	}
	printf("\n");
	cli_print_table(rows, machine_keys, machine_headers);
	json_decref(rows);
	json_array_foreach(json_object_get(p, "machines"), i, m)
	{
		json_t *w;
		json_array_foreach(json_object_get(m, "warnings"), k, w)
		    printf("warning: %s: %s\n", json_string_value(json_object_get(m, "host")), json_string_value(w));
		if (!json_array_size(json_object_get(m, "steps")))
			continue;
		printf("\n%s (ring %lld): %s\n", json_string_value(json_object_get(m, "host")),
		       (long long)json_integer_value(json_object_get(m, "ring")),
		       json_string_value(json_object_get(m, "status")));
		json_array_foreach(json_object_get(m, "steps"), k, st)
		{
			const char *out = json_string_value(json_object_get(st, "output"));
			size_t n = out ? strcspn(out, "\n") : 0;
			printf("  %-8s %-7s %s%s%.*s\n", json_string_value(json_object_get(st, "phase")),
			       json_string_value(json_object_get(st, "status")),
			       json_string_value(json_object_get(st, "name")), n ? ": " : "", (int)(n > 100 ? 100 : n),
			       out ? out : "");
		}
	}
}

int cmd_upgrade_plan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"host", required_argument, NULL, 'H'},
					     {"tag", required_argument, NULL, 'T'},
					     {"all", no_argument, NULL, 'a'},
					     {"pilot", required_argument, NULL, 'p'},
					     {"pilot-tag", required_argument, NULL, 'P'},
					     {"packages", required_argument, NULL, 'k'},
					     {"package", required_argument, NULL, 'K'},
					     {"test-command", required_argument, NULL, 'c'},
					     {"test-service", required_argument, NULL, 's'},
					     {"test-http", required_argument, NULL, 'u'},
					     {"test-tcp", required_argument, NULL, 't'},
					     {"at", required_argument, NULL, 'A'},
					     {"min-free", required_argument, NULL, 'm'},
					     {"allow-no-rollback", no_argument, NULL, 'R'},
					     {"note-title", required_argument, NULL, 'n'},
					     {"note-file", required_argument, NULL, 'N'},
					     {"note-package", required_argument, NULL, 'Q'},
					     {"in-window", no_argument, NULL, 'W'},
					     {0, 0, 0, 0}};
	json_t *f = json_object(), *note = NULL, *t;
	const char *note_file = NULL;
	struct store *s;
	int64_t v, id;
	int c, r = EXIT_USAGE;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'H': push(f, "hosts", json_string(optarg)); break;
		case 'T': push(f, "tags", json_string(optarg)); break;
		case 'a': json_object_set_new(f, "all", json_true()); break;
		case 'p': push(f, "pilot", json_string(optarg)); break;
		case 'P': push(f, "pilot_tags", json_string(optarg)); break;
		case 'k': json_object_set_new(f, "packages", json_string(optarg)); break;
		case 'K':
			if (json_is_string(json_object_get(f, "packages"))) {
				r = cli_usage_error(cli,
						    "give either --packages all|security or --package NAME[=VERSION]");
				goto out;
			}
			push(f, "packages", json_string(optarg));
			break;
		case 'c': push(f, "tests", command_test(optarg)); break;
		case 's': push(f, "tests", service_test(optarg)); break;
		case 'u': push(f, "tests", http_test(optarg)); break;
		case 't':
			if (!(t = tcp_test(optarg))) {
				r = cli_usage_error(cli, "--test-tcp takes HOST:PORT");
				goto out;
			}
			push(f, "tests", t);
			break;
		case 'A': json_object_set_new(f, "start_at", json_string(optarg)); break;
		case 'm':
			if (parse_int64(optarg, 0, 1024 * 1024, &v) < 0) {
				r = cli_usage_error(cli, "--min-free takes MiB, 0 to 1048576");
				goto out;
			}
			json_object_set_new(f, "min_free_mb", json_integer(v));
			break;
		case 'R': json_object_set_new(f, "allow_no_rollback", json_true()); break;
		case 'W': json_object_set_new(f, "in_window", json_true()); break;
		case 'n':
			if (!note)
				note = json_object();
			json_object_set_new(note, "title", json_string(optarg));
			break;
		case 'N': note_file = optarg; break;
		case 'Q':
			if (!note)
				note = json_object();
			json_object_set_new(note, "package", json_string(optarg));
			break;
		case 'h': r = cli_help(cli); goto out;
		default: goto out;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 1)))
		goto out;
	json_object_set_new(f, "name", json_string(argv[optind]));
	if (note_file) {
		char *text = NULL;
		size_t len;
		if ((r = fs_read_file(note_file, UPGRADE_NOTE_MAX, &text, &len)) < 0) {
			r = cli_fail(err_set(r, "cannot read note '%s': %s", note_file, err_msg(r)));
			goto out;
		}
		if (!note)
			note = json_object();
		json_object_set_new(note, "text", json_stringn(text, len));
		free(text);
	}
	if (note)
		json_object_set(f, "note", note);
	if ((r = cli_store(cli, &s)))
		goto out;
	if ((r = upgrade_plan_create(s, actlog_local_actor(), f, time_now(), &id)) < 0) {
		r = cli_fail(r);
		goto out;
	}
	char key[24];
	json_t *p;
	snprintf(key, sizeof(key), "%lld", (long long)id);
	if ((r = upgrade_plan_get(s, key, false, &p)) < 0) {
		r = cli_fail(r);
		goto out;
	}
	if (cli->json) {
		cli_print_json(p);
	} else {
		print_plan(p);
		if (json_integer_value(json_object_get(p, "rollback_missing")))
			printf("\nwarning: %lld old version(s) can no longer be had: the run will be refused unless "
			       "--allow-no-rollback is given\n",
			       (long long)json_integer_value(json_object_get(p, "rollback_missing")));
		json_decref(p);
	}
	r = EXIT_OK;
out:
	json_decref(f);
	json_decref(note);
	return r;
}

int cmd_upgrade_list(struct cli *cli, int argc, char **argv)
{
	static const struct option none[] = {{0, 0, 0, 0}};
	static const char *const keys[] = {"id",	 "name",   "status", "current_ring", "rings", "machines",
					   "created_by", "reason", NULL};
	static const char *const headers[] = {"ID",	  "NAME",	"STATUS", "RING", "RINGS",
					      "MACHINES", "PLANNED BY", "WHY",	  NULL};
	struct store *s;
	json_t *plans;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, none)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = upgrade_plan_list(s, &plans)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(plans);
	} else {
		if (json_array_size(plans))
			cli_print_table(plans, keys, headers);
		else
			printf("no upgrade plans; make one with 'ward upgrade plan'\n");
		json_decref(plans);
	}
	return EXIT_OK;
}

/* The plan of the one positional argument. */
static int plan_arg(struct cli *cli, int argc, char **argv, struct store **s, int64_t *ret_id)
{
	json_t *p;
	int r = cli_positionals(cli, argc, argv, 1);
	if (r || (r = cli_store(cli, s)))
		return r;
	if ((r = upgrade_plan_get(*s, argv[optind], false, &p)) < 0)
		return cli_fail(r);
	*ret_id = json_integer_value(json_object_get(p, "id"));
	json_decref(p);
	return EXIT_OK;
}

static int show(struct cli *cli, struct store *s, int64_t id)
{
	char key[24];
	json_t *p;
	snprintf(key, sizeof(key), "%lld", (long long)id);
	int r = upgrade_plan_get(s, key, true, &p);
	if (r < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(p);
	} else {
		print_plan(p);
		json_decref(p);
	}
	return EXIT_OK;
}

int cmd_upgrade_show(struct cli *cli, int argc, char **argv)
{
	static const struct option none[] = {{0, 0, 0, 0}};
	struct store *s;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, none)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = plan_arg(cli, argc, argv, &s, &id)))
		return r;
	return show(cli, s, id);
}

int cmd_upgrade_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"allow-no-rollback", no_argument, NULL, 'R'}, {0, 0, 0, 0}};
	struct store *s;
	bool allow = false;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'R': allow = true; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = plan_arg(cli, argc, argv, &s, &id)))
		return r;
	if ((r = upgrade_run(s, actlog_local_actor(), id, allow, time_now())) < 0)
		return cli_fail(r);
	return show(cli, s, id);
}

int cmd_upgrade_cancel(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"reason", required_argument, NULL, 'r'}, {0, 0, 0, 0}};
	const char *reason = NULL;
	struct store *s;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r': reason = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = plan_arg(cli, argc, argv, &s, &id)))
		return r;
	if ((r = upgrade_cancel(s, actlog_local_actor(), id, reason, time_now())) < 0)
		return cli_fail(r);
	return show(cli, s, id);
}
