/*
 * workq.h: the job queue the backup and restore pipelines share. Worker threads, each
 * with a context of its own (a pack writer, a pack reader), take jobs in order. A
 * group counts the jobs of one directory or one file, so whoever handed them out can
 * wait for them. Urgent jobs (the chunks of a file a worker is splitting) go before
 * the others and are not bounded: the worker submitting them must never block, and
 * while it waits for its group it runs urgent jobs itself.
 */
#ifndef WARD_BACKUP_WORKQ_H
#define WARD_BACKUP_WORKQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct workq_job;

/* Runs j on a worker whose context is worker. Owns j: frees it (or hands it on). */
typedef void (*workq_fn)(struct workq_job *j, void *worker);

/* Embed as the first member of a job; fn and group are set by the submitter. */
struct workq_job {
	workq_fn fn;
	struct workq_group *group; /* counted down once fn returns; may be NULL */
	struct workq_job *next;
};

/* Jobs handed out and not yet done. Guarded by its queue's mutex; zero it to start. */
struct workq_group {
	size_t pending;
	size_t wake_at; /* a waiter wants to know when pending is down to this */
	bool waiting;
};

struct workq {
	pthread_mutex_t mu;
	pthread_cond_t have;		 /* a job was queued, or stop */
	pthread_cond_t space;		 /* the normal jobs are down to max / 2 */
	pthread_cond_t done;		 /* a waiter's group is down to its mark, or an urgent job came */
	struct workq_job *head, *tail;	 /* normal jobs, bounded by max */
	struct workq_job *uhead, *utail; /* urgent jobs */
	size_t queued, max;
	int helpers;	/* waiters that run urgent jobs */
	int submitters; /* submitters waiting for space */
	bool stop;
	pthread_t *threads;
	void **workers; /* each thread's context */
	int started;
};

/* Starts n threads, thread i passing workers[i] (borrowed until workq_stop) to the jobs
 * it runs; at most max normal jobs wait. -ENOMEM, or -EAGAIN when no thread starts
 * (fewer than n is fine: the queue works with one). */
int workq_start(struct workq *q, int n, size_t max, void **workers);

/* Queues j behind the others, waiting while max jobs wait already; j counts in g
 * (may be NULL) until it is done. */
void workq_submit(struct workq *q, struct workq_job *j, struct workq_group *g);

/* Queues j before every normal job, never waiting. */
void workq_submit_urgent(struct workq *q, struct workq_job *j, struct workq_group *g);

/* Returns once at most most jobs of g are still to do (0: all done). With a worker
 * context (from a worker thread) it runs urgent jobs meanwhile; without one (NULL) it
 * only waits. */
void workq_wait(struct workq *q, struct workq_group *g, size_t most, void *worker);

/* Runs what is queued, then stops and joins the threads. The queue may be started
 * again. Fine on a queue that never started (zeroed). */
void workq_stop(struct workq *q);

#endif
