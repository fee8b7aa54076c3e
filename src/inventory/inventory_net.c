/*
 * inventory_net.c: the network section: interfaces with their MAC, MTU, state, VLAN and
 * addresses, the default routes and the DNS resolver, read from sys/class/net, proc/net
 * and etc/resolv.conf below the root (and getifaddrs() for IPv4 on a live machine).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "inventory/inventory.h"
#include "inventory/inventory_netparse.h"

#define INV_NET_FILE_MAX (16 * 1024 * 1024) /* proc/net/route, fib_trie, ipv6_route, if_inet6 */
#define INV_NET_SMALL_MAX 4096		    /* one sys/class/net attribute */
#define INV_NET_IFACE_MAX 1024		    /* interfaces reported */
#define INV_NET_ADDR_MAX 1024		    /* addresses in one file, and on one interface */
#define INV_NET_ROUTE_MAX 65536		    /* routes read from one table */
#define INV_NET_SUBNET_MAX 16384	    /* connected subnets kept from fib_trie */
#define INV_NET_VLAN_MAX 4096
#define INV_RESOLV_FILE_MAX (1024 * 1024)
#define INV_RESOLV_LINE_MAX 4096
#define INV_RESOLV_NS_MAX 32
#define INV_RESOLV_SEARCH_MAX 64
#define INV_DOMAIN_MAX 253
#define INV_IFNAME_MAX 15 /* IFNAMSIZ - 1 */

#define RTF_UP_FLAG 0x0001
#define RTF_GATEWAY_FLAG 0x0002
#define RTF_REJECT_FLAG 0x0200

static const char section[] = "network";

static int append(json_t *arr, json_t *v)
{
	if (!v)
		return -ENOMEM;
	return json_array_append_new(arr, v) < 0 ? -ENOMEM : 0;
}

static void format_ipv4(uint32_t host, char out[INET_ADDRSTRLEN])
{
	snprintf(out, INET_ADDRSTRLEN, "%u.%u.%u.%u", host >> 24, (host >> 16) & 0xff, (host >> 8) & 0xff, host & 0xff);
}

/* 32 hex digits in byte order (%pi6, as in if_inet6 and ipv6_route) into text. */
static bool parse_ipv6_hex(struct inv_span f, char out[INET6_ADDRSTRLEN])
{
	struct in6_addr a;
	uint64_t v;
	if (f.len != 32)
		return false;
	for (size_t i = 0; i < 16; i++) {
		struct inv_span byte = {f.s + 2 * i, 2};
		if (!inv_span_hex(byte, &v))
			return false;
		a.s6_addr[i] = (uint8_t)v;
	}
	return inet_ntop(AF_INET6, &a, out, INET6_ADDRSTRLEN) != NULL;
}

/* 8 hex digits of a native (little-endian) u32 holding network-order bytes → host order. */
static bool parse_ipv4_le(struct inv_span f, uint32_t *ret)
{
	uint64_t v;
	if (f.len != 8 || !inv_span_hex(f, &v))
		return false;
	*ret = __builtin_bswap32((uint32_t)v);
	return true;
}

static int mask_prefix(uint32_t mask)
{
	uint32_t inv = ~mask;
	if ((inv & (inv + 1)) != 0)
		return -1; /* not contiguous */
	return __builtin_popcount(mask);
}

static uint32_t prefix_mask(int len)
{
	return len <= 0 ? 0 : len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len);
}

static struct inv_span span_trim(struct inv_span f)
{
	while (f.len > 0 && (f.s[0] == ' ' || f.s[0] == '\t'))
		f.s++, f.len--;
	while (f.len > 0 && (f.s[f.len - 1] == ' ' || f.s[f.len - 1] == '\t'))
		f.len--;
	return f;
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

/* ------------------------------------------------------------------ resolv.conf */

static bool domain_ok(struct inv_span f)
{
	if (f.len == 0 || f.len > INV_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < f.len; i++) {
		char c = f.s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '.' || c == '_'))
			return false;
	}
	return true;
}

static bool nameserver_ok(struct inv_span f)
{
	char buf[INET6_ADDRSTRLEN + 1 + INV_IFNAME_MAX + 1];
	unsigned char addr[sizeof(struct in6_addr)];
	if (!inv_span_cstr(f, buf, sizeof(buf)))
		return false;
	if (inet_pton(AF_INET, buf, addr) == 1)
		return true;
	char *pct = strchr(buf, '%');
	if (pct) {
		struct inv_span scope = {pct + 1, strlen(pct + 1)};
		if (!inv_span_name(scope, INV_IFNAME_MAX))
			return false;
		*pct = '\0';
	}
	return inet_pton(AF_INET6, buf, addr) == 1;
}

int inv_netparse_resolv(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret)
{
	struct inv_lines it;
	struct inv_span line, f[INV_RESOLV_SEARCH_MAX + 2];
	json_t *ns = json_array(), *search = json_array(), *out = NULL;
	int r = -ENOMEM;
	stats_reset(stats);
	if (!ns || !search)
		goto out;
	inv_lines_init(&it, text, len);
	while (inv_lines_next(&it, &line)) {
		if (line.len > INV_RESOLV_LINE_MAX) {
			inv_stats_bad(stats, it.lineno);
			continue;
		}
		size_t n = inv_split(line, " \t", f, INV_RESOLV_SEARCH_MAX + 2);
		if (n == 0 || f[0].s[0] == '#' || f[0].s[0] == ';')
			continue;
		if (inv_span_eq(f[0], "nameserver")) {
			if (n < 2 || !nameserver_ok(f[1])) {
				inv_stats_bad(stats, it.lineno);
			} else if (json_array_size(ns) >= INV_RESOLV_NS_MAX) {
				stats_drop(stats);
			} else if (append(ns, inv_stringn(f[1].s, f[1].len)) < 0) {
				goto out;
			}
		} else if (inv_span_eq(f[0], "search") || inv_span_eq(f[0], "domain")) {
			size_t last = inv_span_eq(f[0], "domain") ? 2 : n;
			if (n > INV_RESOLV_SEARCH_MAX + 1) {
				stats_drop(stats);
				n = INV_RESOLV_SEARCH_MAX + 1;
			}
			if (last > n)
				last = n;
			json_t *list = json_array();
			bool bad = n < 2;
			if (!list)
				goto out;
			for (size_t i = 1; i < last; i++) {
				if (!domain_ok(f[i])) {
					bad = true;
					continue;
				}
				if (append(list, json_stringn(f[i].s, f[i].len)) < 0) {
					json_decref(list);
					goto out;
				}
			}
			if (bad)
				inv_stats_bad(stats, it.lineno);
			if (bad && json_array_size(list) == 0) {
				json_decref(list);
				continue;
			}
			json_decref(search);
			search = list;
		}
	}
	out = json_pack("{s:O, s:O}", "nameservers", ns, "search", search);
	if (out) {
		*ret = out;
		r = 0;
	}
out:
	json_decref(ns);
	json_decref(search);
	return r;
}

/* ------------------------------------------------------------------ proc/net/route */

struct route4 {
	char iface[INV_IFNAME_MAX + 1];
	uint32_t dest, gateway, mask; /* host order */
	int prefix_len;
	unsigned flags;
};

struct route4_cols {
	size_t iface, dest, gateway, flags, mask, count;
};

static bool route4_header(struct inv_span line, struct route4_cols *c)
{
	struct inv_span f[32];
	size_t n = inv_split(line, " \t", f, 32);
	size_t *slot[] = {&c->iface, &c->dest, &c->gateway, &c->flags, &c->mask};
	const char *names[] = {"Iface", "Destination", "Gateway", "Flags", "Mask"};
	if (n == 0 || n > 32)
		return false;
	c->count = 0;
	for (size_t k = 0; k < 5; k++) {
		*slot[k] = SIZE_MAX;
		for (size_t i = 0; i < n; i++)
			if (inv_span_eq(f[i], names[k]))
				*slot[k] = i;
		if (*slot[k] == SIZE_MAX)
			return false;
		if (*slot[k] + 1 > c->count)
			c->count = *slot[k] + 1;
	}
	return true;
}

static int route4_parse(const char *text, size_t len, struct inv_parse_stats *stats, struct route4 **ret, size_t *ret_n)
{
	struct inv_lines it;
	struct inv_span line, f[32];
	struct route4_cols c;
	struct route4 *v = NULL;
	size_t n = 0, cap = 0;
	stats_reset(stats);
	inv_lines_init(&it, text, len);
	if (!inv_lines_next(&it, &line) || !route4_header(line, &c))
		return err_set(-EINVAL, "unexpected header: not a route table");
	while (inv_lines_next(&it, &line)) {
		size_t nf = inv_split(line, " \t", f, 32);
		if (nf == 0)
			continue;
		struct route4 rt;
		uint64_t flags;
		if (nf < c.count || nf > 32 || !inv_span_name(f[c.iface], INV_IFNAME_MAX) ||
		    !parse_ipv4_le(f[c.dest], &rt.dest) || !parse_ipv4_le(f[c.gateway], &rt.gateway) ||
		    !parse_ipv4_le(f[c.mask], &rt.mask) || f[c.flags].len > 8 || !inv_span_hex(f[c.flags], &flags) ||
		    (rt.prefix_len = mask_prefix(rt.mask)) < 0) {
			inv_stats_bad(stats, it.lineno);
			continue;
		}
		if (n == INV_NET_ROUTE_MAX) {
			stats_drop(stats);
			continue;
		}
		inv_span_cstr(f[c.iface], rt.iface, sizeof(rt.iface));
		rt.flags = (unsigned)flags;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct route4 *nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = rt;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int inv_netparse_route(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret)
{
	struct route4 *v = NULL;
	size_t n = 0;
	int r = route4_parse(text, len, stats, &v, &n);
	if (r < 0)
		return r;
	json_t *out = json_array();
	r = out ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		char dest[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
		format_ipv4(v[i].dest, dest);
		format_ipv4(v[i].gateway, gw);
		r = append(out, json_pack("{s:o, s:s, s:i, s:o, s:i}", "interface", inv_string(v[i].iface),
					  "destination", dest, "prefix_len", v[i].prefix_len, "gateway",
					  v[i].gateway ? json_string(gw) : json_null(), "flags", (int)v[i].flags));
	}
	free(v);
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ proc/net/ipv6_route */

int inv_netparse_ipv6_route(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret)
{
	struct inv_lines it;
	struct inv_span line, f[10];
	json_t *out = json_array();
	stats_reset(stats);
	if (!out)
		return -ENOMEM;
	inv_lines_init(&it, text, len);
	while (inv_lines_next(&it, &line)) {
		char dest[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
		uint64_t plen, splen, flags, metric;
		size_t nf = inv_split(line, " \t", f, 10);
		if (nf == 0)
			continue;
		if (nf != 10 || !parse_ipv6_hex(f[0], dest) || f[1].len != 2 || !inv_span_hex(f[1], &plen) ||
		    plen > 128 || !parse_ipv6_hex(f[2], src) || f[3].len != 2 || !inv_span_hex(f[3], &splen) ||
		    splen > 128 || !parse_ipv6_hex(f[4], gw) || f[5].len != 8 || !inv_span_hex(f[5], &metric) ||
		    f[8].len != 8 || !inv_span_hex(f[8], &flags) || !inv_span_name(f[9], INV_IFNAME_MAX)) {
			inv_stats_bad(stats, it.lineno);
			continue;
		}
		if (json_array_size(out) >= INV_NET_ROUTE_MAX) {
			stats_drop(stats);
			continue;
		}
		if (append(out, json_pack("{s:o, s:s, s:i, s:o, s:i}", "interface", inv_stringn(f[9].s, f[9].len),
					  "destination", dest, "prefix_len", (int)plen, "gateway",
					  strcmp(gw, "::") ? json_string(gw) : json_null(), "flags", (int)flags)) < 0) {
			json_decref(out);
			return -ENOMEM;
		}
	}
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ proc/net/if_inet6 */

static const char *scope_name(uint64_t scope)
{
	switch (scope & 0xf0) {
	case 0x00: return "global";
	case 0x10: return "host";
	case 0x20: return "link";
	case 0x40: return "site";
	default: return "other";
	}
}

int inv_netparse_if_inet6(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret)
{
	struct inv_lines it;
	struct inv_span line, f[6];
	json_t *out = json_array();
	stats_reset(stats);
	if (!out)
		return -ENOMEM;
	inv_lines_init(&it, text, len);
	while (inv_lines_next(&it, &line)) {
		char addr[INET6_ADDRSTRLEN];
		uint64_t index, plen, scope, flags;
		size_t nf = inv_split(line, " \t", f, 6);
		if (nf == 0)
			continue;
		if (nf != 6 || !parse_ipv6_hex(f[0], addr) || f[1].len > 8 || !inv_span_hex(f[1], &index) ||
		    f[2].len > 2 || !inv_span_hex(f[2], &plen) || plen > 128 || f[3].len > 2 ||
		    !inv_span_hex(f[3], &scope) || f[4].len > 2 || !inv_span_hex(f[4], &flags) ||
		    !inv_span_name(f[5], INV_IFNAME_MAX)) {
			inv_stats_bad(stats, it.lineno);
			continue;
		}
		if (json_array_size(out) >= INV_NET_ADDR_MAX) {
			stats_drop(stats);
			continue;
		}
		if (append(out, json_pack("{s:o, s:s, s:i, s:s}", "interface", inv_stringn(f[5].s, f[5].len), "address",
					  addr, "prefix_len", (int)plen, "scope", scope_name(scope))) < 0) {
			json_decref(out);
			return -ENOMEM;
		}
	}
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ proc/net/vlan/config */

int inv_netparse_vlan(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret)
{
	struct inv_lines it;
	struct inv_span line, f[4];
	json_t *out;
	stats_reset(stats);
	inv_lines_init(&it, text, len);
	if (!inv_lines_next(&it, &line) || line.len < 13 || memcmp(line.s, "VLAN Dev name", 13) != 0)
		return err_set(-EINVAL, "unexpected header: not a VLAN table");
	if (!(out = json_array()))
		return -ENOMEM;
	while (inv_lines_next(&it, &line)) {
		int64_t vid;
		if (line.len >= 10 && memcmp(line.s, "Name-Type:", 10) == 0)
			continue;
		size_t nf = inv_split(line, "|", f, 4);
		if (nf == 0 || (nf == 1 && span_trim(f[0]).len == 0))
			continue;
		if (nf != 3 || !inv_span_name(span_trim(f[0]), INV_IFNAME_MAX) ||
		    !inv_span_int(span_trim(f[1]), 0, 4095, &vid) || !inv_span_name(span_trim(f[2]), INV_IFNAME_MAX)) {
			inv_stats_bad(stats, it.lineno);
			continue;
		}
		if (json_array_size(out) >= INV_NET_VLAN_MAX) {
			stats_drop(stats);
			continue;
		}
		struct inv_span name = span_trim(f[0]), parent = span_trim(f[2]);
		if (append(out, json_pack("{s:o, s:i, s:o}", "name", inv_stringn(name.s, name.len), "vlan_id", (int)vid,
					  "parent", inv_stringn(parent.s, parent.len))) < 0) {
			json_decref(out);
			return -ENOMEM;
		}
	}
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ proc/net/fib_trie */

struct fib_addr {
	uint32_t addr;	/* host order */
	int prefix_len; /* -1 when no connected subnet covers it */
};

struct fib_subnet {
	uint32_t net;
	int len;
};

static bool parse_dotted(struct inv_span f, uint32_t *ret)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;
	if (!inv_span_cstr(f, buf, sizeof(buf)) || inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*ret = ntohl(a.s_addr);
	return true;
}

static int fib_parse(const char *text, size_t len, struct inv_parse_stats *stats, struct fib_addr **ret, size_t *ret_n)
{
	struct inv_lines it;
	struct inv_span line, f[5];
	struct fib_addr *addrs = NULL;
	struct fib_subnet *subnets = NULL;
	size_t naddr = 0, nsub = 0, capsub = 0;
	bool have_leaf = false;
	uint32_t leaf = 0;
	int r = 0;
	stats_reset(stats);
	addrs = malloc(INV_NET_ADDR_MAX * sizeof(*addrs));
	if (!addrs)
		return -ENOMEM;
	inv_lines_init(&it, text, len);
	while (inv_lines_next(&it, &line)) {
		size_t nf = inv_split(line, " \t", f, 5);
		if (nf == 0)
			continue;
		if (line.s[0] != ' ' && f[0].s[f[0].len - 1] == ':' && nf == 1) {
			have_leaf = false; /* "Main:", "Local:", a table's name */
			continue;
		}
		if (inv_span_eq(f[0], "+--")) {
			have_leaf = false;
			continue;
		}
		if (inv_span_eq(f[0], "|--")) {
			have_leaf = nf == 2 && parse_dotted(f[1], &leaf);
			if (!have_leaf)
				inv_stats_bad(stats, it.lineno);
			continue;
		}
		int64_t plen;
		if (f[0].s[0] != '/' || !have_leaf || nf < 3 || nf > 4 ||
		    !inv_span_int((struct inv_span){f[0].s + 1, f[0].len - 1}, 0, 32, &plen)) {
			inv_stats_bad(stats, it.lineno);
			continue;
		}
		bool local = inv_span_eq(f[2], "LOCAL"),
		     connected = inv_span_eq(f[1], "link") && inv_span_eq(f[2], "UNICAST");
		if (local && plen == 32 && inv_span_eq(f[1], "host")) {
			size_t i = 0;
			while (i < naddr && addrs[i].addr != leaf)
				i++;
			if (i < naddr)
				continue;
			if (naddr == INV_NET_ADDR_MAX) {
				stats_drop(stats);
				continue;
			}
			addrs[naddr++] = (struct fib_addr){leaf, -1};
		} else if ((local && plen < 32) || connected) {
			if (nsub == INV_NET_SUBNET_MAX) {
				stats_drop(stats);
				continue;
			}
			if (nsub == capsub) {
				size_t ncap = capsub ? capsub * 2 : 16;
				struct fib_subnet *ns = realloc(subnets, ncap * sizeof(*ns));
				if (!ns) {
					r = -ENOMEM;
					goto out;
				}
				subnets = ns;
				capsub = ncap;
			}
			subnets[nsub++] = (struct fib_subnet){leaf & prefix_mask((int)plen), (int)plen};
		}
	}
	for (size_t i = 0; i < naddr; i++)
		for (size_t k = 0; k < nsub; k++)
			if (subnets[k].len > addrs[i].prefix_len && subnets[k].len < 32 &&
			    (addrs[i].addr & prefix_mask(subnets[k].len)) == subnets[k].net)
				addrs[i].prefix_len = subnets[k].len;
	*ret = addrs;
	*ret_n = naddr;
	addrs = NULL;
out:
	free(addrs);
	free(subnets);
	return r;
}

int inv_netparse_fib_trie(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret)
{
	struct fib_addr *v = NULL;
	size_t n = 0;
	int r = fib_parse(text, len, stats, &v, &n);
	if (r < 0)
		return r;
	json_t *out = json_array();
	r = out ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		char a[INET_ADDRSTRLEN];
		format_ipv4(v[i].addr, a);
		r = append(out, json_pack("{s:s, s:o}", "address", a, "prefix_len",
					  v[i].prefix_len < 0 ? json_null() : json_integer(v[i].prefix_len)));
	}
	free(v);
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ the collector */

struct iface {
	char name[INV_IFNAME_MAX + 1];
	json_t *obj;	/* the interface's JSON object */
	json_t *addrs;	/* its "addresses" array, borrowed from obj */
	size_t dropped; /* addresses left out at INV_NET_ADDR_MAX */
};

static void warn_stats(struct inv_ctx *ctx, const char *rel, const struct inv_parse_stats *st, int limit)
{
	if (st->bad)
		inv_warn(ctx, section, "'%s': %zu malformed line%s skipped (the first is line %zu)", rel, st->bad,
			 st->bad == 1 ? "" : "s", st->first_bad);
	if (st->dropped)
		inv_warn(ctx, section, "'%s': %zu entr%s left out beyond the limit of %d", rel, st->dropped,
			 st->dropped == 1 ? "y" : "ies", limit);
}

/* Reads rel; a missing file is silent when quiet (an optional kernel feature). */
static int read_rel(struct inv_ctx *ctx, const char *rel, size_t max, bool quiet, char **text, size_t *len)
{
	int r = inv_read(ctx, rel, max, text, len);
	if (r < 0 && !(quiet && r == -ENOENT))
		inv_warn(ctx, section, "%s", err_msg(r));
	return r;
}

static int cmp_iface(const void *a, const void *b)
{
	return strcmp(((const struct iface *)a)->name, ((const struct iface *)b)->name);
}

static struct iface *find_iface(struct iface *v, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(v[i].name) == len && memcmp(v[i].name, name, len) == 0)
			return &v[i];
	return NULL;
}

/* One line of sys/class/net/NAME/ATTR, trimmed, or NULL. */
static char *read_attr(struct inv_ctx *ctx, const char *name, const char *attr)
{
	char rel[128], *text = NULL;
	size_t len;
	snprintf(rel, sizeof(rel), "sys/class/net/%s/%s", name, attr); /* name is at most 15 bytes */
	if (inv_read(ctx, rel, INV_NET_SMALL_MAX, &text, &len) < 0)
		return NULL;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\t'))
		text[--len] = '\0';
	if (len == 0 || memchr(text, '\0', len)) {
		free(text);
		return NULL;
	}
	return text;
}

static int list_ifaces(struct inv_ctx *ctx, struct iface **ret, size_t *ret_n)
{
	char path[4096];
	struct iface *v = NULL;
	size_t n = 0, dropped = 0;
	int r = inv_path(ctx, "sys/class/net", path, sizeof(path));
	if (r < 0)
		return r;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		inv_warn(ctx, section, "cannot list '%s': %s", path, strerror(-r));
		return r;
	}
	v = calloc(INV_NET_IFACE_MAX, sizeof(*v));
	if (!v) {
		closedir(d);
		return -ENOMEM;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		struct inv_span name = {de->d_name, strlen(de->d_name)};
		if (de->d_name[0] == '.' || !inv_span_name(name, INV_IFNAME_MAX))
			continue;
		/* Entries are symlinks to the device; bonding_masters is a plain file. */
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (n == INV_NET_IFACE_MAX) {
			dropped++;
			continue;
		}
		memcpy(v[n++].name, de->d_name, name.len + 1);
	}
	closedir(d);
	if (dropped)
		inv_warn(ctx, section, "%zu interfaces left out beyond the limit of %d", dropped, INV_NET_IFACE_MAX);
	qsort(v, n, sizeof(*v), cmp_iface);
	*ret = v;
	*ret_n = n;
	return 0;
}

static int iface_build(struct inv_ctx *ctx, struct iface *ifc, const json_t *vlans)
{
	char *mac = read_attr(ctx, ifc->name, "address");
	char *mtu_text = read_attr(ctx, ifc->name, "mtu");
	char *state = read_attr(ctx, ifc->name, "operstate");
	json_t *mtu = json_null(), *vid = json_null(), *parent = json_null();
	int64_t v;
	if (mtu_text && parse_int64(mtu_text, 0, INT32_MAX, &v) == 0) {
		json_decref(mtu);
		mtu = json_integer(v);
	} else if (mtu_text) {
		inv_warn(ctx, section, "interface '%s': mtu '%.32s' is not a number", ifc->name, mtu_text);
	}
	size_t i;
	json_t *vl;
	json_array_foreach(vlans, i, vl)
	{
		const char *name = json_string_value(json_object_get(vl, "name"));
		if (name && strcmp(name, ifc->name) == 0) {
			json_decref(vid);
			json_decref(parent);
			vid = json_deep_copy(json_object_get(vl, "vlan_id"));
			parent = json_deep_copy(json_object_get(vl, "parent"));
			break;
		}
	}
	ifc->addrs = json_array();
	ifc->obj =
	    json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:O}", "name", ifc->name, "mac", inv_string(mac), "mtu", mtu,
		      "state", inv_string(state), "vlan_id", vid, "vlan_parent", parent, "addresses", ifc->addrs);
	json_decref(ifc->addrs); /* obj holds it now */
	free(mac);
	free(mtu_text);
	free(state);
	return ifc->obj && ifc->addrs ? 0 : -ENOMEM;
}

static int add_address(struct iface *ifc, const char *addr, int prefix_len)
{
	char text[INET6_ADDRSTRLEN + 8];
	if (json_array_size(ifc->addrs) >= INV_NET_ADDR_MAX) {
		ifc->dropped++;
		return 0;
	}
	snprintf(text, sizeof(text), "%s/%d", addr, prefix_len);
	return append(ifc->addrs, json_string(text));
}

/* IPv4 from getifaddrs() on the running system; labels ("eth0:1") name their interface. */
static int ipv4_live(struct inv_ctx *ctx, struct iface *ifs, size_t nifs)
{
	struct ifaddrs *list, *a;
	int r = 0;
	if (getifaddrs(&list) < 0) {
		inv_warn(ctx, section, "cannot list IPv4 addresses: %s", strerror(errno));
		return 0;
	}
	for (a = list; a && r == 0; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !a->ifa_name)
			continue;
		const char *colon = strchr(a->ifa_name, ':');
		size_t nlen = colon ? (size_t)(colon - a->ifa_name) : strlen(a->ifa_name);
		struct iface *ifc = find_iface(ifs, nifs, a->ifa_name, nlen);
		if (!ifc)
			continue;
		char addr[INET_ADDRSTRLEN];
		uint32_t mask = 0xffffffffu;
		if (a->ifa_netmask && a->ifa_netmask->sa_family == AF_INET)
			mask = ntohl(((const struct sockaddr_in *)(const void *)a->ifa_netmask)->sin_addr.s_addr);
		int plen = mask_prefix(mask);
		if (!inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)a->ifa_addr)->sin_addr, addr,
			       sizeof(addr)))
			continue;
		r = add_address(ifc, addr, plen < 0 ? __builtin_popcount(mask) : plen);
	}
	freeifaddrs(list);
	return r;
}

/* The most specific directly connected route (no gateway) that covers addr. */
static const struct route4 *route_for(const struct route4 *rt, size_t nrt, uint32_t addr)
{
	const struct route4 *best = NULL;
	for (size_t i = 0; i < nrt; i++) {
		if (!(rt[i].flags & RTF_UP_FLAG) || (rt[i].flags & (RTF_GATEWAY_FLAG | RTF_REJECT_FLAG)) ||
		    rt[i].prefix_len == 0 || (addr & rt[i].mask) != rt[i].dest)
			continue;
		if (!best || rt[i].prefix_len > best->prefix_len)
			best = &rt[i];
	}
	return best;
}

/* IPv4 from proc/net/fib_trie on a fixture tree: each local address goes to the
 * interface whose connected route covers it; 127.0.0.0/8 only to lo. */
static int ipv4_fib(struct inv_ctx *ctx, struct iface *ifs, size_t nifs, const struct route4 *rt, size_t nrt)
{
	static const char rel[] = "proc/net/fib_trie";
	struct inv_parse_stats st;
	struct fib_addr *v = NULL;
	size_t n = 0, unplaced = 0;
	char *text;
	size_t len;
	int r = read_rel(ctx, rel, INV_NET_FILE_MAX, false, &text, &len);
	if (r < 0)
		return 0;
	r = fib_parse(text, len, &st, &v, &n);
	free(text);
	if (r < 0)
		return r;
	warn_stats(ctx, rel, &st, INV_NET_ADDR_MAX);
	for (size_t i = 0; i < n && r == 0; i++) {
		char a[INET_ADDRSTRLEN];
		struct iface *ifc = NULL;
		int plen = v[i].prefix_len;
		if ((v[i].addr >> 24) == 127) {
			ifc = find_iface(ifs, nifs, "lo", 2);
		} else {
			const struct route4 *best = route_for(rt, nrt, v[i].addr);
			if (best) {
				ifc = find_iface(ifs, nifs, best->iface, strlen(best->iface));
				if (plen < 0)
					plen = best->prefix_len;
			}
		}
		if (!ifc) {
			unplaced++;
			continue;
		}
		format_ipv4(v[i].addr, a);
		r = add_address(ifc, a, plen < 0 ? 32 : plen);
	}
	if (unplaced)
		inv_warn(ctx, section, "'%s': %zu local IPv4 address%s on no known interface (no route covers %s)", rel,
			 unplaced, unplaced == 1 ? "" : "es", unplaced == 1 ? "it" : "them");
	free(v);
	return r;
}

/* Reads rel (quietly absent) and parses it into *ret (NULL when absent), warning about
 * skipped lines. */
static int read_parsed(struct inv_ctx *ctx, const char *rel,
		       int (*parse)(const char *, size_t, struct inv_parse_stats *, json_t **), int max_items,
		       json_t **ret)
{
	struct inv_parse_stats st;
	char *text;
	size_t len;
	*ret = NULL;
	if (read_rel(ctx, rel, INV_NET_FILE_MAX, true, &text, &len) < 0)
		return 0;
	int r = parse(text, len, &st, ret);
	free(text);
	if (r == 0)
		warn_stats(ctx, rel, &st, max_items);
	return r;
}

static int ipv6_addrs(struct inv_ctx *ctx, struct iface *ifs, size_t nifs)
{
	json_t *list, *e;
	size_t i;
	int r = read_parsed(ctx, "proc/net/if_inet6", inv_netparse_if_inet6, INV_NET_ADDR_MAX, &list);
	if (r < 0)
		return r;
	json_array_foreach(list, i, e)
	{
		const char *name = json_string_value(json_object_get(e, "interface"));
		struct iface *ifc = name ? find_iface(ifs, nifs, name, strlen(name)) : NULL;
		if (ifc && (r = add_address(ifc, json_string_value(json_object_get(e, "address")),
					    (int)json_integer_value(json_object_get(e, "prefix_len")))) < 0)
			break;
	}
	json_decref(list);
	return r;
}

static json_t *read_vlans(struct inv_ctx *ctx)
{
	static const char rel[] = "proc/net/vlan/config";
	struct inv_parse_stats st;
	json_t *list = NULL;
	char *text;
	size_t len;
	int r = inv_read(ctx, rel, INV_NET_FILE_MAX, &text, &len);
	if (r == -EACCES) /* mode 0600: normal without root */
		inv_warn(ctx, section, "'%s' is readable only by root: VLAN ids are not reported", rel);
	else if (r < 0 && r != -ENOENT) /* ENOENT: the 8021q module is not loaded, no VLANs */
		inv_warn(ctx, section, "%s", err_msg(r));
	if (r < 0)
		return json_array();
	r = inv_netparse_vlan(text, len, &st, &list);
	free(text);
	if (r == -EINVAL)
		inv_warn(ctx, section, "'%s': %s", rel, err_msg(r));
	if (r < 0)
		return json_array();
	warn_stats(ctx, rel, &st, INV_NET_VLAN_MAX);
	return list;
}

static int default_routes4(const struct route4 *rt, size_t nrt, json_t *out)
{
	for (size_t i = 0; i < nrt; i++) {
		char gw[INET_ADDRSTRLEN];
		if (rt[i].prefix_len != 0 || rt[i].dest != 0 || !(rt[i].flags & RTF_UP_FLAG) ||
		    (rt[i].flags & RTF_REJECT_FLAG))
			continue;
		format_ipv4(rt[i].gateway, gw);
		if (append(out, json_pack("{s:s, s:o, s:o}", "family", "inet", "gateway",
					  rt[i].gateway ? json_string(gw) : json_null(), "interface",
					  inv_string(rt[i].iface))) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int default_routes6(struct inv_ctx *ctx, json_t *out)
{
	json_t *list, *e;
	size_t i;
	int r = read_parsed(ctx, "proc/net/ipv6_route", inv_netparse_ipv6_route, INV_NET_ROUTE_MAX, &list);
	if (r < 0)
		return r;
	json_array_foreach(list, i, e)
	{
		json_int_t flags = json_integer_value(json_object_get(e, "flags"));
		if (json_integer_value(json_object_get(e, "prefix_len")) != 0 ||
		    strcmp(json_string_value(json_object_get(e, "destination")), "::") != 0 || !(flags & RTF_UP_FLAG) ||
		    (flags & RTF_REJECT_FLAG))
			continue;
		if ((r = append(out, json_pack("{s:s, s:O, s:O}", "family", "inet6", "gateway",
					       json_object_get(e, "gateway"), "interface",
					       json_object_get(e, "interface")))) < 0)
			break;
	}
	json_decref(list);
	return r;
}

static json_t *read_dns(struct inv_ctx *ctx)
{
	static const char rel[] = "etc/resolv.conf";
	struct inv_parse_stats st;
	json_t *dns = NULL;
	char *text;
	size_t len;
	int r = inv_read(ctx, rel, INV_RESOLV_FILE_MAX, &text, &len);
	if (r == -ENOENT) /* no resolver configured: the C library then asks 127.0.0.1 */
		return json_pack("{s:[], s:[]}", "nameservers", "search");
	if (r < 0) {
		inv_warn(ctx, section, "%s", err_msg(r));
		return json_null();
	}
	r = inv_netparse_resolv(text, len, &st, &dns);
	free(text);
	if (r < 0)
		return json_null();
	warn_stats(ctx, rel, &st, INV_RESOLV_NS_MAX);
	return dns;
}

int inv_network(struct inv_ctx *ctx, json_t **ret)
{
	static const char route_rel[] = "proc/net/route";
	struct iface *ifs = NULL;
	struct route4 *rt = NULL;
	struct inv_parse_stats st;
	size_t nifs = 0, nrt = 0;
	json_t *vlans = NULL, *list = NULL, *defaults = NULL, *out = NULL;
	char *text = NULL;
	size_t len;
	int r;

	if (list_ifaces(ctx, &ifs, &nifs) == -ENOMEM)
		return -ENOMEM;
	if (read_rel(ctx, route_rel, INV_NET_FILE_MAX, false, &text, &len) == 0) {
		r = route4_parse(text, len, &st, &rt, &nrt);
		free(text);
		if (r == -ENOMEM)
			goto out;
		if (r < 0)
			inv_warn(ctx, section, "'%s': %s", route_rel, err_msg(r));
		else
			warn_stats(ctx, route_rel, &st, INV_NET_ROUTE_MAX);
	}
	vlans = read_vlans(ctx);
	list = json_array();
	defaults = json_array();
	r = vlans && list && defaults ? 0 : -ENOMEM;
	for (size_t i = 0; i < nifs && r == 0; i++)
		r = iface_build(ctx, &ifs[i], vlans);
	if (r == 0)
		r = ctx->live ? ipv4_live(ctx, ifs, nifs) : ipv4_fib(ctx, ifs, nifs, rt, nrt);
	if (r == 0)
		r = ipv6_addrs(ctx, ifs, nifs);
	for (size_t i = 0; i < nifs && r == 0; i++) {
		if (ifs[i].dropped)
			inv_warn(ctx, section, "interface '%s': %zu addresses left out beyond the limit of %d",
				 ifs[i].name, ifs[i].dropped, INV_NET_ADDR_MAX);
		r = append(list, json_incref(ifs[i].obj));
	}
	if (r == 0)
		r = default_routes4(rt, nrt, defaults);
	if (r == 0)
		r = default_routes6(ctx, defaults);
	if (r < 0)
		goto out;
	out = json_pack("{s:O, s:O, s:o}", "interfaces", list, "default_routes", defaults, "dns", read_dns(ctx));
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	*ret = out;
out:
	for (size_t i = 0; i < nifs; i++)
		json_decref(ifs[i].obj);
	free(ifs);
	free(rt);
	json_decref(vlans);
	json_decref(list);
	json_decref(defaults);
	if (r == -ENOMEM)
		inv_warn(ctx, section, "out of memory");
	return r;
}
