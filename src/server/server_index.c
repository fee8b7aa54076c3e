/*
 * server_index.c: the ticket search index's merger. Writes only add small segments to
 * the index (0007_helpdesk.sql); this thread merges them, in steps of a few
 * milliseconds in their own transactions. When no one else has written for a moment
 * it merges step after step; while others write it takes a share of the write lock
 * that grows with the backlog (helpdesk_index_duty), so a burst of new tickets is not
 * slowed by merging and a long one does not pile up merges for later.
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

#define INDEX_STEP_PAGES 256 /* pages a merge step writes: about 10-20 ms */
#define INDEX_POLL_MS 250    /* how often the shape is looked at when there is nothing to do */
#define INDEX_IDLE_MS 100    /* no commit but ours for this long: no one is writing */
#define INDEX_GAP_MS 2       /* after every step, so a writer waiting for the lock gets it */
#define INDEX_WAIT_MAX_MS 1000

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running, stop;
} idx = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Waits ms milliseconds, or less when asked to stop; false when asked to stop. */
static bool index_wait(int64_t ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&idx.lock);
	while (!idx.stop && pthread_cond_timedwait(&idx.wake, &idx.lock, &until) != ETIMEDOUT)
		;
	bool go_on = !idx.stop;
	pthread_mutex_unlock(&idx.lock);
	return go_on;
}

static void *index_main(void *arg)
{
	(void)arg;
	uint64_t seen = 0, commits, syncs;
	int64_t last_write = time_mono_us() / 1000, wait = INDEX_POLL_MS;
	bool warned = false;
	while (index_wait(wait)) {
		struct store *s = store_get();
		struct helpdesk_index ix;
		int r;
		wait = INDEX_POLL_MS;
		if (!s || (r = helpdesk_index_shape(s, &ix)) < 0) {
			if (!warned)
				log_warnx("search index: %s", s ? err_msg(r) : err_msg(-EIO));
			warned = true;
			wait = INDEX_WAIT_MAX_MS;
			continue;
		}
		int64_t now = time_mono_us() / 1000;
		/* Commits since this thread last looked are someone else's. */
		store_sync_stats(&commits, &syncs);
		if (commits != seen) {
			seen = commits;
			last_write = now;
		}
		if (!helpdesk_index_needs_merge(&ix))
			continue;
		double duty = now - last_write >= INDEX_IDLE_MS ? 1.0 : helpdesk_index_duty(&ix);
		if (duty <= 0)
			continue;
		bool worked = false;
		int64_t t0 = time_mono_us();
		if ((r = helpdesk_index_merge(s, INDEX_STEP_PAGES, &worked)) < 0) {
			/* Once until a step succeeds again: a database busy for long would
			 * otherwise fill the log. */
			if (!warned)
				log_warnx("search index: cannot merge: %s", err_msg(r));
			warned = true;
			wait = INDEX_WAIT_MAX_MS;
			continue;
		}
		store_sync_stats(&seen, &syncs); /* not counting our own */
		warned = false;
		if (!worked)
			continue;
		/* Step again after a gap that keeps merging to its share of the time. */
		int64_t took = (time_mono_us() - t0) / 1000;
		wait = duty >= 1.0 ? INDEX_GAP_MS : (int64_t)((double)took * (1.0 - duty) / duty);
		if (wait < INDEX_GAP_MS)
			wait = INDEX_GAP_MS;
		if (wait > INDEX_WAIT_MAX_MS)
			wait = INDEX_WAIT_MAX_MS;
	}
	store_release();
	return NULL;
}

int server_index_start(void)
{
	pthread_condattr_t ca;
	sigset_t set, old;
	int r;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&idx.wake, &ca);
	pthread_condattr_destroy(&ca);
	idx.stop = false;
	/* SIGTERM and SIGINT are for the HTTP server's sigwait, never this thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	r = pthread_create(&idx.thread, NULL, index_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		pthread_cond_destroy(&idx.wake);
		return err_set(-r, "cannot start the search index's merger");
	}
	idx.running = true;
	return 0;
}

void server_index_stop(void)
{
	if (!idx.running)
		return;
	pthread_mutex_lock(&idx.lock);
	idx.stop = true;
	pthread_cond_signal(&idx.wake);
	pthread_mutex_unlock(&idx.lock);
	pthread_join(idx.thread, NULL);
	pthread_cond_destroy(&idx.wake);
	idx.running = false;
}
