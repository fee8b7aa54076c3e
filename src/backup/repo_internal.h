/*
 * repo_internal.h: what the repo_*.c files share and nothing outside src/backup/ (and
 * its tests and fuzz targets) should use: struct repo, the per-thread cipher contexts,
 * the sealed-payload format and the decoders of pack headers and index files.
 */
#ifndef WARD_BACKUP_REPO_INTERNAL_H
#define WARD_BACKUP_REPO_INTERNAL_H

#include <limits.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backup/repo.h"
#include "core/limits.h"

#define REPO_MASTER_LEN 96 /* encryption key, id key, chunker key */
#define REPO_AAD_PACK_HEADER "ward-pack-header-v1"
#define REPO_AAD_INDEX "ward-index-v1"
#define REPO_INDEX_MAGIC "WIDX"
#define REPO_INDEX_VERSION 1
#define REPO_FORMAT_VERSION 1
#define REPO_AEAD_OVERHEAD (REPO_NONCE_LEN + REPO_TAG_LEN) /* nonce and tag */
/* The largest encrypted pack header: a count and WARD_BACKUP_PACK_BLOBS_MAX entries. */
#define REPO_PACK_HEADER_MAX (4 + (size_t)WARD_BACKUP_PACK_BLOBS_MAX * REPO_PACK_ENTRY_LEN + REPO_AEAD_OVERHEAD)

/* HMAC-SHA-256 under one key, its two padded key blocks already hashed: what each
 * message starts from (repo_hmac.c). */
struct repo_hmac_state {
	uint32_t inner[8]; /* SHA-256 state after key ^ ipad */
	uint32_t outer[8]; /* SHA-256 state after key ^ opad */
};

/* AES-256-GCM under one key, prepared (repo_gcm.c): its round keys, the powers of
 * GHASH's H with their bytes reversed, h[15 - i] being H^(i+1), and each power's two
 * halves xored (in both halves of hk[i]). */
struct repo_gcm_key {
	uint8_t rk[15][16];
	uint8_t h[16][16];
	uint8_t hk[16][16];
};

/* The keys, in memory from sodium_malloc (guard pages, locked, wiped when freed). */
struct repo_keys {
	uint8_t enc[32];	     /* AES-256-GCM */
	uint8_t mac[32];	     /* HMAC-SHA-256: blob ids */
	uint8_t chunker[32];	     /* seeds the gear table */
	struct repo_hmac_state hmac; /* mac prepared for repo_hmac1 and _many (with the SHA extensions) */
	struct repo_gcm_key gcm;     /* enc prepared for repo_gcm_seal and _open (with VAES) */
};

struct repo_index;
struct repo_lockstate;

struct repo {
	char *path;		     /* the repository folder, as given */
	struct repo_config config;   /* from the config file */
	struct repo_keys *keys;	     /* sodium_malloc'd */
	char key_id[REPO_HEX_LEN];   /* the key file that opened it ("" for memory-only) */
	uint64_t serial;	     /* tells the per-thread contexts which repo they hold */
	EVP_MAC_CTX *mac;	     /* HMAC keyed with keys->mac: copied per thread */
	EVP_CIPHER *aes;	     /* AES-256-GCM, fetched once */
	struct repo_index *index;    /* repo_index.c */
	struct repo_lockstate *lock; /* repo_lock.c; NULL when no lock is held */
};

/* Builds a handle with the master key's three parts and an empty index, and nothing on
 * disk read (path may name nothing: tests and fuzz targets). */
int repo_new(const char *path, const uint8_t master[REPO_MASTER_LEN], struct repo **ret);

/* Reads and checks path/config. -ENOENT "not a repository", -EBADMSG, -ENOTSUP. */
int repo_config_read(const char *path, struct repo_config *ret);

/* "<repo>/<rel>" into out. */
int repo_join(const struct repo *r, char *out, size_t size, const char *rel);

/* "<repo>/data/<xx>/<hex>" for a pack. */
int repo_pack_path(const struct repo *r, const uint8_t pack[REPO_ID_LEN], char *out, size_t size);

/* The use of a CPU extension (repo_hmac.c, repo_gcm.c): whether the CPU has it,
 * probed once (every thread that asks first computes the same), and whether the tests
 * have turned it off to reach the OpenSSL path (set between runs). */
struct repo_cpu_ext {
	int has; /* -1 until probed */
	bool off;
};

static inline bool repo_cpu_has(struct repo_cpu_ext *x, bool (*probe)(void))
{
	int h = __atomic_load_n(&x->has, __ATOMIC_RELAXED);
	if (h < 0) {
		h = probe();
		__atomic_store_n(&x->has, h, __ATOMIC_RELAXED);
	}
	return h;
}

static inline bool repo_cpu_use(struct repo_cpu_ext *x, bool (*probe)(void))
{
	return repo_cpu_has(x, probe) && !x->off;
}

/* --- repo_hmac.c --- */

/* Whether this CPU has the SHA extensions that repo_hmac1 and repo_hmac_many need (and
 * the tests have not turned them off with repo_hmac_disable). Without them blob ids
 * go through OpenSSL. */
bool repo_hmac_fast(void);
void repo_hmac_disable(bool off);

/* key's two padded blocks hashed, for repo_hmac1 and repo_hmac_many (zeros without the
 * SHA extensions). */
void repo_hmac_prepare(const uint8_t key[32], struct repo_hmac_state *ret);

/* HMAC-SHA-256 of len bytes at data under k's key into mac; repo_hmac_many of n
 * messages, two at a time side by side (about the time of one), each lane taking the
 * next message as its last one ends. Only when repo_hmac_fast. */
void repo_hmac1(const struct repo_hmac_state *k, const void *data, size_t len, uint8_t mac[REPO_ID_LEN]);
void repo_hmac_many(const struct repo_hmac_state *k, const struct repo_id_job *m, size_t n);

/* Plain SHA-256 of a stream fed in pieces (a pack's bytes: its name), with the SHA
 * extensions: only when repo_hmac_fast was true for the stream's writer. */
struct repo_sha_stream {
	uint32_t s[8];	  /* the state after the whole blocks so far */
	uint64_t total;	  /* bytes fed */
	uint8_t part[64]; /* the last total % 64 of them */
};
void repo_sha_stream_init(struct repo_sha_stream *st);
void repo_sha_stream_update(struct repo_sha_stream *st, const void *data, size_t len);
void repo_sha_stream_final(struct repo_sha_stream *st, uint8_t out[REPO_ID_LEN]);

/* repo_hmac_many, and len bytes at data fed to st meanwhile: their whole blocks are one
 * more message in the lanes, so a pack's hash costs its writer about nothing while
 * it names the next blobs. */
void repo_hmac_many_with(const struct repo_hmac_state *k, const struct repo_id_job *m, size_t n,
			 struct repo_sha_stream *st, const void *data, size_t len);

/* --- repo_gcm.c --- */

/* Whether this CPU has the VAES, VPCLMULQDQ and AVX2 extensions that repo_gcm_seal
 * and repo_gcm_open need (and the tests have not turned them off with
 * repo_gcm_disable). Without them AES-256-GCM goes through OpenSSL. */
bool repo_gcm_fast(void);
void repo_gcm_disable(bool off);

/* key's round keys and powers of H (zeros without the extensions). */
void repo_gcm_prepare(const uint8_t key[32], struct repo_gcm_key *ret);

/* AES-256-GCM under k and the nonce, with aad: the n1 bytes at p1 then the n2 at p2
 * encrypted as one message into ct, its tag after them (p2 may be ct + n1). Only when
 * repo_gcm_fast. */
void repo_gcm_seal(const struct repo_gcm_key *k, const uint8_t nonce[REPO_NONCE_LEN], const void *aad,
		   size_t aad_len, const uint8_t *p1, size_t n1, const uint8_t *p2, size_t n2, uint8_t *ct);

/* The len bytes of ct decrypted, the first n1 into out1 and the rest into out2 (which
 * may be ct + n1), and checked against tag: -EBADMSG when they do not match, the output
 * then being garbage. Only when repo_gcm_fast. */
int repo_gcm_open(const struct repo_gcm_key *k, const uint8_t nonce[REPO_NONCE_LEN], const void *aad,
		  size_t aad_len, const uint8_t *ct, size_t len, const uint8_t tag[REPO_TAG_LEN], uint8_t *out1,
		  size_t n1, uint8_t *out2);

/* c, the first byte of a message's ciphertext, decrypted and not checked: for choosing
 * where the rest goes before repo_gcm_open decrypts and checks the whole. */
uint8_t repo_gcm_first(const struct repo_gcm_key *k, const uint8_t nonce[REPO_NONCE_LEN], uint8_t c);

/* --- repo_crypto.c --- */

/* Per-thread contexts, keyed for r on first use in a thread. NULL on OOM. */
struct repo_tls {
	uint64_t serial; /* the repo the keyed contexts are for; 0 none */
	EVP_MAC_CTX *mac;
	EVP_CIPHER_CTX *enc, *dec;
	void *zc, *zd; /* ZSTD_CCtx, ZSTD_DCtx; not tied to a repo */
};
struct repo_tls *repo_tls_get(const struct repo *r);

/* Forgets the calling thread's keyed contexts when they are r's. */
void repo_tls_forget(const struct repo *r);

/* nonce || AES-256-GCM(p1 || p2, aad) || tag into out (REPO_AEAD_OVERHEAD + n1 + n2
 * bytes). p1 may be out + REPO_NONCE_LEN and p2 out + REPO_NONCE_LEN + n1 (in place). */
int repo_aead_seal(const struct repo *r, const void *aad, size_t aad_len, const uint8_t *p1, size_t n1,
		   const uint8_t *p2, size_t n2, uint8_t *out);

/* The reverse: in_len - REPO_AEAD_OVERHEAD bytes of plaintext, the first n1 to out1, the
 * rest to out2. -EBADMSG (no message set) when the tag does not verify: the outputs then
 * hold garbage that must not be used. */
int repo_aead_open(const struct repo *r, const void *aad, size_t aad_len, const uint8_t *in, size_t in_len,
		   uint8_t *out1, size_t n1, uint8_t *out2);

/* A sealed payload: nonce || GCM(compression byte || (zstd) data, aad) || tag; zstd
 * kept only when it saves 1/32. out_size >= len + REPO_BLOB_OVERHEAD. */
int repo_payload_seal(const struct repo *r, const void *aad, size_t aad_len, const void *plain, size_t len,
		      int zstd_level, uint8_t *out, size_t out_size, size_t *ret_len);

/* Opens a sealed payload of at most max plaintext bytes (exactly expect unless it is
 * SIZE_MAX). -EBADMSG with *why (static text) when damaged; *ret is NUL-terminated. */
int repo_payload_open(const struct repo *r, const void *aad, size_t aad_len, const uint8_t *in, size_t in_len,
		      size_t max, size_t expect, uint8_t **ret, size_t *ret_len, const char **why);

/* repo_payload_open without allocating: decrypts in (nonce, ciphertext, tag) in place
 * and decompresses into *raw (grown with realloc; *raw_cap its size; the caller frees).
 * *ret points into in or *raw; in holds garbage after a failure. */
int repo_payload_open_in_place(const struct repo *r, const void *aad, size_t aad_len, uint8_t *in, size_t in_len,
			       size_t max, size_t expect, uint8_t **raw, size_t *raw_cap, const uint8_t **ret,
			       size_t *ret_len, const char **why);

/* Opens a sealed payload of exactly expect plaintext bytes into dst (room for expect):
 * decrypted straight there when it was stored uncompressed, else decrypted in place
 * (in_place) or into *scratch (grown with realloc; the caller frees) and decompressed
 * there. Unless in_place, in is left as it was (it may be shared). dst holds garbage
 * after a failure. -EBADMSG with *why. */
int repo_payload_open_to(const struct repo *r, const void *aad, size_t aad_len, uint8_t *in, size_t in_len,
			 bool in_place, size_t expect, uint8_t *dst, uint8_t **scratch, size_t *scratch_cap,
			 const char **why);

/* repo_blob_open with the plaintext length the index gives (SIZE_MAX: unknown). */
int repo_blob_open_expect(const struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
			  const void *stored, size_t stored_len, size_t expect, uint8_t **ret, size_t *ret_len);

/* --- repo_pack.c --- */

/* A pack being written; see repo_pack_writer_new. */
struct repo_pack_writer {
	struct repo *r;
	int fd;		 /* the temporary pack file, or -1 before the first blob */
	char tmp[4096];	 /* its name: data/<random>.tmp */
	EVP_MD_CTX *sha; /* SHA-256 of the bytes so far: the pack's name (without the SHA extensions) */
	bool fast;		       /* with them: stream instead of sha */
	struct repo_sha_stream stream; /* that SHA-256 */
	size_t hashed;		       /* buf's bytes in it so far (fast: the rest waits for repo_pack_writer_ids) */
	uint64_t size;	 /* bytes so far, buffered ones included */
	uint8_t *buf;	 /* blobs not yet written, sealed in place */
	size_t buf_len, buf_cap;
	uint8_t *scratch; /* for a blob larger than buf */
	size_t scratch_cap;
	struct repo_pack_entry *entries; /* the header */
	bool *reserved;			 /* entries[i] was reserved in the index by this writer */
	size_t n, cap;
	struct repo_pack_syncer *syncer; /* finishes full packs in the background; NULL: here */
};

/* Finishes the pack first when a blob of up to bound bytes would take it past
 * WARD_BACKUP_PACK_TARGET or WARD_BACKUP_PACK_BLOBS_MAX; then returns where to seal it
 * (*ret: bound bytes). */
int repo_pack_writer_space(struct repo_pack_writer *w, size_t bound, uint8_t **ret);

/* Appends the len bytes at p (from repo_pack_writer_space) as the blob e describes
 * (its offset is set here), and finishes the pack when it is full. Takes over the
 * index reservation when reserved: released on failure, here or with the pack. */
int repo_pack_writer_commit(struct repo_pack_writer *w, const uint8_t *p, size_t len, struct repo_pack_entry e,
			    bool reserved);

/* One 49-byte header or index entry: encoded, and decoded with the checks that need
 * no other entry (type, lengths, below 4 GiB). */
void repo_pack_entry_encode(const struct repo_pack_entry *e, uint8_t *p);
int repo_pack_entry_decode(const uint8_t *p, struct repo_pack_entry *e);

/* Decodes a pack header's plaintext for a pack whose blobs take data_len bytes: a
 * count, then that many entries in file order, each inside data_len, none overlapping.
 * -EBADMSG with a message saying what is wrong (no pack named). */
int repo_pack_header_decode(const uint8_t *plain, size_t len, uint64_t data_len, struct repo_pack_entry **ret,
			    size_t *ret_n);

/* A pack's header from its last bytes: tail holds the final tail_len bytes of a pack of
 * pack_size bytes (all of it, or at least the header and its length). -EBADMSG with a
 * message (no pack named) when truncated or damaged; -EAGAIN with *ret_need set when
 * tail is too short to hold the header. */
int repo_pack_header_parse(const struct repo *r, const uint8_t *tail, size_t tail_len, uint64_t pack_size,
			   struct repo_pack_entry **ret, size_t *ret_n, size_t *ret_need);

/* --- repo_index.c --- */

/* Decodes an index file's plaintext; calls fn for each pack with its blobs (valid for
 * the call). Stops at fn's first error. -EBADMSG with a message when malformed. */
typedef int (*repo_index_fn)(void *ctx, const uint8_t pack[REPO_ID_LEN], const struct repo_pack_entry *e, size_t n);
int repo_index_decode(const uint8_t *plain, size_t len, repo_index_fn fn, void *ctx);

/* Encodes packs (ids and their blobs) as an index file's plaintext. Caller frees. */
int repo_index_encode(const uint8_t (*packs)[REPO_ID_LEN], const struct repo_pack_entry *const *entries,
		      const size_t *counts, size_t npacks, uint8_t **ret, size_t *ret_len);

int repo_index_new(struct repo_index **ret);
void repo_index_free(struct repo_index *ix);

/* Reads every index file. Damaged ones are skipped and remembered for repo_check. */
int repo_index_load(struct repo *r);

/* Index files that could not be read at open: their names and why. Borrowed. */
const json_t *repo_index_damaged(const struct repo *r);

/* 1 when the caller now stores the blob (marked in writing), 0 when it is known. */
int repo_index_reserve(struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN]);

/* Forgets a reservation whose blob was never finished in a pack. */
void repo_index_release(struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN]);

/* --- repo_file.c --- */

/* repo_file_write with a zstd level. */
int repo_file_write_level(struct repo *r, const char *dir, const void *data, size_t len, const char *aad, int level,
			  char ret_id[REPO_HEX_LEN]);

/* The names in dirpath that are 64 lower-case hex digits (at most max), sorted. */
int repo_dir_ids(const char *dirpath, size_t max, char (**ret)[REPO_HEX_LEN], size_t *ret_n);

/* Reads dirpath/name (at most max bytes) and checks its SHA-256 is its name. -EBADMSG
 * with a message when it is not. */
int repo_file_load(const char *dirpath, const char *name, size_t max, uint8_t **ret, size_t *ret_len);

/* Opens dir/name's sealed bytes with aad: -EBADMSG naming "dir/name" when damaged. */
int repo_file_open_bytes(const struct repo *r, const char *label, const uint8_t *bytes, size_t len, const char *aad,
			 uint8_t **ret, size_t *ret_len);

/* fsyncs a folder. */
int repo_sync_dir(const char *dirpath);

/* Whole-buffer write and pread, restarting after EINTR. */
int repo_write_all(int fd, const void *data, size_t len);
int repo_pread_all(int fd, void *data, size_t len, uint64_t offset, size_t *ret_got);

/* --- repo_keys.c --- */

/* Tries every key file with password; on success master and key_id are set. */
int repo_keys_unlock(const char *path, const char *password, uint8_t master[REPO_MASTER_LEN],
		     char key_id[REPO_HEX_LEN]);

/* Checks WARD_BACKUP_KDF (the argon2id cost for new keys) when it is set. */
int repo_keys_kdf_check(void);

/* Writes a new key file wrapping master under password into path/keys/. */
int repo_keys_write(const char *path, const char *password, const uint8_t master[REPO_MASTER_LEN],
		    char ret_id[REPO_HEX_LEN]);

/* Reads every key file; appends {"file", "problem"} to damaged for each that is not
 * sound. *ret_n gets how many there are. */
int repo_keys_check(const char *path, json_t *damaged, size_t *ret_n);

/* --- repo_lock.c --- */
void repo_lock_free(struct repo *r);

/* Little-endian helpers. */
static inline void repo_le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void repo_le64_put(uint8_t *p, uint64_t v)
{
	repo_le32_put(p, (uint32_t)v);
	repo_le32_put(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t repo_le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t repo_le64_get(const uint8_t *p)
{
	return (uint64_t)repo_le32_get(p) | (uint64_t)repo_le32_get(p + 4) << 32;
}

#endif
