/*
 * repo_hmac.c: HMAC-SHA-256 of blob ids with the x86 SHA extensions, many messages at
 * a time. Each SHA-256 round instruction waits for the one before it, so one message
 * leaves the unit idle half the time; two messages interleaved keep it busy and cost
 * little more than one (measured here: 0.32 ms a MiB each against 0.58). Restores
 * check the chunks of a buffer together and backups name a job's chunks together for
 * this, with the pack writer's own SHA-256 (its name) as one more message in the
 * lanes. The key's padded blocks are hashed once, when the repository is opened. Where
 * the CPU has no SHA extensions, repo_crypto.c and repo_pack.c use OpenSSL instead.
 */
#include "backup/repo_simd.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "backup/repo_internal.h"

/* SHA-256's initial state. */
static const uint32_t hmac_iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

#define SHANI __attribute__((target("sha,sse4.1,ssse3")))

/* SHA-256's round constants. */
static const uint32_t hmac_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static struct repo_cpu_ext hmac_ext = {-1, false};

/* Whether the CPU has the SHA extensions (and the SSSE3 and SSE4.1 used with them). */
static bool hmac_probe(void)
{
	unsigned a, b, c, d;
	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) && (c & bit_SSE4_1) &&
	       __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}

static bool hmac_cpu(void)
{
	return repo_cpu_has(&hmac_ext, hmac_probe);
}

bool repo_hmac_fast(void)
{
	return repo_cpu_use(&hmac_ext, hmac_probe);
}

void repo_hmac_disable(bool off)
{
	hmac_ext.off = off;
}

/* The state a..h as the round instruction wants it: abef and cdgh. */
SHANI static inline void state_load(const uint32_t s[8], __m128i *abef, __m128i *cdgh)
{
	__m128i dcba = _mm_loadu_si128((const __m128i *)s), hgfe = _mm_loadu_si128((const __m128i *)(s + 4));
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xB1), efgh = _mm_shuffle_epi32(hgfe, 0x1B);
	*abef = _mm_alignr_epi8(cdab, efgh, 8);
	*cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

SHANI static inline void state_store(uint32_t s[8], __m128i abef, __m128i cdgh)
{
	__m128i feba = _mm_shuffle_epi32(abef, 0x1B), dchg = _mm_shuffle_epi32(cdgh, 0xB1);
	_mm_storeu_si128((__m128i *)s, _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)(s + 4), _mm_alignr_epi8(dchg, feba, 8));
}

/* Message words 4i..4i+3 of a block: loaded (big-endian) for the first four groups,
 * then from the four before them; w holds the last four groups. */
#define HMAC_BSWAP _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL)
#define HMAC_WORDS(w, p, i)                                                                                            \
	((i) < 4 ? ((w)[(i)] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)((p) + 16 * (i))), HMAC_BSWAP))       \
		 : ((w)[(i)&3] = _mm_sha256msg2_epu32(                                                                 \
			_mm_add_epi32(_mm_sha256msg1_epu32((w)[(i)&3], (w)[((i) + 1) & 3]),                            \
				      _mm_alignr_epi8((w)[((i) + 3) & 3], (w)[((i) + 2) & 3], 4)),                     \
			(w)[((i) + 3) & 3])))

/* SHA-256's compression of n blocks at p into s. */
SHANI static void sha_blocks(uint32_t s[8], const uint8_t *p, size_t n)
{
	__m128i abef, cdgh;
	state_load(s, &abef, &cdgh);
	for (; n > 0; n--, p += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh, w[4];
#pragma GCC unroll 16
		for (int i = 0; i < 16; i++) {
			__m128i m =
			    _mm_add_epi32(HMAC_WORDS(w, p, i), _mm_loadu_si128((const __m128i *)(hmac_k + 4 * i)));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	state_store(s, abef, cdgh);
}

/* sha_blocks of n blocks at p into s and of n at q into t, the two interleaved. */
SHANI static void sha_blocks2(uint32_t s[8], const uint8_t *p, uint32_t t[8], const uint8_t *q, size_t n)
{
	__m128i abef, cdgh, abef2, cdgh2;
	state_load(s, &abef, &cdgh);
	state_load(t, &abef2, &cdgh2);
	for (; n > 0; n--, p += 64, q += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh, abef20 = abef2, cdgh20 = cdgh2, w[4], v[4];
#pragma GCC unroll 16
		for (int i = 0; i < 16; i++) {
			__m128i k = _mm_loadu_si128((const __m128i *)(hmac_k + 4 * i));
			__m128i m = _mm_add_epi32(HMAC_WORDS(w, p, i), k), m2 = _mm_add_epi32(HMAC_WORDS(v, q, i), k);
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
			cdgh2 = _mm_sha256rnds2_epu32(cdgh2, abef2, m2);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
			abef2 = _mm_sha256rnds2_epu32(abef2, cdgh2, _mm_shuffle_epi32(m2, 0x0E));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
		abef2 = _mm_add_epi32(abef2, abef20);
		cdgh2 = _mm_add_epi32(cdgh2, cdgh20);
	}
	state_store(s, abef, cdgh);
	state_store(t, abef2, cdgh2);
}
#else
static bool hmac_cpu(void)
{
	return false;
}

bool repo_hmac_fast(void)
{
	return false;
}

void repo_hmac_disable(bool off)
{
	(void)off;
}

/* Never called: repo_hmac_fast says no. */
static void sha_blocks(uint32_t s[8], const uint8_t *p, size_t n)
{
	(void)s, (void)p, (void)n;
}

static void sha_blocks2(uint32_t s[8], const uint8_t *p, uint32_t t[8], const uint8_t *q, size_t n)
{
	(void)s, (void)p, (void)t, (void)q, (void)n;
}
#endif

void repo_hmac_prepare(const uint8_t key[32], struct repo_hmac_state *ret)
{
	uint8_t block[64];
	if (!hmac_cpu()) {
		memset(ret, 0, sizeof(*ret));
		return;
	}
	memset(block, 0x36, sizeof(block));
	for (int i = 0; i < 32; i++)
		block[i] ^= key[i];
	memcpy(ret->inner, hmac_iv, sizeof(hmac_iv));
	sha_blocks(ret->inner, block, 1);
	for (int i = 0; i < 64; i++)
		block[i] ^= 0x36 ^ 0x5c;
	memcpy(ret->outer, hmac_iv, sizeof(hmac_iv));
	sha_blocks(ret->outer, block, 1);
	explicit_bzero(block, sizeof(block));
}

/* The state s as a digest, big-endian. */
static void hmac_digest(const uint32_t s[8], uint8_t mac[REPO_ID_LEN])
{
	for (int i = 0; i < 8; i++) {
		mac[4 * i] = (uint8_t)(s[i] >> 24);
		mac[4 * i + 1] = (uint8_t)(s[i] >> 16);
		mac[4 * i + 2] = (uint8_t)(s[i] >> 8);
		mac[4 * i + 3] = (uint8_t)s[i];
	}
}

/* The padded last block or two of a message of total bytes whose last total % 64 are
 * at rest: those, 0x80, zeros and the length in bits. Returns the number of blocks (1
 * or 2) written to out. */
static size_t sha_tail(const uint8_t *rest, uint64_t total, uint8_t out[128])
{
	size_t n = (size_t)(total % 64), blocks = n < 56 ? 1 : 2;
	uint64_t bits = total * 8;
	memset(out, 0, 128);
	if (n)
		memcpy(out, rest, n);
	out[n] = 0x80;
	for (int i = 0; i < 8; i++)
		out[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
	return blocks;
}

/* The end of a message (len bytes at data) whose whole blocks are in s: its last bytes
 * padded, then the outer hash, into mac. */
static void hmac_finish(const struct repo_hmac_state *k, uint32_t s[8], const uint8_t *data, size_t len,
			uint8_t mac[REPO_ID_LEN])
{
	uint8_t tail[128], inner[REPO_ID_LEN];
	/* The key's block comes first in both hashes. */
	sha_blocks(s, tail, sha_tail(data + len - len % 64, (uint64_t)len + 64, tail));
	hmac_digest(s, inner);
	sha_tail(inner, 64 + REPO_ID_LEN, tail);
	memcpy(s, k->outer, 32);
	sha_blocks(s, tail, 1);
	hmac_digest(s, mac);
}

/* One lane's message: an HMAC (stream NULL: from the key's inner state, finished into
 * mac) or whole blocks of a plain SHA-256 stream (from *stream, the state left there). */
struct lane_msg {
	const uint8_t *data;
	size_t len; /* a stream's: a multiple of 64 */
	uint8_t *mac;
	uint32_t *stream;
};

/* The lanes' work, at most HMAC_BATCH messages and a stream. */
#define HMAC_BATCH 64
static void lanes_run(const struct repo_hmac_state *k, const struct repo_id_job *jobs, size_t njobs,
		      const struct lane_msg *stream)
{
	/* Two lanes, each hashing one message after another; while both have one, their
	 * blocks go through sha_blocks2 side by side, up to where the shorter one ends.
	 * Longest first, so that what one lane hashes alone at the end is short. */
	struct lane_msg m[HMAC_BATCH + 1];
	size_t n = 0;
	for (size_t i = 0; i <= njobs; i++) {
		struct lane_msg x;
		if (i < njobs)
			x = (struct lane_msg){jobs[i].data, jobs[i].len, jobs[i].id, NULL};
		else if (stream)
			x = *stream;
		else
			break;
		size_t j = n++;
		for (; j > 0 && m[j - 1].len < x.len; j--)
			m[j] = m[j - 1];
		m[j] = x;
	}
	uint32_t s[2][8];
	size_t cur[2], done[2] = {0, 0}, next = 0; /* cur: the lane's message; n when idle */
	for (int l = 0; l < 2; l++)
		if ((cur[l] = next < n ? next++ : n) < n)
			memcpy(s[l], m[cur[l]].stream ? m[cur[l]].stream : k->inner, 32);
	while (cur[0] < n || cur[1] < n) {
		size_t left[2];
		for (int l = 0; l < 2; l++)
			left[l] = cur[l] < n ? m[cur[l]].len / 64 - done[l] : 0;
		if (cur[0] < n && cur[1] < n) {
			size_t both = left[0] < left[1] ? left[0] : left[1];
			sha_blocks2(s[0], m[cur[0]].data + 64 * done[0], s[1], m[cur[1]].data + 64 * done[1], both);
			for (int l = 0; l < 2; l++) {
				done[l] += both;
				left[l] -= both;
			}
		} else {
			int l = cur[0] < n ? 0 : 1;
			sha_blocks(s[l], m[cur[l]].data + 64 * done[l], left[l]);
			left[l] = 0;
		}
		/* A lane whose message has no whole block left finishes it and takes the next. */
		for (int l = 0; l < 2; l++) {
			if (cur[l] == n || left[l] > 0)
				continue;
			const struct lane_msg *x = &m[cur[l]];
			if (x->stream)
				memcpy(x->stream, s[l], 32);
			else
				hmac_finish(k, s[l], x->data, x->len, x->mac);
			if ((cur[l] = next < n ? next++ : n) < n)
				memcpy(s[l], m[cur[l]].stream ? m[cur[l]].stream : k->inner, 32);
			done[l] = 0;
		}
	}
}

void repo_hmac_many(const struct repo_hmac_state *k, const struct repo_id_job *m, size_t n)
{
	for (size_t from = 0; from < n; from += HMAC_BATCH)
		lanes_run(k, m + from, n - from < HMAC_BATCH ? n - from : HMAC_BATCH, NULL);
}

void repo_sha_stream_init(struct repo_sha_stream *st)
{
	memcpy(st->s, hmac_iv, sizeof(hmac_iv));
	st->total = 0;
}

/* Up to the end of st's partial block from *p (*len bytes), and that block hashed when
 * it is whole: what is left of the input is then block-aligned in the stream. */
static void stream_top_up(struct repo_sha_stream *st, const uint8_t **p, size_t *len)
{
	size_t have = st->total % 64, k = 64 - have;
	if (have == 0)
		return;
	if (k > *len)
		k = *len;
	memcpy(st->part + have, *p, k);
	st->total += k;
	*p += k;
	*len -= k;
	if (st->total % 64 == 0)
		sha_blocks(st->s, st->part, 1);
}

void repo_sha_stream_update(struct repo_sha_stream *st, const void *data, size_t len)
{
	const uint8_t *p = data;
	stream_top_up(st, &p, &len);
	sha_blocks(st->s, p, len / 64);
	memcpy(st->part, p + len - len % 64, len % 64);
	st->total += len;
}

void repo_hmac_many_with(const struct repo_hmac_state *k, const struct repo_id_job *m, size_t n,
			 struct repo_sha_stream *st, const void *data, size_t len)
{
	const uint8_t *p = data;
	stream_top_up(st, &p, &len);
	struct lane_msg x = {p, len - len % 64, NULL, st->s};
	lanes_run(k, m, n < HMAC_BATCH ? n : HMAC_BATCH, &x);
	memcpy(st->part, p + len - len % 64, len % 64);
	st->total += len;
	if (n > HMAC_BATCH)
		repo_hmac_many(k, m + HMAC_BATCH, n - HMAC_BATCH);
}

void repo_sha_stream_final(struct repo_sha_stream *st, uint8_t out[REPO_ID_LEN])
{
	uint8_t tail[128];
	sha_blocks(st->s, tail, sha_tail(st->part, st->total, tail));
	hmac_digest(st->s, out);
}

void repo_hmac1(const struct repo_hmac_state *k, const void *data, size_t len, uint8_t mac[REPO_ID_LEN])
{
	uint32_t s[8];
	memcpy(s, k->inner, sizeof(s));
	sha_blocks(s, data, len / 64);
	hmac_finish(k, s, data, len, mac);
}
