/*
 * upgrade_api.c: HTTP handlers for upgrade plans: each reads the request, calls
 * upgrade.c and encodes the answer.
 */
#include "upgrade/upgrade_api.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "upgrade/upgrade.h"

static int route_plan(struct http_req *req, struct store *s, int64_t *ret_id)
{
	json_t *p;
	int r = upgrade_plan_get(s, http_param(req, "plan"), false, &p);
	if (r < 0)
		return r;
	*ret_id = json_integer_value(json_object_get(p, "id"));
	json_decref(p);
	return 0;
}

static int reply_plan(struct http_req *req, struct store *s, unsigned status, int64_t id)
{
	char key[24];
	json_t *p;
	snprintf(key, sizeof(key), "%lld", (long long)id);
	int r = upgrade_plan_get(s, key, true, &p);
	if (r < 0)
		return r;
	return http_reply_json(req, status, json_pack("{s:o}", "plan", p));
}

/* The request's JSON object (borrowed), or NULL when there is no body. */
static int body_or_empty(struct http_req *req, json_t **ret)
{
	const char *b;
	size_t len;
	if (http_body(req, &b, &len) == 0 && len == 0) {
		*ret = NULL;
		return 0;
	}
	int r = http_body_json(req, ret);
	if (r == 0 && !json_is_object(*ret))
		return err_set(-EINVAL, "the body must be a JSON object");
	return r;
}

int upgrade_api_list(struct http_req *req)
{
	json_t *plans;
	STORE_OR_FAIL(s);
	int r = upgrade_plan_list(s, &plans);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "plans", plans));
}

int upgrade_api_create(struct http_req *req)
{
	json_t *body;
	int64_t id;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_body_json(req, &body)) < 0 ||
	    (r = upgrade_plan_create(s, http_auth(req)->user, body, time_now(), &id)) < 0)
		return r;
	return reply_plan(req, s, 201, id);
}

int upgrade_api_show(struct http_req *req)
{
	int64_t id;
	STORE_OR_FAIL(s);
	int r = route_plan(req, s, &id);
	return r < 0 ? r : reply_plan(req, s, 200, id);
}

int upgrade_api_run(struct http_req *req)
{
	static const char *const fields[] = {"allow_no_rollback", NULL};
	json_t *body;
	int64_t id;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_plan(req, s, &id)) < 0 || (r = body_or_empty(req, &body)) < 0 ||
	    (body && (r = json_check_fields(body, fields)) < 0))
		return r;
	json_t *a = json_object_get(body, "allow_no_rollback");
	if (a && !json_is_boolean(a))
		return err_set(-EINVAL, "field 'allow_no_rollback' must be true or false");
	if ((r = upgrade_run(s, http_auth(req)->user, id, json_is_true(a), time_now())) < 0)
		return r;
	return reply_plan(req, s, 202, id);
}

int upgrade_api_cancel(struct http_req *req)
{
	static const char *const fields[] = {"reason", NULL};
	const char *reason = NULL;
	json_t *body;
	int64_t id;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_plan(req, s, &id)) < 0 || (r = body_or_empty(req, &body)) < 0 ||
	    (body && ((r = json_check_fields(body, fields)) < 0 ||
		      (r = json_get_string(body, "reason", false, 400, &reason)) < 0)))
		return r;
	if ((r = upgrade_cancel(s, http_auth(req)->user, id, reason, time_now())) < 0)
		return r;
	return reply_plan(req, s, 200, id);
}
