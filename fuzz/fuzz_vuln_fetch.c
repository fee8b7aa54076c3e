/*
 * fuzz_vuln_fetch.c: the feed download's HTTP answer parser (vuln_fetch_parser) on
 * arbitrary bytes, whole and in pieces of sizes taken from the input, which must give
 * the same result, status and body.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vuln/vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_body {
	uint64_t digest;
	size_t n;
};

static int fuzz_sink(void *arg, const char *d, size_t len)
{
	struct fuzz_body *b = arg;
	for (size_t i = 0; i < len; i++)
		b->digest = (b->digest ^ (unsigned char)d[i]) * 1099511628211ULL;
	b->n += len;
	return 0;
}

static int fuzz_parse(const uint8_t *data, size_t size, size_t step, struct fuzz_body *b, int *ret_status)
{
	struct vuln_fetch_parser *p = vuln_fetch_parser_new(1 << 20, fuzz_sink, b);
	int r = 0;
	if (!p)
		return -1;
	for (size_t off = 0; off < size && r == 0; off += step)
		r = vuln_fetch_parser_feed(p, (const char *)data + off, size - off < step ? size - off : step);
	if (r == 0)
		r = vuln_fetch_parser_finish(p);
	*ret_status = vuln_fetch_parser_status(p);
	vuln_fetch_parser_free(p);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_body whole = {1469598103934665603ULL, 0}, cut = {1469598103934665603ULL, 0};
	int s1, s2;
	size_t step = size ? (size_t)data[0] % 17 + 1 : 1;
	int r1 = fuzz_parse(data, size, size ? size : 1, &whole, &s1);
	int r2 = fuzz_parse(data, size, step, &cut, &s2);
	assert(r1 == r2 && s1 == s2);
	if (r1 == 0)
		assert(whole.n == cut.n && whole.digest == cut.digest);
	return 0;
}
