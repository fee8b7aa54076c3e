/*
 * jobs_api.c: see jobs_api.h. The agent's poll parks until a job for its host appears
 * or the wait ends (at most JOBS_API_WAIT_MAX seconds).
 */
#include "jobs/jobs_api.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "hosts/hosts.h"
#include "jobs/jobs.h"

#define JOBS_API_WAIT_MAX 60

/* The agent's credential from the Authorization header. */
static int agent_host(struct http_req *req, struct store *s, struct host *ret)
{
	const char *authz = http_header(req, "Authorization");
	if (!authz || strncmp(authz, "Bearer ", 7) != 0)
		return err_set(-EACCES, "a host credential is required (Authorization: Bearer wardh_...)");
	int r = hosts_auth(s, authz + 7, ret);
	if (r == 0)
		snprintf(http_auth_mut(req)->user, sizeof(http_auth_mut(req)->user), "host:%.50s", ret->name);
	return r;
}

int jobs_api_poll(struct http_req *req)
{
	const char *w = http_query(req, "wait");
	int64_t wait = 0;
	struct host h;
	json_t *jobs;
	int r;
	STORE_OR_FAIL(s);
	if (w && *w && parse_int64(w, 0, JOBS_API_WAIT_MAX, &wait) < 0)
		return err_set(-EINVAL, "wait must be 0 to %d seconds", JOBS_API_WAIT_MAX);
	if ((r = agent_host(req, s, &h)) < 0 || (r = jobs_take(s, &h, &jobs)) < 0)
		return r;
	if (json_array_size(jobs) == 0 && !http_waited(req, wait * 1000)) {
		json_decref(jobs);
		return http_park(req, wait * 1000);
	}
	return http_reply_json(req, 200, json_pack("{s:o}", "jobs", jobs));
}

int jobs_api_result(struct http_req *req)
{
	int64_t id;
	struct host h;
	json_t *body;
	int r;
	STORE_OR_FAIL(s);
	if (parse_int64(http_param(req, "id"), 1, INT64_MAX, &id) < 0)
		return err_set(-ENOENT, "no such job");
	if ((r = agent_host(req, s, &h)) < 0 || (r = http_body_json(req, &body)) < 0 ||
	    (r = jobs_result(s, &h, id, body)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:s}", "status", "recorded"));
}

static int queue_kind(struct http_req *req, const char *kind, bool with_command)
{
	static const char *const fields[] = {"command", "timeout", NULL};
	struct host h;
	json_t *body = NULL, *params = NULL, *job;
	int64_t id;
	int r;
	STORE_OR_FAIL(s);
	if ((r = hosts_get(s, http_param(req, "host"), &h)) < 0)
		return r;
	if (with_command) {
		if ((r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0)
			return r;
		params = body;
	}
	if ((r = jobs_queue(s, http_auth(req)->user, &h, kind, params, &id)) < 0)
		return r;
	http_wake();
	if ((r = jobs_get(s, id, &job)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:o}", "job", job));
}

int jobs_api_refresh(struct http_req *req)
{
	return queue_kind(req, "inventory", false);
}

int jobs_api_diagnose(struct http_req *req)
{
	return queue_kind(req, "diagnostics", false);
}

int jobs_api_run(struct http_req *req)
{
	return queue_kind(req, "command", true);
}

int jobs_api_list(struct http_req *req)
{
	const char *host = http_query(req, "host");
	struct host h;
	json_t *jobs;
	int r;
	STORE_OR_FAIL(s);
	if (host && *host && (r = hosts_get(s, host, &h)) < 0)
		return r;
	if ((r = jobs_list(s, host && *host ? &h : NULL, 200, &jobs)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "jobs", jobs));
}

int jobs_api_get(struct http_req *req)
{
	int64_t id;
	json_t *job;
	STORE_OR_FAIL(s);
	if (parse_int64(http_param(req, "id"), 1, INT64_MAX, &id) < 0)
		return err_set(-ENOENT, "no such job");
	int r = jobs_get(s, id, &job);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "job", job));
}

bool jobs_api_changed(void)
{
	static atomic_llong last = -1;
	struct store *s = store_get();
	int64_t latest;
	if (!s || jobs_latest(s, &latest) < 0)
		return false;
	long long prev = atomic_exchange(&last, (long long)latest);
	return prev >= 0 && prev != latest;
}
