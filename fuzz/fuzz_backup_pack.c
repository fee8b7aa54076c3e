/*
 * fuzz_backup_pack.c: the backup pack header's decoder (repo_pack_header_decode) on
 * arbitrary plaintext, the same plaintext sealed under a fixed key at the end of a pack
 * and found again through the trailer (repo_pack_header_parse: both must agree), and
 * the raw bytes as a whole pack, and as its last bytes only.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backup/repo_internal.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct repo *fuzz_repo(void)
{
	static struct repo *r;
	if (!r) {
		uint8_t master[REPO_MASTER_LEN];
		for (size_t i = 0; i < sizeof(master); i++)
			master[i] = (uint8_t)(i * 7 + 1);
		assert(repo_new("/nonexistent", master, &r) == 0);
	}
	return r;
}

/* On success: entries in range, in order, not overlapping; on failure: outputs alone. */
static int fuzz_decode(const uint8_t *plain, size_t len, uint64_t data_len, struct repo_pack_entry **ret, size_t *ret_n)
{
	struct repo_pack_entry *e = (struct repo_pack_entry *)(uintptr_t)1;
	size_t n = 7;
	uint8_t *copy = malloc(len ? len : 1);
	assert(copy);
	memcpy(copy, plain, len);
	int r = repo_pack_header_decode(copy, len, data_len, &e, &n);
	free(copy);
	if (r < 0) {
		assert(r == -EBADMSG || r == -ENOMEM);
		assert(e == (struct repo_pack_entry *)(uintptr_t)1 && n == 7);
		*ret = NULL;
		*ret_n = 0;
		return r;
	}
	assert(n >= 1 && n <= WARD_BACKUP_PACK_BLOBS_MAX && len == 4 + n * REPO_PACK_ENTRY_LEN);
	uint64_t end = 0;
	for (size_t k = 0; k < n; k++) {
		assert(e[k].type == REPO_BLOB_DATA || e[k].type == REPO_BLOB_TREE);
		assert(e[k].stored_len >= REPO_BLOB_OVERHEAD && e[k].raw_len <= WARD_BACKUP_BLOB_MAX);
		assert(e[k].offset >= end);
		end = e[k].offset + e[k].stored_len;
		assert(end <= data_len && end <= UINT32_MAX);
	}
	*ret = e;
	*ret_n = n;
	return 0;
}

/* Parses the last tail_len bytes of pack (pack_len bytes), reading more when asked. */
static int fuzz_parse(const uint8_t *pack, size_t pack_len, size_t tail_len, struct repo_pack_entry **ret,
		      size_t *ret_n)
{
	struct repo *r = fuzz_repo();
	for (int round = 0; round < 3; round++) {
		size_t need = 0;
		uint8_t *tail = malloc(tail_len ? tail_len : 1); /* exactly sized for ASan */
		assert(tail);
		memcpy(tail, pack + pack_len - tail_len, tail_len);
		int code = repo_pack_header_parse(r, tail, tail_len, pack_len, ret, ret_n, &need);
		free(tail);
		if (code != -EAGAIN)
			return code;
		assert(need > tail_len && need <= pack_len);
		tail_len = need;
	}
	assert(!"asked for more twice");
	return -EIO;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct repo_pack_entry *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	if (size > (1 << 20))
		return 0;
	/* the decoder alone, against a few data lengths */
	static const uint64_t lens[] = {0, 4096, UINT32_MAX, UINT64_MAX};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		fuzz_decode(data, size, lens[i], &a, &na);
		free(a);
	}

	/* sealed as a real header after a data region, found through the trailer */
	size_t data_len = size >= 4 ? (size_t)(data[0] | data[1] << 8) * 16 : 0;
	size_t hlen = size + REPO_AEAD_OVERHEAD, pack_len = data_len + hlen + 4;
	uint8_t *pack = calloc(1, pack_len);
	assert(pack);
	assert(repo_aead_seal(fuzz_repo(), REPO_AAD_PACK_HEADER, strlen(REPO_AAD_PACK_HEADER), data, size, NULL, 0,
			      pack + data_len) == 0);
	repo_le32_put(pack + data_len + hlen, (uint32_t)hlen);
	int want = fuzz_decode(data, size, data_len, &a, &na);
	int got = fuzz_parse(pack, pack_len, pack_len, &b, &nb);
	if (hlen < REPO_AEAD_OVERHEAD + 4 || hlen > REPO_PACK_HEADER_MAX) {
		assert(got == -EBADMSG); /* the trailer alone rules it out */
	} else {
		assert(got == want);
		assert(na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0));
		free(b);
		b = NULL;
		/* from a short tail: asked for more, same answer */
		int again = fuzz_parse(pack, pack_len, pack_len < 16 ? pack_len : 16, &b, &nb);
		assert(again == want);
	}
	free(a);
	free(b);
	free(pack);

	/* the raw bytes as a pack: almost always refused, never a crash */
	if (size > 0) {
		if (fuzz_parse(data, size, size, &a, &na) == 0)
			free(a);
		if (fuzz_parse(data, size, size / 2 + 1, &a, &na) == 0)
			free(a);
	}
	return 0;
}
