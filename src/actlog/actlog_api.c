/*
 * actlog_api.c: GET /api/v1/log, the activity log for admins, newest first, paged.
 */
#include "actlog/actlog_api.h"

#include <errno.h>

#include "actlog/actlog.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/timeutil.h"

int actlog_api_list(struct http_req *req)
{
	struct actlog_filter f = {.actor = http_query(req, "actor"), .action = http_query(req, "action")};
	const char *since = http_query(req, "since"), *before = http_query(req, "before"),
		   *limit = http_query(req, "limit");
	int64_t v, next;
	json_t *entries;
	int r;
	if (f.actor && !*f.actor)
		f.actor = NULL;
	if (f.action && !*f.action)
		f.action = NULL;
	if (since && *since && (r = time_parse_since(since, time_now(), &f.since)) < 0)
		return r;
	if (before && *before) {
		if ((r = parse_int64(before, 1, INT64_MAX, &v)) < 0)
			return err_set(-EINVAL, "before must be an entry id");
		f.before = v;
	}
	if (limit && *limit) {
		if (parse_int64(limit, 1, WARD_LOG_PAGE_MAX, &v) < 0)
			return err_set(-EINVAL, "limit must be between 1 and %d", WARD_LOG_PAGE_MAX);
		f.limit = (int)v;
	}
	struct store *s = store_get();
	if (!s)
		return -EIO;
	if ((r = actlog_list(s, &f, &entries, &next)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o, s:o}", "entries", entries, "next_before",
						   next ? json_integer(next) : json_null()));
}
