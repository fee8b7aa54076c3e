/*
 * fuzz_tz.c: the TZif reader (tz_load_data) on arbitrary bytes, then, for a file it
 * accepts, tz_offset, tz_next_change and tz_local_to_utc at instants taken from the
 * input and from the edges of the range, checked against their contracts.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_UTOFF_MIN (-89999)
#define FUZZ_UTOFF_MAX 93599
#define FUZZ_WALK 64 /* changes followed from each instant */

static void fuzz_check_instant(const struct tz *z, int64_t t)
{
	int32_t off = tz_offset(z, t);
	assert(off >= FUZZ_UTOFF_MIN && off <= FUZZ_UTOFF_MAX);

	/* The offset holds from t up to the next change, and changes there. */
	int64_t next = tz_next_change(z, t);
	assert(next > t || next == INT64_MAX);
	if (next != INT64_MAX) {
		assert(next <= TZ_TIME_MAX);
		assert(tz_offset(z, next - 1) == off);
		assert(tz_offset(z, t + (int64_t)(((uint64_t)next - (uint64_t)t) / 2)) == off);
		assert(tz_offset(z, next) != off);
	}
	int64_t prev = t;
	for (int i = 0; i < FUZZ_WALK && next != INT64_MAX; i++) {
		assert(next > prev);
		prev = next;
		next = tz_next_change(z, next);
	}

	/* Local to UTC: the first instant at which the wall clock reaches local, and never
	 * decreasing. Away from the clamped ends, where offsets are those at the ends. */
	if (t < TZ_TIME_MIN + 300000 || t > TZ_TIME_MAX - 300000)
		return;
	int64_t u = tz_local_to_utc(z, t);
	assert(u >= t - FUZZ_UTOFF_MAX - 1 && u <= t - FUZZ_UTOFF_MIN);
	assert(u + tz_offset(z, u) >= t);
	assert(u - 1 + tz_offset(z, u - 1) < t);
	assert(tz_local_to_utc(z, t + 1) >= u);
	assert(tz_local_to_utc(z, t - 1) <= u);
	/* The wall time at t is reached at t or before (exactly, unless a jump forward over
	 * it came first and the clock went back later). */
	int64_t w = t + off, uw = tz_local_to_utc(z, w);
	assert(uw <= t && uw + tz_offset(z, uw) >= w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact copy, so AddressSanitizer sees any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	assert(copy);
	memcpy(copy, data, size);
	struct tz *z = (struct tz *)copy; /* must stay untouched on failure */
	if (tz_load_data(copy, size, &z) < 0) {
		assert(z == (struct tz *)copy);
		free(copy);
		return 0;
	}
	assert(z && z != (struct tz *)copy);

	static const int64_t edges[] = {
	    INT64_MIN,	TZ_TIME_MIN - 1,    TZ_TIME_MIN, -(INT64_C(1) << 31), -1,	0, 1000000000, 1774746000,
	    4102444800, (INT64_C(1) << 33), TZ_TIME_MAX, TZ_TIME_MAX + 1,     INT64_MAX};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		fuzz_check_instant(z, edges[i]);
	/* Instants from the input's bytes: its transition times among them, at times. */
	for (size_t i = 0; i + 8 <= size && i < 64 * 8; i += 8) {
		int64_t t;
		memcpy(&t, copy + i, 8);
		fuzz_check_instant(z, t);
		fuzz_check_instant(z, t % (INT64_C(1) << 40));
	}
	tz_free(z);
	free(copy);
	return 0;
}
