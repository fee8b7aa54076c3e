/*
 * server_sched.c: the server's clock: work that runs every minute whether or not
 * anyone asks (the help desk's SLA sweep, recovery plans' RPO checks and their due
 * backups and drills; later scans and checks). One thread with its own store
 * connection; a failed round is logged and retried on the next tick. Backups and
 * drills run in dr's worker threads, which wake this one when they end.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compliance/compliance.h"
#include "core/err.h"
#include "core/log.h"
#include "core/store.h"
#include "core/timeutil.h"
#include "dr/dr.h"
#include "helpdesk/helpdesk.h"
#include "server/server.h"
#include "training/training.h"
#include "upgrade/upgrade.h"
#include "vuln/vuln.h"

#define SCHED_TICK_S 60
#define SCHED_TICK_MAX 3600 /* WARD_SCHED_TICK at most, seconds */

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running, stop, woken;
	int64_t tick; /* seconds between rounds: SCHED_TICK_S, or WARD_SCHED_TICK (tests) */
} sched = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Hourly: training assignments from role and package rules, and reminders. */
static void sched_hourly(struct store *s)
{
	struct helpdesk_mail_config mc;
	struct training_remind_result res = {0};
	int added = 0, m = helpdesk_mail_config(s, &mc), r;
	if (m < 0 && m != -ENOENT)
		log_warnx("scheduler: mail settings: %s", err_msg(m));
	if ((r = training_sync(s, NULL, time_now(), &added)) == 0)
		r = training_remind(s, time_now(), m == 0 ? &mc.smtp : NULL, m == 0 ? mc.from_addr : NULL, &res);
	if (m == 0)
		helpdesk_mail_config_free(&mc);
	if (r < 0)
		log_warnx("scheduler: training: %s", err_msg(r));
	else if (added || res.sent || res.failed)
		log_infox("scheduler: training: %d assigned, %d reminders sent, %d failed", added, res.sent, res.failed);
}

/* Vulnerability feed URLs that are due: fetched (unchanged ones cost one request) and
 * imported. A large feed holds this round up for its download and import (seconds). */
static void sched_vuln(struct store *s)
{
	json_t *res = NULL, *f;
	size_t i;
	int r = vuln_sources_refresh(s, "scheduler", NULL, false, time_now(), &res);
	if (r < 0)
		log_warnx("scheduler: vulnerability feeds: %s", err_msg(r));
	json_array_foreach(res, i, f)
	{
		const char *feed = json_string_value(json_object_get(f, "feed"));
		const char *what = json_string_value(json_object_get(f, "result"));
		if (strcmp(what, "failed") == 0)
			log_warnx("scheduler: vulnerability feed '%s': %s", feed,
				  json_string_value(json_object_get(f, "error")));
		else if (strcmp(what, "imported") == 0)
			log_infox("scheduler: vulnerability feed '%s' imported: %lld issues", feed,
				  (long long)json_integer_value(json_object_get(f, "issues")));
	}
	json_decref(res);
}

/* Every round: first sightings of upgrades (their due clocks). Hourly: today's
 * compliance snapshot, and the overdue and end-of-life findings. */
static void sched_compliance(struct store *s)
{
	static int64_t last;
	int r;
	if (time_now() - last < 3600) {
		if ((r = compliance_sync(s)) < 0)
			log_warnx("scheduler: compliance: %s", err_msg(r));
		return;
	}
	last = time_now();
	if ((r = compliance_snapshot(s, "scheduler", vuln_distro_info_dir(), time_now(), NULL)) < 0)
		log_warnx("scheduler: compliance snapshot: %s", err_msg(r));
}

static void sched_round(void)
{
	struct store *s = store_get();
	int changed = 0, r;
	if (!s) {
		log_warnx("scheduler: %s", err_msg(-EIO));
		return;
	}
	if ((r = helpdesk_sla_sweep(s, time_now(), &changed)) < 0)
		log_warnx("scheduler: SLA check: %s", err_msg(r));
	else if (changed > 0)
		log_infox("scheduler: SLA check flagged %d ticket%s", changed, changed == 1 ? "" : "s");
	static int64_t last_hourly;
	if (time_now() - last_hourly >= 3600) {
		last_hourly = time_now();
		sched_hourly(s);
	}
	struct dr_sweep_result dr;
	if ((r = dr_sweep(s, "scheduler", time_now(), true, &dr)) < 0)
		log_warnx("scheduler: recovery plans: %s", err_msg(r));
	if (r == 0 && dr.failed)
		log_warnx("scheduler: recovery plans: %d due run%s could not start: %s", dr.failed, dr.failed == 1 ? "" : "s",
			  err_msg(-EIO));
	if (r == 0 && dr.opened)
		log_warnx("scheduler: recovery plans: %d plan%s missed the RPO (see 'ward finding list')", dr.opened,
			  dr.opened == 1 ? "" : "s");
	if (r == 0 && json_array_size(dr.alerts)) {
		/* Over the help desk's mail settings, like training reminders. */
		struct helpdesk_mail_config mc;
		int m = helpdesk_mail_config(s, &mc), sent = 0, unsent = 0, e;
		if (m < 0 && m != -ENOENT)
			log_warnx("scheduler: mail settings: %s", err_msg(m));
		if ((e = dr_alert_send(s, dr.alerts, m == 0 ? &mc.smtp : NULL, m == 0 ? mc.from_addr : NULL, &sent,
				       &unsent)) < 0)
			log_warnx("scheduler: recovery plan alerts: %s", err_msg(e));
		else if (sent || unsent)
			log_infox("scheduler: recovery plan alerts: %d mailed, %d failed", sent, unsent);
		if (m == 0)
			helpdesk_mail_config_free(&mc);
	}
	if (r == 0)
		json_decref(dr.alerts);
	if (r == 0 && (dr.started || dr.opened || dr.closed))
		log_infox("scheduler: recovery plans: %d run%s started, %d RPO finding%s opened, %d closed", dr.started,
			  dr.started == 1 ? "" : "s", dr.opened, dr.opened == 1 ? "" : "s", dr.closed);
	sched_vuln(s);
	sched_compliance(s);
	int upgrades = 0;
	if ((r = upgrade_sweep(s, time_now(), &upgrades)) < 0)
		log_warnx("scheduler: upgrade plans: %s", err_msg(r));
	else if (upgrades)
		log_infox("scheduler: upgrade plans: %d started", upgrades);
	int sent = 0, failed = 0;
	if ((r = helpdesk_mail_send(s, time_now(), &sent, &failed)) < 0)
		log_warnx("scheduler: mail: %s", err_msg(r));
	else if (sent || failed)
		log_infox("scheduler: mail: %d sent, %d failed for good", sent, failed);
}

static void *sched_main(void *arg)
{
	pthread_mutex_lock(&sched.lock);
	while (!sched.stop) {
		pthread_mutex_unlock(&sched.lock);
		sched_round();
		pthread_mutex_lock(&sched.lock);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += sched.tick;
		while (!sched.stop && !sched.woken && pthread_cond_timedwait(&sched.wake, &sched.lock, &until) != ETIMEDOUT)
			;
		sched.woken = false;
	}
	pthread_mutex_unlock(&sched.lock);
	store_release();
	return NULL;
}

/* A round now, not at the next tick: a plan changed or a backup ended. */
static void sched_wake(void)
{
	pthread_mutex_lock(&sched.lock);
	sched.woken = true;
	pthread_cond_signal(&sched.wake);
	pthread_mutex_unlock(&sched.lock);
}

int server_sched_start(void)
{
	pthread_condattr_t ca;
	sigset_t set, old;
	const char *tick = getenv("WARD_SCHED_TICK");
	int64_t v;
	struct store *s = store_get();
	int r;
	sched.tick = SCHED_TICK_S;
	if (tick && *tick && parse_int64(tick, 1, SCHED_TICK_MAX, &v) == 0)
		sched.tick = v;
	/* Runs that a stopped server left behind are marked failed before any new one. */
	if (s && (r = dr_recover(s)) < 0)
		log_warnx("scheduler: recovery plans: %s", err_msg(r));
	dr_on_change(sched_wake);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sched.wake, &ca);
	pthread_condattr_destroy(&ca);
	sched.stop = false;
	/* SIGTERM and SIGINT are for the HTTP server's sigwait, never this thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	r = pthread_create(&sched.thread, NULL, sched_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return err_set(-r, "cannot start the scheduler thread");
	sched.running = true;
	return 0;
}

void server_sched_stop(void)
{
	if (!sched.running)
		return;
	pthread_mutex_lock(&sched.lock);
	sched.stop = true;
	pthread_cond_signal(&sched.wake);
	pthread_mutex_unlock(&sched.lock);
	pthread_join(sched.thread, NULL);
	dr_on_change(NULL);
	/* Backups and drills in flight finish: a half-taken backup is worth less than a
	 * short wait, and their outcome is recorded. */
	dr_run_wait();
	pthread_cond_destroy(&sched.wake);
	sched.running = false;
}
