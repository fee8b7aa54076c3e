/*
 * inventory_dpkg.c: the "packages" section: dpkg's status file, read in bounded chunks
 * through an init / feed / finish parser, plus the RPM database on a live machine.
 */
#include "inventory/inventory_dpkg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "inventory/inventory.h"

#define DPKG_STATUS_PATH "var/lib/dpkg/status"
#define DPKG_READ_CHUNK (64 * 1024)
#define DPKG_EXCERPT 40 /* bytes of a bad value quoted in a warning */

/* The fields a package is made of; the others (Depends, Description, ...) are skipped. */
enum dpkg_field_id { DPKG_PACKAGE, DPKG_VERSION, DPKG_ARCHITECTURE, DPKG_SOURCE, DPKG_STATUS, DPKG_FIELDS };

static const char *const dpkg_field_names[DPKG_FIELDS] = {"Package", "Version", "Architecture", "Source", "Status"};

struct dpkg_field {
	char value[WARD_PACKAGE_FIELD_MAX + 1]; /* trimmed, NUL-terminated */
	size_t len;				/* bytes in value */
	bool seen;				/* the stanza had this field (valid or not) */
};

/* Distinct common values kept; a machine has a handful of architectures and states. */
#define DPKG_COMMON_MAX 16

struct dpkg_parser {
	char *line;			       /* the line being assembled across feeds, without its newline */
	size_t line_len;		       /* bytes in line */
	size_t line_size;		       /* bytes allocated for line, at most WARD_DPKG_LINE_MAX */
	bool line_skip;			       /* the line passed WARD_DPKG_LINE_MAX: drop it up to its newline */
	size_t line_no;			       /* 1-based number of the line being read */
	size_t stanza_line;		       /* line the current stanza started on; 0 between stanzas */
	bool stanza_has_field;		       /* the stanza had at least one "Name: value" line */
	bool stanza_bad;		       /* one of its fields was malformed: leave it out */
	bool in_field;			       /* a continuation line may follow */
	struct dpkg_field fields[DPKG_FIELDS]; /* the current stanza's fields */
	json_t *packages;		       /* packages found so far, unsorted */
	bool too_many;			       /* WARD_PACKAGES_MAX was reached and said so */
	json_t *warnings;		       /* at most WARD_PACKAGE_WARNINGS_MAX */
	size_t warnings_dropped;	       /* warnings past the cap */
	int error;			       /* -ENOMEM once an allocation failed; sticky */
	bool finished;			       /* dpkg_parser_finish was called */
	json_t *common[DPKG_COMMON_MAX];       /* values many packages share (architectures, states,
						* "dpkg"), each held once: see dpkg_common */
};

/* --- values --- */

static bool dpkg_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool dpkg_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool dpkg_chars_in(const char *s, size_t n, const char *also)
{
	for (size_t i = 0; i < n; i++)
		if (!dpkg_is_alnum(s[i]) && (s[i] == '\0' || !strchr(also, s[i])))
			return false;
	return true;
}

static void dpkg_trim(const char **s, size_t *n)
{
	while (*n > 0 && dpkg_is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && dpkg_is_space((*s)[*n - 1]))
		(*n)--;
}

/* Quotable text for a warning: at most DPKG_EXCERPT bytes, anything but printable
 * ASCII shown as '?', so no message carries broken UTF-8 or control characters. */
static const char *dpkg_excerpt(const char *s, size_t n, char out[DPKG_EXCERPT + 4])
{
	size_t take = n > DPKG_EXCERPT ? DPKG_EXCERPT : n, i;
	for (i = 0; i < take; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'' ? s[i] : '?';
	if (take < n) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

/* dpkg's rule: an alphanumeric first, then alphanumerics and "-+._". */
static bool dpkg_name_valid(const char *s, size_t n)
{
	return n > 0 && dpkg_is_alnum(s[0]) && dpkg_chars_in(s, n, "-+._");
}

/* [epoch:]upstream[-revision] as dpkg parses it: the epoch a number that fits an int,
 * upstream alphanumerics and ".-+~:", the revision (after the last '-') ".+~". */
static bool dpkg_version_valid(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	if (colon) {
		size_t elen = (size_t)(colon - s);
		unsigned long long epoch = 0;
		if (elen == 0 || elen > 10)
			return false;
		for (size_t i = 0; i < elen; i++) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			epoch = epoch * 10 + (unsigned long long)(s[i] - '0');
		}
		if (epoch > 2147483647ULL)
			return false;
		n -= elen + 1;
		s = colon + 1;
	}
	size_t ulen = n;
	while (ulen > 0 && s[ulen - 1] != '-')
		ulen--;
	if (ulen > 0) { /* s[ulen - 1] is the last '-' */
		if (ulen == n || !dpkg_chars_in(s + ulen, n - ulen, ".+~"))
			return false;
		ulen--;
	} else {
		ulen = n;
	}
	return ulen > 0 && dpkg_chars_in(s, ulen, ".-+~:");
}

static bool dpkg_arch_valid(const char *s, size_t n)
{
	return n > 0 && dpkg_is_alnum(s[0]) && dpkg_chars_in(s, n, "-");
}

static bool dpkg_word_in(const char *w, size_t n, const char *const list[])
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && memcmp(list[i], w, n) == 0)
			return true;
	return false;
}

/* "want flag status", e.g. "install ok installed"; the status word into *ret and *ret_len. */
static bool dpkg_status_split(const char *s, size_t n, const char **ret, size_t *ret_len)
{
	static const char *const want[] = {"unknown", "install", "hold", "deinstall", "purge", NULL};
	static const char *const flag[] = {"ok", "reinstreq", "hold", "hold-reinstreq", NULL};
	static const char *const status[] = {"not-installed",	 "config-files",    "half-installed",
					     "unpacked",	 "half-configured", "triggers-awaited",
					     "triggers-pending", "installed",	    NULL};
	static const char *const *const lists[3] = {want, flag, status};
	const char *end = s + n, *w = NULL;
	size_t wlen = 0;
	for (int i = 0; i < 3; i++) {
		while (s < end && dpkg_is_space(*s))
			s++;
		w = s;
		while (s < end && !dpkg_is_space(*s))
			s++;
		wlen = (size_t)(s - w);
		if (wlen == 0 || !dpkg_word_in(w, wlen, lists[i]))
			return false;
	}
	while (s < end && dpkg_is_space(*s))
		s++;
	if (s != end)
		return false;
	*ret = w;
	*ret_len = wlen;
	return true;
}

/* "name" or "name (version)"; *ret_ver is NULL when there is no version. */
static bool dpkg_source_split(const char *s, size_t n, const char **ret_name, size_t *ret_name_len,
			      const char **ret_ver, size_t *ret_ver_len)
{
	size_t nlen = 0;
	while (nlen < n && !dpkg_is_space(s[nlen]))
		nlen++;
	if (!dpkg_name_valid(s, nlen))
		return false;
	const char *rest = s + nlen, *ver = NULL;
	size_t rlen = n - nlen, vlen = 0;
	dpkg_trim(&rest, &rlen);
	if (rlen > 0) {
		if (rlen < 2 || rest[0] != '(' || rest[rlen - 1] != ')')
			return false;
		ver = rest + 1;
		vlen = rlen - 2;
		dpkg_trim(&ver, &vlen);
		if (!dpkg_version_valid(ver, vlen))
			return false;
	}
	*ret_name = s;
	*ret_name_len = nlen;
	*ret_ver = ver;
	*ret_ver_len = vlen;
	return true;
}

static bool dpkg_field_valid(enum dpkg_field_id id, const char *s, size_t n)
{
	const char *a, *b;
	size_t alen, blen;
	switch (id) {
	case DPKG_PACKAGE: return dpkg_name_valid(s, n);
	case DPKG_VERSION: return dpkg_version_valid(s, n);
	case DPKG_ARCHITECTURE: return dpkg_arch_valid(s, n);
	case DPKG_SOURCE: return dpkg_source_split(s, n, &a, &alen, &b, &blen);
	case DPKG_STATUS: return dpkg_status_split(s, n, &a, &alen);
	default: return false;
	}
}

/* --- the parser --- */

/* A warning, unless WARD_PACKAGE_WARNINGS_MAX were given already and it is not one that
 * must always be seen (force: the package cap). */
static void dpkg_vwarn(struct dpkg_parser *p, bool force, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void dpkg_vwarn(struct dpkg_parser *p, bool force, const char *fmt, va_list ap)
{
	char msg[512];
	if (!force && json_array_size(p->warnings) >= WARD_PACKAGE_WARNINGS_MAX) {
		p->warnings_dropped++;
		return;
	}
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	json_t *w = json_pack("{s:s, s:o}", "section", "packages", "message", inv_string(msg));
	if (!w || json_array_append_new(p->warnings, w) < 0)
		p->error = -ENOMEM;
}

static void dpkg_warn(struct dpkg_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dpkg_warn_always(struct dpkg_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void dpkg_warn(struct dpkg_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dpkg_vwarn(p, false, fmt, ap);
	va_end(ap);
}

static void dpkg_warn_always(struct dpkg_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dpkg_vwarn(p, true, fmt, ap);
	va_end(ap);
}

struct dpkg_parser *dpkg_parser_new(void)
{
	struct dpkg_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->packages = json_array();
	p->warnings = json_array();
	p->line_no = 1;
	if (!p->packages || !p->warnings) {
		dpkg_parser_free(p);
		return NULL;
	}
	return p;
}

void dpkg_parser_free(struct dpkg_parser *p)
{
	if (!p)
		return;
	free(p->line);
	for (size_t i = 0; i < DPKG_COMMON_MAX; i++)
		json_decref(p->common[i]);
	json_decref(p->packages);
	json_decref(p->warnings);
	free(p);
}

static void dpkg_stanza_reset(struct dpkg_parser *p)
{
	p->stanza_line = 0;
	p->stanza_has_field = false;
	p->stanza_bad = false;
	p->in_field = false;
	for (int i = 0; i < DPKG_FIELDS; i++) {
		p->fields[i].seen = false;
		p->fields[i].len = 0;
		p->fields[i].value[0] = '\0';
	}
}

/* A value shared by many packages (architecture, state, manager): the same JSON string
 * for all of them, not one each. On a 3,000-package machine that is most of a megabyte
 * of the agent's memory. New reference, or NULL. */
static json_t *dpkg_common(struct dpkg_parser *p, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < DPKG_COMMON_MAX && p->common[i]; i++) {
		if (json_string_length(p->common[i]) == n && memcmp(json_string_value(p->common[i]), s, n) == 0)
			return json_incref(p->common[i]);
	}
	json_t *v = inv_stringn(s, n);
	if (v && i < DPKG_COMMON_MAX)
		p->common[i] = json_incref(v);
	return v;
}

static json_t *dpkg_package_json(struct dpkg_parser *p)
{
	const struct dpkg_field *f = p->fields;
	const char *status;
	size_t status_len;
	const char *src_name = NULL, *src_ver = NULL;
	size_t src_name_len = 0, src_ver_len = 0;

	/* Both were checked when their lines were read. */
	if (!dpkg_status_split(f[DPKG_STATUS].value, f[DPKG_STATUS].len, &status, &status_len))
		return NULL;
	if (f[DPKG_SOURCE].seen &&
	    !dpkg_source_split(f[DPKG_SOURCE].value, f[DPKG_SOURCE].len, &src_name, &src_name_len, &src_ver, &src_ver_len))
		return NULL;
	json_t *o = json_object();
	json_t *name = inv_stringn(f[DPKG_PACKAGE].value, f[DPKG_PACKAGE].len);
	json_t *ver = inv_stringn(f[DPKG_VERSION].value, f[DPKG_VERSION].len);
	/* Most packages are their own source at their own version: share those strings. */
	json_t *src = src_name ? inv_stringn(src_name, src_name_len) : json_incref(name);
	json_t *src_v = src_ver ? inv_stringn(src_ver, src_ver_len) : json_incref(ver);
	json_t *arch = f[DPKG_ARCHITECTURE].seen
			   ? dpkg_common(p, f[DPKG_ARCHITECTURE].value, f[DPKG_ARCHITECTURE].len)
			   : json_null();
	static const char *const keys[] = {"name",   "version", "architecture", "source", "source_version",
					   "status", "manager"};
	json_t *vals[] = {name, ver, arch, src, src_v, dpkg_common(p, status, status_len), dpkg_common(p, "dpkg", 4)};
	bool ok = o != NULL;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		ok = ok && vals[i] && json_object_set_nocheck(o, keys[i], vals[i]) == 0;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		json_decref(vals[i]);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void dpkg_stanza_end(struct dpkg_parser *p)
{
	const struct dpkg_field *f = p->fields;
	char ex[DPKG_EXCERPT + 4];
	if (p->stanza_line == 0)
		goto out;
	if (!f[DPKG_PACKAGE].seen) {
		if (p->stanza_has_field)
			dpkg_warn(p, "dpkg status line %zu: stanza has no Package field; left out", p->stanza_line);
		goto out;
	}
	if (p->stanza_bad)
		goto out; /* said when the bad line was read */
	const char *pkg = dpkg_excerpt(f[DPKG_PACKAGE].value, f[DPKG_PACKAGE].len, ex);
	if (!f[DPKG_STATUS].seen) {
		dpkg_warn(p, "dpkg status line %zu: package '%s' has no Status; left out", p->stanza_line, pkg);
		goto out;
	}
	if (!f[DPKG_VERSION].seen) {
		const char *st;
		size_t st_len;
		bool gone = dpkg_status_split(f[DPKG_STATUS].value, f[DPKG_STATUS].len, &st, &st_len) &&
			    st_len == strlen("not-installed") && memcmp(st, "not-installed", st_len) == 0;
		if (!gone)
			dpkg_warn(p, "dpkg status line %zu: package '%s' has no Version; left out", p->stanza_line,
				  pkg);
		goto out;
	}
	if (!f[DPKG_ARCHITECTURE].seen)
		dpkg_warn(p, "dpkg status line %zu: package '%s' has no Architecture", p->stanza_line, pkg);
	if (json_array_size(p->packages) >= WARD_PACKAGES_MAX) {
		if (!p->too_many)
			dpkg_warn_always(p, "dpkg status line %zu: more than %d packages; the rest are left out",
					 p->stanza_line, WARD_PACKAGES_MAX);
		p->too_many = true;
		goto out;
	}
	json_t *pj = dpkg_package_json(p);
	if (!pj || json_array_append_new(p->packages, pj) < 0)
		p->error = -ENOMEM;
out:
	dpkg_stanza_reset(p);
}

static void dpkg_field_line(struct dpkg_parser *p, const char *s, size_t n)
{
	char ex[DPKG_EXCERPT + 4];
	const char *colon = memchr(s, ':', n);
	size_t name_len = colon ? (size_t)(colon - s) : 0;
	bool name_ok = name_len > 0 && s[0] != '#' && s[0] != '-';
	for (size_t i = 0; name_ok && i < name_len; i++)
		name_ok = s[i] > 0x20 && s[i] < 0x7f;
	if (!name_ok) {
		dpkg_warn(p, "dpkg status line %zu: '%s' is not a field; ignored", p->line_no, dpkg_excerpt(s, n, ex));
		p->in_field = false;
		return;
	}
	p->stanza_has_field = true;
	p->in_field = true;

	int id;
	for (id = 0; id < DPKG_FIELDS; id++)
		if (strlen(dpkg_field_names[id]) == name_len && strncasecmp(s, dpkg_field_names[id], name_len) == 0)
			break;
	if (id == DPKG_FIELDS)
		return;
	const char *v = colon + 1;
	size_t vlen = n - name_len - 1;
	dpkg_trim(&v, &vlen);
	struct dpkg_field *f = &p->fields[id];
	const char *fname = dpkg_field_names[id];
	if (f->seen && id == DPKG_PACKAGE) {
		/* A blank line went missing (a stanza cut short, files run together): end the
		 * stanza before and start a new one here rather than lose both. */
		dpkg_warn(p, "dpkg status line %zu: Package field without a blank line before it; new stanza",
			  p->line_no);
		dpkg_stanza_end(p);
		p->stanza_line = p->line_no;
		p->stanza_has_field = true;
		p->in_field = true;
	} else if (f->seen) {
		dpkg_warn(p, "dpkg status line %zu: second %s field in one stanza; stanza left out", p->line_no, fname);
		p->stanza_bad = true;
		return;
	}
	f->seen = true;
	if (vlen > WARD_PACKAGE_FIELD_MAX) {
		dpkg_warn(p, "dpkg status line %zu: %s '%s' is longer than %d bytes; stanza left out", p->line_no,
			  fname, dpkg_excerpt(v, vlen, ex), WARD_PACKAGE_FIELD_MAX);
		p->stanza_bad = true;
		return;
	}
	if (!dpkg_field_valid((enum dpkg_field_id)id, v, vlen)) {
		dpkg_warn(p, "dpkg status line %zu: %s '%s' is not valid; stanza left out", p->line_no, fname,
			  dpkg_excerpt(v, vlen, ex));
		p->stanza_bad = true;
		return;
	}
	memcpy(f->value, v, vlen);
	f->value[vlen] = '\0';
	f->len = vlen;
}

static void dpkg_line(struct dpkg_parser *p, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && dpkg_is_space(s[i]))
		i++;
	if (i == n) { /* blank, or only white space: the stanza ends */
		dpkg_stanza_end(p);
		return;
	}
	if (p->stanza_line == 0)
		p->stanza_line = p->line_no;
	if (s[0] == ' ' || s[0] == '\t') { /* continuation of a multi-line field: not one we keep */
		if (!p->in_field) {
			char ex[DPKG_EXCERPT + 4];
			dpkg_warn(p, "dpkg status line %zu: continuation line '%s' follows no field; ignored",
				  p->line_no, dpkg_excerpt(s, n, ex));
		}
		return;
	}
	dpkg_field_line(p, s, n);
}

/* Room for size bytes of line; the buffer grows by doubling up to WARD_DPKG_LINE_MAX. */
static int dpkg_line_reserve(struct dpkg_parser *p, size_t size)
{
	size_t want = p->line_size ? p->line_size : 256;
	if (size <= p->line_size)
		return 0;
	while (want < size)
		want *= 2;
	if (want > WARD_DPKG_LINE_MAX)
		want = WARD_DPKG_LINE_MAX;
	char *line = realloc(p->line, want);
	if (!line) {
		p->error = -ENOMEM;
		return -ENOMEM;
	}
	p->line = line;
	p->line_size = want;
	return 0;
}

int dpkg_parser_feed(struct dpkg_parser *p, const char *data, size_t len)
{
	if (p->finished)
		return -EINVAL;
	while (len > 0 && p->error == 0) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		if (!p->line_skip) {
			if (n > WARD_DPKG_LINE_MAX - p->line_len) {
				dpkg_warn(p, "dpkg status line %zu is longer than %d bytes; skipped", p->line_no,
					  WARD_DPKG_LINE_MAX);
				p->line_skip = true;
				p->line_len = 0;
				if (p->stanza_line == 0)
					p->stanza_line = p->line_no;
			} else if (nl && p->line_len == 0) {
				dpkg_line(p, data, n); /* a whole line in this chunk: no copy */
			} else if (dpkg_line_reserve(p, p->line_len + n) == 0) {
				memcpy(p->line + p->line_len, data, n);
				p->line_len += n;
				if (nl)
					dpkg_line(p, p->line, p->line_len);
			}
		}
		if (!nl)
			break;
		p->line_no++;
		p->line_skip = false;
		p->line_len = 0;
		data = nl + 1;
		len -= n + 1;
	}
	return p->error;
}

/* --- sorting --- */

struct pkg_key {
	json_t *pkg;
	const char *name, *arch, *manager, *version; /* borrowed from pkg; arch may be NULL */
	size_t index;				     /* position before sorting: ties keep it */
};

static int pkg_key_cmp(const void *a, const void *b)
{
	const struct pkg_key *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c == 0 && (!x->arch || !y->arch))
		c = (x->arch != NULL) - (y->arch != NULL);
	if (c == 0 && x->arch)
		c = strcmp(x->arch, y->arch);
	if (c == 0)
		c = strcmp(x->manager, y->manager);
	if (c == 0)
		c = strcmp(x->version, y->version);
	if (c == 0)
		c = (x->index > y->index) - (x->index < y->index);
	return c;
}

static const char *pkg_str(const json_t *pkg, const char *key)
{
	const char *s = json_string_value(json_object_get(pkg, key));
	return s ? s : "";
}

/* A new array holding the packages of in, sorted. */
static int packages_sorted(json_t *in, json_t **ret)
{
	size_t n = json_array_size(in);
	struct pkg_key *keys = calloc(n ? n : 1, sizeof(*keys));
	json_t *out = json_array();
	int r = 0;
	if (!keys || !out) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *pkg = json_array_get(in, i);
		keys[i] = (struct pkg_key){
		    .pkg = pkg,
		    .name = pkg_str(pkg, "name"),
		    .arch = json_string_value(json_object_get(pkg, "architecture")),
		    .manager = pkg_str(pkg, "manager"),
		    .version = pkg_str(pkg, "version"),
		    .index = i,
		};
	}
	qsort(keys, n, sizeof(*keys), pkg_key_cmp);
	for (size_t i = 0; i < n; i++) {
		if (json_array_append(out, keys[i].pkg) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	*ret = out;
	out = NULL;
out:
	free(keys);
	json_decref(out);
	return r;
}

int dpkg_parser_finish(struct dpkg_parser *p, json_t **ret_packages, json_t *warnings)
{
	json_t *sorted = NULL;
	int r;
	if (p->finished)
		return -EINVAL;
	p->finished = true;
	if (p->line_skip || p->line_len > 0) {
		if (!p->line_skip)
			dpkg_warn(p, "dpkg status line %zu is cut off without a newline (a truncated file?); dropped",
				  p->line_no);
		p->line_len = 0;
		p->line_skip = false;
	}
	dpkg_stanza_end(p);
	if (p->error < 0)
		return p->error;
	r = packages_sorted(p->packages, &sorted);
	if (r < 0)
		return r;
	for (size_t i = 1; i < json_array_size(sorted); i++) {
		const json_t *a = json_array_get(sorted, i - 1), *b = json_array_get(sorted, i);
		const char *aa = json_string_value(json_object_get(a, "architecture"));
		const char *ba = json_string_value(json_object_get(b, "architecture"));
		if (strcmp(pkg_str(a, "name"), pkg_str(b, "name")) == 0 && (aa == ba || (aa && ba && !strcmp(aa, ba))))
			dpkg_warn(p, "dpkg status lists package '%s' (%s) more than once", pkg_str(a, "name"),
				  aa ? aa : "no architecture");
	}
	if (p->warnings_dropped > 0)
		dpkg_warn_always(p, "dpkg status: %zu more warnings left out", p->warnings_dropped);
	if (p->error < 0 || json_array_extend(warnings, p->warnings) < 0) {
		json_decref(sorted);
		return p->error < 0 ? p->error : -ENOMEM;
	}
	*ret_packages = sorted;
	return 0;
}

/* --- the collector --- */

/* Reads root/var/lib/dpkg/status into *ret (an array, empty when there is no dpkg). */
static int dpkg_status_read(struct inv_ctx *ctx, json_t **ret)
{
	char path[4096];
	struct stat st;
	struct dpkg_parser *p = NULL;
	char *buf = NULL;
	size_t total = 0;
	int fd = -1, r = inv_path(ctx, DPKG_STATUS_PATH, path, sizeof(path));
	if (r < 0) {
		inv_warn(ctx, "packages", "%s", err_msg(r));
		return r;
	}
	/* O_NONBLOCK: a FIFO planted at the path must not hang the collector. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT) { /* no dpkg on this machine: nothing to say */
			json_t *none = json_array();
			if (!none)
				return -ENOMEM;
			*ret = none;
			return 0;
		}
		inv_warn(ctx, "packages", "cannot open '%s': %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		inv_warn(ctx, "packages", "cannot stat '%s': %s", path, strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		inv_warn(ctx, "packages", "cannot read '%s': not a regular file", path);
		goto out;
	}
	if (st.st_size > WARD_DPKG_STATUS_MAX) {
		r = -EFBIG;
		inv_warn(ctx, "packages", "cannot read '%s': larger than %d MiB", path, WARD_DPKG_STATUS_MAX >> 20);
		goto out;
	}
	p = dpkg_parser_new();
	buf = malloc(DPKG_READ_CHUNK);
	if (!p || !buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, DPKG_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			inv_warn(ctx, "packages", "cannot read '%s': %s; the package list may be incomplete", path,
				 strerror(errno));
			break;
		}
		if (n == 0)
			break;
		bool over = (size_t)n > WARD_DPKG_STATUS_MAX - total;
		if (over) {
			inv_warn(ctx, "packages", "'%s' grew past %d MiB while being read; the rest is left out", path,
				 WARD_DPKG_STATUS_MAX >> 20);
			n = (ssize_t)(WARD_DPKG_STATUS_MAX - total);
		}
		total += (size_t)n;
		r = dpkg_parser_feed(p, buf, (size_t)n);
		if (r < 0)
			goto out;
		if (over)
			break;
	}
	r = dpkg_parser_finish(p, ret, ctx->warnings);
out:
	dpkg_parser_free(p);
	free(buf);
	close(fd);
	return r;
}

int inv_packages(struct inv_ctx *ctx, json_t **ret)
{
	json_t *items = NULL, *sorted = NULL, *section;
	int r = dpkg_status_read(ctx, &items);
	if (r < 0)
		return r;
	r = inv_rpm_packages(ctx, items, ctx->warnings);
	if (r < 0)
		goto out;
	r = packages_sorted(items, &sorted);
	if (r < 0)
		goto out;
	section = json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(sorted), "items", sorted);
	if (!section) {
		r = -ENOMEM;
		goto out;
	}
	*ret = section;
out:
	json_decref(items);
	if (r < 0)
		inv_warn(ctx, "packages", "cannot list packages: %s", strerror(-r));
	return r;
}
