/*
 * dr_api.c: HTTP handlers for recovery plans. Each reads the request, calls dr.c or
 * dr_run.c and encodes the answer; backups and drills asked for here run in the
 * server's worker threads, so the answer is 202 with the run, which the client polls
 * through the plan.
 */
#include "dr/dr_api.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "dr/dr.h"

/* The {plan} of the route (an id or a name) as its id. */
static int route_plan(struct http_req *req, struct store *s, json_t **ret_plan, int64_t *ret_id)
{
	json_t *p;
	int r = dr_plan_get(s, http_param(req, "plan"), time_now(), &p);
	if (r < 0)
		return r;
	*ret_id = json_integer_value(json_object_get(p, "id"));
	if (ret_plan)
		*ret_plan = p;
	else
		json_decref(p);
	return 0;
}

static int reply_plan(struct http_req *req, struct store *s, unsigned status, int64_t id)
{
	char key[24];
	json_t *p;
	snprintf(key, sizeof(key), "%lld", (long long)id);
	int r = dr_plan_get(s, key, time_now(), &p);
	if (r < 0)
		return r;
	return http_reply_json(req, status, json_pack("{s:o}", "plan", p));
}

int dr_api_list(struct http_req *req)
{
	json_t *plans;
	STORE_OR_FAIL(s);
	int r = dr_plan_list(s, time_now(), &plans);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "plans", plans));
}

int dr_api_create(struct http_req *req)
{
	json_t *body;
	int64_t id;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_body_json(req, &body)) < 0 || (r = dr_plan_create(s, http_auth(req)->user, body, &id)) < 0)
		return r;
	return reply_plan(req, s, 201, id);
}

int dr_api_show(struct http_req *req)
{
	json_t *p;
	int64_t id;
	STORE_OR_FAIL(s);
	int r = route_plan(req, s, &p, &id);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "plan", p));
}

int dr_api_update(struct http_req *req)
{
	json_t *body;
	int64_t id;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_plan(req, s, NULL, &id)) < 0 || (r = http_body_json(req, &body)) < 0 ||
	    (r = dr_plan_edit(s, http_auth(req)->user, id, body)) < 0)
		return r;
	return reply_plan(req, s, 200, id);
}

int dr_api_remove(struct http_req *req)
{
	json_t *p;
	int64_t id;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_plan(req, s, &p, &id)) < 0)
		return r;
	if ((r = dr_plan_remove(s, http_auth(req)->user, id)) < 0) {
		json_decref(p);
		return r;
	}
	json_t *body = json_pack("{s:O}", "removed", json_object_get(p, "name"));
	json_decref(p);
	return http_reply_json(req, 200, body);
}

static int start(struct http_req *req, enum dr_kind kind)
{
	json_t *run;
	int64_t id, run_id;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_plan(req, s, NULL, &id)) < 0 ||
	    (r = dr_run_start(s, http_auth(req)->user, id, kind, &run_id)) < 0 || (r = dr_run_get(s, run_id, &run)) < 0)
		return r;
	return http_reply_json(req, 202, json_pack("{s:o}", "run", run));
}

int dr_api_backup(struct http_req *req)
{
	return start(req, DR_BACKUP);
}

int dr_api_drill(struct http_req *req)
{
	return start(req, DR_DRILL);
}

int dr_api_snapshots(struct http_req *req)
{
	json_t *list;
	int64_t id;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_plan(req, s, NULL, &id)) < 0 || (r = dr_snapshots(s, id, &list)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "snapshots", list));
}

static int runs(struct http_req *req, const char *kind)
{
	int64_t id, limit = WARD_DR_RUNS_DEFAULT;
	json_t *list;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_plan(req, s, NULL, &id)) < 0 ||
	    (r = http_query_int(req, "limit", 1, WARD_DR_RUNS_MAX, &limit)) < 0 ||
	    (r = dr_runs(s, id, kind, (int)limit, &list)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "runs", list));
}

int dr_api_runs(struct http_req *req)
{
	return runs(req, http_query(req, "kind"));
}

int dr_api_drills(struct http_req *req)
{
	return runs(req, "drill");
}
