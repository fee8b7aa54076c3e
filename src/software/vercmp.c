/*
 * vercmp.c: Debian version parsing and ordering, a faithful port of dpkg's
 * parseversion and verrevcmp working on byte ranges (see vercmp.h).
 */
#include "software/vercmp.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"

static bool vc_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static bool vc_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool vc_isblank(int c)
{
	return c == ' ' || c == '\t';
}

/* isspace() in the C locale, which strtol skips before the epoch's digits. */
static bool vc_isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* dpkg's order(): '~' first, then the end of the run (and digits, which end it), then
 * letters, then everything else. The character is a plain char, signed on the
 * platforms Debian builds dpkg for, and bytes above 0x7f order as dpkg orders them. */
static int vc_order(signed char c)
{
	if (vc_isdigit(c))
		return 0;
	if (vc_isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* verrevcmp on [a, ae) and [b, be): a byte past the end reads as dpkg's NUL. */
static int vc_verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
#define AT(p, e) ((p) < (e) ? (signed char)*(p) : 0)
	while (a < ae || b < be) {
		int first_diff = 0;
		while ((a < ae && !vc_isdigit(*a)) || (b < be && !vc_isdigit(*b))) {
			int ac = vc_order(AT(a, ae)), bc = vc_order(AT(b, be));
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && vc_isdigit(*a) && vc_isdigit(*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && vc_isdigit(*a))
			return 1;
		if (b < be && vc_isdigit(*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
#undef AT
}

/* verrevcmp after the bytes both share: up to the start of the digit run the first
 * difference is in (a shared prefix orders the same on both sides; a digit run must
 * be read whole, leading zeros and all). */
static int vc_part(const char *a, size_t an, const char *b, size_t bn)
{
	size_t k = 0, n = an < bn ? an : bn;
	while (k < n && a[k] == b[k])
		k++;
	if (k == an && k == bn)
		return 0;
	while (k > 0 && vc_isdigit(a[k - 1]))
		k--;
	return vc_verrevcmp(a + k, a + an, b + k, b + bn);
}

int vercmp_compare(const struct vercmp_version *a, const struct vercmp_version *b)
{
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch ? 1 : -1;
	int r = vc_part(a->upstream, a->upstream_len, b->upstream, b->upstream_len);
	if (r)
		return r;
	return vc_part(a->revision, a->revision_len, b->revision, b->revision_len);
}

/* What strtol with base 10 does on [s, e), as far as the epoch needs: *ret_end is s when no
 * digits were found; *ret_big says the value is past INT_MAX. */
static long long vc_strtol(const char *s, const char *e, const char **ret_end, bool *ret_big)
{
	const char *p = s;
	bool neg = false;
	long long v = 0;
	*ret_big = false;
	while (p < e && vc_isspace(*p))
		p++;
	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (p >= e || !vc_isdigit(*p)) {
		*ret_end = s;
		return 0;
	}
	for (; p < e && vc_isdigit(*p); p++) {
		if (v <= (long long)INT_MAX + 1)
			v = v * 10 + (*p - '0');
		else
			*ret_big = true;
	}
	*ret_end = p;
	if (v > INT_MAX)
		*ret_big = true;
	return neg ? -v : v;
}

/* A string quoted in an error message, without control bytes. */
static void vc_quote(const char *s, size_t len, char out[68])
{
	size_t n = len > 64 ? 64 : len, i;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f ? s[i] : '?';
	if (n < len)
		out[i++] = '~';
	out[i] = '\0';
}

static int vc_bad(const char *s, size_t len, const char *why)
{
	char q[68];
	vc_quote(s, len, q);
	return err_set(-EINVAL, "version '%s' has bad syntax: %s", q, why);
}

/* parseversion: 0 with *ret and *why (a warning or NULL), or the reason of an error
 * in *why and -EINVAL (no message set). */
static int vc_parse(const char *s, size_t len, struct vercmp_version *ret, const char **why)
{
	const char *p = s, *e;
	*why = NULL;
	len = strnlen(s, len);
	e = s + len;
	while (p < e && vc_isblank(*p))
		p++;
	if (p == e) {
		*why = "version string is empty";
		return -EINVAL;
	}
	const char *end = p;
	while (end < e && !vc_isblank(*end))
		end++;
	for (const char *q = end; q < e; q++)
		if (!vc_isblank(*q)) {
			*why = "version string has embedded spaces";
			return -EINVAL;
		}
	struct vercmp_version v = {0};
	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (colon) {
		const char *after;
		bool big;
		long long epoch = vc_strtol(p, e, &after, &big);
		if (after == p) {
			*why = "epoch in version is empty";
			return -EINVAL;
		}
		if (after != colon) {
			*why = "epoch in version is not number";
			return -EINVAL;
		}
		if (epoch < 0) {
			*why = "epoch in version is negative";
			return -EINVAL;
		}
		if (big) {
			*why = "epoch in version is too big";
			return -EINVAL;
		}
		if (colon + 1 == e) {
			*why = "nothing after colon in version number";
			return -EINVAL;
		}
		v.epoch = (int)epoch;
		p = colon + 1;
	}
	/* The upstream version ends at the last hyphen; the revision follows it. */
	const char *hyphen = NULL;
	for (const char *q = end; q > p; q--)
		if (q[-1] == '-') {
			hyphen = q - 1;
			break;
		}
	v.upstream = p;
	v.upstream_len = (size_t)((hyphen ? hyphen : end) - p);
	v.revision = "";
	if (hyphen) {
		if (hyphen + 1 == end) {
			*why = "revision number is empty";
			return -EINVAL;
		}
		v.revision = hyphen + 1;
		v.revision_len = (size_t)(end - hyphen - 1);
	}
	if (v.upstream_len == 0) {
		*why = "version number is empty";
		return -EINVAL;
	}
	if (!vc_isdigit(v.upstream[0])) {
		*why = "version number does not start with digit";
	} else {
		for (size_t i = 1; i < v.upstream_len && !*why; i++) {
			char c = v.upstream[i];
			if (!vc_isdigit(c) && !vc_isalpha(c) && !strchr(".-+~:", c))
				*why = "invalid character in version number";
		}
		for (size_t i = 0; i < v.revision_len && !*why; i++) {
			char c = v.revision[i];
			if (!vc_isdigit(c) && !vc_isalpha(c) && !strchr(".+~", c))
				*why = "invalid character in revision number";
		}
	}
	*ret = v;
	return 0;
}

int vercmp_parse(const char *s, size_t len, struct vercmp_version *ret, const char **ret_warning)
{
	const char *why;
	struct vercmp_version v;
	if (vc_parse(s, len, &v, &why) < 0)
		return vc_bad(s, strnlen(s, len), why);
	*ret = v;
	if (ret_warning)
		*ret_warning = why;
	return 0;
}

int vercmp_check(const char *s)
{
	const char *why;
	struct vercmp_version v;
	size_t len = strlen(s);
	if (vc_parse(s, len, &v, &why) < 0 || why)
		return vc_bad(s, len, why);
	return 0;
}

/* The split vercmp() uses: dpkg's, or for a string dpkg refuses, the whole string as
 * upstream version. The common case (no blanks, an epoch of plain digits or none)
 * takes one pass over the string and no validation: only the order matters here. */
static void vc_split(const char *s, size_t len, struct vercmp_version *v)
{
	len = strnlen(s, len);
	if (len > 0 && vc_isdigit(s[0]) && !memchr(s, ' ', len) && !memchr(s, '\t', len)) {
		const char *colon = memchr(s, ':', len), *hyphen = memrchr(s, '-', len), *e = s + len;
		/* An epoch (if any) of at most 9 digits, something after its colon and
		 * after the hyphen. */
		if ((!colon || (colon - s <= 9 && colon + 1 < e)) && (!hyphen || hyphen + 1 < e) &&
		    (!hyphen || !colon || hyphen > colon + 1)) {
			int epoch = 0;
			const char *up = s;
			bool ok = true;
			if (colon) {
				for (const char *q = s; q < colon && ok; q++) {
					ok = vc_isdigit(*q);
					epoch = epoch * 10 + (*q - '0');
				}
				up = colon + 1;
			}
			if (ok) {
				v->epoch = epoch;
				v->upstream = up;
				v->upstream_len = (size_t)((hyphen ? hyphen : e) - up);
				v->revision = hyphen ? hyphen + 1 : "";
				v->revision_len = hyphen ? (size_t)(e - hyphen - 1) : 0;
				return;
			}
		}
	}
	const char *why;
	if (vc_parse(s, len, v, &why) < 0)
		*v = (struct vercmp_version){.upstream = s, .upstream_len = len, .revision = ""};
}

int vercmp_n(const char *a, size_t alen, const char *b, size_t blen)
{
	struct vercmp_version va, vb;
	vc_split(a, alen, &va);
	vc_split(b, blen, &vb);
	return vercmp_compare(&va, &vb);
}

int vercmp(const char *a, const char *b)
{
	return vercmp_n(a, SIZE_MAX, b, SIZE_MAX);
}

/* dpkg's relationinfos: the exit status (0 true, 1 false) when a is older, the same,
 * newer; when only a is empty, both are, only b is. */
static const struct {
	const char *name;
	enum vercmp_rel rel;
	bool obsolete;
} vc_rel_names[] = {
    {"lt", VERCMP_LT},	     {"le", VERCMP_LE},	      {"eq", VERCMP_EQ},       {"ne", VERCMP_NE},
    {"ge", VERCMP_GE},	     {"gt", VERCMP_GT},	      {"lt-nl", VERCMP_LT_NL}, {"le-nl", VERCMP_LE_NL},
    {"ge-nl", VERCMP_GE_NL}, {"gt-nl", VERCMP_GT_NL}, {"<", VERCMP_LE, true},  {"<=", VERCMP_LE},
    {"<<", VERCMP_LT},	     {"=", VERCMP_EQ},	      {">", VERCMP_GE, true},  {">=", VERCMP_GE},
    {">>", VERCMP_GT},
};

static const unsigned char vc_rel_table[][6] = {
    [VERCMP_LT] = {0, 1, 1, 0, 1, 1},	 [VERCMP_LE] = {0, 0, 1, 0, 0, 1},    [VERCMP_EQ] = {1, 0, 1, 1, 0, 1},
    [VERCMP_NE] = {0, 1, 0, 0, 1, 0},	 [VERCMP_GE] = {1, 0, 0, 1, 0, 0},    [VERCMP_GT] = {1, 1, 0, 1, 1, 0},
    [VERCMP_LT_NL] = {0, 1, 1, 1, 1, 0}, [VERCMP_LE_NL] = {0, 0, 1, 1, 0, 0}, [VERCMP_GE_NL] = {1, 0, 0, 0, 0, 1},
    [VERCMP_GT_NL] = {1, 1, 0, 0, 1, 1},
};

int vercmp_rel_parse(const char *s, enum vercmp_rel *ret, bool *ret_obsolete)
{
	for (size_t i = 0; i < sizeof(vc_rel_names) / sizeof(vc_rel_names[0]); i++)
		if (strcmp(s, vc_rel_names[i].name) == 0) {
			*ret = vc_rel_names[i].rel;
			if (ret_obsolete)
				*ret_obsolete = vc_rel_names[i].obsolete;
			return 0;
		}
	return err_set(-EINVAL, "relation '%.32s' is not known: use lt le eq ne ge gt (or << <= = >= >>, lt-nl le-nl "
				"ge-nl gt-nl)",
		       s);
}

bool vercmp_rel_holds(enum vercmp_rel rel, const struct vercmp_version *a, const struct vercmp_version *b)
{
	const unsigned char *t = vc_rel_table[rel];
	int status;
	if (!a)
		status = b ? t[3] : t[4];
	else if (!b)
		status = t[5];
	else {
		int c = vercmp_compare(a, b);
		status = c < 0 ? t[0] : c == 0 ? t[1] : t[2];
	}
	return status == 0;
}
