/*
 * server_api.c: the server's own routes: the health check and the dashboard summary.
 */
#include <errno.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "core/err.h"
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
