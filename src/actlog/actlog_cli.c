/*
 * actlog_cli.c: `ward log list` and `ward log verify`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "actlog/actlog.h"
#include "commands.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/timeutil.h"

int cmd_log_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"since", required_argument, NULL, 's'},
					     {"actor", required_argument, NULL, 'a'},
					     {"action", required_argument, NULL, 'A'},
					     {"limit", required_argument, NULL, 'n'},
					     {0, 0, 0, 0}};
	static const char *const keys[] = {"id", "time", "actor", "action", "object", "details", NULL};
	static const char *const headers[] = {"ID", "TIME", "ACTOR", "ACTION", "OBJECT", "DETAILS", NULL};
	struct actlog_filter f = {.limit = WARD_LOG_PAGE_DEFAULT};
	struct store *s;
	json_t *entries;
	int64_t next, v;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 's':
			if (time_parse_since(optarg, time_now(), &f.since) < 0)
				return cli_usage_error(cli, "%s", err_msg(-EINVAL));
			break;
		case 'a': f.actor = optarg; break;
		case 'A': f.action = optarg; break;
		case 'n':
			if (parse_int64(optarg, 1, WARD_LOG_PAGE_MAX, &v) < 0)
				return cli_usage_error(cli, "--limit must be between 1 and %d", WARD_LOG_PAGE_MAX);
			f.limit = (int)v;
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = actlog_list(s, &f, &entries, &next)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(entries);
		return EXIT_OK;
	}
	cli_print_table(entries, keys, headers);
	json_decref(entries);
	return EXIT_OK;
}

int cmd_log_verify(struct cli *cli, int argc, char **argv)
{
	struct actlog_verify v;
	struct store *s;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	r = actlog_verify(s, &v);
	if (cli->json) {
		json_t *j = json_pack("{s:b, s:I}", "intact", r == 0, "entries", (json_int_t)v.entries);
		if (r < 0) {
			json_object_set_new(j, "problem", json_string(err_msg(r)));
			json_object_set_new(j, "first_bad_entry", v.bad_id ? json_integer(v.bad_id) : json_null());
		}
		cli_print_json(j);
		if (r < 0)
			fprintf(stderr, "ward: activity log is NOT intact: %s\n", err_msg(r));
		return r < 0 ? EXIT_FAIL : EXIT_OK;
	}
	if (r < 0) {
		fprintf(stderr, "ward: activity log is NOT intact: %s\n", err_msg(r));
		return EXIT_FAIL;
	}
	printf("activity log intact: %lld entries, chain and head file agree\n", (long long)v.entries);
	return EXIT_OK;
}
