/*
 * catalog_cli.c: `ward catalog ...` (the catalogue of approved software) and `ward
 * request ...` (software requests: file, list, approve, reject) on the local data
 * directory, acting as the local admin.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "commands.h"
#include "core/err.h"
#include "core/timeutil.h"

/* --- items --- */

/* "all", "role:ROLE" or "users:A,B" into the fields' allow, allow_role, allow_users. */
static int parse_allow(json_t *f, const char *text)
{
	if (strcmp(text, "all") == 0)
		return json_object_set_new(f, "allow", json_string("all")), 0;
	if (strncmp(text, "role:", 5) == 0) {
		json_object_set_new(f, "allow", json_string("role"));
		json_object_set_new(f, "allow_role", json_string(text + 5));
		return 0;
	}
	if (strncmp(text, "users:", 6) == 0) {
		json_t *users = json_array();
		char *copy = strdup(text + 6), *save = NULL;
		if (!copy || !users) {
			free(copy);
			json_decref(users);
			return -ENOMEM;
		}
		for (char *u = strtok_r(copy, ",", &save); u; u = strtok_r(NULL, ",", &save))
			json_array_append_new(users, json_string(u));
		free(copy);
		json_object_set_new(f, "allow", json_string("users"));
		json_object_set_new(f, "allow_users", users);
		return 0;
	}
	return err_set(-EINVAL, "--allow is all, role:ROLE or users:NAME,NAME...");
}

static const struct option item_opts[] = {{"description", required_argument, NULL, 'd'},
					  {"package", required_argument, NULL, 'p'},
					  {"allow", required_argument, NULL, 'a'},
					  {"approval", no_argument, NULL, 'A'},
					  {"no-approval", no_argument, NULL, 'N'},
					  {"approver", required_argument, NULL, 'r'},
					  {0, 0, 0, 0}};

/* The options of add and edit into fields; EXIT_OK or an exit code. */
static int item_options(struct cli *cli, int argc, char **argv, json_t *f)
{
	json_t *packages = NULL;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, item_opts)) != -1) {
		switch (c) {
		case 'd': json_object_set_new(f, "description", json_string(optarg)); break;
		case 'p':
			if (!packages)
				json_object_set_new(f, "packages", packages = json_array());
			json_array_append_new(packages, json_string(optarg));
			break;
		case 'a':
			if ((r = parse_allow(f, optarg)) < 0)
				return cli_usage_error(cli, "%s", err_msg(r));
			break;
		case 'A': json_object_set_new(f, "approval", json_true()); break;
		case 'N': json_object_set_new(f, "approval", json_false()); break;
		case 'r': json_object_set_new(f, "approver_role", json_string(optarg)); break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	return cli_positionals(cli, argc, argv, 1);
}

static void print_item(const struct cli *cli, json_t *item)
{
	static const char *const keys[] = {"name",	 "description", "packages", "allow",
					   "allow_role", "allow_users", "approval", "approver_role",
					   "created_by", "updated_at",	NULL};
	if (cli->json) {
		cli_print_json(item);
		return;
	}
	cli_print_fields(item, keys);
	json_decref(item);
}

int cmd_catalog_add(struct cli *cli, int argc, char **argv)
{
	struct actor a = helpdesk_local_actor();
	struct store *s;
	json_t *f = json_object(), *item;
	int r = item_options(cli, argc, argv, f);
	if (r || (r = cli_store(cli, &s))) {
		json_decref(f);
		return r;
	}
	json_object_set_new(f, "name", json_string(argv[optind]));
	r = catalog_item_add(s, &a, f, &item);
	json_decref(f);
	if (r < 0)
		return cli_fail(r);
	print_item(cli, item);
	return EXIT_OK;
}

int cmd_catalog_edit(struct cli *cli, int argc, char **argv)
{
	struct actor a = helpdesk_local_actor();
	struct store *s;
	json_t *f = json_object(), *item;
	int r = item_options(cli, argc, argv, f);
	if (r || (r = cli_store(cli, &s))) {
		json_decref(f);
		return r;
	}
	r = catalog_item_edit(s, &a, argv[optind], f, &item);
	json_decref(f);
	if (r < 0)
		return cli_fail(r);
	print_item(cli, item);
	return EXIT_OK;
}

int cmd_catalog_show(struct cli *cli, int argc, char **argv)
{
	struct actor a = helpdesk_local_actor();
	struct store *s;
	json_t *item;
	int r;
	if ((r = cli_getopt(cli, argc, argv, item_opts + 6)) != -1)
		return r == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 1)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = catalog_item_get(s, &a, argv[optind], &item)) < 0)
		return cli_fail(r);
	print_item(cli, item);
	return EXIT_OK;
}

int cmd_catalog_remove(struct cli *cli, int argc, char **argv)
{
	struct actor a = helpdesk_local_actor();
	struct store *s;
	int r;
	if ((r = cli_getopt(cli, argc, argv, item_opts + 6)) != -1)
		return r == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 1)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = catalog_item_remove(s, &a, argv[optind])) < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:s}", "removed", argv[optind]));
	else
		printf("removed '%s' from the catalogue; its past requests keep naming it\n", argv[optind]);
	return EXIT_OK;
}

/* "pkg=1.0, other" for tables. */
static void packages_column(json_t *rows)
{
	size_t i, k;
	json_t *row, *p;
	json_array_foreach(rows, i, row)
	{
		char text[1024] = "";
		size_t n = 0;
		json_array_foreach(json_object_get(row, "packages"), k, p)
		{
			const char *v = json_string_value(json_object_get(p, "version"));
			int w = snprintf(text + n, sizeof(text) - n, "%s%s%s%s", k ? " " : "",
					 json_string_value(json_object_get(p, "name")), v ? "=" : "", v ? v : "");
			if (w < 0 || (size_t)w >= sizeof(text) - n)
				break;
			n += (size_t)w;
		}
		json_object_set_new(row, "packages_text", json_string(text));
	}
}

int cmd_catalog_list(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"name",	    "packages_text", "allow", "approval",
					   "approver_role", "description",   NULL};
	static const char *const headers[] = {"NAME", "PACKAGES", "ALLOW", "APPROVAL", "APPROVER", "DESCRIPTION", NULL};
	struct actor a = helpdesk_local_actor();
	struct store *s;
	json_t *items;
	int r;
	if ((r = cli_getopt(cli, argc, argv, item_opts + 6)) != -1)
		return r == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = catalog_item_list(s, &a, &items)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(items);
		return EXIT_OK;
	}
	packages_column(items);
	cli_print_table(items, keys, headers);
	json_decref(items);
	return EXIT_OK;
}

/* --- requests --- */

static void print_request(const struct cli *cli, json_t *req)
{
	static const char *const keys[] = {"id",     "item",	 "status",     "requester",  "host",
					   "ticket", "packages", "job",	       "decided_by", "decided_at",
					   "reason", "result",	 "created_at", "updated_at", NULL};
	if (cli->json) {
		cli_print_json(req);
		return;
	}
	cli_print_fields(req, keys);
	json_decref(req);
}

int cmd_request_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"requester", required_argument, NULL, 'r'},
					     {"host", required_argument, NULL, 'H'},
					     {"note", required_argument, NULL, 'n'},
					     {0, 0, 0, 0}};
	struct actor a = helpdesk_local_actor();
	struct catalog_request_new in = {0};
	struct store *s;
	json_t *req;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r': in.requester = optarg; break;
		case 'H': in.host = optarg; break;
		case 'n': in.note = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (!in.requester)
		return cli_usage_error(cli, "give the requester (--requester USER)");
	if ((r = cli_positionals(cli, argc, argv, 1)) || (r = cli_store(cli, &s)))
		return r;
	in.item = argv[optind];
	if ((r = catalog_request(s, &a, &in, &req)) < 0)
		return cli_fail(r);
	print_request(cli, req);
	return EXIT_OK;
}

int cmd_request_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"status", required_argument, NULL, 's'},
					     {"ticket", required_argument, NULL, 't'},
					     {"limit", required_argument, NULL, 'l'},
					     {0, 0, 0, 0}};
	static const char *const keys[] = {"id",     "status", "item",	     "requester", "host",
					   "ticket", "job",    "created_at", NULL};
	static const char *const headers[] = {"ID",	"STATUS", "ITEM",    "REQUESTER", "HOST",
					      "TICKET", "JOB",	  "CREATED", NULL};
	struct actor a = helpdesk_local_actor();
	struct catalog_request_filter f = {0};
	struct store *s;
	int64_t n;
	json_t *rows;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 's': f.status = optarg; break;
		case 't':
			if (parse_int64(optarg, 1, INT64_MAX, &n) < 0)
				return cli_usage_error(cli, "--ticket takes a ticket number");
			f.ticket = n;
			break;
		case 'l':
			if (parse_int64(optarg, 1, CATALOG_PAGE_MAX, &n) < 0)
				return cli_usage_error(cli, "--limit must be 1 to %d", CATALOG_PAGE_MAX);
			f.limit = (int)n;
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = catalog_request_list(s, &a, &f, &rows)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(rows);
		return EXIT_OK;
	}
	cli_print_table(rows, keys, headers);
	json_decref(rows);
	return EXIT_OK;
}

/* show, approve and reject: ID and, for the last two, a text option. */
static int request_verb(struct cli *cli, int argc, char **argv, const char *opt_name, bool required,
			int (*fn)(struct store *, const struct actor *, int64_t, const char *, json_t **))
{
	const struct option opts[] = {{opt_name ? opt_name : "note", required_argument, NULL, 't'}, {0, 0, 0, 0}};
	struct actor a = helpdesk_local_actor();
	const char *text = NULL;
	struct store *s;
	int64_t id;
	json_t *req;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opt_name ? opts : opts + 1)) != -1) {
		switch (c) {
		case 't': text = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (required && !text)
		return cli_usage_error(cli, "give --%s", opt_name);
	if ((r = cli_positionals(cli, argc, argv, 1)))
		return r;
	if (parse_int64(argv[optind], 1, INT64_MAX, &id) < 0)
		return cli_usage_error(cli, "'%s' is not a request id", argv[optind]);
	if ((r = cli_store(cli, &s)))
		return r;
	r = fn ? fn(s, &a, id, text, &req) : catalog_request_get(s, &a, id, &req);
	if (r < 0)
		return cli_fail(r);
	print_request(cli, req);
	return EXIT_OK;
}

int cmd_request_show(struct cli *cli, int argc, char **argv)
{
	return request_verb(cli, argc, argv, NULL, false, NULL);
}

int cmd_request_approve(struct cli *cli, int argc, char **argv)
{
	return request_verb(cli, argc, argv, "note", false, catalog_request_approve);
}

int cmd_request_reject(struct cli *cli, int argc, char **argv)
{
	return request_verb(cli, argc, argv, "reason", true, catalog_request_reject);
}
