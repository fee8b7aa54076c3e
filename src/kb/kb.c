/*
 * kb.c: the knowledge base's logic: checking articles, slugs, revisions, turning what
 * people type into safe FTS5 queries, rendering Markdown with cmark, and the "helped"
 * counts. Every change is logged in the activity log in the same transaction.
 */
#include "kb/kb.h"

#include <cmark.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog/actlog.h"
#include "core/err.h"
#include "core/text.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "kb/kb_store.h"

#define KB_WORD_MAX 64			    /* bytes of one suggestion word; longer ones are skipped */
#define KB_SLUG_TRIES 1000		    /* "-2" ... "-999" before giving up on a slug */
#define KB_SLUG_BASE_MAX (KB_SLUG_MAX - 10) /* room for "article-" or "-999" */

const char *kb_visibility_name(enum kb_visibility v)
{
	return v == KB_VIS_SUPPORT ? "support" : "employees";
}

int kb_visibility_parse(const char *text, enum kb_visibility *ret)
{
	if (text && strcmp(text, "employees") == 0)
		*ret = KB_VIS_EMPLOYEES;
	else if (text && strcmp(text, "support") == 0)
		*ret = KB_VIS_SUPPORT;
	else
		return err_set(-EINVAL, "visibility '%.32s' is not valid (employees or support)", text ? text : "");
	return 0;
}

void kb_article_release(struct kb_article *a)
{
	if (!a)
		return;
	free(a->body);
	a->body = NULL;
}


/* Trims text into out and checks it is one line of 1..max_chars characters. */
static int check_line(const char *what, const char *text, size_t max_chars, char *out, size_t size)
{
	if (!text)
		return err_set(-EINVAL, "%s is required", what);
	const char *b = text, *e = text + strlen(text);
	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	size_t n = (size_t)(e - b), chars = 0;
	if (n == 0)
		return err_set(-EINVAL, "%s is required", what);
	if (n < size && !utf8_valid(b, n, &chars))
		return err_set(-EINVAL, "%s is not valid UTF-8", what);
	if (n >= size || chars > max_chars)
		return err_set(-EINVAL, "%s is longer than %zu characters", what, max_chars);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)b[i] < 0x20 || b[i] == 0x7f)
			return err_set(-EINVAL, "%s must not hold control characters", what);
	memcpy(out, b, n);
	out[n] = '\0';
	return 0;
}

static int check_body(const char *body)
{
	if (!body)
		return err_set(-EINVAL, "body is required");
	size_t n = strlen(body);
	if (n > KB_BODY_MAX)
		return err_set(-E2BIG, "body is larger than %d bytes (256 KiB)", KB_BODY_MAX);
	if (!utf8_valid(body, n, NULL))
		return err_set(-EINVAL, "body is not valid UTF-8");
	bool blank = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)body[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return err_set(-EINVAL, "body must not hold control characters other than tab and newline");
		blank = blank && isspace(c);
	}
	if (blank)
		return err_set(-EINVAL, "body is empty");
	return 0;
}

static int check_actor(const char *actor)
{
	if (!actor || !*actor || strlen(actor) > KB_AUTHOR_MAX)
		return err_set(-EINVAL, "actor name is not valid");
	return 0;
}

/* Latin-1 letters U+00C0..U+00FF (UTF-8 C3 80..C3 BF) folded to ASCII for slugs;
 * NULL separates words (× and ÷). */
static const char *const latin1_fold[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",	/* U+00C0 À..Ï */
    "d", "n", "o", "o", "o", "o", "o",	NULL, "o", "u", "u", "u", "u", "y", "th", "ss", /* U+00D0 Ð..ß */
    "a", "a", "a", "a", "a", "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",	/* U+00E0 à..ï */
    "d", "n", "o", "o", "o", "o", "o",	NULL, "o", "u", "u", "u", "u", "y", "th", "y",	/* U+00F0 ð..ÿ */
};

void kb_slugify(const char *title, char out[KB_SLUG_MAX + 1])
{
	size_t len = 0;
	bool sep = false, digits = true;
	const unsigned char *p = (const unsigned char *)(title ? title : "");
	while (*p) {
		char one[2] = {0, 0};
		const char *piece = NULL;
		if (isalnum(*p)) {
			one[0] = (char)tolower(*p);
			piece = one;
			p++;
		} else if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
			piece = latin1_fold[p[1] - 0x80];
			p += 2;
		} else {
			p++;
			/* Skip the rest of a multi-byte character. */
			while ((*p & 0xc0) == 0x80)
				p++;
		}
		if (!piece) {
			sep = true;
			continue;
		}
		size_t n = strlen(piece);
		if (len + (sep && len ? 1 : 0) + n > KB_SLUG_BASE_MAX)
			break;
		if (sep && len)
			out[len++] = '-';
		sep = false;
		memcpy(out + len, piece, n);
		len += n;
		for (size_t i = 0; i < n; i++)
			digits = digits && isdigit((unsigned char)piece[i]);
	}
	out[len] = '\0';
	if (len == 0) {
		snprintf(out, KB_SLUG_MAX + 1, "article");
	} else if (digits) {
		memmove(out + 8, out, len + 1); /* len <= KB_SLUG_BASE_MAX leaves room */
		memcpy(out, "article-", 8);
	}
}

/* The title's slug, made unique with "-2", "-3"...; inside the write transaction. */
static int unique_slug(struct store *s, const char *title, char out[KB_SLUG_MAX + 1])
{
	char base[KB_SLUG_MAX + 1];
	bool taken;
	kb_slugify(title, base);
	for (int i = 1; i < KB_SLUG_TRIES; i++) {
		int n = i == 1 ? snprintf(out, KB_SLUG_MAX + 1, "%s", base)
			       : snprintf(out, KB_SLUG_MAX + 1, "%s-%d", base, i);
		if (n < 0 || n > KB_SLUG_MAX)
			return err_set(-EINVAL, "slug '%s' is too long", base); /* cannot happen: base is short */
		int r = kb_store_slug_taken(s, out, &taken);
		if (r < 0)
			return r;
		if (!taken)
			return 0;
	}
	return err_set(-EEXIST, "too many articles have the slug '%s'; choose another title", base);
}

int kb_article_create(struct store *s, const char *actor, const struct kb_fields *f, int64_t *ret_id)
{
	char title[KB_TITLE_SIZE], category[KB_CATEGORY_SIZE];
	char slug[KB_SLUG_MAX + 1], object[KB_SLUG_MAX + 8];
	enum kb_visibility vis = KB_VIS_EMPLOYEES;
	int64_t id, now = time_now();
	int r;
	if ((r = check_actor(actor)) < 0 ||
	    (r = check_line("title", f->title, KB_TITLE_MAX, title, sizeof(title))) < 0 ||
	    (r = check_body(f->body)) < 0 ||
	    (r = check_line("category", f->category, KB_CATEGORY_MAX, category, sizeof(category))) < 0 ||
	    (f->visibility && (r = kb_visibility_parse(f->visibility, &vis)) < 0))
		return r;
	const char *vname = kb_visibility_name(vis);
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = unique_slug(s, title, slug)) < 0 ||
	    (r = kb_store_insert(s, slug, title, f->body, category, vname, actor, now, &id)) < 0 ||
	    (r = kb_store_revision_add(s, id, 1, actor, now, title, f->body, category, vname)) < 0)
		goto end;
	snprintf(object, sizeof(object), "kb:%s", slug);
	r = actlog_appendf(s, actor, "kb.create", object, "{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "title", title,
			   "category", category, "visibility", vname);
end:
	r = store_tx_end(s, r);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

int kb_article_edit(struct store *s, const char *actor, int64_t id, const struct kb_fields *f)
{
	char title[KB_TITLE_SIZE], category[KB_CATEGORY_SIZE];
	char object[KB_SLUG_MAX + 8];
	enum kb_visibility vis = KB_VIS_EMPLOYEES;
	struct kb_article cur = {0};
	json_t *changed = NULL;
	int r;
	if ((r = check_actor(actor)) < 0)
		return r;
	if (!f->title && !f->body && !f->category && !f->visibility)
		return err_set(-EINVAL, "nothing to change: give a title, body, category or visibility");
	if ((f->title && (r = check_line("title", f->title, KB_TITLE_MAX, title, sizeof(title))) < 0) ||
	    (f->body && (r = check_body(f->body)) < 0) ||
	    (f->category &&
	     (r = check_line("category", f->category, KB_CATEGORY_MAX, category, sizeof(category))) < 0) ||
	    (f->visibility && (r = kb_visibility_parse(f->visibility, &vis)) < 0))
		return r;
	if (f->base_revision < 0)
		return err_set(-EINVAL, "base revision must be a revision number");
	if (!(changed = json_array()))
		return -ENOMEM;
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if ((r = kb_store_get_id(s, id, &cur)) < 0)
		goto end;
	if (f->base_revision && f->base_revision != cur.revision) {
		r = err_set(-EEXIST,
			    "article '%s' was edited since revision %lld (it is at revision %lld); reload it and "
			    "edit again",
			    cur.slug, (long long)f->base_revision, (long long)cur.revision);
		goto end;
	}
	const char *nt = f->title ? title : cur.title, *nb = f->body ? f->body : cur.body;
	const char *nc = f->category ? category : cur.category;
	enum kb_visibility nv = f->visibility ? vis : cur.visibility;
	if (strcmp(nt, cur.title) != 0)
		json_array_append_new(changed, json_string("title"));
	if (strcmp(nb, cur.body) != 0)
		json_array_append_new(changed, json_string("body"));
	if (strcmp(nc, cur.category) != 0)
		json_array_append_new(changed, json_string("category"));
	if (nv != cur.visibility)
		json_array_append_new(changed, json_string("visibility"));
	if (json_array_size(changed) == 0)
		goto end; /* nothing to write */
	int64_t rev = cur.revision + 1, now = time_now();
	const char *vname = kb_visibility_name(nv);
	if ((r = kb_store_update(s, id, nt, nb, nc, vname, rev, now)) < 0 ||
	    (r = kb_store_revision_add(s, id, rev, actor, now, nt, nb, nc, vname)) < 0)
		goto end;
	snprintf(object, sizeof(object), "kb:%s", cur.slug);
	r = actlog_appendf(s, actor, "kb.edit", object, "{s:I, s:I, s:O}", "id", (json_int_t)id, "revision",
			   (json_int_t)rev, "changed", changed);
end:
	r = store_tx_end(s, r);
out:
	kb_article_release(&cur);
	json_decref(changed);
	return r;
}

static bool may_see(enum role role, const struct kb_article *a)
{
	return a->visibility == KB_VIS_EMPLOYEES || role >= ROLE_SUPPORT;
}

int kb_article_get_id(struct store *s, enum role role, int64_t id, struct kb_article *ret)
{
	struct kb_article a;
	int r = kb_store_get_id(s, id, &a);
	if (r < 0)
		return r;
	if (!may_see(role, &a)) {
		kb_article_release(&a);
		return err_set(-ENOENT, "article '%lld' does not exist", (long long)id);
	}
	*ret = a;
	return 0;
}

int kb_article_get(struct store *s, enum role role, const char *id_or_slug, struct kb_article *ret)
{
	struct kb_article a;
	int64_t id;
	int r;
	if (!id_or_slug || !*id_or_slug)
		return err_set(-EINVAL, "an article id or slug is required");
	if (strspn(id_or_slug, "0123456789") == strlen(id_or_slug)) {
		if (parse_int64(id_or_slug, 1, INT64_MAX, &id) < 0)
			return err_set(-ENOENT, "article '%.32s' does not exist", id_or_slug);
		return kb_article_get_id(s, role, id, ret);
	}
	if (strlen(id_or_slug) > KB_SLUG_MAX)
		return err_set(-ENOENT, "article '%.80s...' does not exist", id_or_slug);
	if ((r = kb_store_get_slug(s, id_or_slug, &a)) < 0)
		return r;
	if (!may_see(role, &a)) {
		kb_article_release(&a);
		return err_set(-ENOENT, "article '%s' does not exist", id_or_slug);
	}
	*ret = a;
	return 0;
}

/* libcmark is opened on first use (as GMime and libmicrohttpd are), so processes that
 * never render Markdown (the agent above all) do not carry it. */
static char *(*cm_to_html)(const char *, size_t, int);
static char cm_message[256];
static pthread_once_t cm_once = PTHREAD_ONCE_INIT;

static void cm_load(void)
{
	void *h = dlopen(WARD_CMARK_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(cm_message, sizeof(cm_message), "cannot load libcmark (%s): %s; install libcmark0.30.2",
			 WARD_CMARK_SONAME, dlerror());
		return;
	}
	if (!(*(void **)&cm_to_html = dlsym(h, "cmark_markdown_to_html"))) {
		snprintf(cm_message, sizeof(cm_message), "%s has no cmark_markdown_to_html", WARD_CMARK_SONAME);
		dlclose(h);
	}
}

int kb_render_html(const char *markdown, char **ret)
{
	pthread_once(&cm_once, cm_load);
	if (!cm_to_html)
		return err_set(-ENOENT, "%s", cm_message);
	/* CMARK_OPT_DEFAULT is the safe mode: no CMARK_OPT_UNSAFE, ever. */
	char *html = cm_to_html(markdown, strlen(markdown), CMARK_OPT_DEFAULT);
	if (!html)
		return -ENOMEM;
	*ret = html;
	return 0;
}

int kb_article_json(const struct kb_article *a, bool full, json_t **ret)
{
	json_t *j = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:I}", "id", (json_int_t)a->id, "slug", a->slug,
	    "title", a->title, "category", a->category, "visibility", kb_visibility_name(a->visibility), "author",
	    a->author, "created_at", json_time(a->created_at), "updated_at", json_time(a->updated_at), "revision",
	    (json_int_t)a->revision, "helped", (json_int_t)a->helped, "deflected", (json_int_t)a->deflected);
	if (!j)
		return -ENOMEM;
	if (full) {
		char *html = NULL;
		int r = kb_render_html(a->body ? a->body : "", &html);
		if (r < 0 || json_object_set_new(j, "body", json_string(a->body ? a->body : "")) < 0 ||
		    json_object_set_new(j, "html", json_string(html)) < 0) {
			free(html);
			json_decref(j);
			return r < 0 ? r : -ENOMEM;
		}
		free(html);
	}
	*ret = j;
	return 0;
}

struct collect {
	json_t *out;
	int64_t last_id;
};

/* The snippet with its \x02...\x03 markers as "«...»" (text) or escaped HTML with
 * <mark>...</mark>; runs of white space become one space. NULL on OOM. */
static json_t *snippet_json(const char *raw, bool html)
{
	size_t n = strlen(raw), len = 0;
	char *out = malloc(n * 7 + 1);
	if (!out)
		return NULL;
	for (const char *p = raw; *p; p++) {
		const char *rep = NULL;
		switch (*p) {
		case '\x02': rep = html ? "<mark>" : "«"; break;
		case '\x03': rep = html ? "</mark>" : "»"; break;
		case '&': rep = html ? "&amp;" : NULL; break;
		case '<': rep = html ? "&lt;" : NULL; break;
		case '>': rep = html ? "&gt;" : NULL; break;
		case '"': rep = html ? "&quot;" : NULL; break;
		case '\'': rep = html ? "&#39;" : NULL; break;
		}
		if (isspace((unsigned char)*p)) {
			if (len > 0 && out[len - 1] != ' ')
				out[len++] = ' ';
		} else if (rep) {
			memcpy(out + len, rep, strlen(rep));
			len += strlen(rep);
		} else {
			out[len++] = *p;
		}
	}
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	json_t *j = json_string(out);
	free(out);
	return j;
}

static int collect_row(const struct kb_article *a, const char *snippet, void *arg)
{
	struct collect *c = arg;
	json_t *j;
	int r = kb_article_json(a, false, &j);
	if (r < 0)
		return r;
	if (snippet && (json_object_set_new(j, "snippet", snippet_json(snippet, false)) < 0 ||
			json_object_set_new(j, "snippet_html", snippet_json(snippet, true)) < 0)) {
		json_decref(j);
		return -ENOMEM;
	}
	if (json_array_append_new(c->out, j) < 0)
		return -ENOMEM;
	c->last_id = a->id;
	return 0;
}

static int check_limit(const char *what, int *limit, int def, int max)
{
	if (*limit == 0)
		*limit = def;
	if (*limit < 1 || *limit > max)
		return err_set(-EINVAL, "%s must be between 1 and %d", what, max);
	return 0;
}

int kb_article_list(struct store *s, enum role role, const struct kb_list_filter *f, json_t **ret,
		    int64_t *ret_next_after)
{
	int limit = f->limit, r;
	const char *category = f->category && *f->category ? f->category : NULL;
	if ((r = check_limit("limit", &limit, KB_PAGE_DEFAULT, KB_PAGE_MAX)) < 0)
		return r;
	if (f->after < 0)
		return err_set(-EINVAL, "after must be an article id");
	struct collect c = {json_array(), 0};
	if (!c.out)
		return -ENOMEM;
	/* One more than the page tells whether another page follows. */
	if ((r = kb_store_list(s, role >= ROLE_SUPPORT, category, f->after, limit + 1, collect_row, &c)) < 0) {
		json_decref(c.out);
		return r;
	}
	int64_t next = 0;
	if (json_array_size(c.out) > (size_t)limit) {
		json_array_remove(c.out, (size_t)limit);
		next = json_integer_value(json_object_get(json_array_get(c.out, (size_t)limit - 1), "id"));
	}
	*ret = c.out;
	*ret_next_after = next;
	return 0;
}

int kb_article_revisions(struct store *s, enum role role, int64_t id, int64_t before, int limit, json_t **ret)
{
	struct kb_article a;
	int r;
	if ((r = check_limit("limit", &limit, KB_REVISIONS_DEFAULT, KB_REVISIONS_MAX)) < 0)
		return r;
	if (before < 0)
		return err_set(-EINVAL, "before must be a revision number");
	if ((r = kb_article_get_id(s, role, id, &a)) < 0)
		return r;
	kb_article_release(&a);
	json_t *out = json_array();
	if (!out)
		return -ENOMEM;
	if ((r = kb_store_revisions(s, id, before, limit, out)) < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

/* Cite and deflect: the checks come before the transaction, so a refusal does not spoil
 * a transaction of the caller's that this one joins. */
static int record_ticket(struct store *s, const char *actor, enum role role, int64_t article_id, int64_t ticket_id,
			 bool deflect)
{
	struct kb_article a;
	char object[KB_SLUG_MAX + 8];
	bool added = false;
	int r;
	if ((r = check_actor(actor)) < 0)
		return r;
	if (ticket_id < 1)
		return err_set(-EINVAL, "ticket id must be a positive number");
	if ((r = kb_article_get_id(s, role, article_id, &a)) < 0)
		return r;
	snprintf(object, sizeof(object), "kb:%s", a.slug);
	kb_article_release(&a);
	if ((r = store_tx_begin(s)) < 0)
		return r;
	int64_t now = time_now();
	r = deflect ? kb_store_deflect(s, article_id, ticket_id, actor, now, &added)
		    : kb_store_cite(s, article_id, ticket_id, actor, now, &added);
	if (r == 0 && added)
		r = actlog_appendf(s, actor, deflect ? "kb.deflect" : "kb.cite", object, "{s:I, s:I}", "id",
				   (json_int_t)article_id, "ticket", (json_int_t)ticket_id);
	return store_tx_end(s, r);
}

int kb_article_cite(struct store *s, const char *actor, int64_t article_id, int64_t ticket_id)
{
	return record_ticket(s, actor, ROLE_ADMIN, article_id, ticket_id, false);
}

int kb_article_deflected(struct store *s, const char *actor, enum role role, int64_t article_id, int64_t ticket_id)
{
	return record_ticket(s, actor, role, article_id, ticket_id, true);
}

/* Appends text to out[*len..size); -E2BIG when it does not fit. */
static int put(char *out, size_t size, size_t *len, const char *text, size_t n)
{
	if (*len + n + 1 > size)
		return -E2BIG;
	memcpy(out + *len, text, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* Appends one term as an FTS5 string, '"' doubled, then '*' when a prefix. */
static int put_term(char *out, size_t size, size_t *len, const char *sep, const char *b, const char *e, bool prefix)
{
	int r = 0;
	if (*len > 0)
		r = put(out, size, len, sep, strlen(sep));
	if (r == 0)
		r = put(out, size, len, "\"", 1);
	for (const char *p = b; r == 0 && p < e; p++)
		r = *p == '"' ? put(out, size, len, "\"\"", 2) : put(out, size, len, p, 1);
	if (r == 0)
		r = put(out, size, len, prefix ? "\"*" : "\"", prefix ? 2 : 1);
	return r;
}

/* A letter or digit as the tokenizer sees it: ASCII alphanumerics and any non-ASCII
 * byte (non-ASCII punctuation slips through; FTS5 then ignores the empty phrase). */
static bool word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

int kb_search_query(const char *text, bool any, char *out, size_t size)
{
	size_t len = 0;
	int n = 0, r;
	if (size == 0)
		return -E2BIG;
	out[0] = '\0';
	const char *p = text ? text : "";
	while (*p && n < KB_QUERY_TERMS) {
		while (*p && isspace((unsigned char)*p))
			p++;
		const char *b = p, *e;
		while (*p && !isspace((unsigned char)*p))
			p++;
		e = p;
		bool prefix = false;
		while (e > b && e[-1] == '*') {
			e--;
			prefix = true;
		}
		bool word = false;
		for (const char *q = b; q < e && !word; q++)
			word = word_byte((unsigned char)*q);
		if (!word)
			continue;
		if ((r = put_term(out, size, &len, any ? " OR " : " ", b, e, prefix)) < 0)
			return r;
		n++;
	}
	return n;
}

/* Words that say nothing about the problem. Sorted, for bsearch. */
static const char *const stop_words[] = {
    "about",  "after",	 "again",     "all",   "also",	  "and",       "any",	   "anyone", "are",	"because",
    "been",   "before",	 "being",     "but",   "can",	  "cannot",    "cant",	   "could",  "did",	"does",
    "doesn",  "doesnt",	 "doing",     "don",   "dont",	  "each",      "even",	   "every",  "for",	"from",
    "get",    "gets",	 "getting",   "got",   "had",	  "has",       "have",	   "having", "hello",	"help",
    "her",    "here",	 "hey",	      "him",   "his",	  "how",       "into",	   "isn",    "isnt",	"issue",
    "issues", "its",	 "just",      "know",  "like",	  "may",       "me",	   "might",  "more",	"morning",
    "most",   "much",	 "must",      "need",  "needs",	  "not",       "now",	   "off",    "once",	"only",
    "other",  "our",	 "out",	      "over",  "please",  "problem",   "problems", "really", "same",	"see",
    "seems",  "should",	 "since",     "some",  "someone", "something", "still",	   "such",   "than",	"thank",
    "thanks", "that",	 "the",	      "their", "them",	  "then",      "there",	   "these",  "they",	"this",
    "those",  "through", "today",     "too",   "tried",	  "try",       "trying",   "under",  "until",	"very",
    "via",    "want",	 "was",	      "wasn",  "way",	  "were",      "what",	   "when",   "where",	"which",
    "while",  "who",	 "why",	      "will",  "with",	  "won",       "wont",	   "work",   "working", "works",
    "would",  "yes",	 "yesterday", "yet",   "you",	  "your",
};

static int cmp_word(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_stop_word(const char *w)
{
	return bsearch(&w, stop_words, sizeof(stop_words) / sizeof(stop_words[0]), sizeof(stop_words[0]), cmp_word);
}

/* How many bytes of a draft kb_suggest reads: at most KB_SUGGEST_TEXT_MAX, cut at a
 * character boundary. */
static size_t suggest_len(const char *text)
{
	size_t n = strnlen(text, KB_SUGGEST_TEXT_MAX + 1);
	if (n <= KB_SUGGEST_TEXT_MAX)
		return n;
	n = KB_SUGGEST_TEXT_MAX;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	return n;
}

int kb_suggest_query(const char *text, char *out, size_t size)
{
	char seen[KB_QUERY_TERMS][KB_WORD_MAX + 1];
	size_t len = 0, end;
	int n = 0, r;
	if (size == 0)
		return -E2BIG;
	out[0] = '\0';
	text = text ? text : "";
	end = suggest_len(text);
	for (size_t i = 0; i < end && n < KB_QUERY_TERMS;) {
		while (i < end && !word_byte((unsigned char)text[i]))
			i++;
		size_t b = i, chars = 0;
		while (i < end && word_byte((unsigned char)text[i])) {
			if (((unsigned char)text[i] & 0xc0) != 0x80)
				chars++;
			i++;
		}
		size_t wl = i - b;
		if (chars < 3 || wl > KB_WORD_MAX)
			continue;
		char word[KB_WORD_MAX + 1];
		for (size_t k = 0; k < wl; k++)
			word[k] = (char)tolower((unsigned char)text[b + k]);
		word[wl] = '\0';
		bool dup = is_stop_word(word);
		for (int k = 0; k < n && !dup; k++)
			dup = strcmp(seen[k], word) == 0;
		if (dup)
			continue;
		memcpy(seen[n], word, wl + 1);
		if ((r = put_term(out, size, &len, " OR ", word, word + wl, true)) < 0)
			return r;
		n++;
	}
	return n;
}

static int run_search(struct store *s, enum role role, const char *match, int nterms, int limit, json_t **ret)
{
	struct collect c = {json_array(), 0};
	int r = 0;
	if (!c.out)
		return -ENOMEM;
	if (nterms > 0 && (r = kb_store_search(s, role >= ROLE_SUPPORT, match, limit, collect_row, &c)) < 0) {
		json_decref(c.out);
		return r;
	}
	*ret = c.out;
	return 0;
}

int kb_search(struct store *s, enum role role, const char *query, int limit, json_t **ret)
{
	char match[KB_FTS_QUERY_SIZE];
	int r, n;
	if (!query)
		return err_set(-EINVAL, "a search query is required");
	if (strlen(query) > KB_QUERY_MAX)
		return err_set(-EINVAL, "search query is longer than %d bytes", KB_QUERY_MAX);
	if (!utf8_valid(query, strlen(query), NULL))
		return err_set(-EINVAL, "search query is not valid UTF-8");
	if ((r = check_limit("limit", &limit, KB_SEARCH_DEFAULT, KB_SEARCH_MAX)) < 0)
		return r;
	if ((n = kb_search_query(query, false, match, sizeof(match))) < 0)
		return err_set(n, "search query is too long");
	return run_search(s, role, match, n, limit, ret);
}

int kb_suggest(struct store *s, enum role role, const char *text, int limit, json_t **ret)
{
	char match[KB_FTS_QUERY_SIZE];
	int r, n;
	text = text ? text : "";
	if (!utf8_valid(text, suggest_len(text), NULL))
		return err_set(-EINVAL, "text is not valid UTF-8");
	if ((r = check_limit("limit", &limit, KB_SUGGEST_DEFAULT, KB_SUGGEST_MAX)) < 0)
		return r;
	if ((n = kb_suggest_query(text, match, sizeof(match))) < 0)
		return err_set(n, "text has too many words");
	return run_search(s, role, match, n, limit, ret);
}
