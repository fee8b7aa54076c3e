/*
 * kb_store.h: the knowledge base's SQL (kb_store.c); used only by kb.c.
 */
#ifndef WARD_KB_STORE_H
#define WARD_KB_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"
#include "kb/kb.h"

/* One row of a listing or a search: the article without its body, and for a search
 * the body snippet with matches between \x02 and \x03 (NULL in listings). Return
 * non-zero to stop. */
typedef int (*kb_store_row_fn)(const struct kb_article *a, const char *snippet, void *arg);

/* True in *ret when an article has the slug. */
int kb_store_slug_taken(struct store *s, const char *slug, bool *ret);

int kb_store_insert(struct store *s, const char *slug, const char *title, const char *body, const char *category,
		    const char *visibility, const char *author, int64_t now, int64_t *ret_id);

/* Overwrites the article's fields and makes revision its current revision. */
int kb_store_update(struct store *s, int64_t id, const char *title, const char *body, const char *category,
		    const char *visibility, int64_t revision, int64_t now);

int kb_store_revision_add(struct store *s, int64_t id, int64_t revision, const char *author, int64_t now,
			  const char *title, const char *body, const char *category, const char *visibility);

/* The article with its body (caller releases it); -ENOENT. */
int kb_store_get_id(struct store *s, int64_t id, struct kb_article *ret);
int kb_store_get_slug(struct store *s, const char *slug, struct kb_article *ret);

/* Articles with id above after, by id, at most limit; with all false only those
 * visible to employees; category NULL for every category. */
int kb_store_list(struct store *s, bool all, const char *category, int64_t after, int limit, kb_store_row_fn fn,
		  void *arg);

/* The articles matching an FTS5 query, best first (bm25, title weighted 10, body 1). */
int kb_store_search(struct store *s, bool all, const char *match, int limit, kb_store_row_fn fn, void *arg);

/* Appends the revisions below before (0: all), newest first, to out. */
int kb_store_revisions(struct store *s, int64_t id, int64_t before, int limit, json_t *out);

/* Records a citation or a deflection; *ret_new tells whether it was not there yet. */
int kb_store_cite(struct store *s, int64_t article_id, int64_t ticket_id, const char *by, int64_t now, bool *ret_new);
int kb_store_deflect(struct store *s, int64_t article_id, int64_t ticket_id, const char *by, int64_t now,
		     bool *ret_new);

#endif
