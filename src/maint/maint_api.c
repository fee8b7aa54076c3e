/*
 * maint_api.c: HTTP handlers for maintenance windows: the list, one window with its
 * next occurrences and machines, and adding, changing and removing (admins).
 */
#include "maint/maint_api.h"

#include <errno.h>

#include "core/err.h"
#include "core/store.h"
#include "core/timeutil.h"
#include "maint/maint.h"

int maint_api_list(struct http_req *req)
{
	json_t *list;
	STORE_OR_FAIL(s);
	int r = maint_window_list(s, time_now(), &list);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "windows", list));
}

int maint_api_add(struct http_req *req)
{
	json_t *body, *w;
	STORE_OR_FAIL(s);
	int r = http_body_json(req, &body);
	if (r < 0 || (r = maint_window_add(s, http_auth(req)->user, body, time_now(), &w)) < 0)
		return r;
	return http_reply_json(req, 201, json_pack("{s:o}", "window", w));
}

int maint_api_show(struct http_req *req)
{
	json_t *w;
	STORE_OR_FAIL(s);
	int r = maint_window_get(s, http_param(req, "window"), time_now(), &w);
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "window", w));
}

int maint_api_edit(struct http_req *req)
{
	json_t *body, *w;
	STORE_OR_FAIL(s);
	int r = http_body_json(req, &body);
	if (r < 0 ||
	    (r = maint_window_edit(s, http_auth(req)->user, http_param(req, "window"), body, time_now(), &w)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "window", w));
}

int maint_api_remove(struct http_req *req)
{
	STORE_OR_FAIL(s);
	int r = maint_window_remove(s, http_auth(req)->user, http_param(req, "window"));
	if (r < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:s}", "removed", http_param(req, "window")));
}
