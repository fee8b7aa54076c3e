/*
 * chunker.c: FastCDC cut points (see chunker.h): a gear hash rolled over each chunk
 * from its min-th byte on, a strict threshold up to avg bytes and an easier one past
 * it, and the gear table drawn from ChaCha20 under the chunker key.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "backup/chunker.h"
#include "core/err.h"

/* The nonce for the gear table's keystream: a label, as the key serves nothing else. */
static const uint8_t chunker_nonce[crypto_stream_chacha20_NONCEBYTES] = {'w', 'a', 'r', 'd', 'g', 'e', 'a', 'r'};

/* Keeps the compiler from re-associating a pair sum into the hash chain (see
 * chunker_scan): without it gcc turns 4h + (2a + b) into (4h + b) + 2a, two adds on
 * the path from one step's hash to the next. */
#define CHUNKER_OPAQUE(x) __asm__("" : "+r"(x))

int chunker_params_check(const struct chunker_params *p)
{
	if (p->min < CHUNKER_WINDOW)
		return err_set(-EINVAL, "chunker: minimum chunk size %zu is under %d bytes", p->min, CHUNKER_WINDOW);
	if (p->max > CHUNKER_MAX_CEILING)
		return err_set(-EINVAL, "chunker: maximum chunk size %zu is over %d bytes", p->max,
			       CHUNKER_MAX_CEILING);
	if (p->avg < p->min || p->avg - p->min < CHUNKER_WINDOW)
		return err_set(-EINVAL, "chunker: average chunk size %zu is not %d bytes or more over the minimum %zu",
			       p->avg, CHUNKER_WINDOW, p->min);
	if (p->max <= p->avg)
		return err_set(-EINVAL, "chunker: maximum chunk size %zu is not over the average %zu", p->max, p->avg);
	if (p->norm > CHUNKER_NORM_MAX)
		return err_set(-EINVAL, "chunker: normalization level %u is over %d", p->norm, CHUNKER_NORM_MAX);
	return 0;
}

/* log2(x) rounded to the nearest whole number (x >= 1, x < 2^31). */
static unsigned chunker_log2_round(size_t x)
{
	unsigned bits = 0;
	while ((x >> (bits + 1)) != 0)
		bits++;
	/* x >= 2^(bits + 1/2), i.e. x^2 >= 2^(2 bits + 1): round up */
	if ((uint64_t)x * x >= (uint64_t)1 << (2 * bits + 1))
		bits++;
	return bits;
}

int chunker_init(struct chunker *c, const uint8_t key[CHUNKER_KEY_LEN], const struct chunker_params *p)
{
	static const struct chunker_params defaults = CHUNKER_PARAMS_DEFAULT;
	uint8_t stream[sizeof(c->gear)];
	unsigned bits;
	int r;

	if (!p)
		p = &defaults;
	r = chunker_params_check(p);
	if (r < 0)
		return r;
	if (sodium_init() < 0)
		return err_set(-EIO, "chunker: cannot initialise libsodium");

	crypto_stream_chacha20(stream, sizeof(stream), chunker_nonce, key);
	for (size_t i = 0; i < 256; i++) { /* little-endian, the same table on any host */
		uint64_t v = 0;
		for (size_t b = 0; b < 8; b++)
			v |= (uint64_t)stream[8 * i + b] << (8 * b);
		c->gear[i] = v;
	}
	sodium_memzero(stream, sizeof(stream));
	c->params = *p;

	/*
	 * A cut point where the hash's top k bits are all zero: the hash below 2^(64 - k).
	 * The paper tests fp & Mask == 0 with Mask's one bits spread over the upper 48
	 * bits ("zero padding"), because bit j of a gear hash depends only on the last
	 * j + 1 bytes; the top bits depend on the longest windows (64 - k + 1 bytes and
	 * more) and make the test one comparison. k is bits + NC up to avg and bits - NC
	 * after it, as MaskS and MaskL: the paper's normalization level NC (p->norm) makes
	 * the threshold before avg 2^NC times harder than the plain one and the one after
	 * it 2^NC times easier (the paper recommends 2). The paper takes bits = log2(avg); here it is
	 * log2(avg - min), because skipping the first min bytes already puts min into
	 * every chunk: on random data, min 512 KiB and avg 1 MiB give chunks of 1.20 MiB
	 * on average with log2(avg), 1.04 MiB with log2(avg - min) (tests/unit/backup).
	 */
	if (p->norm == 0) {
		/*
		 * One threshold, a cut point with odds 1 / (avg - min) at every byte past min:
		 * the mean chunk is avg. NC 2 gives chunks of more even sizes, but two streams
		 * holding the same bytes at different offsets (a copied region, a moved block
		 * of a disk image) then find a common cut point mostly past avg, where the
		 * easier threshold cuts a few KiB after the point it starts at, which differs
		 * between them: they fall into step much later. On the backup benchmark's tree
		 * (disk images with copied segments) NC 0 leaves 2 % fewer unique bytes.
		 */
		c->below_small = c->below_large = UINT64_MAX / (uint64_t)(p->avg - p->min);
	} else {
		bits = chunker_log2_round(p->avg - p->min);
		c->below_small = (uint64_t)1 << (64 - (bits + p->norm));
		c->below_large = (uint64_t)1 << (64 - (bits - p->norm));
	}
	chunker_reset(c);
	return 0;
}

void chunker_reset(struct chunker *c)
{
	c->scanned = 0;
	c->hash = 0;
}

void chunker_release(struct chunker *c)
{
	if (!c)
		return;
	sodium_memzero(c, sizeof(*c));
}

/*
 * Rolls the hash over p[i], p[i+1], ... and returns the first index at which it is
 * below `below`, or end when none is; *hash is then the hash up to and including that
 * index (or end - 1). h(j) = 2 h(j-1) + gear[p[j]], modulo 2^64.
 *
 * Like the 2020 paper's "rolling two bytes each time", a step covers two bytes, but
 * keeps the hash at every byte, so a cut can fall on any byte: h(j+1) = 4 h(j-1) +
 * (2 gear[p[j]] + gear[p[j+1]]). The pair sum does not depend on the hash, so the chain
 * from step to step is one lea per two bytes and the rest runs beside it; the only
 * branches are the comparisons, not taken until the cut.
 */
static size_t chunker_scan(const uint64_t *restrict gear, const uint8_t *restrict p, size_t i, size_t end,
			   uint64_t below, uint64_t *hash)
{
	uint64_t h = *hash;

#define CHUNKER_CHECK(k, x)                                                                                            \
	if (__builtin_expect((x) < below, 0)) {                                                                        \
		h = (x);                                                                                               \
		i += (k);                                                                                              \
		goto out;                                                                                              \
	}
	for (; end - i >= 8; i += 8) {
		const uint8_t *q = p + i;
		uint64_t g0 = gear[q[0]], g1 = gear[q[1]], g2 = gear[q[2]], g3 = gear[q[3]];
		uint64_t g4 = gear[q[4]], g5 = gear[q[5]], g6 = gear[q[6]], g7 = gear[q[7]];
		uint64_t s1 = 2 * g0 + g1, s3 = 2 * g2 + g3, s5 = 2 * g4 + g5, s7 = 2 * g6 + g7;
		CHUNKER_OPAQUE(s1);
		CHUNKER_OPAQUE(s3);
		CHUNKER_OPAQUE(s5);
		CHUNKER_OPAQUE(s7);
		uint64_t h0 = 2 * h + g0, h1 = 4 * h + s1;
		uint64_t h2 = 2 * h1 + g2, h3 = 4 * h1 + s3;
		uint64_t h4 = 2 * h3 + g4, h5 = 4 * h3 + s5;
		uint64_t h6 = 2 * h5 + g6, h7 = 4 * h5 + s7;
		CHUNKER_CHECK(0, h0);
		CHUNKER_CHECK(1, h1);
		CHUNKER_CHECK(2, h2);
		CHUNKER_CHECK(3, h3);
		CHUNKER_CHECK(4, h4);
		CHUNKER_CHECK(5, h5);
		CHUNKER_CHECK(6, h6);
		CHUNKER_CHECK(7, h7);
		h = h7;
	}
#undef CHUNKER_CHECK
	for (; i < end; i++) {
		h = 2 * h + gear[p[i]];
		if (h < below)
			break;
	}
out:
	*hash = h;
	return i;
}

/*
 * The hash at byte j covers bytes j - 63 .. j (older bytes have been shifted out), and
 * a cut after byte j gives a chunk of j + 1 bytes. Bytes min - 64 .. min - 2 only fill
 * the window; from min - 1 on, each byte is a candidate: with the strict threshold
 * while the chunk would be avg bytes or less, with the easier one after.
 */
size_t chunker_next(struct chunker *c, const uint8_t *buf, size_t len, bool eof)
{
	const struct chunker_params *p = &c->params;
	size_t n = len < p->max ? len : p->max;
	bool found = false;
	size_t i;
	uint64_t h;

	if (n <= p->min) { /* then len < max: no cut before the min-th byte */
		chunker_reset(c);
		return eof ? len : 0;
	}
	if (c->scanned != 0 && c->scanned <= n) { /* more bytes of the same chunk */
		i = c->scanned;
		h = c->hash;
	} else {
		h = 0;
		for (i = p->min - CHUNKER_WINDOW; i < p->min - 1; i++)
			h = 2 * h + c->gear[buf[i]];
	}

	if (i < p->avg) {
		size_t end = n < p->avg ? n : p->avg;
		i = chunker_scan(c->gear, buf, i, end, c->below_small, &h);
		found = i < end;
	}
	if (!found && i < n) {
		i = chunker_scan(c->gear, buf, i, n, c->below_large, &h);
		found = i < n;
	}

	if (found || n == p->max || eof) {
		chunker_reset(c);
		return found ? i + 1 : n;
	}
	c->scanned = n;
	c->hash = h;
	return 0;
}
