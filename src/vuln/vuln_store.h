/*
 * vuln_store.h: the SQL behind vuln.c: feeds, issues and entries.
 */
#ifndef WARD_VULN_STORE_H
#define WARD_VULN_STORE_H

#include <jansson.h>

#include "core/store.h"
#include "vuln/vuln.h"

/* Forgets everything feed held and inserts its row afresh (counts 0). Inside the
 * caller's transaction. */
int vuln_store_feed_reset(struct store *s, const char *feed, const char *format, const char *origin, int64_t now);
/* Sets the feed's counts once the import is complete. */
int vuln_store_feed_counts(struct store *s, const char *feed, int64_t issues, int64_t entries);
/* Adds an issue (the first description wins when several sources name it); *ret_new
 * says whether it was new. */
int vuln_store_issue_put(struct store *s, const char *feed, const struct vuln_issue *i, bool *ret_new);
int vuln_store_entry_put(struct store *s, const char *feed, const struct vuln_entry *e);

/* Calls fn for every entry on either release (r2 may be NULL), ordered by source and
 * issue, with the entry's feed and the issue's scope (NULL when unknown). Strings are
 * valid during the call only. */
int vuln_store_release_each(struct store *s, const char *r1, const char *r2,
			    int (*fn)(void *arg, const char *feed, const struct vuln_entry *e, const char *scope),
			    void *arg);

/* vuln_feeds's rows into out. */
int vuln_store_feeds(struct store *s, json_t *out);

/* The issue's facts (from the first feed that has a description) into obj, and every
 * entry naming it appended to entries. -ENOENT when none. */
int vuln_store_issue_get(struct store *s, const char *cve, json_t *obj, json_t *entries);

/* Configured feed URLs (vuln_sources.c). */
int vuln_store_source_count(struct store *s, const char *except, int64_t *ret);
int vuln_store_source_put(struct store *s, const char *feed, const char *url, const char *format, int64_t every_s,
			  const char *actor, int64_t now);
/* -ENOENT when feed has no URL. */
int vuln_store_source_delete(struct store *s, const char *feed);
/* [{"feed", "url", "format", "every", "etag", "last_modified", "checked_at"}] into out. */
int vuln_store_sources(struct store *s, json_t *out);
/* After a fetch: error (a failure, validators kept), or changed (imported: new
 * validators), or neither (unchanged). */
int vuln_store_source_checked(struct store *s, const char *feed, int64_t now, const char *etag,
			      const char *last_modified, bool changed, const char *error);

#endif
