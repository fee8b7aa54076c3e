/*
 * workq.c: the job queue of workq.h: one mutex for the queue and every group's count,
 * urgent jobs taken first, and waiters of a group that help with urgent jobs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backup/workq.h"

/* Takes the first urgent job, else (when normal) the first normal one. Holds q->mu. */
static struct workq_job *take(struct workq *q, bool normal)
{
	struct workq_job *j = q->uhead;
	if (j) {
		if (!(q->uhead = j->next))
			q->utail = NULL;
		return j;
	}
	if (!normal || !(j = q->head))
		return NULL;
	if (!(q->head = j->next))
		q->tail = NULL;
	q->queued--;
	/* A submitter waiting for space is woken once the queue is down to half, not at
	 * every job taken: one wake-up per max/2 jobs instead of a sleep and a wake-up
	 * (two context switches) per file while the walk is ahead of the workers. */
	if (q->submitters > 0 && q->queued <= q->max / 2)
		pthread_cond_broadcast(&q->space);
	return j;
}

/* Runs j (taken from the queue) and counts it done in its group. */
static void run(struct workq *q, struct workq_job *j, void *worker)
{
	struct workq_group *g = j->group;
	j->fn(j, worker); /* j is gone */
	pthread_mutex_lock(&q->mu);
	/* Only a waiter whose mark is reached is woken: not the walker at every file. */
	if (g && --g->pending <= g->wake_at && g->waiting)
		pthread_cond_broadcast(&q->done);
	pthread_mutex_unlock(&q->mu);
}

struct thread_arg {
	struct workq *q;
	void *worker;
};

static void *workq_main(void *arg)
{
	struct thread_arg a = *(struct thread_arg *)arg;
	free(arg);
	for (;;) {
		pthread_mutex_lock(&a.q->mu);
		struct workq_job *j;
		while (!(j = take(a.q, true)) && !a.q->stop)
			pthread_cond_wait(&a.q->have, &a.q->mu);
		pthread_mutex_unlock(&a.q->mu);
		if (!j)
			break;
		run(a.q, j, a.worker);
	}
	return NULL;
}

int workq_start(struct workq *q, int n, size_t max, void **workers)
{
	memset(q, 0, sizeof(*q));
	if (pthread_mutex_init(&q->mu, NULL) != 0)
		return -ENOMEM;
	pthread_cond_init(&q->have, NULL);
	pthread_cond_init(&q->space, NULL);
	pthread_cond_init(&q->done, NULL);
	q->max = max ? max : 1;
	q->workers = workers;
	if (!(q->threads = calloc((size_t)(n > 0 ? n : 1), sizeof(*q->threads))))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct thread_arg *a = malloc(sizeof(*a));
		if (!a)
			break;
		*a = (struct thread_arg){q, workers ? workers[i] : NULL};
		if (pthread_create(&q->threads[q->started], NULL, workq_main, a) != 0) {
			free(a);
			break;
		}
		q->started++;
	}
	return q->started > 0 ? 0 : -EAGAIN;
}

void workq_submit(struct workq *q, struct workq_job *j, struct workq_group *g)
{
	j->group = g;
	j->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (g)
		g->pending++;
	while (q->queued >= q->max) {
		q->submitters++;
		pthread_cond_wait(&q->space, &q->mu);
		q->submitters--;
	}
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->queued++;
	pthread_cond_signal(&q->have);
	pthread_mutex_unlock(&q->mu);
}

void workq_submit_urgent(struct workq *q, struct workq_job *j, struct workq_group *g)
{
	j->group = g;
	j->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (g)
		g->pending++;
	if (q->utail)
		q->utail->next = j;
	else
		q->uhead = j;
	q->utail = j;
	pthread_cond_signal(&q->have);
	if (q->helpers > 0)
		pthread_cond_broadcast(&q->done); /* a waiting worker may take it */
	pthread_mutex_unlock(&q->mu);
}

void workq_wait(struct workq *q, struct workq_group *g, size_t most, void *worker)
{
	pthread_mutex_lock(&q->mu);
	while (g->pending > most) {
		struct workq_job *j = worker ? take(q, false) : NULL;
		if (!j) {
			g->waiting = true;
			g->wake_at = most;
			q->helpers += worker != NULL;
			pthread_cond_wait(&q->done, &q->mu);
			q->helpers -= worker != NULL;
			g->waiting = false;
			continue;
		}
		pthread_mutex_unlock(&q->mu);
		run(q, j, worker);
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
}

void workq_stop(struct workq *q)
{
	if (!q->threads)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_broadcast(&q->have);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < q->started; i++)
		pthread_join(q->threads[i], NULL);
	free(q->threads);
	q->threads = NULL;
	q->started = 0;
	pthread_cond_destroy(&q->have);
	pthread_cond_destroy(&q->space);
	pthread_cond_destroy(&q->done);
	pthread_mutex_destroy(&q->mu);
}
