/*
 * dr_verify.c: checks a restored tree against the snapshot it came from, as a restore
 * drill's proof: every entry exists with its type, size, mode, modification time and
 * link target, owners too when run as root, and every file's bytes, re-read from disk
 * and cut at the snapshot's chunk lengths, hash to the snapshot's chunk ids.
 */
#include "dr/dr_verify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/backup.h"
#include "backup/tree.h"
#include "core/err.h"
#include "core/limits.h"

#define DR_VERIFY_PROBLEMS_KEPT 20 /* problems named in the result; the rest are counted */
#define DR_VERIFY_DEPTH_MAX 4096

struct vctx {
	struct repo *r;
	const char *root;
	bool as_root;
	struct dr_verify_result *res;
	uint8_t *buf;
	size_t bufsize;
};

static void problem(struct vctx *c, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct vctx *c, const char *path, const char *fmt, ...)
{
	char msg[256], line[PATH_MAX + 300];
	va_list ap;
	c->res->problems++;
	if (json_array_size(c->res->list) >= DR_VERIFY_PROBLEMS_KEPT)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s: %s", path, msg);
	json_array_append_new(c->res->list, json_string(line));
}

static int read_full(int fd, uint8_t *buf, size_t len, off_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		got += (size_t)n;
	}
	return 0;
}

/* The file's bytes against its chunk ids. */
static int verify_content(struct vctx *c, const char *path, const char *local, const struct node *n)
{
	int fd = open(local, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	off_t off = 0;
	int e = 0;
	if (fd < 0) {
		problem(c, path, "cannot open: %s", strerror(errno));
		return 0;
	}
	for (size_t i = 0; i < n->ncontent; i++) {
		struct repo_blob_location loc;
		uint8_t id[REPO_ID_LEN];
		if ((e = repo_index_lookup(c->r, REPO_BLOB_DATA, n->content[i], &loc)) < 0) {
			problem(c, path, "chunk %zu is not in the repository's index", i);
			e = 0;
			break;
		}
		if (loc.raw_len > c->bufsize) {
			uint8_t *nb = realloc(c->buf, loc.raw_len);
			if (!nb) {
				e = -ENOMEM;
				break;
			}
			c->buf = nb;
			c->bufsize = loc.raw_len;
		}
		int rr = read_full(fd, c->buf, loc.raw_len, off);
		if (rr < 0) {
			problem(c, path, "cannot read %u bytes at offset %lld: %s", loc.raw_len, (long long)off,
				rr == -ENODATA ? "the file is shorter" : strerror(-rr));
			break;
		}
		repo_blob_id(c->r, c->buf, loc.raw_len, id);
		if (memcmp(id, n->content[i], REPO_ID_LEN) != 0) {
			problem(c, path, "the bytes at offset %lld differ from the snapshot", (long long)off);
			break;
		}
		off += loc.raw_len;
		c->res->bytes += loc.raw_len;
	}
	close(fd);
	return e;
}

static int verify_node(struct vctx *c, const struct node *n, const char *path)
{
	char local[PATH_MAX];
	struct stat st;
	if (snprintf(local, sizeof(local), "%s%s", c->root, path) >= (int)sizeof(local)) {
		problem(c, path, "the path is too long to check");
		return 0;
	}
	if ((n->type == NODE_CHARDEV || n->type == NODE_BLOCKDEV) && !c->as_root)
		return 0; /* restored only as root */
	if (n->type == NODE_SOCKET)
		return 0; /* never restored: made by the program that listens */
	if (lstat(local, &st) < 0) {
		problem(c, path, "missing after the restore");
		return 0;
	}
	mode_t want = n->type == NODE_FILE	? S_IFREG
		      : n->type == NODE_DIR	? S_IFDIR
		      : n->type == NODE_SYMLINK ? S_IFLNK
		      : n->type == NODE_FIFO	? S_IFIFO
		      : n->type == NODE_CHARDEV ? S_IFCHR
						: S_IFBLK;
	if ((st.st_mode & S_IFMT) != want) {
		problem(c, path, "restored as another type than the snapshot's %s", node_type_name(n->type));
		return 0;
	}
	if (n->type != NODE_SYMLINK && (uint32_t)(st.st_mode & 07777) != n->mode)
		problem(c, path, "mode %04o, the snapshot has %04o", (unsigned)(st.st_mode & 07777), (unsigned)n->mode);
	if (c->as_root && (st.st_uid != n->uid || st.st_gid != n->gid))
		problem(c, path, "owner %u:%u, the snapshot has %u:%u", (unsigned)st.st_uid, (unsigned)st.st_gid,
			(unsigned)n->uid, (unsigned)n->gid);
	switch (n->type) {
	case NODE_FILE: {
		int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		c->res->files++;
		if ((uint64_t)st.st_size != n->size) {
			problem(c, path, "%lld bytes, the snapshot has %llu", (long long)st.st_size,
				(unsigned long long)n->size);
			return 0;
		}
		if (mt != n->mtime_ns)
			problem(c, path, "modification time differs from the snapshot's");
		return verify_content(c, path, local, n);
	}
	case NODE_SYMLINK: {
		char target[PATH_MAX];
		ssize_t len = readlink(local, target, sizeof(target) - 1);
		c->res->others++;
		if (len < 0 || (target[len] = '\0', strcmp(target, n->target ? n->target : "") != 0))
			problem(c, path, "the link's target differs from the snapshot's");
		return 0;
	}
	case NODE_DIR: c->res->dirs++; return 0;
	default: c->res->others++; return 0;
	}
}

static int verify_tree(struct vctx *c, const uint8_t id[REPO_ID_LEN], const char *path, int depth)
{
	uint8_t *text = NULL;
	size_t len = 0;
	struct tree t;
	if (depth > DR_VERIFY_DEPTH_MAX)
		return err_set(-ELOOP, "the snapshot's folders nest too deep");
	int e = repo_blob_read(c->r, REPO_BLOB_TREE, id, &text, &len);
	if (e < 0)
		return e;
	e = tree_decode((const char *)text, len, &t);
	free(text);
	if (e < 0)
		return e;
	for (size_t i = 0; e == 0 && i < t.n; i++) {
		char p[PATH_MAX];
		if (snprintf(p, sizeof(p), "%s/%s", path, t.nodes[i].name) >= (int)sizeof(p)) {
			problem(c, path, "a name below is too long to check");
			continue;
		}
		if ((e = verify_node(c, &t.nodes[i], p)) == 0 && t.nodes[i].type == NODE_DIR)
			e = verify_tree(c, t.nodes[i].subtree, p, depth + 1);
	}
	tree_free(&t);
	return e;
}

int dr_verify(struct repo *r, const char *snapshot, const char *root, struct dr_verify_result *ret)
{
	struct dr_verify_result res = {.list = json_array()};
	struct vctx c = {.r = r, .root = root, .as_root = geteuid() == 0, .res = &res};
	uint8_t tree[REPO_ID_LEN];
	char sid[REPO_HEX_LEN];
	json_t *snap = NULL;
	if (!res.list)
		return -ENOMEM;
	int e = snapshot_get(r, snapshot, &snap, sid);
	if (e == 0 && (e = repo_id_parse(json_string_value(json_object_get(snap, "tree")), tree)) < 0)
		e = err_set(-EBADMSG, "snapshot '%.16s' names no valid tree", sid);
	if (e == 0)
		e = verify_tree(&c, tree, "", 0);
	free(c.buf);
	json_decref(snap);
	if (e < 0) {
		json_decref(res.list);
		return e;
	}
	*ret = res;
	return 0;
}
