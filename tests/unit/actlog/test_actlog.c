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
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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


static void head_file(char *path, size_t size)
{
	snprintf(path, size, "%s/" ACTLOG_HEAD_FILE, dir);
}

/* The head file holds two checked slots; a spoiled slot is passed over for the other,
 * which then trails the log, and the next commit writes over the spoiled one. */
static void test_head_slots(void **state)
{
	struct store *s = store_get();
	struct actlog_verify v;
	char path[300], *text;
	size_t len;
	head_file(path, sizeof(path));
	assert_int_equal(actlog_append(s, "alice", "a.three", "x", NULL), 0);
	assert_int_equal(fs_read_file(path, 4096, &text, &len), 0);
	assert_int_equal(len, 256);
	assert_memory_equal(text, "ward-activity-head 2\n", 21);
	assert_memory_equal(text + 128, "ward-activity-head 2\n", 21);
	/* Spoil the newer slot's id digit: its check no longer matches. */
	int64_t id0 = strtoll(text + 21, NULL, 10), id1 = strtoll(text + 128 + 21, NULL, 10);
	size_t newer = id0 > id1 ? 0 : 128;
	assert_int_equal(id0 > id1 ? id0 : id1, 5);
	free(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "7", 1, (off_t)newer + 21), 1);
	close(fd);
	assert_int_equal(actlog_verify(s, &v), -EBADMSG);
	assert_non_null(strstr(err_msg(-EBADMSG), "entry 5 and later are not covered"));
	/* Both slots spoiled: damaged. */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_int_equal(pwrite(fd, "7", 1, (off_t)(128 - newer) + 21), 1);
	close(fd);
	assert_int_equal(actlog_verify(s, &v), -EBADMSG);
	assert_non_null(strstr(err_msg(-EBADMSG), "is damaged"));
	/* The next commit rewrites a damaged file whole. */
	assert_int_equal(actlog_append(s, "alice", "a.four", "x", NULL), 0);
	assert_int_equal(actlog_verify(s, &v), 0);
	assert_int_equal(v.entries, 6);

	/* A version 1 head file (one line) is still read, and replaced on the next commit. */
	char hash[65];
	assert_int_equal(fs_read_file(path, 4096, &text, &len), 0);
	const char *slot = strtoll(text + 21, NULL, 10) == 6 ? text : text + 128;
	memcpy(hash, strchr(slot + 21, ' ') + 1, 64);
	hash[64] = '\0';
	free(text);
	char v1[160];
	int n = snprintf(v1, sizeof(v1), "ward-activity-head 1\n6 %s\n", hash);
	assert_int_equal(fs_write_atomic(path, v1, (size_t)n, 0600), 0);
	assert_int_equal(actlog_verify(s, &v), 0);
	assert_int_equal(actlog_append(s, "alice", "a.five", "x", NULL), 0);
	assert_int_equal(fs_read_file(path, 4096, &text, &len), 0);
	assert_int_equal(len, 256);
	free(text);
	assert_int_equal(actlog_verify(s, &v), 0);
	assert_int_equal(v.entries, 7);
}

#define WRITERS 6
#define APPENDS 60

static void *writer(void *arg)
{
	intptr_t failures = 0;
	struct store *s = store_get();
	for (int i = 0; i < APPENDS && s; i++)
		if (actlog_appendf(s, "writer", "a.concurrent", "x", "{s:i, s:i}", "thread", (int)(intptr_t)arg, "i",
				   i) < 0)
			failures++;
	store_release();
	return (void *)(s ? failures : APPENDS);
}

/* Writers in several threads: every commit lands, the chain and head file agree, and
 * commits made while one thread synced share its sync (group commit). */
static void test_concurrent_writers(void **state)
{
	struct store *s = store_get();
	struct actlog_verify v;
	pthread_t t[WRITERS];
	uint64_t commits0, syncs0, commits1, syncs1;
	int64_t before, after;
	assert_int_equal(actlog_count(s, &before), 0);
	store_sync_stats(&commits0, &syncs0);
	for (intptr_t i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer, (void *)i), 0);
	for (int i = 0; i < WRITERS; i++) {
		void *failures;
		pthread_join(t[i], &failures);
		assert_int_equal((intptr_t)failures, 0);
	}
	store_sync_stats(&commits1, &syncs1);
	assert_int_equal(actlog_count(s, &after), 0);
	assert_int_equal(after - before, WRITERS * APPENDS);
	assert_int_equal(actlog_verify(s, &v), 0);
	assert_int_equal(v.entries, after);
	assert_int_equal(commits1 - commits0, WRITERS * APPENDS);
	assert_true(syncs1 > syncs0);
	/* With six writers contending, groups form: far fewer syncs than commits. */
	assert_true(syncs1 - syncs0 < (commits1 - commits0) * 3 / 4);
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
		cmocka_unit_test(test_head_slots),
		cmocka_unit_test(test_concurrent_writers),
		cmocka_unit_test(test_tamper),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
