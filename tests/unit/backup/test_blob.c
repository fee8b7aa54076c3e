/*
 * Unit tests for blobs: ids, sealing and opening with and without compression, and
 * every kind of damage failing with a message naming the blob; contexts shared by
 * threads and by two repositories on one thread.
 */
#include <pthread.h>

#include "backup_test.h"

static struct repo *repo;

static int group_setup(void **state)
{
	if (test_setup(state) < 0)
		return -1;
	repo = test_new_repo();
	return repo ? 0 : -1;
}

static int group_teardown(void **state)
{
	repo_close(repo);
	return test_teardown(state);
}

/* Seals and opens len bytes; returns the stored length. */
static size_t round_trip(const uint8_t *data, size_t len, int level, enum repo_blob_type type)
{
	uint8_t id[32], *out = malloc(REPO_BLOB_SEAL_MAX(len)), *back = NULL;
	size_t stored = 0, back_len = 0;
	assert_non_null(out);
	repo_blob_id(repo, data, len, id);
	assert_int_equal(repo_blob_seal(repo, type, id, data, len, level, out, REPO_BLOB_SEAL_MAX(len), &stored), 0);
	assert_true(stored <= REPO_BLOB_SEAL_MAX(len));
	assert_int_equal(repo_blob_open(repo, type, id, out, stored, &back, &back_len), 0);
	assert_int_equal(back_len, len);
	if (len)
		assert_memory_equal(back, data, len);
	assert_int_equal(back[len], 0); /* NUL-terminated for JSON readers */
	free(back);
	free(out);
	return stored;
}

static void test_ids(void **state)
{
	uint8_t a[32], b[32], c[32];
	repo_blob_id(repo, "hello", 5, a);
	repo_blob_id(repo, "hello", 5, b);
	repo_blob_id(repo, "hellp", 5, c);
	assert_memory_equal(a, b, 32);
	assert_memory_not_equal(a, c, 32);
	/* keyed: not the plain SHA-256, and another repository gives another id */
	crypto_sha256("hello", 5, b);
	assert_memory_not_equal(a, b, 32);
	struct repo *other = NULL;
	uint8_t master[REPO_MASTER_LEN] = {1};
	assert_int_equal(repo_new("/nonexistent", master, &other), 0);
	repo_blob_id(other, "hello", 5, b);
	assert_memory_not_equal(a, b, 32);
	/* HMAC-SHA-256 of RFC 4231 test case 2 needs a 4-byte key; check ours against
	 * libsodium's HMAC with the same 32-byte key instead */
	uint8_t want[32];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, other->keys->mac, 32);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)"hello", 5);
	crypto_auth_hmacsha256_final(&st, want);
	assert_memory_equal(b, want, 32);
	repo_close(other);
}

/* libsodium's HMAC-SHA-256 of data under the repository's id key. */
static void sodium_id(const uint8_t *data, size_t len, uint8_t out[32])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, repo->keys->mac, 32);
	crypto_auth_hmacsha256_update(&st, data, len);
	crypto_auth_hmacsha256_final(&st, out);
}

/* Ids one at a time and many at once, with the SHA extensions (repo_hmac.c) and
 * through OpenSSL, are libsodium's HMAC: every length up to five blocks (each side of
 * where the padding takes a second block) next to longer, shorter and equal ones in
 * either place, and batches of long and short ones whose lanes end at different
 * points. */
static void test_ids_both_ways(void **state)
{
	enum { BIG = 3 * 1024 * 1024 + 77, MANY = 9 };
	static const size_t lens[MANY] = {1024 * 1024, 0, 65536 + 55, 4096, BIG - 9, 63, 64, 2 * 1024 * 1024 + 1, 119};
	uint8_t *data = malloc(BIG), want[MANY][32], got[MANY][32];
	struct repo_id_job jobs[MANY];
	assert_non_null(data);
	test_fill(data, BIG, 11, false);
	if (!repo_hmac_fast())
		print_message("no SHA extensions on this CPU: only the OpenSSL path is tested\n");
	for (int fast = 0; fast < 2; fast++) {
		repo_hmac_disable(!fast);
		for (size_t n = 0; n <= 5 * 64; n++) {
			sodium_id(data, n, want[0]);
			repo_blob_id(repo, data, n, got[0]);
			assert_memory_equal(got[0], want[0], 32);
			/* Beside something longer, shorter and as long, in both places. */
			size_t other[] = {n + 64, n / 2, n};
			for (size_t k = 0; k < 3; k++) {
				const uint8_t *q = data + 1000 + k;
				sodium_id(q, other[k], want[1]);
				for (int swap = 0; swap < 2; swap++) {
					jobs[swap] = (struct repo_id_job){data, n, got[0]};
					jobs[!swap] = (struct repo_id_job){q, other[k], got[1]};
					repo_blob_ids(repo, jobs, 2);
					assert_memory_equal(got[0], want[0], 32);
					assert_memory_equal(got[1], want[1], 32);
				}
			}
		}
		/* Batches of every size up to MANY, from different offsets. */
		for (size_t n = 1; n <= MANY; n++) {
			for (size_t i = 0; i < n; i++) {
				jobs[i] = (struct repo_id_job){data + i, lens[i], got[i]};
				sodium_id(data + i, lens[i], want[i]);
			}
			memset(got, 0, sizeof(got));
			repo_blob_ids(repo, jobs, n);
			for (size_t i = 0; i < n; i++)
				assert_memory_equal(got[i], want[i], 32);
		}
		/* More than one batch of lanes (64 messages). */
		enum { LOTS = 150 };
		struct repo_id_job lots[LOTS];
		uint8_t (*lot_ids)[32] = calloc(LOTS, 32);
		assert_non_null(lot_ids);
		for (size_t i = 0; i < LOTS; i++)
			lots[i] = (struct repo_id_job){data + 7 * i, 1000 + 131 * i, lot_ids[i]};
		repo_blob_ids(repo, lots, LOTS);
		for (size_t i = 0; i < LOTS; i++) {
			sodium_id(data + 7 * i, 1000 + 131 * i, want[0]);
			assert_memory_equal(lot_ids[i], want[0], 32);
		}
		free(lot_ids);
	}
	repo_hmac_disable(false);
	free(data);
}

/* A SHA-256 stream fed in pieces of every size, some of them beside ids in the lanes
 * (repo_hmac_many_with), is OpenSSL's SHA-256 of the whole; the ids beside it are
 * libsodium's HMAC. */
static void test_sha_stream(void **state)
{
	enum { LEN = 2 * 1024 * 1024 + 333 };
	uint8_t *data = malloc(LEN), want[32], got[32], ids[3][32], want_ids[3][32];
	assert_non_null(data);
	test_fill(data, LEN, 21, false);
	if (!repo_hmac_fast()) {
		free(data);
		skip(); /* the streams need the SHA extensions */
	}
	for (int round = 0; round < 3; round++) {
		struct repo_sha_stream st;
		size_t off = 0, piece = 0;
		repo_sha_stream_init(&st);
		for (size_t k = 0; off < LEN; k++) {
			/* 0 to 200 bytes, then 1 to 200 KiB: partial blocks and whole ones. */
			piece = k % 4 == 3 ? 1024 * (1 + (k * 37 + (size_t)round) % 200) : (k * 53 + (size_t)round) % 201;
			if (piece > LEN - off)
				piece = LEN - off;
			if (k % 2 == (size_t)round % 2) {
				size_t lens[3] = {k % 5 * 1000, 70000 + k, 64};
				struct repo_id_job jobs[3];
				for (int i = 0; i < 3; i++) {
					jobs[i] = (struct repo_id_job){data + 11 * (size_t)i, lens[i], ids[i]};
					sodium_id(data + 11 * (size_t)i, lens[i], want_ids[i]);
				}
				repo_hmac_many_with(&repo->keys->hmac, jobs, 1 + k % 3, &st, data + off, piece);
				for (size_t i = 0; i < 1 + k % 3; i++)
					assert_memory_equal(ids[i], want_ids[i], 32);
			} else {
				repo_sha_stream_update(&st, data + off, piece);
			}
			off += piece;
		}
		repo_sha_stream_final(&st, got);
		crypto_sha256(data, LEN, want);
		assert_memory_equal(got, want, 32);
	}
	/* Nothing at all. */
	struct repo_sha_stream st;
	repo_sha_stream_init(&st);
	repo_sha_stream_final(&st, got);
	crypto_sha256("", 0, want);
	assert_memory_equal(got, want, 32);
	free(data);
}

static void test_round_trips(void **state)
{
	size_t len = 1 << 20;
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	test_fill(buf, len, 1, true);
	size_t packed = round_trip(buf, len, 1, REPO_BLOB_DATA);
	assert_true(packed < len / 2); /* compressed */
	assert_int_equal(round_trip(buf, len, REPO_ZSTD_OFF, REPO_BLOB_DATA), len + REPO_BLOB_OVERHEAD);
	assert_true(round_trip(buf, len, -5, REPO_BLOB_TREE) < len);
	assert_true(round_trip(buf, len, 19, REPO_BLOB_TREE) <= packed);
	test_fill(buf, len, 2, false);
	/* random data: zstd is tried and given up */
	assert_int_equal(round_trip(buf, len, 3, REPO_BLOB_DATA), len + REPO_BLOB_OVERHEAD);
	assert_int_equal(round_trip(buf, 0, 3, REPO_BLOB_DATA), REPO_BLOB_OVERHEAD);
	assert_int_equal(round_trip(buf, 1, 3, REPO_BLOB_DATA), 1 + REPO_BLOB_OVERHEAD);
	/* a little compressible: just under the 1/32 it must save */
	memset(buf, 'x', 40);
	test_fill(buf + 40, 1000, 3, false);
	assert_int_equal(round_trip(buf, 1040, 3, REPO_BLOB_DATA), 1040 + REPO_BLOB_OVERHEAD);
	free(buf);
}

static void test_seal_errors(void **state)
{
	uint8_t id[32] = {0}, out[64];
	size_t stored;
	assert_int_equal(
	    repo_blob_seal(repo, REPO_BLOB_DATA, id, "abc", 3, 1, out, 3 + REPO_BLOB_OVERHEAD - 1, &stored), -EINVAL);
	assert_int_equal(repo_blob_seal(repo, REPO_BLOB_DATA, id, "abc", 3, 99, out, sizeof(out), &stored), -EINVAL);
	assert_int_equal(repo_blob_seal(repo, (enum repo_blob_type)7, id, "abc", 3, 1, out, sizeof(out), &stored),
			 -EINVAL);
}

/* Seals data, applies damage to the stored bytes, expects -EBADMSG naming the id. */
static void expect_damage(const uint8_t *data, size_t len, int level, void (*damage)(uint8_t *, size_t *),
			  const char *why)
{
	uint8_t id[32], *out = malloc(REPO_BLOB_SEAL_MAX(len) + 16), *back = (uint8_t *)"untouched";
	size_t stored, back_len = 12345;
	char hex[REPO_HEX_LEN];
	repo_blob_id(repo, data, len, id);
	repo_id_hex(id, hex);
	assert_int_equal(
	    repo_blob_seal(repo, REPO_BLOB_DATA, id, data, len, level, out, REPO_BLOB_SEAL_MAX(len), &stored), 0);
	damage(out, &stored);
	int code = repo_blob_open(repo, REPO_BLOB_DATA, id, out, stored, &back, &back_len);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, hex);
	assert_msg_has(code, why);
	assert_string_equal((const char *)back, "untouched"); /* outputs untouched on failure */
	assert_int_equal(back_len, 12345);
	free(out);
}

static void flip_nonce(uint8_t *p, size_t *len)
{
	p[3] ^= 1;
}
static void flip_flag(uint8_t *p, size_t *len)
{
	p[REPO_NONCE_LEN] ^= 1;
}
static void flip_body(uint8_t *p, size_t *len)
{
	p[*len / 2] ^= 0x80;
}
static void flip_tag(uint8_t *p, size_t *len)
{
	p[*len - 1] ^= 1;
}
static void cut_one(uint8_t *p, size_t *len)
{
	(*len)--;
}
static void cut_all(uint8_t *p, size_t *len)
{
	*len = REPO_BLOB_OVERHEAD - 1;
}
static void add_one(uint8_t *p, size_t *len)
{
	p[(*len)++] = 0;
}

static void test_damage(void **state)
{
	size_t len = 100000;
	uint8_t *buf = malloc(len);
	test_fill(buf, len, 4, true);
	void (*damages[])(uint8_t *, size_t *) = {flip_nonce, flip_flag, flip_body, flip_tag, cut_one, add_one};
	for (size_t i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
		expect_damage(buf, len, 1, damages[i], "authentication failed");
		expect_damage(buf, len, REPO_ZSTD_OFF, damages[i], "authentication failed");
	}
	expect_damage(buf, len, 1, cut_all, "too short");

	/* another id or type: the aad differs, so it does not decrypt */
	uint8_t id[32], other[32], *out = malloc(REPO_BLOB_SEAL_MAX(len)), *back;
	size_t stored, back_len;
	repo_blob_id(repo, buf, len, id);
	memcpy(other, id, 32);
	other[31] ^= 1;
	assert_int_equal(repo_blob_seal(repo, REPO_BLOB_DATA, id, buf, len, 1, out, REPO_BLOB_SEAL_MAX(len), &stored),
			 0);
	assert_int_equal(repo_blob_open(repo, REPO_BLOB_DATA, other, out, stored, &back, &back_len), -EBADMSG);
	assert_int_equal(repo_blob_open(repo, REPO_BLOB_TREE, id, out, stored, &back, &back_len), -EBADMSG);

	/* sealed under an id that is not its content's (a bug, a hostile key holder) */
	repo_blob_id(repo, "something else", 14, other);
	char hex[REPO_HEX_LEN];
	repo_id_hex(other, hex);
	assert_int_equal(
	    repo_blob_seal(repo, REPO_BLOB_DATA, other, buf, len, 1, out, REPO_BLOB_SEAL_MAX(len), &stored), 0);
	int code = repo_blob_open(repo, REPO_BLOB_DATA, other, out, stored, &back, &back_len);
	assert_int_equal(code, -EBADMSG);
	assert_msg_has(code, "does not match its id");
	assert_msg_has(code, hex);

	/* another repository's key */
	struct repo *stranger = NULL;
	uint8_t master[REPO_MASTER_LEN] = {9};
	assert_int_equal(repo_new("/nonexistent", master, &stranger), 0);
	assert_int_equal(repo_blob_seal(repo, REPO_BLOB_DATA, id, buf, len, 1, out, REPO_BLOB_SEAL_MAX(len), &stored),
			 0);
	assert_int_equal(repo_blob_open(stranger, REPO_BLOB_DATA, id, out, stored, &back, &back_len), -EBADMSG);
	repo_close(stranger);
	free(out);
	free(buf);
}

/* A payload that authenticates but whose zstd frame lies about its size: only a key
 * holder can make one, and it must still fail cleanly. */
static void test_bad_frames(void **state)
{
	static const char aad[] = "test";
	uint8_t body[64], sealed[128], *back = NULL;
	size_t back_len;
	const char *why = NULL;
	memset(body, 0xab, sizeof(body));
	uint8_t flag = 1;
	assert_int_equal(repo_aead_seal(repo, aad, 4, &flag, 1, body, sizeof(body), sealed), 0);
	assert_int_equal(repo_payload_open(repo, aad, 4, sealed, sizeof(body) + REPO_BLOB_OVERHEAD, 1 << 20, SIZE_MAX,
					   &back, &back_len, &why),
			 -EBADMSG);
	assert_string_equal(why, "its zstd frame is malformed");
	flag = 7;
	assert_int_equal(repo_aead_seal(repo, aad, 4, &flag, 1, body, sizeof(body), sealed), 0);
	assert_int_equal(repo_payload_open(repo, aad, 4, sealed, sizeof(body) + REPO_BLOB_OVERHEAD, 1 << 20, SIZE_MAX,
					   &back, &back_len, &why),
			 -EBADMSG);
	assert_string_equal(why, "it names an unknown compression");
	/* a well-formed frame larger than allowed */
	size_t big = 1 << 20, stored;
	uint8_t *plain = calloc(1, big), *out = malloc(REPO_BLOB_SEAL_MAX(big));
	assert_int_equal(repo_payload_seal(repo, aad, 4, plain, big, 1, out, REPO_BLOB_SEAL_MAX(big), &stored), 0);
	assert_true(stored < 1000);
	assert_int_equal(repo_payload_open(repo, aad, 4, out, stored, big - 1, SIZE_MAX, &back, &back_len, &why),
			 -EBADMSG);
	assert_string_equal(why, "it is too long");
	assert_int_equal(repo_payload_open(repo, aad, 4, out, stored, big, big - 1, &back, &back_len, &why), -EBADMSG);
	assert_string_equal(why, "its length is not the one the index gives");
	assert_int_equal(repo_payload_open(repo, aad, 4, out, stored, big, big, &back, &back_len, &why), 0);
	assert_int_equal(back_len, big);
	free(back);
	free(plain);
	free(out);
}

static void *thread_work(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg;
	size_t len = 200000;
	uint8_t *buf = malloc(len), *out = malloc(REPO_BLOB_SEAL_MAX(len)), *back;
	uint8_t id[32];
	size_t stored, back_len;
	bool ok = true;
	for (int i = 0; i < 50 && ok; i++) {
		test_fill(buf, len, seed * 1000 + (uint64_t)i, i % 2);
		repo_blob_id(repo, buf, len, id);
		ok =
		    repo_blob_seal(repo, REPO_BLOB_DATA, id, buf, len, 1, out, REPO_BLOB_SEAL_MAX(len), &stored) == 0 &&
		    repo_blob_open(repo, REPO_BLOB_DATA, id, out, stored, &back, &back_len) == 0 && back_len == len &&
		    memcmp(back, buf, len) == 0;
		if (ok)
			free(back);
	}
	free(buf);
	free(out);
	return ok ? arg : NULL;
}

static void test_threads(void **state)
{
	pthread_t t[4];
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_work, (void *)(i + 1)), 0);
	for (uintptr_t i = 0; i < 4; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		assert_ptr_equal(ret, (void *)(i + 1));
	}
}

/* Two repositories in turn on one thread: the contexts are keyed again each time. */
static void test_two_repos(void **state)
{
	struct repo *other = NULL;
	uint8_t master[REPO_MASTER_LEN] = {5}, id1[32], id2[32], id1b[32], out[128], *back;
	size_t stored, back_len;
	assert_int_equal(repo_new("/nonexistent", master, &other), 0);
	repo_blob_id(repo, "x", 1, id1);
	repo_blob_id(other, "x", 1, id2);
	repo_blob_id(repo, "x", 1, id1b);
	assert_memory_equal(id1, id1b, 32);
	assert_memory_not_equal(id1, id2, 32);
	assert_int_equal(repo_blob_seal(other, REPO_BLOB_DATA, id2, "x", 1, 0, out, sizeof(out), &stored), 0);
	assert_int_equal(repo_blob_open(repo, REPO_BLOB_DATA, id2, out, stored, &back, &back_len), -EBADMSG);
	assert_int_equal(repo_blob_open(other, REPO_BLOB_DATA, id2, out, stored, &back, &back_len), 0);
	free(back);
	repo_close(other);
	/* and after the other is closed, the first still works */
	assert_int_equal(repo_blob_seal(repo, REPO_BLOB_DATA, id1, "x", 1, 0, out, sizeof(out), &stored), 0);
	assert_int_equal(repo_blob_open(repo, REPO_BLOB_DATA, id1, out, stored, &back, &back_len), 0);
	free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids),	      cmocka_unit_test(test_round_trips), cmocka_unit_test(test_seal_errors),
	    cmocka_unit_test(test_damage),    cmocka_unit_test(test_bad_frames),  cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_two_repos), cmocka_unit_test(test_ids_both_ways), cmocka_unit_test(test_sha_stream),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
