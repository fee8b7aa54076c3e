/*
 * Unit tests for the knowledge base: articles, revisions, slugs, visibility, FTS5
 * search (ranking, prefixes, hostile syntax), suggestions, safe Markdown, the
 * "helped" counts and the limits, each on a fresh SQLite store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog/actlog.h"
#include "core/err.h"
#include "core/store.h"
#include "kb/kb.h"

static char dir[256];
static struct store *st;

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-kb.XXXXXX");
	if (!mkdtemp(dir) || crypto_init() < 0 || store_setup(dir) < 0 || store_open(true, &st) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	store_release();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int64_t add(const char *title, const char *body, const char *category, const char *visibility)
{
	struct kb_fields f = {.title = title, .body = body, .category = category, .visibility = visibility};
	int64_t id = 0;
	int r = kb_article_create(st, "sam", &f, &id);
	if (r < 0)
		fail_msg("cannot add '%s': %s", title, err_msg(r));
	return id;
}

/* Entries of the activity log whose action is action. */
static int log_count(const char *action)
{
	struct actlog_filter f = {.action = action, .limit = 500};
	json_t *entries;
	int64_t next;
	assert_int_equal(actlog_list(st, &f, &entries, &next), 0);
	int n = (int)json_array_size(entries);
	json_decref(entries);
	return n;
}

/* The ids of a result array as "1,2,3". */
static char *ids(const json_t *arr)
{
	static char buf[512];
	size_t i, len = 0;
	json_t *a;
	buf[0] = '\0';
	json_array_foreach(arr, i, a) len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%lld", i ? "," : "",
							      (long long)json_integer_value(json_object_get(a, "id")));
	return buf;
}

static char *search_ids(enum role role, const char *q)
{
	json_t *res;
	int r = kb_search(st, role, q, 0, &res);
	if (r < 0)
		fail_msg("search '%s': %s", q, err_msg(r));
	char *s = ids(res);
	json_decref(res);
	return s;
}

static void test_create_edit_revisions(void **state)
{
	struct kb_article a;
	int64_t id = add("  Printer offline  ", "Restart the **spooler**.", "Printing", NULL);
	assert_int_equal(kb_article_get_id(st, ROLE_EMPLOYEE, id, &a), 0);
	assert_string_equal(a.title, "Printer offline");
	assert_string_equal(a.slug, "printer-offline");
	assert_string_equal(a.category, "Printing");
	assert_string_equal(a.author, "sam");
	assert_string_equal(a.body, "Restart the **spooler**.");
	assert_int_equal(a.visibility, KB_VIS_EMPLOYEES);
	assert_int_equal(a.revision, 1);
	kb_article_release(&a);
	assert_int_equal(kb_article_get(st, ROLE_EMPLOYEE, "printer-offline", &a), 0);
	assert_int_equal(a.id, id);
	kb_article_release(&a);
	char idtext[24];
	snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
	assert_int_equal(kb_article_get(st, ROLE_EMPLOYEE, idtext, &a), 0);
	assert_int_equal(a.id, id);
	kb_article_release(&a);

	struct kb_fields e = {.title = "Printer shows offline"};
	assert_int_equal(kb_article_edit(st, "alice", id, &e), 0);
	e = (struct kb_fields){.body = "Restart the spooler, then the printer.", .base_revision = 2};
	assert_int_equal(kb_article_edit(st, "bob", id, &e), 0);
	assert_int_equal(kb_article_get_id(st, ROLE_EMPLOYEE, id, &a), 0);
	assert_int_equal(a.revision, 3);
	assert_string_equal(a.title, "Printer shows offline");
	assert_string_equal(a.slug, "printer-offline"); /* links stay valid */
	assert_string_equal(a.author, "sam");
	kb_article_release(&a);

	/* A stale base revision is a conflict; an edit changing nothing writes nothing. */
	e = (struct kb_fields){.title = "Other", .base_revision = 2};
	assert_int_equal(kb_article_edit(st, "bob", id, &e), -EEXIST);
	assert_non_null(strstr(err_msg(-EEXIST), "revision 3"));
	e = (struct kb_fields){.title = "Printer shows offline"};
	assert_int_equal(kb_article_edit(st, "bob", id, &e), 0);
	e = (struct kb_fields){0};
	assert_int_equal(kb_article_edit(st, "bob", id, &e), -EINVAL);
	e = (struct kb_fields){.title = "x"};
	assert_int_equal(kb_article_edit(st, "bob", id + 100, &e), -ENOENT);

	json_t *revs;
	assert_int_equal(kb_article_revisions(st, ROLE_EMPLOYEE, id, 0, 0, &revs), 0);
	assert_int_equal(json_array_size(revs), 3);
	json_t *r0 = json_array_get(revs, 0), *r2 = json_array_get(revs, 2);
	assert_int_equal(json_integer_value(json_object_get(r0, "revision")), 3);
	assert_string_equal(json_string_value(json_object_get(r0, "author")), "bob");
	assert_string_equal(json_string_value(json_object_get(r0, "body")), "Restart the spooler, then the printer.");
	assert_string_equal(json_string_value(json_object_get(r2, "title")), "Printer offline");
	assert_string_equal(json_string_value(json_object_get(r2, "body")), "Restart the **spooler**.");
	assert_string_equal(json_string_value(json_object_get(json_array_get(revs, 1), "author")), "alice");
	json_decref(revs);
	assert_int_equal(kb_article_revisions(st, ROLE_EMPLOYEE, id, 3, 1, &revs), 0);
	assert_int_equal(json_array_size(revs), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(revs, 0), "revision")), 2);
	json_decref(revs);

	assert_int_equal(log_count("kb.create"), 1);
	assert_int_equal(log_count("kb.edit"), 2);

	/* The full JSON carries the Markdown and its HTML. */
	json_t *j;
	assert_int_equal(kb_article_get_id(st, ROLE_EMPLOYEE, id, &a), 0);
	assert_int_equal(kb_article_json(&a, true, &j), 0);
	kb_article_release(&a);
	assert_string_equal(json_string_value(json_object_get(j, "html")),
			    "<p>Restart the spooler, then the printer.</p>\n");
	assert_int_equal(json_integer_value(json_object_get(j, "revision")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "visibility")), "employees");
	json_decref(j);
}

static void test_slugs(void **state)
{
	char slug[KB_SLUG_MAX + 1];
	kb_slugify("Printer offline!", slug);
	assert_string_equal(slug, "printer-offline");
	kb_slugify("  Café au lait -- Größe Æble ", slug);
	assert_string_equal(slug, "cafe-au-lait-grosse-aeble");
	kb_slugify("VPN: 2FA & SSO (Windows 11)", slug);
	assert_string_equal(slug, "vpn-2fa-sso-windows-11");
	kb_slugify("2024", slug);
	assert_string_equal(slug, "article-2024");
	kb_slugify("!!!", slug);
	assert_string_equal(slug, "article");
	kb_slugify("日本語", slug);
	assert_string_equal(slug, "article");
	kb_slugify("日本語 wifi", slug);
	assert_string_equal(slug, "wifi");
	char long_title[600];
	memset(long_title, 'a', sizeof(long_title) - 1);
	long_title[sizeof(long_title) - 1] = '\0';
	kb_slugify(long_title, slug);
	assert_true(strlen(slug) <= KB_SLUG_MAX);

	/* Collisions get -2, -3; an all-digit title cannot pose as an id. */
	struct kb_article a;
	int64_t a1 = add("VPN setup", "one", "Network", NULL), a2 = add("VPN Setup!", "two", "Network", NULL);
	int64_t a3 = add("vpn setup", "three", "Network", "support");
	assert_int_equal(kb_article_get_id(st, ROLE_ADMIN, a2, &a), 0);
	assert_string_equal(a.slug, "vpn-setup-2");
	kb_article_release(&a);
	assert_int_equal(kb_article_get(st, ROLE_ADMIN, "vpn-setup-3", &a), 0);
	assert_int_equal(a.id, a3);
	kb_article_release(&a);
	assert_int_equal(kb_article_get(st, ROLE_ADMIN, "vpn-setup", &a), 0);
	assert_int_equal(a.id, a1);
	kb_article_release(&a);
	int64_t a4 = add("12", "numbers", "Misc", NULL);
	assert_int_equal(kb_article_get(st, ROLE_ADMIN, "article-12", &a), 0);
	assert_int_equal(a.id, a4);
	kb_article_release(&a);
	assert_int_equal(kb_article_get(st, ROLE_ADMIN, "12", &a), -ENOENT);
	assert_int_equal(kb_article_get(st, ROLE_ADMIN, "", &a), -EINVAL);
	assert_int_equal(kb_article_get(st, ROLE_ADMIN, "99999999999999999999999", &a), -ENOENT);
	assert_int_equal(kb_article_get(st, ROLE_ADMIN, "no-such-article", &a), -ENOENT);
}

static void test_visibility(void **state)
{
	struct kb_article a;
	int64_t pub = add("Reset your password", "Use the self-service portal.", "Accounts", "employees");
	int64_t sec = add("Reset a password in the directory", "Use the admin console; password reset for others.",
			  "Accounts", "support");
	json_t *list;
	int64_t next;
	struct kb_list_filter f = {0};
	assert_int_equal(kb_article_list(st, ROLE_EMPLOYEE, &f, &list, &next), 0);
	assert_string_equal(ids(list), "1");
	json_decref(list);
	assert_int_equal(kb_article_list(st, ROLE_SUPPORT, &f, &list, &next), 0);
	assert_string_equal(ids(list), "1,2");
	json_decref(list);

	assert_string_equal(search_ids(ROLE_EMPLOYEE, "password"), "1");
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "directory"), "");
	assert_string_equal(search_ids(ROLE_ADMIN, "directory"), "2");

	json_t *sug;
	assert_int_equal(kb_suggest(st, ROLE_EMPLOYEE, "I need a password reset", 0, &sug), 0);
	assert_string_equal(ids(sug), "1");
	json_decref(sug);
	assert_int_equal(kb_suggest(st, ROLE_SUPPORT, "password reset in the directory", 0, &sug), 0);
	assert_string_equal(ids(sug), "2,1");
	json_decref(sug);

	/* Show: the same 404 as a missing article, by id and by slug. */
	assert_int_equal(kb_article_get_id(st, ROLE_EMPLOYEE, sec, &a), -ENOENT);
	assert_string_equal(err_msg(-ENOENT), "article '2' does not exist");
	assert_int_equal(kb_article_get_id(st, ROLE_EMPLOYEE, 3, &a), -ENOENT);
	assert_string_equal(err_msg(-ENOENT), "article '3' does not exist");
	assert_int_equal(kb_article_get(st, ROLE_EMPLOYEE, "reset-a-password-in-the-directory", &a), -ENOENT);
	assert_int_equal(kb_article_get(st, ROLE_EMPLOYEE, "2", &a), -ENOENT);
	assert_int_equal(kb_article_get(st, ROLE_SUPPORT, "2", &a), 0);
	kb_article_release(&a);
	json_t *revs;
	assert_int_equal(kb_article_revisions(st, ROLE_EMPLOYEE, sec, 0, 0, &revs), -ENOENT);
	assert_int_equal(kb_article_deflected(st, "erin", ROLE_EMPLOYEE, sec, 7), -ENOENT);
	assert_int_equal(kb_article_deflected(st, "erin", ROLE_EMPLOYEE, pub, 7), 0);

	/* Made visible to everyone, it shows up for employees. */
	struct kb_fields e = {.visibility = "employees"};
	assert_int_equal(kb_article_edit(st, "sam", sec, &e), 0);
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "directory"), "2");
	e = (struct kb_fields){.visibility = "everyone"};
	assert_int_equal(kb_article_edit(st, "sam", sec, &e), -EINVAL);
}

static void test_ranking_and_prefix(void **state)
{
	/* Body mentions first (lower ids), title match last: the title still wins. */
	add("Monitor flickers", "Check the cable. The spooler has nothing to do with it.", "Hardware", NULL);
	add("Slow printing", "Clear the spooler queue, restart the spooler service; spooler logs help.", "Printing",
	    NULL);
	add("Spooler crashes", "Reinstall the driver.", "Printing", NULL);
	char *r = search_ids(ROLE_EMPLOYEE, "spooler");
	assert_int_equal(strncmp(r, "3,", 2), 0);
	assert_int_equal(strlen(r), 5);

	/* Prefixes with '*', including two- and three-letter ones (prefix indexes). */
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "spoo"), "");
	assert_int_equal(strlen(search_ids(ROLE_EMPLOYEE, "spoo*")), 5);
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "fli*"), "1");
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "fl*"), "1");
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "REINSTALL"), "3");
	/* All terms are required. */
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "spooler driver"), "3");
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "spooler cable"), "1");
	/* Diacritics do not matter. */
	add("Café Wi-Fi", "The guest network is called Büro.", "Network", NULL);
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "cafe buro"), "4");
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "CAFÉ"), "4");

	/* Snippets mark the matches; the HTML one is escaped. */
	add("Quoting", "Type <b>&\"spooler\"</b> in the box.", "Misc", NULL);
	json_t *res;
	assert_int_equal(kb_search(st, ROLE_EMPLOYEE, "box", 0, &res), 0);
	assert_int_equal(json_array_size(res), 1);
	const char *snip = json_string_value(json_object_get(json_array_get(res, 0), "snippet"));
	const char *html = json_string_value(json_object_get(json_array_get(res, 0), "snippet_html"));
	assert_string_equal(snip, "Type <b>&\"spooler\"</b> in the «box».");
	assert_non_null(strstr(html, "&lt;b&gt;&amp;&quot;spooler&quot;&lt;/b&gt;"));
	assert_non_null(strstr(html, "<mark>box</mark>"));
	assert_null(strstr(html, "<b>"));
	json_decref(res);

	/* The index follows edits, and a rolled-back create leaves no trace in it. */
	struct kb_fields e = {.body = "Replace the backlight."};
	assert_int_equal(kb_article_edit(st, "sam", 1, &e), 0);
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "cable"), "");
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "backlight"), "1");
	assert_int_equal(store_tx_begin(st), 0);
	add("Ghost article", "zanzibar", "Misc", NULL);
	store_tx_rollback(st);
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "zanzibar"), "");
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "ghost"), "");
}

static void test_hostile_queries(void **state)
{
	static const char *const hostile[] = {
	    "\"",
	    "\"\"",
	    "\"\"\"",
	    "NEAR(",
	    "NEAR(a b)",
	    "NEAR(a b, 2",
	    "a OR",
	    "OR",
	    "AND",
	    "NOT",
	    "a NOT",
	    "-x",
	    "col:val",
	    "title:spooler",
	    "body: x",
	    "{title body}: x",
	    "^spooler",
	    "spooler^",
	    "a + b",
	    "(",
	    ")",
	    "((a)",
	    "*",
	    "**",
	    "*a",
	    "a**",
	    "a*b",
	    "'",
	    "\\",
	    "a\"b",
	    "\"unterminated",
	    ":",
	    "a:*",
	    "-",
	    "+",
	    "@",
	    "NEAR/3",
	    "\x01\x02",
	    "rank:x",
	    "kb_fts:x",
	    "a;DROP TABLE kb_articles;--",
	    "%",
	    "_",
	    "spooler\" OR \"x",
	    "\"spooler\"*",
	    "é*",
	    "— –",
	    "‘quote’",
	    NULL,
	};
	add("Spooler crashes", "Reinstall the driver. a b x", "Printing", NULL);
	for (int i = 0; hostile[i]; i++) {
		json_t *res = NULL;
		int r = kb_search(st, ROLE_EMPLOYEE, hostile[i], 0, &res);
		if (r != 0)
			fail_msg("query '%s' failed: %s", hostile[i], err_msg(r));
		json_decref(res);
		r = kb_suggest(st, ROLE_EMPLOYEE, hostile[i], 0, &res);
		if (r != 0)
			fail_msg("suggestion for '%s' failed: %s", hostile[i], err_msg(r));
		json_decref(res);
	}
	/* Operators are words, not syntax. */
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "spooler OR nothing"), "");
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "title:spooler"), "");
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "-spooler"), "1");
	assert_string_equal(search_ids(ROLE_EMPLOYEE, "\"spooler\""), "1");

	char q[KB_FTS_QUERY_SIZE];
	assert_int_equal(kb_search_query("a\"b foo* -x", false, q, sizeof(q)), 3);
	assert_string_equal(q, "\"a\"\"b\" \"foo\"* \"-x\"");
	assert_int_equal(kb_search_query("NEAR( OR", true, q, sizeof(q)), 2);
	assert_string_equal(q, "\"NEAR(\" OR \"OR\"");
	assert_int_equal(kb_search_query("\" * ( ) :", false, q, sizeof(q)), 0);
	assert_string_equal(q, "");
	assert_int_equal(kb_search_query("a b c d e f g h i j k l m n o p q r s", false, q, sizeof(q)), KB_QUERY_TERMS);
	assert_int_equal(kb_search_query("abcdef", false, q, 5), -E2BIG);

	/* Too long, or not UTF-8: refused, not passed on. */
	char big[KB_QUERY_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_t *res;
	assert_int_equal(kb_search(st, ROLE_EMPLOYEE, big, 0, &res), -EINVAL);
	assert_int_equal(kb_search(st, ROLE_EMPLOYEE, "caf\xe9", 0, &res), -EINVAL);
	assert_int_equal(kb_search(st, ROLE_EMPLOYEE, NULL, 0, &res), -EINVAL);
	assert_int_equal(kb_search(st, ROLE_EMPLOYEE, "x", KB_SEARCH_MAX + 1, &res), -EINVAL);
}

static void test_suggest(void **state)
{
	add("Printer offline", "Restart the spooler service.", "Printing", NULL);
	add("VPN drops every hour", "Renew the certificate.", "Network", NULL);
	add("Outlook asks for the password again", "Remove the cached credentials.", "E-mail", NULL);
	json_t *res;
	assert_int_equal(kb_suggest(st, ROLE_EMPLOYEE,
				    "Hi, since this morning my printer shows offline again and nothing prints. "
				    "Please help!",
				    0, &res),
			 0);
	assert_true(json_array_size(res) >= 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 0), "title")), "Printer offline");
	json_decref(res);
	/* Any one significant word may match. */
	assert_int_equal(kb_suggest(st, ROLE_EMPLOYEE, "the vpn keeps dropping", 0, &res), 0);
	assert_string_equal(ids(res), "2");
	json_decref(res);
	assert_int_equal(kb_suggest(st, ROLE_EMPLOYEE, "Please help, it is not working!", 0, &res), 0);
	assert_int_equal(json_array_size(res), 0);
	json_decref(res);
	assert_int_equal(kb_suggest(st, ROLE_EMPLOYEE, "", 0, &res), 0);
	assert_int_equal(json_array_size(res), 0);
	json_decref(res);
	assert_int_equal(kb_suggest(st, ROLE_EMPLOYEE, NULL, 0, &res), 0);
	json_decref(res);
	assert_int_equal(kb_suggest(st, ROLE_EMPLOYEE, "printer", KB_SUGGEST_MAX + 1, &res), -EINVAL);
	assert_int_equal(kb_suggest(st, ROLE_EMPLOYEE, "printer \xff", 0, &res), -EINVAL);

	char q[KB_FTS_QUERY_SIZE];
	assert_int_equal(
	    kb_suggest_query("The Printer, the printer: it's OFFLINE since 9am (error 0x80070005)!", q, sizeof(q)), 5);
	assert_string_equal(q, "\"printer\"* OR \"offline\"* OR \"9am\"* OR \"error\"* OR \"0x80070005\"*");
	/* A long draft: only the first words count, and nothing past the limit is read. */
	char *draft = malloc(KB_SUGGEST_TEXT_MAX * 2);
	size_t len = 0;
	for (int i = 0; len + 16 < KB_SUGGEST_TEXT_MAX * 2 - 1; i++)
		len += (size_t)snprintf(draft + len, 16, "word%d ", i);
	assert_int_equal(kb_suggest_query(draft, q, sizeof(q)), KB_QUERY_TERMS);
	assert_int_equal(kb_suggest(st, ROLE_EMPLOYEE, draft, 0, &res), 0);
	json_decref(res);
	free(draft);
}

static void test_markdown_safe(void **state)
{
	const char *md = "# Fix\n\n<script>alert(1)</script>\n\nClick [here](javascript:alert(1)) or "
			 "[there](JAVASCRIPT:alert(2)) or <a href=\"javascript:x\">raw</a>.\n\n"
			 "<img src=x onerror=alert(3)>\n\n![pic](data:text/html;base64,PHNjcmlwdD4=)\n\n"
			 "[ok](https://example.com/a?b=1&c=2) and `<code>`\n";
	char *html;
	assert_int_equal(kb_render_html(md, &html), 0);
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "javascript:"));
	assert_null(strstr(html, "JAVASCRIPT:"));
	assert_null(strstr(html, "onerror"));
	assert_null(strstr(html, "<img src=\"x\""));
	assert_null(strstr(html, "data:text/html"));
	assert_null(strstr(html, "<a href=\"javascript"));
	assert_non_null(strstr(html, "<h1>Fix</h1>"));
	assert_non_null(strstr(html, "<a href=\"https://example.com/a?b=1&amp;c=2\">ok</a>"));
	assert_non_null(strstr(html, "<code>&lt;code&gt;</code>"));
	free(html);

	/* Stored as written, served rendered and safe. */
	struct kb_article a;
	json_t *j;
	int64_t id = add("Hostile", md, "Misc", NULL);
	assert_int_equal(kb_article_get_id(st, ROLE_EMPLOYEE, id, &a), 0);
	assert_string_equal(a.body, md);
	assert_int_equal(kb_article_json(&a, true, &j), 0);
	kb_article_release(&a);
	assert_null(strstr(json_string_value(json_object_get(j, "html")), "<script"));
	json_decref(j);
}

static void test_cite_deflect(void **state)
{
	struct kb_article a;
	int64_t id = add("Printer offline", "Restart the spooler.", "Printing", NULL);
	assert_int_equal(kb_article_cite(st, "sam", id, 41), 0);
	assert_int_equal(kb_article_cite(st, "sam", id, 41), 0); /* again: nothing new */
	assert_int_equal(kb_article_cite(st, "tom", id, 42), 0);
	assert_int_equal(kb_article_deflected(st, "erin", ROLE_EMPLOYEE, id, 43), 0);
	assert_int_equal(kb_article_deflected(st, "erin", ROLE_EMPLOYEE, id, 43), 0);
	assert_int_equal(kb_article_cite(st, "sam", id, 0), -EINVAL);
	assert_int_equal(kb_article_cite(st, "sam", id + 1, 44), -ENOENT);
	assert_int_equal(kb_article_deflected(st, "erin", ROLE_EMPLOYEE, id, -1), -EINVAL);
	assert_int_equal(kb_article_get_id(st, ROLE_EMPLOYEE, id, &a), 0);
	assert_int_equal(a.helped, 2);
	assert_int_equal(a.deflected, 1);
	kb_article_release(&a);
	assert_int_equal(log_count("kb.cite"), 2);
	assert_int_equal(log_count("kb.deflect"), 1);

	/* The counts show in listings and searches too. */
	json_t *list;
	int64_t next;
	struct kb_list_filter f = {0};
	assert_int_equal(kb_article_list(st, ROLE_EMPLOYEE, &f, &list, &next), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "helped")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "deflected")), 1);
	json_decref(list);

	/* Inside a caller's transaction, a refusal does not spoil it. */
	assert_int_equal(store_tx_begin(st), 0);
	assert_int_equal(kb_article_cite(st, "sam", id + 5, 50), -ENOENT);
	assert_int_equal(kb_article_cite(st, "sam", id, 50), 0);
	assert_int_equal(store_tx_commit(st), 0);
	assert_int_equal(kb_article_get_id(st, ROLE_EMPLOYEE, id, &a), 0);
	assert_int_equal(a.helped, 3);
	kb_article_release(&a);
	struct actlog_verify v;
	assert_int_equal(actlog_verify(st, &v), 0);
}

static void test_limits(void **state)
{
	struct kb_fields f = {.title = "t", .body = "b", .category = "c"};
	char title[KB_TITLE_MAX * 2 + 8], category[KB_CATEGORY_MAX + 2];
	int64_t id;
	/* 200 two-byte characters are fine; 201 are not. */
	title[0] = '\0';
	for (int i = 0; i < KB_TITLE_MAX; i++)
		strcat(title, "é");
	f.title = title;
	assert_int_equal(kb_article_create(st, "sam", &f, &id), 0);
	strcat(title, "x");
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -EINVAL);
	assert_non_null(strstr(err_msg(-EINVAL), "title is longer than 200 characters"));
	f.title = "   ";
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -EINVAL);
	f.title = NULL;
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -EINVAL);
	f.title = "tab\there";
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -EINVAL);
	f.title = "caf\xc3";
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -EINVAL);
	f.title = "ok";

	memset(category, 'c', KB_CATEGORY_MAX);
	category[KB_CATEGORY_MAX] = '\0';
	f.category = category;
	assert_int_equal(kb_article_create(st, "sam", &f, &id), 0);
	category[KB_CATEGORY_MAX] = 'c';
	category[KB_CATEGORY_MAX + 1] = '\0';
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -EINVAL);
	f.category = "c";

	char *body = malloc(KB_BODY_MAX + 2);
	memset(body, 'x', KB_BODY_MAX);
	body[KB_BODY_MAX] = '\0';
	f.body = body;
	assert_int_equal(kb_article_create(st, "sam", &f, &id), 0);
	body[KB_BODY_MAX] = 'x';
	body[KB_BODY_MAX + 1] = '\0';
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -E2BIG);
	struct kb_fields e = {.body = body};
	assert_int_equal(kb_article_edit(st, "sam", id, &e), -E2BIG);
	free(body);
	f.body = " \n\t ";
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -EINVAL);
	f.body = "bell\a";
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -EINVAL);
	f.body = "bad \xc0\xaf utf-8";
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -EINVAL);
	f.body = "ok";
	f.visibility = "public";
	assert_int_equal(kb_article_create(st, "sam", &f, &id), -EINVAL);
	f.visibility = NULL;
	assert_int_equal(kb_article_create(st, NULL, &f, &id), -EINVAL);

	/* Paging: limits checked, keyset by id, category without regard to case. */
	for (int i = 0; i < 5; i++)
		add("Paged", "p", i % 2 ? "Odd" : "Even", NULL);
	json_t *list;
	int64_t next;
	struct kb_list_filter lf = {.limit = KB_PAGE_MAX + 1};
	assert_int_equal(kb_article_list(st, ROLE_EMPLOYEE, &lf, &list, &next), -EINVAL);
	lf = (struct kb_list_filter){.limit = 3};
	assert_int_equal(kb_article_list(st, ROLE_EMPLOYEE, &lf, &list, &next), 0);
	assert_string_equal(ids(list), "1,2,3");
	assert_int_equal(next, 3);
	json_decref(list);
	lf.after = next;
	assert_int_equal(kb_article_list(st, ROLE_EMPLOYEE, &lf, &list, &next), 0);
	assert_string_equal(ids(list), "4,5,6");
	json_decref(list);
	lf.after = next;
	assert_int_equal(kb_article_list(st, ROLE_EMPLOYEE, &lf, &list, &next), 0);
	assert_string_equal(ids(list), "7,8");
	assert_int_equal(next, 0);
	json_decref(list);
	lf = (struct kb_list_filter){.category = "odd"};
	assert_int_equal(kb_article_list(st, ROLE_EMPLOYEE, &lf, &list, &next), 0);
	assert_string_equal(ids(list), "5,7");
	json_decref(list);
	lf = (struct kb_list_filter){.category = "Even", .limit = 2};
	assert_int_equal(kb_article_list(st, ROLE_EMPLOYEE, &lf, &list, &next), 0);
	assert_string_equal(ids(list), "4,6");
	assert_int_equal(next, 6);
	json_decref(list);
	lf.after = 6;
	assert_int_equal(kb_article_list(st, ROLE_EMPLOYEE, &lf, &list, &next), 0);
	assert_string_equal(ids(list), "8");
	assert_int_equal(next, 0);
	json_decref(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_edit_revisions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slugs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_visibility, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ranking_and_prefix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_queries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_suggest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_markdown_safe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cite_deflect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
