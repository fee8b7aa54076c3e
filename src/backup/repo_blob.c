/*
 * repo_blob.c: blobs: sealing (zstd when it pays, AES-256-GCM bound to type and id),
 * opening with every check (tag, length, HMAC of the plaintext against the id), saving
 * through a pack writer with deduplication, and reading back through the index.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backup/repo_internal.h"
#include "core/err.h"

static void blob_aad(enum repo_blob_type type, const uint8_t id[REPO_ID_LEN], uint8_t aad[1 + REPO_ID_LEN])
{
	aad[0] = (uint8_t)type;
	memcpy(aad + 1, id, REPO_ID_LEN);
}

#define REPO_DIRECT_READ_MIN (64 * 1024) /* stored blobs from this size on are read around the page cache */
#define REPO_HUGE (2 * 1024 * 1024)	  /* a huge page: see repo_huge_alloc */
#define REPO_HINT_GAP (32 * 1024)	  /* blobs this close in a pack are hinted as one stretch */

static const char *type_name(enum repo_blob_type type)
{
	return type == REPO_BLOB_TREE ? "tree" : "data";
}

int repo_blob_seal(const struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN], const void *plain,
		   size_t len, int zstd_level, uint8_t *out, size_t out_size, size_t *ret_len)
{
	uint8_t aad[1 + REPO_ID_LEN];
	if (type != REPO_BLOB_DATA && type != REPO_BLOB_TREE)
		return err_set(-EINVAL, "unknown blob type %d", (int)type);
	if (len > WARD_BACKUP_BLOB_MAX)
		return err_set(-E2BIG, "a blob of %zu bytes is larger than %d", len, WARD_BACKUP_BLOB_MAX);
	blob_aad(type, id, aad);
	return repo_payload_seal(r, aad, sizeof(aad), plain, len, zstd_level, out, out_size, ret_len);
}

int repo_blob_open_expect(const struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
			  const void *stored, size_t stored_len, size_t expect, uint8_t **ret, size_t *ret_len)
{
	uint8_t aad[1 + REPO_ID_LEN], check[REPO_ID_LEN], *plain = NULL;
	char hex[REPO_HEX_LEN];
	const char *why = "";
	size_t len;
	blob_aad(type, id, aad);
	int code = repo_payload_open(r, aad, sizeof(aad), stored, stored_len, WARD_BACKUP_BLOB_MAX, expect, &plain,
				     &len, &why);
	if (code == -EBADMSG) {
		repo_id_hex(id, hex);
		return err_set(-EBADMSG, "%s blob %s is damaged: %s", type_name(type), hex, why);
	}
	if (code < 0)
		return code;
	/* The tag proves it came from a key holder; this proves it is the content the
	 * id names (a bug or a hostile key holder could seal the wrong bytes). */
	repo_blob_id(r, plain, len, check);
	if (CRYPTO_memcmp(check, id, REPO_ID_LEN) != 0) {
		free(plain);
		repo_id_hex(id, hex);
		return err_set(-EBADMSG, "%s blob %s is damaged: its content does not match its id", type_name(type),
			       hex);
	}
	*ret = plain;
	*ret_len = len;
	return 0;
}

int repo_blob_open(const struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN], const void *stored,
		   size_t stored_len, uint8_t **ret, size_t *ret_len)
{
	return repo_blob_open_expect(r, type, id, stored, stored_len, SIZE_MAX, ret, ret_len);
}

int repo_blob_read(struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN], uint8_t **ret,
		   size_t *ret_len)
{
	struct repo_blob_location loc;
	char path[4096], hex[REPO_HEX_LEN], pack_hex[REPO_HEX_LEN];
	uint8_t *stored = NULL;
	size_t got;
	int code = repo_index_lookup(r, type, id, &loc), fd = -1;
	if (code < 0)
		return code;
	repo_id_hex(id, hex);
	repo_id_hex(loc.pack, pack_hex);
	if ((code = repo_pack_path(r, loc.pack, path, sizeof(path))) < 0)
		return code;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return err_set(-ENOENT, "%s blob %s: its pack %s is missing", type_name(type), hex, pack_hex);
		return err_set(-errno, "cannot open pack %s: %s", pack_hex, strerror(errno));
	}
	if (!(stored = malloc(loc.stored_len))) {
		code = -ENOMEM;
		goto out;
	}
	if ((code = repo_pread_all(fd, stored, loc.stored_len, loc.offset, &got)) < 0) {
		code = err_set(code, "cannot read pack %s: %s", pack_hex, strerror(-code));
		goto out;
	}
	if (got != loc.stored_len) {
		code = err_set(-EBADMSG, "%s blob %s is damaged: its pack %s is truncated", type_name(type), hex,
			       pack_hex);
		goto out;
	}
	code = repo_blob_open_expect(r, type, id, stored, got, loc.raw_len, ret, ret_len);
	if (code == -EBADMSG)
		code = err_set(-EBADMSG, "%s (in pack %s)", err_msg(code), pack_hex);
out:
	free(stored);
	close(fd);
	return code;
}

/* --- the reader --- */

struct reader_pack {
	uint8_t id[REPO_ID_LEN];
	int fd;		   /* -1: free */
	int dfd;	   /* the pack opened O_DIRECT; -1 not yet, -2 not possible */
	uint64_t last_use; /* for evicting the least recently used */
};

struct repo_reader {
	struct repo *r;
	struct reader_pack packs[WARD_BACKUP_READER_PACKS];
	uint64_t clock;
	uint8_t *stored; /* the blob as stored, decrypted in place */
	size_t stored_cap;
	uint8_t *raw; /* decompressed */
	size_t raw_cap;
	uint8_t *direct; /* aligned: large blobs read around the page cache */
	size_t direct_cap;
	bool hinted; /* packs are opened without the kernel's read-ahead (repo_reader_hinted) */
	struct reader_hint *hints; /* repo_reader_willneed's */
	size_t hints_cap;
};

/* A stretch of a pack a blob lies in, for repo_reader_willneed. */
struct reader_hint {
	uint8_t pack[REPO_ID_LEN];
	uint64_t from, to;
	size_t blob; /* its index in the caller's ids, to name it */
};

void repo_reader_hinted(struct repo_reader *rd)
{
	rd->hinted = true;
}

int repo_reader_new(struct repo *r, struct repo_reader **ret)
{
	struct repo_reader *rd = calloc(1, sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	rd->r = r;
	for (size_t i = 0; i < WARD_BACKUP_READER_PACKS; i++)
		rd->packs[i].fd = rd->packs[i].dfd = -1;
	*ret = rd;
	return 0;
}

void repo_reader_free(struct repo_reader *rd)
{
	if (!rd)
		return;
	for (size_t i = 0; i < WARD_BACKUP_READER_PACKS; i++) {
		if (rd->packs[i].fd >= 0)
			close(rd->packs[i].fd);
		if (rd->packs[i].dfd >= 0)
			close(rd->packs[i].dfd);
	}
	free(rd->stored);
	free(rd->direct);
	free(rd->raw);
	free(rd->hints);
	free(rd);
}

/* An open descriptor of the pack, from the cache or opened now (evicting the least
 * recently used). Pack files never change once named, so a cached one stays right. */
static int reader_pack_fd(struct repo_reader *rd, enum repo_blob_type type, const char *blob_hex,
			  const uint8_t pack[REPO_ID_LEN], int *ret)
{
	struct reader_pack *victim = &rd->packs[0];
	char path[4096], pack_hex[REPO_HEX_LEN];
	for (size_t i = 0; i < WARD_BACKUP_READER_PACKS; i++) {
		struct reader_pack *p = &rd->packs[i];
		if (p->fd >= 0 && memcmp(p->id, pack, REPO_ID_LEN) == 0) {
			p->last_use = ++rd->clock;
			*ret = p->fd;
			return 0;
		}
		if (p->fd < 0 || (victim->fd >= 0 && p->last_use < victim->last_use))
			victim = p;
	}
	int code = repo_pack_path(rd->r, pack, path, sizeof(path));
	if (code < 0)
		return code;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		repo_id_hex(pack, pack_hex);
		if (errno == ENOENT)
			return err_set(-ENOENT, "%s blob %s: its pack %s is missing", type_name(type), blob_hex,
				       pack_hex);
		return err_set(-errno, "cannot open pack %s: %s", pack_hex, strerror(errno));
	}
	/* Only what was hinted is read (repo_reader_willneed): not the large blobs
	 * around the small ones, which are read around the page cache anyway. */
	if (rd->hinted)
		posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	if (victim->fd >= 0)
		close(victim->fd);
	if (victim->dfd >= 0)
		close(victim->dfd);
	memcpy(victim->id, pack, REPO_ID_LEN);
	victim->fd = fd;
	victim->dfd = -1;
	victim->last_use = ++rd->clock;
	*ret = fd;
	return 0;
}

/*
 * A large blob as stored, read around the page cache (O_DIRECT) into rd->direct: the
 * aligned stretch of the pack holding it. A restore reads every pack once, and on a VM
 * whose host takes back the guest's free memory the first touch of each fresh
 * page-cache page costs more than the copy from it. 1 when it cannot be done here
 * (no O_DIRECT on this file system): the caller reads it as usual. -ENODATA when the
 * pack is too short.
 */
static int reader_direct(struct repo_reader *rd, const uint8_t pack[REPO_ID_LEN], const struct repo_blob_location *loc,
			 const char *pack_hex, uint8_t **ret)
{
	const size_t a = 4096;
	struct reader_pack *p = NULL;
	for (size_t i = 0; i < WARD_BACKUP_READER_PACKS && !p; i++)
		if (rd->packs[i].fd >= 0 && memcmp(rd->packs[i].id, pack, REPO_ID_LEN) == 0)
			p = &rd->packs[i];
	if (!p || p->dfd == -2)
		return 1;
	if (p->dfd < 0) {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p->fd);
		if ((p->dfd = open(proc, O_RDONLY | O_DIRECT | O_CLOEXEC)) < 0) {
			p->dfd = -2;
			return 1;
		}
	}
	uint64_t from = loc->offset - loc->offset % a, to = loc->offset + loc->stored_len;
	size_t n = (size_t)(to - from + a - 1) / a * a, got;
	if (rd->direct_cap < n) {
		free(rd->direct);
		rd->direct_cap = 0;
		if (!(rd->direct = repo_huge_alloc(n, &rd->direct_cap)))
			return -ENOMEM;
	}
	int code = repo_pread_all(p->dfd, rd->direct, n, from, &got);
	if (code == -EINVAL) {
		close(p->dfd);
		p->dfd = -2;
		return 1;
	}
	if (code < 0)
		return err_set(code, "cannot read pack %s: %s", pack_hex, strerror(-code));
	*ret = rd->direct + (loc->offset - from);
	return got >= to - from ? 0 : -ENODATA;
}

void *repo_huge_alloc(size_t n, size_t *ret_cap)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t align = page > REPO_HUGE ? (size_t)page : REPO_HUGE, cap = (n + align - 1) / align * align;
	void *p;
	if (posix_memalign(&p, align, cap) != 0)
		return NULL;
	madvise(p, cap, MADV_HUGEPAGE);
	*ret_cap = cap;
	return p;
}

static int hint_cmp(const void *a, const void *b)
{
	const struct reader_hint *x = a, *y = b;
	int c = memcmp(x->pack, y->pack, REPO_ID_LEN);
	if (c)
		return c;
	return x->from < y->from ? -1 : x->from > y->from;
}

int repo_reader_willneed(struct repo_reader *rd, enum repo_blob_type type, const uint8_t (*ids)[REPO_ID_LEN], size_t n)
{
	struct repo_blob_location loc;
	char hex[REPO_HEX_LEN];
	size_t m = 0;
	if (rd->hints_cap < n) {
		struct reader_hint *h = realloc(rd->hints, n * sizeof(*h));
		if (!h)
			return -ENOMEM;
		rd->hints = h;
		rd->hints_cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		if (repo_index_lookup(rd->r, type, ids[i], &loc) < 0 || loc.stored_len >= REPO_DIRECT_READ_MIN)
			continue;
		memcpy(rd->hints[m].pack, loc.pack, REPO_ID_LEN);
		rd->hints[m].from = loc.offset;
		rd->hints[m].to = loc.offset + loc.stored_len;
		rd->hints[m++].blob = i;
	}
	qsort(rd->hints, m, sizeof(*rd->hints), hint_cmp);
	for (size_t i = 0, j; i < m; i = j) {
		struct reader_hint *h = &rd->hints[i];
		uint64_t to = h->to;
		for (j = i + 1; j < m && memcmp(rd->hints[j].pack, h->pack, REPO_ID_LEN) == 0 &&
				rd->hints[j].from <= to + REPO_HINT_GAP;
		     j++)
			if (rd->hints[j].to > to)
				to = rd->hints[j].to;
		int fd;
		repo_id_hex(ids[h->blob], hex);
		if (reader_pack_fd(rd, type, hex, h->pack, &fd) == 0)
			posix_fadvise(fd, (off_t)h->from, (off_t)(to - h->from), POSIX_FADV_WILLNEED);
	}
	return 0;
}

/* rd->stored grown to hold n bytes. */
static int reader_room(struct repo_reader *rd, size_t n)
{
	if (rd->stored_cap >= n)
		return 0;
	free(rd->stored);
	rd->stored_cap = 0;
	if (!(rd->stored = malloc(n)))
		return -ENOMEM;
	rd->stored_cap = n;
	return 0;
}

/* The blob at loc as stored, pread from fd into rd->stored. -ENODATA when the pack is
 * too short. */
static int reader_stored(struct repo_reader *rd, int fd, const struct repo_blob_location *loc, const char *pack_hex,
			 uint8_t **ret)
{
	size_t got;
	int code = reader_room(rd, loc->stored_len);
	if (code < 0)
		return code;
	if ((code = repo_pread_all(fd, rd->stored, loc->stored_len, loc->offset, &got)) < 0)
		return err_set(code, "cannot read pack %s: %s", pack_hex, strerror(-code));
	*ret = rd->stored;
	return got == loc->stored_len ? 0 : -ENODATA;
}

/* Whether check, the id of a blob's content, is id: -EBADMSG naming the blob if not. */
static int reader_matches(enum repo_blob_type type, const uint8_t id[REPO_ID_LEN], const uint8_t check[REPO_ID_LEN],
			  const char *hex, const char *pack_hex)
{
	if (CRYPTO_memcmp(check, id, REPO_ID_LEN) != 0)
		return err_set(-EBADMSG, "%s blob %s is damaged: its content does not match its id (in pack %s)",
			       type_name(type), hex, pack_hex);
	return 0;
}

/* What opening a reader's blob came to (code, with why when it is -EBADMSG) as an error
 * that names the blob and its pack, and then, as repo_blob_open_expect does, the check
 * that plain is the content id names: the tag proves a key holder sealed it, this
 * that it is the right content. */
static int reader_opened(const struct repo_reader *rd, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
			 int code, const char *why, const uint8_t *plain, size_t len, const char *hex,
			 const char *pack_hex)
{
	uint8_t check[REPO_ID_LEN];
	if (code == -EBADMSG)
		return err_set(-EBADMSG, "%s blob %s is damaged: %s (in pack %s)", type_name(type), hex, why,
			       pack_hex);
	if (code < 0)
		return code;
	repo_blob_id(rd->r, plain, len, check);
	return reader_matches(type, id, check, hex, pack_hex);
}

int repo_reader_read(struct repo_reader *rd, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
		     const uint8_t **ret, size_t *ret_len)
{
	struct repo_blob_location loc;
	char hex[REPO_HEX_LEN], pack_hex[REPO_HEX_LEN];
	uint8_t aad[1 + REPO_ID_LEN];
	const uint8_t *plain;
	const char *why = "";
	uint8_t *in;
	size_t len;
	int fd, code = repo_index_lookup(rd->r, type, id, &loc);
	if (code < 0)
		return code;
	repo_id_hex(id, hex);
	repo_id_hex(loc.pack, pack_hex);
	/* Decrypted in place, in rd's own buffer. */
	if ((code = reader_pack_fd(rd, type, hex, loc.pack, &fd)) == 0)
		code = reader_stored(rd, fd, &loc, pack_hex, &in);
	if (code == -ENODATA)
		return err_set(-EBADMSG, "%s blob %s is damaged: its pack %s is truncated", type_name(type), hex,
			       pack_hex);
	if (code < 0)
		return code;
	blob_aad(type, id, aad);
	code = repo_payload_open_in_place(rd->r, aad, sizeof(aad), rd->stored, loc.stored_len, WARD_BACKUP_BLOB_MAX,
					  loc.raw_len, &rd->raw, &rd->raw_cap, &plain, &len, &why);
	if ((code = reader_opened(rd, type, id, code, why, plain, len, hex, pack_hex)) < 0)
		return code;
	*ret = plain;
	*ret_len = len;
	return 0;
}

int repo_reader_read_to(struct repo_reader *rd, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN], uint8_t *dst,
			size_t cap, size_t *ret_len, struct repo_unchecked *later)
{
	struct repo_blob_location loc;
	char hex[REPO_HEX_LEN], pack_hex[REPO_HEX_LEN];
	uint8_t aad[1 + REPO_ID_LEN];
	const char *why = "";
	uint8_t *in = NULL;
	int fd, code = repo_index_lookup(rd->r, type, id, &loc);
	if (code < 0)
		return code;
	*ret_len = loc.raw_len;
	if (loc.raw_len > cap)
		return -ENOBUFS;
	repo_id_hex(id, hex);
	repo_id_hex(loc.pack, pack_hex);
	if ((code = reader_pack_fd(rd, type, hex, loc.pack, &fd)) == 0 &&
	    (loc.stored_len < REPO_DIRECT_READ_MIN || (code = reader_direct(rd, loc.pack, &loc, pack_hex, &in)) == 1))
		code = reader_stored(rd, fd, &loc, pack_hex, &in);
	if (code == -ENODATA)
		return err_set(-EBADMSG, "%s blob %s is damaged: its pack %s is truncated", type_name(type), hex,
			       pack_hex);
	if (code < 0)
		return code;
	blob_aad(type, id, aad);
	/* in is the reader's own buffer: decrypted in place. */
	code = repo_payload_open_to(rd->r, aad, sizeof(aad), in, loc.stored_len, true, loc.raw_len, dst, &rd->raw,
				    &rd->raw_cap, &why);
	if (!later || code < 0)
		return reader_opened(rd, type, id, code, why, dst, loc.raw_len, hex, pack_hex);
	*later = (struct repo_unchecked){.type = type, .plain = dst, .len = loc.raw_len};
	memcpy(later->id, id, REPO_ID_LEN);
	memcpy(later->pack, loc.pack, REPO_ID_LEN);
	return 0;
}

int repo_reader_check(struct repo_reader *rd, const struct repo_unchecked *u, size_t n)
{
	enum { BATCH = 64 };
	uint8_t check[BATCH][REPO_ID_LEN];
	struct repo_id_job jobs[BATCH];
	char hex[REPO_HEX_LEN], pack_hex[REPO_HEX_LEN];
	for (size_t from = 0; from < n; from += BATCH) {
		size_t k = n - from < BATCH ? n - from : BATCH;
		for (size_t i = 0; i < k; i++)
			jobs[i] = (struct repo_id_job){u[from + i].plain, u[from + i].len, check[i]};
		repo_blob_ids(rd->r, jobs, k);
		for (size_t i = 0; i < k; i++) {
			const struct repo_unchecked *b = &u[from + i];
			if (CRYPTO_memcmp(check[i], b->id, REPO_ID_LEN) == 0)
				continue;
			repo_id_hex(b->id, hex);
			repo_id_hex(b->pack, pack_hex);
			return reader_matches(b->type, b->id, check[i], hex, pack_hex);
		}
	}
	return 0;
}

/* Whether a blob of type and len bytes can be saved: -EINVAL or -E2BIG if not. */
static int save_check(enum repo_blob_type type, size_t len)
{
	if (type != REPO_BLOB_DATA && type != REPO_BLOB_TREE)
		return err_set(-EINVAL, "unknown blob type %d", (int)type);
	if (len > WARD_BACKUP_BLOB_MAX)
		return err_set(-E2BIG, "a blob of %zu bytes is larger than %d", len, WARD_BACKUP_BLOB_MAX);
	return 0;
}

int repo_blob_save(struct repo_pack_writer *w, enum repo_blob_type type, const void *data, size_t len, int zstd_level,
		   uint8_t ret_id[REPO_ID_LEN], bool *ret_new)
{
	uint8_t id[REPO_ID_LEN];
	int code = save_check(type, len);
	if (code < 0)
		return code;
	repo_blob_id(w->r, data, len, id);
	if ((code = repo_blob_save_as(w, type, id, data, len, zstd_level, ret_new)) == 0 && ret_id)
		memcpy(ret_id, id, REPO_ID_LEN);
	return code;
}

int repo_blob_save_as(struct repo_pack_writer *w, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
		      const void *data, size_t len, int zstd_level, bool *ret_new)
{
	struct repo_pack_entry e = {.type = (uint8_t)type, .raw_len = (uint32_t)len};
	uint8_t *p;
	size_t stored;
	int code = save_check(type, len);
	if (code < 0)
		return code;
	memcpy(e.id, id, REPO_ID_LEN);
	if ((code = repo_index_reserve(w->r, type, e.id)) < 0)
		return code;
	if (code == 1) {
		if ((code = repo_pack_writer_space(w, REPO_BLOB_SEAL_MAX(len), &p)) < 0 ||
		    (code = repo_blob_seal(w->r, type, e.id, data, len, zstd_level, p, REPO_BLOB_SEAL_MAX(len),
					   &stored)) < 0) {
			repo_index_release(w->r, type, e.id);
			return code;
		}
		if ((code = repo_pack_writer_commit(w, p, stored, e, true)) < 0)
			return code; /* commit released the reservation */
		code = 1;
	}
	if (ret_new)
		*ret_new = code == 1;
	return 0;
}
