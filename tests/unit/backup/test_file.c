/*
 * Unit tests for the encrypted small files (snapshots): write, list, read by id or
 * prefix, remove, and damage: a flipped byte, a file re-named to match tampered bytes,
 * the wrong associated data, folders that are not for such files.
 */
#include "backup_test.h"

static void test_round_trip(void **state)
{
	struct repo *r = test_new_repo();
	const char *json = "{\"time\":\"2026-11-27T02:00:00Z\",\"tree\":\"abc\",\"paths\":[\"/etc\"]}";
	char id[REPO_HEX_LEN], got_id[REPO_HEX_LEN], *back = NULL, prefix[9];
	size_t len;
	assert_int_equal(repo_file_write(r, "snapshots", json, strlen(json), REPO_AAD_SNAPSHOT, id), 0);
	/* the name is the SHA-256 of the stored bytes */
	uint8_t *raw;
	size_t raw_len;
	assert_int_equal(repo_file_load(test_path("snapshots"), id, 1 << 20, &raw, &raw_len), 0);
	assert_null(memmem(raw, raw_len, "/etc", 4)); /* encrypted */
	free(raw);
	assert_int_equal(repo_file_read(r, "snapshots", id, REPO_AAD_SNAPSHOT, &back, &len, got_id), 0);
	assert_string_equal(back, json);
	assert_int_equal(len, strlen(json));
	assert_string_equal(got_id, id);
	free(back);
	snprintf(prefix, sizeof(prefix), "%.8s", id);
	assert_int_equal(repo_file_read(r, "snapshots", prefix, REPO_AAD_SNAPSHOT, &back, &len, got_id), 0);
	assert_string_equal(got_id, id);
	free(back);

	/* many, listed in order; a large compressible one */
	size_t big = 5 << 20;
	char *text = malloc(big);
	test_fill((uint8_t *)text, big, 3, true);
	char big_id[REPO_HEX_LEN];
	assert_int_equal(repo_file_write(r, "snapshots", text, big, REPO_AAD_SNAPSHOT, big_id), 0);
	struct stat st;
	char rel[100];
	snprintf(rel, sizeof(rel), "snapshots/%s", big_id);
	assert_int_equal(stat(test_path(rel), &st), 0);
	assert_true((size_t)st.st_size < big / 2);
	assert_int_equal(repo_file_read(r, "snapshots", big_id, REPO_AAD_SNAPSHOT, &back, &len, NULL), 0);
	assert_int_equal(len, big);
	assert_memory_equal(back, text, big);
	free(back);
	free(text);
	char(*ids)[REPO_HEX_LEN] = NULL;
	size_t n;
	assert_int_equal(repo_file_list(r, "snapshots", &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_true(strcmp(ids[0], ids[1]) < 0);
	free(ids);
	assert_int_equal(repo_file_remove(r, "snapshots", id), 0);
	assert_int_equal(repo_file_read(r, "snapshots", id, REPO_AAD_SNAPSHOT, &back, &len, NULL), -ENOENT);
	assert_int_equal(repo_file_remove(r, "snapshots", id), -ENOENT);
	repo_close(r);
}

static void test_lookup_errors(void **state)
{
	struct repo *r = test_new_repo();
	char *back;
	size_t len;
	char id[REPO_HEX_LEN];
	int code;
	char(*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0;
	for (int i = 0; i < 200; i++) {
		char text[32];
		snprintf(text, sizeof(text), "{\"n\":%d}", i);
		assert_int_equal(repo_file_write(r, "snapshots", text, strlen(text), REPO_AAD_SNAPSHOT, id), 0);
	}
	assert_int_equal(repo_file_list(r, "snapshots", &ids, &n), 0);
	assert_int_equal(n, 200);
	code = repo_file_read(r, "snapshots", "abc", REPO_AAD_SNAPSHOT, &back, &len, NULL);
	assert_int_equal(code, -EINVAL); /* too short a prefix */
	code = repo_file_read(r, "snapshots", "ABCD", REPO_AAD_SNAPSHOT, &back, &len, NULL);
	assert_int_equal(code, -EINVAL);
	code = repo_file_read(r, "snapshots", "../config", REPO_AAD_SNAPSHOT, &back, &len, NULL);
	assert_int_equal(code, -EINVAL);
	/* an absent prefix */
	char absent[5] = "0000";
	for (int v = 0; v < 65536; v++) {
		snprintf(absent, sizeof(absent), "%04x", v);
		bool used = false;
		for (size_t i = 0; i < n && !used; i++)
			used = strncmp(ids[i], absent, 4) == 0;
		if (!used)
			break;
	}
	code = repo_file_read(r, "snapshots", absent, REPO_AAD_SNAPSHOT, &back, &len, NULL);
	assert_int_equal(code, -ENOENT);
	/* an ambiguous prefix: plant a name that shares 63 digits with a real one */
	char path[1024], twin[REPO_HEX_LEN], amb[64];
	memcpy(twin, ids[0], sizeof(twin));
	twin[63] = twin[63] == '0' ? '1' : '0';
	snprintf(path, sizeof(path), "%s/snapshots/%s", test_repo, twin);
	FILE *f = fopen(path, "w");
	fputs("x", f);
	fclose(f);
	snprintf(amb, sizeof(amb), "%.63s", ids[0]);
	code = repo_file_read(r, "snapshots", amb, REPO_AAD_SNAPSHOT, &back, &len, NULL);
	assert_int_equal(code, -EINVAL);
	assert_msg_has(code, "ambiguous");
	unlink(path);
	free(ids);
	/* folders that are not for encrypted files */
	assert_int_equal(repo_file_write(r, "keys", "x", 1, "a", id), -EINVAL);
	assert_int_equal(repo_file_write(r, "../etc", "x", 1, "a", id), -EINVAL);
	assert_int_equal(repo_file_list(r, "data", &ids, &n), -EINVAL);
	assert_int_equal(repo_file_remove(r, "snapshots", "nothex"), -EINVAL);
	repo_close(r);
}

static void test_damage(void **state)
{
	struct repo *r = test_new_repo();
	const char *json = "{\"tree\":\"abc\"}";
	char id[REPO_HEX_LEN], rel[100], *back = NULL;
	size_t len = 99;
	assert_int_equal(repo_file_write(r, "snapshots", json, strlen(json), REPO_AAD_SNAPSHOT, id), 0);
	/* another aad: an index file is not a snapshot */
	int code = repo_file_read(r, "snapshots", id, REPO_AAD_INDEX, &back, &len, NULL);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, id);
	assert_null(back);
	assert_int_equal(len, 99);
	/* a flipped byte: the name no longer matches */
	snprintf(rel, sizeof(rel), "snapshots/%s", id);
	test_flip(test_path(rel), 15);
	code = repo_file_read(r, "snapshots", id, REPO_AAD_SNAPSHOT, &back, &len, NULL);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, id);
	assert_msg_has(code, "do not match its name");
	/* tampered and renamed to match: the tag catches it */
	uint8_t *raw;
	size_t raw_len;
	FILE *f = fopen(test_path(rel), "rb");
	raw = malloc(4096);
	raw_len = fread(raw, 1, 4096, f);
	fclose(f);
	uint8_t digest[32];
	char new_id[REPO_HEX_LEN], path[1024];
	crypto_sha256(raw, raw_len, digest);
	repo_id_hex(digest, new_id);
	snprintf(path, sizeof(path), "%s/snapshots/%s", test_repo, new_id);
	f = fopen(path, "wb");
	fwrite(raw, 1, raw_len, f);
	fclose(f);
	free(raw);
	code = repo_file_read(r, "snapshots", new_id, REPO_AAD_SNAPSHOT, &back, &len, NULL);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, new_id);
	assert_msg_has(code, "authentication failed");
	repo_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_lookup_errors),
	    cmocka_unit_test(test_damage),
	};
	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
