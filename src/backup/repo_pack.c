/*
 * repo_pack.c: pack files: the writer that appends sealed blobs to a temporary file and
 * finishes it (encrypted header, its length, fsync, rename to data/xx/<sha256>), now or
 * on a syncer's thread, and the reader and decoder of pack headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/repo_internal.h"
#include "core/crypto.h"
#include "core/err.h"

#define WRITER_BUF (4 * 1024 * 1024) /* blobs gathered before a write(2) */
#define HEADER_TAIL_READ (64 * 1024) /* read at the end of a pack first: most headers fit */

void repo_pack_entry_encode(const struct repo_pack_entry *e, uint8_t *p)
{
	p[0] = e->type;
	memcpy(p + 1, e->id, REPO_ID_LEN);
	repo_le64_put(p + 33, e->offset);
	repo_le32_put(p + 41, e->stored_len);
	repo_le32_put(p + 45, e->raw_len);
}

int repo_pack_entry_decode(const uint8_t *p, struct repo_pack_entry *e)
{
	e->type = p[0];
	memcpy(e->id, p + 1, REPO_ID_LEN);
	e->offset = repo_le64_get(p + 33);
	e->stored_len = repo_le32_get(p + 41);
	e->raw_len = repo_le32_get(p + 45);
	if (e->type != REPO_BLOB_DATA && e->type != REPO_BLOB_TREE)
		return err_set(-EBADMSG, "a blob has unknown type %u", e->type);
	if (e->stored_len < REPO_BLOB_OVERHEAD)
		return err_set(-EBADMSG, "a blob is shorter than its nonce and tag");
	if (e->raw_len > WARD_BACKUP_BLOB_MAX || e->stored_len - REPO_BLOB_OVERHEAD > e->raw_len)
		return err_set(-EBADMSG, "a blob has impossible lengths (%u stored, %u plain)", e->stored_len,
			       e->raw_len);
	if (e->offset > UINT32_MAX || e->offset + e->stored_len > UINT32_MAX)
		return err_set(-EBADMSG, "a blob lies past 4 GiB in its pack");
	return 0;
}

int repo_pack_header_decode(const uint8_t *plain, size_t len, uint64_t data_len, struct repo_pack_entry **ret,
			    size_t *ret_n)
{
	struct repo_pack_entry *entries = NULL;
	uint64_t end = 0;
	int r;
	if (len < 4)
		return err_set(-EBADMSG, "its header is too short");
	uint32_t n = repo_le32_get(plain);
	if (n == 0 || n > WARD_BACKUP_PACK_BLOBS_MAX)
		return err_set(-EBADMSG, "its header counts %u blobs", n);
	if ((len - 4) / REPO_PACK_ENTRY_LEN != n || (len - 4) % REPO_PACK_ENTRY_LEN != 0)
		return err_set(-EBADMSG, "its header has %zu bytes for %u blobs", len, n);
	if (!(entries = malloc(n * sizeof(*entries))))
		return -ENOMEM;
	for (uint32_t k = 0; k < n; k++) {
		struct repo_pack_entry *e = &entries[k];
		if ((r = repo_pack_entry_decode(plain + 4 + (size_t)k * REPO_PACK_ENTRY_LEN, e)) < 0)
			goto out;
		if (e->offset < end) {
			r = err_set(-EBADMSG, "its header has blob %u overlapping the one before", k + 1);
			goto out;
		}
		end = e->offset + e->stored_len;
		if (end > data_len) {
			r = err_set(-EBADMSG, "its header puts blob %u past the end of its data", k + 1);
			goto out;
		}
	}
	*ret = entries;
	*ret_n = n;
	entries = NULL;
	r = 0;
out:
	free(entries);
	return r;
}

int repo_pack_header_parse(const struct repo *r, const uint8_t *tail, size_t tail_len, uint64_t pack_size,
			   struct repo_pack_entry **ret_entries, size_t *ret_n, size_t *ret_need)
{
	static const char aad[] = REPO_AAD_PACK_HEADER;
	if (tail_len > pack_size)
		return err_set(-EINVAL, "more bytes than the pack has");
	if (pack_size < 4 + REPO_AEAD_OVERHEAD + 4)
		return err_set(-EBADMSG, "it is too short to be a pack (%llu bytes)", (unsigned long long)pack_size);
	if (tail_len < 4) {
		*ret_need = 4;
		return -EAGAIN;
	}
	uint32_t hlen = repo_le32_get(tail + tail_len - 4);
	if (hlen < REPO_AEAD_OVERHEAD + 4 || hlen > REPO_PACK_HEADER_MAX || hlen > pack_size - 4)
		return err_set(-EBADMSG, "its header length (%u) is impossible for its size (%llu bytes): truncated?",
			       hlen, (unsigned long long)pack_size);
	if (tail_len < (size_t)hlen + 4) {
		*ret_need = (size_t)hlen + 4;
		return -EAGAIN;
	}
	const uint8_t *hdr = tail + tail_len - 4 - hlen;
	size_t plen = hlen - REPO_AEAD_OVERHEAD;
	uint8_t *plain = malloc(plen);
	if (!plain)
		return -ENOMEM;
	int ret = repo_aead_open(r, aad, sizeof(aad) - 1, hdr, hlen, plain, plen, NULL);
	if (ret == -EBADMSG)
		ret = err_set(-EBADMSG, "its header does not decrypt (damaged, or truncated)");
	if (ret == 0)
		ret = repo_pack_header_decode(plain, plen, pack_size - 4 - hlen, ret_entries, ret_n);
	free(plain);
	return ret;
}

int repo_pack_read_header(struct repo *r, const uint8_t pack[REPO_ID_LEN], struct repo_pack_entry **ret_entries,
			  size_t *ret_n)
{
	char path[4096], hex[REPO_HEX_LEN];
	uint8_t *tail = NULL;
	struct stat st;
	size_t need = 0, got;
	int ret = repo_pack_path(r, pack, path, sizeof(path)), fd = -1;
	if (ret < 0)
		return ret;
	repo_id_hex(pack, hex);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return err_set(-ENOENT, "pack %s is missing", hex);
		return err_set(-errno, "cannot open pack %s: %s", hex, strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		ret = err_set(-errno, "cannot read pack %s: %s", hex, strerror(errno));
		goto out;
	}
	uint64_t size = (uint64_t)st.st_size;
	size_t want = size < HEADER_TAIL_READ ? (size_t)size : HEADER_TAIL_READ;
	for (int round = 0; round < 2; round++) {
		free(tail);
		if (!(tail = malloc(want ? want : 1))) {
			ret = -ENOMEM;
			goto out;
		}
		if ((ret = repo_pread_all(fd, tail, want, size - want, &got)) < 0) {
			ret = err_set(ret, "cannot read pack %s: %s", hex, strerror(-ret));
			goto out;
		}
		if (got != want) {
			ret = err_set(-EBADMSG, "pack %s is damaged: it shrank while being read", hex);
			goto out;
		}
		ret = repo_pack_header_parse(r, tail, want, size, ret_entries, ret_n, &need);
		if (ret != -EAGAIN)
			break;
		want = need; /* within the pack's size: parse checked */
	}
	if (ret == -EBADMSG || ret == -EAGAIN)
		ret = err_set(-EBADMSG, "pack %s is damaged: %s", hex, err_msg(-EBADMSG));
out:
	free(tail);
	close(fd);
	return ret;
}

int repo_pack_list(struct repo *r, uint8_t (**ret_packs)[REPO_ID_LEN], size_t *ret_n)
{
	uint8_t(*packs)[REPO_ID_LEN] = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;
	for (int i = 0; i < 256; i++) {
		char dir[4096], rel[8], (*ids)[REPO_HEX_LEN] = NULL, prefix[3];
		size_t m = 0;
		snprintf(rel, sizeof(rel), "data/%02x", i);
		snprintf(prefix, sizeof(prefix), "%02x", i);
		if ((ret = repo_join(r, dir, sizeof(dir), rel)) < 0)
			goto out;
		if ((ret = repo_dir_ids(dir, WARD_BACKUP_FILES_MAX, &ids, &m)) == -ENOENT)
			continue;
		if (ret < 0)
			goto out;
		for (size_t k = 0; k < m; k++) {
			if (memcmp(ids[k], prefix, 2) != 0) /* misfiled: not where its name says */
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				void *p = n >= WARD_BACKUP_FILES_MAX ? NULL : realloc(packs, ncap * sizeof(*packs));
				if (!p) {
					free(ids);
					ret = n >= WARD_BACKUP_FILES_MAX
						  ? err_set(-E2BIG, "more than %d packs", WARD_BACKUP_FILES_MAX)
						  : -ENOMEM;
					goto out;
				}
				packs = p;
				cap = ncap;
			}
			repo_id_parse(ids[k], packs[n++]);
		}
		free(ids);
	}
	*ret_packs = packs;
	*ret_n = n;
	packs = NULL;
out:
	free(packs);
	return ret;
}

/* --- the writer --- */

int repo_pack_writer_new(struct repo *r, struct repo_pack_writer **ret)
{
	struct repo_pack_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->r = r;
	w->fd = -1;
	w->fast = repo_hmac_fast();
	w->buf_cap = WRITER_BUF;
	if (!(w->buf = malloc(w->buf_cap)) || !(w->sha = EVP_MD_CTX_new())) {
		repo_pack_writer_free(w);
		return -ENOMEM;
	}
	*ret = w;
	return 0;
}

/* Forgets the blobs of the pack being written and removes its file. */
static void writer_drop(struct repo_pack_writer *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->reserved[i])
			repo_index_release(w->r, w->entries[i].type, w->entries[i].id);
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->tmp);
	}
	w->fd = -1;
	w->n = 0;
	w->size = 0;
	w->buf_len = w->hashed = 0;
}

void repo_pack_writer_free(struct repo_pack_writer *w)
{
	if (!w)
		return;
	writer_drop(w);
	EVP_MD_CTX_free(w->sha);
	free(w->buf);
	free(w->scratch);
	free(w->entries);
	free(w->reserved);
	free(w);
}

uint64_t repo_pack_writer_size(const struct repo_pack_writer *w)
{
	return w->size;
}

size_t repo_pack_writer_count(const struct repo_pack_writer *w)
{
	return w->n;
}

static int writer_open(struct repo_pack_writer *w)
{
	char rel[64], name[2 * 16 + 1];
	if (w->fd >= 0)
		return 0;
	crypto_random_hex(16, name);
	snprintf(rel, sizeof(rel), "data/%s.tmp", name);
	int r = repo_join(w->r, w->tmp, sizeof(w->tmp), rel);
	if (r < 0)
		return r;
	if ((w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return err_set(-errno, "cannot create a pack in '%s': %s", w->r->path, strerror(errno));
	if (w->fast)
		repo_sha_stream_init(&w->stream);
	else if (EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL) != 1)
		return err_set(-EIO, "cannot start SHA-256");
	return 0;
}

/* The buffered blobs not hashed yet into the pack's SHA-256. Without the SHA
 * extensions there are none: each blob is hashed as it is committed, while the
 * cipher has just left it in the cache. With them, repo_pack_writer_ids hashes them
 * beside the next blobs' ids, and this the rest. */
static int writer_hash_buffered(struct repo_pack_writer *w)
{
	const uint8_t *p = w->buf + w->hashed;
	size_t len = w->buf_len - w->hashed;
	w->hashed = w->buf_len;
	if (len == 0)
		return 0;
	if (w->fast) {
		repo_sha_stream_update(&w->stream, p, len);
		return 0;
	}
	return EVP_DigestUpdate(w->sha, p, len) == 1 ? 0 : err_set(-EIO, "SHA-256 failed");
}

/* Bytes that follow in the pack (not in its buffer) into its SHA-256. */
static int writer_hash(struct repo_pack_writer *w, const uint8_t *p, size_t len)
{
	int r = writer_hash_buffered(w);
	if (r < 0 || w->fast) {
		if (r == 0)
			repo_sha_stream_update(&w->stream, p, len);
		return r;
	}
	return EVP_DigestUpdate(w->sha, p, len) == 1 ? 0 : err_set(-EIO, "SHA-256 failed");
}

void repo_pack_writer_ids(struct repo_pack_writer *w, const struct repo_id_job *b, size_t n)
{
	if (!w->fast || w->hashed == w->buf_len || !repo_hmac_fast()) {
		repo_blob_ids(w->r, b, n);
		return;
	}
	repo_hmac_many_with(&w->r->keys->hmac, b, n, &w->stream, w->buf + w->hashed, w->buf_len - w->hashed);
	w->hashed = w->buf_len;
}

static int writer_write(struct repo_pack_writer *w, const uint8_t *p, size_t len)
{
	int r = repo_write_all(w->fd, p, len);
	return r < 0 ? err_set(r, "cannot write pack '%s': %s", w->tmp, strerror(-r)) : 0;
}

static int writer_flush(struct repo_pack_writer *w)
{
	int r = writer_hash_buffered(w);
	if (r == 0 && w->buf_len)
		r = writer_write(w, w->buf, w->buf_len);
	if (r == 0)
		w->buf_len = w->hashed = 0;
	return r;
}

int repo_pack_writer_space(struct repo_pack_writer *w, size_t bound, uint8_t **ret)
{
	int r;
	if (w->n > 0 && (w->size + bound > WARD_BACKUP_PACK_TARGET || w->n >= WARD_BACKUP_PACK_BLOBS_MAX) &&
	    (r = repo_pack_writer_finish(w, NULL)) < 0)
		return r;
	if ((r = writer_open(w)) < 0)
		return r;
	if (w->buf_len + bound <= w->buf_cap) {
		*ret = w->buf + w->buf_len;
		return 0;
	}
	if ((r = writer_flush(w)) < 0)
		return r;
	if (bound <= w->buf_cap) {
		*ret = w->buf;
		return 0;
	}
	if (bound > w->scratch_cap) {
		free(w->scratch);
		w->scratch_cap = 0;
		if (!(w->scratch = malloc(bound)))
			return -ENOMEM;
		w->scratch_cap = bound;
	}
	*ret = w->scratch;
	return 0;
}

int repo_pack_writer_commit(struct repo_pack_writer *w, const uint8_t *p, size_t len, struct repo_pack_entry e,
			    bool reserved)
{
	int r = 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		void *a = realloc(w->entries, cap * sizeof(*w->entries)), *b = NULL;
		if (a)
			w->entries = a;
		if (a && (b = realloc(w->reserved, cap * sizeof(*w->reserved))))
			w->reserved = b;
		if (!b)
			r = -ENOMEM;
		else
			w->cap = cap;
	}
	if (r == 0 && p == w->buf + w->buf_len) {
		w->buf_len += len;
		if (!w->fast && (r = writer_hash_buffered(w)) < 0) {
			w->buf_len -= len; /* not in the pack after all */
			w->hashed = w->buf_len;
		}
	} else if (r == 0 && (r = writer_hash(w, p, len)) == 0) {
		r = writer_write(w, p, len); /* from scratch, after the buffer was flushed */
	}
	if (r < 0) {
		if (reserved)
			repo_index_release(w->r, e.type, e.id);
		return r;
	}
	e.offset = w->size;
	e.stored_len = (uint32_t)len;
	w->entries[w->n] = e;
	w->reserved[w->n] = reserved;
	w->n++;
	w->size += len;
	if (w->size >= WARD_BACKUP_PACK_TARGET || w->n >= WARD_BACKUP_PACK_BLOBS_MAX)
		return repo_pack_writer_finish(w, NULL);
	return 0;
}

int repo_pack_writer_add(struct repo_pack_writer *w, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
			 const void *stored, size_t stored_len, uint32_t raw_len)
{
	struct repo_pack_entry e = {.type = (uint8_t)type, .raw_len = raw_len};
	uint8_t *p;
	int r;
	if (type != REPO_BLOB_DATA && type != REPO_BLOB_TREE)
		return err_set(-EINVAL, "unknown blob type %d", (int)type);
	if (stored_len < REPO_BLOB_OVERHEAD || raw_len > WARD_BACKUP_BLOB_MAX ||
	    stored_len - REPO_BLOB_OVERHEAD > raw_len)
		return err_set(-EINVAL, "a stored blob of %zu bytes cannot hold %u bytes", stored_len, raw_len);
	if ((r = repo_pack_writer_space(w, stored_len, &p)) < 0)
		return r;
	memcpy(p, stored, stored_len);
	memcpy(e.id, id, REPO_ID_LEN);
	return repo_pack_writer_commit(w, p, stored_len, e, false);
}

/* A full pack on its way into data/: sealed, hashed, still to be synced and renamed. */
struct pack_done {
	struct pack_done *next;
	int fd;		/* the temporary file; -1 once renamed */
	char tmp[4096]; /* its name */
	uint8_t id[REPO_ID_LEN];
	struct repo_pack_entry *entries; /* its header */
	bool *reserved;			 /* entries[i] was reserved in the index by its writer */
	size_t n;
};

/* Ends the pack with its encrypted header and the header's length, and takes the
 * SHA-256 of the whole: the pack's name. */
static int writer_seal(struct repo_pack_writer *w, uint8_t digest[REPO_ID_LEN])
{
	static const char aad[] = REPO_AAD_PACK_HEADER;
	uint8_t *plain = NULL, *sealed = NULL, len4[4];
	unsigned int dlen = 0;
	int r;
	size_t plen = 4 + w->n * REPO_PACK_ENTRY_LEN, hlen = plen + REPO_AEAD_OVERHEAD;
	if (!(plain = malloc(plen)) || !(sealed = malloc(hlen))) {
		r = -ENOMEM;
		goto out;
	}
	repo_le32_put(plain, (uint32_t)w->n);
	for (size_t i = 0; i < w->n; i++)
		repo_pack_entry_encode(&w->entries[i], plain + 4 + i * REPO_PACK_ENTRY_LEN);
	repo_le32_put(len4, (uint32_t)hlen);
	if ((r = repo_aead_seal(w->r, aad, sizeof(aad) - 1, plain, plen, NULL, 0, sealed)) < 0 ||
	    (r = writer_flush(w)) < 0 || (r = writer_hash(w, sealed, hlen)) < 0 || (r = writer_hash(w, len4, 4)) < 0 ||
	    (r = writer_write(w, sealed, hlen)) < 0 || (r = writer_write(w, len4, 4)) < 0)
		goto out;
	if (w->fast)
		repo_sha_stream_final(&w->stream, digest);
	else if (EVP_DigestFinal_ex(w->sha, digest, &dlen) != 1 || dlen != REPO_ID_LEN)
		r = err_set(-EIO, "SHA-256 failed");
out:
	free(plain);
	free(sealed);
	return r;
}

/* fsyncs a sealed pack, renames it to data/xx/<id>, fsyncs that folder and adds its
 * blobs to the index. p->fd is -1 once the file has its name (closed then, and on
 * failure left for the caller to close and unlink). */
static int pack_store(struct repo *r, struct pack_done *p)
{
	char path[4096], hex[REPO_HEX_LEN];
	int e;
	if (fsync(p->fd) < 0)
		return err_set(-errno, "cannot sync pack '%s': %s", p->tmp, strerror(errno));
	/* On disk now: its pages leave the page cache (as borg does with its segments). A
	 * backup's packs are not read again soon, and the next pack's writes reuse the
	 * pages instead of taking 32 MiB of fresh ones from the free lists (on a VM whose
	 * host reclaims free guest memory, the first touch of such a page costs more than
	 * the copy into it: a third of a first backup's CPU time, measured). */
	posix_fadvise(p->fd, 0, 0, POSIX_FADV_DONTNEED);
	repo_id_hex(p->id, hex);
	if ((e = repo_pack_path(r, p->id, path, sizeof(path))) < 0)
		return e;
	char *slash = strrchr(path, '/');
	if (rename(p->tmp, path) < 0) {
		/* A repository made without data/xx (by hand, another tool): make it. */
		*slash = '\0';
		if (errno != ENOENT || (mkdir(path, 0700) < 0 && errno != EEXIST))
			return err_set(-errno, "cannot store pack %s: %s", hex, strerror(errno));
		*slash = '/';
		if (rename(p->tmp, path) < 0)
			return err_set(-errno, "cannot store pack %s: %s", hex, strerror(errno));
	}
	close(p->fd);
	p->fd = -1; /* renamed: must not be unlinked */
	*slash = '\0';
	if ((e = repo_sync_dir(path)) < 0)
		return e;
	return repo_index_add(r, p->id, p->entries, p->n);
}

/* Undoes what a pack that failed to be stored left: its blobs' reservations, and its
 * temporary file unless it was renamed. */
static void pack_abandon(struct repo *r, struct pack_done *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->reserved[i])
			repo_index_release(r, p->entries[i].type, p->entries[i].id);
	if (p->fd >= 0) {
		close(p->fd);
		unlink(p->tmp);
	}
	p->fd = -1;
}

/* --- finishing packs in the background --- */

#define SYNCER_QUEUE_MAX 4 /* sealed packs waiting for their fsync: a bound on dirty data */

struct repo_pack_syncer {
	struct repo *r;
	pthread_mutex_t mu;
	pthread_cond_t more; /* a pack was queued, or stop */
	pthread_cond_t room; /* a pack was taken */
	struct pack_done *head, *tail;
	size_t queued;
	bool stop;
	atomic_int error; /* the first failure, or 0 */
	char msg[512];	  /* its message: set in the syncer's thread, said again by whoever asks */
	pthread_t thread;
};

static void *syncer_main(void *arg)
{
	struct repo_pack_syncer *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->head && !s->stop)
			pthread_cond_wait(&s->more, &s->mu);
		struct pack_done *p = s->head;
		if (p) {
			if (!(s->head = p->next))
				s->tail = NULL;
			s->queued--;
			pthread_cond_broadcast(&s->room);
		}
		pthread_mutex_unlock(&s->mu);
		if (!p)
			break;
		/* After a failure the backup fails: the packs still coming are dropped. */
		int e = atomic_load(&s->error) ? -ECANCELED : pack_store(s->r, p);
		if (e < 0) {
			int none = 0;
			if (e != -ECANCELED && atomic_compare_exchange_strong(&s->error, &none, e))
				snprintf(s->msg, sizeof(s->msg), "%s", err_msg(e));
			pack_abandon(s->r, p);
		}
		free(p->entries);
		free(p->reserved);
		free(p);
	}
	return NULL;
}

int repo_pack_syncer_start(struct repo *r, struct repo_pack_syncer **ret)
{
	struct repo_pack_syncer *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->r = r;
	atomic_init(&s->error, 0);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->more, NULL);
	pthread_cond_init(&s->room, NULL);
	if (pthread_create(&s->thread, NULL, syncer_main, s) != 0) {
		pthread_cond_destroy(&s->more);
		pthread_cond_destroy(&s->room);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return err_set(-EAGAIN, "cannot start a thread");
	}
	*ret = s;
	return 0;
}

int repo_pack_syncer_error(struct repo_pack_syncer *s)
{
	int e = s ? atomic_load(&s->error) : 0;
	return e < 0 ? err_set(e, "%s", s->msg) : 0;
}

int repo_pack_syncer_stop(struct repo_pack_syncer *s)
{
	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	int e = repo_pack_syncer_error(s);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->room);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return e;
}

void repo_pack_writer_set_syncer(struct repo_pack_writer *w, struct repo_pack_syncer *s)
{
	w->syncer = s;
}

/* Hands w's sealed pack (its id in digest) to the syncer and leaves w empty, ready for
 * the next pack. Waits while SYNCER_QUEUE_MAX packs wait already. */
static int writer_hand_over(struct repo_pack_writer *w, const uint8_t digest[REPO_ID_LEN])
{
	struct repo_pack_syncer *s = w->syncer;
	struct pack_done *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = w->fd;
	snprintf(p->tmp, sizeof(p->tmp), "%s", w->tmp);
	memcpy(p->id, digest, REPO_ID_LEN);
	p->entries = w->entries;
	p->reserved = w->reserved;
	p->n = w->n;
	/* The pack and its reservations are the syncer's now. */
	w->fd = -1;
	w->entries = NULL;
	w->reserved = NULL;
	w->n = w->cap = 0;
	w->size = 0;
	pthread_mutex_lock(&s->mu);
	while (s->queued >= SYNCER_QUEUE_MAX)
		pthread_cond_wait(&s->room, &s->mu);
	if (s->tail)
		s->tail->next = p;
	else
		s->head = p;
	s->tail = p;
	s->queued++;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int repo_pack_writer_finish(struct repo_pack_writer *w, uint8_t ret_pack[REPO_ID_LEN])
{
	uint8_t digest[REPO_ID_LEN];
	int r;
	if (w->n == 0)
		return -ENODATA;
	if ((r = repo_pack_syncer_error(w->syncer)) < 0 || (r = writer_seal(w, digest)) < 0)
		goto out;
	if (w->syncer) {
		r = writer_hand_over(w, digest);
	} else {
		struct pack_done p = {.fd = w->fd, .entries = w->entries, .reserved = w->reserved, .n = w->n};
		memcpy(p.id, digest, REPO_ID_LEN);
		snprintf(p.tmp, sizeof(p.tmp), "%s", w->tmp);
		r = pack_store(w->r, &p);
		w->fd = p.fd; /* -1 once renamed: writer_drop must not unlink it */
		if (r == 0) {
			w->n = 0;
			w->size = 0;
		}
	}
	if (r == 0 && ret_pack)
		memcpy(ret_pack, digest, REPO_ID_LEN);
out:
	if (r < 0)
		writer_drop(w); /* its blobs are for another pack to take */
	return r;
}
