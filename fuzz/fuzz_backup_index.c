/*
 * fuzz_backup_index.c: the backup index file's decoder (repo_index_decode) on arbitrary
 * plaintext (what decodes must encode back to the same bytes), and the sealed-payload
 * opener every index, snapshot and blob goes through (repo_payload_open) on the input
 * sealed under a fixed key as stored, as zstd-flagged (hostile frames after a valid
 * tag), and raw.
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
			master[i] = (uint8_t)(i * 11 + 3);
		assert(repo_new("/nonexistent", master, &r) == 0);
	}
	return r;
}

/* Every pack the decoder reports, copied, to encode again. */
struct seen {
	uint8_t (*packs)[REPO_ID_LEN];
	struct repo_pack_entry **entries;
	size_t *counts;
	size_t n;
};

static int collect(void *ctx, const uint8_t pack[REPO_ID_LEN], const struct repo_pack_entry *e, size_t n)
{
	struct seen *s = ctx;
	assert(n >= 1 && n <= WARD_BACKUP_PACK_BLOBS_MAX);
	for (size_t k = 0; k < n; k++) {
		assert(e[k].type == REPO_BLOB_DATA || e[k].type == REPO_BLOB_TREE);
		assert(e[k].stored_len >= REPO_BLOB_OVERHEAD && e[k].stored_len - REPO_BLOB_OVERHEAD <= e[k].raw_len);
		assert(e[k].raw_len <= WARD_BACKUP_BLOB_MAX && e[k].offset + e[k].stored_len <= UINT32_MAX);
	}
	s->packs = realloc(s->packs, (s->n + 1) * sizeof(*s->packs));
	s->entries = realloc(s->entries, (s->n + 1) * sizeof(*s->entries));
	s->counts = realloc(s->counts, (s->n + 1) * sizeof(*s->counts));
	assert(s->packs && s->entries && s->counts);
	memcpy(s->packs[s->n], pack, REPO_ID_LEN);
	s->entries[s->n] = malloc(n * sizeof(*e));
	assert(s->entries[s->n]);
	memcpy(s->entries[s->n], e, n * sizeof(*e));
	s->counts[s->n++] = n;
	return 0;
}

static void fuzz_decode(const uint8_t *data, size_t size)
{
	struct seen s = {0};
	uint8_t *copy = malloc(size ? size : 1);
	assert(copy);
	memcpy(copy, data, size);
	int r = repo_index_decode(copy, size, collect, &s);
	if (r == 0) {
		uint8_t *again = NULL;
		size_t len = 0;
		assert(repo_index_encode((const uint8_t(*)[REPO_ID_LEN])s.packs,
					 (const struct repo_pack_entry *const *)s.entries, s.counts, s.n, &again,
					 &len) == 0);
		assert(len == size && memcmp(again, data, size) == 0);
		free(again);
	} else {
		assert(r == -EBADMSG || r == -ENOMEM);
	}
	for (size_t i = 0; i < s.n; i++)
		free(s.entries[i]);
	free(s.packs);
	free(s.entries);
	free(s.counts);
	free(copy);
}

/* Opens sealed bytes; on success the plaintext is within max and NUL-terminated. */
static int fuzz_open(const uint8_t *sealed, size_t len, size_t max, uint8_t **ret, size_t *ret_len)
{
	static const char aad[] = REPO_AAD_INDEX;
	const char *why = NULL;
	uint8_t *copy = malloc(len ? len : 1), *out = (uint8_t *)(uintptr_t)1;
	size_t out_len = 3;
	assert(copy);
	memcpy(copy, sealed, len);
	int r = repo_payload_open(fuzz_repo(), aad, sizeof(aad) - 1, copy, len, max, SIZE_MAX, &out, &out_len, &why);
	free(copy);
	if (r < 0) {
		assert((r == -EBADMSG && why && *why) || r == -ENOMEM);
		assert(out == (uint8_t *)(uintptr_t)1 && out_len == 3);
		return r;
	}
	assert(out_len <= max && out[out_len] == 0);
	*ret = out;
	*ret_len = out_len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char aad[] = REPO_AAD_INDEX;
	struct repo *r = fuzz_repo();
	uint8_t *plain;
	size_t len;
	if (size > (1 << 20))
		return 0;
	fuzz_decode(data, size);

	/* stored the way index files are: opens to the input again */
	uint8_t *sealed = malloc(size + REPO_BLOB_OVERHEAD);
	size_t sealed_len;
	assert(sealed);
	int level = size ? (data[0] % 5) - 1 : 1;
	assert(repo_payload_seal(r, aad, sizeof(aad) - 1, data, size, level, sealed, size + REPO_BLOB_OVERHEAD,
				 &sealed_len) == 0);
	assert(fuzz_open(sealed, sealed_len, size, &plain, &len) == 0);
	assert(len == size && memcmp(plain, data, size) == 0);
	free(plain);
	if (size > 0) /* one byte too small a limit */
		assert(fuzz_open(sealed, sealed_len, size - 1, &plain, &len) == -EBADMSG);

	/* flagged as zstd but the input as the frame: a key holder's hostile payload */
	uint8_t flag = 1;
	assert(repo_aead_seal(r, aad, sizeof(aad) - 1, &flag, 1, data, size, sealed) == 0);
	if (fuzz_open(sealed, size + REPO_BLOB_OVERHEAD, 1 << 20, &plain, &len) == 0)
		free(plain);
	free(sealed);

	/* the raw bytes: the tag never verifies */
	assert(fuzz_open(data, size, 1 << 20, &plain, &len) < 0);
	return 0;
}
