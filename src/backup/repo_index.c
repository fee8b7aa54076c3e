/*
 * repo_index.c: the in-memory index (blob id and type -> pack, offset, lengths), read
 * from every index/ file at open, and the index files themselves: encoding, decoding
 * and writing one for the packs finished since the last flush.
 *
 * The table is linear probing over a flat array of 52-byte entries. A slot holds the
 * entry's number and 32 bits of its hash, so probing (and growing) reads only the slot
 * array and touches an entry once its tag matches: with slots at most 3/4 full, about
 * 66 bytes a blob and one or two cache misses a lookup. Blob ids are HMAC outputs, so
 * their first bytes are a uniform hash already.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/repo_internal.h"
#include "core/err.h"

#define INDEX_PENDING UINT32_MAX       /* pack of a blob a writer is storing */
#define INDEX_DELETED (UINT32_MAX - 1) /* an entry whose reservation was released */
#define INDEX_HEAD_LEN 12	       /* magic, version, pack count */
#define INDEX_PACK_HEAD_LEN (REPO_ID_LEN + 4)

struct index_entry {
	uint8_t id[REPO_ID_LEN];
	uint32_t pack;	 /* number in packs[], or INDEX_PENDING / INDEX_DELETED */
	uint32_t offset; /* version 1 packs stay below 4 GiB (see the format doc) */
	uint32_t stored_len;
	uint32_t raw_len;
	uint8_t type;
};

/* A pack finished since the last flush, with its blobs. */
struct fresh_pack {
	uint8_t id[REPO_ID_LEN];
	struct repo_pack_entry *entries;
	size_t n;
};

struct repo_index {
	pthread_mutex_t mu;	     /* guards everything below */
	struct index_entry *entries; /* append-only */
	size_t n, cap;
	uint64_t *slots; /* hash tag << 32 | entry number + 1; 0 empty */
	size_t mask;	 /* slots - 1 (a power of two minus one) */
	unsigned bits;	 /* log2 of the slots */
	size_t used;	 /* occupied slots */
	size_t live;	 /* entries in finished packs */
	uint8_t (*packs)[REPO_ID_LEN];
	size_t npacks, packs_cap;
	uint32_t *pslots; /* pack number + 1; 0 empty */
	size_t pmask;
	struct fresh_pack *fresh; /* to write at the next flush */
	size_t nfresh, fresh_cap;
	json_t *damaged; /* index files that could not be read at open */
};

static inline size_t id_hash(const uint8_t *id)
{
	uint64_t h;
	memcpy(&h, id, sizeof(h));
	return (size_t)h;
}

/* The 32-bit tag of a blob id; its top bits are the home slot. */
static inline uint32_t id_tag(const uint8_t *id)
{
	uint32_t t;
	memcpy(&t, id + 8, sizeof(t));
	return t;
}

static inline size_t tag_home(uint32_t tag, unsigned bits)
{
	return (size_t)(tag >> (32 - bits));
}

#define SLOT_ENTRY(s) ((uint32_t)(s)) /* entry number + 1 */
#define SLOT_TAG(s) ((uint32_t)((s) >> 32))
#define SLOT_MAKE(tag, n) ((uint64_t)(tag) << 32 | (uint32_t)(n))

int repo_index_new(struct repo_index **ret)
{
	struct repo_index *ix = calloc(1, sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	ix->bits = 10;
	ix->mask = 1023;
	ix->pmask = 255;
	ix->slots = calloc(ix->mask + 1, sizeof(*ix->slots));
	ix->pslots = calloc(ix->pmask + 1, sizeof(*ix->pslots));
	ix->damaged = json_array();
	if (!ix->slots || !ix->pslots || !ix->damaged || pthread_mutex_init(&ix->mu, NULL) != 0) {
		free(ix->slots);
		free(ix->pslots);
		json_decref(ix->damaged);
		free(ix);
		return -ENOMEM;
	}
	*ret = ix;
	return 0;
}

void repo_index_free(struct repo_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->nfresh; i++)
		free(ix->fresh[i].entries);
	free(ix->fresh);
	free(ix->entries);
	free(ix->slots);
	free(ix->packs);
	free(ix->pslots);
	json_decref(ix->damaged);
	pthread_mutex_destroy(&ix->mu);
	free(ix);
}

/* The slot holding (type, id), or the empty slot where it would go. */
static size_t slot_find(const struct repo_index *ix, uint8_t type, const uint8_t *id)
{
	uint32_t tag = id_tag(id);
	size_t i = tag_home(tag, ix->bits);
	for (;;) {
		uint64_t s = ix->slots[i];
		if (s == 0)
			return i;
		if (SLOT_TAG(s) == tag) {
			const struct index_entry *e = &ix->entries[SLOT_ENTRY(s) - 1];
			if (e->type == type && memcmp(e->id, id, REPO_ID_LEN) == 0)
				return i;
		}
		i = (i + 1) & ix->mask;
	}
}

static int slots_grow(struct repo_index *ix, size_t want_used)
{
	unsigned bits = ix->bits;
	while (want_used * 4 > ((size_t)3 << bits)) /* at most 3/4 full */
		bits++;
	if (bits == ix->bits)
		return 0;
	size_t nslots = (size_t)1 << bits, mask = nslots - 1;
	uint64_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t k = 0; k <= ix->mask; k++) {
		uint64_t s = ix->slots[k];
		if (!s)
			continue;
		size_t i = tag_home(SLOT_TAG(s), bits);
		while (slots[i])
			i = (i + 1) & mask;
		slots[i] = s;
	}
	free(ix->slots);
	ix->slots = slots;
	ix->mask = mask;
	ix->bits = bits;
	return 0;
}

/* Room for more new entries, so the inserts that follow cannot fail. */
static int entries_reserve(struct repo_index *ix, size_t more)
{
	if (ix->n + more > WARD_BACKUP_INDEX_BLOBS_MAX)
		return err_set(-E2BIG, "the index would hold more than %u blobs", WARD_BACKUP_INDEX_BLOBS_MAX);
	if (ix->n + more > ix->cap) {
		size_t cap = ix->cap ? ix->cap : 1024;
		while (cap < ix->n + more)
			cap *= 2;
		void *p = realloc(ix->entries, cap * sizeof(*ix->entries));
		if (!p)
			return -ENOMEM;
		ix->entries = p;
		ix->cap = cap;
	}
	return slots_grow(ix, ix->used + more);
}

static void entry_insert(struct repo_index *ix, size_t slot, const struct index_entry *e)
{
	ix->entries[ix->n] = *e;
	ix->slots[slot] = SLOT_MAKE(id_tag(e->id), ix->n + 1);
	ix->n++;
	ix->used++;
}

/* Removes a slot, moving later ones of its run back (linear probing needs no tombstone). */
static void slot_delete(struct repo_index *ix, size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & ix->mask;
		uint64_t s = ix->slots[j];
		if (!s)
			break;
		size_t home = tag_home(SLOT_TAG(s), ix->bits);
		/* s may move to i unless its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			ix->slots[i] = s;
			i = j;
		}
	}
	ix->slots[i] = 0;
	ix->used--;
}

static int pack_number(struct repo_index *ix, const uint8_t *pack, uint32_t *ret)
{
	size_t i = id_hash(pack) & ix->pmask;
	for (uint32_t s; (s = ix->pslots[i]); i = (i + 1) & ix->pmask)
		if (memcmp(ix->packs[s - 1], pack, REPO_ID_LEN) == 0) {
			*ret = s - 1;
			return 0;
		}
	if (ix->npacks >= INDEX_DELETED - 1)
		return err_set(-E2BIG, "the index names too many packs");
	if (ix->npacks == ix->packs_cap) {
		size_t cap = ix->packs_cap ? ix->packs_cap * 2 : 256;
		void *p = realloc(ix->packs, cap * sizeof(*ix->packs));
		if (!p)
			return -ENOMEM;
		ix->packs = p;
		ix->packs_cap = cap;
	}
	if ((ix->npacks + 1) * 2 > ix->pmask + 1) {
		size_t nslots = (ix->pmask + 1) * 2, mask = nslots - 1;
		uint32_t *slots = calloc(nslots, sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		for (size_t k = 0; k < ix->npacks; k++) {
			size_t h = id_hash(ix->packs[k]) & mask;
			while (slots[h])
				h = (h + 1) & mask;
			slots[h] = (uint32_t)(k + 1);
		}
		free(ix->pslots);
		ix->pslots = slots;
		ix->pmask = mask;
		i = id_hash(pack) & mask;
		while (ix->pslots[i])
			i = (i + 1) & mask;
	}
	memcpy(ix->packs[ix->npacks], pack, REPO_ID_LEN);
	ix->pslots[i] = (uint32_t)(ix->npacks + 1);
	*ret = (uint32_t)ix->npacks++;
	return 0;
}

/* Records a pack's blobs; the caller holds the mutex. */
static int index_add_locked(struct repo_index *ix, const uint8_t pack[REPO_ID_LEN],
			    const struct repo_pack_entry *entries, size_t n)
{
	uint32_t pn;
	int r;
	for (size_t k = 0; k < n; k++)
		if (entries[k].offset + entries[k].stored_len > UINT32_MAX)
			return err_set(-EBADMSG, "a pack reaches past 4 GiB");
	if ((r = entries_reserve(ix, n)) < 0 || (r = pack_number(ix, pack, &pn)) < 0)
		return r;
	for (size_t k = 0; k < n; k++) {
		const struct repo_pack_entry *pe = &entries[k];
		size_t slot = slot_find(ix, pe->type, pe->id);
		struct index_entry e = {.pack = pn,
					.offset = (uint32_t)pe->offset,
					.stored_len = pe->stored_len,
					.raw_len = pe->raw_len,
					.type = pe->type};
		memcpy(e.id, pe->id, REPO_ID_LEN);
		if (ix->slots[slot]) {
			struct index_entry *old = &ix->entries[SLOT_ENTRY(ix->slots[slot]) - 1];
			if (old->pack == INDEX_PENDING) { /* a writer finished it */
				*old = e;
				ix->live++;
			}
			continue; /* else it stays where it was seen first */
		}
		entry_insert(ix, slot, &e);
		ix->live++;
	}
	return 0;
}

int repo_index_add(struct repo *r, const uint8_t pack[REPO_ID_LEN], const struct repo_pack_entry *entries, size_t n)
{
	struct repo_index *ix = r->index;
	struct repo_pack_entry *copy = malloc((n ? n : 1) * sizeof(*copy));
	int ret;
	if (!copy)
		return -ENOMEM;
	memcpy(copy, entries, n * sizeof(*copy));
	pthread_mutex_lock(&ix->mu);
	if (ix->nfresh == ix->fresh_cap) {
		size_t cap = ix->fresh_cap ? ix->fresh_cap * 2 : 16;
		void *p = realloc(ix->fresh, cap * sizeof(*ix->fresh));
		if (!p) {
			ret = -ENOMEM;
			goto out;
		}
		ix->fresh = p;
		ix->fresh_cap = cap;
	}
	if ((ret = index_add_locked(ix, pack, entries, n)) < 0)
		goto out;
	struct fresh_pack *f = &ix->fresh[ix->nfresh++];
	memcpy(f->id, pack, REPO_ID_LEN);
	f->entries = copy;
	f->n = n;
	copy = NULL;
out:
	pthread_mutex_unlock(&ix->mu);
	free(copy);
	return ret;
}

bool repo_index_has(struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN])
{
	struct repo_index *ix = r->index;
	pthread_mutex_lock(&ix->mu);
	bool has = ix->slots[slot_find(ix, (uint8_t)type, id)] != 0;
	pthread_mutex_unlock(&ix->mu);
	return has;
}

int repo_index_lookup(struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
		      struct repo_blob_location *ret)
{
	struct repo_index *ix = r->index;
	char hex[REPO_HEX_LEN];
	bool found = false, pending = false;
	pthread_mutex_lock(&ix->mu);
	uint64_t s = ix->slots[slot_find(ix, (uint8_t)type, id)];
	if (s) {
		const struct index_entry *e = &ix->entries[SLOT_ENTRY(s) - 1];
		pending = e->pack == INDEX_PENDING;
		if (!pending) {
			memcpy(ret->pack, ix->packs[e->pack], REPO_ID_LEN);
			ret->offset = e->offset;
			ret->stored_len = e->stored_len;
			ret->raw_len = e->raw_len;
			found = true;
		}
	}
	size_t damaged = json_array_size(ix->damaged);
	pthread_mutex_unlock(&ix->mu);
	if (found)
		return 0;
	repo_id_hex(id, hex);
	if (pending)
		return err_set(-EAGAIN, "blob %s is in a pack still being written", hex);
	if (damaged)
		return err_set(
		    -ENOENT, "blob %s is not in the index (%zu index files could not be read; run 'ward backup check')",
		    hex, damaged);
	return err_set(-ENOENT, "blob %s is not in the index", hex);
}

size_t repo_index_count(struct repo *r)
{
	struct repo_index *ix = r->index;
	pthread_mutex_lock(&ix->mu);
	size_t n = ix->live;
	pthread_mutex_unlock(&ix->mu);
	return n;
}

int repo_index_reserve(struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN])
{
	struct repo_index *ix = r->index;
	int ret;
	pthread_mutex_lock(&ix->mu);
	if (ix->slots[slot_find(ix, (uint8_t)type, id)]) {
		ret = 0;
	} else if ((ret = entries_reserve(ix, 1)) == 0) {
		struct index_entry e = {.pack = INDEX_PENDING, .type = (uint8_t)type};
		memcpy(e.id, id, REPO_ID_LEN);
		entry_insert(ix, slot_find(ix, (uint8_t)type, id), &e); /* the table may have grown */
		ret = 1;
	}
	pthread_mutex_unlock(&ix->mu);
	return ret;
}

void repo_index_release(struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN])
{
	struct repo_index *ix = r->index;
	pthread_mutex_lock(&ix->mu);
	size_t slot = slot_find(ix, (uint8_t)type, id);
	uint64_t s = ix->slots[slot];
	if (s && ix->entries[SLOT_ENTRY(s) - 1].pack == INDEX_PENDING) {
		ix->entries[SLOT_ENTRY(s) - 1].pack = INDEX_DELETED;
		slot_delete(ix, slot);
	}
	pthread_mutex_unlock(&ix->mu);
}

const json_t *repo_index_damaged(const struct repo *r)
{
	return r->index->damaged;
}

/* --- index files --- */

int repo_index_encode(const uint8_t (*packs)[REPO_ID_LEN], const struct repo_pack_entry *const *entries,
		      const size_t *counts, size_t npacks, uint8_t **ret, size_t *ret_len)
{
	size_t len = INDEX_HEAD_LEN;
	for (size_t i = 0; i < npacks; i++)
		len += INDEX_PACK_HEAD_LEN + counts[i] * REPO_PACK_ENTRY_LEN;
	if (npacks > UINT32_MAX)
		return -E2BIG;
	uint8_t *buf = malloc(len), *p = buf;
	if (!buf)
		return -ENOMEM;
	memcpy(p, REPO_INDEX_MAGIC, 4);
	repo_le32_put(p + 4, REPO_INDEX_VERSION);
	repo_le32_put(p + 8, (uint32_t)npacks);
	p += INDEX_HEAD_LEN;
	for (size_t i = 0; i < npacks; i++) {
		memcpy(p, packs[i], REPO_ID_LEN);
		repo_le32_put(p + REPO_ID_LEN, (uint32_t)counts[i]);
		p += INDEX_PACK_HEAD_LEN;
		for (size_t k = 0; k < counts[i]; k++, p += REPO_PACK_ENTRY_LEN)
			repo_pack_entry_encode(&entries[i][k], p);
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int repo_index_decode(const uint8_t *plain, size_t len, repo_index_fn fn, void *ctx)
{
	struct repo_pack_entry *entries = NULL;
	size_t cap = 0, off = INDEX_HEAD_LEN;
	int r = 0;
	if (len < INDEX_HEAD_LEN || memcmp(plain, REPO_INDEX_MAGIC, 4) != 0)
		return err_set(-EBADMSG, "it is not an index (no WIDX)");
	if (repo_le32_get(plain + 4) != REPO_INDEX_VERSION)
		return err_set(-EBADMSG, "it has index version %u, not %d", repo_le32_get(plain + 4),
			       REPO_INDEX_VERSION);
	uint32_t npacks = repo_le32_get(plain + 8);
	for (uint32_t i = 0; i < npacks; i++) {
		if (len - off < INDEX_PACK_HEAD_LEN) {
			r = err_set(-EBADMSG, "it ends inside pack %u of %u", i + 1, npacks);
			goto out;
		}
		const uint8_t *pack = plain + off;
		uint32_t n = repo_le32_get(plain + off + REPO_ID_LEN);
		off += INDEX_PACK_HEAD_LEN;
		if (n == 0 || n > WARD_BACKUP_PACK_BLOBS_MAX) {
			r = err_set(-EBADMSG, "pack %u of %u has %u blobs", i + 1, npacks, n);
			goto out;
		}
		if ((len - off) / REPO_PACK_ENTRY_LEN < n) {
			r = err_set(-EBADMSG, "it ends inside the blobs of pack %u of %u", i + 1, npacks);
			goto out;
		}
		if (n > cap) {
			free(entries);
			cap = n;
			if (!(entries = malloc(cap * sizeof(*entries)))) {
				r = -ENOMEM;
				goto out;
			}
		}
		for (uint32_t k = 0; k < n; k++, off += REPO_PACK_ENTRY_LEN)
			if ((r = repo_pack_entry_decode(plain + off, &entries[k])) < 0)
				goto out;
		if ((r = fn(ctx, pack, entries, n)) < 0)
			goto out;
	}
	if (off != len)
		r = err_set(-EBADMSG, "it has %zu bytes after its last pack", len - off);
out:
	free(entries);
	return r;
}

static int load_pack(void *ctx, const uint8_t pack[REPO_ID_LEN], const struct repo_pack_entry *e, size_t n)
{
	struct repo_index *ix = ctx;
	pthread_mutex_lock(&ix->mu);
	int r = index_add_locked(ix, pack, e, n);
	pthread_mutex_unlock(&ix->mu);
	return r;
}

/* Reads one index file into the table; -EBADMSG with a message when damaged. */
static int load_file(struct repo *r, const char *dir, const char *id)
{
	uint8_t *bytes = NULL, *plain = NULL;
	size_t len, plain_len;
	char label[80];
	snprintf(label, sizeof(label), "index/%s", id);
	int ret = repo_file_load(dir, id, WARD_BACKUP_FILE_MAX + REPO_BLOB_OVERHEAD, &bytes, &len);
	if (ret < 0)
		return ret;
	ret = repo_file_open_bytes(r, label, bytes, len, REPO_AAD_INDEX, &plain, &plain_len);
	free(bytes);
	if (ret < 0)
		return ret;
	/* Room for all its blobs at once: one growth of the table, not a dozen. */
	pthread_mutex_lock(&r->index->mu);
	ret = entries_reserve(r->index, plain_len / REPO_PACK_ENTRY_LEN);
	pthread_mutex_unlock(&r->index->mu);
	if (ret == 0)
		ret = repo_index_decode(plain, plain_len, load_pack, r->index);
	free(plain);
	if (ret == -EBADMSG)
		return err_set(ret, "'%s' is damaged: %s", label, err_msg(ret));
	return ret;
}

int repo_index_load(struct repo *r)
{
	char dir[4096], (*ids)[REPO_HEX_LEN] = NULL;
	size_t n = 0;
	int ret = repo_join(r, dir, sizeof(dir), "index");
	if (ret < 0 || (ret = repo_dir_ids(dir, WARD_BACKUP_FILES_MAX, &ids, &n)) < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		ret = load_file(r, dir, ids[i]);
		if (ret == -ENOMEM || ret == -E2BIG)
			goto out;
		if (ret < 0) { /* check reports it; the other files still count */
			json_array_append_new(r->index->damaged, json_pack("{s:s+, s:s}", "file", "index/", ids[i],
									   "problem", err_msg(ret)));
		}
	}
	ret = 0;
out:
	free(ids);
	return ret;
}

/* Writes packs[0..n) as one index file. */
static int flush_write(struct repo *r, const struct fresh_pack *packs, size_t n)
{
	uint8_t(*ids)[REPO_ID_LEN] = malloc(n * sizeof(*ids));
	const struct repo_pack_entry **entries = malloc(n * sizeof(*entries));
	size_t *counts = malloc(n * sizeof(*counts));
	uint8_t *plain = NULL;
	size_t len;
	int ret = -ENOMEM;
	if (!ids || !entries || !counts)
		goto out;
	for (size_t i = 0; i < n; i++) {
		memcpy(ids[i], packs[i].id, REPO_ID_LEN);
		entries[i] = packs[i].entries;
		counts[i] = packs[i].n;
	}
	if ((ret = repo_index_encode((const uint8_t(*)[REPO_ID_LEN])ids, entries, counts, n, &plain, &len)) < 0)
		goto out;
	ret = repo_file_write_level(r, "index", plain, len, REPO_AAD_INDEX, 1, NULL);
	if (ret < 0)
		ret = err_set(ret, "cannot write an index file: %s", err_msg(ret));
out:
	free(plain);
	free(ids);
	free(entries);
	free(counts);
	return ret;
}

int repo_index_flush(struct repo *r)
{
	struct repo_index *ix = r->index;
	pthread_mutex_lock(&ix->mu);
	struct fresh_pack *fresh = ix->fresh;
	size_t nfresh = ix->nfresh;
	ix->fresh = NULL;
	ix->nfresh = ix->fresh_cap = 0;
	pthread_mutex_unlock(&ix->mu);

	size_t done = 0;
	int ret = 0;
	while (done < nfresh) {
		/* As many packs as fit WARD_BACKUP_INDEX_FILE_BLOBS blobs, at least one. */
		size_t end = done, blobs = 0;
		while (end < nfresh && (end == done || blobs + fresh[end].n <= WARD_BACKUP_INDEX_FILE_BLOBS))
			blobs += fresh[end++].n;
		if ((ret = flush_write(r, fresh + done, end - done)) < 0)
			break;
		for (size_t i = done; i < end; i++)
			free(fresh[i].entries);
		done = end;
	}
	if (done < nfresh) {
		/* Put what was not written back in front of what came meanwhile. */
		pthread_mutex_lock(&ix->mu);
		size_t left = nfresh - done, total = left + ix->nfresh;
		struct fresh_pack *merged = malloc(total * sizeof(*merged));
		if (merged) {
			memcpy(merged, fresh + done, left * sizeof(*merged));
			if (ix->nfresh)
				memcpy(merged + left, ix->fresh, ix->nfresh * sizeof(*merged));
			free(ix->fresh);
			ix->fresh = merged;
			ix->nfresh = ix->fresh_cap = total;
		} else {
			for (size_t i = done; i < nfresh; i++)
				free(fresh[i].entries);
			ret = err_set(-ENOMEM, "out of memory keeping %zu packs for the next index file", left);
		}
		pthread_mutex_unlock(&ix->mu);
	}
	free(fresh);
	return ret;
}
