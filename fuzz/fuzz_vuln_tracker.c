/*
 * fuzz_vuln_tracker.c: the streamed tracker parser (vuln_tracker_feed / finish) on
 * arbitrary bytes, whole and in chunks of sizes taken from the input, which must give
 * the same result and the same entries; every entry it delivers is then matched
 * against a few installed versions; and vuln_osv_parse on the same bytes.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vuln/vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_DIGEST_SEED 1469598103934665603ULL /* FNV-1a offset basis */

/* A digest of everything delivered, and a count, to compare two parses. */
struct fuzz_seen {
	uint64_t digest;
	size_t n;
};

static void fuzz_mix(struct fuzz_seen *s, const char *v)
{
	const char *p = v ? v : "\x01";
	for (; *p; p++)
		s->digest = (s->digest ^ (unsigned char)*p) * 1099511628211ULL;
	s->digest = (s->digest ^ 0xff) * 1099511628211ULL;
}

static int fuzz_issue(void *arg, const struct vuln_issue *i)
{
	struct fuzz_seen *s = arg;
	assert(i->cve && strlen(i->cve) <= WARD_VULN_FIELD_MAX);
	fuzz_mix(s, i->cve);
	fuzz_mix(s, i->scope);
	s->n++;
	return 0;
}

static int fuzz_entry(void *arg, const struct vuln_entry *e)
{
	static const char *const installed[] = {"0", "1.0-1", "1:2.3~rc1-4+deb12u1", "9999"};
	struct fuzz_seen *s = arg;
	const char *f[] = {e->release, e->source,	 e->cve,     e->status,	     e->introduced,
			   e->fixed,   e->last_affected, e->urgency, e->nodsa_reason};
	assert(e->release && e->source && e->cve && e->status);
	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		assert(!f[k] || strlen(f[k]) <= WARD_VULN_FIELD_MAX);
		fuzz_mix(s, f[k]);
	}
	for (size_t k = 0; k < sizeof(installed) / sizeof(installed[0]); k++) {
		enum vuln_status st = (enum vuln_status)77;
		int r = vuln_match_entry(e, installed[k], &st);
		assert((r == 0 && st <= VULN_END_OF_LIFE) || (r < 0 && st == (enum vuln_status)77));
	}
	s->n++;
	return 0;
}

static int fuzz_tracker(const uint8_t *data, size_t size, size_t step, struct fuzz_seen *seen)
{
	struct vuln_sink sink = {fuzz_issue, fuzz_entry, seen};
	struct vuln_tracker *t = vuln_tracker_new(&sink);
	int r = 0;
	assert(t);
	seen->digest = FUZZ_DIGEST_SEED;
	seen->n = 0;
	for (size_t off = 0; off < size && r == 0; off += step) {
		size_t n = size - off < step ? size - off : step;
		r = vuln_tracker_feed(t, (const char *)data + off, n);
	}
	if (r == 0)
		r = vuln_tracker_finish(t);
	assert(r <= 0);
	vuln_tracker_free(t);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_seen whole, parts;
	int rw = fuzz_tracker(data, size, size ? size : 1, &whole);
	size_t step = size ? (size_t)data[0] % 61 + 1 : 1;
	int rp = fuzz_tracker(data, size, step, &parts);
	assert(rw == rp);
	/* what was delivered before an error may differ only in where it stopped */
	if (rw == 0)
		assert(whole.n == parts.n && whole.digest == parts.digest);
	struct vuln_sink sink = {fuzz_issue, fuzz_entry, &whole};
	size_t skipped = 0;
	int ro = vuln_osv_parse((const char *)data, size, &sink, &skipped);
	assert(ro <= 0);
	return 0;
}
