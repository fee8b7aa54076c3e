/*
 * Unit tests for the pack reader (repo_reader_*): blobs from more packs than it keeps
 * open come back as repo_blob_read gives them, compressed or not; damage and a
 * missing pack fail as they do there, naming the blob. repo_reader_read_to gives the
 * same bytes straight into the caller's buffer, small blobs and large ones (read around
 * the page cache), and finds damage and a short pack in either; or leaves the id check
 * to repo_reader_check, which checks two at once and still finds a forged blob. repo_reader_willneed
 * brings the small blobs' stretches of a pack into the page cache and not the large
 * blobs between them, and a hinted reader reads them as any other.
 */
#include <sys/mman.h>

#include "backup_test.h"

#define NPACKS (WARD_BACKUP_READER_PACKS + 8)
#define PER_PACK 3
#define LEN 5000

static struct repo *repo;
static uint8_t ids[NPACKS * PER_PACK][REPO_ID_LEN];
static uint8_t packs[NPACKS][REPO_ID_LEN];

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

static void blob_bytes(size_t i, uint8_t *buf)
{
	test_fill(buf, LEN, i + 1, i % 2 == 0); /* text (compressed) and random (stored) */
}

static void fill_repo(void)
{
	uint8_t buf[LEN];
	struct repo_pack_writer *w = NULL;
	assert_int_equal(repo_pack_writer_new(repo, &w), 0);
	for (size_t p = 0; p < NPACKS; p++) {
		for (size_t k = 0; k < PER_PACK; k++) {
			size_t i = p * PER_PACK + k;
			bool fresh;
			blob_bytes(i, buf);
			assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, buf, LEN, 3, ids[i], &fresh), 0);
			assert_true(fresh);
		}
		assert_int_equal(repo_pack_writer_finish(w, packs[p]), 0);
	}
	repo_pack_writer_free(w);
	assert_int_equal(repo_index_flush(repo), 0);
}

static void test_read_many_packs(void **state)
{
	struct repo_reader *rd = NULL;
	uint8_t want[LEN];
	fill_repo();
	assert_int_equal(repo_reader_new(repo, &rd), 0);
	/* Twice over, the second time backwards: every pack is evicted and opened again. */
	for (int round = 0; round < 2; round++)
		for (size_t n = 0; n < NPACKS * PER_PACK; n++) {
			size_t i = round ? NPACKS * PER_PACK - 1 - n : (n * 7) % (NPACKS * PER_PACK);
			const uint8_t *got;
			size_t len;
			int code = repo_reader_read(rd, REPO_BLOB_DATA, ids[i], &got, &len);
			if (code < 0)
				fail_msg("repo_reader_read: %s", err_msg(code));
			blob_bytes(i, want);
			assert_int_equal(len, LEN);
			assert_memory_equal(got, want, LEN);
		}
	/* The wrong type is not found. */
	const uint8_t *got;
	size_t len;
	assert_int_equal(repo_reader_read(rd, REPO_BLOB_TREE, ids[0], &got, &len), -ENOENT);
	repo_reader_free(rd);
	repo_reader_free(NULL);
}

static void test_damage(void **state)
{
	struct repo_reader *rd = NULL;
	const uint8_t *got;
	size_t len;
	assert_int_equal(repo_reader_new(repo, &rd), 0);
	/* A flipped byte in the first blob of pack 1 (a fresh descriptor: not cached yet). */
	test_flip(test_pack_path(packs[1]), 20);
	assert_int_equal(repo_reader_read(rd, REPO_BLOB_DATA, ids[1 * PER_PACK], &got, &len), -EBADMSG);
	char hex[REPO_HEX_LEN];
	repo_id_hex(ids[1 * PER_PACK], hex);
	assert_non_null(strstr(err_msg(-EBADMSG), hex));
	assert_non_null(strstr(err_msg(-EBADMSG), "damaged"));
	/* The next blob of the same pack still reads. */
	assert_int_equal(repo_reader_read(rd, REPO_BLOB_DATA, ids[1 * PER_PACK + 1], &got, &len), 0);
	/* A missing pack. */
	assert_int_equal(unlink(test_pack_path(packs[2])), 0);
	assert_int_equal(repo_reader_read(rd, REPO_BLOB_DATA, ids[2 * PER_PACK], &got, &len), -ENOENT);
	assert_non_null(strstr(err_msg(-ENOENT), "missing"));
	repo_reader_free(rd);
}

#define BIG (2 * 1024 * 1024)

static void test_read_to(void **state)
{
	/* Small and large blobs, compressed (text) and stored as they are (random). */
	static const size_t lens[] = {LEN, BIG, 300 * 1024, BIG + 4097};
	enum { N = sizeof(lens) / sizeof(lens[0]) };
	uint8_t id[N][REPO_ID_LEN], pack[REPO_ID_LEN], *want = malloc(BIG + 4097), *dst = malloc(BIG + 4097);
	struct repo_pack_writer *w = NULL;
	struct repo_reader *rd = NULL;
	struct repo_blob_location loc;
	size_t len;
	assert_non_null(want);
	assert_non_null(dst);
	assert_int_equal(repo_pack_writer_new(repo, &w), 0);
	for (size_t i = 0; i < N; i++) {
		test_fill(want, lens[i], 100 + i, i % 2 == 1);
		assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, want, lens[i], 3, id[i], NULL), 0);
	}
	assert_int_equal(repo_pack_writer_finish(w, pack), 0);
	repo_pack_writer_free(w);
	assert_int_equal(repo_index_flush(repo), 0);
	assert_int_equal(repo_reader_new(repo, &rd), 0);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < N; i++) {
			test_fill(want, lens[i], 100 + i, i % 2 == 1);
			memset(dst, 0xee, lens[i]);
			int code = repo_reader_read_to(rd, REPO_BLOB_DATA, id[i], dst, BIG + 4097, &len, NULL);
			if (code < 0)
				fail_msg("repo_reader_read_to: %s", err_msg(code));
			assert_int_equal(len, lens[i]);
			assert_memory_equal(dst, want, lens[i]);
		}
	/* Too little room: the length, nothing read. */
	assert_int_equal(repo_reader_read_to(rd, REPO_BLOB_DATA, id[1], dst, BIG - 1, &len, NULL), -ENOBUFS);
	assert_int_equal(len, BIG);
	/* A flipped byte in a small blob (a fresh reader: the last one holds that stretch
	 * of the pack as it was), then in the middle of a large one, then a pack cut short. */
	repo_reader_free(rd);
	assert_int_equal(repo_reader_new(repo, &rd), 0);
	assert_int_equal(repo_index_lookup(repo, REPO_BLOB_DATA, id[0], &loc), 0);
	test_flip(test_pack_path(pack), (long long)(loc.offset + loc.stored_len / 2));
	assert_int_equal(repo_reader_read_to(rd, REPO_BLOB_DATA, id[0], dst, BIG + 4097, &len, NULL), -EBADMSG);
	test_flip(test_pack_path(pack), (long long)(loc.offset + loc.stored_len / 2));
	char hex[REPO_HEX_LEN];
	assert_int_equal(repo_index_lookup(repo, REPO_BLOB_DATA, id[2], &loc), 0);
	test_flip(test_pack_path(pack), (long long)(loc.offset + loc.stored_len / 2));
	assert_int_equal(repo_reader_read_to(rd, REPO_BLOB_DATA, id[2], dst, BIG + 4097, &len, NULL), -EBADMSG);
	repo_id_hex(id[2], hex);
	assert_non_null(strstr(err_msg(-EBADMSG), hex));
	assert_non_null(strstr(err_msg(-EBADMSG), "damaged"));
	assert_int_equal(repo_reader_read_to(rd, REPO_BLOB_DATA, id[0], dst, BIG + 4097, &len, NULL), 0);
	assert_int_equal(repo_index_lookup(repo, REPO_BLOB_DATA, id[3], &loc), 0);
	struct stat st;
	assert_int_equal(stat(test_pack_path(pack), &st), 0);
	test_truncate(test_pack_path(pack), (long long)(st.st_size - loc.offset - loc.stored_len / 2));
	assert_int_equal(repo_reader_read_to(rd, REPO_BLOB_DATA, id[3], dst, BIG + 4097, &len, NULL), -EBADMSG);
	assert_non_null(strstr(err_msg(-EBADMSG), "truncated"));
	repo_reader_free(rd);
	free(want);
	free(dst);
}

/*
 * repo_reader_read_to leaving the id check to repo_reader_check, with the SHA
 * extensions and without: any two blobs (lengths on both sides of SHA-256's padding
 * boundaries), one alone, and all together read back as they were and pass. A blob
 * sealed by a key holder under another content's id reads (its tag is good) and then
 * fails the check, alone, in either place of a pair or among many, naming it.
 */
static void test_read_to_later(void **state)
{
	static const size_t lens[] = {LEN, BIG, 1, 55, 56, 64, 120, 300 * 1024 + 7};
	enum { N = sizeof(lens) / sizeof(lens[0]), FORGED = N };
	uint8_t id[N + 1][REPO_ID_LEN], pack[REPO_ID_LEN], *want = malloc(BIG), *dst[2] = {malloc(BIG), malloc(BIG)};
	struct repo_pack_writer *w = NULL;
	struct repo_reader *rd = NULL;
	struct repo_unchecked u[2], many[N + 1];
	uint8_t *all = malloc((N + 1) * (size_t)BIG);
	char hex[REPO_HEX_LEN];
	size_t len, stored;
	uint8_t *p;
	(void)state;
	assert_non_null(want);
	assert_non_null(dst[0]);
	assert_non_null(dst[1]);
	assert_non_null(all);
	assert_int_equal(repo_pack_writer_new(repo, &w), 0);
	for (size_t i = 0; i < N; i++) {
		test_fill(want, lens[i], 300 + i, i % 2 == 1);
		assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, want, lens[i], 3, id[i], NULL), 0);
	}
	/* The forgery: these bytes under the id of others. */
	struct repo_pack_entry e = {.type = REPO_BLOB_DATA, .raw_len = 1000};
	repo_blob_id(repo, "what the snapshot holds", 23, e.id);
	memcpy(id[FORGED], e.id, REPO_ID_LEN);
	test_fill(want, 1000, 399, false);
	assert_int_equal(repo_index_reserve(repo, REPO_BLOB_DATA, e.id), 1);
	assert_int_equal(repo_pack_writer_space(w, REPO_BLOB_SEAL_MAX(1000), &p), 0);
	assert_int_equal(repo_blob_seal(repo, REPO_BLOB_DATA, e.id, want, 1000, 3, p, REPO_BLOB_SEAL_MAX(1000), &stored),
			 0);
	assert_int_equal(repo_pack_writer_commit(w, p, stored, e, true), 0);
	assert_int_equal(repo_pack_writer_finish(w, pack), 0);
	repo_pack_writer_free(w);
	assert_int_equal(repo_index_flush(repo), 0);
	assert_int_equal(repo_reader_new(repo, &rd), 0);
	repo_id_hex(id[FORGED], hex);
	for (int fast = 0; fast < 2; fast++) {
		repo_hmac_disable(!fast);
		for (size_t i = 0; i < N; i++)
			for (size_t j = 0; j < N; j++) {
				size_t k[2] = {i, j};
				for (int s = 0; s < 2; s++) {
					int code = repo_reader_read_to(rd, REPO_BLOB_DATA, id[k[s]], dst[s], BIG, &len, &u[s]);
					if (code < 0)
						fail_msg("repo_reader_read_to: %s", err_msg(code));
					assert_int_equal(len, lens[k[s]]);
					assert_ptr_equal(u[s].plain, dst[s]);
					assert_int_equal(u[s].len, lens[k[s]]);
					test_fill(want, lens[k[s]], 300 + k[s], k[s] % 2 == 1);
					assert_memory_equal(dst[s], want, lens[k[s]]);
				}
				assert_int_equal(repo_reader_check(rd, u, 2), 0);
				assert_int_equal(repo_reader_check(rd, u, 1), 0);
				assert_int_equal(repo_reader_check(rd, &u[1], 1), 0);
			}
		/* All of them at once, the forgery among them: it is the one named. */
		for (size_t i = 0; i <= N; i++) {
			int code = repo_reader_read_to(rd, REPO_BLOB_DATA, id[i], all + i * BIG, BIG, &len, &many[i]);
			if (code < 0)
				fail_msg("repo_reader_read_to: %s", err_msg(code));
		}
		assert_int_equal(repo_reader_check(rd, many, N), 0);
		assert_int_equal(repo_reader_check(rd, many + 1, N), -EBADMSG);
		assert_msg_has(-EBADMSG, hex);
		many[N / 2] = many[N];
		assert_int_equal(repo_reader_check(rd, many, N), -EBADMSG);
		assert_msg_has(-EBADMSG, hex);
		/* Checked now, the forgery fails as it always did. */
		assert_int_equal(repo_reader_read_to(rd, REPO_BLOB_DATA, id[FORGED], dst[0], BIG, &len, NULL), -EBADMSG);
		assert_msg_has(-EBADMSG, "does not match its id");
		/* Left for later, it reads, and the check finds it wherever it is. */
		for (int s = 0; s < 2; s++) {
			assert_int_equal(repo_reader_read_to(rd, REPO_BLOB_DATA, id[FORGED], dst[s], BIG, &len, &u[s]), 0);
			assert_int_equal(repo_reader_read_to(rd, REPO_BLOB_DATA, id[0], dst[!s], BIG, &len, &u[!s]), 0);
			int code = repo_reader_check(rd, u, 2);
			assert_int_equal(code, -EBADMSG);
			assert_msg_has(code, "does not match its id");
			assert_msg_has(code, hex);
			assert_int_equal(repo_reader_check(rd, &u[s], 1), -EBADMSG);
			assert_int_equal(repo_reader_check(rd, &u[!s], 1), 0);
		}
	}
	repo_hmac_disable(false);
	repo_reader_free(rd);
	free(want);
	free(dst[0]);
	free(dst[1]);
	free(all);
}

/* Whether the pages of path's bytes from..to-1 are all (want true) or none (false) in
 * the page cache. */
static bool cached(const char *path, uint64_t from, uint64_t to, bool want)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = open(path, O_RDONLY);
	struct stat st;
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);
	size_t n = ((size_t)st.st_size + (size_t)page - 1) / (size_t)page;
	unsigned char *vec = malloc(n);
	assert_non_null(vec);
	assert_int_equal(mincore(m, (size_t)st.st_size, vec), 0);
	bool all = true, none = true;
	for (uint64_t p = from / (uint64_t)page; p <= (to - 1) / (uint64_t)page; p++) {
		all = all && (vec[p] & 1);
		none = none && !(vec[p] & 1);
	}
	free(vec);
	munmap(m, (size_t)st.st_size);
	close(fd);
	return want ? all : none;
}

static void test_willneed(void **state)
{
	/* Small, large (stored around the page cache), small, small: in that order in one pack. */
	static const size_t lens[] = {LEN, BIG, LEN, LEN};
	enum { N = sizeof(lens) / sizeof(lens[0]) };
	uint8_t id[N][REPO_ID_LEN], pack[REPO_ID_LEN], *buf = malloc(BIG), *dst = malloc(BIG);
	struct repo_blob_location loc[N];
	struct repo_pack_writer *w = NULL;
	struct repo_reader *hinter = NULL, *rd = NULL;
	size_t len;
	(void)state;
	assert_non_null(buf);
	assert_non_null(dst);
	assert_int_equal(repo_pack_writer_new(repo, &w), 0);
	for (size_t i = 0; i < N; i++) {
		test_fill(buf, lens[i], 200 + i, false);
		assert_int_equal(repo_blob_save(w, REPO_BLOB_DATA, buf, lens[i], 3, id[i], NULL), 0);
	}
	assert_int_equal(repo_pack_writer_finish(w, pack), 0);
	repo_pack_writer_free(w);
	assert_int_equal(repo_index_flush(repo), 0);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(repo_index_lookup(repo, REPO_BLOB_DATA, id[i], &loc[i]), 0);
	const char *path = test_pack_path(pack);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	close(fd);
	if (!cached(path, loc[0].offset, loc[3].offset + loc[3].stored_len, false)) {
		free(buf);
		free(dst);
		skip(); /* tmpfs and the like: the pack's pages cannot leave the page cache */
	}
	assert_int_equal(repo_reader_new(repo, &hinter), 0);
	assert_int_equal(repo_reader_willneed(hinter, REPO_BLOB_DATA, (const uint8_t(*)[REPO_ID_LEN])id, N), 0);
	/* The reads were started, not waited for. */
	for (int t = 0; t < 200 && !(cached(path, loc[0].offset, loc[0].offset + loc[0].stored_len, true) &&
				     cached(path, loc[2].offset, loc[3].offset + loc[3].stored_len, true));
	     t++)
		usleep(10000);
	assert_true(cached(path, loc[0].offset, loc[0].offset + loc[0].stored_len, true));
	assert_true(cached(path, loc[2].offset, loc[3].offset + loc[3].stored_len, true));
	/* The large blob between them is left to its direct read (its middle: the pages
	 * at its ends hold the small ones' bytes too). */
	assert_true(cached(path, loc[1].offset + 65536, loc[1].offset + loc[1].stored_len - 65536, false));
	/* A hinted reader reads them all as any reader does. */
	assert_int_equal(repo_reader_new(repo, &rd), 0);
	repo_reader_hinted(rd);
	for (size_t i = 0; i < N; i++) {
		test_fill(buf, lens[i], 200 + i, false);
		int code = repo_reader_read_to(rd, REPO_BLOB_DATA, id[i], dst, BIG, &len, NULL);
		if (code < 0)
			fail_msg("repo_reader_read_to: %s", err_msg(code));
		assert_int_equal(len, lens[i]);
		assert_memory_equal(dst, buf, lens[i]);
	}
	repo_reader_free(rd);
	repo_reader_free(hinter);
	free(buf);
	free(dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_many_packs),
	    cmocka_unit_test(test_damage),
	    cmocka_unit_test(test_read_to),
	    cmocka_unit_test(test_read_to_later),
	    cmocka_unit_test(test_willneed),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
