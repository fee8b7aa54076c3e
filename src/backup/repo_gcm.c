/*
 * repo_gcm.c: AES-256-GCM with the x86 VAES and VPCLMULQDQ extensions, two blocks to a
 * 256-bit register. OpenSSL 3.0 (Debian 12's) works one block to a register with
 * AES-NI: 4.3 GB/s on this VM's Zen 4, and a restore decrypts every byte it writes.
 * Here the counter mode runs at 13.5 GB/s and GHASH at 13.5, 6.8 together: a message
 * goes 16 KiB at a time, hashed then decrypted (or encrypted then hashed) while the
 * piece is in the cache. The format is GCM's own (NIST SP 800-38D, 96-bit nonces):
 * what one seals the other opens, which the tests check both ways. Where the CPU lacks
 * the extensions, repo_crypto.c uses OpenSSL as before.
 *
 * GHASH works on blocks with their bytes reversed, so that bit i of the 128-bit integer
 * is the coefficient of x^(127-i). A carry-less product of two such values is then
 * x times the field product, read the same way over 256 bits: it is shifted left by
 * one and reduced modulo x^128 + x^7 + x^2 + x + 1 (see reduce). Sixteen blocks are
 * multiplied by H^16..H^1 (three carry-less multiplies each, Karatsuba's way) and
 * summed before one reduction. The key's round keys and powers of H are computed once,
 * when the repository is opened, and kept with the other keys (sodium_malloc'd).
 */
#include "backup/repo_simd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "backup/repo_internal.h"

#define GCM_CHUNK 16384 /* hashed, then decrypted, a piece at a time: it stays in the cache */

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

#define GCMT __attribute__((target("avx2,vaes,vpclmulqdq,aes,pclmul,ssse3,sse4.1")))

static struct repo_cpu_ext gcm_ext = {-1, false};

/* Whether the CPU has AES-NI, PCLMULQDQ, AVX2, VAES and VPCLMULQDQ, and the system
 * saves the 256-bit registers. */
static bool gcm_probe(void)
{
	unsigned a, b, c, d, lo = 0, hi = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AES) || !(c & bit_PCLMUL) || !(c & bit_SSSE3) ||
	    !(c & bit_SSE4_1) || !(c & bit_AVX) || !(c & bit_OSXSAVE))
		return false;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	return (lo & 6) == 6 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2) && (c & bit_VAES) &&
	       (c & bit_VPCLMULQDQ);
}

bool repo_gcm_fast(void)
{
	return repo_cpu_use(&gcm_ext, gcm_probe);
}

void repo_gcm_disable(bool off)
{
	gcm_ext.off = off;
}

GCMT static inline __m128i bswap(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
}

GCMT static inline __m256i bswap2(__m256i x)
{
	const __m256i m = _mm256_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10,
					   9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
	return _mm256_shuffle_epi8(x, m);
}

/* The 128-bit integer x shifted right by n (0 < n < 64). */
GCMT static inline __m128i shr128(__m128i x, int n)
{
	return _mm_or_si128(_mm_srli_epi64(x, n), _mm_slli_epi64(_mm_srli_si128(x, 8), 64 - n));
}

/*
 * The field element that lo, mid and hi stand for: the carry-less products of the low
 * halves, the cross halves and the high halves summed. Their 256-bit sum V is x times
 * the product (the bit order above), so V is first shifted left by one. Then, with
 * V = hi128 * 2^128 + W: hi128 holds the coefficients of x^0..x^127 and W those of
 * x^128..x^255, and x^128 = x^7 + x^2 + x + 1. Multiplying W by x, x^2 and x^7 is
 * shifting it right by 1, 2 and 7; the bits that fall off the end (degree 128 and up)
 * come back folded once more, which is the (W << 126, 121) term in D. (W << 127 would
 * be the third, but W's bit 0 is always 0 after the shift: products have degree 254
 * at most.)
 */
GCMT static inline __m128i reduce(__m128i lo, __m128i mid, __m128i hi)
{
	__m128i vlo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8)), vhi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
	__m128i clo = _mm_srli_epi64(vlo, 63), chi = _mm_srli_epi64(vhi, 63);
	vhi = _mm_or_si128(_mm_or_si128(_mm_slli_epi64(vhi, 1), _mm_slli_si128(chi, 8)), _mm_srli_si128(clo, 8));
	vlo = _mm_or_si128(_mm_slli_epi64(vlo, 1), _mm_slli_si128(clo, 8));
	__m128i w0 = _mm_slli_si128(vlo, 8);
	__m128i d = _mm_xor_si128(vlo, _mm_xor_si128(_mm_slli_epi64(w0, 62), _mm_slli_epi64(w0, 57)));
	return _mm_xor_si128(_mm_xor_si128(vhi, d),
			     _mm_xor_si128(shr128(d, 1), _mm_xor_si128(shr128(d, 2), shr128(d, 7))));
}

/* lo, mid, hi += the carry-less product of a and b (see reduce). */
GCMT static inline void mul_acc(__m128i a, __m128i b, __m128i *lo, __m128i *mid, __m128i *hi)
{
	*lo = _mm_xor_si128(*lo, _mm_clmulepi64_si128(a, b, 0x00));
	*hi = _mm_xor_si128(*hi, _mm_clmulepi64_si128(a, b, 0x11));
	*mid = _mm_xor_si128(*mid, _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x01), _mm_clmulepi64_si128(a, b, 0x10)));
}

/* Two blocks at once, Karatsuba's way: bk holds the xor of each b's halves, and kmid
 * gets the products of the halves' xors, whose sum is mid + lo + hi. */
GCMT static inline void mul_acc2(__m256i a, __m256i b, __m256i bk, __m256i *lo, __m256i *kmid, __m256i *hi)
{
	*lo = _mm256_xor_si256(*lo, _mm256_clmulepi64_epi128(a, b, 0x00));
	*hi = _mm256_xor_si256(*hi, _mm256_clmulepi64_epi128(a, b, 0x11));
	__m256i ak = _mm256_xor_si256(a, _mm256_shuffle_epi32(a, 0x4e));
	*kmid = _mm256_xor_si256(*kmid, _mm256_clmulepi64_epi128(ak, bk, 0x00));
}

GCMT static inline __m128i fold(__m256i x)
{
	return _mm_xor_si128(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
}

GCMT static inline __m128i load(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

GCMT static inline __m256i load2(const uint8_t *p)
{
	return _mm256_loadu_si256((const __m256i *)p);
}

/* The GHASH state x after nb more whole blocks at p: sixteen blocks times H^16..H^1,
 * summed, then one reduction. Only the product x H^16 waits for the last reduction. */
GCMT static __m128i ghash_blocks(const struct repo_gcm_key *k, __m128i x, const uint8_t *p, size_t nb)
{
	const uint8_t(*h)[16] = k->h;
	for (; nb >= 16; nb -= 16, p += 256) {
		__m256i lo = _mm256_setzero_si256(), kmid = lo, hi = lo;
		for (int j = 0; j < 8; j++)
			mul_acc2(bswap2(load2(p + 32 * j)), load2(h[2 * j]), load2(k->hk[2 * j]), &lo, &kmid, &hi);
		__m128i l = fold(lo), u = fold(hi), m = _mm_xor_si128(fold(kmid), _mm_xor_si128(l, u));
		mul_acc(x, load(h[0]), &l, &m, &u);
		x = reduce(l, m, u);
	}
	if (nb) {
		/* The last nb blocks times H^nb..H^1: h[16 - nb] onwards. */
		__m256i lo = _mm256_setzero_si256(), kmid = lo, hi = lo;
		size_t j = 0;
		for (; j + 2 <= nb; j += 2)
			mul_acc2(bswap2(load2(p + 16 * j)), load2(h[16 - nb + j]), load2(k->hk[16 - nb + j]), &lo,
				 &kmid, &hi);
		__m128i l = fold(lo), u = fold(hi), m = _mm_xor_si128(fold(kmid), _mm_xor_si128(l, u));
		if (j < nb)
			mul_acc(bswap(load(p + 16 * j)), load(h[16 - nb + j]), &l, &m, &u);
		mul_acc(x, load(h[16 - nb]), &l, &m, &u);
		x = reduce(l, m, u);
	}
	return x;
}

/* ghash_blocks over n bytes, the last block padded with zeros. */
GCMT static __m128i ghash_bytes(const struct repo_gcm_key *k, __m128i x, const uint8_t *p, size_t n)
{
	x = ghash_blocks(k, x, p, n / 16);
	if (n % 16) {
		uint8_t last[16] = {0};
		memcpy(last, p + n / 16 * 16, n % 16);
		x = ghash_blocks(k, x, last, 1);
	}
	return x;
}

/* AES-256 of one block. */
GCMT static inline __m128i aes1(const struct repo_gcm_key *k, __m128i b)
{
	b = _mm_xor_si128(b, load(k->rk[0]));
	for (int r = 1; r < 14; r++)
		b = _mm_aesenc_si128(b, load(k->rk[r]));
	return _mm_aesenclast_si128(b, load(k->rk[14]));
}

/* A counter block from its form here: the nonce, then the counter as a native
 * integer in the last four bytes (which GCM stores big-endian). */
GCMT static inline __m128i ctr_block(__m128i c)
{
	return _mm_shuffle_epi8(c, _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 14, 13, 12));
}

GCMT static inline __m256i ctr_block2(__m256i c)
{
	const __m256i m = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 14, 13, 12, 0, 1, 2, 3, 4, 5, 6, 7,
					   8, 9, 10, 11, 15, 14, 13, 12);
	return _mm256_shuffle_epi8(c, m);
}

/* out = in XOR the key stream block cnt (counter value cnt), bytes from..from+n-1 of it. */
GCMT static void ctr_part(const struct repo_gcm_key *k, __m128i iv, uint32_t cnt, size_t from, const uint8_t *in,
			  uint8_t *out, size_t n)
{
	uint8_t ks[16];
	_mm_storeu_si128((__m128i *)ks, aes1(k, ctr_block(_mm_insert_epi32(iv, (int)cnt, 3))));
	for (size_t i = 0; i < n; i++)
		out[i] = in[i] ^ ks[from + i];
}

#define ROUND2(i)                                                                                                      \
	do {                                                                                                           \
		__m256i r_ = _mm256_broadcastsi128_si256(load(k->rk[i]));                                              \
		b0 = _mm256_aesenc_epi128(b0, r_);                                                                     \
		b1 = _mm256_aesenc_epi128(b1, r_);                                                                     \
		b2 = _mm256_aesenc_epi128(b2, r_);                                                                     \
		b3 = _mm256_aesenc_epi128(b3, r_);                                                                     \
	} while (0)

/* Counter mode over the n bytes at in that stand at byte pos of the message, to out
 * (which may be in). */
GCMT static void ctr(const struct repo_gcm_key *k, __m128i iv, uint64_t pos, const uint8_t *in, uint8_t *out, size_t n)
{
	uint32_t cnt = (uint32_t)(2 + pos / 16); /* block 0 of the message is counter 2 */
	size_t from = (size_t)(pos % 16);
	if (from && n) {
		size_t m = n < 16 - from ? n : 16 - from;
		ctr_part(k, iv, cnt++, from, in, out, m);
		in += m, out += m, n -= m;
	}
	if (n >= 128) {
		const __m256i r0 = _mm256_broadcastsi128_si256(load(k->rk[0])),
			      r14 = _mm256_broadcastsi128_si256(load(k->rk[14]));
		const __m256i two = _mm256_set_epi32(2, 0, 0, 0, 2, 0, 0, 0);
		__m256i c = _mm256_add_epi32(_mm256_broadcastsi128_si256(_mm_insert_epi32(iv, (int)cnt, 3)),
					     _mm256_set_epi32(1, 0, 0, 0, 0, 0, 0, 0));
		for (; n >= 128; n -= 128, in += 128, out += 128, cnt += 8) {
			__m256i c1 = _mm256_add_epi32(c, two), c2 = _mm256_add_epi32(c1, two),
				c3 = _mm256_add_epi32(c2, two);
			__m256i b0 = _mm256_xor_si256(ctr_block2(c), r0), b1 = _mm256_xor_si256(ctr_block2(c1), r0),
				b2 = _mm256_xor_si256(ctr_block2(c2), r0), b3 = _mm256_xor_si256(ctr_block2(c3), r0);
			c = _mm256_add_epi32(c3, two);
			ROUND2(1);
			ROUND2(2);
			ROUND2(3);
			ROUND2(4);
			ROUND2(5);
			ROUND2(6);
			ROUND2(7);
			ROUND2(8);
			ROUND2(9);
			ROUND2(10);
			ROUND2(11);
			ROUND2(12);
			ROUND2(13);
			b0 = _mm256_xor_si256(_mm256_aesenclast_epi128(b0, r14), load2(in));
			b1 = _mm256_xor_si256(_mm256_aesenclast_epi128(b1, r14), load2(in + 32));
			b2 = _mm256_xor_si256(_mm256_aesenclast_epi128(b2, r14), load2(in + 64));
			b3 = _mm256_xor_si256(_mm256_aesenclast_epi128(b3, r14), load2(in + 96));
			_mm256_storeu_si256((__m256i *)out, b0);
			_mm256_storeu_si256((__m256i *)(out + 32), b1);
			_mm256_storeu_si256((__m256i *)(out + 64), b2);
			_mm256_storeu_si256((__m256i *)(out + 96), b3);
		}
	}
	for (; n >= 16; n -= 16, in += 16, out += 16, cnt++) {
		__m128i ks = aes1(k, ctr_block(_mm_insert_epi32(iv, (int)cnt, 3)));
		_mm_storeu_si128((__m128i *)out, _mm_xor_si128(ks, load(in)));
	}
	if (n)
		ctr_part(k, iv, cnt, 0, in, out, n);
}

/* ctr over message bytes s..e-1, whose first n1 are at in1 and out1, the rest at in2
 * and out2. */
GCMT static void ctr_split(const struct repo_gcm_key *k, __m128i iv, size_t s, size_t e, const uint8_t *in1,
			   uint8_t *out1, size_t n1, const uint8_t *in2, uint8_t *out2)
{
	if (s < n1) {
		size_t m = e < n1 ? e : n1;
		ctr(k, iv, s, in1 + s, out1 + s, m - s);
		s = m;
	}
	if (e > s)
		ctr(k, iv, s, in2 + (s - n1), out2 + (s - n1), e - s);
}

/* The nonce in its counter form (counter 0). */
GCMT static inline __m128i nonce_form(const uint8_t nonce[REPO_NONCE_LEN])
{
	uint8_t b[16] = {0};
	memcpy(b, nonce, REPO_NONCE_LEN);
	return load(b);
}

/* The tag: GHASH finished with the lengths in bits, under E(counter 1). */
GCMT static __m128i tag_of(const struct repo_gcm_key *k, __m128i x, __m128i iv, size_t aad_len, size_t len)
{
	/* The block (aad bits, message bits), both big-endian, with its bytes reversed. */
	__m128i lens = _mm_set_epi64x((long long)((uint64_t)aad_len * 8), (long long)((uint64_t)len * 8));
	__m128i lo = _mm_setzero_si128(), mid = lo, hi = lo;
	mul_acc(_mm_xor_si128(x, lens), load(k->h[15]), &lo, &mid, &hi);
	x = reduce(lo, mid, hi);
	return _mm_xor_si128(aes1(k, ctr_block(_mm_insert_epi32(iv, 1, 3))), bswap(x));
}

GCMT static void gcm_prepare(const uint8_t key[32], struct repo_gcm_key *ret)
{
	__m128i rk[15];
	rk[0] = load(key);
	rk[1] = load(key + 16);
	/* AES-256's key expansion: even round keys from the previous even one and the
	 * rotated, substituted last word of the odd one; odd ones without the rotation. */
#define EXPAND(i, rcon, sel)                                                                                           \
	do {                                                                                                           \
		__m128i t_ = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[(i)-1], rcon), sel);                       \
		__m128i p_ = rk[(i)-2];                                                                                \
		p_ = _mm_xor_si128(p_, _mm_slli_si128(p_, 4));                                                         \
		p_ = _mm_xor_si128(p_, _mm_slli_si128(p_, 8));                                                         \
		rk[i] = _mm_xor_si128(p_, t_);                                                                         \
	} while (0)
	/* Round keys 2 to 13 in pairs (the odd one's rcon is not used), then 14. */
#define PAIR(i, r)                                                                                                     \
	do {                                                                                                           \
		EXPAND(i, r, 0xff);                                                                                    \
		EXPAND((i) + 1, 0x00, 0xaa);                                                                           \
	} while (0)
	PAIR(2, 0x01);
	PAIR(4, 0x02);
	PAIR(6, 0x04);
	PAIR(8, 0x08);
	PAIR(10, 0x10);
	PAIR(12, 0x20);
	EXPAND(14, 0x40, 0xff);
#undef PAIR
#undef EXPAND
	for (int i = 0; i < 15; i++)
		_mm_storeu_si128((__m128i *)ret->rk[i], rk[i]);
	/* H = E(0), then its powers: h[15 - i] is H^(i+1). */
	__m128i h = bswap(aes1(ret, _mm_setzero_si128())), p = h;
	_mm_storeu_si128((__m128i *)ret->h[15], h);
	for (int i = 14; i >= 0; i--) {
		__m128i lo = _mm_setzero_si128(), mid = lo, hi = lo;
		mul_acc(p, h, &lo, &mid, &hi);
		p = reduce(lo, mid, hi);
		_mm_storeu_si128((__m128i *)ret->h[i], p);
	}
	for (int i = 0; i < 16; i++) {
		__m128i q = load(ret->h[i]);
		_mm_storeu_si128((__m128i *)ret->hk[i], _mm_xor_si128(q, _mm_shuffle_epi32(q, 0x4e)));
	}
	memset(rk, 0, sizeof(rk));
	__asm__ volatile("" : : "r"(rk) : "memory"); /* the wipe stays */
}

void repo_gcm_prepare(const uint8_t key[32], struct repo_gcm_key *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (repo_cpu_has(&gcm_ext, gcm_probe))
		gcm_prepare(key, ret);
}

GCMT void repo_gcm_seal(const struct repo_gcm_key *k, const uint8_t nonce[REPO_NONCE_LEN], const void *aad,
			size_t aad_len, const uint8_t *p1, size_t n1, const uint8_t *p2, size_t n2, uint8_t *ct)
{
	__m128i iv = nonce_form(nonce), x = ghash_bytes(k, _mm_setzero_si128(), aad, aad_len);
	size_t len = n1 + n2;
	for (size_t s = 0, e; s < len; s = e) {
		e = len - s > GCM_CHUNK ? s + GCM_CHUNK : len;
		ctr_split(k, iv, s, e, p1, ct, n1, p2, ct + n1);
		x = ghash_bytes(k, x, ct + s, e - s);
	}
	_mm_storeu_si128((__m128i *)(ct + len), tag_of(k, x, iv, aad_len, len));
}

GCMT int repo_gcm_open(const struct repo_gcm_key *k, const uint8_t nonce[REPO_NONCE_LEN], const void *aad,
		       size_t aad_len, const uint8_t *ct, size_t len, const uint8_t tag[REPO_TAG_LEN], uint8_t *out1,
		       size_t n1, uint8_t *out2)
{
	__m128i iv = nonce_form(nonce), x = ghash_bytes(k, _mm_setzero_si128(), aad, aad_len);
	for (size_t s = 0, e; s < len; s = e) {
		e = len - s > GCM_CHUNK ? s + GCM_CHUNK : len;
		/* Hashed before it is decrypted: out may be where the ciphertext is. */
		x = ghash_bytes(k, x, ct + s, e - s);
		ctr_split(k, iv, s, e, ct, out1, n1, ct + n1, out2);
	}
	__m128i want = tag_of(k, x, iv, aad_len, len);
	/* Every byte compared, whatever the first difference. */
	return _mm_movemask_epi8(_mm_cmpeq_epi8(want, load(tag))) == 0xffff ? 0 : -EBADMSG;
}

GCMT uint8_t repo_gcm_first(const struct repo_gcm_key *k, const uint8_t nonce[REPO_NONCE_LEN], uint8_t c)
{
	uint8_t b;
	ctr(k, nonce_form(nonce), 0, &c, &b, 1);
	return b;
}

#else

bool repo_gcm_fast(void)
{
	return false;
}

void repo_gcm_disable(bool off)
{
	(void)off;
}

void repo_gcm_prepare(const uint8_t key[32], struct repo_gcm_key *ret)
{
	(void)key;
	memset(ret, 0, sizeof(*ret));
}

void repo_gcm_seal(const struct repo_gcm_key *k, const uint8_t nonce[REPO_NONCE_LEN], const void *aad, size_t aad_len,
		   const uint8_t *p1, size_t n1, const uint8_t *p2, size_t n2, uint8_t *ct)
{
	(void)k, (void)nonce, (void)aad, (void)aad_len, (void)p1, (void)n1, (void)p2, (void)n2, (void)ct;
}

int repo_gcm_open(const struct repo_gcm_key *k, const uint8_t nonce[REPO_NONCE_LEN], const void *aad, size_t aad_len,
		  const uint8_t *ct, size_t len, const uint8_t tag[REPO_TAG_LEN], uint8_t *out1, size_t n1,
		  uint8_t *out2)
{
	(void)k, (void)nonce, (void)aad, (void)aad_len, (void)ct, (void)len, (void)tag, (void)out1, (void)n1,
	    (void)out2;
	return -ENOTSUP;
}

uint8_t repo_gcm_first(const struct repo_gcm_key *k, const uint8_t nonce[REPO_NONCE_LEN], uint8_t c)
{
	(void)k, (void)nonce;
	return c;
}

#endif
