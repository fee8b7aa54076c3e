/*
 * maint_cli.c: `ward window add|edit|list|show|remove`: maintenance windows on the
 * local data directory, acting as the local admin.
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
#include "maint/maint.h"

static void push(json_t *f, const char *key, const char *v)
{
	json_t *a = json_object_get(f, key);
	if (!json_is_array(a))
		json_object_set_new(f, key, a = json_array());
	json_array_append_new(a, json_string(v));
}

/* "sat,sun" into ["sat", "sun"]. */
static void split_days(json_t *f, const char *text)
{
	char *copy = strdup(text), *save = NULL;
	json_object_set_new(f, "days", json_array());
	for (char *d = copy ? strtok_r(copy, ",", &save) : NULL; d; d = strtok_r(NULL, ",", &save))
		push(f, "days", d);
	free(copy);
}

static const struct option window_opts[] = {{"days", required_argument, NULL, 'd'},
					    {"start", required_argument, NULL, 's'},
					    {"duration", required_argument, NULL, 'D'},
					    {"timezone", required_argument, NULL, 'z'},
					    {"description", required_argument, NULL, 'm'},
					    {"host", required_argument, NULL, 'H'},
					    {"tag", required_argument, NULL, 't'},
					    {"all", no_argument, NULL, 'a'},
					    {"rename", required_argument, NULL, 'r'},
					    {0, 0, 0, 0}};

/* The options of add and edit into fields; EXIT_OK or an exit code. */
static int window_options(struct cli *cli, int argc, char **argv, json_t *f)
{
	int64_t secs;
	int c;
	while ((c = cli_getopt(cli, argc, argv, window_opts)) != -1) {
		switch (c) {
		case 'd': split_days(f, optarg); break;
		case 's': json_object_set_new(f, "start", json_string(optarg)); break;
		case 'D':
			if (time_parse_duration(optarg, &secs) < 0 || secs < 60 || secs % 60)
				return cli_usage_error(cli, "--duration takes whole minutes: 90m, 3h, 1d");
			json_object_set_new(f, "duration_minutes", json_integer(secs / 60));
			break;
		case 'z': json_object_set_new(f, "timezone", json_string(optarg)); break;
		case 'm': json_object_set_new(f, "description", json_string(optarg)); break;
		case 'H': push(f, "hosts", optarg); break;
		case 't': push(f, "tags", optarg); break;
		case 'a': json_object_set_new(f, "all", json_true()); break;
		case 'r': json_object_set_new(f, "name", json_string(optarg)); break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	return cli_positionals(cli, argc, argv, 1);
}

/* Adds "when" ("sat,sun 02:00 for 180 min (Europe/Berlin)"), "for" ("hosts a,b;
 * tags web") and "next_start" to a window, for tables. */
static void describe(json_t *w)
{
	static const char *const keys[] = {"hosts", "tags"};
	char *text = NULL;
	size_t len = 0, i;
	json_t *v;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	json_array_foreach(json_object_get(w, "days"), i, v) fprintf(f, "%s%s", i ? "," : "", json_string_value(v));
	fflush(f);
	static const char *const short_names[][2] = {
	    {"mon,tue,wed,thu,fri,sat,sun", "daily"}, {"mon,tue,wed,thu,fri", "weekdays"}, {"sat,sun", "weekend"}};
	for (size_t k = 0; k < 3; k++)
		if (strcmp(text, short_names[k][0]) == 0) {
			rewind(f);
			fprintf(f, "%s", short_names[k][1]);
		}
	fprintf(f, " %s for %lld min (%s)", json_string_value(json_object_get(w, "start")),
		(long long)json_integer_value(json_object_get(w, "duration_minutes")),
		json_string_value(json_object_get(w, "timezone")));
	fflush(f);
	json_object_set_new(w, "when", json_string(text));
	rewind(f);
	bool any = json_is_true(json_object_get(w, "all"));
	if (any)
		fprintf(f, "all machines");
	for (int k = 0; k < 2; k++) {
		if (!json_array_size(json_object_get(w, keys[k])))
			continue;
		fprintf(f, "%s%s ", any ? "; " : "", keys[k]);
		json_array_foreach(json_object_get(w, keys[k]), i, v) fprintf(f, "%s%s", i ? "," : "", json_string_value(v));
		any = true;
	}
	fputc('\0', f);
	fclose(f);
	json_object_set_new(w, "for", json_string(text));
	free(text);
	json_t *next = json_array_get(json_object_get(w, "next"), 0);
	json_object_set(w, "next_start", json_object_get(next, "start") ?: json_null());
}

static void print_window(const struct cli *cli, json_t *w)
{
	static const char *const keys[] = {"name", "description", "when", "for", "open", "machines", "created_by",
					   "updated_at", NULL};
	if (cli->json) {
		cli_print_json(w);
		return;
	}
	describe(w);
	cli_print_fields(w, keys);
	json_t *o;
	size_t i;
	printf("next:\n");
	json_array_foreach(json_object_get(w, "next"), i, o)
	    printf("  %s to %s\n", json_string_value(json_object_get(o, "start")),
		   json_string_value(json_object_get(o, "end")));
	json_decref(w);
}

int cmd_window_add(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	json_t *f = json_object(), *w;
	int r = window_options(cli, argc, argv, f);
	if (r || (r = cli_store(cli, &s))) {
		json_decref(f);
		return r;
	}
	json_object_set_new(f, "name", json_string(argv[optind]));
	r = maint_window_add(s, actlog_local_actor(), f, time_now(), &w);
	json_decref(f);
	if (r < 0)
		return cli_fail(r);
	print_window(cli, w);
	return EXIT_OK;
}

int cmd_window_edit(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	json_t *f = json_object(), *w;
	int r = window_options(cli, argc, argv, f);
	if (r || (r = cli_store(cli, &s))) {
		json_decref(f);
		return r;
	}
	/* --host, --tag and --all say the whole of the machines: what is not given is cleared */
	if (json_object_get(f, "hosts") || json_object_get(f, "tags") || json_object_get(f, "all")) {
		static const char *const lists[] = {"hosts", "tags"};
		for (int k = 0; k < 2; k++)
			if (!json_object_get(f, lists[k]))
				json_object_set_new(f, lists[k], json_array());
		if (!json_object_get(f, "all"))
			json_object_set_new(f, "all", json_false());
	}
	r = maint_window_edit(s, actlog_local_actor(), argv[optind], f, time_now(), &w);
	json_decref(f);
	if (r < 0)
		return cli_fail(r);
	print_window(cli, w);
	return EXIT_OK;
}

int cmd_window_list(struct cli *cli, int argc, char **argv)
{
	static const struct option none[] = {{0, 0, 0, 0}};
	static const char *const keys[] = {"name", "when", "for", "open", "next_start", NULL};
	static const char *const headers[] = {"NAME", "WHEN", "FOR", "OPEN", "NEXT", NULL};
	struct store *s;
	json_t *list, *w;
	size_t i;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, none)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = maint_window_list(s, time_now(), &list)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(list);
		return EXIT_OK;
	}
	json_array_foreach(list, i, w) describe(w);
	if (json_array_size(list))
		cli_print_table(list, keys, headers);
	else
		printf("no maintenance windows; add one with 'ward window add'\n");
	json_decref(list);
	return EXIT_OK;
}

int cmd_window_show(struct cli *cli, int argc, char **argv)
{
	static const struct option none[] = {{0, 0, 0, 0}};
	struct store *s;
	json_t *w;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, none)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 1)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = maint_window_get(s, argv[optind], time_now(), &w)) < 0)
		return cli_fail(r);
	print_window(cli, w);
	return EXIT_OK;
}

int cmd_window_remove(struct cli *cli, int argc, char **argv)
{
	static const struct option none[] = {{0, 0, 0, 0}};
	struct store *s;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, none)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 1)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = maint_window_remove(s, actlog_local_actor(), argv[optind])) < 0)
		return cli_fail(r);
	printf("removed maintenance window %s\n", argv[optind]);
	return EXIT_OK;
}
