/*
 * inventory.c: runs every collector below a root and assembles the inventory.
 */
#include "inventory/inventory.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"

/* upgrades and reboot go first: their working memory (index buffers, every
 * installed package) is freed before the packages section's JSON is built, so the
 * agent's peak is the larger of the two, not their sum. */
const struct inv_collector inventory_collectors[] = {
	{"upgrades", inv_upgrades},
	{"reboot", inv_reboot},
	{"system", inv_system},
	{"hardware", inv_hardware},
	{"filesystems", inv_filesystems},
	{"network", inv_network},
	{"sockets", inv_sockets},
	{"accounts", inv_accounts},
	{"packages", inv_packages},
	{"services", inv_services},
	{"wireguard", inv_wireguard},
	{"firewall", inv_firewall},
	{NULL, NULL},
};

int inventory_collect(const char *root, json_t **ret)
{
	return inventory_collect_cached(root, NULL, ret);
}

int inventory_collect_cached(const char *root, const char *cache_dir, json_t **ret)
{
	struct stat st;
	char rootbuf[4096];
	size_t n = strlen(root);
	if (n == 0 || n >= sizeof(rootbuf))
		return err_set(-EINVAL, "root '%s' is not valid", root);
	memcpy(rootbuf, root, n + 1);
	while (n > 1 && rootbuf[n - 1] == '/')
		rootbuf[--n] = '\0';
	if (stat(rootbuf, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(-ENOTDIR, "root '%s' is not a directory", root);

	struct inv_ctx ctx = {
	    .root = rootbuf, .live = strcmp(rootbuf, "/") == 0, .warnings = json_array(), .cache_dir = cache_dir};
	json_t *sections = json_object();
	if (!ctx.warnings || !sections) {
		json_decref(ctx.warnings);
		json_decref(sections);
		return -ENOMEM;
	}
	for (const struct inv_collector *c = inventory_collectors; c->section; c++) {
		json_t *v = NULL;
		err_clear();
		if (c->fn(&ctx, &v) < 0 || !v)
			v = json_null();
		json_object_set_new(sections, c->section, v);
	}
	*ret = json_pack("{s:o, s:o, s:o}", "collected_at", json_time(time_now()), "sections", sections, "warnings",
			 ctx.warnings);
	return *ret ? 0 : -ENOMEM;
}
