/*
 * vuln_api.c: the fleet's vulnerable packages as JSON, from the hosts' reported
 * inventories matched against the imported feeds (vuln_match_fleet), with the same
 * filters as ward vuln list.
 */
#include "vuln/vuln_api.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "vuln/vuln.h"

#define VULN_API_FINDINGS_MAX 20000 /* findings one fleet answer carries (then "truncated") */

/* What GET /api/v1/vulns gathers while the fleet is matched. */
struct api_list {
	const char *cve, *urgency, *status;
	json_t *hosts, *findings, *by_urgency, *by_status;
	bool truncated;
};

/* "high", "medium", ... without the tracker's asterisks; "unassigned" for none. */
static void urgency_word(const char *u, char *out, size_t size)
{
	size_t n = u ? strcspn(u, "*") : 0;
	if (!u || n == 0 || strcmp(u, "not yet assigned") == 0)
		snprintf(out, size, "unassigned");
	else
		snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), u);
}

static void count(json_t *obj, const char *key)
{
	json_object_set_new(obj, key, json_integer(json_integer_value(json_object_get(obj, key)) + 1));
}

static int list_host(void *arg, json_t *h)
{
	struct api_list *l = arg;
	json_t *f;
	size_t i;
	vuln_filter_findings(h, l->cve, l->urgency, l->status);
	json_t *findings = json_object_get(h, "findings");
	if ((l->cve || l->urgency || l->status) && json_array_size(findings) == 0)
		return 0;
	json_array_foreach(findings, i, f)
	{
		char w[64];
		urgency_word(json_string_value(json_object_get(f, "urgency")), w, sizeof(w));
		json_object_set_new(f, "urgency_class", json_string(w));
		count(l->by_urgency, w);
		count(l->by_status, json_string_value(json_object_get(f, "status")));
		if (json_array_size(l->findings) >= VULN_API_FINDINGS_MAX) {
			l->truncated = true;
			continue;
		}
		json_object_set(f, "host", json_object_get(h, "host"));
		json_array_append(l->findings, f);
	}
	json_object_set_new(h, "vulnerable", json_integer((json_int_t)json_array_size(findings)));
	json_object_del(h, "findings");
	return json_array_append(l->hosts, h);
}

static int filters(struct http_req *req, const char **cve, const char **urgency, const char **status)
{
	enum vuln_status st;
	*cve = http_query(req, "cve");
	*urgency = http_query(req, "urgency");
	*status = http_query(req, "status");
	if (*cve && !**cve)
		*cve = NULL;
	if (*urgency && !**urgency)
		*urgency = NULL;
	if (*status && !**status)
		*status = NULL;
	if (*status && vuln_status_parse(*status, &st) < 0)
		return -EINVAL;
	return 0;
}

int vuln_api_list(struct http_req *req)
{
	struct api_list l = {0};
	const char *host = http_query(req, "host");
	struct store *s = store_get();
	int r;
	if (!s)
		return -EIO;
	if ((r = filters(req, &l.cve, &l.urgency, &l.status)) < 0)
		return r;
	if (host && !*host)
		host = NULL;
	l.hosts = json_array();
	l.findings = json_array();
	l.by_urgency = json_object();
	l.by_status = json_object();
	r = l.hosts && l.findings && l.by_urgency && l.by_status
		? vuln_match_fleet(s, host, vuln_distro_info_dir(), time_now(), false, list_host, &l)
		: -ENOMEM;
	if (r < 0) {
		json_decref(l.hosts);
		json_decref(l.findings);
		json_decref(l.by_urgency);
		json_decref(l.by_status);
		return r;
	}
	return http_reply_json(req, 200,
			       json_pack("{s:o, s:o, s:o, s:o, s:b}", "hosts", l.hosts, "findings", l.findings,
					 "by_urgency", l.by_urgency, "by_status", l.by_status, "truncated",
					 l.truncated));
}

/* The hosts an issue concerns, for GET /api/v1/vulns/{cve}. */
struct show_state {
	const char *cve;
	json_t *out;
};

static int show_host(void *arg, json_t *h)
{
	struct show_state *st = arg;
	json_t *f;
	size_t i;
	vuln_filter_findings(h, st->cve, NULL, NULL);
	json_array_foreach(json_object_get(h, "findings"), i, f)
	{
		json_object_set(f, "host", json_object_get(h, "host"));
		if (json_array_append(st->out, f) < 0)
			return -ENOMEM;
	}
	return 0;
}

int vuln_api_show(struct http_req *req)
{
	const char *cve = http_param(req, "cve");
	struct store *s = store_get();
	json_t *res = NULL, *hosts = json_array();
	int r;
	if (!s || !hosts) {
		json_decref(hosts);
		return s ? -ENOMEM : -EIO;
	}
	if (strlen(cve) > WARD_VULN_FIELD_MAX)
		r = err_set(-EINVAL, "an issue id has at most %d bytes", WARD_VULN_FIELD_MAX);
	else
		r = vuln_show(s, cve, &res);
	/* each host's findings are cut down to this issue as it is matched */
	struct show_state st = {cve, hosts};
	if (r == 0)
		r = vuln_match_fleet(s, NULL, NULL, time_now(), false, show_host, &st);
	if (r == 0)
		json_object_set(res, "hosts", hosts);
	json_decref(hosts);
	if (r < 0) {
		json_decref(res);
		return r;
	}
	return http_reply_json(req, 200, res);
}

static int take_one(void *arg, json_t *h)
{
	json_t **ret = arg;
	if (!*ret)
		*ret = json_incref(h);
	return 0;
}

int vuln_api_host(struct http_req *req)
{
	struct api_list l = {0};
	struct store *s = store_get();
	json_t *res = NULL;
	int r;
	if (!s)
		return -EIO;
	if ((r = filters(req, &l.cve, &l.urgency, &l.status)) < 0)
		return r;
	r = vuln_match_fleet(s, http_param(req, "host"), vuln_distro_info_dir(), time_now(), false, take_one, &res);
	if (r < 0)
		return r;
	if (!res) /* enrolled, but no packages or release reported yet */
		return err_set(-ENOENT, "host '%s' has not reported its packages and release yet",
			       http_param(req, "host"));
	vuln_filter_findings(res, l.cve, l.urgency, l.status);
	return http_reply_json(req, 200, res);
}

int vuln_api_feeds(struct http_req *req)
{
	struct store *s = store_get();
	json_t *feeds;
	int r;
	if (!s)
		return -EIO;
	if ((r = vuln_feeds(s, &feeds)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "feeds", feeds));
}
