/*
 * Unit tests for the index: persistence and reload, a missing or damaged index file,
 * the file format's decoder on malformed input, reservations released from the middle
 * of probe runs, and loading a million blobs (the time is printed).
 */
#include <time.h>

#include "backup_test.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Saves n small blobs "blob <seed+i>" in one or more packs; no flush. */
static void save_small(struct repo *r, int n, int seed, uint8_t (*ids)[32])
{
	struct repo_pack_writer *w = NULL;
	char text[64];
	assert_int_equal(repo_pack_writer_new(r, &w), 0);
	for (int i = 0; i < n; i++) {
		int len = snprintf(text, sizeof(text), "blob %d", seed + i);
		assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, text, (size_t)len, 1, ids[i], NULL), 0);
	}
	assert_int_equal(repo_pack_writer_finish(w, NULL), 0);
	repo_pack_writer_free(w);
}

static void read_small(struct repo *r, int n, int seed, uint8_t (*ids)[32])
{
	char text[64];
	for (int i = 0; i < n; i++) {
		uint8_t *back;
		size_t len;
		int tl = snprintf(text, sizeof(text), "blob %d", seed + i);
		int code = repo_blob_read(r, REPO_BLOB_DATA, ids[i], &back, &len);
		if (code < 0)
			fail_msg("blob %d: %s", i, err_msg(code));
		assert_int_equal(len, (size_t)tl);
		assert_memory_equal(back, text, len);
		free(back);
	}
}

static void test_reload(void **state)
{
	struct repo *r = test_new_repo();
	uint8_t ids[300][32];
	save_small(r, 200, 0, ids);
	assert_int_equal(repo_index_flush(r), 0);
	assert_int_equal(repo_index_flush(r), 0); /* nothing new: no file */
	save_small(r, 100, 200, ids + 200);
	assert_int_equal(repo_index_flush(r), 0);
	char(*files)[REPO_HEX_LEN] = NULL;
	size_t n;
	assert_int_equal(repo_file_list(r, "index", &files, &n), 0);
	assert_int_equal(n, 2);
	free(files);
	r = test_reopen(r);
	assert_int_equal(repo_index_count(r), 300);
	read_small(r, 300, 0, ids);
	/* what the index knows is not stored again */
	struct repo_pack_writer *w = NULL;
	bool fresh = true;
	assert_int_equal(repo_pack_writer_new(r, &w), 0);
	assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, "blob 7", 6, 1, NULL, &fresh), 0);
	assert_false(fresh);
	repo_pack_writer_free(w);
	repo_close(r);
}

static void test_unflushed_and_missing(void **state)
{
	struct repo *r = test_new_repo();
	uint8_t ids[20][32], *back;
	size_t len;
	char hex[REPO_HEX_LEN];
	save_small(r, 10, 0, ids);
	assert_int_equal(repo_index_flush(r), 0);
	save_small(r, 10, 10, ids + 10); /* a crash before the flush: packed, not indexed */
	r = test_reopen(r);
	assert_int_equal(repo_index_count(r), 10);
	read_small(r, 10, 0, ids);
	repo_id_hex(ids[15], hex);
	int code = repo_blob_read(r, REPO_BLOB_DATA, ids[15], &back, &len);
	assert_int_equal(code, -ENOENT);
	assert_msg_has(code, hex);
	assert_msg_has(code, "not in the index");
	json_t *report = NULL;
	assert_int_equal(repo_check(r, false, &report), 0);
	assert_int_equal(json_array_size(json_object_get(report, "unindexed_packs")), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(json_object_get(report, "unindexed_packs"), 0), "blobs")),
	    10);
	json_decref(report);

	/* the index file lost: every blob is unknown, and says so */
	char(*files)[REPO_HEX_LEN] = NULL;
	size_t n;
	char rel[100];
	assert_int_equal(repo_file_list(r, "index", &files, &n), 0);
	assert_int_equal(n, 1);
	snprintf(rel, sizeof(rel), "index/%s", files[0]);
	free(files);
	assert_int_equal(unlink(test_path(rel)), 0);
	r = test_reopen(r);
	assert_int_equal(repo_index_count(r), 0);
	repo_id_hex(ids[3], hex);
	code = repo_blob_read(r, REPO_BLOB_DATA, ids[3], &back, &len);
	assert_int_equal(code, -ENOENT);
	assert_msg_has(code, hex);
	assert_int_equal(repo_check(r, false, &report), 0);
	assert_int_equal(json_array_size(json_object_get(report, "unindexed_packs")), 2);
	assert_int_equal(json_array_size(json_object_get(report, "warnings")), 2);
	json_decref(report);
	repo_close(r);
}

static void test_damaged_index(void **state)
{
	struct repo *r = test_new_repo();
	uint8_t ids[20][32], *back;
	size_t len, n;
	char(*files)[REPO_HEX_LEN] = NULL, rel[100];
	save_small(r, 10, 0, ids);
	assert_int_equal(repo_index_flush(r), 0);
	assert_int_equal(repo_file_list(r, "index", &files, &n), 0);
	snprintf(rel, sizeof(rel), "index/%s", files[0]);
	save_small(r, 10, 10, ids + 10);
	assert_int_equal(repo_index_flush(r), 0);
	repo_close(r);
	test_flip(test_path(rel), 30);
	/* the repository opens; the damaged file is remembered and named */
	struct repo *again = NULL;
	assert_int_equal(repo_open(test_repo, TEST_PASSWORD, &again), 0);
	assert_int_equal(repo_index_count(again), 10);
	read_small(again, 10, 10, ids + 10);
	int code = repo_blob_read(again, REPO_BLOB_DATA, ids[0], &back, &len);
	assert_int_equal(code, -ENOENT);
	assert_msg_has(code, "1 index files could not be read");
	const json_t *damaged = repo_index_damaged(again);
	assert_int_equal(json_array_size(damaged), 1);
	assert_true(test_contains(json_string_value(json_object_get(json_array_get(damaged, 0), "file")), files[0]));
	json_t *report = NULL;
	assert_int_equal(repo_check(again, false, &report), 0);
	assert_false(json_is_true(json_object_get(report, "ok")));
	assert_true(test_contains(
	    json_string_value(json_object_get(json_array_get(json_object_get(report, "damaged_files"), 0), "file")),
	    files[0]));
	json_decref(report);
	free(files);
	repo_close(again);
}

static int count_pack(void *ctx, const uint8_t pack[32], const struct repo_pack_entry *e, size_t n)
{
	*(size_t *)ctx += n;
	return 0;
}

static void test_decode(void **state)
{
	uint8_t packs[2][32] = {{1}, {2}};
	struct repo_pack_entry a[2] = {{.id = {7}, .type = 1, .offset = 0, .stored_len = 40, .raw_len = 20},
				       {.id = {8}, .type = 2, .offset = 40, .stored_len = 29, .raw_len = 0}};
	const struct repo_pack_entry *entries[2] = {a, a + 1};
	size_t counts[2] = {2, 1}, len, seen = 0;
	uint8_t *plain;
	assert_int_equal(repo_index_encode((const uint8_t(*)[32])packs, entries, counts, 2, &plain, &len), 0);
	assert_int_equal(len, 12 + 2 * 36 + 3 * 49);
	assert_int_equal(repo_index_decode(plain, len, count_pack, &seen), 0);
	assert_int_equal(seen, 3);
	/* every prefix is refused, and so is anything after the end */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(repo_index_decode(plain, cut, count_pack, &seen), -EBADMSG);
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, plain, len);
	longer[len] = 0;
	assert_int_equal(repo_index_decode(longer, len + 1, count_pack, &seen), -EBADMSG);
	assert_msg_has(-EBADMSG, "after its last pack");
	free(longer);
	/* type, lengths, version, magic */
	uint8_t *bad = malloc(len);
	memcpy(bad, plain, len);
	bad[12 + 36] = 3; /* first blob's type */
	assert_int_equal(repo_index_decode(bad, len, count_pack, &seen), -EBADMSG);
	memcpy(bad, plain, len);
	repo_le32_put(bad + 12 + 36 + 41, 28); /* stored shorter than nonce and tag */
	assert_int_equal(repo_index_decode(bad, len, count_pack, &seen), -EBADMSG);
	memcpy(bad, plain, len);
	repo_le32_put(bad + 12 + 36 + 41, 1000); /* more stored than plain */
	assert_int_equal(repo_index_decode(bad, len, count_pack, &seen), -EBADMSG);
	memcpy(bad, plain, len);
	repo_le64_put(bad + 12 + 36 + 33, 1ull << 32); /* past 4 GiB */
	assert_int_equal(repo_index_decode(bad, len, count_pack, &seen), -EBADMSG);
	memcpy(bad, plain, len);
	bad[4] = 2;
	assert_int_equal(repo_index_decode(bad, len, count_pack, &seen), -EBADMSG);
	memcpy(bad, plain, len);
	bad[0] = 'X';
	assert_int_equal(repo_index_decode(bad, len, count_pack, &seen), -EBADMSG);
	memcpy(bad, plain, len);
	repo_le32_put(bad + 12 + 32, 0); /* a pack of no blobs */
	assert_int_equal(repo_index_decode(bad, len, count_pack, &seen), -EBADMSG);
	memcpy(bad, plain, len);
	repo_le32_put(bad + 8, 0xffffffff); /* more packs than bytes */
	assert_int_equal(repo_index_decode(bad, len, count_pack, &seen), -EBADMSG);
	free(bad);
	free(plain);
}

/* Reserve many, release every third (runs of probes get holes), find the rest. */
static void test_release(void **state)
{
	struct repo *r = test_new_repo();
	enum { N = 20000 };
	uint8_t(*ids)[32] = malloc(N * 32);
	for (int i = 0; i < N; i++) {
		memset(ids[i], 0, 32);
		/* homes crowded at the table's end: long probe runs that wrap around */
		memcpy(ids[i] + 8, &i, sizeof(i));
		ids[i][11] = 0xff;
		assert_int_equal(repo_index_reserve(r, REPO_BLOB_DATA, ids[i]), 1);
	}
	assert_int_equal(repo_index_reserve(r, REPO_BLOB_DATA, ids[5]), 0);
	for (int i = 0; i < N; i += 3)
		repo_index_release(r, REPO_BLOB_DATA, ids[i]);
	for (int i = 0; i < N; i++)
		assert_int_equal(repo_index_has(r, REPO_BLOB_DATA, ids[i]), i % 3 != 0);
	for (int i = 0; i < N; i += 3)
		assert_int_equal(repo_index_reserve(r, REPO_BLOB_DATA, ids[i]), 1);
	for (int i = 0; i < N; i++)
		assert_true(repo_index_has(r, REPO_BLOB_DATA, ids[i]));
	free(ids);
	repo_close(r);
}

/* A million blobs in 8 fake packs: flush, reopen, time the load. */
static void test_million(void **state)
{
	struct repo *r = test_new_repo();
	enum { PACKS = 8, PER = 131072 };
	struct repo_pack_entry *e = malloc(PER * sizeof(*e));
	uint64_t s = 42;
	for (int p = 0; p < PACKS; p++) {
		uint8_t pack[32];
		randombytes_buf(pack, sizeof(pack));
		for (int k = 0; k < PER; k++) {
			for (int b = 0; b < 32; b += 8) {
				s ^= s << 13;
				s ^= s >> 7;
				s ^= s << 17;
				memcpy(e[k].id + b, &s, 8);
			}
			e[k].type = REPO_BLOB_DATA;
			e[k].offset = (uint64_t)k * 300;
			e[k].stored_len = 300;
			e[k].raw_len = 1000;
		}
		assert_int_equal(repo_index_add(r, pack, e, PER), 0);
	}
	double t0 = now_s();
	assert_int_equal(repo_index_flush(r), 0);
	double t1 = now_s();
	repo_close(r);
	struct repo *again = NULL;
	double t2 = now_s();
	assert_int_equal(repo_open(test_repo, TEST_PASSWORD, &again), 0);
	double t3 = now_s();
	assert_int_equal(repo_index_count(again), (size_t)PACKS * PER);
	assert_true(repo_index_has(again, REPO_BLOB_DATA, e[PER - 1].id));
	struct repo_blob_location loc;
	assert_int_equal(repo_index_lookup(again, REPO_BLOB_DATA, e[PER / 2].id, &loc), 0);
	assert_int_equal(loc.offset, (uint64_t)(PER / 2) * 300);
	double t4 = now_s();
	for (int k = 0; k < PER; k++)
		if (!repo_index_has(again, REPO_BLOB_DATA, e[k].id))
			fail_msg("blob %d lost", k);
	double t5 = now_s();
	char(*files)[REPO_HEX_LEN] = NULL;
	size_t n;
	assert_int_equal(repo_file_list(again, "index", &files, &n), 0);
	free(files);
	print_message("index of %d blobs: flush %.0f ms (%zu files), open and load %.0f ms, %.0f ns a lookup\n",
		      PACKS * PER, (t1 - t0) * 1e3, n, (t3 - t2) * 1e3, (t5 - t4) * 1e9 / PER);
	assert_true(t3 - t2 < 10.0); /* generous: sanitizer builds; expect well under 1 s */
	free(e);
	repo_close(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reload),	  cmocka_unit_test(test_unflushed_and_missing),
	    cmocka_unit_test(test_damaged_index), cmocka_unit_test(test_decode),
	    cmocka_unit_test(test_release),	  cmocka_unit_test(test_million),
	};
	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
