/*
 * findings.c: opening, refreshing and closing findings, each change in the activity
 * log within the caller's transaction (or one of its own).
 */
#include "findings/findings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "actlog/actlog.h"
#include "core/err.h"
#include "findings/findings_store.h"

static bool severity_ok(const char *s)
{
	static const char *const names[] = {"low", "medium", "high", "critical", NULL};
	for (int i = 0; s && names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

static int text_ok(const char *what, const char *v)
{
	if (!v || !*v)
		return err_set(-EINVAL, "a finding needs a %s", what);
	if (strlen(v) > WARD_FINDINGS_TEXT_MAX)
		return err_set(-EINVAL, "a finding's %s is longer than %d bytes", what, WARD_FINDINGS_TEXT_MAX);
	return 0;
}

int findings_open(struct store *s, const char *actor, const char *source, const char *key, const char *severity,
		  const char *subject, const char *message, int64_t now, bool *ret_new)
{
	int64_t id;
	int r;
	if ((r = text_ok("source", source)) < 0 || (r = text_ok("key", key)) < 0 ||
	    (r = text_ok("subject", subject)) < 0 || (r = text_ok("message", message)) < 0)
		return r;
	if (!severity_ok(severity))
		return err_set(-EINVAL, "unknown severity '%s'", severity ? severity : "");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	r = findings_store_open_id(s, source, key, &id);
	bool fresh = r == 0 && id == 0;
	if (r == 0 && !fresh)
		r = findings_store_refresh(s, id, severity, message, now);
	if (r == 0 && fresh && (r = findings_store_insert(s, source, key, severity, subject, message, now, &id)) == 0)
		r = actlog_appendf(s, actor, "finding.open", subject, "{s:I, s:s, s:s, s:s, s:s}", "finding",
				   (json_int_t)id, "source", source, "key", key, "severity", severity, "message",
				   message);
	if ((r = store_tx_end(s, r)) == 0 && ret_new)
		*ret_new = fresh;
	return r;
}

int findings_close(struct store *s, const char *actor, const char *source, const char *key, const char *why,
		   int64_t now, bool *ret_closed)
{
	int64_t id = 0;
	/* Most calls (the scheduler's, every minute) find nothing open: no write lock then. */
	int r = findings_store_open_id(s, source, key, &id);
	if (r < 0 || id == 0) {
		if (r == 0 && ret_closed)
			*ret_closed = false;
		return r;
	}
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = findings_store_open_id(s, source, key, &id)) == 0 && id) {
		char object[WARD_FINDINGS_TEXT_MAX + 16];
		snprintf(object, sizeof(object), "finding:%lld", (long long)id);
		if ((r = findings_store_close(s, id, now)) == 0)
			r = actlog_appendf(s, actor, "finding.close", object, "{s:s, s:s, s:s}", "source", source,
					   "key", key, "why", why ? why : "");
	}
	if ((r = store_tx_end(s, r)) == 0 && ret_closed)
		*ret_closed = id != 0;
	return r;
}

int findings_list(struct store *s, bool open_only, const char *source, int limit, json_t **ret)
{
	json_t *out = json_array();
	if (!out)
		return -ENOMEM;
	if (limit < 1 || limit > WARD_FINDINGS_PAGE_MAX)
		limit = WARD_FINDINGS_PAGE_DEFAULT;
	int r = findings_store_list(s, open_only, source, limit, out);
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

int findings_count_open(struct store *s, int64_t *ret)
{
	return findings_store_count_open(s, ret);
}
