/*
 * catalog_api.c: HTTP handlers for the software catalogue and software requests. Who
 * may see and decide what is settled in catalog.c; the route table sets each route's
 * least role (approving and rejecting need support).
 */
#include "catalog/catalog_api.h"

#include <errno.h>
#include <string.h>

#include "catalog/catalog.h"
#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"

static struct actor req_actor(struct http_req *req)
{
	const struct auth *au = http_auth(req);
	return (struct actor){.user_id = au->user_id, .name = au->user, .role = au->role};
}

static int route_request(struct http_req *req, int64_t *ret)
{
	if (parse_int64(http_param(req, "id"), 1, INT64_MAX, ret) < 0)
		return err_set(-ENOENT, "request '%.32s' does not exist", http_param(req, "id"));
	return 0;
}

/* {"items": [...], "machines": [...]}: what the caller may request, and where. */
int catalog_api_list(struct http_req *req)
{
	struct actor a = req_actor(req);
	json_t *items = NULL, *machines = NULL;
	STORE_OR_FAIL(s);
	int r = catalog_item_list(s, &a, &items);
	if (r < 0 || (r = catalog_machines(s, a.name, &machines)) < 0) {
		json_decref(items);
		return r;
	}
	return http_reply_json(req, 200, json_pack("{s:o, s:o}", "items", items, "machines", machines));
}

int catalog_api_add(struct http_req *req)
{
	struct actor a = req_actor(req);
	json_t *body, *item;
	STORE_OR_FAIL(s);
	int r = http_body_json(req, &body);
	if (r < 0 || (r = catalog_item_add(s, &a, body, &item)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:o}", "item", item));
}

int catalog_api_show(struct http_req *req)
{
	struct actor a = req_actor(req);
	json_t *item;
	STORE_OR_FAIL(s);
	int r = catalog_item_get(s, &a, http_param(req, "item"), &item);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "item", item));
}

int catalog_api_edit(struct http_req *req)
{
	struct actor a = req_actor(req);
	json_t *body, *item;
	STORE_OR_FAIL(s);
	int r = http_body_json(req, &body);
	if (r < 0 || (r = catalog_item_edit(s, &a, http_param(req, "item"), body, &item)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "item", item));
}

int catalog_api_remove(struct http_req *req)
{
	struct actor a = req_actor(req);
	STORE_OR_FAIL(s);
	int r = catalog_item_remove(s, &a, http_param(req, "item"));
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:s}", "removed", http_param(req, "item")));
}

int catalog_api_requests(struct http_req *req)
{
	struct actor a = req_actor(req);
	struct catalog_request_filter f = {.status = http_query(req, "status")};
	int64_t ticket = 0, limit = 0;
	json_t *rows;
	STORE_OR_FAIL(s);
	int r;
	if ((r = http_query_int(req, "ticket", 1, INT64_MAX, &ticket)) < 0 ||
	    (r = http_query_int(req, "limit", 1, CATALOG_PAGE_MAX, &limit)) < 0)
		return r;
	f.ticket = ticket;
	f.limit = (int)limit;
	if ((r = catalog_request_list(s, &a, &f, &rows)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "requests", rows));
}

int catalog_api_request(struct http_req *req)
{
	static const char *const fields[] = {"item", "host", "note", "requester", NULL};
	struct actor a = req_actor(req);
	struct catalog_request_new in = {0};
	json_t *body, *out;
	STORE_OR_FAIL(s);
	int r = http_body_json(req, &body);
	if (r < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "item", true, CATALOG_NAME_MAX + 1, &in.item)) < 0 ||
	    (r = json_get_string(body, "host", false, 256, &in.host)) < 0 ||
	    (r = json_get_string(body, "note", false, CATALOG_REASON_MAX + 1, &in.note)) < 0 ||
	    (r = json_get_string(body, "requester", false, 128, &in.requester)) < 0 ||
	    (r = catalog_request(s, &a, &in, &out)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:o}", "request", out));
}

int catalog_api_request_show(struct http_req *req)
{
	struct actor a = req_actor(req);
	int64_t id;
	json_t *out;
	STORE_OR_FAIL(s);
	int r = route_request(req, &id);
	if (r < 0 || (r = catalog_request_get(s, &a, id, &out)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "request", out));
}

/* approve {"note"?} and reject {"reason"}. */
static int decide(struct http_req *req, bool approve)
{
	static const char *const approve_fields[] = {"note", NULL};
	static const char *const reject_fields[] = {"reason", NULL};
	struct actor a = req_actor(req);
	const char *text = NULL;
	int64_t id;
	json_t *body, *out;
	STORE_OR_FAIL(s);
	int r = route_request(req, &id);
	if (r < 0 || (r = http_body_json(req, &body)) < 0 ||
	    (r = json_check_fields(body, approve ? approve_fields : reject_fields)) < 0 ||
	    (r = json_get_string(body, approve ? "note" : "reason", !approve, CATALOG_REASON_MAX + 1, &text)) < 0)
		return r;
	r = approve ? catalog_request_approve(s, &a, id, text, &out) : catalog_request_reject(s, &a, id, text, &out);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "request", out));
}

int catalog_api_approve(struct http_req *req)
{
	return decide(req, true);
}

int catalog_api_reject(struct http_req *req)
{
	return decide(req, false);
}
