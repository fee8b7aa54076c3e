/*
 * inventory_util.c: what every collector needs: paths below the root, bounded reads,
 * warnings, running a system tool without a shell, and strings safe for JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fs.h"
#include "core/proc.h"
#include "inventory/inventory.h"
#include "inventory/inventory_parse.h"

int inv_path(const struct inv_ctx *ctx, const char *rel, char *out, size_t size)
{
	while (*rel == '/')
		rel++;
	int n = strcmp(ctx->root, "/") == 0 ? snprintf(out, size, "/%s", rel) : snprintf(out, size, "%s/%s", ctx->root, rel);
	if (n < 0 || (size_t)n >= size)
		return err_set(-ENAMETOOLONG, "path '%s/%s' is too long", ctx->root, rel);
	return 0;
}

int inv_read(const struct inv_ctx *ctx, const char *rel, size_t max, char **ret, size_t *ret_len)
{
	char path[4096];
	int r = inv_path(ctx, rel, path, sizeof(path));
	if (r < 0)
		return r;
	return fs_read_file(path, max, ret, ret_len);
}

void inv_warn(struct inv_ctx *ctx, const char *section, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	json_array_append_new(ctx->warnings, json_pack("{s:s, s:o}", "section", section, "message", inv_string(msg)));
}

json_t *inv_stringn(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	if (j)
		return j;
	/* Not UTF-8: keep ASCII, replace every other byte. */
	char *clean = malloc(len * 3 + 1);
	if (!clean)
		return json_null();
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 && c != 0) {
			clean[o++] = (char)c;
		} else {
			memcpy(clean + o, "\xef\xbf\xbd", 3);
			o += 3;
		}
	}
	j = json_stringn(clean, o);
	free(clean);
	return j ? j : json_null();
}

json_t *inv_string(const char *s)
{
	return s ? inv_stringn(s, strlen(s)) : json_null();
}

int inv_run(const struct inv_ctx *ctx, char *const argv[], size_t max, int timeout_ms, char **ret)
{
	struct proc_result res;
	if (!ctx->live)
		return err_set(-ENOENT, "'%s' is not asked on a fixture tree", argv[0]);
	int r = proc_run(argv, max, timeout_ms, false, &res);
	if (r < 0)
		return r;
	if (res.timed_out || res.exit_code != 0) {
		free(res.output);
		return res.timed_out ? err_set(-ETIMEDOUT, "'%s' took longer than %d ms", argv[0], timeout_ms)
				     : err_set(-ECHILD, "'%s' failed", argv[0]);
	}
	*ret = res.output;
	return 0;
}

void inv_parse_warn(json_t *warnings, const char *fmt, ...)
{
	char msg[256];
	if (!warnings || json_array_size(warnings) >= INV_PARSE_WARN_MAX)
		return;
	if (json_array_size(warnings) == INV_PARSE_WARN_MAX - 1) {
		snprintf(msg, sizeof(msg), "more problems; the rest are not reported");
	} else {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
	}
	json_array_append_new(warnings, inv_string(msg));
}
