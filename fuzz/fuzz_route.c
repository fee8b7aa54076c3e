/*
 * fuzz_route.c: router_match(), pattern against request path with {name} captures.
 * The input is "PATTERN\nPATH"; only memory safety is checked.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ROUTE_SCRATCH 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *names[WARD_HTTP_ROUTE_PARAMS], *values[WARD_HTTP_ROUTE_PARAMS];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t pattern_len = nl ? (size_t)(nl - data) : size;
	size_t path_len = nl ? size - pattern_len - 1 : 0;
	char *pattern = malloc(pattern_len + 1), *path = malloc(path_len + 1);
	char *scratch = malloc(FUZZ_ROUTE_SCRATCH);
	int n = -1;
	if (!pattern || !path || !scratch)
		goto out;
	memcpy(pattern, data, pattern_len);
	pattern[pattern_len] = '\0';
	if (path_len)
		memcpy(path, nl + 1, path_len);
	path[path_len] = '\0';

	/* Separate allocations: ASan catches a read past either string or the scratch. */
	if (router_match(pattern, path, names, values, scratch, FUZZ_ROUTE_SCRATCH, &n)) {
		/* Read every capture so a bad pointer shows; volatile keeps the reads. */
		volatile size_t sink = 0;
		for (int i = 0; i < n; i++)
			sink += strcspn(names[i], "}") + strlen(values[i]);
		(void)sink;
	}
out:
	free(pattern);
	free(path);
	free(scratch);
	return 0;
}
