/*
 * inventory_software.c: the "upgrades" and "reboot" sections: the upgrades this
 * machine's apt lists offer and what it needs after upgrading (src/software/).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
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

int inv_upgrades(struct inv_ctx *ctx, json_t **ret)
{
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
	int r = upgrades_compute(ctx->root, warnings, &res);
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
