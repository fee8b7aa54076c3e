/*
 * fuzz_time.c: the time and number parsers behind --since, durations and integer
 * options and query parameters: time_parse_since, time_parse_duration, parse_int64.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_UNSET INT64_C(0x5a5a5a5a5a5a5a5a)

static const struct {
	int64_t min, max;
} fuzz_ranges[] = {{INT64_MIN, INT64_MAX}, {0, 65535}, {1, 500}, {-1, 1}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	int64_t v;
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	/* A fixed "now" keeps runs reproducible; 0 checks ages counted back past the epoch. */
	v = FUZZ_UNSET;
	if (time_parse_since(text, INT64_C(1795000000), &v) < 0)
		assert(v == FUZZ_UNSET);
	v = FUZZ_UNSET;
	if (time_parse_since(text, 0, &v) < 0)
		assert(v == FUZZ_UNSET);

	v = FUZZ_UNSET;
	if (time_parse_duration(text, &v) == 0)
		assert(v >= 0);
	else
		assert(v == FUZZ_UNSET);

	for (size_t i = 0; i < sizeof(fuzz_ranges) / sizeof(fuzz_ranges[0]); i++) {
		v = FUZZ_UNSET;
		if (parse_int64(text, fuzz_ranges[i].min, fuzz_ranges[i].max, &v) == 0)
			assert(v >= fuzz_ranges[i].min && v <= fuzz_ranges[i].max);
		else
			assert(v == FUZZ_UNSET);
	}
	free(text);
	return 0;
}
