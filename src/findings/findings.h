/*
 * findings.h: problems Ward found that a person should look at, from any module (the
 * first is disaster recovery: a plan whose newest good backup is older than its RPO).
 * A module opens a finding under its own source and a key of its choosing, and closes
 * it when it sees the problem gone; opening one that is already open only refreshes
 * its message and severity. Opening and closing are written to the activity log in
 * the caller's transaction; the dashboard shows the open ones.
 */
#ifndef WARD_FINDINGS_H
#define WARD_FINDINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/store.h"

/* Opens the finding (source, key), or refreshes it when open. severity is "low",
 * "medium", "high" or "critical". *ret_new (may be NULL) tells whether it was opened
 * now. Logged as finding.open when new. Joins the caller's transaction. */
int findings_open(struct store *s, const char *actor, const char *source, const char *key, const char *severity,
		  const char *subject, const char *message, int64_t now, bool *ret_new);

/* Closes the open finding (source, key), if any, logged as finding.close with why.
 * *ret_closed (may be NULL) tells whether there was one. */
int findings_close(struct store *s, const char *actor, const char *source, const char *key, const char *why,
		   int64_t now, bool *ret_closed);

/* Findings, newest first: the open ones only, or all; source NULL for every source.
 * *ret: [{"id", "source", "key", "severity", "subject", "message", "opened_at",
 * "updated_at", "closed_at"}...] (times ISO 8601, closed_at null while open). */
int findings_list(struct store *s, bool open_only, const char *source, int limit, json_t **ret);

/* Open findings, for the dashboard. */
int findings_count_open(struct store *s, int64_t *ret);

#endif
