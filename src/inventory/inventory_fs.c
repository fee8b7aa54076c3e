/*
 * inventory_fs.c: the "filesystems" section: what proc/mounts says is mounted, without
 * the kernel's pseudo file systems, with sizes from statvfs(2) on a live machine.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "core/err.h"
#include "inventory/inventory.h"

#define INV_MOUNTS_MAX (4 * 1024 * 1024) /* proc/mounts bytes: containers can have thousands */
#define INV_MOUNT_ENTRIES_MAX 10000	 /* mounts listed */
#define INV_MOUNT_FIELD_MAX 4096	 /* one field of a mounts line (PATH_MAX) */
#define INV_MOUNT_WARN_MAX 20		 /* bad lines reported by line number */

static const char *const fs_section = "filesystems";

/* Kernel interfaces, not storage. tmpfs, devtmpfs and overlay are kept: they hold files. */
static const char *const fs_pseudo_types[] = {
    "proc",	"sysfs",   "devpts", "securityfs",  "debugfs", "tracefs",  "bpf",   "mqueue",	  "hugetlbfs", "pstore",
    "configfs", "fusectl", "autofs", "binfmt_misc", "nsfs",    "efivarfs", "ramfs", "rpc_pipefs", "selinuxfs",
};

static bool fs_pseudo(const char *type, size_t len)
{
	if (len >= 6 && memcmp(type, "cgroup", 6) == 0) /* cgroup, cgroup2 */
		return true;
	for (size_t i = 0; i < sizeof(fs_pseudo_types) / sizeof(fs_pseudo_types[0]); i++) {
		if (strlen(fs_pseudo_types[i]) == len && memcmp(type, fs_pseudo_types[i], len) == 0)
			return true;
	}
	return false;
}

static bool fs_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* s[0..len) with the kernel's \ooo escapes (space, tab, newline, backslash) decoded into
 * out (at least len + 1 bytes), NUL-terminated; an escape that is not three octal digits
 * of a non-zero byte stays as it is. Returns the decoded length. */
static size_t fs_unescape(const char *s, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && fs_octal(s[i + 1]) && fs_octal(s[i + 2]) && fs_octal(s[i + 3])) {
			unsigned v = (unsigned)(s[i + 1] - '0') * 64 + (unsigned)(s[i + 2] - '0') * 8 +
				     (unsigned)(s[i + 3] - '0');
			if (v > 0 && v < 256) {
				out[o++] = (char)v;
				i += 3;
				continue;
			}
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	return o;
}

/* Sizes of the file system at path, as df counts them: used is blocks minus free,
 * used_percent is used over what an ordinary user could have (used + available), to one
 * decimal. */
static int fs_sizes(struct inv_ctx *ctx, const char *path, json_t *fs)
{
	struct statvfs st;
	if (statvfs(path, &st) < 0) {
		/* FUSE mounts of other users refuse even root; that is no news. */
		if (errno != EACCES && errno != EPERM)
			inv_warn(ctx, fs_section, "cannot statvfs '%s': %s", path, strerror(errno));
		return 0;
	}
	uint64_t unit = st.f_frsize ? st.f_frsize : st.f_bsize, size, used, avail;
	if (st.f_bfree > st.f_blocks || __builtin_mul_overflow((uint64_t)st.f_blocks, unit, &size) ||
	    __builtin_mul_overflow((uint64_t)(st.f_blocks - st.f_bfree), unit, &used) ||
	    __builtin_mul_overflow((uint64_t)st.f_bavail, unit, &avail) || size > INT64_MAX || avail > INT64_MAX) {
		inv_warn(ctx, fs_section, "'%s' reports sizes out of range", path);
		return 0;
	}
	json_t *pct = json_null();
	if (used + avail > 0) {
		long long tenths = (long long)(1000.0 * (double)used / (double)(used + avail) + 0.5);
		pct = json_real((double)tenths / 10.0);
	}
	if (json_object_set_new(fs, "size_bytes", json_integer((json_int_t)size)) < 0 ||
	    json_object_set_new(fs, "used_bytes", json_integer((json_int_t)used)) < 0 ||
	    json_object_set_new(fs, "available_bytes", json_integer((json_int_t)avail)) < 0 ||
	    json_object_set_new(fs, "used_percent", pct) < 0)
		return -ENOMEM;
	return 0;
}

/* One mounts line into *ret: an object, json_null() when the line is skipped, NULL when
 * out of memory. bad is set for a line that is not a mount entry. */
static json_t *fs_entry(struct inv_ctx *ctx, const char *line, size_t n, char *scratch, bool *bad)
{
	const char *field[6];
	size_t field_len[6], nfields = 0;
	size_t i = 0;
	*bad = false;
	while (i < n) {
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == n)
			break;
		size_t start = i;
		while (i < n && line[i] != ' ' && line[i] != '\t')
			i++;
		if (nfields == 6 || i - start > INV_MOUNT_FIELD_MAX || memchr(line + start, '\0', i - start)) {
			*bad = true;
			return json_null();
		}
		field[nfields] = line + start;
		field_len[nfields++] = i - start;
	}
	if (nfields < 4) {
		*bad = nfields > 0;
		return json_null();
	}
	if (fs_pseudo(field[2], field_len[2]))
		return json_null();

	json_t *fs = json_object();
	if (!fs)
		return NULL;
	static const char *const names[] = {"device", "mount_point", "type", "options"};
	for (size_t f = 0; f < 4; f++) {
		size_t len = fs_unescape(field[f], field_len[f], scratch);
		if (json_object_set_new(fs, names[f], inv_stringn(scratch, len)) < 0)
			goto oom;
	}
	static const char *const sizes[] = {"size_bytes", "used_bytes", "available_bytes", "used_percent"};
	for (size_t f = 0; f < 4; f++) {
		if (json_object_set_new(fs, sizes[f], json_null()) < 0)
			goto oom;
	}
	if (ctx->live) {
		fs_unescape(field[1], field_len[1], scratch);
		if (fs_sizes(ctx, scratch, fs) < 0)
			goto oom;
	}
	return fs;
oom:
	json_decref(fs);
	return NULL;
}

int inv_filesystems(struct inv_ctx *ctx, json_t **ret)
{
	static const char *const rel = "proc/mounts";
	char where[4096];
	char *text = NULL, *scratch = NULL;
	size_t len, nbad = 0, line_no = 0;
	json_t *list = NULL;
	int r = inv_read(ctx, rel, INV_MOUNTS_MAX, &text, &len);
	if (r < 0) {
		inv_warn(ctx, fs_section, "%s", err_msg(r));
		return r;
	}
	if (inv_path(ctx, rel, where, sizeof(where)) < 0)
		snprintf(where, sizeof(where), "%s", rel);
	scratch = malloc(INV_MOUNT_FIELD_MAX + 1);
	list = json_array();
	r = -ENOMEM;
	if (!scratch || !list)
		goto out;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line = p;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool bad;
		p = nl ? nl + 1 : end;
		line_no++;
		json_t *fs = fs_entry(ctx, line, n, scratch, &bad);
		if (!fs)
			goto out;
		if (bad && nbad++ < INV_MOUNT_WARN_MAX)
			inv_warn(ctx, fs_section, "'%s': line %zu is not a mount entry", where, line_no);
		if (json_is_null(fs))
			continue;
		if (json_array_size(list) == INV_MOUNT_ENTRIES_MAX) {
			json_decref(fs);
			inv_warn(ctx, fs_section, "'%s' lists more than %d file systems; the rest are left out", where,
				 INV_MOUNT_ENTRIES_MAX);
			break;
		}
		if (json_array_append_new(list, fs) < 0)
			goto out;
	}
	if (nbad > INV_MOUNT_WARN_MAX)
		inv_warn(ctx, fs_section, "'%s': %zu more lines are not mount entries", where,
			 nbad - INV_MOUNT_WARN_MAX);
	r = 0;
out:
	free(text);
	free(scratch);
	if (r < 0) {
		json_decref(list);
		inv_warn(ctx, fs_section, "out of memory");
		return r;
	}
	*ret = list;
	return 0;
}
