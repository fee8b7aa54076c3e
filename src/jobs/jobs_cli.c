/*
 * jobs_cli.c: `ward host run`, `ward host diagnose`, `ward host refresh`, `ward job list`
 * and `ward job show`. Jobs queued here wait in the database; a running server hands
 * them to the host's agent within a second or so.
 */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "actlog/actlog.h"
#include "commands.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "hosts/hosts.h"
#include "jobs/jobs.h"

/* Waits up to seconds for job id to finish; prints it. */
static int wait_and_print(struct cli *cli, struct store *s, int64_t id, int64_t seconds)
{
	json_t *job = NULL;
	int64_t until = time_now() + seconds;
	int r;
	for (;;) {
		json_decref(job);
		job = NULL;
		if ((r = jobs_get(s, id, &job)) < 0)
			return cli_fail(r);
		const char *st = json_string_value(json_object_get(job, "status"));
		if (seconds == 0 || (strcmp(st, "queued") != 0 && strcmp(st, "sent") != 0) || time_now() >= until)
			break;
		usleep(250 * 1000);
	}
	const char *st = json_string_value(json_object_get(job, "status"));
	int code = strcmp(st, "done") == 0 || strcmp(st, "queued") == 0 || strcmp(st, "sent") == 0 ? EXIT_OK : EXIT_FAIL;
	if (cli->json) {
		cli_print_json(job);
		return code;
	}
	printf("job %lld on %s: %s", (long long)id, json_string_value(json_object_get(job, "host")), st);
	json_t *ec = json_object_get(job, "exit_code");
	if (json_is_integer(ec))
		printf(" (exit %lld)", (long long)json_integer_value(ec));
	printf("\n");
	const char *out = json_string_value(json_object_get(job, "output"));
	if (out && *out)
		printf("%s%s", out, out[strlen(out) - 1] == '\n' ? "" : "\n");
	json_t *res = json_object_get(job, "result");
	if (res && !json_is_null(res) && strcmp(json_string_value(json_object_get(job, "kind")), "command") != 0) {
		char *t = json_dumps(res, JSON_INDENT(2));
		if (t)
			printf("%s\n", t);
		free(t);
	}
	json_decref(job);
	return code;
}

static int queue_cmd(struct cli *cli, int argc, char **argv, const char *kind)
{
	static const struct option opts[] = {{"wait", required_argument, NULL, 'w'},
					     {"timeout", required_argument, NULL, 't'},
					     {0, 0, 0, 0}};
	int64_t wait = 0, timeout = 0, id;
	struct store *s;
	struct host h;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'w':
			if (time_parse_duration(optarg, &wait) < 0 || wait > 3600)
				return cli_usage_error(cli, "--wait must be a duration up to 1h");
			break;
		case 't':
			if (time_parse_duration(optarg, &timeout) < 0 || timeout < 1 || timeout > JOBS_TIMEOUT_MAX)
				return cli_usage_error(cli, "--timeout must be between 1s and 1h");
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	bool command = strcmp(kind, "command") == 0;
	if (optind >= argc)
		return cli_usage_error(cli, "missing HOST");
	if (!command && argc - optind > 1)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[optind + 1]);
	if (command && argc - optind < 2)
		return cli_usage_error(cli, "missing the command: ward host run HOST -- COMMAND...");
	if ((r = cli_store(cli, &s)))
		return r;
	if ((r = hosts_get(s, argv[optind], &h)) < 0)
		return cli_fail(r);
	json_t *params = json_object();
	if (command) {
		/* The words after HOST, joined by spaces, are run by /bin/sh on the host. */
		size_t len = 0;
		for (int i = optind + 1; i < argc; i++)
			len += strlen(argv[i]) + 1;
		char *joined = calloc(1, len + 1);
		size_t at = 0;
		for (int i = optind + 1; joined && i < argc; i++) {
			size_t n = strlen(argv[i]);
			memcpy(joined + at, argv[i], n);
			at += n;
			if (i + 1 < argc)
				joined[at++] = ' ';
		}
		json_object_set_new(params, "command", json_string(joined ? joined : ""));
		free(joined);
		if (timeout)
			json_object_set_new(params, "timeout", json_integer(timeout));
	}
	r = jobs_queue(s, actlog_local_actor(), &h, kind, params, &id);
	json_decref(params);
	if (r < 0)
		return cli_fail(r);
	if (!wait && !cli->json)
		printf("queued job %lld for %s; see 'ward job show %lld'\n", (long long)id, h.name, (long long)id);
	if (!wait && !cli->json)
		return EXIT_OK;
	return wait_and_print(cli, s, id, wait);
}

int cmd_host_run(struct cli *cli, int argc, char **argv)
{
	return queue_cmd(cli, argc, argv, "command");
}

int cmd_host_diagnose(struct cli *cli, int argc, char **argv)
{
	return queue_cmd(cli, argc, argv, "diagnostics");
}

int cmd_host_refresh(struct cli *cli, int argc, char **argv)
{
	return queue_cmd(cli, argc, argv, "inventory");
}

int cmd_job_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"host", required_argument, NULL, 'H'}, {0, 0, 0, 0}};
	static const char *const keys[] = {"id", "host", "kind", "status", "exit_code", "requested_by", "created_at", NULL};
	static const char *const headers[] = {"ID", "HOST", "KIND", "STATUS", "EXIT", "BY", "QUEUED", NULL};
	const char *host = NULL;
	struct store *s;
	struct host h;
	json_t *jobs;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'H')
			host = optarg;
		else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if (host && (r = hosts_get(s, host, &h)) < 0)
		return cli_fail(r);
	if ((r = jobs_list(s, host ? &h : NULL, 200, &jobs)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(jobs);
		return EXIT_OK;
	}
	cli_print_table(jobs, keys, headers);
	json_decref(jobs);
	return EXIT_OK;
}

int cmd_job_show(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 1)))
		return r;
	if (parse_int64(argv[optind], 1, INT64_MAX, &id) < 0)
		return cli_usage_error(cli, "job id '%s' is not a number", argv[optind]);
	if ((r = cli_store(cli, &s)))
		return r;
	return wait_and_print(cli, s, id, 0);
}
