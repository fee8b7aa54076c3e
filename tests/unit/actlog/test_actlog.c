/*
 * Unit tests for the activity log: the hash covers every field unambiguously,
 * appends chain, the head file follows commits (and not rollbacks), and verify names
 * the first bad entry.
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

#include "actlog/actlog.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/store.h"

static char dir[256];

static int setup(void **state)
{
	struct store *s;
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-actlog.XXXXXX");
	if (!mkdtemp(dir) || crypto_init() < 0 || store_setup(dir) < 0 || store_open(true, &s) < 0)
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

static void test_hash_covers_fields(void **state)
{
	char zero[65], a[65], b[65];
	memset(zero, '0', 64);
	zero[64] = '\0';
	actlog_hash(zero, 1, 100, "alice", "user.create", "user:bob", "{}", a);
	actlog_hash(zero, 1, 100, "alice", "user.create", "user:bob", "{}", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	/* Moving a character between fields changes the hash. */
	actlog_hash(zero, 1, 100, "alic", "euser.create", "user:bob", "{}", b);
	assert_string_not_equal(a, b);
	actlog_hash(zero, 2, 100, "alice", "user.create", "user:bob", "{}", b);
	assert_string_not_equal(a, b);
	actlog_hash(zero, 1, 101, "alice", "user.create", "user:bob", "{}", b);
	assert_string_not_equal(a, b);
	actlog_hash(a, 1, 100, "alice", "user.create", "user:bob", "{}", b);
	assert_string_not_equal(a, b);
	actlog_hash(zero, 1, 100, "alice", "user.create", "user:bob", "{ }", b);
	assert_string_not_equal(a, b);
}

static void test_append_verify(void **state)
{
	struct store *s = store_get();
	struct actlog_verify v;
	assert_int_equal(actlog_verify(s, &v), 0);
	assert_int_equal(v.entries, 0);
	assert_int_equal(actlog_appendf(s, "alice", "user.create", "user:bob", "{s:s}", "role", "admin"), 0);
	assert_int_equal(actlog_append(s, "alice", "user.disable", "user:bob", NULL), 0);
	assert_int_equal(actlog_verify(s, &v), 0);
	assert_int_equal(v.entries, 2);

	/* Bad entries are refused and leave nothing. */
	assert_int_equal(actlog_append(s, "", "x.y", "o", NULL), -EINVAL);
	json_t *arr = json_array();
	assert_int_equal(actlog_append(s, "a", "x.y", "o", arr), -EINVAL);
	json_decref(arr);
	int64_t n;
	assert_int_equal(actlog_count(s, &n), 0);
	assert_int_equal(n, 2);

	/* A rolled-back transaction leaves the head file where it was. */
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(actlog_append(s, "alice", "user.enable", "user:bob", NULL), 0);
	store_tx_rollback(s);
	assert_int_equal(actlog_verify(s, &v), 0);
	assert_int_equal(v.entries, 2);

	/* Several appends in one transaction: one head update at commit. */
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(actlog_append(s, "alice", "a.one", "x", NULL), 0);
	assert_int_equal(actlog_append(s, "alice", "a.two", "x", NULL), 0);
	assert_int_equal(store_tx_commit(s), 0);
	assert_int_equal(actlog_verify(s, &v), 0);
	assert_int_equal(v.entries, 4);

	/* Listing: newest first, filters, paging. */
	struct actlog_filter f = {.limit = 3};
	int64_t next;
	assert_int_equal(actlog_list(s, &f, &arr, &next), 0);
	assert_int_equal(json_array_size(arr), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "id")), 4);
	assert_int_equal(next, 2);
	json_decref(arr);
	f = (struct actlog_filter){.action = "a.*"};
	assert_int_equal(actlog_list(s, &f, &arr, &next), 0);
	assert_int_equal(json_array_size(arr), 2);
	assert_int_equal(next, 0);
	json_decref(arr);
	f = (struct actlog_filter){.limit = 501};
	assert_int_equal(actlog_list(s, &f, &arr, &next), -EINVAL);
}

static void exec(const char *sql)
{
	struct store *s = store_get();
	sqlite3 *db = sqlite3_db_handle(store_stmt(s, "SELECT 1"));
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static void test_tamper(void **state)
{
	struct store *s = store_get();
	struct actlog_verify v;
	exec("DROP TRIGGER activity_no_update");
	exec("UPDATE activity SET object = 'user:eve' WHERE id = 3");
	assert_int_equal(actlog_verify(s, &v), -EBADMSG);
	assert_int_equal(v.bad_id, 3);
	assert_non_null(strstr(err_msg(-EBADMSG), "entry 3 was altered"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_covers_fields),
		cmocka_unit_test(test_append_verify),
		cmocka_unit_test(test_tamper),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
