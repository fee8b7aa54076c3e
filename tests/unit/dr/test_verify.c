/*
 * Unit tests for a drill's verification (dr/dr_verify.c): a faithful restore has no
 * problem; a changed byte (same size, same time), a missing file, a changed mode, a
 * truncated file and a retargeted link are each found and named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/backup.h"
#include "core/crypto.h"
#include "dr/dr_verify.h"

static char dir[256], src[300], target[300], repo_dir[300];
static char snap[REPO_HEX_LEN];
static struct repo *repo;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_D || flag == FTW_DP)
		chmod(path, 0700);
	return remove(path);
}

static void put(const char *rel, const char *data, size_t len)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", src, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static int setup(void **state)
{
	static char big[300000];
	snprintf(dir, sizeof(dir), "/tmp/ward-unit-dr.XXXXXX");
	if (!mkdtemp(dir) || crypto_init() < 0)
		return -1;
	setenv("WARD_BACKUP_KDF", "1:8192", 1);
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(repo_dir, sizeof(repo_dir), "%s/repo", dir);
	mkdir(src, 0755);
	char sub[400];
	snprintf(sub, sizeof(sub), "%s/sub", src);
	mkdir(sub, 0750);
	put("a.txt", "hello\n", 6);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 1000);
	put("sub/big.bin", big, sizeof(big));
	put("empty", "", 0);
	char link[400];
	snprintf(link, sizeof(link), "%s/link", src);
	if (symlink("a.txt", link) < 0 || repo_init(repo_dir, "pw", &repo) < 0 || repo_lock(repo, false) < 0)
		return -1;
	struct backup_opts o = {.npaths = 1, .zstd_level = 1, .threads = 1};
	struct backup_summary sum;
	o.paths[0] = src;
	return backup_run(repo, &o, &sum, snap);
}

static int teardown(void **state)
{
	repo_close(repo);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* A fresh restore into target; returns the path of rel in it. */
static void restore(const char *name)
{
	struct restore_opts ro = {.threads = 1};
	struct restore_summary rs;
	snprintf(target, sizeof(target), "%s/%s", dir, name);
	ro.target = target;
	assert_int_equal(backup_restore(repo, snap, &ro, &rs), 0);
}

static void in_target(const char *rel, char *out, size_t size)
{
	snprintf(out, size, "%s%s/%s", target, src, rel);
}

static uint64_t check(const char *expect)
{
	struct dr_verify_result vr;
	assert_int_equal(dr_verify(repo, snap, target, &vr), 0);
	if (expect) {
		assert_true(json_array_size(vr.list) >= 1);
		assert_non_null(strstr(json_string_value(json_array_get(vr.list, 0)), expect));
	}
	uint64_t n = vr.problems;
	json_decref(vr.list);
	return n;
}

static void test_faithful(void **state)
{
	struct dr_verify_result vr;
	restore("ok");
	assert_int_equal(dr_verify(repo, snap, target, &vr), 0);
	assert_int_equal(vr.problems, 0);
	assert_int_equal(vr.files, 3);
	assert_int_equal(vr.bytes, 300006);
	assert_true(vr.dirs >= 2);
	json_decref(vr.list);
}

static void test_changed_byte(void **state)
{
	char p[1024];
	struct stat st;
	restore("byte");
	in_target("sub/big.bin", p, sizeof(p));
	assert_int_equal(stat(p, &st), 0);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	assert_int_equal(pwrite(fd, "X", 1, 123456), 1);
	close(fd);
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	assert_int_equal(check("differ from the snapshot"), 1);
}

static void test_missing_mode_size_link(void **state)
{
	char p[1024];
	restore("meta");
	in_target("a.txt", p, sizeof(p));
	assert_int_equal(unlink(p), 0);
	assert_int_equal(check("missing after the restore"), 1);
	restore("mode");
	in_target("sub", p, sizeof(p));
	assert_int_equal(chmod(p, 0777), 0);
	assert_int_equal(check("mode 0777, the snapshot has 0750"), 1);
	restore("size");
	in_target("sub/big.bin", p, sizeof(p));
	assert_int_equal(truncate(p, 1000), 0);
	assert_int_equal(check("1000 bytes, the snapshot has 300000"), 1);
	restore("link");
	in_target("link", p, sizeof(p));
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("elsewhere", p), 0);
	assert_int_equal(check("target differs"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_faithful),
	    cmocka_unit_test(test_changed_byte),
	    cmocka_unit_test(test_missing_mode_size_link),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
