/*
 * fuzz_dpkg.c: the dpkg status parser (dpkg_parser_feed / finish) on arbitrary bytes
 * cut into chunks of arbitrary sizes, checked against one feed of the whole input, and
 * rpm_qa_parse on the same bytes.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory_dpkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_EXPAND_RUN 20000		  /* copies made by each 0x02 byte in expand mode */
#define FUZZ_EXPAND_MAX (4 * 1024 * 1024) /* bytes an expanded input may reach */
#define FUZZ_MAX_CHUNKS 4096		  /* keeps one-byte chunking of big inputs quick */

static uint64_t fuzz_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Inputs starting with 0x01 are short descriptions of long ones, so lines past
 * WARD_DPKG_LINE_MAX are reached within libFuzzer's -max_len: after the 0x01, each 0x02
 * stands for FUZZ_EXPAND_RUN copies of the byte before it. */
static uint8_t *fuzz_expand(const uint8_t *data, size_t size, size_t *ret_len)
{
	size_t len = 0;
	if (size == 0 || data[0] != 0x01) {
		uint8_t *copy = malloc(size ? size : 1);
		assert(copy);
		memcpy(copy, data, size);
		*ret_len = size;
		return copy;
	}
	size_t want = 0;
	for (size_t i = 1; i < size; i++) /* the size first: an exact buffer for ASan */
		want += data[i] == 0x02 && want > 0 ? FUZZ_EXPAND_RUN : 1;
	if (want > FUZZ_EXPAND_MAX)
		want = FUZZ_EXPAND_MAX;
	uint8_t *out = malloc(want ? want : 1);
	assert(out);
	for (size_t i = 1; i < size && len < want; i++) {
		if (data[i] == 0x02 && len > 0) {
			size_t n = FUZZ_EXPAND_RUN;
			if (n > want - len)
				n = want - len;
			memset(out + len, out[len - 1], n);
			len += n;
		} else {
			out[len++] = data[i];
		}
	}
	*ret_len = len;
	return out;
}

static void fuzz_check_packages(const json_t *pkgs, const char *manager)
{
	size_t i;
	const json_t *pkg, *prev = NULL;
	assert(json_is_array(pkgs));
	assert(json_array_size(pkgs) <= WARD_PACKAGES_MAX);
	json_array_foreach(pkgs, i, pkg)
	{
		static const char *const keys[] = {"name", "version", "source", "source_version", "status"};
		assert(json_object_size(pkg) == 7);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *v = json_string_value(json_object_get(pkg, keys[k]));
			assert(v && *v && strlen(v) <= 3 * WARD_PACKAGE_FIELD_MAX + 2);
		}
		const json_t *arch = json_object_get(pkg, "architecture");
		assert(json_is_null(arch) || (json_is_string(arch) && json_string_length(arch) > 0));
		assert(strcmp(json_string_value(json_object_get(pkg, "manager")), manager) == 0);
		if (prev && strcmp(manager, "dpkg") == 0) /* dpkg's list comes sorted by name */
			assert(strcmp(json_string_value(json_object_get(prev, "name")),
				      json_string_value(json_object_get(pkg, "name"))) <= 0);
		prev = pkg;
	}
}

static void fuzz_check_warnings(const json_t *warnings, size_t most)
{
	size_t i;
	const json_t *w;
	assert(json_array_size(warnings) <= most);
	json_array_foreach(warnings, i, w)
	{
		assert(strcmp(json_string_value(json_object_get(w, "section")), "packages") == 0);
		assert(json_string_value(json_object_get(w, "message")));
	}
}

/* Feeds text in chunks (sizes from rng, or everything at once when rng is NULL); returns
 * the canonical text of packages and warnings. */
static char *fuzz_parse(const uint8_t *text, size_t len, uint64_t *rng, size_t most)
{
	struct dpkg_parser *p = dpkg_parser_new();
	json_t *pkgs = NULL, *warnings = json_array();
	assert(p && warnings);
	size_t min = len / FUZZ_MAX_CHUNKS + 1, off = 0;
	static const size_t spans[] = {1, 3, 17, 256, 4096, 70000};
	size_t span = rng ? spans[fuzz_rng(rng) % (sizeof(spans) / sizeof(spans[0]))] : 0;
	/* Each chunk is copied to the end of one buffer, so ASan sees any read past it. */
	size_t cap = rng ? min + span - 1 : len;
	char *buf = malloc(cap ? cap : 1);
	assert(buf);
	while (off < len) {
		size_t n = rng ? min + (size_t)(fuzz_rng(rng) % span) : len;
		if (n > len - off)
			n = len - off;
		memcpy(buf + cap - n, text + off, n);
		assert(dpkg_parser_feed(p, buf + cap - n, n) == 0);
		off += n;
	}
	free(buf);
	assert(dpkg_parser_finish(p, &pkgs, warnings) == 0);
	dpkg_parser_free(p);
	fuzz_check_packages(pkgs, "dpkg");
	fuzz_check_warnings(warnings, most);
	json_t *both = json_pack("[o, o]", pkgs, warnings);
	assert(both);
	char *s = json_dumps(both, JSON_COMPACT);
	assert(s);
	json_decref(both);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *text = fuzz_expand(data, size, &len);
	uint64_t rng = 0x9e3779b97f4a7c15ULL ^ size;
	for (size_t i = 0; i < size && i < 8; i++)
		rng = rng * 31 + data[i];
	if (rng == 0)
		rng = 1;
	/* WARD_PACKAGE_WARNINGS_MAX, then the package cap and "N more" ones. */
	size_t most = WARD_PACKAGE_WARNINGS_MAX + 2;

	char *whole = fuzz_parse(text, len, NULL, most);
	char *chunked = fuzz_parse(text, len, &rng, most);
	assert(strcmp(whole, chunked) == 0);
	free(whole);
	free(chunked);

	json_t *out = json_array(), *warnings = json_array();
	assert(out && warnings);
	assert(rpm_qa_parse((const char *)text, len, out, warnings) == 0);
	fuzz_check_packages(out, "rpm");
	fuzz_check_warnings(warnings, WARD_PACKAGE_WARNINGS_MAX + 2);
	json_decref(out);
	json_decref(warnings);
	free(text);
	return 0;
}
