/*
 * inventory_software.c: the "upgrades" and "reboot" sections: the upgrades this
 * machine's apt lists offer and what it needs after upgrading (src/software/). With a
 * cache directory (the agent's state), the upgrades are computed again only when
 * their inputs changed (upgrades_fingerprint).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/fs.h"
#include "core/limits.h"
#include "inventory/inventory.h"
#include "software/upgrades.h"

/* Moves the warnings a software function gave into the inventory's. */
static void inv_software_warnings(struct inv_ctx *ctx, json_t *warnings)
{
	size_t i;
	json_t *w;
	json_array_foreach(warnings, i, w) json_array_append(ctx->warnings, w);
	json_decref(warnings);
}

#define UPGRADES_CACHE "upgrades-cache.json"

/* The cached section for this fingerprint, with its warnings added to ctx's; NULL
 * when there is none, it is for other inputs, or it is damaged. */
static json_t *cache_get(struct inv_ctx *ctx, const char *fp)
{
	char path[4200], *text;
	size_t len;
	if (fs_join(path, sizeof(path), ctx->cache_dir, UPGRADES_CACHE) < 0 ||
	    fs_read_file(path, WARD_FILE_READ_MAX, &text, &len) < 0)
		return NULL;
	json_t *c = json_loadb(text, len, 0, NULL), *section = json_object_get(c, "section");
	free(text);
	const char *have = json_string_value(json_object_get(c, "fingerprint"));
	if (!have || strcmp(have, fp) != 0 || !json_is_object(section) ||
	    !json_is_array(json_object_get(c, "warnings"))) {
		json_decref(c);
		return NULL;
	}
	json_incref(section);
	inv_software_warnings(ctx, json_incref(json_object_get(c, "warnings")));
	json_decref(c);
	return section;
}

/* Keeps the section for the next run; a cache that cannot be written is no error. */
static void cache_put(const struct inv_ctx *ctx, const char *fp, json_t *section, json_t *warnings)
{
	char path[4200];
	json_t *c = json_pack("{s:s, s:O, s:O}", "fingerprint", fp, "section", section, "warnings", warnings);
	char *text = c ? json_dumps(c, JSON_COMPACT) : NULL;
	if (text && fs_join(path, sizeof(path), ctx->cache_dir, UPGRADES_CACHE) == 0)
		fs_write_atomic(path, text, strlen(text), 0600);
	free(text);
	json_decref(c);
}

int inv_upgrades(struct inv_ctx *ctx, json_t **ret)
{
	char fp[65] = "";
	char path[4200];
	struct stat st;
	json_t *warnings = json_array(), *res = NULL;
	if (!warnings)
		return -ENOMEM;
	/* No dpkg here (an RPM machine, a fixture without it): the section does not apply. */
	if (inv_path(ctx, "var/lib/dpkg/status", path, sizeof(path)) < 0 || stat(path, &st) < 0) {
		json_decref(warnings);
		*ret = NULL;
		return 0;
	}
	if (ctx->cache_dir && upgrades_fingerprint(ctx->root, fp) == 0 && (res = cache_get(ctx, fp))) {
		json_decref(warnings);
		*ret = res;
		return 0;
	}
	int r = upgrades_compute(ctx->root, warnings, &res);
	if (r == 0 && fp[0])
		cache_put(ctx, fp, res, warnings);
	inv_software_warnings(ctx, warnings);
	if (r < 0) {
		inv_warn(ctx, "upgrades", "%s", err_msg(r));
		return r;
	}
	*ret = res;
	return 0;
}

int inv_reboot(struct inv_ctx *ctx, json_t **ret)
{
	json_t *warnings = json_array(), *res = NULL;
	if (!warnings)
		return -ENOMEM;
	int r = reboot_needs(ctx->root, ctx->live, warnings, &res);
	inv_software_warnings(ctx, warnings);
	if (r < 0) {
		inv_warn(ctx, "reboot", "%s", err_msg(r));
		return r;
	}
	*ret = res;
	return 0;
}
