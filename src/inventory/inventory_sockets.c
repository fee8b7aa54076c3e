/*
 * inventory_sockets.c: the sockets section: listening TCP and bound UDP sockets from
 * proc/net/{tcp,udp}{,6}, each with the process that holds it, found through the
 * "socket:[INODE]" links in proc/PID/fd below the root.
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

#define INV_SOCKETS_MAX 65536			    /* sockets reported, all four files together */
#define INV_SOCKETS_LINE_MAX 4096		    /* longer lines in proc/net/tcp are skipped */
#define INV_SOCKETS_FILE_MAX (1024LL * 1024 * 1024) /* bytes read from one proc/net file */
#define INV_SOCKETS_PID_MAX 131072		    /* processes looked at */
#define INV_SOCKETS_FD_MAX 100000		    /* fd links read, all processes together */
#define INV_SOCKETS_COMM_MAX 256

#define TCP_LISTEN_STATE 0x0A
#define UDP_CLOSE_STATE 0x07

static const char section[] = "sockets";

/* "ADDR:PORT" as the kernel prints it: the address as native (little-endian) u32 words. */
static bool parse_endpoint(struct inv_span f, bool inet6, unsigned char addr[16], unsigned *port)
{
	size_t alen = inet6 ? 32 : 8;
	uint64_t v;
	if (f.len != alen + 5 || f.s[alen] != ':')
		return false;
	for (size_t w = 0; w < alen / 8; w++) {
		if (!inv_span_hex((struct inv_span){f.s + 8 * w, 8}, &v))
			return false;
		for (size_t j = 0; j < 4; j++)
			addr[4 * w + j] = (unsigned char)(v >> (8 * j));
	}
	if (!inv_span_hex((struct inv_span){f.s + alen + 1, 4}, &v))
		return false;
	*port = (unsigned)v;
	return true;
}

bool inv_netparse_socket_header(const char *line, size_t len)
{
	struct inv_span f[3];
	size_t n = inv_split((struct inv_span){line, len}, " \t", f, 3);
	return n >= 2 && inv_span_eq(f[0], "sl") && inv_span_eq(f[1], "local_address");
}

int inv_netparse_socket_line(const char *line, size_t len, enum inv_sock_proto proto, bool inet6, json_t *out)
{
	struct inv_span f[24];
	unsigned char local[16], remote[16];
	unsigned lport, rport;
	uint64_t state;
	int64_t sl, uid, inode;
	char text[INET6_ADDRSTRLEN];
	size_t n = inv_split((struct inv_span){line, len}, " \t", f, 24);
	if (n < 10 || n > 24 || f[0].len < 2 || f[0].s[f[0].len - 1] != ':' ||
	    !inv_span_int((struct inv_span){f[0].s, f[0].len - 1}, 0, INT64_MAX, &sl) ||
	    !parse_endpoint(f[1], inet6, local, &lport) || !parse_endpoint(f[2], inet6, remote, &rport) ||
	    f[3].len != 2 || !inv_span_hex(f[3], &state) || !inv_span_int(f[7], 0, UINT32_MAX, &uid) ||
	    !inv_span_int(f[9], 0, INT64_MAX, &inode))
		return -EINVAL;
	if (proto == INV_SOCK_TCP && state != TCP_LISTEN_STATE)
		return 0;
	if (proto == INV_SOCK_UDP) {
		static const unsigned char zero[16];
		if (state != UDP_CLOSE_STATE || rport != 0 || memcmp(remote, zero, inet6 ? 16 : 4) != 0)
			return 0;
	}
	if (!inet_ntop(inet6 ? AF_INET6 : AF_INET, local, text, sizeof(text)))
		return -EINVAL;
	json_t *e = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I}", "protocol", proto == INV_SOCK_TCP ? "tcp" : "udp",
			      "family", inet6 ? "inet6" : "inet", "address", text, "port", (int)lport, "user",
			      (json_int_t)uid, "inode", (json_int_t)inode);
	if (!e || json_array_append_new(out, e) < 0)
		return -ENOMEM;
	return 1;
}

/* What reading one file found, shared by the text parser and the streaming reader. */
struct sock_feed {
	enum inv_sock_proto proto;
	bool inet6;
	bool header_seen;
	size_t lineno;
	size_t total; /* sockets in out, this file and earlier ones */
	json_t *out;
	struct inv_parse_stats *stats;
};

/* 0, -EINVAL on a wrong header (stop), -ENOMEM. */
static int feed_line(struct sock_feed *sf, const char *line, size_t len)
{
	sf->lineno++;
	if (!sf->header_seen) {
		if (!inv_netparse_socket_header(line, len))
			return err_set(-EINVAL, "unexpected header: not a socket table");
		sf->header_seen = true;
		return 0;
	}
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len)
		return 0; /* blank */
	if (len > INV_SOCKETS_LINE_MAX) {
		inv_stats_bad(sf->stats, sf->lineno);
		return 0;
	}
	if (sf->total >= INV_SOCKETS_MAX) {
		json_t *probe = json_array();
		int r = probe ? inv_netparse_socket_line(line, len, sf->proto, sf->inet6, probe) : -ENOMEM;
		json_decref(probe);
		if (r == -ENOMEM)
			return r;
		if (r == 1 && sf->stats)
			sf->stats->dropped++;
		else if (r < 0)
			inv_stats_bad(sf->stats, sf->lineno);
		return 0;
	}
	int r = inv_netparse_socket_line(line, len, sf->proto, sf->inet6, sf->out);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		inv_stats_bad(sf->stats, sf->lineno);
	else
		sf->total += (size_t)r;
	return 0;
}

int inv_netparse_sockets(const char *text, size_t len, enum inv_sock_proto proto, bool inet6,
			 struct inv_parse_stats *stats, json_t **ret)
{
	struct inv_lines it;
	struct inv_span line;
	struct sock_feed sf = {.proto = proto, .inet6 = inet6, .stats = stats, .out = json_array()};
	int r = 0;
	if (stats)
		*stats = (struct inv_parse_stats){0};
	if (!sf.out)
		return -ENOMEM;
	inv_lines_init(&it, text, len);
	while (r == 0 && inv_lines_next(&it, &line))
		r = feed_line(&sf, line.s, line.len);
	if (r == 0 && !sf.header_seen)
		r = err_set(-EINVAL, "unexpected header: not a socket table");
	if (r < 0) {
		json_decref(sf.out);
		return r;
	}
	*ret = sf.out;
	return 0;
}

/* Streams one proc/net file through feed_line(): these files grow with every connection
 * on a busy server, and only the listening few are kept. */
static int read_table(struct inv_ctx *ctx, const char *rel, enum inv_sock_proto proto, bool inet6, json_t *out,
		      size_t *total)
{
	char path[4096], *buf = NULL;
	const size_t size = 64 * 1024;
	struct inv_parse_stats st = {0};
	struct sock_feed sf = {.proto = proto, .inet6 = inet6, .stats = &st, .out = out, .total = *total};
	size_t have = 0;
	long long read_total = 0;
	bool skipping = false, eof = false;
	int r = inv_path(ctx, rel, path, sizeof(path));
	if (r < 0) {
		inv_warn(ctx, section, "%s", err_msg(r));
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) /* tcp6 and udp6 are absent when IPv6 is off */
			inv_warn(ctx, section, "cannot open '%s': %s", path, strerror(errno));
		return 0;
	}
	if (!(buf = malloc(size))) {
		close(fd);
		return -ENOMEM;
	}
	while (!eof && r == 0) {
		ssize_t n = read(fd, buf + have, size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			inv_warn(ctx, section, "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		read_total += n;
		if (read_total > INV_SOCKETS_FILE_MAX) {
			inv_warn(ctx, section, "'%s': stopped reading after %lld bytes", rel, INV_SOCKETS_FILE_MAX);
			break;
		}
		eof = n == 0;
		have += (size_t)n;
		size_t start = 0;
		for (;;) {
			char *nl = memchr(buf + start, '\n', have - start);
			if (!nl && !(eof && start < have))
				break;
			size_t end = nl ? (size_t)(nl - buf) : have;
			if (skipping)
				skipping = false; /* the tail of an overlong line */
			else if ((r = feed_line(&sf, buf + start, end - start)) < 0)
				break;
			start = nl ? end + 1 : have;
		}
		if (r < 0)
			break;
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == size) { /* a line longer than the buffer: drop it */
			if (!skipping) {
				sf.lineno++;
				inv_stats_bad(&st, sf.lineno);
			}
			skipping = true;
			have = 0;
		}
	}
	close(fd);
	free(buf);
	if (r == -EINVAL)
		inv_warn(ctx, section, "'%s': %s", rel, err_msg(r));
	if (st.bad)
		inv_warn(ctx, section, "'%s': %zu malformed line%s skipped (the first is line %zu)", rel, st.bad,
			 st.bad == 1 ? "" : "s", st.first_bad);
	if (st.dropped)
		inv_warn(ctx, section, "'%s': %zu socket%s left out beyond the limit of %d", rel, st.dropped,
			 st.dropped == 1 ? "" : "s", INV_SOCKETS_MAX);
	*total = sf.total;
	return r == -ENOMEM ? r : 0;
}

struct owner {
	json_int_t inode;
	int pid; /* 0 until found */
};

static int cmp_owner(const void *a, const void *b)
{
	json_int_t x = ((const struct owner *)a)->inode, y = ((const struct owner *)b)->inode;
	return x < y ? -1 : x > y;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

static int open_dir(struct inv_ctx *ctx, const char *rel, DIR **ret)
{
	char path[4096];
	int r = inv_path(ctx, rel, path, sizeof(path));
	if (r < 0)
		return r;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret = d;
	return 0;
}

/* The process ids below root/proc, ascending, so a socket shared by a parent and its
 * children goes to the parent (usually the lowest pid). */
static int list_pids(struct inv_ctx *ctx, int **ret, size_t *ret_n)
{
	DIR *d;
	struct dirent *de;
	int *v = NULL;
	size_t n = 0, cap = 0, dropped = 0;
	int r = open_dir(ctx, "proc", &d);
	if (r < 0) {
		if (r != -ENOENT)
			inv_warn(ctx, section, "cannot list 'proc': %s", strerror(-r));
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((de = readdir(d))) {
		int64_t pid;
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || parse_int64(de->d_name, 1, INT32_MAX, &pid) < 0)
			continue;
		if (n == INV_SOCKETS_PID_MAX) {
			dropped++;
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			int *nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = (int)pid;
	}
	closedir(d);
	if (dropped)
		inv_warn(ctx, section, "%zu processes not looked at beyond the limit of %d", dropped,
			 INV_SOCKETS_PID_MAX);
	qsort(v, n, sizeof(*v), cmp_int);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Fills owners[].pid from the proc/PID/fd links. Process directories that cannot be read
 * (another user's, without root) are skipped without a word: that is normal. */
static int find_owners(struct inv_ctx *ctx, struct owner *owners, size_t nowners)
{
	int *pids = NULL;
	size_t npids = 0, fds = 0, left = 0;
	for (size_t i = 0; i < nowners; i++)
		left += owners[i].inode != 0;
	if (left == 0)
		return 0;
	int r = list_pids(ctx, &pids, &npids);
	if (r < 0)
		return r;
	for (size_t p = 0; p < npids && left > 0; p++) {
		char rel[64];
		DIR *d;
		struct dirent *de;
		snprintf(rel, sizeof(rel), "proc/%d/fd", pids[p]);
		if (open_dir(ctx, rel, &d) < 0)
			continue;
		while (left > 0 && (de = readdir(d))) {
			char link[64];
			if (de->d_name[0] == '.')
				continue;
			if (fds++ == INV_SOCKETS_FD_MAX) {
				inv_warn(ctx, section,
					 "stopped after %d file descriptors; some sockets have no process",
					 INV_SOCKETS_FD_MAX);
				left = 0;
				break;
			}
			ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
			if (n < 10 || memcmp(link, "socket:[", 8) != 0 || link[n - 1] != ']')
				continue;
			int64_t inode;
			if (!inv_span_int((struct inv_span){link + 8, (size_t)n - 9}, 1, INT64_MAX, &inode))
				continue;
			struct owner key = {.inode = (json_int_t)inode};
			struct owner *o = bsearch(&key, owners, nowners, sizeof(*owners), cmp_owner);
			if (o && o->pid == 0) {
				/* Duplicates of an inode (tcp and tcp6 never share one) sit side by side. */
				while (o > owners && o[-1].inode == o->inode)
					o--;
				for (; o < owners + nowners && o->inode == key.inode; o++)
					if (o->pid == 0) {
						o->pid = pids[p];
						left--;
					}
			}
		}
		closedir(d);
	}
	free(pids);
	return 0;
}

static json_t *read_comm(struct inv_ctx *ctx, int pid)
{
	char rel[64], *text;
	size_t len;
	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	if (inv_read(ctx, rel, INV_SOCKETS_COMM_MAX, &text, &len) < 0)
		return json_null();
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	json_t *s = len ? inv_stringn(text, len) : json_null();
	free(text);
	return s;
}

static int cmp_socket(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "protocol")),
		       json_string_value(json_object_get(y, "protocol")));
	if (c)
		return c;
	json_int_t px = json_integer_value(json_object_get(x, "port")),
		   py = json_integer_value(json_object_get(y, "port"));
	if (px != py)
		return px < py ? -1 : 1;
	c = strcmp(json_string_value(json_object_get(x, "family")), json_string_value(json_object_get(y, "family")));
	if (c)
		return c;
	c = strcmp(json_string_value(json_object_get(x, "address")), json_string_value(json_object_get(y, "address")));
	if (c)
		return c;
	json_int_t ix = json_integer_value(json_object_get(x, "inode")),
		   iy = json_integer_value(json_object_get(y, "inode"));
	return ix < iy ? -1 : ix > iy;
}

int inv_sockets(struct inv_ctx *ctx, json_t **ret)
{
	static const struct {
		const char *rel;
		enum inv_sock_proto proto;
		bool inet6;
	} tables[] = {
	    {"proc/net/tcp", INV_SOCK_TCP, false},
	    {"proc/net/tcp6", INV_SOCK_TCP, true},
	    {"proc/net/udp", INV_SOCK_UDP, false},
	    {"proc/net/udp6", INV_SOCK_UDP, true},
	};
	json_t *found = json_array(), *out = NULL, **sorted = NULL;
	struct owner *owners = NULL;
	size_t total = 0, n, i;
	int r = found ? 0 : -ENOMEM;
	for (i = 0; r == 0 && i < sizeof(tables) / sizeof(tables[0]); i++)
		r = read_table(ctx, tables[i].rel, tables[i].proto, tables[i].inet6, found, &total);
	if (r < 0)
		goto out;
	n = json_array_size(found);
	owners = calloc(n ? n : 1, sizeof(*owners));
	sorted = calloc(n ? n : 1, sizeof(*sorted));
	out = json_array();
	if (!owners || !sorted || !out) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		owners[i].inode = json_integer_value(json_object_get(json_array_get(found, i), "inode"));
	qsort(owners, n, sizeof(*owners), cmp_owner);
	if ((r = find_owners(ctx, owners, n)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(found, i);
		struct owner key = {.inode = json_integer_value(json_object_get(e, "inode"))};
		struct owner *o = key.inode ? bsearch(&key, owners, n, sizeof(*owners), cmp_owner) : NULL;
		int pid = o ? o->pid : 0;
		if (json_object_set_new(e, "pid", pid ? json_integer(pid) : json_null()) < 0 ||
		    json_object_set_new(e, "process", pid ? read_comm(ctx, pid) : json_null()) < 0) {
			r = -ENOMEM;
			goto out;
		}
		sorted[i] = e;
	}
	qsort(sorted, n, sizeof(*sorted), cmp_socket);
	for (i = 0; i < n; i++)
		if (json_array_append(out, sorted[i]) < 0) {
			r = -ENOMEM;
			goto out;
		}
	*ret = out;
	out = NULL;
out:
	if (r == -ENOMEM)
		inv_warn(ctx, section, "out of memory");
	json_decref(found);
	json_decref(out);
	free(owners);
	free(sorted);
	return r;
}
