/*
 * tickets_api.c: HTTP handlers for tickets. Who may see what is decided in tickets.c
 * (an employee asking for someone else's ticket gets 404); the route table sets the
 * least role of each route.
 */
#include "helpdesk/tickets_api.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "helpdesk/helpdesk.h"
#include "kb/kb.h"

static struct actor req_actor(struct http_req *req)
{
	const struct auth *au = http_auth(req);
	return (struct actor){.user_id = au->user_id, .name = au->user, .role = au->role};
}

static int route_number(struct http_req *req, int64_t *ret)
{
	if (parse_int64(http_param(req, "number"), 1, INT64_MAX, ret) < 0)
		return err_set(-ENOENT, "ticket '%.32s' does not exist", http_param(req, "number"));
	return 0;
}

static bool query_flag(struct http_req *req, const char *name)
{
	const char *v = http_query(req, name);
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

int tickets_api_list(struct http_req *req)
{
	struct actor a = req_actor(req);
	const char *limit = http_query(req, "limit"), *tier = http_query(req, "tier"), *sort = http_query(req, "sort");
	int64_t n = 0;
	struct ticket_filter f = {.status = http_query(req, "status"),
				  .assignee = http_query(req, "assignee"),
				  .requester = http_query(req, "requester"),
				  .tag = http_query(req, "tag"),
				  .at_risk = query_flag(req, "at_risk"),
				  .breached = query_flag(req, "breached"),
				  .by_due = sort && strcmp(sort, "due") == 0,
				  .after = http_query(req, "after")};
	char next[64];
	json_t *rows;
	int r;
	STORE_OR_FAIL(s);
	if (sort && strcmp(sort, "due") != 0 && strcmp(sort, "new") != 0)
		return err_set(-EINVAL, "sort must be 'new' or 'due'");
	if (limit && (r = parse_int64(limit, 1, TICKET_PAGE_MAX, &n)) < 0)
		return err_set(-EINVAL, "limit must be 1 to %d", TICKET_PAGE_MAX);
	f.limit = (int)n;
	if (tier && (r = parse_int64(tier, 1, 2, &n)) < 0)
		return err_set(-EINVAL, "tier must be 1 or 2");
	f.tier = tier ? (int)n : 0;
	if ((r = ticket_list(s, &a, &f, &rows, next)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o, s:s?}", "tickets", rows, "next", next[0] ? next : NULL));
}

/* An optional array of strings (tags) into out. */
static int get_tags(const json_t *body, const char *key, const char *out[TICKET_TAGS_MAX], int *ret_n)
{
	json_t *t = json_object_get(body, key), *v;
	size_t i;
	*ret_n = 0;
	if (!t || json_is_null(t))
		return 0;
	if (!json_is_array(t) || json_array_size(t) > TICKET_TAGS_MAX)
		return err_set(-EINVAL, "field '%s' must be an array of at most %d strings", key, TICKET_TAGS_MAX);
	json_array_foreach(t, i, v) {
		if (!json_is_string(v))
			return err_set(-EINVAL, "field '%s' must be an array of strings", key);
		out[(*ret_n)++] = json_string_value(v);
	}
	return 0;
}

static int get_level(const json_t *body, const char *key, int *ret)
{
	json_t *v = json_object_get(body, key);
	*ret = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3)
		return err_set(-EINVAL, "field '%s' must be 1 (high), 2 (medium) or 3 (low)", key);
	*ret = (int)json_integer_value(v);
	return 0;
}

/* An optional positive integer id. */
static int get_id(const json_t *body, const char *key, int64_t *ret)
{
	json_t *v = json_object_get(body, key);
	*ret = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return err_set(-EINVAL, "field '%s' must be a positive integer", key);
	*ret = json_integer_value(v);
	return 0;
}

struct create_job {
	const struct actor *a;
	const struct ticket_new *t;
	int64_t id;
};

static int create_batched(struct store *s, void *arg)
{
	struct create_job *j = arg;
	return ticket_create(s, j->a, j->t, &j->id);
}

int tickets_api_create(struct http_req *req)
{
	static const char *const fields[] = {"title", "description", "requester", "host", "category",
					     "impact", "urgency", "tags", NULL};
	struct actor a = req_actor(req);
	struct ticket_new t = {0};
	json_t *body, *j;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "title", true, TICKET_TITLE_MAX, &t.title)) < 0 ||
	    (r = json_get_string(body, "description", true, TICKET_TEXT_MAX, &t.description)) < 0 ||
	    (r = json_get_string(body, "requester", false, 64, &t.requester)) < 0 ||
	    (r = json_get_string(body, "host", false, 256, &t.host)) < 0 ||
	    (r = json_get_string(body, "category", false, TICKET_CATEGORY_MAX, &t.category)) < 0 ||
	    (r = get_level(body, "impact", &t.impact)) < 0 || (r = get_level(body, "urgency", &t.urgency)) < 0 ||
	    (r = get_tags(body, "tags", t.tags, &t.ntags)) < 0)
		return r;
	if (t.requester && a.role < ROLE_SUPPORT)
		return err_set(-EPERM, "employees file tickets for themselves");
	/* Tickets filed at the same moment share one commit (and one sync). */
	struct create_job job = {.a = &a, .t = &t};
	if ((r = store_batch(s, create_batched, &job)) < 0 || (r = ticket_show(s, &a, job.id, &j)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:o}", "ticket", j));
}

int tickets_api_show(struct http_req *req)
{
	struct actor a = req_actor(req);
	int64_t id;
	json_t *j;
	STORE_OR_FAIL(s);
	int r = route_number(req, &id);
	if (r < 0 || (r = ticket_show(s, &a, id, &j)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "ticket", j));
}

int tickets_api_update(struct http_req *req)
{
	static const char *const fields[] = {"title",	   "category", "impact",     "urgency",	 "status",
					     "assignee",   "tier",     "note",	     "resolution", "host",
					     "add_tags",   "remove_tags", "article", "deflected_by", NULL};
	struct actor a = req_actor(req);
	struct ticket_change c = {0};
	int64_t id;
	json_t *body, *j, *tier;
	STORE_OR_FAIL(s);
	int r = route_number(req, &id);
	if (r < 0 || (r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "title", false, TICKET_TITLE_MAX, &c.title)) < 0 ||
	    (r = json_get_string(body, "category", false, TICKET_CATEGORY_MAX, &c.category)) < 0 ||
	    (r = json_get_string(body, "status", false, 16, &c.status)) < 0 ||
	    (r = json_get_string(body, "assignee", false, 64, &c.assignee)) < 0 ||
	    (r = json_get_string(body, "note", false, TICKET_TEXT_MAX, &c.note)) < 0 ||
	    (r = json_get_string(body, "resolution", false, TICKET_TEXT_MAX, &c.resolution)) < 0 ||
	    (r = json_get_string(body, "host", false, 256, &c.host)) < 0 ||
	    (r = get_level(body, "impact", &c.impact)) < 0 || (r = get_level(body, "urgency", &c.urgency)) < 0 ||
	    (r = get_tags(body, "add_tags", c.add_tags, &c.nadd_tags)) < 0 ||
	    (r = get_tags(body, "remove_tags", c.remove_tags, &c.nremove_tags)) < 0)
		return r;
	if ((tier = json_object_get(body, "tier")) && !json_is_null(tier)) {
		if (!json_is_integer(tier) || json_integer_value(tier) < 1 || json_integer_value(tier) > 2)
			return err_set(-EINVAL, "field 'tier' must be 1 or 2");
		c.tier = (int)json_integer_value(tier);
	}
	if ((r = get_id(body, "article", &c.article)) < 0 || (r = get_id(body, "deflected_by", &c.deflected_by)) < 0)
		return r;
	/* A null assignee unassigns. */
	if (json_is_null(json_object_get(body, "assignee")))
		c.assignee = "";
	if ((r = ticket_change(s, &a, id, &c)) < 0 || (r = ticket_show(s, &a, id, &j)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "ticket", j));
}

int tickets_api_comment(struct http_req *req)
{
	static const char *const fields[] = {"body", "internal", NULL};
	struct actor a = req_actor(req);
	const char *text;
	int64_t id, ev;
	json_t *body, *internal;
	STORE_OR_FAIL(s);
	int r = route_number(req, &id);
	if (r < 0 || (r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "body", true, TICKET_TEXT_MAX, &text)) < 0)
		return r;
	internal = json_object_get(body, "internal");
	if (internal && !json_is_boolean(internal))
		return err_set(-EINVAL, "field 'internal' must be true or false");
	if ((r = ticket_comment(s, &a, id, text, json_is_true(internal), &ev)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:I, s:I}", "ticket", (json_int_t)id, "event", (json_int_t)ev));
}

int tickets_api_rate(struct http_req *req)
{
	static const char *const fields[] = {"rating", "comment", NULL};
	struct actor a = req_actor(req);
	const char *comment;
	int64_t id;
	json_t *body, *rating;
	STORE_OR_FAIL(s);
	int r = route_number(req, &id);
	if (r < 0 || (r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "comment", false, 4096, &comment)) < 0)
		return r;
	rating = json_object_get(body, "rating");
	if (!json_is_integer(rating))
		return err_set(-EINVAL, "field 'rating' must be an integer from 1 to 5");
	if ((r = ticket_rate(s, &a, id, (int)json_integer_value(rating), comment)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:I, s:I}", "ticket", (json_int_t)id, "rating",
						   json_integer_value(rating)));
}

int tickets_api_search(struct http_req *req)
{
	struct actor a = req_actor(req);
	const char *limit = http_query(req, "limit");
	int64_t n = 20;
	json_t *rows;
	STORE_OR_FAIL(s);
	if (limit && parse_int64(limit, 1, TICKET_SEARCH_MAX, &n) < 0)
		return err_set(-EINVAL, "limit must be 1 to %d", TICKET_SEARCH_MAX);
	json_t *articles = NULL;
	int r = ticket_search(s, &a, http_query(req, "q"), (int)n, &rows);
	if (r < 0)
		return r;
	/* The same words over the knowledge base, as the asker's role may see it. */
	if ((r = kb_search(s, a.role, http_query(req, "q"), (int)n, &articles)) < 0) {
		json_decref(rows);
		return r;
	}
	return http_reply_json(req, 200, json_pack("{s:o, s:o}", "results", rows, "articles", articles));
}

int tickets_api_settings(struct http_req *req)
{
	json_t *j;
	STORE_OR_FAIL(s);
	int r = helpdesk_settings_get(s, &j);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, j);
}

int tickets_api_settings_update(struct http_req *req)
{
	static const char *const fields[] = {"calendar", "sla_targets", NULL};
	struct actor a = req_actor(req);
	json_t *body, *cal, *targets, *v, *j;
	size_t i;
	STORE_OR_FAIL(s);
	int r = http_body_json(req, &body);
	if (r < 0 || (r = json_check_fields(body, fields)) < 0)
		return r;
	targets = json_object_get(body, "sla_targets");
	if (targets && !json_is_array(targets))
		return err_set(-EINVAL, "field 'sla_targets' must be an array of {priority, response_s, resolve_s}");
	/* All or nothing: the calendar and every target in one transaction. */
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((cal = json_object_get(body, "calendar")))
		r = helpdesk_calendar_set(s, &a, cal);
	json_array_foreach(targets, i, v) {
		json_t *p = json_object_get(v, "priority"), *resp = json_object_get(v, "response_s"),
		       *res = json_object_get(v, "resolve_s");
		if (r < 0)
			break;
		if (!json_is_integer(p) || !json_is_integer(resp) || !json_is_integer(res))
			r = err_set(-EINVAL, "each SLA target is {priority, response_s, resolve_s} with integers");
		else
			r = helpdesk_sla_target_set(s, &a, (int)json_integer_value(p), json_integer_value(resp),
						    json_integer_value(res));
	}
	if ((r = store_tx_end(s, r)) < 0 || (r = helpdesk_settings_get(s, &j)) < 0)
		return r;
	return http_reply_json(req, 200, j);
}

int tickets_api_attach(struct http_req *req)
{
	struct actor a = req_actor(req);
	const char *data, *internal = http_query(req, "internal");
	size_t len;
	int64_t id;
	json_t *att;
	STORE_OR_FAIL(s);
	int r = route_number(req, &id);
	if (r < 0 || (r = http_body(req, &data, &len)) < 0)
		return r;
	if ((r = ticket_attach(s, &a, id, http_query(req, "filename"), http_header(req, "Content-Type"), data, len,
			       internal && (strcmp(internal, "1") == 0 || strcmp(internal, "true") == 0), &att)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:o}", "attachment", att));
}

int tickets_api_attachment(struct http_req *req)
{
	struct actor a = req_actor(req);
	char filename[256], type[128], disposition[400];
	int64_t id, att;
	uint64_t size;
	int fd;
	STORE_OR_FAIL(s);
	int r = route_number(req, &id);
	if (r < 0)
		return r;
	if (parse_int64(http_param(req, "id"), 1, INT64_MAX, &att) < 0)
		return err_set(-ENOENT, "attachment '%.32s' does not exist", http_param(req, "id"));
	if ((r = ticket_attachment_open(s, &a, id, att, &fd, &size, filename, type)) < 0)
		return r;
	/* Always a download, never rendered: the bytes are whatever someone uploaded. */
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", filename);
	http_add_header(req, "Content-Disposition", disposition);
	return http_reply_file(req, fd, size, "application/octet-stream");
}

int tickets_api_canned(struct http_req *req)
{
	json_t *list;
	STORE_OR_FAIL(s);
	int r = canned_list(s, &list);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "canned", list));
}

int tickets_api_canned_add(struct http_req *req)
{
	static const char *const fields[] = {"title", "body", NULL};
	struct actor a = req_actor(req);
	const char *title, *text;
	int64_t id;
	json_t *body;
	STORE_OR_FAIL(s);
	int r = http_body_json(req, &body);
	if (r < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "title", true, TICKET_TITLE_MAX, &title)) < 0 ||
	    (r = json_get_string(body, "body", true, TICKET_TEXT_MAX, &text)) < 0 ||
	    (r = canned_add(s, &a, title, text, &id)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:{s:I, s:s, s:s}}", "canned", "id", (json_int_t)id, "title", title,
						   "body", text));
}

int tickets_api_canned_remove(struct http_req *req)
{
	struct actor a = req_actor(req);
	int64_t id;
	STORE_OR_FAIL(s);
	if (parse_int64(http_param(req, "id"), 1, INT64_MAX, &id) < 0)
		return err_set(-ENOENT, "canned response '%.32s' does not exist", http_param(req, "id"));
	int r = canned_remove(s, &a, id);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:s}", "status", "removed"));
}

int tickets_api_staff(struct http_req *req)
{
	json_t *list;
	STORE_OR_FAIL(s);
	int r = helpdesk_staff(s, &list);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "staff", list));
}

/* Replies with the ticket as the actor sees it, with status. */
static int reply_ticket(struct http_req *req, struct store *s, const struct actor *a, int64_t id, unsigned status)
{
	json_t *j;
	int r = ticket_show(s, a, id, &j);
	if (r < 0)
		return r;
	return http_reply_json(req, status, json_pack("{s:o}", "ticket", j));
}

int tickets_api_to_article(struct http_req *req)
{
	static const char *const fields[] = {"title", "category", "visibility", NULL};
	struct actor a = req_actor(req);
	const char *title, *category, *visibility;
	int64_t id, article;
	json_t *body;
	STORE_OR_FAIL(s);
	int r = route_number(req, &id);
	if (r < 0 || (r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "title", false, 512, &title)) < 0 ||
	    (r = json_get_string(body, "category", false, 128, &category)) < 0 ||
	    (r = json_get_string(body, "visibility", false, 16, &visibility)) < 0 ||
	    (r = ticket_to_article(s, &a, id, title, category, visibility, &article)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:{s:I}, s:I}", "article", "id", (json_int_t)article, "ticket",
						   (json_int_t)id));
}

int tickets_api_link(struct http_req *req)
{
	static const char *const fields[] = {"ticket", "unlink", NULL};
	struct actor a = req_actor(req);
	int64_t id, other;
	json_t *body;
	STORE_OR_FAIL(s);
	int r = route_number(req, &id);
	if (r < 0 || (r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = get_id(body, "ticket", &other)) < 0)
		return r;
	if (!other)
		return err_set(-EINVAL, "field 'ticket' is required");
	if ((r = ticket_link(s, &a, id, other, json_is_true(json_object_get(body, "unlink")))) < 0)
		return r;
	return reply_ticket(req, s, &a, id, 200);
}

int tickets_api_merge(struct http_req *req)
{
	static const char *const fields[] = {"into", NULL};
	struct actor a = req_actor(req);
	int64_t id, into;
	json_t *body;
	STORE_OR_FAIL(s);
	int r = route_number(req, &id);
	if (r < 0 || (r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = get_id(body, "into", &into)) < 0)
		return r;
	if (!into)
		return err_set(-EINVAL, "field 'into' is required");
	if ((r = ticket_merge(s, &a, id, into)) < 0)
		return r;
	return reply_ticket(req, s, &a, into, 200);
}

int tickets_api_fixes(struct http_req *req)
{
	json_t *list;
	STORE_OR_FAIL(s);
	int r = fix_list(s, http_auth(req)->role >= ROLE_ADMIN, &list);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "fixes", list));
}

int tickets_api_fix_add(struct http_req *req)
{
	static const char *const fields[] = {"name", "description", "command", "timeout_s", NULL};
	struct actor a = req_actor(req);
	const char *name, *desc, *command;
	int64_t id, timeout = 120;
	json_t *body, *t;
	STORE_OR_FAIL(s);
	int r = http_body_json(req, &body);
	if (r < 0 || (r = json_check_fields(body, fields)) < 0 || (r = json_get_string(body, "name", true, 64, &name)) < 0 ||
	    (r = json_get_string(body, "description", true, 1024, &desc)) < 0 ||
	    (r = json_get_string(body, "command", true, 4096, &command)) < 0)
		return r;
	if ((t = json_object_get(body, "timeout_s"))) {
		if (!json_is_integer(t))
			return err_set(-EINVAL, "field 'timeout_s' must be an integer");
		timeout = json_integer_value(t);
	}
	if ((r = fix_add(s, &a, name, desc, command, timeout, &id)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:{s:I, s:s}}", "fix", "id", (json_int_t)id, "name", name));
}

int tickets_api_run_fix(struct http_req *req)
{
	static const char *const fields[] = {"fix", NULL};
	struct actor a = req_actor(req);
	const char *fix;
	int64_t id, job;
	json_t *body;
	STORE_OR_FAIL(s);
	int r = route_number(req, &id);
	if (r < 0 || (r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "fix", true, 64, &fix)) < 0 || (r = ticket_run_fix(s, &a, id, fix, &job)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:I, s:I}", "ticket", (json_int_t)id, "job", (json_int_t)job));
}
