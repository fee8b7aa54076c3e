/*
 * Unit tests for repo_check on sound and damaged repositories, with and without
 * read_data: the report must name each damaged pack, the blobs it takes with it, and
 * the damaged files.
 */
#include "backup_test.h"

#define NBLOBS 6
#define BLOB_LEN 3000

static uint8_t ids[NBLOBS][32];
static uint8_t packs[2][32]; /* blobs 0-2 in the first, 3-5 in the second */

/* Two packs of three blobs each, indexed, and a snapshot file. */
static struct repo *build(void)
{
	struct repo *r = test_new_repo();
	struct repo_pack_writer *w = NULL;
	uint8_t buf[BLOB_LEN];
	assert_int_equal(repo_pack_writer_new(r, &w), 0);
	for (int i = 0; i < NBLOBS; i++) {
		test_fill(buf, sizeof(buf), (uint64_t)i + 900, false);
		assert_int_equal(
		    repo_blob_save(w, i == 0 ? REPO_BLOB_TREE : REPO_BLOB_DATA, buf, sizeof(buf), 1, ids[i], NULL), 0);
		if (i == 2 || i == 5)
			assert_int_equal(repo_pack_writer_finish(w, packs[i / 3]), 0);
	}
	repo_pack_writer_free(w);
	assert_int_equal(repo_index_flush(r), 0);
	assert_int_equal(repo_file_write(r, "snapshots", "{\"tree\":\"x\"}", 12, REPO_AAD_SNAPSHOT, NULL), 0);
	return r;
}

static json_t *check(struct repo *r, bool read_data)
{
	json_t *report = NULL;
	int code = repo_check(r, read_data, &report);
	if (code < 0)
		fail_msg("repo_check: %s", err_msg(code));
	return report;
}

static const char *hex_of(const uint8_t id[32])
{
	static char buf[4][REPO_HEX_LEN];
	static int i;
	i = (i + 1) % 4;
	repo_id_hex(id, buf[i]);
	return buf[i];
}

/* The damaged_packs entry for pack, or NULL. */
static json_t *damaged_pack(json_t *report, const uint8_t pack[32])
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(report, "damaged_packs"), i, p)
	{
		if (strcmp(json_string_value(json_object_get(p, "pack")), hex_of(pack)) == 0)
			return p;
	}
	return NULL;
}

static bool lists_blob(json_t *list, const uint8_t id[32])
{
	size_t i;
	json_t *b;
	json_array_foreach(list, i, b)
	{
		if (strcmp(json_string_value(json_object_get(b, "id")), hex_of(id)) == 0)
			return true;
	}
	return false;
}

static bool any_error_has(json_t *report, const char *needle)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(report, "errors"), i, e)
	{
		if (test_contains(json_string_value(e), needle))
			return true;
	}
	return false;
}

static void test_sound(void **state)
{
	struct repo *r = build();
	for (int rd = 0; rd < 2; rd++) {
		json_t *report = check(r, rd);
		if (!json_is_true(json_object_get(report, "ok")))
			fail_msg("not ok: %s", json_dumps(report, 0));
		assert_int_equal(json_integer_value(json_object_get(report, "packs")), 2);
		assert_int_equal(json_integer_value(json_object_get(report, "blobs")), NBLOBS);
		assert_int_equal(json_integer_value(json_object_get(report, "index_files")), 1);
		assert_int_equal(json_integer_value(json_object_get(report, "snapshots")), 1);
		assert_int_equal(json_integer_value(json_object_get(report, "keys")), 1);
		assert_int_equal(json_array_size(json_object_get(report, "warnings")), 0);
		assert_true(json_is_true(json_object_get(report, "read_data")) == (rd == 1));
		json_decref(report);
	}
	repo_close(r);
}

static void test_flipped_blob(void **state)
{
	struct repo *r = build();
	test_flip(test_pack_path(packs[1]), BLOB_LEN + REPO_BLOB_OVERHEAD + 50); /* blob 4 */
	/* the structure is sound: headers agree */
	json_t *report = check(r, false);
	assert_true(json_is_true(json_object_get(report, "ok")));
	json_decref(report);
	/* reading the data finds it */
	report = check(r, true);
	assert_false(json_is_true(json_object_get(report, "ok")));
	json_t *p = damaged_pack(report, packs[1]);
	assert_non_null(p);
	assert_int_equal(json_array_size(json_object_get(p, "blobs")), 1);
	assert_true(lists_blob(json_object_get(p, "blobs"), ids[4]));
	assert_true(lists_blob(json_object_get(report, "damaged_blobs"), ids[4]));
	assert_null(damaged_pack(report, packs[0]));
	assert_true(any_error_has(report, "contents do not match its name"));
	assert_true(any_error_has(report, hex_of(ids[4])));
	json_decref(report);
	repo_close(r);
}

static void test_flipped_header(void **state)
{
	struct repo *r = build();
	test_flip(test_pack_path(packs[0]), -30);
	for (int rd = 0; rd < 2; rd++) {
		json_t *report = check(r, rd);
		assert_false(json_is_true(json_object_get(report, "ok")));
		json_t *p = damaged_pack(report, packs[0]);
		assert_non_null(p);
		/* the header is gone: every blob the index puts there is named */
		for (int i = 0; i < 3; i++)
			assert_true(lists_blob(json_object_get(p, "blobs"), ids[i]));
		assert_int_equal(json_array_size(json_object_get(p, "blobs")), 3);
		assert_true(any_error_has(report, "header does not decrypt"));
		assert_null(damaged_pack(report, packs[1]));
		/* with the data read, the blobs themselves are fine */
		if (rd)
			assert_int_equal(json_array_size(json_object_get(report, "damaged_blobs")), 0);
		json_decref(report);
	}
	repo_close(r);
}

static void test_truncated_pack(void **state)
{
	struct repo *r = build();
	test_truncate(test_pack_path(packs[1]), 500); /* the header and part of blob 5 */
	json_t *report = check(r, true);
	assert_false(json_is_true(json_object_get(report, "ok")));
	json_t *p = damaged_pack(report, packs[1]);
	assert_non_null(p);
	for (int i = 3; i < 6; i++)
		assert_true(lists_blob(json_object_get(p, "blobs"), ids[i]));
	assert_true(lists_blob(json_object_get(report, "damaged_blobs"), ids[5]));
	assert_false(lists_blob(json_object_get(report, "damaged_blobs"), ids[3]));
	json_decref(report);
	repo_close(r);
}

static void test_missing_pack(void **state)
{
	struct repo *r = build();
	assert_int_equal(unlink(test_pack_path(packs[0])), 0);
	json_t *report = check(r, false);
	assert_false(json_is_true(json_object_get(report, "ok")));
	json_t *p = damaged_pack(report, packs[0]);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_array_get(json_object_get(p, "problems"), 0)), "it is missing");
	assert_true(lists_blob(json_object_get(p, "blobs"), ids[0]));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(p, "blobs"), 0), "type")),
			    "tree");
	assert_int_equal(json_integer_value(json_object_get(report, "packs")), 1);
	json_decref(report);
	repo_close(r);
}

static void test_header_disagrees(void **state)
{
	/* an index that lists a pack's blobs wrongly: made by hand, encrypted properly */
	struct repo *r = build();
	struct repo_pack_entry *e = NULL;
	size_t n;
	assert_int_equal(repo_pack_read_header(r, packs[0], &e, &n), 0);
	e[1].raw_len += 1;
	const struct repo_pack_entry *list[1] = {e};
	uint8_t *plain;
	size_t len;
	assert_int_equal(repo_index_encode((const uint8_t(*)[32])packs, list, &n, 1, &plain, &len), 0);
	assert_int_equal(repo_file_write_level(r, "index", plain, len, REPO_AAD_INDEX, 1, NULL), 0);
	free(plain);
	free(e);
	json_t *report = check(r, false);
	assert_false(json_is_true(json_object_get(report, "ok")));
	assert_true(any_error_has(report, "two index files list it differently"));
	json_t *p = damaged_pack(report, packs[0]);
	assert_non_null(p);
	json_decref(report);
	repo_close(r);
}

static void test_damaged_files(void **state)
{
	struct repo *r = build();
	char(*files)[REPO_HEX_LEN] = NULL, rel[100];
	size_t n;
	assert_int_equal(repo_file_list(r, "snapshots", &files, &n), 0);
	snprintf(rel, sizeof(rel), "snapshots/%s", files[0]);
	free(files);
	test_flip(test_path(rel), 20);
	assert_int_equal(repo_file_list(r, "index", &files, &n), 0);
	char irel[100];
	snprintf(irel, sizeof(irel), "index/%s", files[0]);
	free(files);
	test_truncate(test_path(irel), 1);
	json_t *report = check(r, false);
	assert_false(json_is_true(json_object_get(report, "ok")));
	json_t *dfiles = json_object_get(report, "damaged_files");
	assert_int_equal(json_array_size(dfiles), 2);
	assert_true(any_error_has(report, rel));
	assert_true(any_error_has(report, irel));
	/* with its only index file damaged, both packs are in no index */
	assert_int_equal(json_array_size(json_object_get(report, "unindexed_packs")), 2);
	json_decref(report);
	repo_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sound),	   cmocka_unit_test(test_flipped_blob),
	    cmocka_unit_test(test_flipped_header), cmocka_unit_test(test_truncated_pack),
	    cmocka_unit_test(test_missing_pack),   cmocka_unit_test(test_header_disagrees),
	    cmocka_unit_test(test_damaged_files),
	};
	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
