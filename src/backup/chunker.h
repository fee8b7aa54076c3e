/*
 * chunker.h: content-defined chunking for backups: FastCDC with normalized chunking
 * (Xia et al., USENIX ATC 2016 and IEEE TPDS 2020) over a gear table derived from the
 * repository's chunker key, so cut points say nothing about the content without it.
 *
 * A cut point depends only on the 64 bytes that end there and on its distance from the
 * chunk's start, so an insertion or deletion changes the chunks around it and the later
 * ones come back shifted: that is what deduplication needs.
 *
 * Threads: a struct chunker is one stream's state; give each thread its own (copying
 * an initialised one is fine: it owns no memory).
 */
#ifndef WARD_BACKUP_CHUNKER_H
#define WARD_BACKUP_CHUNKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHUNKER_KEY_LEN 32		 /* the repository's chunker key, bytes */
#define CHUNKER_WINDOW 64		 /* bytes that decide one cut point */
#define CHUNKER_MIN_DEFAULT (512 * 1024) /* the repository defaults */
#define CHUNKER_AVG_DEFAULT (1024 * 1024)
#define CHUNKER_MAX_DEFAULT (8 * 1024 * 1024)
#define CHUNKER_MAX_CEILING (64 * 1024 * 1024) /* the largest max chunker_init accepts */

#define CHUNKER_NORM_MAX 3 /* the highest normalization level */

/* Chunk sizes in bytes. Valid: CHUNKER_WINDOW <= min, min + CHUNKER_WINDOW <= avg,
 * avg < max <= CHUNKER_MAX_CEILING, norm <= CHUNKER_NORM_MAX. avg need not be a power
 * of two. */
struct chunker_params {
	size_t min;    /* no chunk is shorter, but the last one of a stream */
	size_t avg;    /* the average chunk on random data (the tests hold it to +-20 %) */
	size_t max;    /* no chunk is longer: a stream without cut points is cut at max */
	unsigned norm; /* FastCDC's normalization level NC: 0, one threshold (the default);
			  repositories made before it was a setting use 2 */
};

#define CHUNKER_PARAMS_DEFAULT                                                                                         \
	{                                                                                                              \
		CHUNKER_MIN_DEFAULT, CHUNKER_AVG_DEFAULT, CHUNKER_MAX_DEFAULT                                          \
	}

struct chunker {
	uint64_t gear[256];	      /* byte -> random 64 bits, from the key (secret) */
	struct chunker_params params; /* as given to chunker_init */
	uint64_t below_small;	      /* cut when the hash is below this, up to avg bytes */
	uint64_t below_large;	      /* ... and below this one past avg (easier) */
	size_t scanned;		      /* the pending chunk's bytes hashed without a cut (0: none) */
	uint64_t hash;		      /* the gear hash after those bytes */
};

/* 0 when p is valid (see struct chunker_params), else -EINVAL with err_set() naming
 * the size at fault. Repository configs come from disk: check them with this. */
int chunker_params_check(const struct chunker_params *p);

/* Sets c up for key and p (NULL: the defaults) and for the start of a stream.
 * -EINVAL as chunker_params_check, -EIO when libsodium cannot start; c is untouched
 * on failure. c holds key material: chunker_release it when done. */
int chunker_init(struct chunker *c, const uint8_t key[CHUNKER_KEY_LEN], const struct chunker_params *p);

/* The length of the chunk that starts at buf, of which len bytes are at hand (eof:
 * and no more will come). Returns
 *   - a length in [min, max] (cut there, and call again with the bytes after it), or
 *     a shorter one, len, when eof and the rest is the stream's last chunk;
 *   - 0 when the chunk needs more bytes than len (never with len >= max), or when
 *     eof and len is 0: the stream is done.
 * Give it at least max bytes whenever the stream has them (a reader keeping a buffer
 * of max bytes does): fewer only at the end, or at the cost of calls returning 0.
 * After a 0, call again with the same bytes at the start and more after them (the
 * buffer may have moved): the bytes already hashed are not hashed again. Anything else
 * is a new chunk: chunker_reset first. Never fails; len is not limited. */
size_t chunker_next(struct chunker *c, const uint8_t *buf, size_t len, bool eof);

/* Forgets a pending chunk: the next call to chunker_next starts a new one (e.g. at
 * the start of the next file). */
void chunker_reset(struct chunker *c);

/* Wipes the gear table. NULL is fine. */
void chunker_release(struct chunker *c);

#endif
