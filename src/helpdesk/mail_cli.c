/*
 * mail_cli.c: `ward mail ingest|send|outbox`. ingest is what a mail server runs for
 * each message (Postfix: a pipe transport or an alias "|ward mail ingest"), so its exit
 * status follows sysexits.h as mail servers expect: 0 taken (or deliberately
 * ignored), 65 a message that cannot be taken (it bounces), 67 a sender who is refused,
 * 75 try again later (the mail server keeps the message and retries).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "helpdesk/helpdesk.h"
#include "mail/mail_parse.h"

#define EX_DATAERR 65
#define EX_NOUSER 67
#define EX_TEMPFAIL 75

/* Standard input, at most max + 1 bytes (so "too large" can be told). */
static int read_stdin(size_t max, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > max)
				break;
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			free(buf);
			return err_set(e, "cannot read the message: %s", strerror(-e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int cmd_mail_ingest(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	char *data = NULL;
	size_t len = 0;
	json_t *res = NULL;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)))
		return r;
	if ((r = read_stdin(MAIL_MAX, &data, &len)) < 0) {
		cli_fail(r);
		return EX_TEMPFAIL;
	}
	if ((r = cli_store(cli, &s))) {
		free(data);
		return EX_TEMPFAIL;
	}
	r = helpdesk_mail_ingest(s, data, len, &res);
	free(data);
	if (r < 0) {
		cli_fail(r);
		return r == -EBADMSG || r == -E2BIG || r == -EINVAL ? EX_DATAERR : r == -EACCES ? EX_NOUSER : EX_TEMPFAIL;
	}
	if (cli->json) {
		cli_print_json(res);
		return EXIT_OK;
	}
	const char *action = json_string_value(json_object_get(res, "action"));
	long long t = (long long)json_integer_value(json_object_get(res, "ticket"));
	if (strcmp(action, "ignored") == 0)
		printf("ignored: %s\n", json_string_value(json_object_get(res, "why")));
	else if (strcmp(action, "duplicate") == 0)
		printf("already taken: ticket %lld\n", t);
	else
		printf("%s ticket %lld\n", strcmp(action, "created") == 0 ? "opened" : "added to", t);
	json_decref(res);
	return EXIT_OK;
}

int cmd_mail_send(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	int c, r, sent = 0, failed = 0;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = helpdesk_mail_send(s, time_now(), &sent, &failed)) < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:i, s:i}", "sent", sent, "failed", failed));
	else
		printf("%d sent, %d failed for good\n", sent, failed);
	return failed ? EXIT_FAIL : EXIT_OK;
}

int cmd_mail_outbox(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"id", "ticket", "to", "status", "attempts", "created_at", "subject",
					   "last_error", NULL};
	static const char *const headers[] = {"ID", "TICKET", "TO", "STATUS", "TRIES", "QUEUED", "SUBJECT", "ERROR", NULL};
	struct store *s;
	json_t *rows;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = helpdesk_mail_outbox(s, 100, &rows)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(rows);
		return EXIT_OK;
	}
	cli_print_table(rows, keys, headers);
	json_decref(rows);
	return EXIT_OK;
}
