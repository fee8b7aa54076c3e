/*
 * inventory.h: what a machine is and what runs on it, read from files below a root
 * directory ("/" on a real machine, a fixture tree in tests). Each collector fills one
 * section of the inventory; a file that is missing, truncated, huge or garbage gives a
 * warning for that section and the rest still comes out.
 */
#ifndef WARD_INVENTORY_H
#define WARD_INVENTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* What a collector works with. */
struct inv_ctx {
	const char *root; /* "/" or a fixture tree; never NULL, no trailing slash except "/" */
	bool live;        /* root is "/": collectors may also ask the running system
			   * (statvfs, systemctl, nft, wg, rpm); never for a fixture tree */
	json_t *warnings; /* array of {"section", "message"}; owned by the caller */
	const char *cache_dir; /* where a collector may keep what is costly to compute again
				* (the agent's state directory), or NULL */
};

/* A collector: on success *ret is a new JSON value for its section. On failure it
 * returns a negative errno after inv_warn() saying why; the section is then null. A
 * collector may also warn and still succeed with what it could read. */
typedef int (*inv_collector_fn)(struct inv_ctx *ctx, json_t **ret);

struct inv_collector {
	const char *section; /* "system", "packages", ... */
	inv_collector_fn fn;
};

/* The collectors, in report order, NULL-terminated (inventory.c). */
extern const struct inv_collector inventory_collectors[];

/* Runs every collector below root. *ret is {"collected_at", "sections": {name: value
 * or null}, "warnings": [...]}. Fails only when root is not a directory. */
int inventory_collect(const char *root, json_t **ret);

/* The same, letting collectors keep caches in cache_dir (the agent passes its state
 * directory; NULL is inventory_collect). A cache is only ever a shortcut: the result
 * is what inventory_collect gives. */
int inventory_collect_cached(const char *root, const char *cache_dir, json_t **ret);

/* --- helpers for collectors (inventory_util.c) --- */

/* root joined with rel ("etc/os-release" or "/etc/os-release"); -ENAMETOOLONG. */
int inv_path(const struct inv_ctx *ctx, const char *rel, char *out, size_t size);

/* Reads root/rel whole, at most max bytes (-E2BIG beyond), NUL-terminated; the caller
 * frees. Errors come back as -errno with err_msg() naming the file. */
int inv_read(const struct inv_ctx *ctx, const char *rel, size_t max, char **ret, size_t *ret_len);

/* Records a warning for section. */
void inv_warn(struct inv_ctx *ctx, const char *section, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Runs argv (argv[0] an absolute path) only when ctx->live, capturing at most max bytes
 * of stdout into *ret (NUL-terminated; the caller frees). No shell. -ENOENT when the
 * program is absent, -ECHILD when it exits non-zero, -ETIMEDOUT after timeout_ms. */
int inv_run(const struct inv_ctx *ctx, char *const argv[], size_t max, int timeout_ms, char **ret);

/* json_string that never fails on bad UTF-8: invalid bytes become U+FFFD. */
json_t *inv_string(const char *s);
json_t *inv_stringn(const char *s, size_t len);

/* The collectors (one file each). */
int inv_system(struct inv_ctx *ctx, json_t **ret);      /* inventory_system.c: hostname, os-release, kernel, boot time */
int inv_hardware(struct inv_ctx *ctx, json_t **ret);    /* inventory_hardware.c: cpu, memory, block devices */
int inv_filesystems(struct inv_ctx *ctx, json_t **ret); /* inventory_fs.c: mounts with sizes */
int inv_network(struct inv_ctx *ctx, json_t **ret);     /* inventory_net.c: interfaces, vlans, routes, dns */
int inv_sockets(struct inv_ctx *ctx, json_t **ret);     /* inventory_sockets.c: listening tcp/udp and their process */
int inv_accounts(struct inv_ctx *ctx, json_t **ret);    /* inventory_accounts.c: users, groups, uid 0, admins */
int inv_packages(struct inv_ctx *ctx, json_t **ret);    /* inventory_dpkg.c + inventory_rpm.c */
int inv_services(struct inv_ctx *ctx, json_t **ret);    /* inventory_services.c: enabled and failed units */
int inv_wireguard(struct inv_ctx *ctx, json_t **ret);   /* inventory_services.c: wg interfaces and peers */
int inv_firewall(struct inv_ctx *ctx, json_t **ret);    /* inventory_services.c: nftables ruleset present/empty */
int inv_upgrades(struct inv_ctx *ctx, json_t **ret);    /* inventory_software.c: available upgrades (apt lists) */
int inv_reboot(struct inv_ctx *ctx, json_t **ret);      /* inventory_software.c: reboot and restart needs */

#endif
