/*
 * compliance_cli.c: ward compliance show|upgrades|overdue|history|snapshot|policy:
 * due dates of the fleet's pending upgrades and patch compliance, from the data
 * directory.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog/actlog.h"
#include "commands.h"
#include "compliance/compliance.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "vuln/vuln.h"

/* Options shared by the listing commands. */
struct copts {
	const char *host, *dinfo;
	bool overdue;
	int64_t days;
};

static int copts_parse(struct cli *cli, int argc, char **argv, struct copts *o, bool with_overdue, bool with_days)
{
	static const struct option opts[] = {{"host", required_argument, NULL, 'H'},
					     {"distro-info", required_argument, NULL, 'd'},
					     {"overdue", no_argument, NULL, 'o'},
					     {"days", required_argument, NULL, 'n'},
					     {0, 0, 0, 0}};
	int c;
	o->dinfo = vuln_distro_info_dir();
	o->days = 30;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'H')
			o->host = optarg;
		else if (c == 'd')
			o->dinfo = optarg;
		else if (c == 'o' && with_overdue)
			o->overdue = true;
		else if (c == 'n' && with_days) {
			if (parse_int64(optarg, 1, COMPLIANCE_HISTORY_DAYS_MAX, &o->days) < 0)
				return cli_usage_error(cli, "--days wants 1 to %d", COMPLIANCE_HISTORY_DAYS_MAX);
		} else if (c == 'h')
			return cli_help(cli) == EXIT_OK ? -1 : EXIT_USAGE;
		else {
			if (c != '?')
				cli_usage_error(cli, "option '%s' does not apply here", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	return cli_positionals(cli, argc, argv, 0);
}

static void print_upgrades(const json_t *ups)
{
	static const char *const keys[] = {"host",    "package",	"installed", "candidate", "class",
					   "urgency", "first_seen_day", "due_day",   "state",	  NULL};
	static const char *const headers[] = {"HOST",	 "PACKAGE",    "INSTALLED", "CANDIDATE", "CLASS",
					      "URGENCY", "FIRST SEEN", "DUE",	    "STATE",	 NULL};
	json_t *u;
	size_t i;
	json_array_foreach(ups, i, u)
	{
		char state[48];
		json_int_t left = json_integer_value(json_object_get(u, "days_left"));
		json_object_set_new(u, "first_seen_day",
				    json_stringn(json_string_value(json_object_get(u, "first_seen")), 10));
		json_object_set_new(u, "due_day", json_stringn(json_string_value(json_object_get(u, "due")), 10));
		if (json_is_true(json_object_get(u, "overdue")) && left == 0)
			snprintf(state, sizeof(state), "OVERDUE today");
		else if (json_is_true(json_object_get(u, "overdue")))
			snprintf(state, sizeof(state), "OVERDUE %lld d", (long long)-left);
		else
			snprintf(state, sizeof(state), "due in %lld d", (long long)left);
		json_object_set_new(u, "state", json_string(state));
	}
	cli_print_table(ups, keys, headers);
}

static void print_fleet(const json_t *ev)
{
	const json_t *f = json_object_get(ev, "fleet");
	printf("fleet: %lld of %lld machine(s) compliant (%.0f%%); %lld of %lld pending upgrade(s) overdue (%.0f%% on "
	       "time)\n",
	       (long long)json_integer_value(json_object_get(f, "compliant")),
	       (long long)json_integer_value(json_object_get(f, "machines")),
	       json_real_value(json_object_get(f, "machines_percent")),
	       (long long)json_integer_value(json_object_get(f, "overdue")),
	       (long long)json_integer_value(json_object_get(f, "tracked")),
	       json_real_value(json_object_get(f, "percent")));
}

static int cmd_list(struct cli *cli, int argc, char **argv, bool show, bool overdue)
{
	static const char *const keys[] = {"host", "tracked", "overdue", "pct", "compliant", "eol", NULL};
	static const char *const headers[] = {"HOST", "PENDING", "OVERDUE", "ON TIME", "COMPLIANT", "RELEASE", NULL};
	struct copts o = {0};
	struct store *s;
	json_t *ev, *hv;
	size_t i;
	int r;
	if ((r = copts_parse(cli, argc, argv, &o, !show && !overdue, false)))
		return r < 0 ? EXIT_OK : r;
	if (cli_store(cli, &s) < 0)
		return EXIT_FAIL;
	if ((r = compliance_evaluate(s, o.host, o.dinfo, overdue || o.overdue, time_now(), &ev)) < 0)
		return cli_fail(r);
	if (show)
		json_object_del(ev, "upgrades");
	else
		json_object_del(ev, "hosts");
	if (cli->json) {
		cli_print_json(ev);
		return EXIT_OK;
	}
	if (show) {
		json_array_foreach(json_object_get(ev, "hosts"), i, hv)
		{
			char pct[16];
			snprintf(pct, sizeof(pct), "%.0f%%", json_real_value(json_object_get(hv, "percent")));
			json_object_set_new(hv, "pct", json_string(pct));
		}
		cli_print_table(json_object_get(ev, "hosts"), keys, headers);
		printf("\n");
		print_fleet(ev);
	} else {
		print_upgrades(json_object_get(ev, "upgrades"));
		printf("\n%zu upgrade(s)%s\n", json_array_size(json_object_get(ev, "upgrades")),
		       overdue || o.overdue ? " overdue" : "");
	}
	json_decref(ev);
	return EXIT_OK;
}

int cmd_compliance_show(struct cli *cli, int argc, char **argv)
{
	return cmd_list(cli, argc, argv, true, false);
}

int cmd_compliance_upgrades(struct cli *cli, int argc, char **argv)
{
	return cmd_list(cli, argc, argv, false, false);
}

int cmd_compliance_overdue(struct cli *cli, int argc, char **argv)
{
	return cmd_list(cli, argc, argv, false, true);
}

int cmd_compliance_history(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"day", "machines", "compliant", "tracked", "overdue", "pct", NULL};
	static const char *const headers[] = {"DAY", "MACHINES", "COMPLIANT", "PENDING", "OVERDUE", "ON TIME", NULL};
	struct copts o = {0};
	struct store *s;
	json_t *h, *row;
	size_t i;
	int r;
	if ((r = copts_parse(cli, argc, argv, &o, false, true)))
		return r < 0 ? EXIT_OK : r;
	if (cli_store(cli, &s) < 0)
		return EXIT_FAIL;
	if ((r = compliance_history(s, o.host, o.days, time_now(), &h)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(h);
		return EXIT_OK;
	}
	json_array_foreach(h, i, row)
	{
		char pct[16];
		snprintf(pct, sizeof(pct), "%.0f%%", json_real_value(json_object_get(row, "percent")));
		json_object_set_new(row, "pct", json_string(pct));
	}
	cli_print_table(h, keys, headers);
	json_decref(h);
	return EXIT_OK;
}

int cmd_compliance_snapshot(struct cli *cli, int argc, char **argv)
{
	struct copts o = {0};
	struct store *s;
	json_t *ev;
	int r;
	if ((r = copts_parse(cli, argc, argv, &o, false, false)))
		return r < 0 ? EXIT_OK : r;
	if (o.host)
		return cli_usage_error(cli, "a snapshot covers the whole fleet: no --host");
	if (cli_store(cli, &s) < 0)
		return EXIT_FAIL;
	if ((r = compliance_snapshot(s, actlog_local_actor(), o.dinfo, time_now(), &ev)) < 0)
		return cli_fail(r);
	json_object_del(ev, "upgrades");
	if (cli->json) {
		cli_print_json(ev);
		return EXIT_OK;
	}
	print_fleet(ev);
	json_decref(ev);
	return EXIT_OK;
}

int cmd_compliance_policy(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"security-high", required_argument, NULL, 'H'},
					     {"security", required_argument, NULL, 's'},
					     {"other", required_argument, NULL, 'o'},
					     {0, 0, 0, 0}};
	struct compliance_policy p = {0};
	struct store *s;
	bool set = false;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		int64_t *v = c == 'H' ? &p.security_high : c == 's' ? &p.security : c == 'o' ? &p.other : NULL;
		if (!v)
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
		if (time_parse_duration(optarg, v) < 0 || *v == 0)
			return cli_usage_error(cli, "'%s' is not a duration (use e.g. 7d, 30d, 12w)", optarg);
		set = true;
	}
	if ((r = cli_positionals(cli, argc, argv, 0)))
		return r;
	if (cli_store(cli, &s) < 0)
		return EXIT_FAIL;
	if (set && (r = compliance_policy_set(s, actlog_local_actor(), &p)) < 0)
		return cli_fail(r);
	if ((r = compliance_policy_get(s, &p)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(json_pack("{s:I, s:I, s:I}", "security-high", (json_int_t)p.security_high, "security",
					 (json_int_t)p.security, "other", (json_int_t)p.other));
		return EXIT_OK;
	}
	printf("security fixes of high or critical urgency: due %lld days after first seen\n",
	       (long long)(p.security_high / COMPLIANCE_DAY));
	printf("other security fixes: due %lld days after first seen\n", (long long)(p.security / COMPLIANCE_DAY));
	printf("other upgrades: due %lld days after first seen\n", (long long)(p.other / COMPLIANCE_DAY));
	return EXIT_OK;
}
