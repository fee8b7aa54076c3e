/*
 * Unit tests for the store: migrations on open, the newer-schema refusal, nested
 * transactions and commit hooks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/store.h"

static char dir[256];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-store.XXXXXX");
	if (!mkdtemp(dir) || crypto_init() < 0 || store_setup(dir) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	store_release();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int64_t count(struct store *s, const char *sql)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = store_col_int(st, 0);
	store_done(st);
	return n;
}

static void test_open_migrates(void **state)
{
	struct store *s;
	assert_int_equal(store_open(false, &s), -ENOENT);
	assert_non_null(strstr(err_msg(-ENOENT), "not initialised"));
	assert_int_equal(store_open(true, &s), 0);
	int64_t v = 0;
	assert_int_equal(store_schema_version(s, "accounts", &v), 0);
	assert_true(v >= 1);
	assert_int_equal(store_schema_version(s, "actlog", &v), 0);
	assert_true(v >= 1);
	assert_int_equal(count(s, "SELECT count(*) FROM sqlite_master WHERE name = 'users'"), 1);
	/* Pragmas the design depends on. */
	assert_int_equal(count(s, "PRAGMA foreign_keys"), 1);
	sqlite3_stmt *st = store_stmt(s, "PRAGMA journal_mode");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(store_col_text(st, 0), "wal");
	store_done(st);
}

static int hook_calls, undo_calls;
static int hook_ok(void *arg)
{
	hook_calls++;
	return 0;
}
static int hook_fail(void *arg)
{
	return -EIO;
}
static void hook_undo(void *arg)
{
	undo_calls++;
}

static void test_transactions(void **state)
{
	struct store *s = store_get();
	assert_non_null(s);
	sqlite3_exec(sqlite3_db_handle(store_stmt(s, "SELECT 1")), "CREATE TABLE t (x INTEGER)", NULL, NULL, NULL);

	/* Nested: only the outermost commits. */
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(store_tx_begin(s), 0);
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO t VALUES (1)");
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	store_done(st);
	assert_int_equal(store_on_commit(s, hook_ok, hook_undo, NULL), 1);
	assert_int_equal(store_on_commit(s, hook_ok, hook_undo, NULL), 0); /* once per transaction */
	assert_int_equal(store_tx_commit(s), 0);
	assert_int_equal(hook_calls, 0);
	assert_int_equal(store_tx_commit(s), 0);
	assert_int_equal(hook_calls, 1);
	assert_int_equal(count(s, "SELECT count(*) FROM t"), 1);

	/* An inner rollback dooms the whole transaction. */
	assert_int_equal(store_tx_begin(s), 0);
	st = store_stmt(s, "INSERT INTO t VALUES (1)");
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	store_done(st);
	assert_int_equal(store_tx_begin(s), 0);
	store_tx_rollback(s);
	assert_int_equal(store_tx_commit(s), -ECANCELED);
	assert_int_equal(count(s, "SELECT count(*) FROM t"), 1);

	/* A failing hook rolls back and undoes the hooks that ran. */
	hook_calls = undo_calls = 0;
	assert_int_equal(store_tx_begin(s), 0);
	st = store_stmt(s, "INSERT INTO t VALUES (1)");
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	store_done(st);
	assert_int_equal(store_on_commit(s, hook_ok, hook_undo, NULL), 1);
	assert_int_equal(store_on_commit(s, hook_fail, NULL, NULL), 1);
	assert_int_equal(store_tx_commit(s), -EIO);
	assert_int_equal(hook_calls, 1);
	assert_int_equal(undo_calls, 1);
	assert_int_equal(count(s, "SELECT count(*) FROM t"), 1);

	/* store_tx_end picks commit or rollback. */
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(store_tx_end(s, -EINVAL), -EINVAL);
	assert_int_equal(store_on_commit(s, hook_ok, NULL, NULL), -EINVAL); /* no transaction */
}


/* One batched change: inserts its number into t; every third fails after writing,
 * through a nested transaction that rolls back. */
static int batched(struct store *s, void *arg)
{
	intptr_t n = (intptr_t)arg;
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO t VALUES (?)");
	sqlite3_bind_int64(st, 1, n);
	r = store_step_done(s, st, "cannot insert");
	if (r == 0 && n % 3 == 0)
		r = err_set(-EINVAL, "change %d refused", (int)n);
	return store_tx_end(s, r);
}

#define BATCH_THREADS 8
#define BATCH_EACH 40

static void *batch_writer(void *arg)
{
	intptr_t base = (intptr_t)arg, wrong = 0;
	struct store *s = store_get();
	for (int i = 0; i < BATCH_EACH && s; i++) {
		intptr_t n = base * 1000 + i + 1;
		int r = store_batch(s, batched, (void *)n);
		char want[64];
		snprintf(want, sizeof(want), "change %d refused", (int)n);
		if (n % 3 == 0 ? r != -EINVAL || strcmp(err_msg(r), want) != 0 : r != 0)
			wrong++;
	}
	store_release();
	return (void *)(s ? wrong : BATCH_EACH);
}

/* Concurrent batched changes: each lands or fails alone, with its own error. */
static void test_batch(void **state)
{
	struct store *s = store_get();
	pthread_t t[BATCH_THREADS];
	uint64_t c0, s0, c1, s1;
	sqlite3_exec(sqlite3_db_handle(store_stmt(s, "SELECT 1")), "DELETE FROM t", NULL, NULL, NULL);
	store_sync_stats(&c0, &s0);
	for (intptr_t i = 0; i < BATCH_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, batch_writer, (void *)(i + 1)), 0);
	for (int i = 0; i < BATCH_THREADS; i++) {
		void *wrong;
		pthread_join(t[i], &wrong);
		assert_int_equal((intptr_t)wrong, 0);
	}
	store_sync_stats(&c1, &s1);
	/* Exactly the changes not divisible by three, each once. */
	int64_t want = 0;
	for (int i = 1; i <= BATCH_THREADS; i++)
		for (int k = 1; k <= BATCH_EACH; k++)
			want += (i * 1000 + k) % 3 != 0;
	assert_int_equal(count(s, "SELECT count(*) FROM t"), want);
	assert_int_equal(count(s, "SELECT count(*) FROM t WHERE x % 3 = 0"), 0);
	assert_int_equal(count(s, "SELECT count(DISTINCT x) FROM t"), want);
	/* Changes shared commits. */
	assert_true(c1 - c0 < (uint64_t)(BATCH_THREADS * BATCH_EACH));
	/* Inside a transaction, a batched change is simply part of it. */
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(store_batch(s, batched, (void *)(intptr_t)7), 0);
	store_tx_rollback(s);
	assert_int_equal(count(s, "SELECT count(*) FROM t WHERE x = 7"), 0);
}

static int exec_sql(struct store *s, const char *sql)
{
	return sqlite3_exec(sqlite3_db_handle(store_stmt(s, "SELECT 1")), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static void *other_writer(void *arg)
{
	struct store *s = store_get();
	int r = s ? exec_sql(s, "INSERT INTO t VALUES (424242)") : -EIO;
	store_release();
	return (void *)(intptr_t)r;
}

/* A read snapshot: one state of the database across statements, no write inside it,
 * and no effect inside a write transaction. */
static void test_read_snapshot(void **state)
{
	struct store *s = store_get();
	pthread_t t;
	void *res;
	int64_t before = count(s, "SELECT count(*) FROM t");
	assert_int_equal(store_read_begin(s), 0);
	assert_int_equal(store_read_begin(s), 0); /* nests */
	assert_int_equal(count(s, "SELECT count(*) FROM t"), before);
	assert_int_equal(pthread_create(&t, NULL, other_writer, NULL), 0);
	pthread_join(t, &res);
	assert_int_equal((intptr_t)res, 0);
	/* Another connection's commit is not seen inside the snapshot ... */
	assert_int_equal(count(s, "SELECT count(*) FROM t"), before);
	assert_int_equal(store_tx_begin(s), -EINVAL);
	store_read_end(s);
	assert_int_equal(count(s, "SELECT count(*) FROM t"), before); /* still the outer one */
	store_read_end(s);
	/* ... and is once it ends. */
	assert_int_equal(count(s, "SELECT count(*) FROM t"), before + 1);
	store_read_end(s); /* unbalanced: harmless */
	/* Inside a write transaction it changes nothing. */
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(store_read_begin(s), 0);
	assert_int_equal(exec_sql(s, "DELETE FROM t WHERE x = 424242"), 0);
	store_read_end(s);
	assert_int_equal(store_tx_commit(s), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM t"), before);
}

static void test_newer_schema_refused(void **state)
{
	struct store *s = store_get();
	assert_non_null(s);
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO schema_migrations VALUES ('accounts', 9999, 'x', 0)");
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	store_done(st);
	store_release();
	assert_int_equal(store_open(false, &s), -EPROTO);
	assert_non_null(strstr(err_msg(-EPROTO), "newer ward"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_migrates),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_read_snapshot),
		cmocka_unit_test(test_newer_schema_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
