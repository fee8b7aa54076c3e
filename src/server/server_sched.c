/*
 * server_sched.c: the server's clock: work that runs every minute whether or not
 * anyone asks (the help desk's SLA sweep; later scans, checks, backups, drills). One
 * thread with its own store connection; a failed round is logged and retried on the
 * next tick.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "core/store.h"
#include "core/timeutil.h"
#include "helpdesk/helpdesk.h"
#include "server/server.h"
#include "training/training.h"

#define SCHED_TICK_S 60

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running, stop;
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
		until.tv_sec += SCHED_TICK_S;
		while (!sched.stop && pthread_cond_timedwait(&sched.wake, &sched.lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&sched.lock);
	store_release();
	return NULL;
}

int server_sched_start(void)
{
	pthread_condattr_t ca;
	sigset_t set, old;
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
	int r = pthread_create(&sched.thread, NULL, sched_main, NULL);
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
	pthread_cond_destroy(&sched.wake);
	sched.running = false;
}
