/*
 * Unit tests for restore's checks of content against ids, which it makes for several
 * chunks at once (small files a batch at a time, a large file's chunks a buffer at a
 * time): a tree of small, medium and large files restores bit-exact; then a small file's
 * chunk, another small file's and a chunk in the middle of the large file are replaced
 * by other bytes sealed under their ids (what a hostile holder of the key could do,
 * and the tag cannot tell), and the restore fails those three files, leaves nothing
 * of them, and restores every other file bit-exact. With the SHA extensions and
 * through OpenSSL.
 */
#include <jansson.h>

#include "backup/backup.h"
#include "backup/tree.h"
#include "backup_test.h"

#define NSMALL 30
#define BIG_LEN (20 * 1024 * 1024) /* split into ranges that several workers write */
#define MID_LEN (3 * 1024 * 1024)  /* one range, a few chunks */

static struct repo *repo;
static char src[512], snap[REPO_HEX_LEN];

static size_t small_len(int i)
{
	return 1000 + (size_t)i * 277;
}

static void write_file(const char *name, size_t len, uint64_t seed)
{
	char path[1024];
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	test_fill(buf, len, seed, false);
	snprintf(path, sizeof(path), "%s/%s", src, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

static int group_setup(void **state)
{
	if (test_setup(state) < 0)
		return -1;
	repo = test_new_repo();
	snprintf(src, sizeof(src), "%s/src", test_dir);
	if (mkdir(src, 0755) < 0)
		return -1;
	char name[64];
	for (int i = 0; i < NSMALL; i++) {
		snprintf(name, sizeof(name), "small_%02d", i);
		write_file(name, small_len(i), 100 + (uint64_t)i);
	}
	write_file("mid", MID_LEN, 200);
	write_file("big", BIG_LEN, 300);
	struct backup_opts o = {.paths = {src}, .npaths = 1, .zstd_level = BACKUP_ZSTD_AUTO, .threads = 2};
	struct backup_summary s;
	int e = repo_lock(repo, false);
	if (e == 0)
		e = backup_run(repo, &o, &s, snap);
	if (e < 0)
		fprintf(stderr, "backup_run: %s\n", err_msg(e));
	return e < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	repo_close(repo);
	return test_teardown(state);
}

/* The node named name somewhere below tree id, into *ret (the caller frees with node_free). */
static bool find_node(const uint8_t id[REPO_ID_LEN], const char *name, struct node *ret)
{
	uint8_t *text;
	size_t len;
	struct tree t;
	bool found = false;
	assert_int_equal(repo_blob_read(repo, REPO_BLOB_TREE, id, &text, &len), 0);
	assert_int_equal(tree_decode((const char *)text, len, &t), 0);
	free(text);
	for (size_t i = 0; i < t.n && !found; i++) {
		if (strcmp(t.nodes[i].name, name) == 0) {
			*ret = t.nodes[i];
			memset(&t.nodes[i], 0, sizeof(t.nodes[i]));
			found = true;
		} else if (t.nodes[i].type == NODE_DIR) {
			found = find_node(t.nodes[i].subtree, name, ret);
		}
	}
	tree_free(&t);
	return found;
}

/* Chunk k of the file called name in the snapshot. */
static void chunk_id(const char *name, size_t k, uint8_t out[REPO_ID_LEN])
{
	json_t *s;
	char id[REPO_HEX_LEN];
	uint8_t tree[REPO_ID_LEN];
	struct node n;
	assert_int_equal(snapshot_get(repo, snap, &s, id), 0);
	assert_int_equal(repo_id_parse(json_string_value(json_object_get(s, "tree")), tree), 0);
	json_decref(s);
	assert_true(find_node(tree, name, &n));
	assert_true(k < n.ncontent);
	memcpy(out, n.content[k], REPO_ID_LEN);
	node_free(&n);
}

/* Puts other bytes, sealed under id, where the blob id is in its pack. */
static void forge(const uint8_t id[REPO_ID_LEN], uint64_t seed)
{
	struct repo_blob_location loc;
	assert_int_equal(repo_index_lookup(repo, REPO_BLOB_DATA, id, &loc), 0);
	uint8_t *plain = malloc(loc.raw_len), *sealed = malloc(REPO_BLOB_SEAL_MAX(loc.raw_len));
	size_t stored;
	assert_non_null(plain);
	assert_non_null(sealed);
	test_fill(plain, loc.raw_len, seed, false); /* random: stored as it is, as long as the original */
	assert_int_equal(repo_blob_seal(repo, REPO_BLOB_DATA, id, plain, loc.raw_len, 3, sealed,
					REPO_BLOB_SEAL_MAX(loc.raw_len), &stored),
			 0);
	assert_int_equal(stored, loc.stored_len);
	int fd = open(test_pack_path(loc.pack), O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, sealed, stored, (off_t)loc.offset), (ssize_t)stored);
	assert_int_equal(close(fd), 0);
	free(plain);
	free(sealed);
}

/* Whether target holds name as it was backed up (false: it is not there at all). */
static bool restored(const char *target, const char *name, size_t len, uint64_t seed)
{
	char path[1200];
	struct stat st;
	snprintf(path, sizeof(path), "%s%s/%s", target, src, name);
	if (stat(path, &st) < 0) {
		assert_int_equal(errno, ENOENT);
		return false;
	}
	assert_int_equal(st.st_size, len);
	uint8_t *want = malloc(len), *got = malloc(len);
	assert_non_null(want);
	assert_non_null(got);
	test_fill(want, len, seed, false);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(got, 1, len, f), len);
	fclose(f);
	assert_memory_equal(got, want, len);
	free(want);
	free(got);
	return true;
}

/* Restores into test_dir/name; every file restored bit-exact but those in lost. */
static void restore_all(const char *name, int threads, const char *const *lost, size_t nlost)
{
	char target[600], fname[64];
	struct restore_opts o = {.target = target, .threads = threads};
	struct restore_summary rs;
	snprintf(target, sizeof(target), "%s/%s", test_dir, name);
	int e = backup_restore(repo, snap, &o, &rs);
	assert_int_equal(e, nlost ? -EBADMSG : 0);
	assert_int_equal(rs.errors, nlost);
	for (int i = 0; i < NSMALL + 2; i++) {
		size_t len = i < NSMALL ? small_len(i) : i == NSMALL ? MID_LEN : BIG_LEN;
		uint64_t seed = i < NSMALL ? 100 + (uint64_t)i : i == NSMALL ? 200 : 300;
		if (i < NSMALL)
			snprintf(fname, sizeof(fname), "small_%02d", i);
		else
			snprintf(fname, sizeof(fname), "%s", i == NSMALL ? "mid" : "big");
		bool gone = false;
		for (size_t k = 0; k < nlost; k++)
			gone = gone || strcmp(lost[k], fname) == 0;
		assert_int_equal(restored(target, fname, len, seed), !gone);
	}
}

/* Each chunk of the large file forged in turn (and put back): the restore of that
 * file fails every time, wherever the chunk falls in its range and in a worker's
 * buffer (checked with the others there, just before the buffer is written). */
static void test_each_chunk(void **state)
{
	char target[600], include[600];
	struct repo_blob_location loc;
	struct node n;
	json_t *s;
	char id[REPO_HEX_LEN];
	uint8_t tree[REPO_ID_LEN];
	(void)state;
	assert_int_equal(snapshot_get(repo, snap, &s, id), 0);
	assert_int_equal(repo_id_parse(json_string_value(json_object_get(s, "tree")), tree), 0);
	json_decref(s);
	assert_true(find_node(tree, "big", &n));
	assert_true(n.ncontent >= 10);
	snprintf(include, sizeof(include), "%s/big", src);
	for (size_t k = 0; k < n.ncontent; k++) {
		struct restore_opts o = {.target = target, .includes = {include}, .nincludes = 1, .threads = 2};
		struct restore_summary rs;
		assert_int_equal(repo_index_lookup(repo, REPO_BLOB_DATA, n.content[k], &loc), 0);
		uint8_t *orig = malloc(loc.stored_len);
		assert_non_null(orig);
		int fd = open(test_pack_path(loc.pack), O_RDWR);
		assert_true(fd >= 0);
		assert_int_equal(pread(fd, orig, loc.stored_len, (off_t)loc.offset), (ssize_t)loc.stored_len);
		forge(n.content[k], 700 + k);
		snprintf(target, sizeof(target), "%s/each-%zu", test_dir, k);
		assert_int_equal(backup_restore(repo, snap, &o, &rs), -EBADMSG);
		assert_int_equal(rs.errors, 1);
		assert_false(restored(target, "big", BIG_LEN, 300));
		assert_int_equal(pwrite(fd, orig, loc.stored_len, (off_t)loc.offset), (ssize_t)loc.stored_len);
		assert_int_equal(close(fd), 0);
		free(orig);
	}
	snprintf(target, sizeof(target), "%s/each-sound", test_dir);
	struct restore_opts o = {.target = target, .includes = {include}, .nincludes = 1, .threads = 2};
	struct restore_summary rs;
	assert_int_equal(backup_restore(repo, snap, &o, &rs), 0);
	assert_true(restored(target, "big", BIG_LEN, 300));
	node_free(&n);
}

static void test_forged_chunks(void **state)
{
	static const char *const lost[] = {"small_07", "small_21", "big"};
	uint8_t ids[3][REPO_ID_LEN];
	(void)state;
	restore_all("sound", 2, NULL, 0);
	chunk_id("small_07", 0, ids[0]);
	chunk_id("small_21", 0, ids[1]);
	chunk_id("big", 9, ids[2]);
	for (int i = 0; i < 3; i++)
		forge(ids[i], 900 + (uint64_t)i);
	restore_all("forged", 2, lost, 3);
	restore_all("forged-8", 8, lost, 3);
	repo_hmac_disable(true);
	restore_all("forged-openssl", 2, lost, 3);
	repo_hmac_disable(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_chunk),
	    cmocka_unit_test(test_forged_chunks),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
