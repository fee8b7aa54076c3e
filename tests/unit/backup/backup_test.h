/*
 * backup_test.h: what the backup repository tests share: a temporary folder, a
 * repository in it with a cheap argon2id, byte surgery on its files.
 */
#ifndef WARD_TEST_BACKUP_H
#define WARD_TEST_BACKUP_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/repo.h"
#include "backup/repo_internal.h"
#include "core/crypto.h"
#include "core/err.h"

#define TEST_PASSWORD "correct horse battery staple"
#define TEST_HELPER static __attribute__((unused)) /* not every test program uses every helper */

static char test_dir[256];  /* the temporary folder */
static char test_repo[300]; /* test_dir/repo */

TEST_HELPER int test_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

TEST_HELPER void test_rm_rf(const char *dir)
{
	nftw(dir, test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* cmocka group set-up: a fresh folder, libsodium, a cheap KDF. */
TEST_HELPER int test_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(test_dir, sizeof(test_dir), "%s/ward-backup-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(test_dir) || crypto_init() < 0)
		return -1;
	snprintf(test_repo, sizeof(test_repo), "%s/repo", test_dir);
	setenv("WARD_BACKUP_KDF", "1:8192", 1);
	return 0;
}

TEST_HELPER int test_teardown(void **state)
{
	test_rm_rf(test_dir);
	return 0;
}

/* Each test: an empty repository at test_repo. */
TEST_HELPER struct repo *test_new_repo(void)
{
	struct repo *r = NULL;
	test_rm_rf(test_repo);
	int code = repo_init(test_repo, TEST_PASSWORD, &r);
	if (code < 0)
		fail_msg("repo_init: %s", err_msg(code));
	return r;
}

TEST_HELPER struct repo *test_reopen(struct repo *r)
{
	struct repo *again = NULL;
	repo_close(r);
	int code = repo_open(test_repo, TEST_PASSWORD, &again);
	if (code < 0)
		fail_msg("repo_open: %s", err_msg(code));
	return again;
}

/* "<test_repo>/<rel>" */
TEST_HELPER const char *test_path(const char *rel)
{
	static char buf[4][1024];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", test_repo, rel);
	return buf[i];
}

TEST_HELPER const char *test_pack_path(const uint8_t pack[REPO_ID_LEN])
{
	char hex[REPO_HEX_LEN], rel[128];
	repo_id_hex(pack, hex);
	snprintf(rel, sizeof(rel), "data/%.2s/%s", hex, hex);
	return test_path(rel);
}

/* XORs the byte at offset (from the end when negative) with 0x01. */
TEST_HELPER void test_flip(const char *path, long long offset)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	off_t at = offset < 0 ? st.st_size + offset : offset;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, at), 1);
	b ^= 0x01;
	assert_int_equal(pwrite(fd, &b, 1, at), 1);
	close(fd);
}

TEST_HELPER void test_truncate(const char *path, long long drop)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - drop), 0);
}

/* Deterministic bytes: random-looking, or text-like (zstd shrinks it about 3x). */
TEST_HELPER void test_fill(uint8_t *buf, size_t len, uint64_t seed, bool text)
{
	static const char *const words[] = {"backup ", "restore ", "the ",  "a ",     "repository ", "pack ",
					    "index ",  "blob ",	   "ward ", "file\n", "snapshot ",   "chunk ",
					    "tree ",   "key ",	   "lock ", "check "};
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
	size_t i = 0;
	while (i < len) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		if (!text) {
			for (int k = 0; k < 8 && i < len; k++)
				buf[i++] = (uint8_t)(s >> (8 * k));
			continue;
		}
		const char *w = words[s % 16];
		for (; *w && i < len; w++)
			buf[i++] = (uint8_t)*w;
		if ((s >> 8) % 5 == 0 && i < len)
			buf[i++] = (uint8_t)('0' + (s >> 16) % 10);
	}
}

TEST_HELPER bool test_contains(const char *hay, const char *needle)
{
	return hay && needle && strstr(hay, needle) != NULL;
}

#define assert_msg_has(code, needle)                                                                                   \
	do {                                                                                                           \
		if (!test_contains(err_msg(code), needle))                                                             \
			fail_msg("message '%s' lacks '%s'", err_msg(code), needle);                                    \
	} while (0)

#endif
