/*
 * kb_cli.c: `ward kb ...`: write, edit, read, list and search knowledge-base articles
 * on the local data directory (as an admin sees them: support-only articles too).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actlog/actlog.h"
#include "commands.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/timeutil.h"
#include "kb/kb.h"

/* Reads an article's Markdown from path, or from stdin when path is NULL or "-".
 * The caller frees *ret. */
static int read_body(const char *path, char **ret)
{
	char *data = NULL;
	size_t len = 0;
	int r = 0;
	if (path && strcmp(path, "-") != 0) {
		if ((r = fs_read_file(path, KB_BODY_MAX, &data, &len)) < 0)
			return r == -E2BIG
				   ? err_set(r, "'%s' is larger than %d bytes (256 KiB), the limit of an article", path,
					     KB_BODY_MAX)
				   : r;
	} else {
		if (isatty(STDIN_FILENO))
			fprintf(stderr, "ward: reading the article's Markdown from stdin; end it with Ctrl-D\n");
		if (!(data = malloc(KB_BODY_MAX + 2)))
			return -ENOMEM;
		ssize_t n;
		while (len <= KB_BODY_MAX && (n = read(STDIN_FILENO, data + len, KB_BODY_MAX + 1 - len)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				r = err_set(-errno, "cannot read stdin: %s", strerror(errno));
				break;
			}
			len += (size_t)n;
		}
		data[len] = '\0';
		if (r == 0 && len > KB_BODY_MAX)
			r = err_set(-E2BIG, "stdin holds more than %d bytes (256 KiB), the limit of an article",
				    KB_BODY_MAX);
		path = "stdin";
	}
	if (r == 0 && memchr(data, '\0', len))
		r = err_set(-EINVAL, "'%s' holds a NUL byte; an article is Markdown text", path);
	if (r < 0) {
		free(data);
		return r;
	}
	*ret = data;
	return 0;
}

/* Prints the article: --json in full, else its fields and its body (or HTML). */
static int print_article(const struct cli *cli, struct store *s, int64_t id, bool html)
{
	static const char *const keys[] = {"id",	 "slug",       "title",	   "category", "visibility", "author",
					   "created_at", "updated_at", "revision", "helped",   "deflected",  NULL};
	struct kb_article a;
	json_t *j;
	int r = kb_article_get_id(s, ROLE_ADMIN, id, &a);
	if (r < 0 || (r = kb_article_json(&a, true, &j)) < 0) {
		kb_article_release(&a);
		return cli_fail(r);
	}
	kb_article_release(&a);
	if (cli->json) {
		cli_print_json(j);
		return EXIT_OK;
	}
	cli_print_fields(j, keys);
	const char *text = json_string_value(json_object_get(j, html ? "html" : "body"));
	size_t n = strlen(text);
	printf("\n%s%s", text, n && text[n - 1] == '\n' ? "" : "\n");
	json_decref(j);
	return EXIT_OK;
}

int cmd_kb_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"title", required_argument, NULL, 't'},
					     {"category", required_argument, NULL, 'c'},
					     {"visibility", required_argument, NULL, 'v'},
					     {"file", required_argument, NULL, 'f'},
					     {0, 0, 0, 0}};
	struct kb_fields f = {0};
	const char *file = NULL;
	struct store *s;
	char *body = NULL;
	int64_t id;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 't': f.title = optarg; break;
		case 'c': f.category = optarg; break;
		case 'v': f.visibility = optarg; break;
		case 'f': file = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (!f.title || !f.category)
		return cli_usage_error(cli, "an article needs --title and --category");
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = read_body(file, &body)) < 0)
		return cli_fail(r);
	f.body = body;
	r = kb_article_create(s, actlog_local_actor(), &f, &id);
	free(body);
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		return print_article(cli, s, id, false);
	struct kb_article a;
	if ((r = kb_article_get_id(s, ROLE_ADMIN, id, &a)) < 0)
		return cli_fail(r);
	printf("added article %lld '%s'\n", (long long)a.id, a.slug);
	kb_article_release(&a);
	return EXIT_OK;
}

/* The ID argument (an id or a slug) after the options. */
static int article_arg(struct cli *cli, int argc, char **argv, struct store **s, int64_t *ret_id)
{
	struct kb_article a;
	int r = cli_positionals(cli, argc, argv, 1);
	if (r || (r = cli_store(cli, s)))
		return r;
	if ((r = kb_article_get(*s, ROLE_ADMIN, argv[optind], &a)) < 0)
		return cli_fail(r);
	*ret_id = a.id;
	kb_article_release(&a);
	return EXIT_OK;
}

int cmd_kb_edit(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"title", required_argument, NULL, 't'},
					     {"category", required_argument, NULL, 'c'},
					     {"visibility", required_argument, NULL, 'v'},
					     {"file", required_argument, NULL, 'f'},
					     {0, 0, 0, 0}};
	struct kb_fields f = {0};
	const char *file = NULL;
	struct store *s;
	char *body = NULL;
	int64_t id = 0;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 't': f.title = optarg; break;
		case 'c': f.category = optarg; break;
		case 'v': f.visibility = optarg; break;
		case 'f': file = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (!f.title && !f.category && !f.visibility && !file)
		return cli_usage_error(cli, "nothing to change: give --title, --category, --visibility or --file");
	if ((r = article_arg(cli, argc, argv, &s, &id)))
		return r;
	if (file && (r = read_body(file, &body)) < 0)
		return cli_fail(r);
	f.body = body;
	r = kb_article_edit(s, actlog_local_actor(), id, &f);
	free(body);
	if (r < 0)
		return cli_fail(r);
	if (cli->json)
		return print_article(cli, s, id, false);
	struct kb_article a;
	if ((r = kb_article_get_id(s, ROLE_ADMIN, id, &a)) < 0)
		return cli_fail(r);
	printf("article %lld '%s' is at revision %lld\n", (long long)a.id, a.slug, (long long)a.revision);
	kb_article_release(&a);
	return EXIT_OK;
}

int cmd_kb_show(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"html", no_argument, NULL, 'H'}, {0, 0, 0, 0}};
	bool html = false;
	struct store *s;
	int64_t id = 0;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'H': html = true; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = article_arg(cli, argc, argv, &s, &id)))
		return r;
	return print_article(cli, s, id, html);
}

int cmd_kb_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"category", required_argument, NULL, 'c'}, {0, 0, 0, 0}};
	static const char *const keys[] = {"id",	 "slug",   "title",	 "category",
					   "visibility", "helped", "updated_at", NULL};
	static const char *const headers[] = {"ID",	    "SLUG",   "TITLE",	 "CATEGORY",
					      "VISIBILITY", "HELPED", "UPDATED", NULL};
	struct kb_list_filter f = {.limit = KB_PAGE_MAX};
	struct store *s;
	json_t *all, *page;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'c': f.category = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if (!(all = json_array()))
		return cli_fail(-ENOMEM);
	/* Every page, one after the other. */
	do {
		if ((r = kb_article_list(s, ROLE_ADMIN, &f, &page, &f.after)) < 0) {
			json_decref(all);
			return cli_fail(r);
		}
		json_array_extend(all, page);
		json_decref(page);
	} while (f.after);
	if (cli->json) {
		cli_print_json(all);
		return EXIT_OK;
	}
	cli_print_table(all, keys, headers);
	json_decref(all);
	return EXIT_OK;
}

int cmd_kb_search(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"limit", required_argument, NULL, 'l'}, {0, 0, 0, 0}};
	char query[KB_QUERY_MAX + 1] = "";
	int64_t limit = KB_SEARCH_DEFAULT;
	struct store *s;
	json_t *results, *a;
	size_t i, len = 0;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'l':
			if (parse_int64(optarg, 1, KB_SEARCH_MAX, &limit) < 0)
				return cli_usage_error(cli, "--limit must be between 1 and %d", KB_SEARCH_MAX);
			break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, "missing argument");
	/* The words of the query may come as one argument or several. */
	for (int k = optind; k < argc; k++) {
		int n = snprintf(query + len, sizeof(query) - len, "%s%s", len ? " " : "", argv[k]);
		if (n < 0 || (size_t)n >= sizeof(query) - len)
			return cli_usage_error(cli, "the query is longer than %d bytes", KB_QUERY_MAX);
		len += (size_t)n;
	}
	if ((r = cli_store(cli, &s)))
		return r;
	if ((r = kb_search(s, ROLE_ADMIN, query, (int)limit, &results)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(results);
		return EXIT_OK;
	}
	if (json_array_size(results) == 0)
		printf("no articles match '%s'\n", query);
	json_array_foreach(results, i, a)
	    printf("%lld  %s  [%s]%s\n    %s\n", (long long)json_integer_value(json_object_get(a, "id")),
		   json_string_value(json_object_get(a, "title")), json_string_value(json_object_get(a, "category")),
		   strcmp(json_string_value(json_object_get(a, "visibility")), "support") == 0 ? " (support only)" : "",
		   json_string_value(json_object_get(a, "snippet")));
	json_decref(results);
	return EXIT_OK;
}
