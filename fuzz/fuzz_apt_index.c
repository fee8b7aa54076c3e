/*
 * fuzz_apt_index.c: the apt index parsers on arbitrary bytes: the stanza parser (with
 * and without relationship fields) fed in chunks of arbitrary sizes must see the same
 * stanzas as with one feed of the whole input, every value within its bounds; and
 * apt_release_parse and apt_prefs_parse on the same bytes. A parse with a Package
 * filter (names with an even first byte) must not depend on the chunking either.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "software/apt_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A running digest of every stanza seen, so two parses can be compared. */
struct seen {
	uint64_t h;
	size_t n;
};

static void mix(struct seen *s, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		s->h = (s->h ^ b[i]) * 0x100000001b3ULL;
}

static int on_stanza(void *arg, const struct apt_stanza *st)
{
	struct seen *s = arg;
	s->n++;
	mix(s, &st->bad, sizeof(st->bad));
	mix(s, &st->depends_cut, sizeof(st->depends_cut));
	mix(s, &st->first_line, sizeof(st->first_line));
	for (int f = 0; f < APT_FIELDS; f++) {
		bool rel = f >= APT_DEPENDS;
		assert(st->len[f] <= (rel ? WARD_APT_DEPENDS_MAX : WARD_APT_FIELD_MAX));
		assert(st->value[f]);
		if (st->len[f]) /* no blank at either end */
			assert(st->value[f][0] != ' ' && st->value[f][st->len[f] - 1] != ' ');
		mix(s, &st->len[f], sizeof(st->len[f]));
		mix(s, st->value[f], st->len[f]);
	}
	return 0;
}

static bool keep_even(void *arg, const char *name, size_t len)
{
	return len > 0 && ((unsigned char)name[0] & 1) == 0;
}

static struct seen parse(const uint8_t *data, size_t size, bool rel, uint64_t rng, bool filter)
{
	struct seen s = {0xcbf29ce484222325ULL, 0};
	struct apt_parser *p = apt_parser_new(on_stanza, &s, rel);
	assert(p);
	if (filter)
		apt_parser_set_filter(p, keep_even);
	size_t off = 0;
	while (off < size) {
		size_t n = size - off;
		if (rng) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			n = 1 + rng % 97;
			if (n > size - off)
				n = size - off;
		}
		char *chunk = malloc(n); /* exactly n bytes for ASan */
		assert(chunk);
		memcpy(chunk, data + off, n);
		assert(apt_parser_feed(p, chunk, n) == 0);
		free(chunk);
		off += n;
	}
	assert(apt_parser_finish(p) == 0);
	assert(apt_parser_finish(p) < 0);
	assert(apt_parser_feed(p, "x", 1) < 0);
	mix(&s, &(size_t){apt_parser_skipped(p)}, sizeof(size_t));
	apt_parser_free(p);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int mode = 0; mode < 3; mode++) {
		bool rel = mode != 0, filter = mode == 2;
		struct seen whole = parse(data, size, rel, 0, filter);
		struct seen cut = parse(data, size, rel, 0x9e3779b97f4a7c15ULL ^ size, filter);
		assert(whole.n == cut.n && whole.h == cut.h);
	}
	char *text = malloc(size ? size : 1);
	assert(text);
	memcpy(text, data, size);
	struct apt_release rel;
	apt_release_parse(text, size, &rel);
	assert(strlen(rel.suite) <= WARD_APT_FIELD_MAX && strlen(rel.codename) <= WARD_APT_FIELD_MAX);
	struct apt_prefs prefs = {0};
	assert(apt_prefs_parse(&prefs, text, size) == 0);
	assert(prefs.n <= WARD_APT_PINS_MAX);
	for (size_t i = 0; i < prefs.n; i++) {
		assert(prefs.pins[i].priority != 0 && prefs.pins[i].priority >= -32768 &&
		       prefs.pins[i].priority <= 32767);
		assert(prefs.pins[i].packages[0]);
		(void)apt_pattern_match(prefs.pins[i].packages, strlen(prefs.pins[i].packages), "libc6");
	}
	apt_prefs_release(&prefs);
	free(text);
	return 0;
}
