/*
 * dr_store.h: the recovery plans' SQL (dr_store.c); used only by dr.c and dr_run.c.
 * Plans cross this line as JSON objects shaped like dr_plan_get's (without status).
 */
#ifndef WARD_DR_STORE_H
#define WARD_DR_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "core/store.h"

/* plan: a validated plan object (every field present). */
int dr_store_plan_insert(struct store *s, const json_t *plan, const char *actor, int64_t now, int64_t *ret_id);
int dr_store_plan_update(struct store *s, int64_t id, const json_t *plan, int64_t now);
int dr_store_plan_delete(struct store *s, int64_t id);

/* A plan by id or by name; -ENOENT "recovery plan 'x' does not exist". */
int dr_store_plan_get_id(struct store *s, int64_t id, json_t **ret);
int dr_store_plan_get_name(struct store *s, const char *name, json_t **ret);

/* Every plan, by name, appended to out. */
int dr_store_plan_list(struct store *s, json_t *out);

int dr_store_run_insert(struct store *s, int64_t plan_id, const char *kind, const char *actor, int64_t now, int64_t pid,
			int64_t *ret_id);
int dr_store_run_finish(struct store *s, int64_t id, const char *status, int64_t now, double seconds,
			const char *snapshot, int64_t snapshot_time, const char *details, const char *error);

/* One run with "plan_id" and "pid" besides dr_runs' fields; -ENOENT. */
int dr_store_run_get(struct store *s, int64_t id, json_t **ret);

/* The plan's runs, newest first (kind NULL: both), appended to out. */
int dr_store_runs(struct store *s, int64_t plan_id, const char *kind, int limit, json_t *out);

/* The newest run of the plan of kind whose status is status ("running", "ok",
 * "finished" for any but running, "good" for ok or passed or slow) in *ret, or NULL. */
int dr_store_run_last(struct store *s, int64_t plan_id, const char *kind, const char *status, json_t **ret);

/* Records the agent job doing a run; the run whose job is job_id in *ret, or NULL. */
int dr_store_run_set_job(struct store *s, int64_t id, int64_t job_id);
int dr_store_run_by_job(struct store *s, int64_t job_id, json_t **ret);

/* Every running run (with "pid"), appended to out. */
int dr_store_runs_running(struct store *s, json_t *out);

/* dr_meta: *ret NULL when the key is not there (the caller frees). */
int dr_store_meta_get(struct store *s, const char *key, char **ret);
int dr_store_meta_set(struct store *s, const char *key, const char *value);

#endif
