/*
 * compliance_api.c: the compliance face of the API: the same evaluation, history and
 * policy as ward compliance, for the web page and scripts.
 */
#include "compliance/compliance_api.h"

#include <errno.h>
#include <string.h>

#include "compliance/compliance.h"
#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "vuln/vuln.h"

static const char *query_host(struct http_req *req)
{
	const char *h = http_query(req, "host");
	return h && *h ? h : NULL;
}

static int evaluate(struct http_req *req, bool upgrades)
{
	int64_t overdue = 0;
	json_t *ev;
	int r;
	struct store *s = store_get();
	if (!s)
		return -EIO;
	if (upgrades && (r = http_query_int(req, "overdue", 0, 1, &overdue)) < 0)
		return r;
	if ((r = compliance_evaluate(s, query_host(req), vuln_distro_info_dir(), overdue, time_now(), &ev)) < 0)
		return r;
	json_object_del(ev, upgrades ? "hosts" : "upgrades");
	return http_reply_json(req, 200, ev);
}

int compliance_api_summary(struct http_req *req)
{
	return evaluate(req, false);
}

int compliance_api_upgrades(struct http_req *req)
{
	return evaluate(req, true);
}

int compliance_api_history(struct http_req *req)
{
	int64_t days = 30;
	json_t *h;
	int r;
	struct store *s = store_get();
	if (!s)
		return -EIO;
	if ((r = http_query_int(req, "days", 1, COMPLIANCE_HISTORY_DAYS_MAX, &days)) < 0 ||
	    (r = compliance_history(s, query_host(req), days, time_now(), &h)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "history", h));
}

int compliance_api_snapshot(struct http_req *req)
{
	json_t *ev;
	int r;
	struct store *s = store_get();
	if (!s)
		return -EIO;
	if ((r = compliance_snapshot(s, http_auth(req)->user, vuln_distro_info_dir(), time_now(), &ev)) < 0)
		return r;
	json_object_del(ev, "upgrades");
	return http_reply_json(req, 200, ev);
}

static json_t *policy_json(const struct compliance_policy *p)
{
	return json_pack("{s:I, s:I, s:I}", "security-high", (json_int_t)p->security_high, "security",
			 (json_int_t)p->security, "other", (json_int_t)p->other);
}

int compliance_api_policy_get(struct http_req *req)
{
	struct compliance_policy p;
	int r;
	struct store *s = store_get();
	if (!s)
		return -EIO;
	if ((r = compliance_policy_get(s, &p)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "policy", policy_json(&p)));
}

/* A period: seconds, or a duration string ("7d"). */
static int period(const json_t *body, const char *key, int64_t *ret)
{
	const json_t *v = json_object_get(body, key);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*ret = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && time_parse_duration(json_string_value(v), ret) == 0 && *ret > 0)
		return 0;
	return err_set(-EINVAL, "field '%s' must be a duration (seconds, or a string such as \"7d\")", key);
}

int compliance_api_policy_set(struct http_req *req)
{
	static const char *const fields[] = {"security-high", "security", "other", NULL};
	struct compliance_policy p = {0};
	json_t *body;
	int r;
	struct store *s = store_get();
	if (!s)
		return -EIO;
	if ((r = http_body_json(req, &body)) < 0 || (r = json_check_fields(body, fields)) < 0 ||
	    (r = period(body, "security-high", &p.security_high)) < 0 ||
	    (r = period(body, "security", &p.security)) < 0 || (r = period(body, "other", &p.other)) < 0 ||
	    (r = compliance_policy_set(s, http_auth(req)->user, &p)) < 0 || (r = compliance_policy_get(s, &p)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "policy", policy_json(&p)));
}
