/*
 * fuzz_os_release.c: os_release_parse, the os-release(5) reader behind the system
 * inventory, on arbitrary bytes (NULs included, no terminator).
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inventory/inventory_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fields os_release_parse always fills, each a string or null. */
static const char *const fuzz_fields[] = {"id", "id_like", "name", "version_id", "version", "codename", "pretty_name"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char unset_marker;
	json_t *const unset = (json_t *)&unset_marker;
	/* exactly size bytes, so AddressSanitizer sees any read past the end */
	char *text = malloc(size ? size : 1);
	json_t *os = unset, *warnings = json_array();
	if (!text || !warnings) {
		free(text);
		json_decref(warnings);
		return 0;
	}
	memcpy(text, data, size);

	int r = os_release_parse(text, size, &os, warnings);
	if (r < 0) {
		assert(r == -ENOMEM && os == unset);
	} else {
		assert(r == 0 && json_is_object(os));
		assert(json_object_size(os) == sizeof(fuzz_fields) / sizeof(fuzz_fields[0]));
		for (size_t i = 0; i < sizeof(fuzz_fields) / sizeof(fuzz_fields[0]); i++) {
			json_t *v = json_object_get(os, fuzz_fields[i]);
			assert(v && (json_is_null(v) || json_is_string(v)));
			/* at most 1024 bytes in, each byte at most U+FFFD (3 bytes) out; never empty */
			assert(json_is_null(v) || (json_string_length(v) > 0 && json_string_length(v) <= 3 * 1024));
		}
		json_decref(os);
	}
	assert(json_array_size(warnings) <= INV_PARSE_WARN_MAX);
	for (size_t i = 0; i < json_array_size(warnings); i++)
		assert(json_is_string(json_array_get(warnings, i)));
	json_decref(warnings);
	free(text);
	return 0;
}
