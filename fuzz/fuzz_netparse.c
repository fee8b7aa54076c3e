/*
 * fuzz_netparse.c: the inventory's network text parsers (inventory_netparse.h): resolv.conf,
 * proc/net/route, ipv6_route, if_inet6, vlan/config, fib_trie, the four socket tables, `wg
 * show all dump`, `nft list ruleset` and `systemctl list-units`. The first byte picks the
 * parser (modulo their number); the rest is the text, in a buffer of exactly its size.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory_netparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*fuzz_parser)(const char *text, size_t len, struct inv_parse_stats *stats, json_t **ret);

static int fuzz_tcp(const char *t, size_t n, struct inv_parse_stats *s, json_t **r)
{
	return inv_netparse_sockets(t, n, INV_SOCK_TCP, false, s, r);
}

static int fuzz_tcp6(const char *t, size_t n, struct inv_parse_stats *s, json_t **r)
{
	return inv_netparse_sockets(t, n, INV_SOCK_TCP, true, s, r);
}

static int fuzz_udp(const char *t, size_t n, struct inv_parse_stats *s, json_t **r)
{
	return inv_netparse_sockets(t, n, INV_SOCK_UDP, false, s, r);
}

static int fuzz_udp6(const char *t, size_t n, struct inv_parse_stats *s, json_t **r)
{
	return inv_netparse_sockets(t, n, INV_SOCK_UDP, true, s, r);
}

static const fuzz_parser fuzz_parsers[] = {
    inv_netparse_resolv,
    inv_netparse_route,
    inv_netparse_ipv6_route,
    inv_netparse_if_inet6,
    inv_netparse_vlan,
    inv_netparse_fib_trie,
    fuzz_tcp,
    fuzz_tcp6,
    fuzz_udp,
    fuzz_udp6,
    inv_netparse_wg_dump,
    inv_netparse_nft,
    inv_netparse_unit_list,
};

#define FUZZ_PARSERS (sizeof(fuzz_parsers) / sizeof(fuzz_parsers[0]))

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n + (len > 0 && text[len - 1] != '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t which = data[0] % FUZZ_PARSERS, len = size - 1;
	char *text = malloc(len ? len : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, len);

	json_t *sentinel = json_null(), *v = sentinel;
	struct inv_parse_stats st;
	int r = fuzz_parsers[which](text, len, &st, &v);
	if (r < 0) {
		assert(v == sentinel); /* ret_ untouched on failure */
		assert(r == -EINVAL || r == -ENOMEM);
	} else {
		assert(r == 0 && v && v != sentinel);
		assert((st.bad == 0) == (st.first_bad == 0));
		assert(st.first_bad <= count_lines(text, len));
		assert(st.bad <= count_lines(text, len));
		char *dump = json_dumps(v, JSON_ENCODE_ANY);
		assert(dump);
		free(dump);
		json_decref(v);
	}

	/* The same text as one socket line, as the streaming reader feeds it. */
	json_t *out = json_array();
	if (out) {
		r = inv_netparse_socket_line(text, len, which % 2 ? INV_SOCK_UDP : INV_SOCK_TCP, which % 4 >= 2, out);
		assert(r == -EINVAL || r == -ENOMEM || ((r == 0 || r == 1) && json_array_size(out) == (size_t)r));
		json_decref(out);
	}
	free(text);
	return 0;
}
