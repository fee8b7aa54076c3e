/*
 * inventory_netparse.h: the text parsers behind the network, sockets, services, wireguard
 * and firewall sections, each over (text, len) so unit tests and fuzz/fuzz_netparse.c drive
 * them directly. The text is untrusted: any bytes, NULs included; nothing is read past len.
 */
#ifndef WARD_INVENTORY_NETPARSE_H
#define WARD_INVENTORY_NETPARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/timeutil.h"

/* What a parser skipped, so the collector can warn once per file. */
struct inv_parse_stats {
	size_t bad;	  /* lines skipped as malformed */
	size_t first_bad; /* 1-based number of the first such line; 0 when none */
	size_t dropped;	  /* entries left out at a limit */
};

/*
 * Every parser below: stats may be NULL, otherwise it is zeroed first and then counts
 * what was skipped. On success *ret is a new JSON value the caller owns; on failure
 * (-EINVAL when the text is not that file at all, e.g. a wrong header; -ENOMEM) *ret is
 * not written. A malformed line is skipped and counted, never an error.
 */

/* --- inventory_net.c --- */

/* etc/resolv.conf → {"nameservers": ["192.0.2.53", "fe80::1%eth0"], "search": ["lan"]}.
 * "domain" and "search" replace each other, the last one wins (as in glibc). Nameservers
 * that are not IP addresses, and lines over 4096 bytes, are bad lines. */
int inv_netparse_resolv(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret);

/* proc/net/route → [{"interface", "destination": "192.0.2.0", "prefix_len": 24,
 * "gateway": "192.0.2.1" or null, "flags": 3}] (addresses little-endian hex, as the
 * kernel prints them on x86 and arm). -EINVAL when the header does not name the
 * Iface, Destination, Gateway, Flags and Mask columns. */
int inv_netparse_route(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret);

/* proc/net/ipv6_route → [{"interface", "destination": "::", "prefix_len": 0,
 * "gateway": "fe80::1" or null, "flags": 3}]. No header. */
int inv_netparse_ipv6_route(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret);

/* proc/net/if_inet6 → [{"interface", "address": "2001:db8::10", "prefix_len": 64,
 * "scope": "global"|"link"|"host"|"site"|"other"}] in file order. */
int inv_netparse_if_inet6(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret);

/* proc/net/vlan/config → [{"name": "eth0.20", "vlan_id": 20, "parent": "eth0"}]. The two
 * header lines are skipped; -EINVAL when the first is not "VLAN Dev name ...". */
int inv_netparse_vlan(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret);

/* proc/net/fib_trie → the local IPv4 addresses, each once, in order of first appearance:
 * [{"address": "192.0.2.10", "prefix_len": 24 or null}]. An address is a "/32 host
 * LOCAL" entry; its prefix length is that of the longest directly connected subnet
 * (a "link UNICAST" entry, or a "host LOCAL" one shorter than /32, like 127.0.0.0/8)
 * that covers it. The trie's own "+-- a.b.c.d/len" nodes are not used for this: they
 * are the trie's branching (192.0.2.0/30 under 192.0.2.0/24), not subnets. */
int inv_netparse_fib_trie(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret);

/* --- inventory_sockets.c --- */

enum inv_sock_proto {
	INV_SOCK_TCP, /* proc/net/tcp, tcp6: keep state 0A (LISTEN) */
	INV_SOCK_UDP, /* proc/net/udp, udp6: keep state 07 with remote address and port 0 */
};

/* True when line (without its newline) is the header of proc/net/{tcp,udp}{,6}. */
bool inv_netparse_socket_header(const char *line, size_t len);

/* One line of proc/net/{tcp,udp}{,6} (inet6: the *6 files): appends {"protocol": "tcp",
 * "family": "inet"|"inet6", "address", "port", "uid", "inode"} to out when it is a listening
 * or bound socket. 1 when appended, 0 when the socket is in another state, -EINVAL when the
 * line is malformed, -ENOMEM. A v4-mapped address is shown as "::ffff:127.0.0.1". */
int inv_netparse_socket_line(const char *line, size_t len, enum inv_sock_proto proto, bool inet6, json_t *out);

/* A whole proc/net/{tcp,udp}{,6} file: the header, then inv_netparse_socket_line() for
 * each line → [...] in file order; -EINVAL when the header is wrong. */
int inv_netparse_sockets(const char *text, size_t len, enum inv_sock_proto proto, bool inet6,
			 struct inv_parse_stats *stats, json_t **ret);

/* --- inventory_services.c --- */

/* `wg show all dump` → {"interfaces": [{"name", "public_key", "listen_port", "peers":
 * [{"public_key", "endpoint" or null, "allowed_ips": [...], "latest_handshake": ISO or
 * null, "rx_bytes", "tx_bytes"}]}]}. Private and preshared keys are never copied. A peer
 * line for an interface without an interface line before it is a bad line. */
int inv_netparse_wg_dump(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret);

/* `nft list ruleset` → {"ruleset": "present"|"empty", "rules": N}: present when there is a
 * table; N counts the rule lines inside chains (not the chain's type/policy/comment lines,
 * not sets, maps or flowtables; a rule over several lines counts once). */
int inv_netparse_nft(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret);

/* `systemctl list-units --plain --no-legend` → the first column of each line, ["a.service"]
 * (a leading "●" or "*" marker is skipped). */
int inv_netparse_unit_list(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret);

/* --- small helpers the three files share --- */

/* A run of bytes inside a parser's text; not NUL-terminated. */
struct inv_span {
	const char *s;
	size_t len;
};

/* Walks text line by line; a final line without a newline counts. */
struct inv_lines {
	const char *p, *end;
	size_t lineno; /* of the line last returned, 1-based */
};

static inline void inv_lines_init(struct inv_lines *it, const char *text, size_t len)
{
	it->p = text;
	it->end = text + len;
	it->lineno = 0;
}

static inline bool inv_lines_next(struct inv_lines *it, struct inv_span *line)
{
	if (it->p >= it->end)
		return false;
	const char *s = it->p, *e = s;
	while (e < it->end && *e != '\n')
		e++;
	it->p = e < it->end ? e + 1 : e;
	it->lineno++;
	line->s = s;
	line->len = (size_t)(e - s);
	if (line->len > 0 && s[line->len - 1] == '\r')
		line->len--;
	return true;
}

/* Splits line at runs of sep bytes (" \t" for whitespace) into at most max fields;
 * returns how many there are, max + 1 when there are more. */
static inline size_t inv_split(struct inv_span line, const char *sep, struct inv_span *f, size_t max)
{
	size_t n = 0, i = 0;
	for (;;) {
		while (i < line.len && line.s[i] != '\0' && strchr(sep, line.s[i]))
			i++;
		if (i >= line.len)
			return n;
		size_t start = i;
		while (i < line.len && (line.s[i] == '\0' || !strchr(sep, line.s[i])))
			i++;
		if (n == max)
			return max + 1;
		f[n].s = line.s + start;
		f[n].len = i - start;
		n++;
	}
}

static inline bool inv_span_eq(struct inv_span f, const char *lit)
{
	size_t n = strlen(lit);
	return f.len == n && memcmp(f.s, lit, n) == 0;
}

/* Copies f into out (size bytes) as a C string; false when it does not fit or holds a NUL. */
static inline bool inv_span_cstr(struct inv_span f, char *out, size_t size)
{
	if (f.len >= size || memchr(f.s, '\0', f.len))
		return false;
	memcpy(out, f.s, f.len);
	out[f.len] = '\0';
	return true;
}

/* A name as the kernel allows it (interfaces, units): 1 to max bytes, no control
 * bytes, spaces or '/'. */
static inline bool inv_span_name(struct inv_span f, size_t max)
{
	if (f.len == 0 || f.len > max)
		return false;
	for (size_t i = 0; i < f.len; i++) {
		unsigned char c = (unsigned char)f.s[i];
		if (c <= ' ' || c == 0x7f || c == '/')
			return false;
	}
	return true;
}

/* Exactly f.len hex digits (1 to 16) into *ret. */
static inline bool inv_span_hex(struct inv_span f, uint64_t *ret)
{
	uint64_t v = 0;
	if (f.len == 0 || f.len > 16)
		return false;
	for (size_t i = 0; i < f.len; i++) {
		char c = f.s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*ret = v;
	return true;
}

/* A decimal number in [min, max] with nothing else (core/timeutil.h parse_int64). */
static inline bool inv_span_int(struct inv_span f, int64_t min, int64_t max, int64_t *ret)
{
	char buf[24];
	return inv_span_cstr(f, buf, sizeof(buf)) && parse_int64(buf, min, max, ret) == 0;
}

/* Counts a bad line. */
static inline void inv_stats_bad(struct inv_parse_stats *stats, size_t lineno)
{
	if (!stats)
		return;
	if (stats->bad++ == 0)
		stats->first_bad = lineno;
}

#endif
