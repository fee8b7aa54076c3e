/*
 * upgrade_store.h: the SQL behind upgrade.c: plans, their machines and the steps each
 * machine's agent reported. Rows come back as JSON objects keyed by column name, the
 * JSON columns parsed.
 */
#ifndef WARD_UPGRADE_STORE_H
#define WARD_UPGRADE_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "core/store.h"

/* plan: the fields of upgrade_plans as upgrade.c built them (JSON values for the JSON
 * columns). */
int upgrade_store_plan_insert(struct store *s, const json_t *plan, int64_t *ret_id);
/* by id when id > 0, else by name; -ENOENT */
int upgrade_store_plan_get(struct store *s, int64_t id, const char *name, json_t **ret);
int upgrade_store_plan_list(struct store *s, json_t *out);
/* Sets status, reason (NULL keeps), current_ring (< 0 keeps), started_by/at (NULL/0
 * keep), finished_at (0 keeps). */
int upgrade_store_plan_set(struct store *s, int64_t id, const char *status, const char *reason, int64_t ring,
			   const char *started_by, int64_t started_at, int64_t finished_at);
int upgrade_store_plan_notice(struct store *s, int64_t id, int64_t course_id);
/* Plans in status "scheduled" with start_at <= now: [{"id", "created_by"}]. */
int upgrade_store_plans_due(struct store *s, int64_t now, json_t *out);

int upgrade_store_machine_insert(struct store *s, int64_t plan_id, int64_t host_id, int64_t ring,
				 const json_t *packages, const json_t *warnings, const char *status);
/* The plan's machines by ring and host name, with "host" (name) and "host_id". */
int upgrade_store_machines(struct store *s, int64_t plan_id, json_t *out);
/* The machine an upgrade job is for; *ret NULL when none. */
int upgrade_store_machine_by_job(struct store *s, int64_t job_id, json_t **ret);
/* Sets status, job (0 keeps), reason and versions (NULL keep), started/finished (0 keep). */
int upgrade_store_machine_set(struct store *s, int64_t id, const char *status, int64_t job_id, const char *reason,
			      const json_t *versions, int64_t started_at, int64_t finished_at);
/* Machines in status "running" whose start is before cutoff: [{"id", "plan_id", "host"}]. */
int upgrade_store_machines_stuck(struct store *s, int64_t cutoff, json_t *out);

int upgrade_store_step_insert(struct store *s, int64_t machine_id, int64_t seq, const json_t *step, int64_t at);
int upgrade_store_steps(struct store *s, int64_t machine_id, json_t *out);

#endif
