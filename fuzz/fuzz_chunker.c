/*
 * fuzz_chunker.c: the backup chunker (chunker_params_check, chunker_init, chunker_next)
 * on arbitrary sizes, keys and bytes: one call per chunk against a reader fed pieces of
 * arbitrary sizes, against the byte-at-a-time definition, and min/max on every chunk.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backup/chunker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_HEAD 39		    /* flags, three u16 sizes, the key */
#define FUZZ_REPEAT_MAX (64 * 1024) /* bytes the repeat mode may reach */
#define FUZZ_PIECES_MAX 1024	    /* keeps one-byte pieces of big inputs quick */

/* Chunks have min >= 64 bytes but for the last. */
#define FUZZ_CHUNKS_MAX (FUZZ_REPEAT_MAX / CHUNKER_WINDOW + 1)

struct fuzz_cuts {
	size_t len[FUZZ_CHUNKS_MAX];
	size_t n;
};

static uint64_t fuzz_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* chunker_next on an exact copy of buf, so AddressSanitizer sees any read past len.
 * Past max + 64 bytes the copy is cut short without eof: the answer is the same (a
 * chunk is at most max bytes), and big inputs are not copied whole for each chunk. */
static size_t fuzz_next(struct chunker *c, const uint8_t *buf, size_t len, int eof)
{
	if (len > c->params.max + CHUNKER_WINDOW) {
		len = c->params.max + CHUNKER_WINDOW;
		eof = 0;
	}
	uint8_t *copy = malloc(len ? len : 1);
	assert(copy);
	memcpy(copy, buf, len);
	size_t n = chunker_next(c, copy, len, eof);
	free(copy);
	return n;
}

static void fuzz_check(const struct chunker *c, const struct fuzz_cuts *cuts, size_t total)
{
	size_t sum = 0;
	for (size_t i = 0; i < cuts->n; i++) {
		assert(cuts->len[i] > 0 && cuts->len[i] <= c->params.max);
		assert(cuts->len[i] >= c->params.min || i + 1 == cuts->n);
		sum += cuts->len[i];
	}
	assert(sum == total);
}

static void fuzz_whole(struct chunker *c, const uint8_t *text, size_t len, struct fuzz_cuts *out)
{
	size_t off = 0, n;
	out->n = 0;
	chunker_reset(c);
	while ((n = fuzz_next(c, text + off, len - off, 1)) > 0) {
		assert(out->n < FUZZ_CHUNKS_MAX);
		out->len[out->n++] = n;
		off += n;
	}
	assert(off == len);
	assert(fuzz_next(c, text + off, 0, 1) == 0);
}

/* A reader: pieces of random sizes arrive, and after each one the chunker sees the
 * current chunk's bytes so far. */
static void fuzz_stream(struct chunker *c, const uint8_t *text, size_t len, uint64_t *rng, struct fuzz_cuts *out)
{
	static const size_t spans[] = {1, 7, 64, 300, 5000, 70000};
	size_t span = spans[fuzz_rng(rng) % (sizeof(spans) / sizeof(spans[0]))];
	size_t start = 0, have = 0, least = len / FUZZ_PIECES_MAX + 1, n;
	out->n = 0;
	chunker_reset(c);
	while (start < len) {
		if (have < len)
			have += least + fuzz_rng(rng) % span;
		if (have > len)
			have = len;
		int eof = have == len;
		while ((n = fuzz_next(c, text + start, have - start, eof)) > 0) {
			assert(n <= have - start);
			assert(out->n < FUZZ_CHUNKS_MAX);
			out->len[out->n++] = n;
			start += n;
		}
		/* 0 only when the chunk may still grow */
		assert(eof ? start == len : have - start < c->params.max);
	}
}

/* The definition, a byte at a time: the stream's next chunk at eof. */
static size_t fuzz_reference(const struct chunker *c, const uint8_t *buf, size_t len)
{
	const struct chunker_params *p = &c->params;
	size_t n = len < p->max ? len : p->max;
	uint64_t h = 0;
	if (n <= p->min)
		return len;
	for (size_t i = p->min - CHUNKER_WINDOW; i < n; i++) {
		h = (h << 1) + c->gear[buf[i]];
		if (i + 1 >= p->min && h < (i < p->avg ? c->below_small : c->below_large))
			return i + 1;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_cuts whole, stream;
	uint8_t head[FUZZ_HEAD] = {0};
	memcpy(head, data, size < FUZZ_HEAD ? size : FUZZ_HEAD);
	const uint8_t *body = size > FUZZ_HEAD ? data + FUZZ_HEAD : data;
	size_t body_len = size > FUZZ_HEAD ? size - FUZZ_HEAD : 0;

	/* The sizes as given, scaled up to reach the ceiling: checked, never trusted. */
	unsigned scale = head[0] >> 4;
	struct chunker_params raw = {(size_t)(head[1] | head[2] << 8) << scale,
				     (size_t)(head[3] | head[4] << 8) << scale,
				     (size_t)(head[5] | head[6] << 8) << scale, (unsigned)(head[0] >> 1 & 7)};
	struct chunker c, before;
	memset(&c, 0xa5, sizeof(c));
	before = c;
	int r = chunker_init(&c, head + 7, &raw);
	assert(r == chunker_params_check(&raw));
	if (r < 0) {
		assert(r == -EINVAL);
		assert(memcmp(&c, &before, sizeof(c)) == 0); /* untouched on failure */
	}
	if (r < 0 || raw.max > 65536) { /* sizes this input can exercise */
		struct chunker_params p = {64 + raw.min % 512, 0, 0, raw.norm % (CHUNKER_NORM_MAX + 1)};
		p.avg = p.min + 64 + raw.avg % 1024;
		p.max = p.avg + 1 + raw.max % 4096;
		assert(chunker_init(&c, head + 7, &p) == 0);
	}

	/* Repeat mode: the body again and again, as files with repeated regions. */
	size_t len = body_len;
	if ((head[0] & 1) && body_len > 0) {
		size_t times = 2 + (head[0] >> 1 & 7) * 9;
		len = body_len * times < FUZZ_REPEAT_MAX ? body_len * times : FUZZ_REPEAT_MAX;
	}
	uint8_t *text = malloc(len ? len : 1);
	assert(text);
	for (size_t off = 0; off < len; off += body_len)
		memcpy(text + off, body, len - off < body_len ? len - off : body_len);

	uint64_t rng = 0x9e3779b97f4a7c15ULL ^ size;
	for (size_t i = 0; i < size && i < 16; i++)
		rng = rng * 31 + data[i];
	if (rng == 0)
		rng = 1;

	fuzz_whole(&c, text, len, &whole);
	fuzz_check(&c, &whole, len);
	size_t off = 0;
	for (size_t i = 0; i < whole.n; i++) {
		assert(fuzz_reference(&c, text + off, len - off) == whole.len[i]);
		off += whole.len[i];
	}
	for (int round = 0; round < 2; round++) {
		fuzz_stream(&c, text, len, &rng, &stream);
		assert(stream.n == whole.n);
		assert(memcmp(stream.len, whole.len, whole.n * sizeof(whole.len[0])) == 0);
	}

	/* After a 0, fewer bytes than were hashed: a new chunk, not a resumption. */
	if (len > c.params.min + 2) {
		size_t part = c.params.min + 1 + fuzz_rng(&rng) % (len - c.params.min - 1);
		chunker_reset(&c);
		if (fuzz_next(&c, text, part, 0) == 0 && part > c.params.min + 1) {
			size_t shorter = c.params.min + 1 + fuzz_rng(&rng) % (part - c.params.min - 1);
			const uint8_t *other = text + (len - shorter);
			assert(fuzz_next(&c, other, shorter, 1) == fuzz_reference(&c, other, shorter));
		}
	}

	chunker_release(&c);
	free(text);
	return 0;
}
