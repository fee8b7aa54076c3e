/*
 * upgrade.h: upgrade runs. A plan names machines (hosts, tags or all), packages (all,
 * security only, or named, with versions) and compatibility tests; when it is made it
 * fixes, per machine, the exact version each package goes from and to (from what the
 * host's agent last reported) and whether the old version can still be had for a
 * rollback. Run now or at a start time, it goes ring by ring (the pilot first): each
 * machine gets an "upgrade" job its agent runs with upgrade_exec (pre-checks, apt-get
 * with the exact versions, post-checks, rollback on failure), and the next ring starts
 * only when every machine of the last one passed. Every step is recorded and every
 * change is in the activity log.
 *
 * Errors: 0 or a negative errno with err_set(): -EINVAL bad field, -ENOENT no such
 * plan or host, -EEXIST name taken or the plan not in a state for the action (409),
 * -EPERM a run refused because a previous version cannot be had for rollback.
 */
#ifndef WARD_UPGRADE_H
#define WARD_UPGRADE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"

#define UPGRADE_NAME_MAX 64		   /* bytes of a plan name */
#define UPGRADE_TESTS_MAX 32		   /* compatibility tests of a plan */
#define UPGRADE_TEST_TEXT_MAX 2048	   /* bytes of a test's command, unit, URL or host */
#define UPGRADE_PACKAGES_MAX 512	   /* packages named, or upgraded on one machine */
#define UPGRADE_MACHINES_MAX 1000	   /* machines of one plan */
#define UPGRADE_NOTE_MAX (64 * 1024)	   /* bytes of a "what changed" note */
#define UPGRADE_OUTPUT_MAX 4096		   /* bytes of a step's output kept (the last ones) */
#define UPGRADE_STEPS_MAX 256		   /* steps one machine may report */
#define UPGRADE_MIN_FREE_DEFAULT 100	   /* MiB free under /var/cache/apt/archives and / */
#define UPGRADE_APT_TIMEOUT 1800	   /* seconds apt-get may take */
#define UPGRADE_TEST_TIMEOUT 60		   /* seconds one compatibility test may take */
#define UPGRADE_REMOTE_TIMEOUT (24 * 3600) /* a machine with no result after this has failed */

/* Fields of a plan (the API's body; the CLI builds the same):
 *   name         [a-z0-9][a-z0-9._-]*
 *   hosts, tags  arrays of host names / tags; or all: true
 *   pilot, pilot_tags  hosts / tags of the plan's machines that form ring 1 (the rest
 *                ring 2); none: one ring
 *   packages     "all", "security", or an array of "name" / "name=version"
 *   tests        [{"name"?, "kind": "command", "command"} | {"kind": "service", "unit",
 *                "command"? (used where systemd does not run)} | {"kind": "http", "url",
 *                "status"? (200)} | {"kind": "tcp", "host", "port"}]
 *   start_at     an ISO time (a scheduled start), or absent (run with upgrade_run)
 *   min_free_mb  disk space the pre-check wants (UPGRADE_MIN_FREE_DEFAULT)
 *   allow_no_rollback  run even when an old version cannot be had again
 *   note         {"title", "text", "package"?}: a "what changed" note, published as a
 *                training notice for the package's users when the plan passes
 * Creating fixes the versions per machine (logged as upgrade.plan). -EINVAL when no
 * selected machine has anything to upgrade. */
int upgrade_plan_create(struct store *s, const char *actor, const json_t *fields, int64_t now, int64_t *ret_id);

/* The plan by id (digits) or name: its fields, "status", "reason", "current_ring",
 * "rollback_missing" (count), and "machines": [{"host", "ring", "status", "packages",
 * "warnings", "reason", "versions", "job", "started_at", "finished_at", "steps": [...]}]
 * (steps only when with_steps). */
int upgrade_plan_get(struct store *s, const char *id_or_name, bool with_steps, json_t **ret);

/* Every plan, newest first, without machines but with "counts" by machine status. */
int upgrade_plan_list(struct store *s, json_t **ret);

/* Starts a planned or scheduled plan now: queues ring 1's jobs (upgrade.run). -EPERM
 * when an old version cannot be had and neither the plan nor allow_no_rollback allows
 * it; -EEXIST when the plan is not planned or scheduled. */
int upgrade_run(struct store *s, const char *actor, int64_t id, bool allow_no_rollback, int64_t now);

/* Stops a plan: machines not yet started are cancelled, no further ring starts;
 * results of jobs already handed out are still recorded (upgrade.cancel). */
int upgrade_cancel(struct store *s, const char *actor, int64_t id, const char *reason, int64_t now);

/* The jobs observer: records an upgrade job's steps and outcome and moves the plan on.
 * 0 for jobs that are not upgrades. Runs inside the result's transaction. */
int upgrade_job_result(struct store *s, int64_t job_id, const char *status, const json_t *result, const char *output);

/* The scheduler's round: starts scheduled plans that are due, fails machines with no
 * result after UPGRADE_REMOTE_TIMEOUT. *ret_started (may be NULL): plans started. */
int upgrade_sweep(struct store *s, int64_t now, int *ret_started);

/* Checks an "upgrade" job's parameters (jobs.c): {"plan", "packages": [{"name", "from",
 * "to"}], "tests", "min_free_mb", "allow_no_rollback"}. */
int upgrade_params_check(const json_t *params);

/* Agent side (upgrade_exec.c): runs an upgrade job on the machine below root ("/", or
 * a directory the commands run chrooted in). *ret is {"status": "passed" | "failed" |
 * "rolled-back" | "rollback-failed", "phase", "reason", "steps": [{"name", "phase",
 * "status", "output", "seconds"}], "versions": [{"name", "from", "to", "before",
 * "after"}]}. Fails (-errno) only when it could not start at all. */
int upgrade_exec(const json_t *params, const char *root, json_t **ret);

#endif
