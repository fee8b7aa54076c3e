/*
 * Unit tests for packs: the writer (blobs across several packs, deduplication, a blob
 * larger than a pack, abandoning a pack, writers on several threads), headers, reading
 * blobs back, and damage: a flipped byte in a blob or a header, a truncated or missing
 * pack; pack names, with the SHA extensions and without.
 */
#include <dirent.h>
#include <pthread.h>

#include "backup_test.h"

#define CHUNK (1024 * 1024)

/* Temporary pack files in data/. */
static int count_tmp(void)
{
	DIR *d = opendir(test_path("data"));
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".tmp") != NULL;
	closedir(d);
	return n;
}

/* Saves n chunks (seeded from seed) through w; ids to ids. */
static void save_chunks(struct repo_pack_writer *w, size_t n, uint64_t seed, uint8_t (*ids)[32])
{
	uint8_t *buf = malloc(CHUNK);
	for (size_t i = 0; i < n; i++) {
		bool fresh = false;
		test_fill(buf, CHUNK, seed + i, i % 3 == 0);
		int code =
		    repo_blob_save(w, i % 7 == 0 ? REPO_BLOB_TREE : REPO_BLOB_DATA, buf, CHUNK, 1, ids[i], &fresh);
		if (code < 0)
			fail_msg("repo_blob_save: %s", err_msg(code));
		assert_true(fresh);
	}
	free(buf);
}

static void check_chunks(struct repo *r, size_t n, uint64_t seed, uint8_t (*ids)[32])
{
	uint8_t *buf = malloc(CHUNK), *back;
	size_t len;
	for (size_t i = 0; i < n; i++) {
		test_fill(buf, CHUNK, seed + i, i % 3 == 0);
		int code = repo_blob_read(r, i % 7 == 0 ? REPO_BLOB_TREE : REPO_BLOB_DATA, ids[i], &back, &len);
		if (code < 0)
			fail_msg("repo_blob_read %zu: %s", i, err_msg(code));
		assert_int_equal(len, CHUNK);
		assert_memory_equal(back, buf, CHUNK);
		free(back);
	}
	free(buf);
}

static void test_many_blobs(void **state)
{
	struct repo *r = test_new_repo();
	struct repo_pack_writer *w = NULL;
	uint8_t(*ids)[32] = calloc(100, 32), pack[32];
	assert_int_equal(repo_pack_writer_new(r, &w), 0);
	save_chunks(w, 100, 1000, ids);
	assert_true(repo_pack_writer_count(w) > 0);
	assert_int_equal(repo_pack_writer_finish(w, pack), 0);
	assert_int_equal(repo_pack_writer_count(w), 0);
	assert_int_equal(repo_pack_writer_finish(w, pack), -ENODATA);
	repo_pack_writer_free(w);

	uint8_t(*packs)[32] = NULL;
	size_t npacks = 0, total = 0;
	assert_int_equal(repo_pack_list(r, &packs, &npacks), 0);
	assert_true(npacks >= 3); /* ~100 MiB, two thirds incompressible, 32 MiB packs */
	for (size_t i = 0; i < npacks; i++) {
		struct repo_pack_entry *e = NULL;
		size_t n = 0;
		struct stat st;
		assert_int_equal(repo_pack_read_header(r, packs[i], &e, &n), 0);
		assert_int_equal(stat(test_pack_path(packs[i]), &st), 0);
		assert_true((uint64_t)st.st_size <= WARD_BACKUP_PACK_TARGET + 4096 + n * REPO_PACK_ENTRY_LEN);
		/* the name is the SHA-256 of the bytes */
		uint8_t *bytes;
		size_t len;
		char hex[REPO_HEX_LEN], dir[600];
		repo_id_hex(packs[i], hex);
		snprintf(dir, sizeof(dir), "%s/data/%.2s", test_repo, hex);
		assert_int_equal(repo_file_load(dir, hex, 64 << 20, &bytes, &len), 0);
		free(bytes);
		uint64_t expect = 0;
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(e[k].offset, expect); /* one after another */
			expect += e[k].stored_len;
			assert_int_equal(e[k].raw_len, CHUNK);
		}
		total += n;
		free(e);
	}
	assert_int_equal(total, 100);
	assert_int_equal(repo_index_count(r), 100);
	check_chunks(r, 100, 1000, ids);
	free(packs);
	assert_int_equal(count_tmp(), 0);
	repo_close(r);
	free(ids);
}

static void test_dedup(void **state)
{
	struct repo *r = test_new_repo();
	struct repo_pack_writer *w = NULL;
	uint8_t id1[32], id2[32], id3[32];
	bool fresh = true;
	assert_int_equal(repo_pack_writer_new(r, &w), 0);
	assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, "same bytes", 10, 3, id1, &fresh), 0);
	assert_true(fresh);
	assert_true(repo_index_has(r, REPO_BLOB_DATA, id1));
	assert_false(repo_index_has(r, REPO_BLOB_TREE, id1));
	/* being written: known, not readable yet */
	struct repo_blob_location loc;
	assert_int_equal(repo_index_lookup(r, REPO_BLOB_DATA, id1, &loc), -EAGAIN);
	assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, "same bytes", 10, 3, id2, &fresh), 0);
	assert_false(fresh);
	assert_memory_equal(id1, id2, 32);
	/* the same bytes as a tree are another blob */
	assert_int_equal(repo_blob_save(w, REPO_BLOB_TREE, "same bytes", 10, 3, id3, &fresh), 0);
	assert_true(fresh);
	assert_int_equal(repo_pack_writer_count(w), 2);
	assert_int_equal(repo_pack_writer_finish(w, NULL), 0);
	assert_int_equal(repo_index_lookup(r, REPO_BLOB_DATA, id1, &loc), 0);
	assert_int_equal(loc.raw_len, 10);
	assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, "same bytes", 10, 3, NULL, &fresh), 0);
	assert_false(fresh);
	repo_pack_writer_free(w);
	repo_close(r);
}

static void test_abandon(void **state)
{
	struct repo *r = test_new_repo();
	struct repo_pack_writer *w = NULL, *w2 = NULL;
	uint8_t id[32];
	bool fresh;
	assert_int_equal(repo_pack_writer_new(r, &w), 0);
	assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, "abandoned", 9, 3, id, &fresh), 0);
	repo_pack_writer_free(w); /* never finished */
	assert_false(repo_index_has(r, REPO_BLOB_DATA, id));
	uint8_t(*packs)[32] = NULL;
	size_t n = 1;
	assert_int_equal(repo_pack_list(r, &packs, &n), 0);
	assert_int_equal(n, 0);
	free(packs);
	assert_int_equal(count_tmp(), 0);
	/* another writer may now store it */
	assert_int_equal(repo_pack_writer_new(r, &w2), 0);
	assert_int_equal(repo_blob_save(w2, REPO_BLOB_DATA, "abandoned", 9, 3, id, &fresh), 0);
	assert_true(fresh);
	repo_pack_writer_free(w2);
	repo_close(r);
}

static void test_big_blob(void **state)
{
	struct repo *r = test_new_repo();
	struct repo_pack_writer *w = NULL;
	size_t big = WARD_BACKUP_PACK_TARGET + 1000;
	uint8_t *buf = malloc(big), id_small[32], id_big[32], *back;
	size_t len;
	test_fill(buf, big, 77, false);
	assert_int_equal(repo_pack_writer_new(r, &w), 0);
	assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, "small", 5, 1, id_small, NULL), 0);
	assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, buf, big, 1, id_big, NULL), 0);
	/* the small one's pack was finished first, the big one filled its own */
	assert_int_equal(repo_pack_writer_count(w), 0);
	struct repo_blob_location a, b;
	assert_int_equal(repo_index_lookup(r, REPO_BLOB_DATA, id_small, &a), 0);
	assert_int_equal(repo_index_lookup(r, REPO_BLOB_DATA, id_big, &b), 0);
	assert_memory_not_equal(a.pack, b.pack, 32);
	assert_int_equal(b.offset, 0);
	assert_int_equal(repo_blob_read(r, REPO_BLOB_DATA, id_big, &back, &len), 0);
	assert_int_equal(len, big);
	assert_memory_equal(back, buf, big);
	free(back);
	/* over the blob limit */
	assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, buf, (size_t)WARD_BACKUP_BLOB_MAX + 1, 1, NULL, NULL),
			 -E2BIG);
	repo_pack_writer_free(w);
	repo_close(r);
	free(buf);
}

/* A repository with one pack of three blobs; ids and the pack to the caller. */
static struct repo *three_blobs(uint8_t ids[3][32], uint8_t pack[32])
{
	struct repo *r = test_new_repo();
	struct repo_pack_writer *w = NULL;
	uint8_t buf[5000];
	assert_int_equal(repo_pack_writer_new(r, &w), 0);
	for (int i = 0; i < 3; i++) {
		test_fill(buf, sizeof(buf), (uint64_t)i + 50, false);
		assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, buf, sizeof(buf), 1, ids[i], NULL), 0);
	}
	assert_int_equal(repo_pack_writer_finish(w, pack), 0);
	repo_pack_writer_free(w);
	assert_int_equal(repo_index_flush(r), 0);
	return r;
}

static void test_damaged_blob(void **state)
{
	uint8_t ids[3][32], pack[32], *back;
	size_t len;
	char hex[REPO_HEX_LEN], pack_hex[REPO_HEX_LEN];
	struct repo *r = three_blobs(ids, pack);
	repo_id_hex(ids[1], hex);
	repo_id_hex(pack, pack_hex);
	test_flip(test_pack_path(pack), 5000 + REPO_BLOB_OVERHEAD + 100); /* inside the second blob */
	int code = repo_blob_read(r, REPO_BLOB_DATA, ids[1], &back, &len);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, hex);
	assert_msg_has(code, pack_hex);
	/* the others in the pack are fine, and the header still reads */
	assert_int_equal(repo_blob_read(r, REPO_BLOB_DATA, ids[0], &back, &len), 0);
	free(back);
	assert_int_equal(repo_blob_read(r, REPO_BLOB_DATA, ids[2], &back, &len), 0);
	free(back);
	struct repo_pack_entry *e;
	size_t n;
	assert_int_equal(repo_pack_read_header(r, pack, &e, &n), 0);
	assert_int_equal(n, 3);
	free(e);
	repo_close(r);
}

static void test_damaged_header(void **state)
{
	uint8_t ids[3][32], pack[32], *back;
	size_t len, n = 77;
	char pack_hex[REPO_HEX_LEN];
	struct repo_pack_entry *e = NULL;
	struct repo *r = three_blobs(ids, pack);
	repo_id_hex(pack, pack_hex);
	test_flip(test_pack_path(pack), -20); /* in the header */
	int code = repo_pack_read_header(r, pack, &e, &n);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, pack_hex);
	assert_msg_has(code, "header does not decrypt");
	assert_null(e);
	assert_int_equal(n, 77);
	/* blobs are read through the index: still fine */
	assert_int_equal(repo_blob_read(r, REPO_BLOB_DATA, ids[0], &back, &len), 0);
	free(back);
	/* the length at the very end */
	test_flip(test_pack_path(pack), -20);
	test_flip(test_pack_path(pack), -2);
	code = repo_pack_read_header(r, pack, &e, &n);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, "header length");
	repo_close(r);
}

static void test_truncated_and_missing(void **state)
{
	uint8_t ids[3][32], pack[32], *back;
	size_t len, n;
	char hex[REPO_HEX_LEN], pack_hex[REPO_HEX_LEN];
	struct repo_pack_entry *e = NULL;
	struct repo *r = three_blobs(ids, pack);
	repo_id_hex(ids[2], hex);
	repo_id_hex(pack, pack_hex);
	/* cut into the third blob: the header is gone, the third blob is short */
	struct stat st;
	assert_int_equal(stat(test_pack_path(pack), &st), 0);
	assert_int_equal(truncate(test_pack_path(pack), 2 * (5000 + REPO_BLOB_OVERHEAD) + 10), 0);
	int code = repo_pack_read_header(r, pack, &e, &n);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, pack_hex);
	code = repo_blob_read(r, REPO_BLOB_DATA, ids[2], &back, &len);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, hex);
	assert_msg_has(code, "truncated");
	assert_int_equal(repo_blob_read(r, REPO_BLOB_DATA, ids[0], &back, &len), 0);
	free(back);
	/* a pack cut to almost nothing */
	assert_int_equal(truncate(test_pack_path(pack), 3), 0);
	code = repo_pack_read_header(r, pack, &e, &n);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, "too short");
	/* gone */
	assert_int_equal(unlink(test_pack_path(pack)), 0);
	code = repo_pack_read_header(r, pack, &e, &n);
	assert_int_equal(code, -ENOENT);
	assert_msg_has(code, "missing");
	code = repo_blob_read(r, REPO_BLOB_DATA, ids[0], &back, &len);
	assert_int_equal(code, -ENOENT);
	assert_msg_has(code, pack_hex);
	repo_close(r);
}

static void test_writer_add(void **state)
{
	struct repo *r = test_new_repo();
	struct repo_pack_writer *w = NULL;
	uint8_t id[32], sealed[100], *back;
	size_t stored, len;
	repo_blob_id(r, "copied", 6, id);
	assert_int_equal(repo_blob_seal(r, REPO_BLOB_TREE, id, "copied", 6, 0, sealed, sizeof(sealed), &stored), 0);
	assert_int_equal(repo_pack_writer_new(r, &w), 0);
	assert_int_equal(repo_pack_writer_add(w, REPO_BLOB_TREE, id, sealed, 10, 6), -EINVAL);
	assert_int_equal(repo_pack_writer_add(w, REPO_BLOB_TREE, id, sealed, stored, 6), 0);
	assert_int_equal(repo_pack_writer_size(w), stored);
	assert_int_equal(repo_pack_writer_finish(w, NULL), 0);
	assert_int_equal(repo_blob_read(r, REPO_BLOB_TREE, id, &back, &len), 0);
	assert_int_equal(len, 6);
	free(back);
	repo_pack_writer_free(w);
	repo_close(r);
}

/* Writers on four threads, each storing an overlapping set: every blob once. */
struct worker {
	struct repo *r;
	int n;
	int stored;
};

static void *worker_run(void *arg)
{
	struct worker *wk = arg;
	struct repo_pack_writer *w = NULL;
	uint8_t buf[20000];
	if (repo_pack_writer_new(wk->r, &w) < 0)
		return NULL;
	for (int i = 0; i < 400; i++) {
		bool fresh;
		test_fill(buf, sizeof(buf), (uint64_t)((i * 7 + wk->n * 13) % 600), false);
		if (repo_blob_save(w, REPO_BLOB_DATA, buf, sizeof(buf), 1, NULL, &fresh) < 0)
			return NULL;
		wk->stored += fresh;
	}
	int code = repo_pack_writer_finish(w, NULL);
	repo_pack_writer_free(w);
	return code == 0 || code == -ENODATA ? wk : NULL;
}

static void test_threads(void **state)
{
	struct repo *r = test_new_repo();
	pthread_t t[4];
	struct worker wk[4];
	int stored = 0;
	for (int i = 0; i < 4; i++) {
		wk[i] = (struct worker){.r = r, .n = i};
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &wk[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		assert_ptr_equal(ret, &wk[i]);
		stored += wk[i].stored;
	}
	assert_int_equal(stored, 600);
	assert_int_equal(repo_index_count(r), 600);
	uint8_t(*packs)[32] = NULL;
	size_t n, total = 0;
	assert_int_equal(repo_pack_list(r, &packs, &n), 0);
	for (size_t i = 0; i < n; i++) {
		struct repo_pack_entry *e;
		size_t m;
		assert_int_equal(repo_pack_read_header(r, packs[i], &e, &m), 0);
		total += m;
		free(e);
	}
	assert_int_equal(total, 600);
	free(packs);
	repo_close(r);
}

/* Whether pack is named for the SHA-256 (OpenSSL's) of its bytes. */
static void assert_named_right(const uint8_t pack[REPO_ID_LEN])
{
	const char *path = test_pack_path(pack);
	struct stat st;
	uint8_t digest[32];
	assert_int_equal(stat(path, &st), 0);
	uint8_t *bytes = malloc((size_t)st.st_size);
	assert_non_null(bytes);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(bytes, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	crypto_sha256(bytes, (size_t)st.st_size, digest);
	assert_memory_equal(digest, pack, REPO_ID_LEN);
	free(bytes);
}

/* Packs are named for the SHA-256 of their bytes whichever way it is taken: blob by
 * blob (OpenSSL), or with the SHA extensions beside the next blobs' ids
 * (repo_pack_writer_ids), in the buffer or not, with blobs too large for the buffer
 * between them. */
static void test_names(void **state)
{
	static const size_t lens[] = {55, 1000, 65536 + 3, 5 * 1024 * 1024 + 1, 64, 300000, 1, 2 * 1024 * 1024};
	enum { N = sizeof(lens) / sizeof(lens[0]) };
	uint8_t *buf = malloc(6 * 1024 * 1024), pack[REPO_ID_LEN];
	assert_non_null(buf);
	for (int fast = 0; fast < 2; fast++) {
		repo_hmac_disable(!fast);
		struct repo *r = test_new_repo();
		struct repo_pack_writer *w = NULL;
		assert_int_equal(repo_pack_writer_new(r, &w), 0);
		for (int round = 0; round < 3; round++) {
			for (size_t i = 0; i < N; i++) {
				uint8_t id[REPO_ID_LEN];
				test_fill(buf, lens[i], 1000 * (uint64_t)round + i, i % 2 == 0);
				if ((i + (size_t)round) % 3 == 0) {
					assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, buf, lens[i], 1, id, NULL), 0);
					continue;
				}
				struct repo_id_job job = {buf, lens[i], id};
				repo_pack_writer_ids(w, &job, 1);
				uint8_t check[REPO_ID_LEN];
				repo_blob_id(r, buf, lens[i], check);
				assert_memory_equal(id, check, REPO_ID_LEN);
				assert_int_equal(repo_blob_save_as(w, REPO_BLOB_DATA, id, buf, lens[i], 1, NULL), 0);
			}
			assert_int_equal(repo_pack_writer_finish(w, pack), 0);
			assert_named_right(pack);
		}
		repo_pack_writer_free(w);
		repo_close(r);
	}
	repo_hmac_disable(false);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_many_blobs),
	    cmocka_unit_test(test_dedup),
	    cmocka_unit_test(test_abandon),
	    cmocka_unit_test(test_big_blob),
	    cmocka_unit_test(test_damaged_blob),
	    cmocka_unit_test(test_damaged_header),
	    cmocka_unit_test(test_truncated_and_missing),
	    cmocka_unit_test(test_writer_add),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
