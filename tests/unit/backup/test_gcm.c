/*
 * Unit tests for AES-256-GCM with VAES (repo_gcm.c) against OpenSSL's: the same
 * ciphertext and tag for every length up to a few blocks past a piece, split in two
 * anywhere, in place or not, with any additional data; each opens what the other
 * sealed; any flipped bit of the ciphertext, tag, nonce or additional data fails.
 */
#include <openssl/evp.h>

#include "backup_test.h"

/* OpenSSL's AES-256-GCM of len bytes at p with aad: ct then the tag. */
static void openssl_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
			 const uint8_t *p, size_t len, uint8_t *ct)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n;
	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce), 1);
	if (aad_len)
		assert_int_equal(EVP_EncryptUpdate(c, NULL, &n, aad, (int)aad_len), 1);
	if (len) {
		assert_int_equal(EVP_EncryptUpdate(c, ct, &n, p, (int)len), 1);
		assert_int_equal((size_t)n, len);
	}
	assert_int_equal(EVP_EncryptFinal_ex(c, ct + len, &n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, ct + len), 1);
	EVP_CIPHER_CTX_free(c);
}

/* One case: len bytes split at n1, aad_len bytes of additional data. */
static void one_case(const struct repo_gcm_key *k, const uint8_t key[32], const uint8_t *data, size_t len, size_t n1,
		     size_t aad_len, uint64_t seed)
{
	uint8_t nonce[12], aad[80], *want = malloc(len + 16), *got = malloc(len + 16), *out = malloc(len + 1);
	assert_true(want && got && out && aad_len <= sizeof(aad));
	test_fill(nonce, sizeof(nonce), seed, false);
	test_fill(aad, sizeof(aad), seed + 1, false);
	openssl_seal(key, nonce, aad, aad_len, data, len, want);

	/* Sealed from two pieces, and in place (the second piece where its ciphertext goes). */
	repo_gcm_seal(k, nonce, aad, aad_len, data, n1, data + n1, len - n1, got);
	assert_memory_equal(got, want, len + 16);
	memcpy(got + n1, data + n1, len - n1);
	repo_gcm_seal(k, nonce, aad, aad_len, data, n1, got + n1, len - n1, got);
	assert_memory_equal(got, want, len + 16);

	/* Opened into two places, and in place. */
	uint8_t head[64];
	size_t h = n1 < sizeof(head) ? n1 : sizeof(head);
	memset(out, 0, len + 1);
	assert_int_equal(repo_gcm_open(k, nonce, aad, aad_len, want, len, want + len, head, h, out), 0);
	if (h)
		assert_memory_equal(head, data, h);
	if (len > h)
		assert_memory_equal(out, data + h, len - h);
	memcpy(got, want, len + 16);
	assert_int_equal(repo_gcm_open(k, nonce, aad, aad_len, got, len, want + len, head, h, got + h), 0);
	if (len > h)
		assert_memory_equal(got + h, data + h, len - h);
	if (len)
		assert_int_equal(repo_gcm_first(k, nonce, want[0]), data[0]);

	/* Any flipped bit fails: in the ciphertext, the tag, the nonce or the aad. */
	size_t where = (size_t)(seed * 7919) % (len + 16);
	want[where] ^= (uint8_t)(1u << (seed % 8));
	assert_int_equal(repo_gcm_open(k, nonce, aad, aad_len, want, len, want + len, head, h, out), -EBADMSG);
	want[where] ^= (uint8_t)(1u << (seed % 8));
	nonce[seed % 12] ^= 0x80;
	assert_int_equal(repo_gcm_open(k, nonce, aad, aad_len, want, len, want + len, head, h, out), -EBADMSG);
	nonce[seed % 12] ^= 0x80;
	if (aad_len) {
		aad[seed % aad_len] ^= 1;
		assert_int_equal(repo_gcm_open(k, nonce, aad, aad_len, want, len, want + len, head, h, out), -EBADMSG);
		aad[seed % aad_len] ^= 1;
	}
	assert_int_equal(repo_gcm_open(k, nonce, aad, aad_len, want, len, want + len, head, h, out), 0);
	free(want);
	free(got);
	free(out);
}

static void test_against_openssl(void **state)
{
	(void)state;
	enum { BIG = 1024 * 1024 + 77 };
	uint8_t key[32], *data = malloc(BIG);
	struct repo_gcm_key k;
	assert_non_null(data);
	if (!repo_gcm_fast()) {
		print_message("no VAES on this CPU: repo_gcm.c is not used here\n");
		free(data);
		skip();
	}
	test_fill(data, BIG, 3, false);
	for (uint64_t seed = 1; seed <= 3; seed++) {
		test_fill(key, sizeof(key), seed * 101, false);
		repo_gcm_prepare(key, &k);
		/* Every length to a few 8-block groups, with every split of the first bytes. */
		for (size_t len = 0; len <= 300; len++)
			one_case(&k, key, data, len, len % 19 < len ? len % 19 : len, len % 41, seed + len);
		/* Around the pieces the message is hashed in, and large. */
		static const size_t lens[] = {4095,  4096,	  4097,		 16383,	     16384,
					      16385, 16384 + 129, 3 * 16384 + 1, 65536 + 17, BIG};
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			static const size_t splits[] = {0, 1, 15, 16, 17, 127, 128, 129, 16383, 16384, 16385};
			for (size_t j = 0; j < sizeof(splits) / sizeof(splits[0]); j++)
				if (splits[j] <= lens[i])
					one_case(&k, key, data, lens[i], splits[j], (i + j) % 70, seed * 13 + i + j);
			one_case(&k, key, data, lens[i], lens[i], 33, seed + i);
		}
	}
	free(data);
}

/* Through a repository: what one path seals the other opens, both ways. */
static void test_repo_both_ways(void **state)
{
	(void)state;
	if (!repo_gcm_fast())
		skip();
	struct repo *r = test_new_repo();
	assert_non_null(r);
	enum { N = 70000 };
	uint8_t *data = malloc(N), *sealed = malloc(N + REPO_BLOB_OVERHEAD), *back = malloc(N + 1), id[32];
	assert_true(data && sealed && back);
	test_fill(data, N, 9, true);
	for (int fast = 0; fast < 2; fast++)
		for (size_t len = 0; len < N; len = len * 3 + 1) {
			uint8_t comp = 0;
			repo_gcm_disable(!fast);
			assert_int_equal(repo_aead_seal(r, "aad", 3, &comp, 1, data, len, sealed), 0);
			repo_gcm_disable(fast);
			assert_int_equal(
			    repo_aead_open(r, "aad", 3, sealed, len + 1 + REPO_AEAD_OVERHEAD, &comp, 1, back), 0);
			assert_memory_equal(back, data, len);
			assert_int_equal(
			    repo_aead_open(r, "aae", 3, sealed, len + 1 + REPO_AEAD_OVERHEAD, &comp, 1, back),
			    -EBADMSG);
			/* Blobs: compressed or not, opened straight into place. */
			repo_gcm_disable(!fast);
			size_t stored;
			repo_blob_id(r, data, len, id);
			assert_int_equal(repo_blob_seal(r, REPO_BLOB_DATA, id, data, len, len % 2 ? 3 : REPO_ZSTD_OFF,
							sealed, N + REPO_BLOB_OVERHEAD, &stored),
					 0);
			repo_gcm_disable(fast);
			uint8_t *plain = NULL;
			size_t plain_len = 0;
			assert_int_equal(repo_blob_open(r, REPO_BLOB_DATA, id, sealed, stored, &plain, &plain_len), 0);
			assert_int_equal(plain_len, len);
			assert_memory_equal(plain, data, len);
			free(plain);
		}
	repo_gcm_disable(false);
	free(data);
	free(sealed);
	free(back);
	repo_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_against_openssl),
	    cmocka_unit_test(test_repo_both_ways),
	};
	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
