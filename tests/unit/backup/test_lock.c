/*
 * Unit tests for repository locks: shared with shared, exclusive against anything,
 * stale locks (a dead pid of this host, or too old) cleared, a live lock elsewhere
 * kept, refresh finding its file gone, unlock and clean.
 */
#include <sys/wait.h>

#include "backup_test.h"
#include "core/fs.h"
#include "core/timeutil.h"

static struct repo *open_again(void)
{
	struct repo *r = NULL;
	assert_int_equal(repo_open(test_repo, TEST_PASSWORD, &r), 0);
	return r;
}

static size_t count_locks(void)
{
	char(*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0;
	assert_int_equal(repo_dir_ids(test_path("locks"), 1000, &ids, &n), 0);
	free(ids);
	return n;
}

/* Writes a lock file by hand; its name is 64 hex digits derived from tag. */
static void plant_lock(int tag, const char *host, long long pid, bool exclusive, int64_t when)
{
	char name[REPO_HEX_LEN], path[1024], iso[TIME_ISO_LEN], text[512];
	for (int i = 0; i < 64; i++)
		name[i] = "0123456789abcdef"[(tag + i) % 16];
	name[64] = '\0';
	time_iso(when, iso);
	snprintf(text, sizeof(text), "{\"host\":\"%s\",\"pid\":%lld,\"exclusive\":%s,\"time\":\"%s\"}", host, pid,
		 exclusive ? "true" : "false", iso);
	snprintf(path, sizeof(path), "%s/locks/%s", test_repo, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void this_host(char *out, size_t size)
{
	assert_int_equal(gethostname(out, size), 0);
	out[size - 1] = '\0';
}

static void test_shared_exclusive(void **state)
{
	struct repo *a = test_new_repo(), *b = open_again(), *c = open_again();
	char pid[32];
	snprintf(pid, sizeof(pid), "pid %d", (int)getpid());
	assert_int_equal(repo_lock(a, false), 0);
	assert_int_equal(repo_lock(a, false), -EALREADY);
	assert_int_equal(repo_lock_check(a), 0);
	assert_int_equal(repo_lock(b, false), 0); /* shared with shared */
	assert_int_equal(count_locks(), 2);
	int code = repo_lock(c, true);
	assert_int_equal(code, -EBUSY);
	assert_msg_has(code, "shared");
	assert_msg_has(code, pid);
	assert_msg_has(code, "ward backup unlock");
	assert_int_equal(count_locks(), 2); /* the refused one left nothing behind */
	assert_int_equal(repo_unlock(a), 0);
	assert_int_equal(repo_unlock(b), 0);
	assert_int_equal(repo_unlock(b), 0); /* none held: fine */
	assert_int_equal(count_locks(), 0);
	assert_int_equal(repo_lock_check(a), -ENOLCK);

	assert_int_equal(repo_lock(c, true), 0);
	code = repo_lock(a, false);
	assert_int_equal(code, -EBUSY);
	assert_msg_has(code, "exclusive");
	assert_int_equal(repo_lock(b, true), -EBUSY);
	repo_close(c); /* close releases */
	assert_int_equal(count_locks(), 0);
	assert_int_equal(repo_lock(b, true), 0);
	repo_close(a);
	repo_close(b);
	assert_int_equal(count_locks(), 0);
}

static void test_stale(void **state)
{
	struct repo *r = test_new_repo();
	char host[256];
	this_host(host, sizeof(host));
	/* a dead process of this host */
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	plant_lock(1, host, child, true, time_now());
	/* too old, anywhere */
	plant_lock(2, "elsewhere.example", 12345, true, time_now() - WARD_BACKUP_LOCK_STALE - 60);
	assert_int_equal(count_locks(), 2);
	assert_int_equal(repo_lock(r, true), 0);
	assert_int_equal(count_locks(), 1); /* only ours */
	assert_int_equal(repo_unlock(r), 0);

	/* alive: this process, or another host's recent lock */
	plant_lock(3, host, getpid(), false, time_now());
	int code = repo_lock(r, true);
	assert_int_equal(code, -EBUSY);
	assert_msg_has(code, host);
	assert_int_equal(repo_lock(r, false), 0); /* shared goes with it */
	assert_int_equal(repo_unlock(r), 0);
	plant_lock(4, "elsewhere.example", 1, true, time_now() - 60);
	code = repo_lock(r, false);
	assert_int_equal(code, -EBUSY);
	assert_msg_has(code, "elsewhere.example");
	assert_msg_has(code, "exclusive");

	/* an unreadable lock file blocks, naming itself */
	unsigned removed = 0;
	assert_int_equal(repo_lock_clean(r, true, &removed), 0);
	assert_int_equal(removed, 2);
	char path[1024];
	snprintf(path, sizeof(path), "%s/locks/%064d", test_repo, 0);
	FILE *f = fopen(path, "w");
	fputs("{not json", f);
	fclose(f);
	code = repo_lock(r, false);
	assert_int_equal(code, -EBUSY);
	assert_msg_has(code, "cannot be read");
	assert_int_equal(repo_lock_clean(r, false, &removed), 0);
	assert_int_equal(removed, 0); /* new: not stale yet */
	assert_int_equal(repo_lock_clean(r, true, &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(repo_lock(r, false), 0);
	repo_close(r);
}

static void test_refresh_and_lost(void **state)
{
	struct repo *r = test_new_repo(), *other = open_again();
	char(*ids)[REPO_HEX_LEN] = NULL;
	size_t n;
	char path[1024], *before = NULL, *after = NULL;
	size_t len;
	assert_int_equal(repo_lock(r, false), 0);
	assert_int_equal(repo_dir_ids(test_path("locks"), 10, &ids, &n), 0);
	assert_int_equal(n, 1);
	snprintf(path, sizeof(path), "%s/locks/%s", test_repo, ids[0]);
	/* backdate it; a refresh brings its time to now */
	char host[256];
	this_host(host, sizeof(host));
	char iso[TIME_ISO_LEN], text[512];
	time_iso(time_now() - 3600, iso);
	snprintf(text, sizeof(text), "{\"host\":\"%s\",\"pid\":%d,\"exclusive\":false,\"time\":\"%s\"}", host,
		 (int)getpid(), iso);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	assert_int_equal(repo_lock_refresh(r), 0);
	free(ids);
	assert_int_equal(repo_dir_ids(test_path("locks"), 10, &ids, &n) == 0 && n == 1, 1);
	free(ids);
	assert_int_equal(fs_read_file(path, 4096, &after, &len), 0);
	assert_null(strstr(after, iso));
	free(after);
	free(before);
	/* someone (unlock --all) removes it: the holder finds out */
	unsigned removed = 0;
	assert_int_equal(repo_lock_clean(other, true, &removed), 0);
	assert_int_equal(removed, 1);
	int code = repo_lock_refresh(r);
	assert_int_equal(code, -ESTALE);
	assert_msg_has(code, "removed");
	assert_int_equal(repo_lock_check(r), -ESTALE);
	assert_int_equal(repo_unlock(r), 0);
	repo_close(r);
	repo_close(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shared_exclusive),
	    cmocka_unit_test(test_stale),
	    cmocka_unit_test(test_refresh_and_lost),
	};
	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
