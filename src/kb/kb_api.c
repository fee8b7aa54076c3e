/*
 * kb_api.c: HTTP handlers for the knowledge base. Each reads the request, calls kb.c
 * with the caller's role (which decides what they may see) and encodes the answer.
 */
#include "kb/kb_api.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/timeutil.h"
#include "kb/kb.h"


/* Replies {"article": ...} with the article as role sees it, in full. */
static int reply_article(struct http_req *req, struct store *s, unsigned status, int64_t id)
{
	struct kb_article a;
	json_t *j;
	int r = kb_article_get_id(s, http_auth(req)->role, id, &a);
	if (r < 0)
		return r;
	r = kb_article_json(&a, true, &j);
	kb_article_release(&a);
	if (r < 0)
		return r;
	return http_reply_json(req, status, json_pack("{s:o}", "article", j));
}

/* The {article} of the route (an id or a slug) as the caller may see it. */
static int route_article(struct http_req *req, struct store *s, int64_t *ret_id)
{
	struct kb_article a;
	int r = kb_article_get(s, http_auth(req)->role, http_param(req, "article"), &a);
	if (r < 0)
		return r;
	*ret_id = a.id;
	kb_article_release(&a);
	return 0;
}

int kb_api_list(struct http_req *req)
{
	int64_t after = 0, limit = KB_PAGE_DEFAULT, next;
	json_t *articles;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_query_int(req, "after", 0, INT64_MAX, &after)) < 0 ||
	    (r = http_query_int(req, "limit", 1, KB_PAGE_MAX, &limit)) < 0)
		return r;
	struct kb_list_filter f = {.category = http_query(req, "category"), .after = after, .limit = (int)limit};
	if ((r = kb_article_list(s, http_auth(req)->role, &f, &articles, &next)) < 0)
		return r;
	return http_reply_json(
	    req, 200,
	    json_pack("{s:o, s:o}", "articles", articles, "next_after", next ? json_integer(next) : json_null()));
}

/* The fields of a create or edit request; body sizes are checked by kb.c (413). */
static int read_fields(json_t *body, bool create, struct kb_fields *f)
{
	static const char *const create_fields[] = {"title", "body", "category", "visibility", NULL};
	static const char *const edit_fields[] = {"title", "body", "category", "visibility", "base_revision", NULL};
	int r;
	memset(f, 0, sizeof(*f));
	if ((r = json_check_fields(body, create ? create_fields : edit_fields)) < 0 ||
	    (r = json_get_string(body, "title", create, WARD_HTTP_BODY_MAX, &f->title)) < 0 ||
	    (r = json_get_string(body, "body", create, WARD_HTTP_BODY_MAX, &f->body)) < 0 ||
	    (r = json_get_string(body, "category", create, WARD_HTTP_BODY_MAX, &f->category)) < 0 ||
	    (r = json_get_string(body, "visibility", false, 32, &f->visibility)) < 0)
		return r;
	json_t *base = json_object_get(body, "base_revision");
	if (base && !json_is_null(base)) {
		if (!json_is_integer(base) || json_integer_value(base) < 1)
			return err_set(-EINVAL, "field 'base_revision' must be a revision number");
		f->base_revision = json_integer_value(base);
	}
	return 0;
}

int kb_api_create(struct http_req *req)
{
	struct kb_fields f;
	int64_t id;
	json_t *body;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_body_json(req, &body)) < 0 || (r = read_fields(body, true, &f)) < 0 ||
	    (r = kb_article_create(s, http_auth(req)->user, &f, &id)) < 0)
		return r;
	return reply_article(req, s, 201, id);
}

int kb_api_show(struct http_req *req)
{
	int64_t id;
	STORE_OR_FAIL(s);
	int r = route_article(req, s, &id);
	if (r < 0)
		return r;
	return reply_article(req, s, 200, id);
}

int kb_api_update(struct http_req *req)
{
	struct kb_fields f;
	int64_t id;
	json_t *body;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_article(req, s, &id)) < 0 || (r = http_body_json(req, &body)) < 0 ||
	    (r = read_fields(body, false, &f)) < 0 || (r = kb_article_edit(s, http_auth(req)->user, id, &f)) < 0)
		return r;
	return reply_article(req, s, 200, id);
}

int kb_api_revisions(struct http_req *req)
{
	int64_t id, before = 0, limit = KB_REVISIONS_DEFAULT;
	json_t *revs;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_article(req, s, &id)) < 0 || (r = http_query_int(req, "before", 1, INT64_MAX, &before)) < 0 ||
	    (r = http_query_int(req, "limit", 1, KB_REVISIONS_MAX, &limit)) < 0 ||
	    (r = kb_article_revisions(s, http_auth(req)->role, id, before, (int)limit, &revs)) < 0)
		return r;
	json_t *last = json_array_get(revs, json_array_size(revs) ? json_array_size(revs) - 1 : 0);
	json_int_t oldest = last ? json_integer_value(json_object_get(last, "revision")) : 0;
	bool more = json_array_size(revs) == (size_t)limit && oldest > 1;
	return http_reply_json(
	    req, 200,
	    json_pack("{s:o, s:o}", "revisions", revs, "next_before", more ? json_integer(oldest) : json_null()));
}

int kb_api_search(struct http_req *req)
{
	int64_t limit = KB_SEARCH_DEFAULT;
	json_t *articles;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_query_int(req, "limit", 1, KB_SEARCH_MAX, &limit)) < 0)
		return r;
	const char *q = http_query(req, "q");
	if (!q || !*q)
		return err_set(-EINVAL, "query parameter 'q' is required");
	if ((r = kb_search(s, http_auth(req)->role, q, (int)limit, &articles)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "articles", articles));
}

int kb_api_suggest(struct http_req *req)
{
	int64_t limit = KB_SUGGEST_DEFAULT;
	json_t *articles;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_query_int(req, "limit", 1, KB_SUGGEST_MAX, &limit)) < 0 ||
	    (r = kb_suggest(s, http_auth(req)->role, http_query(req, "q"), (int)limit, &articles)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "articles", articles));
}
