/*
 * cli.c: shared plumbing for subcommands; see cli.h.
 */
#include "core/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fs.h"
#include "core/limits.h"

int cli_fail(int r)
{
	fprintf(stderr, "ward: %s\n", err_msg(r));
	return EXIT_FAIL;
}

static void usage_line(FILE *f, const struct cli_cmd *c)
{
	fprintf(f, "usage: ward %s%s%s %s\n", c->noun, c->verb ? " " : "", c->verb ? c->verb : "",
		c->usage ? c->usage : "");
}

int cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "ward: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (cli->cmd)
		usage_line(stderr, cli->cmd);
	return EXIT_USAGE;
}

int cli_help(const struct cli *cli)
{
	usage_line(stdout, cli->cmd);
	printf("\n%s\n", cli->cmd->summary);
	return EXIT_OK;
}

int cli_getopt(const struct cli *cli, int argc, char **argv, const struct option *opts)
{
	struct option all[32];
	size_t n = 0;
	for (; opts && opts[n].name && n < 30; n++)
		all[n] = opts[n];
	all[n++] = (struct option){"help", no_argument, NULL, 'h'};
	all[n] = (struct option){0, 0, 0, 0};
	char shortopts[80] = ":";
	size_t sl = strlen(shortopts);
	for (size_t i = 0; i < n && sl + 3 < sizeof(shortopts); i++) {
		if (all[i].flag || all[i].val <= 0 || all[i].val > 127)
			continue;
		shortopts[sl++] = (char)all[i].val;
		if (all[i].has_arg == required_argument)
			shortopts[sl++] = ':';
	}
	shortopts[sl] = '\0';
	opterr = 0;
	int c = getopt_long(argc, argv, shortopts, all, NULL);
	if (c == ':') {
		cli_usage_error(cli, "option '%s' needs a value", argv[optind - 1]);
		return '?';
	}
	if (c == '?') {
		if (optopt)
			cli_usage_error(cli, "unknown option '-%c'", optopt);
		else
			cli_usage_error(cli, "unknown option '%s'", argv[optind - 1]);
		return '?';
	}
	return c;
}

int cli_positionals(const struct cli *cli, int argc, char **argv, int n)
{
	int have = argc - optind;
	if (have < n)
		return cli_usage_error(cli, "missing argument");
	if (have > n)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[optind + n]);
	return EXIT_OK;
}

int cli_store(const struct cli *cli, struct store **ret)
{
	int r = store_open(false, ret);
	if (r < 0)
		return cli_fail(r);
	return EXIT_OK;
}

void cli_print_json(json_t *v)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(v);
}

/* The text for one cell; buf is scratch space. */
static const char *cell(const json_t *v, char *buf, size_t size)
{
	if (!v || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_true(v))
		return "yes";
	if (json_is_false(v))
		return "no";
	if (json_is_integer(v)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(buf, size, "%s", text ? text : "?");
	free(text);
	return buf;
}

void cli_print_table(const json_t *rows, const char *const keys[], const char *const headers[])
{
	size_t ncols = 0, width[16] = {0};
	char buf[256];
	while (keys[ncols] && ncols < 16)
		ncols++;
	for (size_t c = 0; c < ncols; c++)
		width[c] = strlen(headers[c]);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		for (size_t c = 0; c < ncols; c++) {
			size_t l = strlen(cell(json_object_get(row, keys[c]), buf, sizeof(buf)));
			if (l > width[c])
				width[c] = l > 60 ? 60 : l;
		}
	for (size_t c = 0; c < ncols; c++)
		printf("%-*s%s", c + 1 < ncols ? (int)width[c] : 0, headers[c], c + 1 < ncols ? "  " : "\n");
	json_array_foreach(rows, i, row)
		for (size_t c = 0; c < ncols; c++)
			printf("%-*s%s", c + 1 < ncols ? (int)width[c] : 0, cell(json_object_get(row, keys[c]), buf, sizeof(buf)),
			       c + 1 < ncols ? "  " : "\n");
}

void cli_print_fields(const json_t *obj, const char *const keys[])
{
	char buf[256];
	size_t w = 0;
	for (size_t k = 0; keys[k]; k++)
		if (strlen(keys[k]) > w)
			w = strlen(keys[k]);
	for (size_t k = 0; keys[k]; k++)
		printf("%-*s  %s\n", (int)w + 1, keys[k], cell(json_object_get(obj, keys[k]), buf, sizeof(buf)));
}

int cli_read_secret(const char *path, char *out, size_t size)
{
	char *data = NULL;
	size_t len = 0;
	int r;
	if (strcmp(path, "-") == 0) {
		size_t got = 0;
		ssize_t n;
		data = malloc(WARD_PASSWORD_FILE_MAX + 1);
		if (!data)
			return -ENOMEM;
		while (got < WARD_PASSWORD_FILE_MAX && (n = read(STDIN_FILENO, data + got, WARD_PASSWORD_FILE_MAX - got)) > 0)
			got += (size_t)n;
		data[got] = '\0';
		len = got;
	} else if ((r = fs_read_file(path, WARD_PASSWORD_FILE_MAX, &data, &len)) < 0) {
		return r;
	}
	if (len && data[len - 1] == '\n')
		data[--len] = '\0';
	if (len && data[len - 1] == '\r')
		data[--len] = '\0';
	r = 0;
	if (len == 0)
		r = err_set(-EINVAL, "password file '%s' is empty", path);
	else if (memchr(data, '\n', len) || memchr(data, '\0', len))
		r = err_set(-EINVAL, "password file '%s' must hold one line", path);
	else if (len >= size)
		r = err_set(-EINVAL, "password in '%s' is longer than %zu bytes", path, size - 1);
	else
		memcpy(out, data, len + 1);
	sodium_memzero(data, len);
	free(data);
	return r;
}
