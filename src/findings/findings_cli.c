/*
 * findings_cli.c: `ward finding list`: the findings every module raised.
 */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "findings/findings.h"

int cmd_finding_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'}, {"source", required_argument, NULL, 's'}, {0, 0, 0, 0}};
	static const char *const keys[] = {"id", "severity", "subject", "opened_at", "closed_at", "message", NULL};
	static const char *const headers[] = {"ID", "SEVERITY", "SUBJECT", "OPENED", "CLOSED", "MESSAGE", NULL};
	const char *source = NULL;
	bool all = false;
	struct store *s;
	json_t *list;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 's': source = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = findings_list(s, !all, source, WARD_FINDINGS_PAGE_MAX, &list)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(list);
		return EXIT_OK;
	}
	if (json_array_size(list))
		cli_print_table(list, keys, headers);
	else
		printf("no %sfindings\n", all ? "" : "open ");
	json_decref(list);
	return EXIT_OK;
}
