/*
 * inventory_services.c: three small sections about what the machine runs: services
 * (enabled systemd units, and failed ones on a live machine), wireguard (interfaces and
 * peers from `wg show all dump`) and firewall (nftables installed, ruleset, rule count).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "inventory/inventory.h"
#include "inventory/inventory_netparse.h"

#define INV_UNITS_MAX 10000   /* unit names, enabled or failed */
#define INV_UNIT_NAME_MAX 255 /* systemd's own limit (UNIT_NAME_MAX - 1) */
#define INV_WG_IFACE_MAX 256
#define INV_WG_PEER_MAX 100000			   /* peers, all interfaces together */
#define INV_WG_ALLOWED_MAX 4096			   /* allowed-ips of one peer */
#define INV_WG_TEXT_MAX 64			   /* an endpoint or one allowed-ip */
#define INV_WG_HANDSHAKE_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */
#define INV_NFT_DEPTH_MAX 64			   /* brace nesting followed in a ruleset */
#define INV_TOOL_OUTPUT_MAX (32 * 1024 * 1024)	   /* stdout kept from systemctl, wg, nft */
#define INV_TOOL_TIMEOUT_MS 15000

#define SYSTEMCTL_PATH "/usr/bin/systemctl"
#define WG_PATH "/usr/bin/wg"

static int append(json_t *arr, json_t *v)
{
	if (!v)
		return -ENOMEM;
	return json_array_append_new(arr, v) < 0 ? -ENOMEM : 0;
}

static void stats_reset(struct inv_parse_stats *stats)
{
	if (stats)
		*stats = (struct inv_parse_stats){0};
}

static void stats_drop(struct inv_parse_stats *stats)
{
	if (stats)
		stats->dropped++;
}

static void warn_stats(struct inv_ctx *ctx, const char *sec, const char *what, const struct inv_parse_stats *st,
		       int limit)
{
	if (st->bad)
		inv_warn(ctx, sec, "%s: %zu malformed line%s skipped (the first is line %zu)", what, st->bad,
			 st->bad == 1 ? "" : "s", st->first_bad);
	if (st->dropped)
		inv_warn(ctx, sec, "%s: %zu entr%s left out beyond the limit of %d", what, st->dropped,
			 st->dropped == 1 ? "y" : "ies", limit);
}

/* ------------------------------------------------------------------ wg show all dump */

/* A WireGuard key as wg prints it: 32 bytes of base64, 44 characters ending in '='. */
static bool wg_key_ok(struct inv_span f)
{
	if (f.len != 44 || f.s[43] != '=')
		return false;
	for (size_t i = 0; i < 43; i++) {
		char c = f.s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
		      c == '/'))
			return false;
	}
	return true;
}

/* "10.0.0.0/24", "fd00::/64" (or a bare address). */
static bool wg_allowed_ok(struct inv_span f)
{
	char buf[INV_WG_TEXT_MAX];
	unsigned char addr[sizeof(struct in6_addr)];
	int64_t plen;
	if (!inv_span_cstr(f, buf, sizeof(buf)))
		return false;
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	int family = inet_pton(AF_INET, buf, addr) == 1 ? AF_INET : inet_pton(AF_INET6, buf, addr) == 1 ? AF_INET6 : 0;
	if (!family)
		return false;
	return !slash || parse_int64(slash + 1, 0, family == AF_INET ? 32 : 128, &plen) == 0;
}

static json_t *wg_key(struct inv_span f)
{
	return inv_span_eq(f, "(none)") ? json_null() : json_stringn(f.s, f.len);
}

/* 1 when the peer was added, 0 when its line was bad, -ENOMEM. */
static int wg_peer(json_t *ifaces, const struct inv_span *f, struct inv_parse_stats *stats, size_t lineno)
{
	json_t *iface = NULL, *e, *allowed;
	size_t i;
	int64_t hs, rx, tx;
	json_array_foreach(ifaces, i, e)
	{
		const char *name = json_string_value(json_object_get(e, "name"));
		if (name && strlen(name) == f[0].len && memcmp(name, f[0].s, f[0].len) == 0)
			iface = e;
	}
	/* f[2], the preshared key, is never looked at. */
	if (!iface || !wg_key_ok(f[1]) || !inv_span_int(f[5], 0, INV_WG_HANDSHAKE_MAX, &hs) ||
	    !inv_span_int(f[6], 0, INT64_MAX, &rx) || !inv_span_int(f[7], 0, INT64_MAX, &tx) ||
	    !(inv_span_eq(f[3], "(none)") || inv_span_name(f[3], INV_WG_TEXT_MAX))) {
		inv_stats_bad(stats, lineno);
		return 0;
	}
	if (!(allowed = json_array()))
		return -ENOMEM;
	if (!inv_span_eq(f[4], "(none)")) {
		struct inv_span ips[INV_WG_ALLOWED_MAX + 1];
		size_t n = inv_split(f[4], ",", ips, INV_WG_ALLOWED_MAX);
		if (n > INV_WG_ALLOWED_MAX) {
			stats_drop(stats);
			n = INV_WG_ALLOWED_MAX;
		}
		bool bad = false;
		for (size_t k = 0; k < n; k++) {
			if (!wg_allowed_ok(ips[k])) {
				bad = true; /* the line counts once */
				continue;
			}
			if (append(allowed, json_stringn(ips[k].s, ips[k].len)) < 0) {
				json_decref(allowed);
				return -ENOMEM;
			}
		}
		if (bad)
			inv_stats_bad(stats, lineno);
	}
	char when[TIME_ISO_LEN];
	time_iso(hs, when);
	json_t *peer = json_pack("{s:o, s:o, s:o, s:o, s:I, s:I}", "public_key", wg_key(f[1]), "endpoint",
				 inv_span_eq(f[3], "(none)") ? json_null() : inv_stringn(f[3].s, f[3].len),
				 "allowed_ips", allowed, "latest_handshake", hs ? json_string(when) : json_null(),
				 "rx_bytes", (json_int_t)rx, "tx_bytes", (json_int_t)tx);
	int r = append(json_object_get(iface, "peers"), peer);
	return r < 0 ? r : 1;
}

int inv_netparse_wg_dump(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret)
{
	struct inv_lines it;
	struct inv_span line, f[10];
	json_t *ifaces = json_array(), *out;
	size_t peers = 0;
	int r = ifaces ? 0 : -ENOMEM;
	stats_reset(stats);
	inv_lines_init(&it, text, len);
	while (r == 0 && inv_lines_next(&it, &line)) {
		size_t n = inv_split(line, "\t", f, 10);
		if (n == 0)
			continue;
		if (n == 5) {
			int64_t port;
			/* f[1], the private key, is never looked at. */
			if (!inv_span_name(f[0], 15) || !(wg_key_ok(f[2]) || inv_span_eq(f[2], "(none)")) ||
			    !inv_span_int(f[3], 0, 65535, &port)) {
				inv_stats_bad(stats, it.lineno);
			} else if (json_array_size(ifaces) >= INV_WG_IFACE_MAX) {
				stats_drop(stats);
			} else {
				r = append(ifaces,
					   json_pack("{s:o, s:o, s:i, s:[]}", "name", inv_stringn(f[0].s, f[0].len),
						     "public_key", wg_key(f[2]), "listen_port", (int)port, "peers"));
			}
		} else if (n == 9) {
			if (peers >= INV_WG_PEER_MAX) {
				stats_drop(stats);
				continue;
			}
			r = wg_peer(ifaces, f, stats, it.lineno);
			if (r > 0) {
				peers++;
				r = 0;
			}
		} else {
			inv_stats_bad(stats, it.lineno);
		}
	}
	if (r == 0 && !(out = json_pack("{s:O}", "interfaces", ifaces)))
		r = -ENOMEM;
	json_decref(ifaces);
	if (r < 0)
		return r;
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ nft list ruleset */

static struct inv_span trim(struct inv_span f)
{
	while (f.len > 0 && (f.s[0] == ' ' || f.s[0] == '\t'))
		f.s++, f.len--;
	while (f.len > 0 && (f.s[f.len - 1] == ' ' || f.s[f.len - 1] == '\t'))
		f.len--;
	return f;
}

static bool starts_word(struct inv_span f, const char *word)
{
	size_t n = strlen(word);
	return f.len >= n && memcmp(f.s, word, n) == 0 && (f.len == n || f.s[n] == ' ' || f.s[n] == '\t');
}

int inv_netparse_nft(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret)
{
	static const char *const chain_props[] = {"type", "policy", "comment", "devices", "device", "priority", NULL};
	struct inv_lines it;
	struct inv_span line;
	int depth = 0, chain_depth = -1;
	size_t tables = 0, rules = 0;
	stats_reset(stats);
	inv_lines_init(&it, text, len);
	while (inv_lines_next(&it, &line)) {
		struct inv_span t = trim(line);
		if (t.len == 0 || t.s[0] == '#')
			continue;
		int start = depth;
		bool opens_chain = false;
		if (start == 0) {
			if (starts_word(t, "table"))
				tables++;
			else if (!(t.len == 1 && t.s[0] == '}'))
				inv_stats_bad(stats, it.lineno);
		} else if (chain_depth < 0 && starts_word(t, "chain")) {
			opens_chain = true;
		} else if (chain_depth >= 0 && start == chain_depth && !(t.len >= 1 && t.s[0] == '}')) {
			bool prop = false;
			for (size_t k = 0; chain_props[k]; k++)
				prop = prop || starts_word(t, chain_props[k]);
			rules += !prop;
		}
		bool quoted = false;
		for (size_t i = 0; i < t.len; i++) {
			char c = t.s[i];
			if (c == '"')
				quoted = !quoted;
			else if (quoted)
				continue;
			else if (c == '{' && depth < INV_NFT_DEPTH_MAX)
				depth++;
			else if (c == '}' && depth > 0)
				depth--;
		}
		if (opens_chain && depth > start)
			chain_depth = depth;
		if (chain_depth >= 0 && depth < chain_depth)
			chain_depth = -1;
	}
	json_t *out = json_pack("{s:s, s:I}", "ruleset", tables ? "present" : "empty", "rules", (json_int_t)rules);
	if (!out)
		return -ENOMEM;
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ systemctl list-units */

int inv_netparse_unit_list(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret)
{
	struct inv_lines it;
	struct inv_span line, f[3];
	json_t *out = json_array();
	stats_reset(stats);
	if (!out)
		return -ENOMEM;
	inv_lines_init(&it, text, len);
	while (inv_lines_next(&it, &line)) {
		size_t n = inv_split(line, " \t", f, 2), k = 0;
		if (n == 0)
			continue;
		if (inv_span_eq(f[0], "\xe2\x97\x8f") || inv_span_eq(f[0], "*"))
			k = 1; /* the failed-unit marker older systemd prints despite --plain */
		if (k >= n || k >= 2 || !inv_span_name(f[k], INV_UNIT_NAME_MAX)) {
			inv_stats_bad(stats, it.lineno);
			continue;
		}
		if (json_array_size(out) >= INV_UNITS_MAX) {
			stats_drop(stats);
			continue;
		}
		if (append(out, inv_stringn(f[k].s, f[k].len)) < 0) {
			json_decref(out);
			return -ENOMEM;
		}
	}
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ services */

static int open_dir_at(int parent, const char *path, DIR **ret)
{
	int fd = openat(parent, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = -errno;
		close(fd);
		return r;
	}
	*ret = d;
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && memcmp(s + n - m, suffix, m) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The symlinks in one *.wants or *.requires directory. */
static int wants_dir(struct inv_ctx *ctx, DIR *sys, const char *name, char ***units, size_t *n, size_t *dropped)
{
	DIR *d;
	struct dirent *de;
	int r = open_dir_at(dirfd(sys), name, &d);
	if (r < 0) {
		if (r != -ENOTDIR && r != -ENOENT)
			inv_warn(ctx, "services", "cannot list 'etc/systemd/system/%s': %s", name, strerror(-r));
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' ||
		    !inv_span_name((struct inv_span){de->d_name, strlen(de->d_name)}, INV_UNIT_NAME_MAX))
			continue;
		if (de->d_type != DT_LNK &&
		    (de->d_type != DT_UNKNOWN || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		     !S_ISLNK(st.st_mode)))
			continue;
		if (*n == INV_UNITS_MAX) {
			(*dropped)++;
			continue;
		}
		if (!((*units)[*n] = strdup(de->d_name))) {
			closedir(d);
			return -ENOMEM;
		}
		(*n)++;
	}
	closedir(d);
	return 0;
}

static int enabled_units(struct inv_ctx *ctx, json_t **ret)
{
	char path[4096];
	char **units = NULL;
	size_t n = 0, dropped = 0;
	DIR *sys = NULL;
	struct dirent *de;
	json_t *out = NULL;
	int r = inv_path(ctx, "etc/systemd/system", path, sizeof(path));
	if (r < 0)
		return r;
	if ((r = open_dir_at(AT_FDCWD, path, &sys)) < 0) {
		if (r == -ENOENT) { /* no systemd here */
			*ret = json_array();
			return *ret ? 0 : -ENOMEM;
		}
		return err_set(r, "cannot list '%s': %s", path, strerror(-r));
	}
	units = calloc(INV_UNITS_MAX, sizeof(*units));
	if (!units) {
		r = -ENOMEM;
		goto out;
	}
	while ((de = readdir(sys)) && r == 0)
		if (de->d_name[0] != '.' && (ends_with(de->d_name, ".wants") || ends_with(de->d_name, ".requires")))
			r = wants_dir(ctx, sys, de->d_name, &units, &n, &dropped);
	if (r < 0)
		goto out;
	if (dropped)
		inv_warn(ctx, "services", "%zu enabled units left out beyond the limit of %d", dropped, INV_UNITS_MAX);
	qsort(units, n, sizeof(*units), cmp_str);
	if (!(out = json_array())) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		if (i == 0 || strcmp(units[i], units[i - 1]) != 0)
			r = append(out, inv_string(units[i]));
	if (r == 0) {
		*ret = out;
		out = NULL;
	}
out:
	json_decref(out);
	for (size_t i = 0; units && i < n; i++)
		free(units[i]);
	free(units);
	closedir(sys);
	return r;
}

static json_t *failed_units(struct inv_ctx *ctx)
{
	char *argv[] = {SYSTEMCTL_PATH, "list-units", "--state=failed", "--plain", "--no-legend", "--no-pager", NULL};
	char *text = NULL;
	json_t *list = NULL;
	struct inv_parse_stats st;
	if (!ctx->live || access(SYSTEMCTL_PATH, X_OK) < 0)
		return json_null();
	int r = inv_run(ctx, argv, INV_TOOL_OUTPUT_MAX, INV_TOOL_TIMEOUT_MS, &text);
	if (r < 0) {
		inv_warn(ctx, "services", "failed units unknown: %s", err_msg(r));
		return json_null();
	}
	r = inv_netparse_unit_list(text, strlen(text), &st, &list);
	free(text);
	if (r < 0)
		return json_null();
	warn_stats(ctx, "services", "systemctl list-units", &st, INV_UNITS_MAX);
	return list;
}

int inv_services(struct inv_ctx *ctx, json_t **ret)
{
	json_t *enabled = NULL;
	int r = enabled_units(ctx, &enabled);
	if (r < 0) {
		inv_warn(ctx, "services", "%s", err_msg(r));
		if (r == -ENOMEM)
			return r;
		enabled = json_null();
	}
	json_t *out = json_pack("{s:o, s:o}", "enabled", enabled, "failed", failed_units(ctx));
	if (!out)
		return -ENOMEM;
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ wireguard */

int inv_wireguard(struct inv_ctx *ctx, json_t **ret)
{
	char *argv[] = {WG_PATH, "show", "all", "dump", NULL};
	char *text = NULL;
	struct inv_parse_stats st;
	json_t *out = NULL;
	if (!ctx->live || access(WG_PATH, X_OK) < 0) {
		*ret = json_null();
		return 0;
	}
	int r = inv_run(ctx, argv, INV_TOOL_OUTPUT_MAX, INV_TOOL_TIMEOUT_MS, &text);
	if (r < 0) {
		inv_warn(ctx, "wireguard", "%s", err_msg(r));
		return r;
	}
	size_t len = strlen(text);
	r = inv_netparse_wg_dump(text, len, &st, &out);
	explicit_bzero(text, len); /* it held the private keys */
	free(text);
	if (r < 0) {
		inv_warn(ctx, "wireguard", "cannot read 'wg show all dump': %s", err_msg(r));
		return r;
	}
	warn_stats(ctx, "wireguard", "'wg show all dump'", &st, INV_WG_PEER_MAX);
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ firewall */

static bool file_exists(struct inv_ctx *ctx, const char *rel)
{
	char path[4096];
	struct stat st;
	return inv_path(ctx, rel, path, sizeof(path)) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int inv_firewall(struct inv_ctx *ctx, json_t **ret)
{
	static const char *const nft_paths[] = {"/usr/sbin/nft", "/sbin/nft", NULL};
	const char *nft = NULL;
	json_t *ruleset = json_null(), *rules = json_null();
	for (size_t i = 0; !nft && nft_paths[i]; i++)
		if (file_exists(ctx, nft_paths[i]))
			nft = nft_paths[i];
	if (nft && ctx->live) {
		char *argv[] = {(char *)nft, "list", "ruleset", NULL};
		char *text = NULL;
		json_t *parsed = NULL;
		struct inv_parse_stats st;
		int r = inv_run(ctx, argv, INV_TOOL_OUTPUT_MAX, INV_TOOL_TIMEOUT_MS, &text);
		if (r < 0) {
			inv_warn(ctx, "firewall", "ruleset unknown: %s", err_msg(r));
		} else {
			size_t len = strlen(text);
			if (len >= INV_TOOL_OUTPUT_MAX)
				inv_warn(ctx, "firewall",
					 "'nft list ruleset' printed more than %d bytes; rules past that "
					 "are not counted",
					 INV_TOOL_OUTPUT_MAX);
			r = inv_netparse_nft(text, len, &st, &parsed);
			free(text);
			if (r == 0) {
				warn_stats(ctx, "firewall", "'nft list ruleset'", &st, 0);
				json_decref(ruleset);
				json_decref(rules);
				ruleset = json_incref(json_object_get(parsed, "ruleset"));
				rules = json_incref(json_object_get(parsed, "rules"));
				json_decref(parsed);
			}
		}
	}
	json_t *out = json_pack("{s:{s:b, s:o, s:o}, s:b}", "nftables", "installed", nft != NULL, "ruleset", ruleset,
				"rules", rules, "config_file", file_exists(ctx, "etc/nftables.conf"));
	if (!out)
		return -ENOMEM;
	*ret = out;
	return 0;
}
