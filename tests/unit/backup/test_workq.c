/*
 * Unit tests for the shared job queue (workq.h): every job runs once on a worker with
 * its context, groups are waited for, urgent jobs go first, a waiting worker runs
 * urgent jobs itself (so a worker splitting a file never deadlocks, even alone), and
 * stop runs what is queued.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "backup/workq.h"

struct ctx {
	int id;
	atomic_int ran;
};

struct job {
	struct workq_job job;
	atomic_int *counter;
	int *order, *n; /* where it records its tag, in run order (one worker only) */
	int tag;
	struct workq *q; /* for the splitting job */
	int children;	 /* urgent jobs it hands out and waits for */
};

static void count_run(struct workq_job *j, void *worker)
{
	struct job *k = (struct job *)j;
	struct ctx *c = worker;
	assert_non_null(c);
	atomic_fetch_add(&c->ran, 1);
	atomic_fetch_add(k->counter, 1);
	if (k->order)
		k->order[(*k->n)++] = k->tag;
	free(k);
}

static struct job *job_new(atomic_int *counter)
{
	struct job *k = calloc(1, sizeof(*k));
	assert_non_null(k);
	k->job.fn = count_run;
	k->counter = counter;
	return k;
}

static void test_groups(void **state)
{
	struct workq q;
	struct ctx ctxs[3] = {{.id = 0}, {.id = 1}, {.id = 2}};
	void *w[3] = {&ctxs[0], &ctxs[1], &ctxs[2]};
	atomic_int counter = 0;
	struct workq_group a = {0}, b = {0};
	assert_int_equal(workq_start(&q, 3, 4, w), 0); /* a small bound: submit waits */
	for (int i = 0; i < 500; i++)
		workq_submit(&q, &job_new(&counter)->job, i % 2 ? &a : &b);
	workq_wait(&q, &a, 0, NULL);
	workq_wait(&q, &b, 0, NULL);
	assert_int_equal(a.pending, 0);
	assert_int_equal(b.pending, 0);
	assert_int_equal(atomic_load(&counter), 500);
	assert_int_equal(atomic_load(&ctxs[0].ran) + atomic_load(&ctxs[1].ran) + atomic_load(&ctxs[2].ran), 500);
	/* stop runs what is still queued */
	for (int i = 0; i < 50; i++)
		workq_submit(&q, &job_new(&counter)->job, NULL);
	workq_stop(&q);
	assert_int_equal(atomic_load(&counter), 550);
}

static void gate_run(struct workq_job *j, void *worker)
{
	atomic_int *gate = ((struct job *)j)->counter;
	while (!atomic_load(gate))
		usleep(1000);
	free(j);
}

static void test_urgent_first(void **state)
{
	struct workq q;
	struct ctx c = {0};
	void *w[1] = {&c};
	atomic_int gate = 0, counter = 0;
	int order[8], n = 0;
	struct workq_group g = {0};
	assert_int_equal(workq_start(&q, 1, 16, w), 0);
	/* The one worker is held by a first job while the others queue up. */
	struct job *hold = job_new(&gate);
	hold->job.fn = gate_run;
	workq_submit(&q, &hold->job, &g);
	for (int i = 0; i < 3; i++) {
		struct job *k = job_new(&counter);
		k->order = order, k->n = &n, k->tag = i;
		workq_submit(&q, &k->job, &g);
	}
	struct job *u = job_new(&counter);
	u->order = order, u->n = &n, u->tag = 99;
	workq_submit_urgent(&q, &u->job, &g);
	atomic_store(&gate, 1);
	workq_wait(&q, &g, 0, NULL);
	assert_int_equal(n, 4);
	assert_int_equal(order[0], 99);
	assert_int_equal(order[1], 0);
	assert_int_equal(order[3], 2);
	workq_stop(&q);
}

/* Hands out urgent jobs and waits for them, as file_store does with chunks. */
static void split_run(struct workq_job *j, void *worker)
{
	struct job *k = (struct job *)j;
	struct workq_group g = {0};
	atomic_int done = 0;
	for (int i = 0; i < k->children; i++) {
		workq_submit_urgent(k->q, &job_new(&done)->job, &g);
		workq_wait(k->q, &g, 1, worker); /* at most one in flight */
	}
	workq_wait(k->q, &g, 0, worker);
	assert_int_equal(atomic_load(&done), k->children);
	atomic_fetch_add(k->counter, 1);
	free(k);
}

static void test_split_alone(void **state)
{
	/* With one worker nobody else takes the urgent jobs: the waiter must. */
	for (int threads = 1; threads <= 2; threads++) {
		struct workq q;
		struct ctx ctxs[2] = {{0}, {0}};
		void *w[2] = {&ctxs[0], &ctxs[1]};
		atomic_int counter = 0;
		struct workq_group g = {0};
		assert_int_equal(workq_start(&q, threads, 8, w), 0);
		for (int i = 0; i < 20; i++) {
			struct job *k = job_new(&counter);
			k->job.fn = split_run;
			k->q = &q;
			k->children = 25;
			workq_submit(&q, &k->job, &g);
		}
		workq_wait(&q, &g, 0, NULL);
		assert_int_equal(atomic_load(&counter), 20);
		workq_stop(&q);
	}
}

static void test_stop_unstarted(void **state)
{
	struct workq q = {0};
	workq_stop(&q); /* a queue that never started: nothing to do */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_groups),
	    cmocka_unit_test(test_urgent_first),
	    cmocka_unit_test(test_split_alone),
	    cmocka_unit_test(test_stop_unstarted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
