/*
 * Unit tests for the backup chunker: parameters, keyed and deterministic cut points,
 * bounds, the average, resistance to shifts, streaming against one call, agreement
 * with a byte-at-a-time reference, and a throughput figure (printed, not asserted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/chunker.h"
#include "core/err.h"

#define MIB (1024 * 1024)

static const uint8_t key_a[CHUNKER_KEY_LEN] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
					       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t key_b[CHUNKER_KEY_LEN] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
					       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 33};
static const struct chunker_params small = {256, 1024, 4096};

struct cuts {
	size_t *len; /* chunk lengths, in order */
	size_t n;
	size_t cap;
};

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint8_t *random_bytes(size_t len, uint64_t seed)
{
	uint8_t *b = malloc(len ? len : 1);
	assert_non_null(b);
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rng_next(&seed);
		memcpy(b + i, &v, len - i < 8 ? len - i : 8);
	}
	return b;
}

static void cuts_add(struct cuts *c, size_t len)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->len = realloc(c->len, c->cap * sizeof(*c->len));
		assert_non_null(c->len);
	}
	c->len[c->n++] = len;
}

static void cuts_free(struct cuts *c)
{
	free(c->len);
	memset(c, 0, sizeof(*c));
}

static void assert_cuts_equal(const struct cuts *a, const struct cuts *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		assert_int_equal(a->len[i], b->len[i]);
}

/* The whole stream in one buffer: each call sees everything that is left. */
static struct cuts chunk_whole(struct chunker *ch, const uint8_t *data, size_t len)
{
	struct cuts c = {0};
	size_t off = 0, n;
	chunker_reset(ch);
	while ((n = chunker_next(ch, data + off, len - off, true)) > 0) {
		cuts_add(&c, n);
		off += n;
	}
	assert_int_equal(off, len);
	return c;
}

/* A reader: pieces of 1 .. piece_max bytes arrive into a buffer of cap bytes (at least
 * max), and chunker_next is called after each one, the buffer's start being the chunk's.
 * The buffer is compacted (moved) when full, as a real reader's. */
static struct cuts chunk_stream(struct chunker *ch, const uint8_t *data, size_t len, size_t cap, size_t piece_max,
				uint64_t seed)
{
	struct cuts c = {0};
	uint8_t *buf = malloc(cap);
	size_t start = 0, end = 0, off = 0, n;
	assert_non_null(buf);
	chunker_reset(ch);
	for (;;) {
		if (end == cap) { /* full: move what is left of the chunk to the front */
			memmove(buf, buf + start, end - start);
			end -= start;
			start = 0;
		}
		size_t piece = 1 + rng_next(&seed) % piece_max;
		if (piece > cap - end)
			piece = cap - end;
		if (piece > len - off)
			piece = len - off;
		memcpy(buf + end, data + off, piece);
		end += piece;
		off += piece;
		bool eof = off == len;
		while ((n = chunker_next(ch, buf + start, end - start, eof)) > 0) {
			cuts_add(&c, n);
			start += n;
		}
		if (eof)
			break;
	}
	assert_int_equal(start, end);
	free(buf);
	return c;
}

/* The definition, a byte at a time, for the stream's next chunk at eof. */
static size_t reference_next(const struct chunker *ch, const uint8_t *buf, size_t len)
{
	const struct chunker_params *p = &ch->params;
	size_t n = len < p->max ? len : p->max;
	uint64_t h = 0;
	if (n <= p->min)
		return len;
	for (size_t i = p->min - CHUNKER_WINDOW; i < n; i++) {
		h = (h << 1) + ch->gear[buf[i]];
		if (i + 1 >= p->min && h < (i < p->avg ? ch->below_small : ch->below_large))
			return i + 1;
	}
	return n;
}

static struct cuts chunk_reference(const struct chunker *ch, const uint8_t *data, size_t len)
{
	struct cuts c = {0};
	size_t off = 0, n;
	while ((n = reference_next(ch, data + off, len - off)) > 0) {
		cuts_add(&c, n);
		off += n;
	}
	return c;
}

static void assert_bounds(const struct cuts *c, const struct chunker_params *p, size_t total)
{
	size_t sum = 0;
	for (size_t i = 0; i < c->n; i++) {
		assert_true(c->len[i] <= p->max);
		if (i + 1 < c->n)
			assert_true(c->len[i] >= p->min);
		assert_true(c->len[i] > 0);
		sum += c->len[i];
	}
	assert_int_equal(sum, total);
}

static void test_params(void **state)
{
	struct chunker ch;
	struct chunker_params p = CHUNKER_PARAMS_DEFAULT;
	assert_int_equal(chunker_params_check(&p), 0);
	assert_int_equal(p.min, 512 * 1024);
	assert_int_equal(p.avg, 1 * MIB);
	assert_int_equal(p.max, 8 * MIB);
	assert_int_equal(chunker_params_check(&small), 0);

	const struct chunker_params bad[] = {
	    {32, 1024, 4096},			     /* min under the window */
	    {1024, 1024, 4096},			     /* avg not over min */
	    {1024, 1024 + 63, 4096},		     /* ... by less than the window */
	    {512, 1024, 1024},			     /* max not over avg */
	    {512, 1024, 100},			     /* max under avg */
	    {4096, 1024, 8192},			     /* avg under min */
	    {MIB, 2 * MIB, CHUNKER_MAX_CEILING + 1}, /* max over the ceiling */
	    {0, 0, 0},
	    {SIZE_MAX, SIZE_MAX, SIZE_MAX},
	    {512, 1024, 4096, CHUNKER_NORM_MAX + 1}, /* normalization level too high */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chunker_params_check(&bad[i]), -EINVAL);
		memset(&ch, 0x5a, sizeof(ch));
		assert_int_equal(chunker_init(&ch, key_a, &bad[i]), -EINVAL);
		assert_int_equal(ch.scanned, (size_t)0x5a5a5a5a5a5a5a5aULL); /* untouched */
	}
	assert_int_equal(chunker_params_check(&bad[3]), -EINVAL);
	assert_non_null(strstr(err_msg(-EINVAL), "maximum chunk size 1024"));

	/* NULL means the defaults */
	assert_int_equal(chunker_init(&ch, key_a, NULL), 0);
	assert_int_equal(ch.params.min, CHUNKER_MIN_DEFAULT);
	assert_int_equal(ch.params.max, CHUNKER_MAX_DEFAULT);
	/* largest and odd (non power of two) sizes are fine */
	p = (struct chunker_params){3 * MIB + 7, 5 * MIB + 3, CHUNKER_MAX_CEILING};
	assert_int_equal(chunker_init(&ch, key_a, &p), 0);
	assert_true(ch.below_small == ch.below_large); /* level 0: one threshold */
	p.norm = 2;
	assert_int_equal(chunker_init(&ch, key_a, &p), 0);
	assert_true(ch.below_small < ch.below_large);
	chunker_release(&ch);
	assert_int_equal(ch.gear[0], 0);
	chunker_release(NULL);
}

static void test_short_streams(void **state)
{
	struct chunker ch;
	uint8_t *data = random_bytes(small.max * 3, 7);
	assert_int_equal(chunker_init(&ch, key_a, &small), 0);
	/* nothing, then fewer than min bytes: one short chunk at eof, else "more" */
	assert_int_equal(chunker_next(&ch, data, 0, true), 0);
	assert_int_equal(chunker_next(&ch, data, 0, false), 0);
	assert_int_equal(chunker_next(&ch, data, 1, true), 1);
	assert_int_equal(chunker_next(&ch, data, small.min, false), 0);
	assert_int_equal(chunker_next(&ch, data, small.min, true), small.min);
	/* never 0 once max bytes are there */
	for (size_t len = small.max; len < 3 * small.max; len += 97) {
		size_t n = chunker_next(&ch, data, len, false);
		assert_true(n >= small.min && n <= small.max);
	}
	/* after a 0, a call with fewer bytes than were hashed is a new chunk */
	size_t o = 0;
	chunker_reset(&ch);
	while (chunker_next(&ch, data + o, small.min + 10, false) != 0)
		o++;
	assert_int_equal(ch.scanned, small.min + 10);
	const uint8_t *other = data + small.max;
	assert_int_equal(chunker_next(&ch, other, small.min + 5, true), reference_next(&ch, other, small.min + 5));
	/* and with more, a resumption: the same as one call */
	assert_int_equal(chunker_next(&ch, data + o, small.min + 10, false), 0);
	assert_int_equal(chunker_next(&ch, data + o, small.max, false), reference_next(&ch, data + o, small.max));
	chunker_release(&ch);
	free(data);
}

static void test_deterministic_and_keyed(void **state)
{
	const size_t len = 48 * MIB;
	uint8_t *data = random_bytes(len, 1);
	struct chunker a, a2, b;
	assert_int_equal(chunker_init(&a, key_a, NULL), 0);
	assert_int_equal(chunker_init(&a2, key_a, NULL), 0);
	assert_int_equal(chunker_init(&b, key_b, NULL), 0);
	assert_memory_equal(a.gear, a2.gear, sizeof(a.gear));
	assert_memory_not_equal(a.gear, b.gear, sizeof(a.gear));

	struct cuts ca = chunk_whole(&a, data, len), ca2 = chunk_whole(&a2, data, len);
	struct cuts cb = chunk_whole(&b, data, len);
	assert_true(ca.n > 20);
	assert_cuts_equal(&ca, &ca2);

	/* another key: (almost) no cut point in common */
	size_t common = 0, pa = 0, pb = 0, ia = 0, ib = 0;
	while (ia < ca.n && ib < cb.n) {
		if (pa + ca.len[ia] == pb + cb.len[ib])
			common++;
		if (pa + ca.len[ia] <= pb + cb.len[ib])
			pa += ca.len[ia++];
		else
			pb += cb.len[ib++];
	}
	print_message("keys: %zu and %zu chunks, %zu cut points in common (the last is the end)\n", ca.n, cb.n, common);
	assert_true(common <= 2);

	cuts_free(&ca);
	cuts_free(&ca2);
	cuts_free(&cb);
	chunker_release(&a);
	chunker_release(&a2);
	chunker_release(&b);
	free(data);
}

/* Random data, then long runs with no cut point (zeros, a short repeated pattern). */
static void test_bounds(void **state)
{
	const size_t len = 40 * MIB;
	uint8_t *data = random_bytes(len, 2);
	memset(data + 8 * MIB, 0, 12 * MIB);
	for (size_t i = 24 * MIB; i < 36 * MIB; i++)
		data[i] = "ward backup "[i % 12];
	const struct chunker_params sets[] = {CHUNKER_PARAMS_DEFAULT, {64, 128, 129}, {64, 4096, 65536}, small};
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		struct chunker ch;
		assert_int_equal(chunker_init(&ch, key_a, &sets[s]), 0);
		struct cuts c = chunk_whole(&ch, data, len);
		assert_bounds(&c, &sets[s], len);
		size_t at_max = 0;
		for (size_t i = 0; i < c.n; i++)
			at_max += c.len[i] == sets[s].max;
		print_message("bounds %zu/%zu/%zu: %zu chunks, %zu at max\n", sets[s].min, sets[s].avg, sets[s].max,
			      c.n, at_max);
		if (s == 0)
			assert_true(at_max >= 2); /* the zeros and the pattern */
		cuts_free(&c);
		chunker_release(&ch);
	}
	free(data);
}

static void check_average(const struct chunker_params *p, size_t len, uint64_t seed)
{
	uint8_t *data = random_bytes(len, seed);
	struct chunker ch;
	assert_int_equal(chunker_init(&ch, key_a, p), 0);
	struct cuts c = chunk_whole(&ch, data, len);
	assert_bounds(&c, p, len);
	/* the last chunk is cut by the end of the data: leave it out */
	double mean = (double)(len - c.len[c.n - 1]) / (double)(c.n - 1);
	print_message("average %zu/%zu/%zu: %zu chunks, mean %.0f bytes (%.3f x avg)\n", p->min, p->avg, p->max, c.n,
		      mean, mean / (double)p->avg);
	assert_true(c.n > 100);
	assert_true(mean >= 0.8 * (double)p->avg && mean <= 1.2 * (double)p->avg);
	cuts_free(&c);
	chunker_release(&ch);
	free(data);
}

static void test_average(void **state)
{
	const struct chunker_params defaults = CHUNKER_PARAMS_DEFAULT;
	check_average(&defaults, 256 * MIB, 3);
	const struct chunker_params quarter = {256 * 1024, MIB, 8 * MIB}; /* min = avg / 4 */
	check_average(&quarter, 256 * MIB, 4);
	const struct chunker_params restic_like = {512 * 1024, MIB, 8 * MIB / 2};
	check_average(&restic_like, 128 * MIB, 5);
	check_average(&small, 4 * MIB, 6);
	const struct chunker_params odd = {3000, 10000, 70000};
	check_average(&odd, 16 * MIB, 7);
	const struct chunker_params level2 = {512 * 1024, MIB, 8 * MIB, 2}; /* repositories made before */
	check_average(&level2, 256 * MIB, 8);
}

/* Bytes of b's chunks that are chunks of a too. */
static size_t common_bytes(const struct cuts *ca, const uint8_t *a, const struct cuts *cb, const uint8_t *b)
{
	size_t common = 0, ob = 0;
	for (size_t i = 0; i < cb->n; i++) {
		size_t oa = 0;
		for (size_t k = 0; k < ca->n; k++) {
			if (ca->len[k] == cb->len[i] && memcmp(a + oa, b + ob, cb->len[i]) == 0) {
				common += cb->len[i];
				break;
			}
			oa += ca->len[k];
		}
		ob += cb->len[i];
	}
	return common;
}

/* Regions of a stream copied into another at other offsets (segments of a disk image
 * moved or copied): level 0 finds more of them again than level 2, whose chunks past
 * avg are cut by an easier threshold that two streams reach at different points. */
static void test_copied_regions(void **state)
{
	const size_t len = 64 * MIB, seg = 2 * MIB, nseg = 24;
	uint8_t *a = random_bytes(len, 21), *b = malloc(nseg * seg);
	uint64_t seed = 22;
	assert_non_null(b);
	for (size_t i = 0; i < nseg; i++)
		memcpy(b + i * seg, a + rng_next(&seed) % (len - seg), seg);
	size_t found[2];
	for (unsigned norm = 0; norm <= 2; norm += 2) {
		struct chunker_params p = {512 * 1024, MIB, 8 * MIB, norm};
		struct chunker ch;
		assert_int_equal(chunker_init(&ch, key_a, &p), 0);
		struct cuts ca = chunk_whole(&ch, a, len), cb = chunk_whole(&ch, b, nseg * seg);
		found[norm / 2] = common_bytes(&ca, a, &cb, b);
		print_message("level %u: %zu of %zu copied bytes found again\n", norm, found[norm / 2], nseg * seg);
		cuts_free(&ca);
		cuts_free(&cb);
		chunker_release(&ch);
	}
	assert_true(found[0] > found[1]);
	free(a);
	free(b);
}

/* Cut points of `a` (absolute offsets) that reappear in `b` moved by delta, among those
 * past `from`. */
static void count_shifted(const struct cuts *a, const struct cuts *b, size_t from, long delta, size_t *ret_after,
			  size_t *ret_found)
{
	size_t after = 0, found = 0, pa = 0, pb = 0, ib = 0;
	for (size_t ia = 0; ia < a->n; ia++) {
		pa += a->len[ia];
		if (pa <= from)
			continue;
		after++;
		while (ib < b->n && pb + b->len[ib] < (size_t)((long)pa + delta))
			pb += b->len[ib++];
		if (ib < b->n && pb + b->len[ib] == (size_t)((long)pa + delta))
			found++;
	}
	*ret_after = after;
	*ret_found = found;
}

static void test_shift_resistance(void **state)
{
	const size_t len = 64 * MIB;
	uint8_t *data = random_bytes(len, 8);
	uint8_t *edited = malloc(len + 8192);
	assert_non_null(edited);
	struct chunker ch;
	assert_int_equal(chunker_init(&ch, key_a, NULL), 0);
	struct cuts orig = chunk_whole(&ch, data, len);
	size_t cut5 = 0; /* the fifth cut point: edits in its window move it */
	for (size_t i = 0; i < 5; i++)
		cut5 += orig.len[i];
	struct {
		size_t at;
		long delta; /* > 0 inserted bytes, < 0 deleted */
	} edits[] = {{1000, 1},	       {1000, 4096}, {1000, -100},   {3 * MIB + 12345, 17},
		     {700 * 1024, -1}, {0, 64},	     {cut5 - 10, 8}, {cut5 - 30, -20}};
	for (size_t e = 0; e < sizeof(edits) / sizeof(edits[0]); e++) {
		size_t at = edits[e].at, elen;
		long d = edits[e].delta;
		memcpy(edited, data, at);
		if (d > 0) {
			for (long k = 0; k < d; k++)
				edited[at + (size_t)k] = (uint8_t)(k * 37 + 11);
			memcpy(edited + at + (size_t)d, data + at, len - at);
			elen = len + (size_t)d;
		} else {
			memcpy(edited + at, data + at + (size_t)-d, len - at - (size_t)-d);
			elen = len - (size_t)-d;
		}
		struct cuts c = chunk_whole(&ch, edited, elen);
		assert_bounds(&c, &ch.params, elen);
		size_t after, found;
		count_shifted(&orig, &c, at, d, &after, &found);
		print_message("edit %+ld bytes at %zu: %zu of %zu later cut points kept (shifted)\n", d, at, found,
			      after);
		/* only the chunks around the edit change */
		assert_true(after - found <= 2);
		if (at < cut5 && at + CHUNKER_WINDOW > cut5)
			assert_true(found < after); /* the cut point whose window it hit is gone */
		cuts_free(&c);
	}
	cuts_free(&orig);
	chunker_release(&ch);
	free(edited);
	free(data);
}

static void test_streaming(void **state)
{
	const size_t len = 40 * MIB;
	uint8_t *data = random_bytes(len, 9);
	memset(data + 10 * MIB, 0, 9 * MIB);
	for (size_t i = 25 * MIB; i < 30 * MIB; i++)
		data[i] = (uint8_t)(i % 3000);
	struct chunker ch;
	assert_int_equal(chunker_init(&ch, key_a, NULL), 0);
	struct cuts whole = chunk_whole(&ch, data, len);
	struct cuts ref = chunk_reference(&ch, data, len);
	assert_cuts_equal(&whole, &ref);
	const struct {
		size_t cap, piece_max;
	} readers[] = {
	    {CHUNKER_MAX_DEFAULT, 2 * MIB},		/* a buffer of max bytes, big reads */
	    {CHUNKER_MAX_DEFAULT, 65536},		/* ... 64 KiB reads, many calls returning 0 */
	    {CHUNKER_MAX_DEFAULT + 4096, 1 * MIB + 13}, /* a bigger buffer, odd reads */
	    {16 * MIB, 7 * MIB},
	};
	for (size_t r = 0; r < sizeof(readers) / sizeof(readers[0]); r++) {
		struct cuts s = chunk_stream(&ch, data, len, readers[r].cap, readers[r].piece_max, 100 + r);
		assert_cuts_equal(&whole, &s);
		cuts_free(&s);
	}
	cuts_free(&whole);
	cuts_free(&ref);
	chunker_release(&ch);

	/* small chunks, and pieces from one byte: every resume point and tail */
	const size_t slen = 2 * MIB;
	assert_int_equal(chunker_init(&ch, key_b, &small), 0);
	whole = chunk_whole(&ch, data + 9 * MIB, slen); /* random, then zeros */
	ref = chunk_reference(&ch, data + 9 * MIB, slen);
	assert_cuts_equal(&whole, &ref);
	for (size_t piece = 1; piece <= 9; piece += 4) {
		struct cuts s = chunk_stream(&ch, data + 9 * MIB, slen, small.max, piece, piece);
		assert_cuts_equal(&whole, &s);
		cuts_free(&s);
	}
	struct cuts s = chunk_stream(&ch, data + 9 * MIB, slen, small.max + 100, 1000, 1);
	assert_cuts_equal(&whole, &s);
	cuts_free(&s);
	cuts_free(&whole);
	cuts_free(&ref);
	chunker_release(&ch);
	free(data);
}

/* Random parameters and lengths against the byte-at-a-time definition: the unrolled
 * scan's tails and the switch at avg. */
static void test_reference(void **state)
{
	uint64_t seed = 10;
	uint8_t *data = random_bytes(MIB, 11);
	for (int round = 0; round < 300; round++) {
		struct chunker_params p;
		p.min = 64 + rng_next(&seed) % 300;
		p.avg = p.min + 64 + rng_next(&seed) % 700;
		p.max = p.avg + 1 + rng_next(&seed) % 2000;
		p.norm = (unsigned)(round % (CHUNKER_NORM_MAX + 1));
		struct chunker ch;
		assert_int_equal(chunker_init(&ch, (round & 1) ? key_a : key_b, &p), 0);
		size_t len = rng_next(&seed) % (256 * 1024);
		const uint8_t *d = data + rng_next(&seed) % (MIB - len);
		struct cuts a = chunk_whole(&ch, d, len), b = chunk_reference(&ch, d, len);
		assert_cuts_equal(&a, &b);
		assert_bounds(&a, &p, len);
		cuts_free(&a);
		cuts_free(&b);
		chunker_release(&ch);
	}
	free(data);
}

static double seconds(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void test_throughput(void **state)
{
	const size_t len = 256 * MIB;
	uint8_t *data = random_bytes(len, 12);
	struct chunker ch;
	assert_int_equal(chunker_init(&ch, key_a, NULL), 0);
	double best_wall = 1e9, best_cpu = 1e9;
	size_t chunks = 0;
	for (int run = 0; run < 5; run++) {
		double w0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_THREAD_CPUTIME_ID);
		size_t off = 0, n;
		chunks = 0;
		while ((n = chunker_next(&ch, data + off, len - off, true)) > 0) {
			off += n;
			chunks++;
		}
		double w = seconds(CLOCK_MONOTONIC) - w0, c = seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
		best_wall = w < best_wall ? w : best_wall;
		best_cpu = c < best_cpu ? c : best_cpu;
	}
	/* bytes hashed: all but the first min - 64 of each chunk */
	double hashed = (double)len - (double)chunks * (double)(CHUNKER_MIN_DEFAULT - CHUNKER_WINDOW);
	print_message("throughput: %.2f GB/s of input (%.2f GB/s CPU time), %.2f GB/s of bytes hashed; "
		      "%zu MiB, %zu chunks, best of 5\n",
		      (double)len / best_wall / 1e9, (double)len / best_cpu / 1e9, hashed / best_cpu / 1e9, len / MIB,
		      chunks);
	chunker_release(&ch);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_params),
	    cmocka_unit_test(test_short_streams),
	    cmocka_unit_test(test_deterministic_and_keyed),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_average),
	    cmocka_unit_test(test_shift_resistance),
	    cmocka_unit_test(test_copied_regions),
	    cmocka_unit_test(test_streaming),
	    cmocka_unit_test(test_reference),
	    cmocka_unit_test(test_throughput),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
