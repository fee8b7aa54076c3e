/*
 * tickets_cli.c: `ward ticket ...` and `ward helpdesk ...` on the local data
 * directory, acting as the local administrator ("local:<unix user>" in the timeline
 * and the activity log).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/timeutil.h"
#include "helpdesk/helpdesk.h"

/* A text from --text, or from --file F ("-": standard input). *ret_free is what to free. */
static int text_of(struct cli *cli, const char *text, const char *file, const char **ret, char **ret_free)
{
	size_t len;
	*ret_free = NULL;
	*ret = text;
	if (!file)
		return EXIT_OK;
	if (text)
		return cli_usage_error(cli, "give the text or --file, not both");
	int r = fs_read_file(strcmp(file, "-") == 0 ? "/dev/stdin" : file, TICKET_TEXT_MAX + 1, ret_free, &len);
	if (r < 0)
		return cli_fail(r);
	*ret = *ret_free;
	return EXIT_OK;
}

static int level_opt(struct cli *cli, const char *what, const char *v, int *ret)
{
	int64_t n;
	if (parse_int64(v, 1, 3, &n) < 0)
		return cli_usage_error(cli, "--%s must be 1 (high), 2 (medium) or 3 (low)", what);
	*ret = (int)n;
	return EXIT_OK;
}

/* The NUMBER positional. */
static int number_arg(struct cli *cli, int argc, char **argv, int extra, struct store **s, int64_t *id)
{
	int r = cli_positionals(cli, argc, argv, 1 + extra);
	if (r)
		return r;
	if (parse_int64(argv[optind], 1, INT64_MAX, id) < 0)
		return cli_usage_error(cli, "'%s' is not a ticket number", argv[optind]);
	return cli_store(cli, s);
}

static int show_ticket(struct cli *cli, struct store *s, int64_t id)
{
	static const char *const keys[] = {"number", "title", "status", "priority_name", "tier", "requester",
					   "assignee", "host", "category", "tags", "created_at", "response_due_at",
					   "resolve_due_at", "resolved_at", "sla", "description", "resolution", NULL};
	struct actor a = helpdesk_local_actor();
	json_t *j;
	int r = ticket_show(s, &a, id, &j);
	if (r < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(j);
		return EXIT_OK;
	}
	cli_print_fields(j, keys);
	size_t i;
	json_t *e;
	printf("\ntimeline:\n");
	json_array_foreach(json_object_get(j, "timeline"), i, e) {
		const char *body = json_string_value(json_object_get(e, "body"));
		char *data = json_dumps(json_object_get(e, "data"), JSON_COMPACT);
		printf("  %s  %-10s %-9s %s%s%s\n", json_string_value(json_object_get(e, "time")),
		       json_string_value(json_object_get(e, "kind")), json_string_value(json_object_get(e, "actor")),
		       json_is_true(json_object_get(e, "public")) ? "" : "[internal] ", body ? body : "",
		       body || !data ? "" : data);
		free(data);
	}
	json_decref(j);
	return EXIT_OK;
}

int cmd_ticket_new(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"title", required_argument, NULL, 't'},    {"text", required_argument, NULL, 'x'},
		{"file", required_argument, NULL, 'f'},	    {"requester", required_argument, NULL, 'r'},
		{"host", required_argument, NULL, 'H'},	    {"category", required_argument, NULL, 'c'},
		{"impact", required_argument, NULL, 'i'},   {"urgency", required_argument, NULL, 'u'},
		{"tag", required_argument, NULL, 'g'},	    {0, 0, 0, 0}};
	struct ticket_new t = {0};
	const char *text = NULL, *file = NULL;
	char *buf = NULL;
	struct actor a = helpdesk_local_actor();
	struct store *s;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 't': t.title = optarg; break;
		case 'x': text = optarg; break;
		case 'f': file = optarg; break;
		case 'r': t.requester = optarg; break;
		case 'H': t.host = optarg; break;
		case 'c': t.category = optarg; break;
		case 'i':
			if ((r = level_opt(cli, "impact", optarg, &t.impact)))
				return r;
			break;
		case 'u':
			if ((r = level_opt(cli, "urgency", optarg, &t.urgency)))
				return r;
			break;
		case 'g':
			if (t.ntags == TICKET_TAGS_MAX)
				return cli_usage_error(cli, "at most %d tags", TICKET_TAGS_MAX);
			t.tags[t.ntags++] = optarg;
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)))
		return r;
	if (!t.title || !t.requester)
		return cli_usage_error(cli, "--title and --requester are required");
	if ((r = text_of(cli, text, file, &t.description, &buf)))
		return r;
	if (!t.description)
		t.description = t.title;
	if ((r = cli_store(cli, &s)) == 0) {
		if ((r = ticket_create(s, &a, &t, &id)) < 0)
			r = cli_fail(r);
		else if (cli->json)
			r = show_ticket(cli, s, id);
		else
			printf("ticket %lld opened\n", (long long)id);
	}
	free(buf);
	return r;
}

int cmd_ticket_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"status", required_argument, NULL, 's'}, {"tier", required_argument, NULL, 't'},
		{"assignee", required_argument, NULL, 'a'}, {"requester", required_argument, NULL, 'r'},
		{"tag", required_argument, NULL, 'g'},	  {"at-risk", no_argument, NULL, 'k'},
		{"breached", no_argument, NULL, 'b'},	  {"due", no_argument, NULL, 'd'},
		{"after", required_argument, NULL, 'A'},  {"limit", required_argument, NULL, 'l'},
		{0, 0, 0, 0}};
	static const char *const keys[] = {"number", "status", "priority", "tier", "requester", "assignee",
					   "resolve_due_at", "title", NULL};
	static const char *const headers[] = {"#", "STATUS", "PRI", "TIER", "REQUESTER", "ASSIGNEE", "DUE", "TITLE", NULL};
	struct ticket_filter f = {0};
	struct actor a = helpdesk_local_actor();
	struct store *s;
	char next[64];
	int64_t n;
	json_t *rows;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 's': f.status = optarg; break;
		case 't':
			if (parse_int64(optarg, 1, 2, &n) < 0)
				return cli_usage_error(cli, "--tier must be 1 or 2");
			f.tier = (int)n;
			break;
		case 'a': f.assignee = optarg; break;
		case 'r': f.requester = optarg; break;
		case 'g': f.tag = optarg; break;
		case 'k': f.at_risk = true; break;
		case 'b': f.breached = true; break;
		case 'd': f.by_due = true; break;
		case 'A': f.after = optarg; break;
		case 'l':
			if (parse_int64(optarg, 1, TICKET_PAGE_MAX, &n) < 0)
				return cli_usage_error(cli, "--limit must be 1 to %d", TICKET_PAGE_MAX);
			f.limit = (int)n;
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = ticket_list(s, &a, &f, &rows, next)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(json_pack("{s:o, s:s?}", "tickets", rows, "next", next[0] ? next : NULL));
		return EXIT_OK;
	}
	cli_print_table(rows, keys, headers);
	if (next[0])
		printf("(more: --after %s)\n", next);
	json_decref(rows);
	return EXIT_OK;
}

int cmd_ticket_show(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = number_arg(cli, argc, argv, 0, &s, &id)))
		return r;
	return show_ticket(cli, s, id);
}

int cmd_ticket_comment(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"internal", no_argument, NULL, 'i'},
					     {"text", required_argument, NULL, 'x'},
					     {"file", required_argument, NULL, 'f'},
					     {0, 0, 0, 0}};
	struct actor a = helpdesk_local_actor();
	const char *text = NULL, *file = NULL, *body;
	char *buf = NULL;
	bool internal = false;
	struct store *s;
	int64_t id, ev;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'i': internal = true; break;
		case 'x': text = optarg; break;
		case 'f': file = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = number_arg(cli, argc, argv, 0, &s, &id)) || (r = text_of(cli, text, file, &body, &buf)))
		return r;
	if (!body)
		r = cli_usage_error(cli, "give the comment with --text or --file");
	else if ((r = ticket_comment(s, &a, id, body, internal, &ev)) < 0)
		r = cli_fail(r);
	else if (cli->json)
		cli_print_json(json_pack("{s:I, s:I}", "ticket", (json_int_t)id, "event", (json_int_t)ev));
	else
		printf("%s added to ticket %lld\n", internal ? "note" : "reply", (long long)id);
	free(buf);
	return r;
}

/* Applies one change and shows the ticket (or says done). */
static int apply(struct cli *cli, struct store *s, int64_t id, const struct ticket_change *c, const char *done)
{
	struct actor a = helpdesk_local_actor();
	int r = ticket_change(s, &a, id, c);
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		return show_ticket(cli, s, id);
	printf("ticket %lld %s\n", (long long)id, done);
	return EXIT_OK;
}

int cmd_ticket_assign(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"none", no_argument, NULL, 'n'}, {0, 0, 0, 0}};
	struct ticket_change ch = {0};
	bool none = false;
	struct store *s;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'n')
			none = true;
		else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if ((r = number_arg(cli, argc, argv, none ? 0 : 1, &s, &id)))
		return r;
	ch.assignee = none ? "" : argv[optind + 1];
	return apply(cli, s, id, &ch, none ? "unassigned" : "assigned");
}

static int tier_cmd(struct cli *cli, int argc, char **argv, int tier)
{
	static const struct option opts[] = {{"note", required_argument, NULL, 'n'}, {0, 0, 0, 0}};
	struct ticket_change ch = {.tier = tier};
	struct store *s;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'n')
			ch.note = optarg;
		else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if ((r = number_arg(cli, argc, argv, 0, &s, &id)))
		return r;
	if (!ch.note)
		return cli_usage_error(cli, "--note is required: say why");
	return apply(cli, s, id, &ch, tier == 2 ? "escalated to tier 2" : "back to tier 1");
}

int cmd_ticket_escalate(struct cli *cli, int argc, char **argv)
{
	return tier_cmd(cli, argc, argv, 2);
}

int cmd_ticket_deescalate(struct cli *cli, int argc, char **argv)
{
	return tier_cmd(cli, argc, argv, 1);
}

static int status_cmd(struct cli *cli, int argc, char **argv, const char *status)
{
	static const struct option opts[] = {{"resolution", required_argument, NULL, 'r'}, {0, 0, 0, 0}};
	struct ticket_change ch = {.status = status};
	struct store *s;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'r' && strcmp(status, "resolved") == 0)
			ch.resolution = optarg;
		else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if ((r = number_arg(cli, argc, argv, 0, &s, &id)))
		return r;
	return apply(cli, s, id, &ch, status);
}

int cmd_ticket_resolve(struct cli *cli, int argc, char **argv)
{
	return status_cmd(cli, argc, argv, "resolved");
}

int cmd_ticket_close(struct cli *cli, int argc, char **argv)
{
	return status_cmd(cli, argc, argv, "closed");
}

int cmd_ticket_set(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"title", required_argument, NULL, 't'},  {"category", required_argument, NULL, 'c'},
		{"impact", required_argument, NULL, 'i'}, {"urgency", required_argument, NULL, 'u'},
		{"status", required_argument, NULL, 's'}, {"host", required_argument, NULL, 'H'},
		{"tag", required_argument, NULL, 'g'},	  {"untag", required_argument, NULL, 'G'},
		{0, 0, 0, 0}};
	struct ticket_change ch = {0};
	struct store *s;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 't': ch.title = optarg; break;
		case 'c': ch.category = optarg; break;
		case 'i':
			if ((r = level_opt(cli, "impact", optarg, &ch.impact)))
				return r;
			break;
		case 'u':
			if ((r = level_opt(cli, "urgency", optarg, &ch.urgency)))
				return r;
			break;
		case 's': ch.status = optarg; break;
		case 'H': ch.host = optarg; break;
		case 'g':
			if (ch.nadd_tags == TICKET_TAGS_MAX)
				return cli_usage_error(cli, "at most %d tags", TICKET_TAGS_MAX);
			ch.add_tags[ch.nadd_tags++] = optarg;
			break;
		case 'G':
			if (ch.nremove_tags == TICKET_TAGS_MAX)
				return cli_usage_error(cli, "at most %d tags", TICKET_TAGS_MAX);
			ch.remove_tags[ch.nremove_tags++] = optarg;
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = number_arg(cli, argc, argv, 0, &s, &id)))
		return r;
	return apply(cli, s, id, &ch, "updated");
}

int cmd_ticket_search(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"number", "kind", "status", "title", "snippet", NULL};
	static const char *const headers[] = {"#", "MATCH", "STATUS", "TITLE", "SNIPPET", NULL};
	struct actor a = helpdesk_local_actor();
	struct store *s;
	json_t *rows, *v;
	size_t i;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 1)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = ticket_search(s, &a, argv[optind], 20, &rows)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(rows);
		return EXIT_OK;
	}
	/* The highlight marks (\x02 \x03) as *...* on a terminal. */
	json_array_foreach(rows, i, v) {
		char *snip = strdup(json_string_value(json_object_get(v, "snippet")));
		for (char *p = snip; p && *p; p++)
			if (*p == 2 || *p == 3)
				*p = '*';
		json_object_set_new(v, "snippet", json_string(snip ? snip : ""));
		free(snip);
	}
	cli_print_table(rows, keys, headers);
	json_decref(rows);
	return EXIT_OK;
}

int cmd_ticket_sla_check(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	int c, r, changed = 0;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = helpdesk_sla_sweep(s, time_now(), &changed)) < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:i}", "changed", changed));
	else
		printf("%d ticket%s flagged\n", changed, changed == 1 ? "" : "s");
	return EXIT_OK;
}

static json_t *index_json(const struct helpdesk_index *ix)
{
	json_t *levels = json_array();
	for (int l = 0; l < ix->levels; l++)
		json_array_append_new(levels, json_integer(ix->level_segs[l]));
	return json_pack("{s:i, s:i, s:I, s:o, s:b, s:b}", "levels", ix->levels, "segments", ix->segments, "pages",
			 (json_int_t)ix->pages, "level_segments", levels, "merging", ix->merging, "needs_merge",
			 helpdesk_index_needs_merge(ix));
}

int cmd_ticket_index(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"merge", no_argument, NULL, 'm'}, {"optimize", no_argument, NULL, 'o'}, {0, 0, 0, 0}};
	struct helpdesk_index ix;
	struct store *s;
	bool merge = false, optimize = false, worked = true;
	int c, r, steps = 0;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'm': merge = true; break;
		case 'o': merge = optimize = true; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	int64_t t0 = time_mono_us();
	/* Larger steps than the server's, short enough for a server's writes to go between. */
	while (merge && worked) {
		if ((r = helpdesk_index_merge(s, optimize ? -2048 : 2048, &worked)) < 0)
			return cli_fail(r);
		steps += worked;
	}
	if ((r = helpdesk_index_shape(s, &ix)) < 0)
		return cli_fail(r);
	double took = (double)(time_mono_us() - t0) / 1e6;
	if (cli->json) {
		json_t *j = index_json(&ix);
		if (merge) {
			json_object_set_new(j, "merge_steps", json_integer(steps));
			json_object_set_new(j, "merge_seconds", json_real(took));
		}
		cli_print_json(j);
		return EXIT_OK;
	}
	if (merge)
		printf("merged in %d step%s (%.1f s)\n", steps, steps == 1 ? "" : "s", took);
	printf("search index: %d level%s, %d segment%s, %lld pages\n", ix.levels, ix.levels == 1 ? "" : "s",
	       ix.segments, ix.segments == 1 ? "" : "s", (long long)ix.pages);
	for (int l = 0; l < ix.levels; l++)
		printf("  level %d: %d segment%s\n", l, ix.level_segs[l], ix.level_segs[l] == 1 ? "" : "s");
	printf("merging: %s\n", ix.merging ? "under way" : helpdesk_index_needs_merge(&ix) ? "due" : "nothing to merge");
	return EXIT_OK;
}

int cmd_helpdesk_settings(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"calendar", required_argument, NULL, 'c'}, {"priority", required_argument, NULL, 'p'},
		{"mail", required_argument, NULL, 'm'},
		{"response", required_argument, NULL, 'r'}, {"resolve", required_argument, NULL, 'R'},
		{0, 0, 0, 0}};
	struct actor a = helpdesk_local_actor();
	const char *cal_file = NULL, *mail_file = NULL;
	int64_t priority = 0, response = 0, resolve = 0;
	struct store *s;
	json_t *j;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'c': cal_file = optarg; break;
		case 'm': mail_file = optarg; break;
		case 'p':
			if (parse_int64(optarg, 1, 5, &priority) < 0)
				return cli_usage_error(cli, "--priority must be 1 to 5");
			break;
		case 'r':
			if (time_parse_duration(optarg, &response) < 0)
				return cli_usage_error(cli, "%s", err_msg(-EINVAL));
			break;
		case 'R':
			if (time_parse_duration(optarg, &resolve) < 0)
				return cli_usage_error(cli, "%s", err_msg(-EINVAL));
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (!!priority != (response && resolve))
		return cli_usage_error(cli, "--priority goes with --response and --resolve");
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if (cal_file) {
		json_error_t e;
		json_t *cal = json_load_file(strcmp(cal_file, "-") == 0 ? "/dev/stdin" : cal_file, 0, &e);
		if (!cal)
			return cli_fail(err_set(-EINVAL, "%s: %s (line %d)", cal_file, e.text, e.line));
		r = helpdesk_calendar_set(s, &a, cal);
		json_decref(cal);
		if (r < 0)
			return cli_fail(r);
	}
	if (mail_file) {
		json_error_t e;
		json_t *mail = json_load_file(strcmp(mail_file, "-") == 0 ? "/dev/stdin" : mail_file, 0, &e);
		if (!mail)
			return cli_fail(err_set(-EINVAL, "%s: %s (line %d)", mail_file, e.text, e.line));
		r = helpdesk_mail_settings_set(s, &a, mail);
		json_decref(mail);
		if (r < 0)
			return cli_fail(r);
	}
	if (priority && (r = helpdesk_sla_target_set(s, &a, (int)priority, response, resolve)) < 0)
		return cli_fail(r);
	if ((r = helpdesk_settings_get(s, &j)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(j);
		return EXIT_OK;
	}
	char *text = json_dumps(j, JSON_INDENT(2));
	printf("%s\n", text ? text : "");
	free(text);
	json_decref(j);
	return EXIT_OK;
}
