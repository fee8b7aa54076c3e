/*
 * apt_index.c: the deb822 stanza parser for Packages and status files, Release headers
 * and pin preferences (see apt_index.h). The reader of compressed files is in
 * apt_read.c.
 */
#include "software/apt_index.h"

#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

/* Package .. Status live in fixed buffers; Depends .. Conflicts in larger ones, only
 * when relations are wanted. */
#define APT_RELATIONS_SMALL APT_DEPENDS

static const char *const apt_field_names[APT_FIELDS] = {
    "Package", "Version", "Architecture", "Status", "Depends", "Pre-Depends", "Provides", "Breaks", "Conflicts",
};

static bool apt_is_relation(int f)
{
	return f >= APT_DEPENDS;
}

struct apt_parser {
	apt_stanza_fn fn;
	void *arg;
	bool relations;				    /* keep Depends, Pre-Depends, Provides */
	char *carry;				    /* a line cut by the end of a chunk */
	size_t carry_len;			    /* bytes in carry, at most WARD_APT_LINE_MAX */
	bool carry_skip;			    /* that line is too long: drop it to its newline */
	size_t line_no;				    /* lines seen */
	size_t skipped;				    /* lines dropped for their length */
	bool in_stanza;				    /* a field was seen since the last blank line */
	size_t first_line;			    /* where the stanza began */
	int cont;				    /* field taking continuation lines, or -1 */
	bool bad, cut;				    /* see struct apt_stanza */
	bool have[APT_FIELDS];			    /* the stanza gave this field */
	size_t len[APT_FIELDS];			    /* bytes of its value */
	char small[APT_RELATIONS_SMALL][WARD_APT_FIELD_MAX]; /* Package .. Status */
	char *rel[APT_FIELDS - APT_RELATIONS_SMALL]; /* Depends .. Conflicts, WARD_APT_DEPENDS_MAX each */
	apt_keep_fn keep;			    /* the Package filter, or NULL */
	bool skip_stanza;			    /* keep turned this stanza down: jump to its end */
	bool line_start;			    /* the bytes fed so far end with a whole line */
	bool finished;
};

struct apt_parser *apt_parser_new(apt_stanza_fn fn, void *arg, bool want_relations)
{
	struct apt_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->fn = fn;
	p->arg = arg;
	p->relations = want_relations;
	p->cont = -1;
	p->line_start = true;
	p->carry = malloc(WARD_APT_LINE_MAX);
	for (int i = 0; want_relations && p->carry && i < APT_FIELDS - APT_RELATIONS_SMALL; i++)
		if (!(p->rel[i] = malloc(WARD_APT_DEPENDS_MAX)))
			break;
	if (!p->carry || (want_relations && !p->rel[APT_FIELDS - APT_RELATIONS_SMALL - 1])) {
		apt_parser_free(p);
		return NULL;
	}
	return p;
}

void apt_parser_free(struct apt_parser *p)
{
	if (!p)
		return;
	for (int i = 0; i < APT_FIELDS - APT_RELATIONS_SMALL; i++)
		free(p->rel[i]);
	free(p->carry);
	free(p);
}

void apt_parser_set_filter(struct apt_parser *p, apt_keep_fn keep)
{
	p->keep = keep;
}

size_t apt_parser_skipped(const struct apt_parser *p)
{
	return p->skipped;
}

static char *apt_field_buf(struct apt_parser *p, int f)
{
	return f < APT_RELATIONS_SMALL ? p->small[f] : p->rel[f - APT_RELATIONS_SMALL];
}

static void apt_trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static int apt_stanza_end(struct apt_parser *p)
{
	int r = 0;
	if (p->in_stanza && !p->skip_stanza) {
		struct apt_stanza st = {.bad = p->bad, .depends_cut = p->cut, .first_line = p->first_line};
		for (int f = 0; f < APT_FIELDS; f++) {
			st.value[f] = p->have[f] ? apt_field_buf(p, f) : "";
			st.len[f] = p->have[f] ? p->len[f] : 0;
		}
		r = p->fn(p->arg, &st);
	}
	p->in_stanza = false;
	p->skip_stanza = false;
	p->bad = p->cut = false;
	p->cont = -1;
	memset(p->have, 0, sizeof(p->have));
	return r;
}

/* Appends a continuation (or the first part) of a relationship field, ", "-joined the
 * way the lines were folded. */
static void apt_rel_append(struct apt_parser *p, int f, const char *s, size_t n)
{
	char *buf = apt_field_buf(p, f);
	size_t sep = p->len[f] > 0 && n > 0 ? 1 : 0;
	if (p->len[f] + sep + n > WARD_APT_DEPENDS_MAX) {
		p->cut = true;
		return;
	}
	if (sep)
		buf[p->len[f]++] = ' ';
	memcpy(buf + p->len[f], s, n);
	p->len[f] += n;
}

static int apt_line(struct apt_parser *p, const char *s, size_t n)
{
	p->line_no++;
	size_t blank = 0;
	while (blank < n && (s[blank] == ' ' || s[blank] == '\t' || s[blank] == '\r'))
		blank++;
	if (blank == n)
		return apt_stanza_end(p);
	if (s[0] == ' ' || s[0] == '\t') {
		if (p->cont >= 0) {
			const char *v = s;
			size_t vn = n;
			apt_trim(&v, &vn);
			apt_rel_append(p, p->cont, v, vn);
		}
		return 0;
	}
	if (s[0] == '#')
		return 0; /* a comment line (deb822 allows them) */
	p->cont = -1;
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return 0; /* not a field: dpkg would complain; apt skips it */
	if (!p->in_stanza) {
		p->in_stanza = true;
		p->first_line = p->line_no;
	}
	size_t name_len = (size_t)(colon - s);
	for (int f = 0; f < APT_FIELDS; f++) {
		if (strlen(apt_field_names[f]) != name_len || strncasecmp(apt_field_names[f], s, name_len) != 0)
			continue;
		if (apt_is_relation(f) && !p->relations)
			return 0;
		const char *v = colon + 1;
		size_t vn = n - name_len - 1;
		apt_trim(&v, &vn);
		if (p->have[f]) {
			p->bad = true;
			return 0;
		}
		p->have[f] = true;
		p->len[f] = 0;
		if (f == APT_PACKAGE && p->keep && !p->keep(p->arg, v, vn)) {
			p->skip_stanza = true;
			return 0;
		}
		if (apt_is_relation(f)) {
			apt_rel_append(p, f, v, vn);
			p->cont = f;
		} else if (vn > WARD_APT_FIELD_MAX) {
			p->bad = true;
		} else {
			memcpy(p->small[f], v, vn);
			p->len[f] = vn;
		}
		return 0;
	}
	return 0;
}

/* In a stanza the filter turned down: the bytes up to and including the newline of
 * its blank line ("\n\n", as apt's own tag file reader looks for it), or NULL when
 * the data ends first. */
static const char *apt_skip_end(const struct apt_parser *p, const char *data, size_t len)
{
	const char *q = data, *e = data + len;
	if (p->line_start && data[0] == '\n')
		return data;
	/* memchr is SIMD; glibc's memmem is not, for a needle this short. */
	while ((q = memchr(q, '\n', (size_t)(e - q))) && q + 1 < e) {
		if (q[1] == '\n')
			return q + 1;
		q++;
	}
	return NULL;
}

int apt_parser_feed(struct apt_parser *p, const char *data, size_t len)
{
	if (p->finished)
		return -EINVAL;
	while (len > 0) {
		if (p->skip_stanza && p->carry_len == 0 && !p->carry_skip) {
			const char *end = apt_skip_end(p, data, len);
			if (!end) {
				p->line_start = data[len - 1] == '\n';
				return 0;
			}
			int r = apt_stanza_end(p);
			if (r < 0)
				return r;
			len -= (size_t)(end + 1 - data);
			data = end + 1;
			p->line_start = true;
			continue;
		}
		const char *nl = memchr(data, '\n', len);
		size_t seg = nl ? (size_t)(nl - data) : len;
		int r = 0;
		if (p->carry_skip) {
			if (nl) {
				p->carry_skip = false;
				p->line_no++;
				p->skipped++;
			}
		} else if (p->carry_len + seg > WARD_APT_LINE_MAX) {
			p->carry_len = 0;
			p->carry_skip = true;
			if (nl) {
				p->carry_skip = false;
				p->line_no++;
				p->skipped++;
			}
		} else if (!nl) {
			memcpy(p->carry + p->carry_len, data, seg);
			p->carry_len += seg;
		} else if (p->carry_len > 0) {
			memcpy(p->carry + p->carry_len, data, seg);
			r = apt_line(p, p->carry, p->carry_len + seg);
			p->carry_len = 0;
		} else {
			r = apt_line(p, data, seg);
		}
		if (r < 0)
			return r;
		p->line_start = nl != NULL;
		if (!nl)
			break;
		data = nl + 1;
		len -= seg + 1;
	}
	return 0;
}

int apt_parser_finish(struct apt_parser *p)
{
	int r = 0;
	if (p->finished)
		return -EINVAL;
	p->finished = true;
	if (p->carry_skip)
		p->skipped++;
	else if (p->carry_len > 0)
		r = apt_line(p, p->carry, p->carry_len);
	p->carry_len = 0;
	if (r == 0)
		r = apt_stanza_end(p);
	return r;
}

/* --- Release --- */

static void apt_release_field(struct apt_release *rel, const char *name, size_t nlen, const char *v, size_t vn)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
	    {"Origin", offsetof(struct apt_release, origin)},	  {"Label", offsetof(struct apt_release, label)},
	    {"Suite", offsetof(struct apt_release, suite)},	  {"Codename", offsetof(struct apt_release, codename)},
	    {"Version", offsetof(struct apt_release, version)},
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strlen(fields[i].name) == nlen && strncasecmp(fields[i].name, name, nlen) == 0) {
			char *out = (char *)rel + fields[i].off;
			if (vn <= WARD_APT_FIELD_MAX && !memchr(v, '\0', vn)) {
				memcpy(out, v, vn);
				out[vn] = '\0';
			}
			return;
		}
	bool yes = vn == 3 && strncasecmp(v, "yes", 3) == 0;
	if (nlen == 12 && strncasecmp(name, "NotAutomatic", 12) == 0)
		rel->not_automatic = yes;
	else if (nlen == 20 && strncasecmp(name, "ButAutomaticUpgrades", 20) == 0)
		rel->but_automatic_upgrades = yes;
}

void apt_release_parse(const char *text, size_t len, struct apt_release *ret)
{
	const char *p = text, *e = text + len;
	bool signed_msg = false, started = false;
	memset(ret, 0, sizeof(*ret));
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		size_t n = (size_t)(le - p);
		const char *line = p;
		p = nl ? nl + 1 : e;
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (!started && n == 34 && memcmp(line, "-----BEGIN PGP SIGNED MESSAGE-----", 34) == 0) {
			/* Armor headers ("Hash: SHA512") up to an empty line, then the text. */
			signed_msg = true;
			while (p < e) {
				const char *nl2 = memchr(p, '\n', (size_t)(e - p));
				size_t n2 = (size_t)((nl2 ? nl2 : e) - p);
				p = nl2 ? nl2 + 1 : e;
				if (n2 == 0 || (n2 == 1 && p[-2] == '\r'))
					break;
			}
			continue;
		}
		if (signed_msg && n >= 5 && memcmp(line, "-----", 5) == 0)
			break; /* the signature */
		if (n == 0) {
			if (started)
				break; /* the header is the first stanza */
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t' || line[0] == '#')
			continue;
		const char *colon = memchr(line, ':', n);
		if (!colon)
			continue;
		started = true;
		const char *v = colon + 1;
		size_t vn = n - (size_t)(colon - line) - 1;
		apt_trim(&v, &vn);
		apt_release_field(ret, line, (size_t)(colon - line), v, vn);
	}
}

/* --- preferences --- */

bool apt_pattern_match(const char *pattern, size_t plen, const char *text)
{
	char pat[WARD_APT_FIELD_MAX + 1];
	if (plen > WARD_APT_FIELD_MAX)
		return false;
	if (plen >= 2 && pattern[0] == '/' && pattern[plen - 1] == '/') {
		regex_t re;
		memcpy(pat, pattern + 1, plen - 2);
		pat[plen - 2] = '\0';
		if (regcomp(&re, pat, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
			return false;
		bool m = regexec(&re, text, 0, NULL, 0) == 0;
		regfree(&re);
		return m;
	}
	memcpy(pat, pattern, plen);
	pat[plen] = '\0';
	if (strpbrk(pat, "*?["))
		return fnmatch(pat, text, 0) == 0;
	return strcmp(pat, text) == 0;
}

/* A checked integer in [-32768, 32767], apt's range for priorities. */
static bool apt_priority_parse(const char *s, size_t n, int *ret)
{
	size_t i = 0;
	bool neg = false;
	long v = 0;
	if (n > 0 && (s[0] == '-' || s[0] == '+'))
		neg = s[i++] == '-';
	if (i == n)
		return false;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
		if (v > 32768)
			return false;
	}
	v = neg ? -v : v;
	if (v > 32767)
		return false;
	*ret = (int)v;
	return true;
}

struct apt_prefs_stanza {
	char package[WARD_APT_FIELD_MAX + 1], pin[WARD_APT_FIELD_MAX + 1], priority[32];
	bool has_package, has_pin, has_priority, too_long;
};

static int apt_prefs_add(struct apt_prefs *prefs, struct apt_prefs_stanza *st)
{
	struct apt_pin pin = {0};
	const char *d;
	if (!st->has_package && !st->has_pin && !st->has_priority)
		return 0; /* an empty stanza, or only an Explanation */
	if (!st->has_package || !st->has_pin || !st->has_priority || st->too_long || !st->package[0] ||
	    !apt_priority_parse(st->priority, strlen(st->priority), &pin.priority) || pin.priority == 0 ||
	    prefs->n >= WARD_APT_PINS_MAX) {
		prefs->ignored++;
		return 0;
	}
	if (strncmp(st->pin, "release", 7) == 0 && (st->pin[7] == ' ' || st->pin[7] == '\0')) {
		pin.kind = APT_PIN_RELEASE;
		d = st->pin + 7;
	} else if (strncmp(st->pin, "origin", 6) == 0 && (st->pin[6] == ' ' || st->pin[6] == '\0')) {
		pin.kind = APT_PIN_ORIGIN;
		d = st->pin + 6;
	} else if (strncmp(st->pin, "version", 7) == 0 && (st->pin[7] == ' ' || st->pin[7] == '\0')) {
		pin.kind = APT_PIN_VERSION;
		d = st->pin + 7;
	} else {
		prefs->ignored++;
		return 0;
	}
	size_t dn = strlen(d);
	apt_trim(&d, &dn);
	if (dn >= 2 && d[0] == '"' && d[dn - 1] == '"')
		d++, dn -= 2;
	memcpy(pin.data, d, dn);
	pin.data[dn] = '\0';
	snprintf(pin.packages, sizeof(pin.packages), "%s", st->package);
	pin.generic = strcmp(pin.packages, "*") == 0;
	if (prefs->n == prefs->size) {
		size_t size = prefs->size ? prefs->size * 2 : 16;
		struct apt_pin *pins = realloc(prefs->pins, size * sizeof(*pins));
		if (!pins)
			return -ENOMEM;
		prefs->pins = pins;
		prefs->size = size;
	}
	prefs->pins[prefs->n++] = pin;
	return 0;
}

int apt_prefs_parse(struct apt_prefs *prefs, const char *text, size_t len)
{
	struct apt_prefs_stanza st = {0};
	const char *p = text, *e = text + len;
	int r = 0;
	while (p <= e && r == 0) {
		const char *nl = p < e ? memchr(p, '\n', (size_t)(e - p)) : NULL;
		const char *line = p;
		size_t n = (size_t)((nl ? nl : e) - p);
		p = nl ? nl + 1 : e + 1;
		apt_trim(&line, &n);
		if (n == 0) {
			r = apt_prefs_add(prefs, &st);
			memset(&st, 0, sizeof(st));
			continue;
		}
		if (line[0] == '#')
			continue;
		const char *colon = memchr(line, ':', n);
		if (!colon)
			continue;
		size_t nlen = (size_t)(colon - line);
		const char *v = colon + 1;
		size_t vn = n - nlen - 1;
		apt_trim(&v, &vn);
		char *out = NULL;
		size_t cap = 0;
		bool *has = NULL;
		if (nlen == 7 && strncasecmp(line, "Package", 7) == 0)
			out = st.package, cap = sizeof(st.package), has = &st.has_package;
		else if (nlen == 3 && strncasecmp(line, "Pin", 3) == 0)
			out = st.pin, cap = sizeof(st.pin), has = &st.has_pin;
		else if (nlen == 12 && strncasecmp(line, "Pin-Priority", 12) == 0)
			out = st.priority, cap = sizeof(st.priority), has = &st.has_priority;
		if (!out)
			continue;
		if (vn >= cap || memchr(v, '\0', vn)) {
			st.too_long = true;
		} else {
			memcpy(out, v, vn);
			out[vn] = '\0';
		}
		*has = true;
	}
	if (r == 0)
		r = apt_prefs_add(prefs, &st);
	return r;
}

void apt_prefs_release(struct apt_prefs *prefs)
{
	if (!prefs)
		return;
	free(prefs->pins);
	prefs->pins = NULL;
	prefs->n = prefs->size = 0;
}
