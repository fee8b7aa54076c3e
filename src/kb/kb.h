/*
 * kb.h: the knowledge base, the help desk's files on problem resolutions: Markdown
 * articles with every revision kept, full-text search (FTS5, bm25), suggestions for a
 * ticket being written, and how often each article helped. Every change is written
 * to the activity log in the same transaction.
 *
 * Who sees what: an article's visibility is "employees" (everyone logged in) or
 * "support" (support and admin only). Every read takes the reader's role; for a
 * reader below ROLE_SUPPORT a support-only article does not exist (-ENOENT, the same
 * message as for a missing one). Writes take no role: the faces check it (the route
 * table for the API, local access for the CLI).
 */
#ifndef WARD_KB_H
#define WARD_KB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/role.h"
#include "core/store.h"

/* Limits (they belong with the others in core/limits.h once the module is merged). */
#define KB_TITLE_MAX 200			   /* characters (code points) of a title */
#define KB_BODY_MAX (256 * 1024)		   /* bytes of an article's Markdown (-E2BIG above) */
#define KB_CATEGORY_MAX 64			   /* characters of a category */
#define KB_TITLE_SIZE (KB_TITLE_MAX * 4 + 1)	   /* bytes to hold a title */
#define KB_CATEGORY_SIZE (KB_CATEGORY_MAX * 4 + 1) /* bytes to hold a category */
#define KB_SLUG_MAX 80				   /* bytes of a slug */
#define KB_AUTHOR_MAX 255			   /* bytes of an author (an actor name) */
#define KB_QUERY_MAX 256			   /* bytes of a search query */
#define KB_QUERY_TERMS 16			   /* terms of a search or suggestion query */
#define KB_SUGGEST_TEXT_MAX (16 * 1024)		   /* bytes of a draft kb_suggest reads; the rest is ignored */
#define KB_FTS_QUERY_SIZE 2048			   /* buffer for an FTS5 query built from user text */
#define KB_PAGE_DEFAULT 50			   /* articles per page of a listing */
#define KB_PAGE_MAX 200
#define KB_SEARCH_DEFAULT 20 /* search results */
#define KB_SEARCH_MAX 50
#define KB_SUGGEST_DEFAULT 5 /* suggestions */
#define KB_SUGGEST_MAX 10
#define KB_REVISIONS_DEFAULT 20 /* revisions per page */
#define KB_REVISIONS_MAX 100

enum kb_visibility {
	KB_VIS_EMPLOYEES = 0, /* everyone logged in */
	KB_VIS_SUPPORT = 1,   /* support and admin only */
};

/* "employees" or "support". */
const char *kb_visibility_name(enum kb_visibility v);

/* -EINVAL (message set) for anything but "employees" or "support". */
int kb_visibility_parse(const char *text, enum kb_visibility *ret);

struct kb_article {
	int64_t id;
	char slug[KB_SLUG_MAX + 1];	 /* unique; from the title at creation */
	char title[KB_TITLE_SIZE];	 /* UTF-8 */
	char category[KB_CATEGORY_SIZE]; /* UTF-8 */
	enum kb_visibility visibility;
	char author[KB_AUTHOR_MAX + 1]; /* who created it */
	int64_t created_at, updated_at; /* Unix seconds */
	int64_t revision;		/* current revision number, from 1 */
	int64_t helped;			/* tickets that cited it (kb_article_cite) */
	int64_t deflected;		/* tickets closed because it helped (kb_article_deflected) */
	char *body;			/* Markdown, owned; NULL in listings */
};

/* Frees what the article owns (its body). NULL-safe; the struct may be reused. */
void kb_article_release(struct kb_article *a);

/* The fields of a new article or of an edit. For kb_article_create title, body and
 * category are required and visibility defaults to "employees"; for kb_article_edit
 * NULL means unchanged. Title and category are trimmed of surrounding white space. */
struct kb_fields {
	const char *title;	/* 1..KB_TITLE_MAX characters, no control characters */
	const char *body;	/* Markdown, UTF-8, not blank, at most KB_BODY_MAX bytes */
	const char *category;	/* 1..KB_CATEGORY_MAX characters, no control characters */
	const char *visibility; /* "employees" or "support" */
	int64_t base_revision;	/* edits only: when not 0, the revision the edit is based on */
};

/* Creates an article and its revision 1; the slug comes from the title, with "-2",
 * "-3"... appended when it is taken. *ret_id (may be NULL) gets the new id.
 * -EINVAL for a missing or invalid field, -E2BIG for a body over KB_BODY_MAX.
 * Logged as kb.create. Joins the caller's transaction when there is one. */
int kb_article_create(struct store *s, const char *actor, const struct kb_fields *f, int64_t *ret_id);

/* Changes an article's title, body, category or visibility and records the result as
 * a new revision, logged as kb.edit. The slug does not change, so links stay valid.
 * An edit that changes nothing writes nothing and returns 0. -EINVAL when no field is
 * given or one is invalid, -E2BIG for a body over KB_BODY_MAX, -ENOENT for no such
 * article, -EEXIST when base_revision is given and is no longer the current revision
 * (someone else edited it meanwhile). */
int kb_article_edit(struct store *s, const char *actor, int64_t id, const struct kb_fields *f);

/* The article with its body, by id (all digits) or slug, as role may see it; -ENOENT
 * otherwise. Release with kb_article_release(). */
int kb_article_get(struct store *s, enum role role, const char *id_or_slug, struct kb_article *ret);

/* Likewise by id. */
int kb_article_get_id(struct store *s, enum role role, int64_t id, struct kb_article *ret);

/* The article as the API and `--json` show it: {"id", "slug", "title", "category",
 * "visibility", "author", "created_at", "updated_at", "revision", "helped",
 * "deflected"} and, when full, "body" (Markdown) and "html" (rendered). */
int kb_article_json(const struct kb_article *a, bool full, json_t **ret);

struct kb_list_filter {
	const char *category; /* exact (ASCII case ignored), or NULL */
	int64_t after;	      /* articles with a higher id (keyset paging; 0: from the start) */
	int limit;	      /* 1..KB_PAGE_MAX; 0: KB_PAGE_DEFAULT */
};

/* Articles role may see, by id, as summaries (kb_article_json without body). *ret is a
 * new array; *ret_next_after the `after` of the next page, or 0 on the last one. */
int kb_article_list(struct store *s, enum role role, const struct kb_list_filter *f, json_t **ret,
		    int64_t *ret_next_after);

/* The article's revisions, newest first, with revision numbers below before (0: from
 * the newest): {"revision", "author", "at", "title", "body", "category", "visibility"}.
 * -ENOENT when role may not see the article. */
int kb_article_revisions(struct store *s, enum role role, int64_t id, int64_t before, int limit, json_t **ret);

/* Records that the resolution of ticket_id cited the article ("helped N times"),
 * logged as kb.cite. Citing the same article on the same ticket again writes nothing.
 * -ENOENT for no such article, -EINVAL for a ticket id below 1. For the help desk:
 * joins its transaction when called inside one. */
int kb_article_cite(struct store *s, const char *actor, int64_t article_id, int64_t ticket_id);

/* Records that the employee (actor, with role) closed ticket_id because the article
 * helped, logged as kb.deflect. Idempotent per article and ticket like the above;
 * -ENOENT also when role may not see the article. */
int kb_article_deflected(struct store *s, const char *actor, enum role role, int64_t article_id, int64_t ticket_id);

/* Full-text search over titles and bodies, best first (bm25, a title match weighing
 * ten times a body match); a term ending in '*' matches as a prefix. Terms are all
 * required. The text is never handed to FTS5 as syntax: see kb_search_query. Each
 * result is a summary with "snippet" (from the body, matches in «...») and
 * "snippet_html" (escaped, matches in <mark>...</mark>). A query with no searchable
 * term gives no results. -EINVAL for a query over KB_QUERY_MAX bytes or not UTF-8. */
int kb_search(struct store *s, enum role role, const char *query, int limit, json_t **ret);

/* Suggestions for the new-ticket form: the significant words of text (a draft title
 * or description: stop words, words under three characters and repeats dropped; the
 * first KB_QUERY_TERMS kept), any of which may match, each also as a prefix; the top
 * limit articles role may see, as kb_search gives them. Only the first
 * KB_SUGGEST_TEXT_MAX bytes of text are read. */
int kb_suggest(struct store *s, enum role role, const char *text, int limit, json_t **ret);

/* Pure helpers, exposed for the tests. */

/* The slug of a title into out: lower-case ASCII letters and digits joined by '-',
 * Latin-1 accented letters folded ("Café" -> "cafe"), at most KB_SLUG_MAX bytes; never
 * empty and never all digits (so it cannot be taken for an id): "article" or
 * "article-<digits>" then. */
void kb_slugify(const char *title, char out[KB_SLUG_MAX + 1]);

/* Turns user text into a safe FTS5 query: split at white space, each term quoted as an
 * FTS5 string (a '"' doubled), a trailing '*' kept outside the quotes as a prefix
 * marker, terms with no letter or digit dropped, at most KB_QUERY_TERMS terms joined
 * by " " (all required) or, with any, by " OR ". Returns the number of terms (0: the
 * query would match nothing), or -E2BIG when out is too small. */
int kb_search_query(const char *text, bool any, char *out, size_t size);

/* The FTS5 query kb_suggest runs for text: its significant words, each quoted and a
 * prefix, joined by " OR ". Returns the number of words, or -E2BIG. */
int kb_suggest_query(const char *text, char *out, size_t size);

/* Markdown to HTML with cmark's safe defaults: raw HTML is dropped and links to
 * javascript:, vbscript:, file: and data: (but images) are emptied. *ret is
 * NUL-terminated; the caller frees it with free(). -ENOMEM. */
int kb_render_html(const char *markdown, char **ret);

#endif
