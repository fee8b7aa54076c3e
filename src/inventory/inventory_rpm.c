/*
 * inventory_rpm.c: the RPM half of the "packages" section: `rpm -qa` run without a
 * shell on a live machine, and a checked parser for the tab-separated lines it prints.
 */
#include "inventory/inventory_dpkg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "inventory/inventory.h"

#define RPM_BIN "/usr/bin/rpm"
#define RPM_FIELDS 6
#define RPM_EXCERPT 40						 /* bytes of a bad line quoted in a warning */
#define RPM_LINE_MAX (RPM_FIELDS * (WARD_PACKAGE_FIELD_MAX + 1)) /* longer cannot be valid */

/* Warnings of one parse, capped at WARD_PACKAGE_WARNINGS_MAX. */
struct rpm_warnings {
	json_t *to;	/* the caller's array */
	size_t given;	/* appended by this parse */
	size_t dropped; /* past the cap */
	int error;	/* -ENOMEM once appending failed */
};

/* force: said even past the cap (the package cap). */
static void rpm_warn(struct rpm_warnings *w, bool force, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void rpm_warn(struct rpm_warnings *w, bool force, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!force && w->given >= WARD_PACKAGE_WARNINGS_MAX) {
		w->dropped++;
		return;
	}
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	json_t *j = json_pack("{s:s, s:o}", "section", "packages", "message", inv_string(msg));
	if (!j || json_array_append_new(w->to, j) < 0) {
		w->error = -ENOMEM;
		return;
	}
	w->given++;
}

/* Printable ASCII only, at most RPM_EXCERPT bytes, tabs shown as spaces. */
static const char *rpm_excerpt(const char *s, size_t n, char out[RPM_EXCERPT + 4])
{
	size_t take = n > RPM_EXCERPT ? RPM_EXCERPT : n, i;
	for (i = 0; i < take; i++)
		out[i] = s[i] == '\t' ? ' ' : s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'' ? s[i] : '?';
	if (take < n) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

static bool rpm_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool rpm_chars(const char *s, size_t n, const char *also)
{
	if (n == 0 || n > WARD_PACKAGE_FIELD_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!rpm_is_alnum(s[i]) && (s[i] == '\0' || !strchr(also, s[i])))
			return false;
	return true;
}

/* rpmbuild's rule for Name: alphanumerics and "._+-%{}", not starting with a sign. */
static bool rpm_name_valid(const char *s, size_t n)
{
	return rpm_chars(s, n, "._+-%{}") && (rpm_is_alnum(s[0]) || s[0] == '_');
}

/* Version and Release: alphanumerics and "._+~^" (no '-': it separates them). */
static bool rpm_version_valid(const char *s, size_t n)
{
	return rpm_chars(s, n, "._+~^");
}

/* rpm's epoch is a 32-bit unsigned number; it prints it without leading zeros. */
static bool rpm_epoch_valid(const char *s, size_t n)
{
	unsigned long long v = 0;
	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	return v <= 4294967295ULL;
}

static bool rpm_is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

static bool rpm_ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static const char *rpm_last_dash(const char *s, size_t n)
{
	while (n > 0)
		if (s[--n] == '-')
			return s + n;
	return NULL;
}

/* "glibc-2.34-60.el9.src.rpm": name "glibc", version-release "2.34-60.el9". */
static bool rpm_srpm_split(const char *s, size_t n, size_t *ret_name_len, const char **ret_vr, size_t *ret_vr_len)
{
	if (rpm_ends_with(s, n, ".src.rpm"))
		n -= strlen(".src.rpm");
	else if (rpm_ends_with(s, n, ".nosrc.rpm"))
		n -= strlen(".nosrc.rpm");
	else
		return false;
	const char *rel = rpm_last_dash(s, n);
	if (!rel)
		return false;
	const char *ver = rpm_last_dash(s, (size_t)(rel - s));
	if (!ver)
		return false;
	size_t name_len = (size_t)(ver - s), ver_len = (size_t)(rel - ver - 1), rel_len = n - (size_t)(rel - s) - 1;
	if (!rpm_name_valid(s, name_len) || !rpm_version_valid(ver + 1, ver_len) ||
	    !rpm_version_valid(rel + 1, rel_len))
		return false;
	*ret_name_len = name_len;
	*ret_vr = ver + 1;
	*ret_vr_len = ver_len + 1 + rel_len;
	return true;
}

/* One line split in fields; 0, -EINVAL with a warning already given, or -ENOMEM. */
static int rpm_line(const char *line, size_t n, size_t line_no, json_t *out, struct rpm_warnings *w)
{
	const char *f[RPM_FIELDS];
	size_t fl[RPM_FIELDS], nf = 0, start = 0;
	char ex[RPM_EXCERPT + 4], version[3 * WARD_PACKAGE_FIELD_MAX + 3];
	if (n > RPM_LINE_MAX) {
		rpm_warn(w, false, "rpm -qa line %zu: '%s' is longer than %d bytes; left out", line_no,
			 rpm_excerpt(line, n, ex), RPM_LINE_MAX);
		return -EINVAL;
	}
	while (nf < RPM_FIELDS) {
		const char *tab = memchr(line + start, '\t', n - start);
		size_t end = tab ? (size_t)(tab - line) : n;
		f[nf] = line + start;
		fl[nf++] = end - start;
		if (!tab)
			break;
		start = end + 1;
		if (nf == RPM_FIELDS)
			nf++; /* a tab after the sixth field: too many */
	}
	if (nf != RPM_FIELDS) {
		rpm_warn(w, false, "rpm -qa line %zu: '%s' is not %d tab-separated fields; left out", line_no,
			 rpm_excerpt(line, n, ex), RPM_FIELDS);
		return -EINVAL;
	}
	const char *what = NULL;
	bool no_epoch = rpm_is(f[1], fl[1], "(none)"), no_arch = rpm_is(f[4], fl[4], "(none)");
	bool no_srpm = rpm_is(f[5], fl[5], "(none)");
	size_t src_len = 0, src_vr_len = 0;
	const char *src_vr = NULL;
	if (!rpm_name_valid(f[0], fl[0]))
		what = "name";
	else if (!no_epoch && !rpm_epoch_valid(f[1], fl[1]))
		what = "epoch";
	else if (!rpm_version_valid(f[2], fl[2]))
		what = "version";
	else if (!rpm_version_valid(f[3], fl[3]))
		what = "release";
	else if (!no_arch && !rpm_chars(f[4], fl[4], "_"))
		what = "architecture";
	else if (!no_srpm && !rpm_srpm_split(f[5], fl[5], &src_len, &src_vr, &src_vr_len))
		what = "source rpm";
	if (what) {
		rpm_warn(w, false, "rpm -qa line %zu: %s of '%s' is not valid; left out", line_no, what,
			 rpm_excerpt(line, n, ex));
		return -EINVAL;
	}
	int vn = no_epoch ? snprintf(version, sizeof(version), "%.*s-%.*s", (int)fl[2], f[2], (int)fl[3], f[3])
			  : snprintf(version, sizeof(version), "%.*s:%.*s-%.*s", (int)fl[1], f[1], (int)fl[2], f[2],
				     (int)fl[3], f[3]);
	if (vn < 0 || (size_t)vn >= sizeof(version))
		return -EINVAL; /* cannot happen: each part was checked to fit */
	if (no_srpm) {
		/* gpg-pubkey and the like: their own source */
		src_len = fl[0];
		src_vr = version;
		src_vr_len = (size_t)vn;
	}
	json_t *pkg = json_pack("{s:s%, s:s%, s:o, s:s%, s:s%, s:s, s:s}", "name", f[0], fl[0], "version", version,
				(size_t)vn, "architecture", no_arch ? json_null() : json_stringn(f[4], fl[4]), "source",
				no_srpm ? f[0] : f[5], src_len, "source_version", src_vr, src_vr_len, "status",
				"installed", "manager", "rpm");
	if (!pkg || json_array_append_new(out, pkg) < 0)
		return -ENOMEM;
	return 0;
}

int rpm_qa_parse(const char *text, size_t len, json_t *out, json_t *warnings)
{
	struct rpm_warnings w = {.to = warnings};
	size_t line_no = 0, added = 0;
	int r = 0;
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		line_no++;
		if (n > 0) {
			if (added == WARD_PACKAGES_MAX) {
				rpm_warn(&w, true, "rpm -qa line %zu: more than %d packages; the rest are left out",
					 line_no, WARD_PACKAGES_MAX);
				break;
			}
			r = rpm_line(text, n, line_no, out, &w);
			if (r == -ENOMEM)
				goto out;
			if (r == 0)
				added++;
			r = 0;
		}
		if (!nl)
			break;
		text = nl + 1;
		len -= n + 1;
	}
	if (w.dropped > 0)
		rpm_warn(&w, true, "rpm -qa: %zu more warnings left out", w.dropped);
out:
	return r < 0 ? r : w.error;
}

int inv_rpm_packages(struct inv_ctx *ctx, json_t *out, json_t *warnings)
{
	char *argv[] = {RPM_BIN, "-qa", "--queryformat",
			"%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n", NULL};
	char *text = NULL;
	if (!ctx->live)
		return 0;
	int r = inv_run(ctx, argv, WARD_RPM_OUTPUT_MAX, WARD_RPM_TIMEOUT_MS, &text);
	if (r == -ENOENT)
		return 0; /* not an RPM machine */
	if (r < 0) {
		inv_warn(ctx, "packages", "cannot list rpm packages: %s", err_msg(r));
		return r == -ENOMEM ? r : 0;
	}
	size_t len = strlen(text);
	if (len == WARD_RPM_OUTPUT_MAX) {
		inv_warn(ctx, "packages", "'%s -qa' printed more than %d MiB; the rest is left out", RPM_BIN,
			 WARD_RPM_OUTPUT_MAX >> 20);
		while (len > 0 && text[len - 1] != '\n')
			len--; /* the last line is cut */
	}
	r = rpm_qa_parse(text, len, out, warnings);
	free(text);
	return r;
}
