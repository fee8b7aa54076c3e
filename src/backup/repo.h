/*
 * repo.h: the backup repository of docs/internals/backup-format.md: its keys, blobs
 * (HMAC ids, zstd, AES-256-GCM), packs, the in-memory index, encrypted small files
 * (snapshots, index files), locks and check. The snapshot, tree and backup pipeline
 * build on this and never touch the files themselves.
 *
 * Threads: a struct repo may be used from many threads at once for blobs, packs, the
 * index and files (each thread keeps its own cipher, MAC and zstd contexts). The key
 * functions, repo_lock / repo_unlock and repo_close want one thread and nothing else in
 * flight. A struct repo_pack_writer belongs to one thread: give each worker its own
 * (they share the index, which has its own mutex).
 *
 * Errors: 0 or a negative errno with err_set(); outputs are written only on success.
 * -ENOENT missing, -EACCES wrong password, -EBADMSG damaged data (the message names the
 * blob, pack or file), -EBUSY locked, -EEXIST exists, -EINVAL bad argument.
 */
#ifndef WARD_BACKUP_REPO_H
#define WARD_BACKUP_REPO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPO_ID_LEN 32					       /* blob, pack, file and key ids, bytes */
#define REPO_HEX_LEN (2 * REPO_ID_LEN + 1)		       /* an id as hex with its NUL */
#define REPO_NONCE_LEN 12				       /* AES-256-GCM nonce */
#define REPO_TAG_LEN 16					       /* AES-256-GCM tag */
#define REPO_BLOB_OVERHEAD (REPO_NONCE_LEN + 1 + REPO_TAG_LEN) /* stored - compressed bytes */
#define REPO_PACK_ENTRY_LEN 49				       /* type, id, offset u64, stored u32, raw u32 */

/* The associated data of snapshot files (repo_file_write / repo_file_read). */
#define REPO_AAD_SNAPSHOT "ward-snapshot-v1"

/* zstd_level argument: 0 stores without trying to compress; 1..19 and the negative
 * fast levels are zstd's. */
#define REPO_ZSTD_OFF 0

enum repo_blob_type {
	REPO_BLOB_DATA = 1, /* a chunk of a file */
	REPO_BLOB_TREE = 2, /* a directory listing (JSON) */
};

struct repo;
struct repo_pack_writer;

/* The plaintext config file. */
struct repo_config {
	int version;	       /* format version: 1 */
	char id[REPO_HEX_LEN]; /* random repository id */
	uint32_t chunk_min;    /* content-defined chunking: smallest chunk, bytes */
	uint32_t chunk_avg;    /* average chunk (a power of two) */
	uint32_t chunk_max;    /* largest chunk */
	uint32_t chunk_norm;   /* the chunker's normalization level (chunker.h); 2 when unset */
};

/* One blob in a pack, as its header and the index list it. */
struct repo_pack_entry {
	uint8_t id[REPO_ID_LEN]; /* HMAC-SHA-256 of the plaintext */
	uint8_t type;		 /* enum repo_blob_type */
	uint64_t offset;	 /* from the start of the pack */
	uint32_t stored_len;	 /* bytes in the pack: nonce, ciphertext, tag */
	uint32_t raw_len;	 /* plaintext bytes */
};

/* Where the index says a blob is. */
struct repo_blob_location {
	uint8_t pack[REPO_ID_LEN];
	uint64_t offset;
	uint32_t stored_len;
	uint32_t raw_len;
};

/* --- the repository (repo.c) --- */

/* Creates a repository at path (a new or empty directory): the folders, a random master
 * key wrapped by password in keys/, and config. The argon2id cost is opslimit 3 and
 * 64 MiB unless WARD_BACKUP_KDF="OPS:MEMBYTES" says otherwise (tests use "1:8192").
 * -EEXIST when path holds a repository or other files. On success *ret is open. */
int repo_init(const char *path, const char *password, struct repo **ret);

/* Opens the repository at path with the first key file that password unwraps. -ENOENT
 * "not a repository" when path has no config; -EACCES "wrong password" when no key
 * opens it; -ENOTSUP for a newer format. Loads the whole index (index/). */
int repo_open(const char *path, const char *password, struct repo **ret);

/* Releases its lock if held, forgets the keys (wiped). NULL is fine. Pack writers must
 * be freed before. */
void repo_close(struct repo *r);

const char *repo_path(const struct repo *r);
const struct repo_config *repo_config(const struct repo *r);

/* The 32-byte chunker key: seeds the chunker's gear table. Borrowed. */
const uint8_t *repo_chunker_key(const struct repo *r);

/* Parses 64 hex digits (either case) into id. -EINVAL otherwise. */
int repo_id_parse(const char *hex, uint8_t id[REPO_ID_LEN]);

/* Writes id as 64 lower-case hex digits and a NUL. */
void repo_id_hex(const uint8_t id[REPO_ID_LEN], char out[REPO_HEX_LEN]);

/* --- keys (repo_keys.c); see the threads note above --- */

/* Adds a key file wrapping the master key under new_password; *ret_id (may be NULL)
 * gets its id. */
int repo_key_add(struct repo *r, const char *new_password, char ret_id[REPO_HEX_LEN]);

/* *ret: a new array of {"id", "created", "host", "user", "opslimit", "memlimit",
 * "current"} (current: the key this handle was opened with), oldest first. Key files
 * that cannot be read are listed with an "error" instead. */
int repo_key_list(struct repo *r, json_t **ret);

/* Removes the key whose id starts with id_or_prefix (unique, 4 digits or more).
 * -EPERM for the key in use or the last key; -ENOENT none; -EINVAL ambiguous. Take an
 * exclusive lock first (the CLI does). */
int repo_key_remove(struct repo *r, const char *id_or_prefix);

/* Changes the password of the key in use: writes a new key file, then removes the old
 * one; this handle goes on with the new key. *ret_id (may be NULL) gets its id. */
int repo_key_passwd(struct repo *r, const char *new_password, char ret_id[REPO_HEX_LEN]);

/* The id of the key this handle was opened with. */
const char *repo_key_current(const struct repo *r);

/* --- blobs (repo_blob.c) --- */

/* HMAC-SHA-256 of data under the id key. */
void repo_blob_id(const struct repo *r, const void *data, size_t len, uint8_t id[REPO_ID_LEN]);

/* One blob for repo_blob_ids: its bytes, and where its id goes. */
struct repo_id_job {
	const void *data;
	size_t len;
	uint8_t *id; /* REPO_ID_LEN bytes */
};

/* The ids of n blobs: with the CPU's SHA extensions two are hashed at a time side by
 * side, in about the time of one. */
void repo_blob_ids(const struct repo *r, const struct repo_id_job *b, size_t n);

/* The most bytes repo_blob_seal writes for len bytes of plaintext. */
#define REPO_BLOB_SEAL_MAX(len) ((size_t)(len) + REPO_BLOB_OVERHEAD)

/* Seals plaintext (at most WARD_BACKUP_BLOB_MAX bytes) as the blob id of type: zstd at
 * zstd_level when that saves at least 1/32, then AES-256-GCM with a random nonce and
 * aad type || id. out must hold REPO_BLOB_SEAL_MAX(len) bytes; *ret_len is what was
 * written. The caller computed id with repo_blob_id (not checked here). */
int repo_blob_seal(const struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN], const void *plain,
		   size_t len, int zstd_level, uint8_t *out, size_t out_size, size_t *ret_len);

/* Opens a stored blob: checks the tag, decompresses, and checks that the plaintext's
 * HMAC is id. -EBADMSG naming the blob when anything is wrong: never garbage. *ret (the
 * caller frees; NUL-terminated past *ret_len) gets the plaintext. */
int repo_blob_open(const struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN], const void *stored,
		   size_t stored_len, uint8_t **ret, size_t *ret_len);

/* Reads the blob through the index: finds its pack, preads the stored bytes, opens
 * them. -ENOENT when the index has no such blob or its pack is gone; -EAGAIN when it is
 * in a pack still being written. */
int repo_blob_read(struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN], uint8_t **ret,
		   size_t *ret_len);

/* A reader: one thread's cache of open packs (at most WARD_BACKUP_READER_PACKS) and
 * buffers, for reading many blobs without an open, a close and three allocations
 * each (restore, the parent trees of a backup). Belongs to one thread. */
struct repo_reader;
int repo_reader_new(struct repo *r, struct repo_reader **ret);
void repo_reader_free(struct repo_reader *rd); /* NULL is fine */

/* repo_blob_read through rd, with the same checks: *ret points into rd's buffers and
 * stays valid until its next read (not NUL-terminated). */
int repo_reader_read(struct repo_reader *rd, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
		     const uint8_t **ret, size_t *ret_len);

/* A blob repo_reader_read_to decoded without checking its content against its id. */
struct repo_unchecked {
	enum repo_blob_type type;
	uint8_t id[REPO_ID_LEN];   /* what it was read as */
	uint8_t pack[REPO_ID_LEN]; /* where it was read from, for the error */
	const uint8_t *plain;	   /* its plaintext: the caller's dst */
	size_t len;		   /* and its length */
};

/* repo_reader_read into dst, cap bytes: the plaintext lands there (decrypted or
 * decompressed straight into place), checked as by repo_reader_read. *ret_len gets the
 * blob's length from the index first: -ENOBUFS, nothing read, when it is above cap. dst
 * holds garbage after a failure. With later (else NULL), everything is checked but
 * whether the content is what id names: *later describes the blob, and the caller
 * must pass it to repo_reader_check before it uses a byte of dst (it pays to check
 * several at once). */
int repo_reader_read_to(struct repo_reader *rd, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN], uint8_t *dst,
			size_t cap, size_t *ret_len, struct repo_unchecked *later);

/* Checks n blobs repo_reader_read_to left unchecked against their ids (through
 * repo_blob_ids: checking several at once costs less): 0, or -EBADMSG naming the first
 * whose content is not its id's. */
int repo_reader_check(struct repo_reader *rd, const struct repo_unchecked *u, size_t n);

/* A buffer of at least n bytes (*ret_cap gets how many) for O_DIRECT reads and writes:
 * aligned to and a multiple of a huge page, and in huge pages where the kernel allows
 * (fewer faults, cheaper pinning for each direct transfer). free() it; NULL when out
 * of memory. */
void *repo_huge_alloc(size_t n, size_t *ret_cap);

/* Tells the kernel that the small blobs among ids (stored under 64 KiB) will be read
 * soon (POSIX_FADV_WILLNEED on the stretches of their packs, neighbours within 32 KiB
 * as one): they are read into the page cache meanwhile, while the larger ones, read
 * around it, are not. Never waits for the disk; ids it cannot find are left to the
 * read that says why. -ENOMEM only. */
int repo_reader_willneed(struct repo_reader *rd, enum repo_blob_type type, const uint8_t (*ids)[REPO_ID_LEN], size_t n);

/* Packs rd opens from now on get no read-ahead of the kernel's own: for readers whose
 * small blobs another reader hinted (repo_reader_willneed). */
void repo_reader_hinted(struct repo_reader *rd);

/* Stores data as a blob of type unless the repository has it or another writer is
 * storing it: computes the id, seals it and adds it to w, finishing w's pack when it
 * reaches WARD_BACKUP_PACK_TARGET. *ret_id (may be NULL) gets the id; *ret_new (may be
 * NULL) whether it was stored now. */
int repo_blob_save(struct repo_pack_writer *w, enum repo_blob_type type, const void *data, size_t len, int zstd_level,
		   uint8_t ret_id[REPO_ID_LEN], bool *ret_new);

/* repo_blob_save of a blob whose id the caller computed with repo_blob_id or
 * repo_blob_ids (several at once cost less). */
int repo_blob_save_as(struct repo_pack_writer *w, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
		      const void *data, size_t len, int zstd_level, bool *ret_new);

/* --- packs (repo_pack.c) --- */

/* repo_blob_ids for blobs w is about to store: with the SHA extensions the pack's own
 * SHA-256 of the blobs w holds goes through the lanes beside them. */
void repo_pack_writer_ids(struct repo_pack_writer *w, const struct repo_id_job *b, size_t n);

/* A writer for one pack at a time (data/<random>.tmp until finished). One per thread. */
int repo_pack_writer_new(struct repo *r, struct repo_pack_writer **ret);

/* Appends a blob sealed elsewhere (copy, prune); callers normally use repo_blob_save.
 * It does not consult the index: the blob is stored even when the index has it, and
 * the index keeps the location it had. */
int repo_pack_writer_add(struct repo_pack_writer *w, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
			 const void *stored, size_t stored_len, uint32_t raw_len);

/* Bytes and blobs in the pack being written. */
uint64_t repo_pack_writer_size(const struct repo_pack_writer *w);
size_t repo_pack_writer_count(const struct repo_pack_writer *w);

/* Writes the header and its length, fsyncs, renames the pack to data/xx/<sha256> and
 * fsyncs the folder, then adds its blobs to the index (to be written by
 * repo_index_flush). *ret_pack (may be NULL) gets its id. With no blobs it does nothing
 * and returns -ENODATA. After a failure (here, or in an add or save that finished a
 * full pack) the pack in progress is dropped and the index forgets its blobs, saved
 * earlier with success too: fail the backup then (write no snapshot naming them). With a
 * syncer (repo_pack_writer_set_syncer) it returns once the pack is sealed and handed
 * over: the rest, and its failures, are the syncer's. */
int repo_pack_writer_finish(struct repo_pack_writer *w, uint8_t ret_pack[REPO_ID_LEN]);

/* Finishing packs in the background. A writer given a syncer seals each pack it
 * finishes (the header, its length, the SHA-256 that names it) and hands it to the
 * syncer's thread, which fsyncs it, renames it into data/, fsyncs the folder and adds
 * its blobs to the index while the writer fills the next one: the thread that chunks
 * and compresses does not sit idle while the disk catches up. Its blobs stay reserved
 * in the index meanwhile (lookups give -EAGAIN). At most a few packs wait (the writer
 * waits for room), so the dirty data stays bounded. Stop the syncer (it waits for every
 * pack handed over) before repo_index_flush, and before freeing the repository. */
struct repo_pack_syncer;
int repo_pack_syncer_start(struct repo *r, struct repo_pack_syncer **ret);

/* Sends w's finished packs (repo_pack_writer_finish, or a full pack) through s. */
void repo_pack_writer_set_syncer(struct repo_pack_writer *w, struct repo_pack_syncer *s);

/* The first error the syncer met (its message set again in the calling thread), or 0.
 * After one, the packs still handed over are dropped and every finish fails: fail the
 * backup. NULL is fine (0). */
int repo_pack_syncer_error(struct repo_pack_syncer *s);

/* Waits for every pack handed over, stops the thread and frees s (NULL is fine);
 * returns repo_pack_syncer_error's. */
int repo_pack_syncer_stop(struct repo_pack_syncer *s);

/* Drops the pack being written (its blobs are forgotten by the index) and frees w. */
void repo_pack_writer_free(struct repo_pack_writer *w);

/* Reads and decrypts a pack's header. *ret (the caller frees) gets its blobs in file
 * order. -ENOENT missing; -EBADMSG naming the pack when damaged or truncated. */
int repo_pack_read_header(struct repo *r, const uint8_t pack[REPO_ID_LEN], struct repo_pack_entry **ret, size_t *ret_n);

/* The ids of the packs in data/, sorted. *ret (the caller frees) holds *ret_n ids. */
int repo_pack_list(struct repo *r, uint8_t (**ret)[REPO_ID_LEN], size_t *ret_n);

/* --- the index (repo_index.c) --- */

/* Whether the index has the blob, or a writer is storing it. */
bool repo_index_has(struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN]);

/* Where the blob is. -ENOENT unknown; -EAGAIN in a pack still being written. */
int repo_index_lookup(struct repo *r, enum repo_blob_type type, const uint8_t id[REPO_ID_LEN],
		      struct repo_blob_location *ret);

/* Records a finished pack's blobs (repo_pack_writer_finish calls this). A blob the
 * index has already keeps its first location. */
int repo_index_add(struct repo *r, const uint8_t pack[REPO_ID_LEN], const struct repo_pack_entry *entries, size_t n);

/* Writes an index file (encrypted, fsynced, renamed) for the packs added since the last
 * flush; nothing when there are none. Finish the pack writers and call this before
 * writing a snapshot that needs their blobs. */
int repo_index_flush(struct repo *r);

/* Blobs in the index (packs not yet finished not counted). */
size_t repo_index_count(struct repo *r);

/* --- encrypted small files (repo_file.c): snapshots/, and index/ internally --- */

/* Writes data, compressed and encrypted with aad, to dir/<id> (write, fsync, rename),
 * id being the SHA-256 of the stored bytes. dir is a folder name ("snapshots"). */
int repo_file_write(struct repo *r, const char *dir, const void *data, size_t len, const char *aad,
		    char ret_id[REPO_HEX_LEN]);

/* Reads dir/<id>, id given whole or as a unique prefix (4 digits or more): checks the
 * file against its name, decrypts with aad. *ret (the caller frees, NUL-terminated)
 * gets the plaintext; *ret_id (may be NULL) the whole id. -ENOENT none, -EINVAL
 * ambiguous, -EBADMSG damaged. */
int repo_file_read(struct repo *r, const char *dir, const char *id_or_prefix, const char *aad, char **ret,
		   size_t *ret_len, char ret_id[REPO_HEX_LEN]);

/* The ids in dir, sorted; *ret (the caller frees) holds *ret_n of them. */
int repo_file_list(struct repo *r, const char *dir, char (**ret)[REPO_HEX_LEN], size_t *ret_n);

/* Removes dir/<id> (a whole id) and syncs dir. */
int repo_file_remove(struct repo *r, const char *dir, const char *id);

/* --- locks (repo_lock.c) --- */

/* Takes a shared or an exclusive lock (locks/<random>), after removing stale ones
 * (older than WARD_BACKUP_LOCK_STALE, or from a dead process of this host), and keeps
 * it fresh from a thread until repo_unlock. -EBUSY naming the holder on a conflict:
 * exclusive against anything, shared against exclusive. -EALREADY when held. */
int repo_lock(struct repo *r, bool exclusive);

/* Releases the lock; 0 when none is held. */
int repo_unlock(struct repo *r);

/* Rewrites the lock's time now (the refresh thread does this); -ESTALE when its file
 * was removed meanwhile (someone judged it stale): stop writing. */
int repo_lock_refresh(struct repo *r);

/* 0 while the lock is held and its file is there; -ESTALE when a refresh found it gone,
 * -ENOLCK when no lock is held. Check before writing a snapshot. */
int repo_lock_check(struct repo *r);

/* Removes stale locks, or every lock but this handle's when all. *ret_removed (may be
 * NULL) gets how many. */
int repo_lock_clean(struct repo *r, bool all, unsigned *ret_removed);

/* --- check (repo_check.c) --- */

/* Checks the repository: config, key files, index files (name, decryption, format),
 * that every indexed pack exists and its header agrees with the index, packs no index
 * names, snapshot files; with read_data also every pack's bytes against its name and
 * every blob (decrypts, matches its id). *ret (the caller frees):
 *   {"ok", "read_data", "packs", "blobs", "index_files", "snapshots", "keys",
 *    "errors": [message...],
 *    "damaged_packs": [{"pack", "problems": [...], "blobs": [{"id", "type"}...]}...],
 *    "damaged_blobs": [{"id", "type", "pack", "problem"}...],
 *    "unindexed_packs": [{"pack", "blobs"}...], "damaged_files": [{"file", "problem"}...],
 *    "warnings": [message...]}
 * "ok" is false when there is any error; packs no index names are only warnings (an
 * interrupted backup leaves them). Returns 0 whenever the check ran: read "ok". */
int repo_check(struct repo *r, bool read_data, json_t **ret);

/* --- prune support (repo_prune.c) --- */

/* A pack as the index files list it: its blobs in file order. */
struct repo_pack_info {
	uint8_t id[REPO_ID_LEN];
	struct repo_pack_entry *entries;
	size_t n;
};

/* Reads every index file afresh (not the in-memory index): *ret_packs gets each pack
 * once, sorted by id (free with repo_pack_infos_free), *ret_files the index files' ids
 * (the caller frees). -EBADMSG naming the file when any index file is damaged, or when
 * two list one pack differently: prune must not act on a partial view. */
int repo_index_files_read(struct repo *r, struct repo_pack_info **ret_packs, size_t *ret_npacks,
			  char (**ret_files)[REPO_HEX_LEN], size_t *ret_nfiles);
void repo_pack_infos_free(struct repo_pack_info *packs, size_t n);

/* Reads the stored (sealed) bytes of the blob e of pack; with verify also opens them
 * and checks them against the id (-EBADMSG naming blob and pack when damaged). *ret
 * (the caller frees) holds e->stored_len bytes. */
int repo_blob_read_stored(struct repo *r, const uint8_t pack[REPO_ID_LEN], const struct repo_pack_entry *e,
			  bool verify, uint8_t **ret);

/* Removes data/xx/<pack> (gone already is fine) and syncs its folder. Only under an
 * exclusive lock, and only for a pack no index file names any more. */
int repo_pack_remove(struct repo *r, const uint8_t pack[REPO_ID_LEN]);

/* Removes the temporary files interrupted writers leave ("<hex>.tmp" in data/, index/
 * and snapshots/). Only under an exclusive lock: nobody else is writing. */
int repo_tmp_clean(struct repo *r, unsigned *ret_removed);

/* Forgets the in-memory index and reads the index files again (after prune rewrote
 * them). No pack writer may be in use. */
int repo_index_reload(struct repo *r);

#endif
