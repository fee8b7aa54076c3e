/*
 * findings_api.c: the findings as JSON: open ones by default, ?all=1 for closed too,
 * ?source= to keep one module's.
 */
#include "findings/findings_api.h"

#include <errno.h>

#include "core/err.h"
#include "findings/findings.h"

int findings_api_list(struct http_req *req)
{
	int64_t all = 0, limit = WARD_FINDINGS_PAGE_DEFAULT;
	json_t *list;
	int r;
	struct store *s = store_get();
	if (!s)
		return -EIO;
	if ((r = http_query_int(req, "all", 0, 1, &all)) < 0 ||
	    (r = http_query_int(req, "limit", 1, WARD_FINDINGS_PAGE_MAX, &limit)) < 0 ||
	    (r = findings_list(s, !all, http_query(req, "source"), (int)limit, &list)) < 0)
		return r;
	return http_reply_json(req, 200, json_pack("{s:o}", "findings", list));
}
