/*
 * software_cli.c: ward vercmp, ward upgrades and ward needrestart: versions, available
 * upgrades and restart needs of this machine, with no server and no apt or dpkg run.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "core/err.h"
#include "software/upgrades.h"
#include "software/vercmp.h"

#define VERCMP_BATCH_LINE 4096 /* bytes of one "A<tab>B" line of --batch */

/* --batch: "A<tab>B" lines on stdin, one "-1", "0" or "1" line out for each (how A
 * orders against B), or "error: ..." for a version dpkg refuses or a line that is not
 * two versions. Exit 0, or 1 when any line was an error. */
static int vercmp_batch(void)
{
	char line[VERCMP_BATCH_LINE + 2];
	bool bad = false, skipping = false;
	while (fgets(line, sizeof(line), stdin)) {
		size_t n = strlen(line);
		bool whole = n > 0 && line[n - 1] == '\n';
		if (skipping) {
			skipping = !whole;
			continue;
		}
		if (!whole && !feof(stdin)) {
			printf("error: line longer than %d bytes\n", VERCMP_BATCH_LINE);
			bad = skipping = true;
			continue;
		}
		if (whole)
			line[--n] = '\0';
		char *tab = strchr(line, '\t');
		struct vercmp_version a, b;
		if (!tab || strchr(tab + 1, '\t')) {
			printf("error: want two versions separated by a tab\n");
			bad = true;
			continue;
		}
		*tab = '\0';
		if (vercmp_parse(line, (size_t)(tab - line), &a, NULL) < 0 ||
		    vercmp_parse(tab + 1, strlen(tab + 1), &b, NULL) < 0) {
			printf("error: %s\n", err_msg(-EINVAL));
			bad = true;
			continue;
		}
		int c = vercmp_compare(&a, &b);
		fputs(c < 0 ? "-1\n" : c > 0 ? "1\n" : "0\n", stdout);
	}
	return bad ? EXIT_FAIL : EXIT_OK;
}

/* dpkg --compare-versions: exit 0 when the relation holds, 1 when not, 2 on bad input. */
int cmd_vercmp(struct cli *cli, int argc, char **argv)
{
	struct vercmp_version va, vb;
	const struct vercmp_version *pa = NULL, *pb = NULL;
	enum vercmp_rel rel;
	bool obsolete;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return cli_help(cli);
	if (argc == 2 && strcmp(argv[1], "--batch") == 0)
		return vercmp_batch();
	/* No getopt: only the first argument can be taken for an option, as with dpkg,
	 * and "--" before it says it is not one. */
	if (argc >= 2 && strcmp(argv[1], "--") == 0) {
		argc--;
		argv++;
	} else if (argc >= 2 && argv[1][0] == '-' && argv[1][1]) {
		return cli_usage_error(cli, "unknown option '%s' (a version starting with '-' goes after '--')", argv[1]);
	}
	if (argc != 4)
		return cli_usage_error(cli, "vercmp takes three arguments: <version> <relation> <version>");
	if (vercmp_rel_parse(argv[2], &rel, &obsolete) < 0)
		return cli_usage_error(cli, "%s", err_msg(-EINVAL));
	if (obsolete)
		fprintf(stderr, "ward: warning: relation '%s' is obsolete; use '%s=' or '%s%s' instead\n", argv[2], argv[2],
			argv[2][0] == '<' ? "<" : ">", argv[2][0] == '<' ? "<" : ">");
	const char *in[2] = {argv[1], argv[3]};
	struct vercmp_version *out[2] = {&va, &vb};
	const struct vercmp_version **ptr[2] = {&pa, &pb};
	for (int i = 0; i < 2; i++) {
		const char *warning;
		/* An empty version, and dpkg's "<unknown>", is no version at all. */
		if (!*in[i] || strcmp(in[i], "<unknown>") == 0)
			continue;
		if (vercmp_parse(in[i], strlen(in[i]), out[i], &warning) < 0) {
			fprintf(stderr, "ward: %s\n", err_msg(-EINVAL));
			return EXIT_USAGE;
		}
		if (warning)
			fprintf(stderr, "ward: warning: version '%s' has bad syntax: %s\n", in[i], warning);
		*ptr[i] = out[i];
	}
	bool holds = vercmp_rel_holds(rel, pa, pb);
	if (cli->json)
		cli_print_json(json_pack("{s:b}", "result", holds));
	return holds ? EXIT_OK : EXIT_FAIL;
}

/* For the tables: each row's array member key as one "a, b" string. */
static void join_member(json_t *rows, const char *key)
{
	size_t i, k;
	json_t *row, *v;
	json_array_foreach(rows, i, row) {
		json_t *arr = json_object_get(row, key);
		char text[1024] = "";
		size_t n = 0;
		if (!json_is_array(arr))
			continue;
		json_array_foreach(arr, k, v) {
			char num[32];
			const char *s = json_string_value(v);
			if (!s) {
				snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
				s = num;
			}
			int w = snprintf(text + n, sizeof(text) - n, "%s%s", k ? ", " : "", s);
			if (w < 0 || (size_t)w >= sizeof(text) - n)
				break;
			n += (size_t)w;
		}
		json_object_set_new(row, key, json_string(text));
	}
}

static void print_warnings(const json_t *warnings)
{
	size_t i;
	json_t *w;
	json_array_foreach(warnings, i, w)
		fprintf(stderr, "ward: warning: %s\n", json_string_value(json_object_get(w, "message")));
}

/* The root from --root, and no positionals. 0; -1 after --help; or the exit status. */
static int root_option(struct cli *cli, int argc, char **argv, const char **root, bool *security_only)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'}, {"security", no_argument, NULL, 's'}, {0, 0, 0, 0}};
	int c;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'r')
			*root = optarg;
		else if (c == 's' && security_only)
			*security_only = true;
		else
			return c == 'h' ? (cli_help(cli), -1) : EXIT_USAGE;
	}
	return cli_positionals(cli, argc, argv, 0);
}

int cmd_upgrades(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"name", "architecture", "installed", "candidate", "security", "archives", NULL};
	static const char *const headers[] = {"PACKAGE", "ARCH", "INSTALLED", "CANDIDATE", "SECURITY", "FROM", NULL};
	const char *root = "/";
	bool security_only = false;
	json_t *res, *warnings;
	int r = root_option(cli, argc, argv, &root, &security_only);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (!(warnings = json_array()))
		return cli_fail(-ENOMEM);
	if ((r = upgrades_compute(root, warnings, &res)) < 0) {
		json_decref(warnings);
		return cli_fail(r);
	}
	print_warnings(warnings);
	json_decref(warnings);
	if (security_only) {
		json_t *ups = json_object_get(res, "upgrades"), *keep = json_array();
		size_t i;
		json_t *u;
		json_array_foreach(ups, i, u) if (json_is_true(json_object_get(u, "security"))) json_array_append(keep, u);
		json_object_set_new(res, "upgrades", keep);
	}
	if (cli->json) {
		cli_print_json(res);
		return EXIT_OK;
	}
	json_t *counts = json_object_get(res, "counts"), *held = json_object_get(res, "held");
	join_member(json_object_get(res, "upgrades"), "archives");
	join_member(held, "needs");
	join_member(held, "breaks");
	cli_print_table(json_object_get(res, "upgrades"), keys, headers);
	printf("\n%lld upgrade(s), %lld of them security; %lld kept back\n",
	       (long long)json_integer_value(json_object_get(counts, "upgrades")),
	       (long long)json_integer_value(json_object_get(counts, "security")),
	       (long long)json_integer_value(json_object_get(counts, "held")));
	if (json_array_size(held) > 0) {
		static const char *const hkeys[] = {"name", "installed", "candidate", "reason", "detail", NULL};
		static const char *const hheaders[] = {"KEPT BACK", "INSTALLED", "CANDIDATE", "WHY", "DETAIL", NULL};
		size_t i;
		json_t *h;
		json_array_foreach(held, i, h) {
			json_t *d = json_object_get(h, "needs") ?: json_object_get(h, "breaks");
			if (d)
				json_object_set(h, "detail", d);
		}
		printf("\n");
		cli_print_table(held, hkeys, hheaders);
	}
	json_decref(res);
	return EXIT_OK;
}

int cmd_needrestart(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"unit", "pids", "libraries", NULL};
	static const char *const headers[] = {"SERVICE", "PIDS", "DELETED LIBRARIES", NULL};
	const char *root = "/";
	json_t *res, *warnings;
	int r = root_option(cli, argc, argv, &root, NULL);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (!(warnings = json_array()))
		return cli_fail(-ENOMEM);
	if ((r = reboot_needs(root, strcmp(root, "/") == 0, warnings, &res)) < 0) {
		json_decref(warnings);
		return cli_fail(r);
	}
	print_warnings(warnings);
	json_decref(warnings);
	if (cli->json) {
		cli_print_json(res);
		return EXIT_OK;
	}
	json_t *kernel = json_object_get(res, "kernel");
	printf("reboot required: %s\n", json_is_true(json_object_get(res, "reboot_required")) ? "yes" : "no");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(res, "reasons"), i, v) printf("  %s\n", json_string_value(v));
	printf("kernel: %s running, %s newest installed\n", json_string_value(json_object_get(kernel, "running")) ?: "?",
	       json_string_value(json_object_get(kernel, "newest_installed")) ?: "none in /boot");
	json_t *services = json_object_get(res, "services");
	if (json_array_size(services) > 0) {
		printf("\n");
		join_member(services, "pids");
		join_member(services, "libraries");
		cli_print_table(services, keys, headers);
	} else {
		printf("no service uses a deleted library\n");
	}
	json_decref(res);
	return EXIT_OK;
}
