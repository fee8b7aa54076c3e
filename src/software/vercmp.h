/*
 * vercmp.h: Debian version strings, read and ordered exactly as dpkg does it
 * (lib/dpkg/parsehelp.c parseversion, lib/dpkg/version.c dpkg_version_compare), in
 * process and without allocating.
 *
 * A version is [epoch:]upstream[-revision]: the epoch a decimal number up to INT_MAX,
 * the revision what follows the last hyphen (none is the same as "0"). Parts compare
 * left to right in runs: a run of non-digits character by character, where '~' sorts
 * before everything, the end of the run next, then letters, then every other
 * character; then a run of digits as a number.
 */
#ifndef WARD_SOFTWARE_VERCMP_H
#define WARD_SOFTWARE_VERCMP_H

#include <stdbool.h>
#include <stddef.h>

/* A parsed version: pointers into the string it came from (which must outlive it). */
struct vercmp_version {
	int epoch;	      /* 0 when the string has none */
	const char *upstream; /* not NUL-terminated: upstream_len bytes */
	size_t upstream_len;  /* never 0 after a successful parse */
	const char *revision; /* "" when there is no hyphen */
	size_t revision_len;
};

/*
 * Parses the first len bytes of s (up to a NUL, if one comes first) as dpkg does:
 * leading and trailing blanks (space, tab) are ignored.
 *
 * dpkg refuses some strings outright ("bad syntax" errors: empty, embedded spaces, an
 * epoch that is empty, not a number, negative or too big, nothing after the colon, an
 * empty revision or version number). For those this returns -EINVAL with err_set()
 * saying "version 'S' has bad syntax: REASON", dpkg's words.
 *
 * dpkg only warns about others and still compares them (an upstream version that does
 * not start with a digit, characters outside [A-Za-z0-9.+~-:] in it or outside
 * [A-Za-z0-9.+~] in the revision). For those this returns 0 with *ret filled and
 * *ret_warning (when not NULL) set to dpkg's reason, a static string; for a clean
 * version *ret_warning is NULL. Nothing is written on failure.
 */
int vercmp_parse(const char *s, size_t len, struct vercmp_version *ret, const char **ret_warning);

/* The strict check: 0 when s is a version dpkg accepts without a warning, else -EINVAL
 * with err_set() naming the reason ("version 'S' has bad syntax: REASON"). */
int vercmp_check(const char *s);

/* Orders two parsed versions: <0, 0 or >0 as a is older than, the same as or newer
 * than b. A total preorder ("1.0" and "1.0-0" and "0:1.0" are the same). */
int vercmp_compare(const struct vercmp_version *a, const struct vercmp_version *b);

/*
 * Orders two version strings (NUL-terminated) as dpkg --compare-versions does for
 * versions it accepts, warnings included. A string dpkg refuses is split as far as
 * it can be (no epoch, the whole string as upstream), so the result is still a
 * consistent order, but not one dpkg would give: validate untrusted input first.
 */
int vercmp(const char *a, const char *b);

/* The same on byte ranges (Packages fields, which are not NUL-terminated). */
int vercmp_n(const char *a, size_t alen, const char *b, size_t blen);

/* dpkg --compare-versions' relations: lt le eq ne ge gt, the -nl forms (an empty
 * version is newer than any other), and the control-file forms << <= = >= >> (and the
 * obsolete < and >, which mean <= and >=). */
enum vercmp_rel {
	VERCMP_LT,
	VERCMP_LE,
	VERCMP_EQ,
	VERCMP_NE,
	VERCMP_GE,
	VERCMP_GT,
	VERCMP_LT_NL,
	VERCMP_LE_NL,
	VERCMP_GE_NL,
	VERCMP_GT_NL,
};

/* The relation named by s; *ret_obsolete is true for "<" and ">" (dpkg warns about
 * them). -EINVAL for an unknown relation. */
int vercmp_rel_parse(const char *s, enum vercmp_rel *ret, bool *ret_obsolete);

/* Whether "a REL b" holds, given a and b as dpkg has them: NULL for an empty version
 * (the empty string and "<unknown>"), else parsed. */
bool vercmp_rel_holds(enum vercmp_rel rel, const struct vercmp_version *a, const struct vercmp_version *b);

#endif
