/*
 * server_api.c: the server's own routes: the health check and the dashboard summary
 * (for support staff and admins also the recovery plans' colours and open findings).
 */
#include <errno.h>
#include <string.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "dr/dr.h"
#include "findings/findings.h"
#include "server/server.h"

int server_api_health(struct http_req *req)
{
	return http_reply_json(req, 200, json_pack("{s:s, s:s}", "status", "ok", "version", WARD_VERSION));
}

int server_api_dashboard(struct http_req *req)
{
	const struct auth *a = http_auth(req);
	struct store *s = store_get();
	struct user u;
	int r;
	if (!s)
		return -EIO;
	if ((r = accounts_user_get(s, a->user, &u)) < 0)
		return r;
	json_t *body = json_pack("{s:s, s:o}", "version", WARD_VERSION, "user", accounts_user_json(&u));
	if (!body)
		return -ENOMEM;
	if (a->role >= ROLE_SUPPORT) {
		json_t *plans, *p, *findings, *bad = json_array();
		int64_t open;
		size_t i;
		int n[3] = {0};
		if (!bad || (r = dr_plan_list(s, time_now(), &plans)) < 0) {
			json_decref(bad);
			r = bad ? r : -ENOMEM;
			goto fail;
		}
		json_array_foreach(plans, i, p) {
			const char *c = json_string_value(json_object_get(json_object_get(p, "status"), "color"));
			int k = strcmp(c, "green") == 0 ? 0 : strcmp(c, "amber") == 0 ? 1 : 2;
			n[k]++;
			if (k)
				json_array_append_new(bad, json_pack("{s:O, s:s, s:O}", "name", json_object_get(p, "name"), "color",
								     c, "reason",
								     json_array_get(json_object_get(json_object_get(p, "status"), "reasons"), 0)));
		}
		json_object_set_new(body, "recovery",
				    json_pack("{s:I, s:i, s:i, s:i, s:o}", "plans", (json_int_t)json_array_size(plans), "green",
					      n[0], "amber", n[1], "red", n[2], "attention", bad));
		json_decref(plans);
		if ((r = findings_count_open(s, &open)) < 0 || (r = findings_list(s, true, NULL, 10, &findings)) < 0)
			goto fail;
		json_object_set_new(body, "findings", json_pack("{s:I, s:o}", "open", (json_int_t)open, "recent", findings));
	}
	if (a->role >= ROLE_ADMIN) {
		json_t *counts, *recent;
		int64_t entries, next;
		struct actlog_filter f = {.limit = 10};
		if ((r = accounts_user_counts(s, &counts)) < 0)
			goto fail;
		json_object_set_new(body, "users", counts);
		if ((r = actlog_count(s, &entries)) < 0 || (r = actlog_list(s, &f, &recent, &next)) < 0)
			goto fail;
		json_object_set_new(body, "activity", json_pack("{s:I, s:o}", "entries", (json_int_t)entries, "recent", recent));
	}
	return http_reply_json(req, 200, body);
fail:
	json_decref(body);
	return r;
}
