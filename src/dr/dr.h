/*
 * dr.h: disaster recovery on top of the backup engine: recovery plans (what a service
 * needs backed up, where the repository is, its recovery point and time objectives,
 * schedules, retention, the ordered restore steps, owner and contacts), the backups
 * and restore drills run for them, and each plan's status (green, amber, red) by the
 * rules of docs/dr.md. Every change and every run is written to the activity log.
 *
 * A plan is handled as a JSON object (see dr_plan_get); writes take the fields to
 * set as an object too, from the API's body or built by the CLI, and validate all of
 * them before anything is written: a refused request changes nothing. A plan's machine
 * is the Ward server ("local": runs in this process) or an enrolled host (runs as
 * "backup" and "drill" jobs its agent does with dr_exec, recorded by dr_job_result).
 *
 * Errors: 0 or a negative errno with err_set(): -EINVAL bad field (also a machine
 * that is neither "local" nor an enrolled host), -ENOENT no such plan,
 * -EEXIST name taken or a run of the plan in progress (409 either way), -EAGAIN the
 * server's runners are all busy.
 */
#ifndef WARD_DR_H
#define WARD_DR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/store.h"

/* The rules of the status and the schedules (the limits are in core/limits.h). */
#define DR_RETRY_AFTER (30 * 60) /* a failed scheduled run is tried again after, seconds */
#define DR_AMBER_PERCENT 80	 /* backup age above this share of the RPO: amber */
#define DR_DRILL_STALE_FACTOR 2	 /* a drill older than this many drill intervals: amber */

#define DR_DEFAULT_PLAN "ward"	    /* the plan `ward init` makes for Ward's own database */
#define DR_LOCAL "local"	    /* the machine name of the Ward server itself */
#define DR_SCRATCH_DIR "dr-scratch" /* drills restore below <data>/dr-scratch/ */

/* --- schedules: "manual", "every DURATION" (>= 5m), "daily HH:MM" (server local time) --- */

enum dr_sched_kind { DR_SCHED_MANUAL, DR_SCHED_EVERY, DR_SCHED_DAILY };

struct dr_schedule {
	enum dr_sched_kind kind;
	int64_t every; /* DR_SCHED_EVERY: seconds */
	int minute;    /* DR_SCHED_DAILY: minutes after local midnight */
};

/* -EINVAL (message set) for anything else. */
int dr_schedule_parse(const char *text, struct dr_schedule *ret);

/* When a run is next due: with no run yet (last 0) the first occurrence at or after
 * created ("every": created itself), else the first after last; a failed last run is
 * retried DR_RETRY_AFTER after it when that is sooner. INT64_MAX for manual. */
int64_t dr_schedule_next(const struct dr_schedule *sc, int64_t created, int64_t last, bool last_failed);

/* The longest gap the schedule leaves between runs, seconds (0 for manual). */
int64_t dr_schedule_period(const struct dr_schedule *sc);

/* --- status --- */

enum dr_color { DR_GREEN, DR_AMBER, DR_RED };
const char *dr_color_name(enum dr_color c);

/* What the status rules read of a plan and its runs. */
struct dr_status_in {
	int64_t now;
	int64_t created_at;	   /* the plan's */
	int64_t rpo, rto;	   /* seconds */
	int64_t drill_period;	   /* dr_schedule_period of the drill schedule; 0 manual */
	int64_t good_backup_time;  /* time of the newest good backup's snapshot; 0 none */
	bool last_backup_failed;   /* the newest finished backup failed */
	const char *last_drill;	   /* the newest finished drill: "passed", "slow", "failed"; NULL none */
	int64_t last_drill_time;   /* when it finished */
	double last_drill_seconds; /* how long its restore took */
};

/* Applies the rules of docs/dr.md; appends a sentence per rule that fired to reasons
 * (an array; may be NULL), the worst first.
 *   red:   no good backup while the plan is older than its RPO; the newest good backup
 *          older than the RPO; the last backup failed; the last drill failed.
 *   amber: no good backup yet (the plan younger than its RPO); the newest good backup
 *          older than DR_AMBER_PERCENT of the RPO; no drill yet; the last drill slower
 *          than the RTO; the last drill older than DR_DRILL_STALE_FACTOR drill periods.
 *   green: none of these. */
enum dr_color dr_status_eval(const struct dr_status_in *in, json_t *reasons);

/* --- plans --- */

/* Fields of a plan, as the API and the CLI give them:
 *   name (create only)      [a-z0-9][a-z0-9._-]*, at most WARD_DR_NAME_MAX bytes
 *   description, owner, contacts   text
 *   machine                 "local" (the default: the Ward server), or an enrolled host's name
 *                           (its agent runs the backups and drills; paths, repo and password
 *                           file are on that host)
 *   paths, excludes         arrays of absolute paths / fnmatch patterns
 *   dumps                   array of dump specs ("sqlite:/var/lib/app.db", ...)
 *   repo, password_file     absolute paths; the password file must be readable
 *   rpo, rto                durations: "26h", "2h", or seconds
 *   backup_schedule         default "daily 02:00"
 *   drill_schedule          default "every 7d"
 *   retention               {"last", "hourly", "daily", "weekly", "monthly", "yearly"}: counts; {} keeps all
 *   steps                   array of restore steps, in order
 * A plan needs a repo, a password file, an RPO, an RTO and something to back up
 * (paths or dumps). A backup schedule that cannot meet the RPO (its period longer than
 * the RPO) is refused. */

/* Creates a plan (logged as dr.plan.create); *ret_id (may be NULL) its id. */
int dr_plan_create(struct store *s, const char *actor, const json_t *fields, int64_t *ret_id);

/* Changes the given fields (logged as dr.plan.edit with the fields changed); a change
 * that changes nothing writes nothing. */
int dr_plan_edit(struct store *s, const char *actor, int64_t id, const json_t *fields);

/* Removes a plan and its run history (logged as dr.plan.remove); the repository and
 * its snapshots stay. -EEXIST while a run is in progress. */
int dr_plan_remove(struct store *s, const char *actor, int64_t id);

/* The plan by id (all digits) or name: {"id", "name", "description", "machine",
 * "paths", "excludes", "dumps", "repo", "password_file", "rpo", "rto" (seconds),
 * "backup_schedule", "drill_schedule", "retention", "steps", "owner", "contacts",
 * "created_by", "created_at", "updated_at", "status"}, where status is {"color",
 * "reasons", "last_backup", "last_good_backup", "last_drill", "running",
 * "backup_age", "next_backup", "next_drill"} (runs as dr_runs gives them, or null). */
int dr_plan_get(struct store *s, const char *id_or_name, int64_t now, json_t **ret);

/* Every plan as dr_plan_get gives it, by name. */
int dr_plan_list(struct store *s, int64_t now, json_t **ret);

/* The plan's runs, newest first; kind "backup", "drill" or NULL for both: [{"id",
 * "plan", "kind", "status", "actor", "started_at", "finished_at", "seconds",
 * "snapshot", "snapshot_time", "details", "error"}...]. */
int dr_runs(struct store *s, int64_t plan_id, const char *kind, int limit, json_t **ret);

/* One run, as dr_runs gives it; -ENOENT. */
int dr_run_get(struct store *s, int64_t run_id, json_t **ret);

/* The snapshots in the plan's repository (opens it with the password file): as
 * snapshot_list gives them, newest first. */
int dr_snapshots(struct store *s, int64_t plan_id, json_t **ret);

/* --- running backups and drills (dr_run.c) --- */

enum dr_kind { DR_BACKUP, DR_DRILL };
const char *dr_kind_name(enum dr_kind k);

/* Records a run of kind for the plan as running (-EEXIST when one is; -ENOENT when a
 * drill finds no backup to restore) and returns its id: the first half of a run. */
int dr_run_begin(struct store *s, const char *actor, int64_t plan_id, enum dr_kind kind, int64_t *ret_run);

/* Does the work of a run begun with dr_run_begin, in the calling thread, and records
 * its outcome (logged as dr.backup or dr.drill). A backup: dumps the plan's databases,
 * backs up its paths and the dumps into the repository (created on the first backup
 * when the folder is missing or empty), then applies the retention policy (forget and
 * prune). A drill: restores the newest good backup into a scratch folder below the data
 * directory, checks every file against the snapshot (type, size, mode, times, link
 * targets, and the content re-hashed against the snapshot's chunk ids), times it,
 * compares with the RTO ("passed", "slow" over the RTO, "failed"), and removes the
 * scratch folder. Returns 0 when the run was recorded, whatever its outcome; *ret
 * (may be NULL) gets the run as dr_runs gives it. */
int dr_run_exec(struct store *s, int64_t run_id, json_t **ret);

/* Does a backup or a drill as spec says, with no store: the engine's part of a run, for
 * dr_run_exec and for an agent running a plan's job on its host. spec: the plan's
 * fields ("name", "paths", "excludes", "dumps", "repo", "password_file", "retention",
 * "rto") and for a drill "snapshot", "snapshot_time" and "run" (the scratch folder's
 * name); each is checked (it may come over the network). Dumps go to
 * work_dir/dr-dumps/<name>/, drills restore below work_dir/dr-scratch/. *ret: {"status"
 * (ok, passed, slow, failed), "snapshot", "snapshot_time", "seconds", "details",
 * "error"}; an error return means spec was refused and nothing ran. */
int dr_exec(enum dr_kind kind, const json_t *spec, const char *work_dir, json_t **ret);

/* dr_run_begin, then the work: for a plan on this machine dr_run_exec in a worker
 * thread of this process (at most WARD_DR_RUNNERS_MAX at once: -EAGAIN beyond); for a plan on
 * an enrolled host a "backup" or "drill" job for its agent, queued in the same
 * transaction as the run (the run records the job). */
int dr_run_start(struct store *s, const char *actor, int64_t plan_id, enum dr_kind kind, int64_t *ret_run);

/* The jobs hook: records the outcome of the run whose agent job job_id ended (the
 * result dr_exec gave on the host, or a failure saying why the agent did not run it).
 * 0 and nothing done for other jobs. Inside the transaction storing the job's result. */
int dr_job_result(struct store *s, int64_t job_id, const char *status, const json_t *result, const char *output);

/* Records runs on hosts with no result after WARD_DR_REMOTE_TIMEOUT as failed (dr_sweep
 * does this every round). */
int dr_reap(struct store *s, int64_t now);

/* Waits for the worker threads to finish (the server, stopping). */
void dr_run_wait(void);

/* Called (from a worker thread) when a run started by dr_run_start ends, and after a
 * plan changes: the server wakes its scheduler with it. */
void dr_on_change(void (*fn)(void));
void dr_changed(void);

/* Marks runs left "running" by processes that are gone as failed, and removes
 * leftover drill scratch folders (at server start). */
int dr_recover(struct store *s);

struct dr_sweep_result {
	int started;	/* runs started */
	int opened;	/* findings opened (RPO missed, drill failed) */
	int closed;	/* findings closed (back within the RPO, a drill restored again) */
	int failed;	/* runs that were due but could not start (err_msg() names the last) */
	json_t *alerts; /* the caller's: [{"plan", "about" ("rpo", "drill"), "message", "owner",
			 * "contacts"}...] for the findings opened */
};

/* The scheduler's round, as actor: raises a finding ("rpo:<plan>") for each plan whose
 * newest good backup is older than its RPO and one ("drill:<plan>") for each whose last
 * drill failed, closes those that no longer hold, and with start_due starts the backups
 * and drills that are due (dr_run_start). An alert for each finding opened: once per
 * transition, however many rounds the plan stays red. */
int dr_sweep(struct store *s, const char *actor, int64_t now, bool start_due, struct dr_sweep_result *ret);

struct smtp_config;

/* Mails each alert (a plan that missed its RPO or whose drill failed, from dr_sweep)
 * to every enabled admin with an e-mail address, to the plan's owner (a user with one,
 * or an address) and to every address in its contacts (words of the free text that are
 * addresses); logged as dr.alert with what about, who it went to and what failed, or
 * why nothing was sent (smtp NULL: no mail server is configured). Outside any
 * transaction. */
int dr_alert_send(struct store *s, const json_t *alerts, const struct smtp_config *smtp, const char *from,
		  int *ret_sent, int *ret_failed);

/* Makes the default plan "ward" once per data directory (later runs do nothing, even
 * when an admin removed it): Ward's own database dumped through SQLite's online backup
 * API into the repository <data>/backups/ward, its password generated into
 * <data>/backups/ward.password (0600); daily at 02:00, RPO 26h, RTO 1h, a drill every
 * 7 days, keeping 7 daily, 4 weekly and 6 monthly snapshots. *ret_created (may be
 * NULL) tells whether it was made now. */
int dr_default_plan(struct store *s, const char *actor, bool *ret_created);

#endif
