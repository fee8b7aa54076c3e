/*
 * tree.h: what a backup keeps of a directory entry (a node) and a directory (a tree
 * of nodes), as the JSON described in docs/internals/backup-format.md: reading a
 * node's metadata from the file system, encoding and decoding trees, and putting the
 * metadata back on restore.
 */
#ifndef WARD_BACKUP_TREE_H
#define WARD_BACKUP_TREE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define TREE_ID_LEN 32
#define TREE_XATTRS_MAX 64		  /* extended attributes kept per node */
#define TREE_XATTR_VALUE_MAX (64 * 1024) /* bytes of one attribute's value */

enum node_type { NODE_FILE, NODE_DIR, NODE_SYMLINK, NODE_FIFO, NODE_SOCKET, NODE_CHARDEV, NODE_BLOCKDEV };

struct xattr {
	char *name;
	unsigned char *value;
	size_t len;
};

struct node {
	char *name; /* bytes, no '/' and no NUL; not necessarily UTF-8 */
	enum node_type type;
	uint32_t mode; /* permission bits and set-id/sticky bits (st_mode & 07777) */
	uint32_t uid, gid;
	char user[64], group[64]; /* names at backup time, "" when unknown */
	int64_t mtime_ns, ctime_ns, atime_ns;
	uint64_t inode, device, links, size, rdev;
	char *target; /* symlinks */
	struct xattr *xattrs;
	size_t nxattrs;
	uint8_t (*content)[TREE_ID_LEN]; /* files: data blob ids in order */
	size_t ncontent;
	uint8_t subtree[TREE_ID_LEN]; /* dirs */
	bool sparse;		      /* the file had holes */
};

void node_free(struct node *n);

/* Fills n (name excepted) from the entry at dirfd/name with lstat, readlink and the
 * extended attributes (ACLs are the system.posix_acl_* ones). Content and subtree are
 * left empty. -errno with a message naming path on failure. */
int node_stat(int dirfd, const char *name, const char *path, struct node *n);

/* node_stat, given the node the parent snapshot has for the same path (or NULL): when
 * it is the same inode with the same ctime, its extended attributes and link target
 * are copied from old instead of read (changing either changes the ctime). */
int node_stat_since(int dirfd, const char *name, const char *path, const struct node *old, struct node *n);

/* Compares a new stat with the node the parent snapshot has for the same path: true
 * when the file cannot have changed (type, size, mtime, ctime, inode all equal), so
 * its content list can be reused without reading it. */
bool node_unchanged(const struct node *old, const struct node *cur);

/* Whether a and b would encode the same: every field the tree format keeps. */
bool node_equal(const struct node *a, const struct node *b);

/* A tree: nodes sorted by name (bytewise). */
struct tree {
	struct node *nodes;
	size_t n, cap;
	const uint8_t *id; /* the blob it was read from, when the caller keeps that; else NULL */
};

int tree_add(struct tree *t, struct node *n); /* takes n's contents; n is zeroed */
void tree_sort(struct tree *t);
void tree_free(struct tree *t);

/* Whether a and b hold equal nodes in the same order (so encode the same). */
bool tree_equal(const struct tree *a, const struct tree *b);

/* The canonical JSON text of t (the blob's plaintext). */
int tree_encode(const struct tree *t, char **ret, size_t *ret_len);

/* Parses a tree blob's plaintext: -EBADMSG (message set) when it is not a valid tree
 * (bad JSON, wrong types, a name with '/' or NUL or ".", "..", duplicate names,
 * unsorted, ids of the wrong length). */
int tree_decode(const char *text, size_t len, struct tree *ret);

/* The two ways tree_decode has (for tests that compare them). tree_decode_json reads
 * any JSON with jansson and says what is wrong with a bad tree. tree_decode_fast
 * (tree_fast.c) reads the trees Ward writes, ASCII names without escapes and no
 * extended attributes, several times faster, giving the same tree; for anything else
 * it returns -EAGAIN (declined, nothing written: ask tree_decode_json), or -ENOMEM. */
int tree_decode_json(const char *text, size_t len, struct tree *ret);
int tree_decode_fast(const char *text, size_t len, struct tree *ret);

/* Restores n's metadata on the entry at dirfd/name: owner (when root), mode,
 * extended attributes, then times (last, after any write). Failures to set an owner
 * as a non-root user are ignored; other failures are returned. */
int node_apply(int dirfd, const char *name, const struct node *n, bool as_root);

/* node_apply on a regular file open as fd (path for messages): no path lookups. */
int node_apply_fd(int fd, const char *path, const struct node *n, bool as_root);

const char *node_type_name(enum node_type t);

#endif
