/*
 * cli.h: what every subcommand shares: the global options, the command table's shape,
 * exit codes, output as a table or as JSON, and reading secrets from files.
 */
#ifndef WARD_CLI_H
#define WARD_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/store.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,  /* the command failed; stderr says what */
	EXIT_USAGE = 2, /* unknown command or bad option */
};

struct cli {
	const char *data_dir; /* --data, WARD_DATA, or the default */
	bool json;            /* --json */
	const struct cli_cmd *cmd;
};

struct cli_cmd {
	const char *noun;    /* "user" */
	const char *verb;    /* "add", or NULL for a command that is only a noun ("init") */
	int (*fn)(struct cli *cli, int argc, char **argv); /* argv[0] is the verb (or noun) */
	const char *usage;   /* "NAME --role ROLE [--email E] [--password-file F]" */
	const char *summary; /* one line */
};

/* Prints "ward: <message>" for a failed domain call and returns EXIT_FAIL. */
int cli_fail(int r);

/* Prints "ward: <message>" and the command's usage; returns EXIT_USAGE. */
int cli_usage_error(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the command's usage to stdout; returns EXIT_OK. */
int cli_help(const struct cli *cli);

/* getopt_long over argv with "help" added; returns the option, -1 at the end, or '?'
 * after printing a usage error (then return EXIT_USAGE). */
struct option;
int cli_getopt(const struct cli *cli, int argc, char **argv, const struct option *opts);

/* Checks that exactly n positional arguments remain after options. */
int cli_positionals(const struct cli *cli, int argc, char **argv, int n);

/* Opens the data directory's store (ENOENT: not initialised). Prints on failure. */
int cli_store(const struct cli *cli, struct store **ret);

/* Prints v (stolen) as indented JSON. */
void cli_print_json(json_t *v);

/* Prints rows (an array of objects) as an aligned table with the given keys and
 * headers (both NULL-terminated). Booleans print as yes/no, null as "-". */
void cli_print_table(const json_t *rows, const char *const keys[], const char *const headers[]);

/* Prints "key: value" lines for an object's members in the order of keys. */
void cli_print_fields(const json_t *obj, const char *const keys[]);

/* Reads a secret from path ("-" is stdin): at most size-1 bytes, one trailing newline
 * removed. -EINVAL if empty or it holds more than one line. */
int cli_read_secret(const char *path, char *out, size_t size);

#endif
