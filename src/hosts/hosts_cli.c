/*
 * hosts_cli.c: `ward host ...`: enrollment tokens and the fleet, on the local data
 * directory.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "actlog/actlog.h"
#include "commands.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "hosts/hosts.h"

int cmd_host_enroll_token(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"expires", required_argument, NULL, 'e'},
					     {"uses", required_argument, NULL, 'u'},
					     {0, 0, 0, 0}};
	int64_t ttl = 86400, uses = 1;
	char token[HOSTS_ENROLL_TOKEN_LEN + 1];
	struct store *s;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'e':
			if (time_parse_duration(optarg, &ttl) < 0)
				return cli_usage_error(cli, "%s", err_msg(-EINVAL));
			break;
		case 'u':
			if (parse_int64(optarg, 1, 100000, &uses) < 0)
				return cli_usage_error(cli, "--uses must be between 1 and 100000");
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = hosts_enroll_token_create(s, actlog_local_actor(), ttl, uses, token)) < 0)
		return cli_fail(r);
	char until[TIME_ISO_LEN];
	time_iso(time_now() + ttl, until);
	if (cli->json)
		cli_print_json(json_pack("{s:s, s:s, s:I}", "token", token, "expires_at", until, "uses", (json_int_t)uses));
	else
		printf("%s\n(valid until %s for %lld enrollment%s; on the machine: ward agent enroll --server URL --token TOKEN)\n",
		       token, until, (long long)uses, uses == 1 ? "" : "s");
	sodium_memzero(token, sizeof(token));
	return EXIT_OK;
}

int cmd_host_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"stale", no_argument, NULL, 's'},
					     {"tag", required_argument, NULL, 't'},
					     {"search", required_argument, NULL, 'q'},
					     {0, 0, 0, 0}};
	static const char *const keys[] = {"name", "id", "os", "owner", "packages", "last_report_at", "stale", NULL};
	static const char *const headers[] = {"NAME", "ID", "OS", "OWNER", "PACKAGES", "LAST REPORT", "STALE", NULL};
	struct hosts_filter f = {0};
	struct store *s;
	json_t *hosts;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 's': f.stale_only = true; break;
		case 't': f.tag = optarg; break;
		case 'q': f.search = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = hosts_list(s, &f, &hosts)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(hosts);
		return EXIT_OK;
	}
	cli_print_table(hosts, keys, headers);
	json_decref(hosts);
	return EXIT_OK;
}

/* Parses options (none but --help, or those given) and finds the HOST argument. */
static int host_arg(struct cli *cli, int argc, char **argv, struct store **s, struct host *h)
{
	int r = cli_positionals(cli, argc, argv, 1);
	if (r || (r = cli_store(cli, s)))
		return r;
	if ((r = hosts_get(*s, argv[optind], h)) < 0)
		return cli_fail(r);
	return EXIT_OK;
}

int cmd_host_show(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"name", "id", "os", "kernel", "owner", "location", "tags", "packages",
					   "upgrades", "reboot_required", "restart_services", "enrolled_at",
					   "last_report_at", "interval", "stale", NULL};
	struct store *s;
	struct host h;
	json_t *j;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = host_arg(cli, argc, argv, &s, &h)))
		return r;
	if ((r = hosts_show(s, &h, cli->json, &j)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(j);
		return EXIT_OK;
	}
	json_t *counts = json_object_get(j, "upgrades");
	if (json_is_object(counts)) {
		char text[128];
		snprintf(text, sizeof(text), "%lld (%lld security, %lld kept back)",
			 (long long)json_integer_value(json_object_get(counts, "upgrades")),
			 (long long)json_integer_value(json_object_get(counts, "security")),
			 (long long)json_integer_value(json_object_get(counts, "held")));
		json_object_set_new(j, "upgrades", json_string(text));
	}
	cli_print_fields(j, keys);
	json_decref(j);
	return EXIT_OK;
}

int cmd_host_history(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"since", required_argument, NULL, 's'}, {0, 0, 0, 0}};
	static const char *const keys[] = {"time", "kind", "subject", "old", "new", NULL};
	static const char *const headers[] = {"TIME", "CHANGE", "WHAT", "BEFORE", "AFTER", NULL};
	int64_t since = 0;
	struct store *s;
	struct host h;
	json_t *j;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 's') {
			if (time_parse_since(optarg, time_now(), &since) < 0)
				return cli_usage_error(cli, "%s", err_msg(-EINVAL));
		} else {
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
		}
	}
	if ((r = host_arg(cli, argc, argv, &s, &h)))
		return r;
	if ((r = hosts_history(s, &h, since, 1000, &j)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(j);
		return EXIT_OK;
	}
	cli_print_table(j, keys, headers);
	json_decref(j);
	return EXIT_OK;
}

int cmd_host_set(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"owner", required_argument, NULL, 'o'},
					     {"location", required_argument, NULL, 'l'},
					     {"tag", required_argument, NULL, 't'},
					     {"untag", required_argument, NULL, 'u'},
					     {0, 0, 0, 0}};
	const char *owner = NULL, *location = NULL, *tags[32];
	char untag[32][80];
	int ntags = 0, c, r;
	struct store *s;
	struct host h;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'o': owner = optarg; break;
		case 'l': location = optarg; break;
		case 't':
		case 'u':
			if (ntags == 32)
				return cli_usage_error(cli, "at most 32 tags at once");
			if (c == 'u') {
				snprintf(untag[ntags], sizeof(untag[ntags]), "-%s", optarg);
				tags[ntags] = untag[ntags];
			} else {
				tags[ntags] = optarg;
			}
			ntags++;
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (!owner && !location && !ntags)
		return cli_usage_error(cli, "nothing to set: give --owner, --location, --tag or --untag");
	if ((r = host_arg(cli, argc, argv, &s, &h)))
		return r;
	if ((r = hosts_set(s, actlog_local_actor(), &h, owner, location, tags, ntags)) < 0)
		return cli_fail(r);
	if (!cli->json) {
		printf("updated host '%s'\n", h.name);
		return EXIT_OK;
	}
	json_t *j;
	if ((r = hosts_get(s, h.uid, &h)) < 0 || (r = hosts_show(s, &h, false, &j)) < 0)
		return cli_fail(r);
	cli_print_json(j);
	return EXIT_OK;
}

int cmd_host_remove(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	struct host h;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = host_arg(cli, argc, argv, &s, &h)))
		return r;
	if ((r = hosts_remove(s, actlog_local_actor(), &h)) < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:s, s:b}", "id", h.uid, "removed", 1));
	else
		printf("removed host '%s' (%s) and its history\n", h.name, h.uid);
	return EXIT_OK;
}
