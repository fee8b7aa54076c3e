/*
 * jobs_store.h: the jobs SQL (jobs_store.c); used only by jobs.c.
 */
#ifndef WARD_JOBS_STORE_H
#define WARD_JOBS_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "core/store.h"

int jobs_store_insert(struct store *s, int64_t host_id, const char *kind, const char *params, const char *by,
		      int64_t now, int64_t expires, int64_t *ret_id);
int jobs_store_sign(struct store *s, int64_t id, const char *payload, const char *signature);
int jobs_store_expire(struct store *s, int64_t now);
/* Appends {"payload","signature"} of up to limit queued jobs and marks them sent. */
int jobs_store_take(struct store *s, int64_t host_id, int64_t now, int limit, json_t *out);
int jobs_store_latest(struct store *s, int64_t *ret);
/* -ENOENT when the host has no such job; -EEXIST when it already has a result. */
int jobs_store_finish(struct store *s, int64_t id, int64_t host_id, const char *status, const int64_t *exit_code,
		      const char *output, const char *result, int64_t now);
int jobs_store_list(struct store *s, int64_t host_id, int limit, json_t *out);
int jobs_store_get(struct store *s, int64_t id, json_t **ret);

#endif
