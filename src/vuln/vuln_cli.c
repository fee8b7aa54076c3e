/*
 * vuln_cli.c: ward vuln import|feeds|check|list|show: feeds into the data directory,
 * and the vulnerable packages of this machine (no server involved) or of the fleet.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actlog/actlog.h"
#include "commands.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "inventory/inventory.h"
#include "software/upgrades.h"
#include "vuln/vuln.h"

#define VULN_DISTRO_INFO "/usr/share/distro-info"

static const char *const finding_keys[] = {"source", "version", "cve",		 "status", "urgency",
					   "scope",  "fixed",	"upgrade_fixes", NULL};
static const char *const finding_headers[] = {"SOURCE", "INSTALLED", "ISSUE",	      "STATUS", "URGENCY",
					      "SCOPE",	"FIXED IN",  "UPGRADE FIXES", NULL};

static int no_data(struct store *s)
{
	json_t *feeds = NULL;
	int r = vuln_feeds(s, &feeds);
	if (r == 0 && json_array_size(feeds) == 0)
		r = err_set(-ENODATA, "no vulnerability data imported: run 'ward vuln import FILE' first");
	json_decref(feeds);
	return r;
}

int cmd_vuln_import(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"feed", required_argument, NULL, 'n'}, {0, 0, 0, 0}};
	const char *format = NULL, *feed = NULL;
	struct store *s;
	json_t *res = NULL;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'n')
			feed = optarg;
		else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if ((r = cli_positionals(cli, argc, argv, 1)))
		return r;
	if ((r = cli_store(cli, &s)) < 0)
		return EXIT_FAIL;
	if ((r = vuln_import(s, actlog_local_actor(), argv[optind], format, feed, &res)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(res);
		return EXIT_OK;
	}
	printf("imported %lld issue(s), %lld entries into feed '%s' (%s) in %.1f s",
	       (long long)json_integer_value(json_object_get(res, "issues")),
	       (long long)json_integer_value(json_object_get(res, "entries")),
	       json_string_value(json_object_get(res, "feed")), json_string_value(json_object_get(res, "format")),
	       json_real_value(json_object_get(res, "seconds")));
	if (json_integer_value(json_object_get(res, "skipped")))
		printf("; %lld other package(s) or range(s) skipped",
		       (long long)json_integer_value(json_object_get(res, "skipped")));
	printf("\n");
	json_decref(res);
	return EXIT_OK;
}

static int feeds_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"feed", required_argument, NULL, 'n'},
					     {"every", required_argument, NULL, 'e'},
					     {0, 0, 0, 0}};
	const char *format = NULL, *feed = NULL;
	int64_t every = 0;
	struct store *s;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'n')
			feed = optarg;
		else if (c == 'e') {
			if (time_parse_duration(optarg, &every) < 0 || every <= 0)
				return cli_usage_error(cli, "--every wants a duration such as 6h or 1d, not '%s'", optarg);
		} else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if ((r = cli_positionals(cli, argc, argv, 1)))
		return r;
	if (cli_store(cli, &s) < 0)
		return EXIT_FAIL;
	if ((r = vuln_source_add(s, actlog_local_actor(), argv[optind], format, feed, every, time_now())) < 0)
		return cli_fail(r);
	if (!cli->json)
		printf("feed '%s' will be fetched from %s by ward serve\n",
		       feed ? feed : format && strcmp(format, "osv") == 0 ? "osv" : "debian-tracker", argv[optind]);
	return EXIT_OK;
}

static int feeds_remove(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	int r;
	while ((r = cli_getopt(cli, argc, argv, NULL)) != -1)
		return r == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 1)))
		return r;
	if (cli_store(cli, &s) < 0)
		return EXIT_FAIL;
	if ((r = vuln_source_remove(s, actlog_local_actor(), argv[optind])) < 0)
		return cli_fail(r);
	return EXIT_OK;
}

static int feeds_refresh(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'F'}, {0, 0, 0, 0}};
	static const char *const keys[] = {"feed", "result", "issues", "entries", "error", NULL};
	static const char *const headers[] = {"FEED", "RESULT", "ISSUES", "ENTRIES", "ERROR", NULL};
	bool force = false;
	struct store *s;
	json_t *res = NULL, *f;
	size_t i;
	int c, r, rc = EXIT_OK;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'F')
			force = true;
		else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if (argc - optind > 1)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[optind + 1]);
	if (cli_store(cli, &s) < 0)
		return EXIT_FAIL;
	const char *feed = optind < argc ? argv[optind] : NULL;
	/* Naming a feed fetches it now: that is why one names it. */
	if ((r = vuln_sources_refresh(s, actlog_local_actor(), feed, force || feed, time_now(), &res)) < 0)
		return cli_fail(r);
	json_array_foreach(res, i, f) if (strcmp(json_string_value(json_object_get(f, "result")), "failed") == 0)
	{
		fprintf(stderr, "ward: feed '%s': %s\n", json_string_value(json_object_get(f, "feed")),
			json_string_value(json_object_get(f, "error")));
		rc = EXIT_FAIL;
	}
	if (cli->json)
		cli_print_json(res);
	else {
		cli_print_table(res, keys, headers);
		json_decref(res);
	}
	return rc;
}

int cmd_vuln_feeds(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"feed", "format", "issues", "entries", "imported", "origin", "checked",
					   "error", NULL};
	static const char *const headers[] = {"FEED", "FORMAT", "ISSUES", "ENTRIES", "IMPORTED", "FROM", "CHECKED",
					      "LAST ERROR", NULL};
	struct store *s;
	json_t *feeds;
	size_t i;
	json_t *f;
	int r;
	if (argc > 1 && strcmp(argv[1], "add") == 0)
		return feeds_add(cli, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "remove") == 0)
		return feeds_remove(cli, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "refresh") == 0)
		return feeds_refresh(cli, argc - 1, argv + 1);
	while ((r = cli_getopt(cli, argc, argv, NULL)) != -1)
		return r == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)))
		return r;
	if ((r = cli_store(cli, &s)) < 0)
		return EXIT_FAIL;
	if ((r = vuln_feeds(s, &feeds)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(feeds);
		return EXIT_OK;
	}
	json_array_foreach(feeds, i, f)
	{
		static const char *const times[][2] = {{"imported_at", "imported"}, {"checked_at", "checked"}};
		for (size_t k = 0; k < 2; k++) {
			char when[32] = "-";
			json_t *v = json_object_get(f, times[k][0]);
			if (json_is_integer(v)) {
				time_t t = (time_t)json_integer_value(v);
				struct tm tm;
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M", gmtime_r(&t, &tm));
			}
			json_object_set_new(f, times[k][1], json_string(when));
		}
		json_t *url = json_object_get(f, "url");
		if (json_is_string(url)) {
			char from[VULN_FETCH_URL_MAX + 64];
			long long every = (long long)json_integer_value(json_object_get(f, "every"));
			snprintf(from, sizeof(from), "%s (every %lld%s)", json_string_value(url),
				 every % 3600 ? every / 60 : every / 3600, every % 3600 ? "m" : "h");
			json_object_set_new(f, "origin", json_string(from));
		}
	}
	cli_print_table(feeds, keys, headers);
	json_decref(feeds);
	return EXIT_OK;
}

static void print_counts(const json_t *res)
{
	const json_t *c = json_object_get(res, "counts");
	printf("%lld fixed-available, %lld unfixed, %lld will-not-fix, %lld end-of-life\n",
	       (long long)json_integer_value(json_object_get(c, "fixed-available")),
	       (long long)json_integer_value(json_object_get(c, "unfixed")),
	       (long long)json_integer_value(json_object_get(c, "will-not-fix")),
	       (long long)json_integer_value(json_object_get(c, "end-of-life")));
}

/* Runs the collector named section below ctx's root; NULL (with a warning) on failure. */
static json_t *collect(struct inv_ctx *ctx, const char *section)
{
	for (const struct inv_collector *c = inventory_collectors; c->section; c++) {
		json_t *v = NULL;
		if (strcmp(c->section, section) == 0)
			return c->fn(ctx, &v) == 0 ? v : NULL;
	}
	return NULL;
}

int cmd_vuln_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"root", required_argument, NULL, 'r'},
					     {"distro-info", required_argument, NULL, 'd'},
					     {"urgency", required_argument, NULL, 'u'},
					     {"status", required_argument, NULL, 's'},
					     {0, 0, 0, 0}};
	const char *root = "/", *dinfo = NULL, *urgency = NULL, *status = NULL;
	char dbuf[4200];
	enum vuln_status st;
	struct store *s;
	json_t *sys = NULL, *pk = NULL, *up = NULL, *res = NULL, *eol = NULL, *warnings = json_array(), *w;
	int c, r, rc = EXIT_FAIL;
	size_t i;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'r')
			root = optarg;
		else if (c == 'd')
			dinfo = optarg;
		else if (c == 'u')
			urgency = optarg;
		else if (c == 's')
			status = optarg;
		else {
			json_decref(warnings);
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0))) {
		json_decref(warnings);
		return r;
	}
	if (status && vuln_status_parse(status, &st) < 0) {
		json_decref(warnings);
		return cli_usage_error(cli, "%s", err_msg(-EINVAL));
	}
	if (cli_store(cli, &s) < 0) {
		json_decref(warnings);
		return EXIT_FAIL;
	}
	if ((r = no_data(s)) < 0) {
		rc = cli_fail(r);
		goto out;
	}
	struct inv_ctx ctx = {.root = root, .live = strcmp(root, "/") == 0, .warnings = warnings};
	sys = collect(&ctx, "system");
	pk = collect(&ctx, "packages");
	up = collect(&ctx, "upgrades");
	/* The system collector's other facts (uptime, kernel) do not matter here. */
	json_array_foreach(warnings, i, w)
	{
		const char *sec = json_string_value(json_object_get(w, "section"));
		const char *msg = json_string_value(json_object_get(w, "message"));
		if (strcmp(sec ?: "", "system") != 0 || strstr(msg ?: "", "os-release"))
			fprintf(stderr, "ward: warning: %s: %s\n", sec ?: "?", msg ?: "?");
	}
	if (!pk) {
		rc = cli_fail(err_set(-ENOENT, "cannot read the packages installed below '%s'", root));
		goto out;
	}
	json_t *os = json_object_get(sys, "os");
	if ((r = vuln_match_machine(s, pk, os, up, &res)) < 0) {
		rc = cli_fail(r);
		goto out;
	}
	vuln_filter_findings(res, NULL, urgency, status);
	/* distro-info: the root's own, else this machine's. */
	if (!dinfo) {
		snprintf(dbuf, sizeof(dbuf), "%s/usr/share/distro-info/debian.csv", strcmp(root, "/") ? root : "");
		dinfo = access(dbuf, R_OK) == 0 ? (dbuf[strlen(dbuf) - strlen("/debian.csv")] = '\0', dbuf)
						: VULN_DISTRO_INFO;
	}
	const char *id = json_string_value(json_object_get(os, "id"));
	if (vuln_eol(dinfo, id, json_string_value(json_object_get(os, "version_id")),
		     json_string_value(json_object_get(os, "codename")), (int64_t)time(NULL), &eol) < 0) {
		fprintf(stderr, "ward: warning: no end-of-life date: %s\n", err_msg(-ENOENT));
		eol = NULL;
	}
	json_object_set_new(res, "eol", eol ? eol : json_null());
	json_object_set_new(res, "os", json_string(json_string_value(json_object_get(os, "pretty_name")) ?: ""));
	if (cli->json) {
		cli_print_json(res);
		res = NULL;
		rc = EXIT_OK;
		goto out;
	}
	printf("%s", json_string_value(json_object_get(res, "os")));
	if (eol)
		printf(": %s", json_string_value(json_object_get(eol, "message")));
	printf("\n");
	if (json_array_size(json_object_get(res, "findings"))) {
		printf("\n");
		cli_print_table(json_object_get(res, "findings"), finding_keys, finding_headers);
		printf("\n");
	}
	print_counts(res);
	rc = EXIT_OK;
out:
	json_decref(sys);
	json_decref(pk);
	json_decref(up);
	json_decref(res);
	json_decref(warnings);
	return rc;
}

/* What ward vuln list prints as each host is matched. */
struct list_out {
	const struct cli *cli;
	const char *cve, *urgency, *status;
	bool summary;
	size_t hosts, findings;
	json_t *eol_lines; /* "host: message" for hosts not supported, printed last */
	json_t *summary_rows;
};

static int list_host(void *arg, json_t *h)
{
	static const char *const keys[] = {"host",    "source", "version", "cve",	    "status",
					   "urgency", "scope",	"fixed",   "upgrade_fixes", NULL};
	static const char *const headers[] = {"HOST",	 "SOURCE", "INSTALLED", "ISSUE",	 "STATUS",
					      "URGENCY", "SCOPE",  "FIXED IN",	"UPGRADE FIXES", NULL};
	struct list_out *o = arg;
	json_t *findings, *f, *eol = json_object_get(h, "eol");
	const char *name = json_string_value(json_object_get(h, "host"));
	const char *es = json_string_value(json_object_get(eol, "status"));
	size_t i;
	vuln_filter_findings(h, o->cve, o->urgency, o->status);
	findings = json_object_get(h, "findings");
	if (o->cve && json_array_size(findings) == 0)
		return 0; /* --cve: only the hosts it concerns */
	if (json_is_array(findings)) {
		o->findings += json_array_size(findings);
	} else { /* counts only */
		static const char *const st[] = {"fixed-available", "unfixed", "will-not-fix", "end-of-life"};
		for (size_t k = 0; k < 4; k++)
			o->findings += (size_t)json_integer_value(json_object_get(json_object_get(h, "counts"), st[k]));
	}
	if (o->cli->json) {
		if (o->summary)
			json_object_del(h, "findings");
		char *text = json_dumps(h, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (!text)
			return -ENOMEM;
		printf("%s%s", o->hosts++ ? ",\n" : "[\n", text);
		free(text);
		return 0;
	}
	o->hosts++;
	if (es && strcmp(es, "supported") != 0) {
		char line[1024];
		snprintf(line, sizeof(line), "%s: %s", name, json_string_value(json_object_get(eol, "message")));
		json_array_append_new(o->eol_lines, json_string(line));
	}
	if (o->summary) {
		json_t *c = json_object_get(h, "counts"), *row;
		json_int_t fixes = json_integer_value(json_object_get(c, "upgrade-fixes"));
		row = json_pack("{s:s, s:O, s:O, s:O, s:O, s:I, s:s}", "host", name, "fixed",
				json_object_get(c, "fixed-available"), "unfixed", json_object_get(c, "unfixed"),
				"wontfix", json_object_get(c, "will-not-fix"), "eol", json_object_get(c, "end-of-life"),
				"upgrade", fixes, "support", es ? es : "unknown");
		return row ? json_array_append_new(o->summary_rows, row) : -ENOMEM;
	}
	if (json_array_size(findings) == 0)
		return 0;
	json_array_foreach(findings, i, f) json_object_set(f, "host", json_object_get(h, "host"));
	if (o->hosts > 1)
		printf("\n");
	cli_print_table(findings, keys, headers);
	fflush(stdout);
	return 0;
}

int cmd_vuln_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"host", required_argument, NULL, 'H'},
					     {"cve", required_argument, NULL, 'c'},
					     {"urgency", required_argument, NULL, 'u'},
					     {"status", required_argument, NULL, 's'},
					     {"distro-info", required_argument, NULL, 'd'},
					     {"summary", no_argument, NULL, 'S'},
					     {0, 0, 0, 0}};
	const char *host = NULL, *dinfo = VULN_DISTRO_INFO;
	struct list_out o = {.cli = cli};
	enum vuln_status st;
	struct store *s;
	size_t i;
	json_t *v;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'H')
			host = optarg;
		else if (c == 'c')
			o.cve = optarg;
		else if (c == 'u')
			o.urgency = optarg;
		else if (c == 's')
			o.status = optarg;
		else if (c == 'd')
			dinfo = optarg;
		else if (c == 'S')
			o.summary = true;
		else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if ((r = cli_positionals(cli, argc, argv, 0)))
		return r;
	if (o.status && vuln_status_parse(o.status, &st) < 0)
		return cli_usage_error(cli, "%s", err_msg(-EINVAL));
	if (cli_store(cli, &s) < 0)
		return EXIT_FAIL;
	if ((r = no_data(s)) < 0)
		return cli_fail(r);
	if (!(o.eol_lines = json_array()) || !(o.summary_rows = json_array())) {
		json_decref(o.eol_lines);
		return cli_fail(-ENOMEM);
	}
	/* --summary alone needs no finding, only counts */
	bool counts_only = o.summary && !o.cve && !o.urgency && !o.status;
	r = vuln_match_fleet(s, host, dinfo, (int64_t)time(NULL), counts_only, list_host, &o);
	if (cli->json) {
		/* the array is closed even after a failure, so what was printed parses */
		printf("%s", o.hosts ? "\n]\n" : r < 0 ? "" : "[]\n");
	} else if (r == 0) {
		if (o.summary) {
			static const char *const keys[] = {"host",    "fixed", "upgrade", "unfixed",
							   "wontfix", "eol",   "support", NULL};
			static const char *const headers[] = {
			    "HOST",	    "FIXED-AVAILABLE", "UPGRADE FIXES",	  "UNFIXED",
			    "WILL-NOT-FIX", "END-OF-LIFE",     "RELEASE SUPPORT", NULL};
			cli_print_table(o.summary_rows, keys, headers);
		}
		printf("\n%zu finding(s) on %zu host(s)\n", o.findings, o.hosts);
		json_array_foreach(o.eol_lines, i, v) printf("%s\n", json_string_value(v));
	}
	json_decref(o.eol_lines);
	json_decref(o.summary_rows);
	return r < 0 ? cli_fail(r) : EXIT_OK;
}

int cmd_vuln_show(struct cli *cli, int argc, char **argv)
{
	static const char *const fields[] = {"cve", "scope", "debianbug", "description", NULL};
	static const char *const keys[] = {"source",  "release",      "status", "fixed",
					   "urgency", "nodsa_reason", "feed",	NULL};
	static const char *const headers[] = {"SOURCE",	 "RELEASE", "STATUS", "FIXED",
					      "URGENCY", "NO-DSA",  "FEED",   NULL};
	struct store *s;
	json_t *res;
	int r;
	while ((r = cli_getopt(cli, argc, argv, NULL)) != -1)
		return r == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 1)))
		return r;
	if (cli_store(cli, &s) < 0)
		return EXIT_FAIL;
	if ((r = vuln_show(s, argv[optind], &res)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(res);
		return EXIT_OK;
	}
	cli_print_fields(res, fields);
	printf("\n");
	cli_print_table(json_object_get(res, "entries"), keys, headers);
	json_decref(res);
	return EXIT_OK;
}
