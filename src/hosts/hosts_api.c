/*
 * hosts_api.c: HTTP handlers for enrollment, agent reports and the fleet.
 */
#include "hosts/hosts_api.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "hosts/hosts.h"
#include "jobs/jobs.h"

int hosts_api_enroll(struct http_req *req)
{
	static const char *const fields[] = {"token", "hostname", NULL};
	const char *token, *hostname;
	char uid[HOSTS_UID_LEN + 1], cred[HOSTS_CREDENTIAL_LEN + 1], key[65];
	int64_t interval;
	json_t *body;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "token", true, 256, &token)) < 0 ||
	    (r = json_get_string(body, "hostname", true, 253, &hostname)) < 0)
		return r;
	if ((r = jobs_public_key(key)) < 0 ||
	    (r = hosts_enroll(s, token, hostname, http_client_addr(req), uid, cred, &interval)) < 0)
		return r;
	r = http_reply_json(req, 201, json_pack("{s:s, s:s, s:I, s:s}", "host_id", uid, "credential", cred, "interval",
						(json_int_t)interval, "server_key", key));
	sodium_memzero(cred, sizeof(cred));
	return r;
}

int hosts_api_report(struct http_req *req)
{
	const char *authz = http_header(req, "Authorization");
	struct host h;
	json_t *body, *reply;
	int r;
	STORE_OR_FAIL(s);
	if (!authz || strncmp(authz, "Bearer ", 7) != 0)
		return err_set(-EACCES, "a host credential is required (Authorization: Bearer wardh_...)");
	if ((r = hosts_auth(s, authz + 7, &h)) < 0)
		return r;
	snprintf(http_auth_mut(req)->user, sizeof(http_auth_mut(req)->user), "host:%.50s", h.name);
	if ((r = http_body_json(req, &body)) < 0 || (r = hosts_report(s, &h, body, &reply)) < 0)
		return r;
	return http_reply_json(req, 200, reply);
}

/* The {host} of the route. */
static int route_host(struct http_req *req, struct store *s, struct host *ret)
{
	return hosts_get(s, http_param(req, "host"), ret);
}

int hosts_api_list(struct http_req *req)
{
	const char *stale = http_query(req, "stale");
	struct hosts_filter f = {.stale_only = stale && (strcmp(stale, "1") == 0 || strcmp(stale, "true") == 0),
				 .tag = http_query(req, "tag"),
				 .search = http_query(req, "q")};
	json_t *hosts;
	STORE_OR_FAIL(s);
	int r = hosts_list(s, &f, &hosts);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "hosts", hosts));
}

int hosts_api_show(struct http_req *req)
{
	struct host h;
	json_t *j;
	STORE_OR_FAIL(s);
	int r = route_host(req, s, &h);
	if (r < 0 || (r = hosts_show(s, &h, true, &j)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "host", j));
}

int hosts_api_history(struct http_req *req)
{
	const char *since_text = http_query(req, "since");
	int64_t since = 0;
	struct host h;
	json_t *j;
	STORE_OR_FAIL(s);
	int r = route_host(req, s, &h);
	if (r < 0)
		return r;
	if (since_text && *since_text && (r = time_parse_since(since_text, time_now(), &since)) < 0)
		return r;
	if ((r = hosts_history(s, &h, since, 1000, &j)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "history", j));
}

int hosts_api_update(struct http_req *req)
{
	static const char *const fields[] = {"owner", "location", "tags", NULL};
	const char *owner, *location, *tags[32];
	int ntags = 0;
	struct host h;
	json_t *body, *j;
	int r;
	STORE_OR_FAIL(s);
	if ((r = route_host(req, s, &h)) < 0 || (r = http_body_json(req, &body)) < 0 ||
	    (r = json_check_fields(body, fields)) < 0 || (r = json_get_string(body, "owner", false, 256, &owner)) < 0 ||
	    (r = json_get_string(body, "location", false, 1024, &location)) < 0)
		return r;
	json_t *t = json_object_get(body, "tags"), *v;
	size_t i;
	if (t && (!json_is_array(t) || json_array_size(t) > 32))
		return err_set(-EINVAL, "field 'tags' must be an array of at most 32 strings");
	json_array_foreach(t, i, v) {
		if (!json_is_string(v))
			return err_set(-EINVAL, "field 'tags' must be an array of strings");
		tags[ntags++] = json_string_value(v);
	}
	if ((r = hosts_set(s, http_auth(req)->user, &h, owner, location, tags, ntags)) < 0 ||
	    (r = hosts_get(s, h.uid, &h)) < 0 || (r = hosts_show(s, &h, false, &j)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "host", j));
}

int hosts_api_remove(struct http_req *req)
{
	struct host h;
	STORE_OR_FAIL(s);
	int r = route_host(req, s, &h);
	if (r < 0 || (r = hosts_remove(s, http_auth(req)->user, &h)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:s, s:s}", "status", "removed", "id", h.uid));
}

int hosts_api_enroll_token(struct http_req *req)
{
	static const char *const fields[] = {"expires", "uses", NULL};
	const char *expires;
	int64_t ttl = 86400, uses = 1;
	char token[HOSTS_ENROLL_TOKEN_LEN + 1];
	json_t *body;
	int r;
	STORE_OR_FAIL(s);
	if ((r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = json_get_string(body, "expires", false, 32, &expires)) < 0)
		return r;
	if (expires && (r = time_parse_duration(expires, &ttl)) < 0)
		return r;
	json_t *u = json_object_get(body, "uses");
	if (u) {
		if (!json_is_integer(u))
			return err_set(-EINVAL, "field 'uses' must be an integer");
		uses = json_integer_value(u);
	}
	if ((r = hosts_enroll_token_create(s, http_auth(req)->user, ttl, uses, token)) < 0)
		return r;
	r = http_reply_json(req, 201, json_pack("{s:s, s:o, s:I}", "token", token, "expires_at",
						json_time(time_now() + ttl), "uses", (json_int_t)uses));
	sodium_memzero(token, sizeof(token));
	return r;
}
