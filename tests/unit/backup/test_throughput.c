/*
 * Throughput of the blob path on 1 MiB chunks, printed, never asserted: HMAC-SHA-256
 * (ids), AES-256-GCM (seal, open), zstd -1 (compress, decompress) each on its own, then
 * the whole seal + open of a blob. WARD_BACKUP_BENCH_MIB sets the amount (default 64;
 * 1024 for the figure the docs quote); the data cycles through 8 text-like chunks
 * (zstd -1 shrinks them about 3x) and 8 random ones.
 */
#include <time.h>
#include <zstd.h>

#include "backup_test.h"
#include "core/timeutil.h"

#define CHUNK (1024 * 1024)
#define KINDS 16

static uint8_t *chunks[KINDS];
static struct repo *repo;
static size_t total_mib = 64;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int group_setup(void **state)
{
	const char *env = getenv("WARD_BACKUP_BENCH_MIB");
	int64_t mib;
	if (env && parse_int64(env, 1, 1 << 20, &mib) == 0)
		total_mib = (size_t)mib;
	uint8_t master[REPO_MASTER_LEN];
	if (crypto_init() < 0)
		return -1;
	randombytes_buf(master, sizeof(master));
	if (repo_new("/nonexistent", master, &repo) < 0)
		return -1;
	for (int i = 0; i < KINDS; i++) {
		chunks[i] = malloc(CHUNK);
		test_fill(chunks[i], CHUNK, (uint64_t)i + 1, i < KINDS / 2);
	}
	return 0;
}

static int group_teardown(void **state)
{
	for (int i = 0; i < KINDS; i++)
		free(chunks[i]);
	repo_close(repo);
	return 0;
}

static void report(const char *what, size_t bytes, double seconds)
{
	print_message("%-42s %8.0f MB/s\n", what, (double)bytes / seconds / 1e6);
}

static void test_parts(void **state)
{
	static const char aad[] = "bench";
	uint8_t id[32], *out = malloc(REPO_BLOB_SEAL_MAX(CHUNK)), *back;
	uint8_t *z = malloc(ZSTD_compressBound(CHUNK)), *plain = malloc(CHUNK);
	size_t stored, len;
	const char *why;
	size_t n = total_mib;
	print_message("blob path on %zu MiB in 1 MiB chunks (half text-like, half random):\n", n);

	double t0 = now_s();
	for (size_t i = 0; i < n; i++)
		repo_blob_id(repo, chunks[i % KINDS], CHUNK, id);
	report("HMAC-SHA-256 (blob id)", n * CHUNK, now_s() - t0);

	/* With VAES (repo_gcm.c) where the CPU has it, and through OpenSSL. */
	for (int fast = repo_gcm_fast(); fast >= 0; fast--) {
		double seal = 0, open = 0;
		repo_gcm_disable(!fast);
		for (size_t i = 0; i < n; i++) {
			double a = now_s();
			assert_int_equal(repo_payload_seal(repo, aad, 5, chunks[i % KINDS], CHUNK, REPO_ZSTD_OFF, out,
							   REPO_BLOB_SEAL_MAX(CHUNK), &stored),
					 0);
			double b = now_s();
			assert_int_equal(repo_payload_open(repo, aad, 5, out, stored, CHUNK, CHUNK, &back, &len, &why),
					 0);
			double c = now_s();
			free(back);
			seal += b - a;
			open += c - b;
		}
		report(fast ? "AES-256-GCM encrypt (VAES)" : "AES-256-GCM encrypt (OpenSSL)", n * CHUNK, seal);
		report(fast ? "AES-256-GCM decrypt (VAES)" : "AES-256-GCM decrypt (OpenSSL)", n * CHUNK, open);
	}
	repo_gcm_disable(false);

	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	double comp[2] = {0, 0}, dec = 0;
	size_t zbytes = 0, nt = 0;
	for (size_t i = 0; i < n; i++) {
		bool text = i % KINDS < KINDS / 2;
		double a = now_s();
		size_t zl = ZSTD_compressCCtx(cc, z, ZSTD_compressBound(CHUNK), chunks[i % KINDS], CHUNK, 1);
		double b = now_s();
		assert_false(ZSTD_isError(zl));
		comp[text] += b - a;
		if (text) {
			zbytes += zl;
			nt++;
			a = now_s();
			assert_int_equal(ZSTD_decompressDCtx(dc, plain, CHUNK, z, zl), CHUNK);
			dec += now_s() - a;
		}
	}
	ZSTD_freeCCtx(cc);
	ZSTD_freeDCtx(dc);
	if (nt) {
		report("zstd -1 compress, text-like", nt * CHUNK, comp[1]);
		print_message("%-42s %8.2f x\n", "  (ratio)", (double)(nt * CHUNK) / (double)zbytes);
		report("zstd -1 decompress, text-like", nt * CHUNK, dec);
	}
	if (n - nt)
		report("zstd -1 on random data (gives up)", (n - nt) * CHUNK, comp[0]);
	free(out);
	free(z);
	free(plain);
}

static void test_whole(void **state)
{
	uint8_t id[32], *out = malloc(REPO_BLOB_SEAL_MAX(CHUNK)), *back;
	size_t stored, len, n = total_mib, bytes[2] = {0, 0};
	double seal[2] = {0, 0}, open[2] = {0, 0};
	for (size_t i = 0; i < n; i++) {
		bool text = i % KINDS < KINDS / 2;
		const uint8_t *c = chunks[i % KINDS];
		double a = now_s();
		repo_blob_id(repo, c, CHUNK, id);
		assert_int_equal(
		    repo_blob_seal(repo, REPO_BLOB_DATA, id, c, CHUNK, 1, out, REPO_BLOB_SEAL_MAX(CHUNK), &stored), 0);
		double b = now_s();
		assert_int_equal(repo_blob_open(repo, REPO_BLOB_DATA, id, out, stored, &back, &len), 0);
		double e = now_s();
		free(back);
		seal[text] += b - a;
		open[text] += e - b;
		bytes[text] += CHUNK;
	}
	if (bytes[1]) {
		report("seal (id + zstd -1 + GCM), text-like", bytes[1], seal[1]);
		report("open (GCM + unzstd + id check), text-like", bytes[1], open[1]);
	}
	if (bytes[0]) {
		report("seal (id + zstd -1 + GCM), random", bytes[0], seal[0]);
		report("open (GCM + id check), random", bytes[0], open[0]);
	}
	report("seal + open, all", bytes[0] + bytes[1], seal[0] + seal[1] + open[0] + open[1]);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parts),
	    cmocka_unit_test(test_whole),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
