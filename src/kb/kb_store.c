/*
 * kb_store.c: the SQL behind kb.c. The full-text index (kb_fts) follows kb_articles
 * through the triggers of schema/0001_kb.sql, so every write here keeps it in step in
 * the same transaction.
 */
#include "kb/kb_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

#define KB_COLS                                                                                                        \
	"a.id, a.slug, a.title, a.category, a.visibility, a.author, a.created_at, a.updated_at, a.revision, "          \
	"(SELECT count(*) FROM kb_article_tickets t WHERE t.article_id = a.id), "                                      \
	"(SELECT count(*) FROM kb_article_deflections d WHERE d.article_id = a.id)"
#define KB_NCOLS 11

static void copy(char *out, size_t size, const char *v)
{
	snprintf(out, size, "%s", v ? v : "");
}

static void article_read(sqlite3_stmt *st, struct kb_article *a)
{
	const char *vis = store_col_text(st, 4);
	memset(a, 0, sizeof(*a));
	a->id = store_col_int(st, 0);
	copy(a->slug, sizeof(a->slug), store_col_text(st, 1));
	copy(a->title, sizeof(a->title), store_col_text(st, 2));
	copy(a->category, sizeof(a->category), store_col_text(st, 3));
	a->visibility = vis && strcmp(vis, "employees") == 0 ? KB_VIS_EMPLOYEES : KB_VIS_SUPPORT;
	copy(a->author, sizeof(a->author), store_col_text(st, 5));
	a->created_at = store_col_int(st, 6);
	a->updated_at = store_col_int(st, 7);
	a->revision = store_col_int(st, 8);
	a->helped = store_col_int(st, 9);
	a->deflected = store_col_int(st, 10);
}

int kb_store_slug_taken(struct store *s, const char *slug, bool *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM kb_articles WHERE slug = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		*ret = rc == SQLITE_ROW;
	else
		r = store_error(s, "cannot read articles");
	store_done(st);
	return r;
}

int kb_store_insert(struct store *s, const char *slug, const char *title, const char *body, const char *category,
		    const char *visibility, const char *author, int64_t now, int64_t *ret_id)
{
	sqlite3_stmt *st =
	    store_stmt(s, "INSERT INTO kb_articles (slug, title, body, category, visibility, author, "
			  "created_at, updated_at, revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, visibility, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, author, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	int r = store_step_done(s, st, "cannot add the article");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int kb_store_update(struct store *s, int64_t id, const char *title, const char *body, const char *category,
		    const char *visibility, int64_t revision, int64_t now)
{
	sqlite3_stmt *st =
	    store_stmt(s, "UPDATE kb_articles SET title = ?1, body = ?2, category = ?3, visibility = ?4, "
			  "revision = ?5, updated_at = ?6 WHERE id = ?7");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, visibility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, revision);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int64(st, 7, id);
	return store_step_done(s, st, "cannot change the article");
}

int kb_store_revision_add(struct store *s, int64_t id, int64_t revision, const char *author, int64_t now,
			  const char *title, const char *body, const char *category, const char *visibility)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO kb_article_revisions (article_id, revision, author, at, title, "
					 "body, category, visibility) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, revision);
	sqlite3_bind_text(st, 3, author, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, visibility, -1, SQLITE_STATIC);
	return store_step_done(s, st, "cannot record the revision");
}

/* Steps a statement selecting KB_COLS and the body, for one article. */
static int get_one(struct store *s, sqlite3_stmt *st, const char *what, struct kb_article *ret)
{
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		struct kb_article a;
		const char *body = store_col_text(st, KB_NCOLS);
		article_read(st, &a);
		if (!(a.body = strdup(body ? body : "")))
			r = -ENOMEM;
		else
			*ret = a;
	} else if (rc == SQLITE_DONE) {
		r = err_set(-ENOENT, "article '%s' does not exist", what);
	} else {
		r = store_error(s, "cannot read articles");
	}
	store_done(st);
	return r;
}

int kb_store_get_id(struct store *s, int64_t id, struct kb_article *ret)
{
	char what[24];
	sqlite3_stmt *st = store_stmt(s, "SELECT " KB_COLS ", a.body FROM kb_articles a WHERE a.id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "%lld", (long long)id);
	return get_one(s, st, what, ret);
}

int kb_store_get_slug(struct store *s, const char *slug, struct kb_article *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " KB_COLS ", a.body FROM kb_articles a WHERE a.slug = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	return get_one(s, st, slug, ret);
}

/* Steps a statement selecting KB_COLS (and, with snippets, the snippet) through fn. */
static int each_row(struct store *s, sqlite3_stmt *st, bool snippets, kb_store_row_fn fn, void *arg)
{
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kb_article a;
		article_read(st, &a);
		if ((r = fn(&a, snippets ? store_col_text(st, KB_NCOLS) : NULL, arg)) != 0)
			break;
	}
	if (!r && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = store_error(s, "cannot read articles");
	store_done(st);
	return r;
}

int kb_store_list(struct store *s, bool all, const char *category, int64_t after, int limit, kb_store_row_fn fn,
		  void *arg)
{
	sqlite3_stmt *st;
	if (category)
		st = store_stmt(s, "SELECT " KB_COLS " FROM kb_articles a WHERE a.category = ?4 AND a.id > ?2 "
				   "AND (a.visibility = 'employees' OR ?1) ORDER BY a.id LIMIT ?3");
	else
		st = store_stmt(s, "SELECT " KB_COLS " FROM kb_articles a WHERE a.id > ?2 "
				   "AND (a.visibility = 'employees' OR ?1) ORDER BY a.id LIMIT ?3");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, all);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int(st, 3, limit);
	if (category)
		sqlite3_bind_text(st, 4, category, -1, SQLITE_STATIC);
	return each_row(s, st, false, fn, arg);
}

int kb_store_search(struct store *s, bool all, const char *match, int limit, kb_store_row_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " KB_COLS ", snippet(kb_fts, 1, char(2), char(3), '…', 16) "
					 "FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid "
					 "WHERE kb_fts MATCH ?1 AND (a.visibility = 'employees' OR ?2) "
					 "ORDER BY bm25(kb_fts, 10.0, 1.0), a.id LIMIT ?3");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, all);
	sqlite3_bind_int(st, 3, limit);
	return each_row(s, st, true, fn, arg);
}

int kb_store_revisions(struct store *s, int64_t id, int64_t before, int limit, json_t *out)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT revision, author, at, title, body, category, visibility "
			  "FROM kb_article_revisions WHERE article_id = ?1 AND (?2 = 0 OR revision < ?2) "
			  "ORDER BY revision DESC LIMIT ?3");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int(st, 3, limit);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *j =
		    json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s}", "revision", (json_int_t)store_col_int(st, 0),
			      "author", store_col_text(st, 1), "at", json_time(store_col_int(st, 2)), "title",
			      store_col_text(st, 3), "body", store_col_text(st, 4), "category", store_col_text(st, 5),
			      "visibility", store_col_text(st, 6));
		if (!j || json_array_append_new(out, j) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_error(s, "cannot read revisions");
	store_done(st);
	return r;
}

/* An INSERT that does nothing when the row is there: *ret_new says which. */
static int insert_once(struct store *s, sqlite3_stmt *st, int64_t article_id, int64_t ticket_id, const char *by,
		       int64_t now, const char *what, bool *ret_new)
{
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, article_id);
	sqlite3_bind_int64(st, 2, ticket_id);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	int r = store_step_done(s, st, what);
	if (r == 0)
		*ret_new = sqlite3_changes(sqlite3_db_handle(st)) == 1;
	return r;
}

int kb_store_cite(struct store *s, int64_t article_id, int64_t ticket_id, const char *by, int64_t now, bool *ret_new)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO kb_article_tickets (article_id, ticket_id, at, cited_by) "
					 "VALUES (?, ?, ?, ?) ON CONFLICT (article_id, ticket_id) DO NOTHING");
	return insert_once(s, st, article_id, ticket_id, by, now, "cannot record the citation", ret_new);
}

int kb_store_deflect(struct store *s, int64_t article_id, int64_t ticket_id, const char *by, int64_t now, bool *ret_new)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO kb_article_deflections (article_id, ticket_id, at, closed_by) "
					 "VALUES (?, ?, ?, ?) ON CONFLICT (article_id, ticket_id) DO NOTHING");
	return insert_once(s, st, article_id, ticket_id, by, now, "cannot record the deflection", ret_new);
}
