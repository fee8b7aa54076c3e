/*
 * agent_cli.c: `ward agent enroll` and `ward agent run`, and `ward inventory`, which
 * prints what the agent would report, without any server.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "commands.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "inventory/inventory.h"

static int state_dir(const char *given, char *out, size_t size)
{
	if (given) {
		int n = snprintf(out, size, "%s", given);
		return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
	}
	return agent_state_default(out, size);
}

int cmd_agent_enroll(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"server", required_argument, NULL, 's'},
					     {"token", required_argument, NULL, 't'},
					     {"ca-cert", required_argument, NULL, 'c'},
					     {"fingerprint", required_argument, NULL, 'f'},
					     {"hostname", required_argument, NULL, 'n'},
					     {"state", required_argument, NULL, 'S'},
					     {0, 0, 0, 0}};
	struct agent_enroll_opts o = {0};
	const char *state = NULL;
	char dir[4096], id[33];
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 's': o.server = optarg; break;
		case 't': o.token = optarg; break;
		case 'c': o.ca_file = optarg; break;
		case 'f': o.fingerprint = optarg; break;
		case 'n': o.hostname = optarg; break;
		case 'S': state = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)))
		return r;
	if (!o.server || !o.token)
		return cli_usage_error(cli, "--server and --token are required");
	if (o.ca_file && o.fingerprint)
		return cli_usage_error(cli, "give --ca-cert or --fingerprint, not both");
	if ((r = state_dir(state, dir, sizeof(dir))) < 0 || (r = agent_enroll(dir, &o, id)) < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:s, s:s, s:s}", "host_id", id, "server", o.server, "state", dir));
	else
		printf("enrolled with %s as host %s; state in %s\nnow run: ward agent run\n", o.server, id, dir);
	return EXIT_OK;
}

int cmd_agent_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"once", no_argument, NULL, 'o'},
					     {"interval", required_argument, NULL, 'i'},
					     {"root", required_argument, NULL, 'r'},
					     {"state", required_argument, NULL, 'S'},
					     {0, 0, 0, 0}};
	struct agent_run_opts o = {.root = "/", .interval = 900};
	const char *state = NULL;
	char dir[4096];
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'o': o.once = true; break;
		case 'i':
			if (time_parse_duration(optarg, &o.interval) < 0 || o.interval < 10 || o.interval > 7 * 86400)
				return cli_usage_error(cli, "--interval must be between 10s and 7d");
			break;
		case 'r': o.root = optarg; break;
		case 'S': state = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)))
		return r;
	if ((r = state_dir(state, dir, sizeof(dir))) < 0 || (r = agent_run(dir, &o)) < 0)
		return cli_fail(r);
	return EXIT_OK;
}

static void print_section_line(const char *label, const char *text)
{
	printf("%-12s %s\n", label, text && *text ? text : "-");
}

int cmd_inventory(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"root", required_argument, NULL, 'r'}, {0, 0, 0, 0}};
	const char *root = "/";
	json_t *inv;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'r')
			root = optarg;
		else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if ((r = cli_positionals(cli, argc, argv, 0)))
		return r;
	if ((r = inventory_collect(root, &inv)) < 0)
		return cli_fail(r);
	size_t i;
	json_t *w;
	json_array_foreach(json_object_get(inv, "warnings"), i, w)
		fprintf(stderr, "ward: warning: %s: %s\n", json_string_value(json_object_get(w, "section")),
			json_string_value(json_object_get(w, "message")));
	if (cli->json) {
		cli_print_json(inv);
		return EXIT_OK;
	}
	json_t *sec = json_object_get(inv, "sections");
	json_t *sys = json_object_get(sec, "system"), *hw = json_object_get(sec, "hardware");
	char buf[512];
	print_section_line("hostname", json_string_value(json_object_get(sys, "hostname")));
	print_section_line("os", json_string_value(json_object_get(json_object_get(sys, "os"), "pretty_name")));
	print_section_line("kernel", json_string_value(json_object_get(json_object_get(sys, "kernel"), "release")));
	json_t *cpu = json_object_get(hw, "cpu"), *mem = json_object_get(hw, "memory");
	snprintf(buf, sizeof(buf), "%s (%lld cores, %lld threads)", json_string_value(json_object_get(cpu, "model")) ?: "?",
		 (long long)json_integer_value(json_object_get(cpu, "cores")),
		 (long long)json_integer_value(json_object_get(cpu, "threads")));
	print_section_line("cpu", buf);
	snprintf(buf, sizeof(buf), "%lld MiB", (long long)(json_integer_value(json_object_get(mem, "total_bytes")) >> 20));
	print_section_line("memory", buf);
	snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(json_object_get(json_object_get(sec, "packages"), "count")));
	print_section_line("packages", buf);
	static const char *const fs_keys[] = {"mount_point", "device", "type", "size_bytes", "used_percent", NULL};
	static const char *const fs_headers[] = {"MOUNT", "DEVICE", "TYPE", "SIZE", "USED %", NULL};
	printf("\n");
	cli_print_table(json_object_get(sec, "filesystems"), fs_keys, fs_headers);
	static const char *const if_keys[] = {"name", "state", "mac", "mtu", "vlan_id", "addresses", NULL};
	static const char *const if_headers[] = {"INTERFACE", "STATE", "MAC", "MTU", "VLAN", "ADDRESSES", NULL};
	printf("\n");
	cli_print_table(json_object_get(json_object_get(sec, "network"), "interfaces"), if_keys, if_headers);
	static const char *const so_keys[] = {"protocol", "address", "port", "process", NULL};
	static const char *const so_headers[] = {"PROTO", "ADDRESS", "PORT", "PROCESS", NULL};
	printf("\n");
	cli_print_table(json_object_get(sec, "sockets"), so_keys, so_headers);
	json_decref(inv);
	return EXIT_OK;
}
