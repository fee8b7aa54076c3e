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
		cmocka_unit_test(test_newer_schema_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
