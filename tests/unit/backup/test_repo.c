/*
 * Unit tests for the backup repository's life: init, open, wrong passwords, the
 * config, and keys (add, list, remove rules, passwd).
 */
#include "backup_test.h"

static void test_init_open(void **state)
{
	struct repo *r = test_new_repo(), *again = NULL;
	char id[REPO_HEX_LEN];
	memcpy(id, repo_config(r)->id, sizeof(id));
	assert_int_equal(strlen(id), 64);
	assert_int_equal(repo_config(r)->version, 1);
	assert_int_equal(repo_config(r)->chunk_avg, 1024 * 1024);
	assert_int_equal(repo_config(r)->chunk_norm, 0);
	assert_int_equal(strlen(repo_key_current(r)), 64);
	assert_string_equal(repo_path(r), test_repo);
	const char *dirs[] = {"keys", "data", "data/00", "data/ff", "index", "snapshots", "locks"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct stat st;
		assert_int_equal(stat(test_path(dirs[i]), &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0700);
	}
	uint8_t ck[32];
	memcpy(ck, repo_chunker_key(r), 32);
	repo_close(r);

	assert_int_equal(repo_open(test_repo, TEST_PASSWORD, &again), 0);
	assert_string_equal(repo_config(again)->id, id);
	assert_int_equal(repo_config(again)->chunk_norm, 0); /* written by init, read back */
	assert_memory_equal(repo_chunker_key(again), ck, 32);
	repo_close(again);
	repo_close(NULL);
}

static void test_open_errors(void **state)
{
	struct repo *r = NULL;
	char path[512];
	int code;

	snprintf(path, sizeof(path), "%s/nothing-here", test_dir);
	code = repo_open(path, TEST_PASSWORD, &r);
	assert_int_equal(code, -ENOENT);
	assert_msg_has(code, "no repository");
	assert_null(r);

	snprintf(path, sizeof(path), "%s/plain-folder", test_dir);
	assert_int_equal(mkdir(path, 0700), 0);
	code = repo_open(path, TEST_PASSWORD, &r);
	assert_int_equal(code, -ENOENT);
	assert_msg_has(code, "not a repository");

	/* init refuses a folder that holds anything, and a repository above all */
	char file[600];
	snprintf(file, sizeof(file), "%s/x", path);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	code = repo_init(path, TEST_PASSWORD, &r);
	assert_int_equal(code, -EEXIST);
	assert_msg_has(code, "not empty");
	repo_close(test_new_repo());
	code = repo_init(test_repo, TEST_PASSWORD, &r);
	assert_int_equal(code, -EEXIST);
	assert_msg_has(code, "already a repository");

	code = repo_open(test_repo, "not the password", &r);
	assert_int_equal(code, -EACCES);
	assert_msg_has(code, "wrong password");
	assert_null(r);
	assert_int_equal(repo_open(test_repo, "", &r), -EINVAL);
	assert_int_equal(repo_init(path, "", &r), -EINVAL);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_config(void **state)
{
	struct repo *r = NULL;
	repo_close(test_new_repo());
	write_text(test_path("config"), "{\"version\": 2, \"id\": \"x\"}");
	int code = repo_open(test_repo, TEST_PASSWORD, &r);
	assert_int_equal(code, -ENOTSUP);
	assert_msg_has(code, "format version 2");
	write_text(test_path("config"), "{\"version\": 1, \"id\": \"x\"");
	code = repo_open(test_repo, TEST_PASSWORD, &r);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, "config");
	write_text(test_path("config"),
		   "{\"version\": 1, \"id\": \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\", "
		   "\"chunker\": {\"min\": 4096, \"avg\": 100000, \"max\": 200000}}");
	code = repo_open(test_repo, TEST_PASSWORD, &r);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, "power of two");
	write_text(test_path("config"),
		   "{\"version\": 1, \"id\": \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\", "
		   "\"chunker\": {\"min\": 4096, \"avg\": 65536, \"max\": 200000}}");
	assert_int_equal(repo_open(test_repo, TEST_PASSWORD, &r), 0);
	assert_int_equal(repo_config(r)->chunk_max, 200000);
	assert_int_equal(repo_config(r)->chunk_norm, 2); /* made before "norm": FastCDC's level 2 */
	repo_close(r);
	write_text(test_path("config"),
		   "{\"version\": 1, \"id\": \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\", "
		   "\"chunker\": {\"min\": 4096, \"avg\": 65536, \"max\": 200000, \"norm\": 1}}");
	assert_int_equal(repo_open(test_repo, TEST_PASSWORD, &r), 0);
	assert_int_equal(repo_config(r)->chunk_norm, 1);
	repo_close(r);
	write_text(test_path("config"),
		   "{\"version\": 1, \"id\": \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\", "
		   "\"chunker\": {\"min\": 4096, \"avg\": 65536, \"max\": 200000, \"norm\": 9}}");
	code = repo_open(test_repo, TEST_PASSWORD, &r);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, "norm");
}

static void test_kdf_env(void **state)
{
	struct repo *r = NULL;
	test_rm_rf(test_repo);
	setenv("WARD_BACKUP_KDF", "1", 1);
	assert_int_equal(repo_init(test_repo, TEST_PASSWORD, &r), -EINVAL);
	setenv("WARD_BACKUP_KDF", "0:8192", 1);
	assert_int_equal(repo_init(test_repo, TEST_PASSWORD, &r), -EINVAL);
	setenv("WARD_BACKUP_KDF", "2:100", 1);
	assert_int_equal(repo_init(test_repo, TEST_PASSWORD, &r), -EINVAL);
	setenv("WARD_BACKUP_KDF", "2:65536", 1);
	test_rm_rf(test_repo);
	assert_int_equal(repo_init(test_repo, TEST_PASSWORD, &r), 0);
	json_t *keys = NULL;
	assert_int_equal(repo_key_list(r, &keys), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(keys, 0), "opslimit")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(keys, 0), "memlimit")), 65536);
	json_decref(keys);
	repo_close(r);
	setenv("WARD_BACKUP_KDF", "1:8192", 1);
}

static void test_keys(void **state)
{
	struct repo *r = test_new_repo(), *a = NULL, *b = NULL;
	char first[REPO_HEX_LEN], second[REPO_HEX_LEN], third[REPO_HEX_LEN];
	json_t *keys = NULL;
	memcpy(first, repo_key_current(r), sizeof(first));
	assert_int_equal(repo_key_add(r, "second password", second), 0);
	assert_int_equal(repo_key_add(r, "third password", third), 0);
	assert_int_equal(repo_key_add(r, "", NULL), -EINVAL);
	assert_int_equal(repo_key_list(r, &keys), 0);
	assert_int_equal(json_array_size(keys), 3);
	size_t i, current = 0;
	json_t *k;
	json_array_foreach(keys, i, k)
	{
		current += json_is_true(json_object_get(k, "current"));
		if (json_is_true(json_object_get(k, "current")))
			assert_string_equal(json_string_value(json_object_get(k, "id")), first);
		assert_non_null(json_string_value(json_object_get(k, "created")));
		assert_non_null(json_string_value(json_object_get(k, "host")));
	}
	assert_int_equal(current, 1);
	json_decref(keys);
	repo_close(r);

	/* every password opens the same repository, each through its own key */
	assert_int_equal(repo_open(test_repo, "second password", &a), 0);
	assert_string_equal(repo_key_current(a), second);
	assert_int_equal(repo_open(test_repo, "third password", &b), 0);
	assert_string_equal(repo_key_current(b), third);
	assert_string_equal(repo_config(a)->id, repo_config(b)->id);
	assert_memory_equal(repo_chunker_key(a), repo_chunker_key(b), 32);
	uint8_t ida[32], idb[32];
	repo_blob_id(a, "same", 4, ida);
	repo_blob_id(b, "same", 4, idb);
	assert_memory_equal(ida, idb, 32);

	/* remove: not the one in use, by unique prefix, not ambiguous or unknown */
	int code = repo_key_remove(a, second);
	assert_int_equal(code, -EPERM);
	assert_msg_has(code, "in use");
	assert_int_equal(repo_key_remove(a, "zz"), -EINVAL);
	assert_int_equal(repo_key_remove(a, "000000000000"), -ENOENT); /* 3 random ids: 2^-46 to clash */
	char prefix[9];
	snprintf(prefix, sizeof(prefix), "%.8s", first);
	assert_int_equal(repo_key_remove(a, prefix), 0);
	assert_int_equal(repo_open(test_repo, TEST_PASSWORD, &r), -EACCES);

	/* the last key: once b removed a's key, a may not remove b's, the only one left */
	assert_int_equal(repo_key_remove(b, second), 0);
	code = repo_key_remove(a, third);
	assert_int_equal(code, -EPERM);
	assert_msg_has(code, "last key");
	repo_close(a);
	repo_close(b);
}

static void test_passwd(void **state)
{
	struct repo *r = test_new_repo(), *again = NULL;
	char old[REPO_HEX_LEN], id[REPO_HEX_LEN];
	memcpy(old, repo_key_current(r), sizeof(old));
	assert_int_equal(repo_key_passwd(r, "a new password", id), 0);
	assert_string_equal(repo_key_current(r), id);
	assert_string_not_equal(id, old);
	json_t *keys = NULL;
	assert_int_equal(repo_key_list(r, &keys), 0);
	assert_int_equal(json_array_size(keys), 1);
	json_decref(keys);
	repo_close(r);
	assert_int_equal(repo_open(test_repo, TEST_PASSWORD, &again), -EACCES);
	assert_int_equal(repo_open(test_repo, "a new password", &again), 0);
	repo_close(again);
}

static void test_damaged_keys(void **state)
{
	struct repo *r = test_new_repo(), *again = NULL;
	char first[REPO_HEX_LEN], rel[128];
	memcpy(first, repo_key_current(r), sizeof(first));
	assert_int_equal(repo_key_add(r, "spare password", NULL), 0);
	repo_close(r);
	snprintf(rel, sizeof(rel), "keys/%s", first);
	test_flip(test_path(rel), 40);
	/* the damaged key is skipped: its password no longer opens, the other still does */
	assert_int_equal(repo_open(test_repo, TEST_PASSWORD, &again), -EACCES);
	assert_int_equal(repo_open(test_repo, "spare password", &again), 0);
	json_t *report = NULL;
	assert_int_equal(repo_check(again, false, &report), 0);
	assert_false(json_is_true(json_object_get(report, "ok")));
	assert_true(test_contains(
	    json_string_value(json_object_get(json_array_get(json_object_get(report, "damaged_files"), 0), "file")),
	    first));
	json_decref(report);
	repo_close(again);

	/* a key file asking for absurd argon2id memory is refused before hashing */
	r = test_new_repo();
	memcpy(first, repo_key_current(r), sizeof(first));
	repo_close(r);
	snprintf(rel, sizeof(rel), "keys/%s", first);
	char *text = NULL;
	size_t len;
	assert_int_equal(repo_file_load(test_path("keys"), first, 4096, (uint8_t **)&text, &len), 0);
	char *mem = strstr(text, "\"memlimit\":8192");
	assert_non_null(mem);
	char changed[4096];
	snprintf(changed, sizeof(changed), "%.*s\"memlimit\":999999999999999%s", (int)(mem - text), text,
		 mem + strlen("\"memlimit\":8192"));
	free(text);
	uint8_t digest[32];
	char hex[REPO_HEX_LEN], path[1024];
	crypto_sha256(changed, strlen(changed), digest);
	repo_id_hex(digest, hex);
	unlink(test_path(rel));
	snprintf(path, sizeof(path), "%s/keys/%s", test_repo, hex);
	write_text(path, changed);
	int code = repo_open(test_repo, TEST_PASSWORD, &again);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, "out of bounds");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_open),	 cmocka_unit_test(test_open_errors), cmocka_unit_test(test_config),
	    cmocka_unit_test(test_kdf_env),	 cmocka_unit_test(test_keys),	     cmocka_unit_test(test_passwd),
	    cmocka_unit_test(test_damaged_keys),
	};
	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
