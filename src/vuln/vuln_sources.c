/*
 * vuln_sources.c: feed URLs imported on schedule: each due one is fetched with its
 * validators (an unchanged feed costs one request and no import), downloaded to the
 * data directory and imported in vuln_import's one transaction; a failure keeps the
 * data and is recorded on the source.
 */
#include "vuln/vuln.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "actlog/actlog.h"
#include "core/err.h"
#include "vuln/vuln_store.h"

#define SOURCE_EVERY_DEFAULT (6 * 3600) /* seconds between fetches when not given */
#define SOURCE_EVERY_MIN 300		/* fetching more often than this is abuse of the feed's server */

static int url_ok(const char *url)
{
	if (strlen(url) > VULN_FETCH_URL_MAX)
		return err_set(-EINVAL, "the URL is longer than %d bytes", VULN_FETCH_URL_MAX);
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0 && strncmp(url, "file:///", 8) != 0)
		return err_set(-EINVAL, "'%s' is not an http://, https:// or file:/// URL", url);
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return err_set(-EINVAL, "a URL cannot hold spaces or control characters");
	return 0;
}

int vuln_source_add(struct store *s, const char *actor, const char *url, const char *format, const char *feed,
		    int64_t every_s, int64_t now)
{
	int64_t n = 0;
	int r;
	if ((r = url_ok(url)) < 0)
		return r;
	if (format && strcmp(format, "tracker") != 0 && strcmp(format, "osv") != 0)
		return err_set(-EINVAL, "unknown feed format '%s' (tracker or osv)", format);
	if (!feed)
		feed = format && strcmp(format, "osv") == 0 ? "osv" : "debian-tracker";
	if (!*feed || strlen(feed) > WARD_VULN_FIELD_MAX)
		return err_set(-EINVAL, "a feed name must have 1 to %d bytes", WARD_VULN_FIELD_MAX);
	if (every_s == 0)
		every_s = SOURCE_EVERY_DEFAULT;
	if (every_s < SOURCE_EVERY_MIN)
		return err_set(-EINVAL, "a feed is fetched at most every %d minutes", SOURCE_EVERY_MIN / 60);
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = vuln_store_source_count(s, feed, &n)) == 0 && n >= WARD_VULN_SOURCES_MAX)
		r = err_set(-EINVAL, "at most %d feed URLs can be configured", WARD_VULN_SOURCES_MAX);
	if (r == 0)
		r = vuln_store_source_put(s, feed, url, format, every_s, actor, now);
	if (r == 0)
		r = actlog_appendf(s, actor, "vuln.source_add", feed, "{s:s, s:s?, s:I}", "url", url, "format", format,
				   "every", (json_int_t)every_s);
	return store_tx_end(s, r);
}

int vuln_source_remove(struct store *s, const char *actor, const char *feed)
{
	int r;
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = vuln_store_source_delete(s, feed)) == 0)
		r = actlog_appendf(s, actor, "vuln.source_remove", feed, "{}");
	return store_tx_end(s, r);
}

/* Records a failed fetch or import, in its own transaction. */
static int source_failed(struct store *s, const char *actor, const char *feed, const char *url, const char *msg,
			 int64_t now)
{
	int r;
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = vuln_store_source_checked(s, feed, now, NULL, NULL, false, msg)) == 0)
		r = actlog_appendf(s, actor, "vuln.fetch_failed", feed, "{s:s, s:s}", "url", url, "error", msg);
	return store_tx_end(s, r);
}

/* Fetches and imports one source; the outcome goes into out. Returns a store error
 * only: a failed fetch or import is recorded, not returned. */
static int source_refresh(struct store *s, const char *actor, const json_t *src, int64_t now, json_t *out)
{
	const char *feed = json_string_value(json_object_get(src, "feed"));
	const char *url = json_string_value(json_object_get(src, "url"));
	const char *format = json_string_value(json_object_get(src, "format"));
	const char *etag = json_string_value(json_object_get(src, "etag"));
	const char *lm = json_string_value(json_object_get(src, "last_modified"));
	struct vuln_fetch_result fr;
	json_t *res = NULL;
	char msg[1024];
	int r = vuln_fetch(url, etag, lm, store_data_dir(), WARD_VULN_DOWNLOAD_MAX, &fr);
	if (r == 0 && fr.status == 304) {
		if ((r = vuln_store_source_checked(s, feed, now, NULL, NULL, false, NULL)) < 0)
			return r;
		return json_array_append_new(out, json_pack("{s:s, s:s}", "feed", feed, "result", "unchanged"));
	}
	if (r == 0) {
		r = vuln_import_origin(s, actor, fr.path, url, format, feed, &res);
		vuln_fetch_result_release(&fr);
	}
	if (r < 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg(r));
		err_clear();
		if ((r = source_failed(s, actor, feed, url, msg, now)) < 0)
			return r;
		return json_array_append_new(
		    out, json_pack("{s:s, s:s, s:s}", "feed", feed, "result", "failed", "error", msg));
	}
	if ((r = vuln_store_source_checked(s, feed, now, fr.etag, fr.last_modified, true, NULL)) < 0) {
		json_decref(res);
		return r;
	}
	json_object_set_new(res, "result", json_string("imported"));
	return json_array_append_new(out, res);
}

int vuln_sources_refresh(struct store *s, const char *actor, const char *feed, bool force, int64_t now, json_t **ret)
{
	json_t *all = json_array(), *out = json_array(), *src;
	size_t i;
	bool found = false;
	int r = all && out ? vuln_store_sources(s, all) : -ENOMEM;
	json_array_foreach(all, i, src)
	{
		if (r < 0)
			break;
		const char *name = json_string_value(json_object_get(src, "feed"));
		json_t *checked = json_object_get(src, "checked_at");
		if (feed && strcmp(feed, name) != 0)
			continue;
		found = true;
		if (!force && json_is_integer(checked) &&
		    now - json_integer_value(checked) < json_integer_value(json_object_get(src, "every")))
			continue;
		r = source_refresh(s, actor, src, now, out);
	}
	if (r == 0 && feed && !found)
		r = err_set(-ENOENT, "feed '%s' has no URL configured (ward vuln feeds add URL --feed %s)", feed, feed);
	json_decref(all);
	if (r < 0 || !ret)
		json_decref(out);
	else
		*ret = out;
	return r;
}
