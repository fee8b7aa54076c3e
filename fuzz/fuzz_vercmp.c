/*
 * fuzz_vercmp.c: vercmp_parse, vercmp_compare and vercmp_n on arbitrary bytes, three
 * versions per input (split at newlines). The order must be reflexive, antisymmetric
 * and transitive, byte ranges must give what NUL-terminated copies give, and every
 * result must equal a line-by-line port of dpkg's own verrevcmp on NUL-terminated
 * strings, the reference the fast version is checked against.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "software/vercmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int v)
{
	return v < 0 ? -1 : v > 0 ? 1 : 0;
}

/* dpkg's lib/dpkg/version.c, as it is written. */
static int ref_order(int c)
{
	if (c >= '0' && c <= '9')
		return 0;
	else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return c;
	else if (c == '~')
		return -1;
	else if (c)
		return c + 256;
	else
		return 0;
}

static int ref_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int ref_verrevcmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first_diff = 0;
		while ((*a && !ref_isdigit(*a)) || (*b && !ref_isdigit(*b))) {
			int ac = ref_order(*a);
			int bc = ref_order(*b);
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (ref_isdigit(*a) && ref_isdigit(*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (ref_isdigit(*a))
			return 1;
		if (ref_isdigit(*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

/* NUL-terminated copies of a parsed version's parts, compared as dpkg does. */
static int ref_compare(const struct vercmp_version *a, const struct vercmp_version *b)
{
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch ? 1 : -1;
	char *au = strndup(a->upstream, a->upstream_len), *bu = strndup(b->upstream, b->upstream_len);
	char *ar = strndup(a->revision, a->revision_len), *br = strndup(b->revision, b->revision_len);
	assert(au && bu && ar && br);
	int r = ref_verrevcmp(au, bu);
	if (!r)
		r = ref_verrevcmp(ar, br);
	free(au);
	free(bu);
	free(ar);
	free(br);
	return r;
}

struct one {
	char *text; /* exactly len bytes, no NUL: ASan sees any read past it */
	size_t len;
	struct vercmp_version v;
	bool ok;
};

static void one_parse(struct one *o, const uint8_t *p, size_t n)
{
	o->text = malloc(n ? n : 1);
	assert(o->text);
	memcpy(o->text, p, n);
	o->len = n;
	struct vercmp_version v = {.epoch = -7};
	const char *warning = "unset";
	int r = vercmp_parse(o->text, n, &v, &warning);
	assert(r == 0 || r == -EINVAL);
	if (r < 0) {
		assert(v.epoch == -7 && strcmp(warning, "unset") == 0); /* nothing written */
		return;
	}
	o->ok = true;
	o->v = v;
	assert(v.epoch >= 0 && v.upstream_len > 0);
	assert(v.upstream >= o->text && v.upstream + v.upstream_len <= o->text + n);
	assert(!memchr(v.upstream, '\0', v.upstream_len) && !memchr(v.revision, '\0', v.revision_len));
	assert(v.revision_len == 0 || (v.revision > o->text && v.revision + v.revision_len <= o->text + n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct one v[3] = {0};
	const uint8_t *p = data, *end = data + size;
	for (int i = 0; i < 3; i++) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		one_parse(&v[i], p, n);
		p = nl ? nl + 1 : end;
	}
	for (int i = 0; i < 3; i++) {
		/* vercmp_n never fails, and must be reflexive and antisymmetric. */
		assert(vercmp_n(v[i].text, v[i].len, v[i].text, v[i].len) == 0);
		for (int j = 0; j < 3; j++) {
			int ij = sign(vercmp_n(v[i].text, v[i].len, v[j].text, v[j].len));
			int ji = sign(vercmp_n(v[j].text, v[j].len, v[i].text, v[i].len));
			assert(ij == -ji);
			if (v[i].ok && v[j].ok) {
				int c = sign(vercmp_compare(&v[i].v, &v[j].v));
				assert(c == ij);
				assert(c == sign(ref_compare(&v[i].v, &v[j].v)));
			}
		}
	}
	/* Transitivity: a <= b <= c gives a <= c. */
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 3; k++) {
				int ij = sign(vercmp_n(v[i].text, v[i].len, v[j].text, v[j].len));
				int jk = sign(vercmp_n(v[j].text, v[j].len, v[k].text, v[k].len));
				int ik = sign(vercmp_n(v[i].text, v[i].len, v[k].text, v[k].len));
				if (ij <= 0 && jk <= 0)
					assert(ik <= 0);
				if (ij == 0 && jk == 0)
					assert(ik == 0);
			}
	/* A NUL-terminated copy compares as the byte range does, and vercmp_check agrees
	 * with parse: strict success only without a warning. */
	for (int i = 0; i < 3; i++) {
		char *s = strndup(v[i].text, v[i].len);
		assert(s);
		assert(sign(vercmp(s, s)) == 0);
		const char *w = NULL;
		struct vercmp_version x;
		int pr = vercmp_parse(s, strlen(s), &x, &w);
		assert((vercmp_check(s) == 0) == (pr == 0 && !w));
		free(s);
	}
	for (int i = 0; i < 3; i++)
		free(v[i].text);
	return 0;
}
