/*
 * tree.c: see tree.h.
 */
#include "backup/tree.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/err.h"
#include "core/json.h"

static const char *const type_names[] = {"file", "dir", "symlink", "fifo", "socket", "chardev", "blockdev"};

const char *node_type_name(enum node_type t)
{
	return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "unknown";
}

void node_free(struct node *n)
{
	free(n->name);
	free(n->target);
	for (size_t i = 0; i < n->nxattrs; i++) {
		free(n->xattrs[i].name);
		free(n->xattrs[i].value);
	}
	free(n->xattrs);
	free(n->content);
	memset(n, 0, sizeof(*n));
}

/* The last uid and gid looked up, per thread: a tree is mostly one owner. */
static _Thread_local struct {
	uid_t uid;
	gid_t gid;
	bool have_uid, have_gid;
	char user[64], group[64];
} names;

static void owner_names(struct node *n)
{
	if (!names.have_uid || names.uid != n->uid) {
		struct passwd pw, *res = NULL;
		char buf[1024];
		names.user[0] = '\0';
		if (getpwuid_r(n->uid, &pw, buf, sizeof(buf), &res) == 0 && res)
			snprintf(names.user, sizeof(names.user), "%s", res->pw_name);
		names.uid = n->uid;
		names.have_uid = true;
	}
	if (!names.have_gid || names.gid != n->gid) {
		struct group gr, *res = NULL;
		char buf[4096];
		names.group[0] = '\0';
		if (getgrgid_r(n->gid, &gr, buf, sizeof(buf), &res) == 0 && res)
			snprintf(names.group, sizeof(names.group), "%s", res->gr_name);
		names.gid = n->gid;
		names.have_gid = true;
	}
	memcpy(n->user, names.user, sizeof(n->user));
	memcpy(n->group, names.group, sizeof(n->group));
}

static int read_xattrs(const char *path, struct node *n)
{
	char list[16384];
	ssize_t len = llistxattr(path, list, sizeof(list));
	if (len < 0)
		return errno == ENOTSUP || errno == ENOSYS ? 0 : err_set(-errno, "cannot list attributes of '%s': %s", path,
									  strerror(errno));
	for (ssize_t off = 0; off < len && n->nxattrs < TREE_XATTRS_MAX; off += (ssize_t)strlen(list + off) + 1) {
		const char *name = list + off;
		unsigned char *value = malloc(TREE_XATTR_VALUE_MAX);
		if (!value)
			return -ENOMEM;
		ssize_t vl = lgetxattr(path, name, value, TREE_XATTR_VALUE_MAX);
		if (vl < 0) {
			free(value);
			if (errno == ENODATA)
				continue; /* removed meanwhile */
			return err_set(-errno, "cannot read attribute '%s' of '%s': %s", name, path, strerror(errno));
		}
		struct xattr *nx = realloc(n->xattrs, (n->nxattrs + 1) * sizeof(*nx));
		if (!nx) {
			free(value);
			return -ENOMEM;
		}
		n->xattrs = nx;
		unsigned char *shrunk = realloc(value, vl ? (size_t)vl : 1);
		nx[n->nxattrs] = (struct xattr){.name = strdup(name), .value = shrunk ? shrunk : value, .len = (size_t)vl};
		if (!nx[n->nxattrs].name)
			return -ENOMEM;
		n->nxattrs++;
	}
	return 0;
}

/* A deep copy of old's extended attributes into n. */
static int copy_xattrs(const struct node *old, struct node *n)
{
	if (!old->nxattrs)
		return 0;
	if (!(n->xattrs = calloc(old->nxattrs, sizeof(*n->xattrs))))
		return -ENOMEM;
	for (size_t i = 0; i < old->nxattrs; i++) {
		struct xattr *x = &n->xattrs[n->nxattrs];
		if (!(x->name = strdup(old->xattrs[i].name)) || !(x->value = malloc(old->xattrs[i].len ?: 1))) {
			free(x->name);
			return -ENOMEM;
		}
		memcpy(x->value, old->xattrs[i].value, old->xattrs[i].len);
		x->len = old->xattrs[i].len;
		n->nxattrs++;
	}
	return 0;
}

int node_stat(int dirfd, const char *name, const char *path, struct node *n)
{
	return node_stat_since(dirfd, name, path, NULL, n);
}

int node_stat_since(int dirfd, const char *name, const char *path, const struct node *old, struct node *n)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(-errno, "cannot stat '%s': %s", path, strerror(errno));
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: n->type = NODE_FILE; break;
	case S_IFDIR: n->type = NODE_DIR; break;
	case S_IFLNK: n->type = NODE_SYMLINK; break;
	case S_IFIFO: n->type = NODE_FIFO; break;
	case S_IFSOCK: n->type = NODE_SOCKET; break;
	case S_IFCHR: n->type = NODE_CHARDEV; break;
	case S_IFBLK: n->type = NODE_BLOCKDEV; break;
	default: return err_set(-EINVAL, "'%s' is of an unknown type", path);
	}
	n->mode = st.st_mode & 07777;
	n->uid = st.st_uid;
	n->gid = st.st_gid;
	n->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	n->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
	n->atime_ns = (int64_t)st.st_atim.tv_sec * 1000000000 + st.st_atim.tv_nsec;
	n->inode = st.st_ino;
	n->device = st.st_dev;
	n->links = st.st_nlink;
	n->size = n->type == NODE_FILE || n->type == NODE_SYMLINK ? (uint64_t)st.st_size : 0;
	n->rdev = n->type == NODE_CHARDEV || n->type == NODE_BLOCKDEV ? st.st_rdev : 0;
	/* Fewer allocated blocks than the size needs: there are holes. */
	n->sparse = n->type == NODE_FILE && (uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size;
	owner_names(n);
	/* The same inode with the same ctime: its attributes and link target have not
	 * changed (setting either changes the ctime), so they are not read again. */
	bool same = old && old->type == n->type && old->inode == n->inode && old->device == n->device &&
		    old->ctime_ns == n->ctime_ns && (n->type != NODE_SYMLINK || old->target);
	if (same) {
		if (n->type == NODE_SYMLINK) {
			if (!(n->target = strdup(old->target)))
				return -ENOMEM;
			n->size = strlen(n->target);
		}
		return copy_xattrs(old, n);
	}
	if (n->type == NODE_SYMLINK) {
		size_t cap = (size_t)st.st_size + 1 > 256 ? (size_t)st.st_size + 1 : 256;
		if (cap > 65536)
			return err_set(-ENAMETOOLONG, "the target of '%s' is too long", path);
		n->target = malloc(cap + 1);
		if (!n->target)
			return -ENOMEM;
		ssize_t l = readlinkat(dirfd, name, n->target, cap);
		if (l < 0)
			return err_set(-errno, "cannot read the link '%s': %s", path, strerror(errno));
		n->target[l] = '\0';
		n->size = (uint64_t)l;
	}
	return read_xattrs(path, n);
}

bool node_equal(const struct node *a, const struct node *b)
{
	if (strcmp(a->name, b->name) != 0 || a->type != b->type || a->mode != b->mode || a->uid != b->uid ||
	    a->gid != b->gid || strcmp(a->user, b->user) != 0 || strcmp(a->group, b->group) != 0 ||
	    a->mtime_ns != b->mtime_ns || a->ctime_ns != b->ctime_ns || a->atime_ns != b->atime_ns ||
	    a->inode != b->inode || a->device != b->device || a->links != b->links || a->size != b->size ||
	    a->nxattrs != b->nxattrs)
		return false;
	for (size_t i = 0; i < a->nxattrs; i++)
		if (strcmp(a->xattrs[i].name, b->xattrs[i].name) != 0 || a->xattrs[i].len != b->xattrs[i].len ||
		    memcmp(a->xattrs[i].value, b->xattrs[i].value, a->xattrs[i].len) != 0)
			return false;
	switch (a->type) {
	case NODE_FILE:
		return a->sparse == b->sparse && a->ncontent == b->ncontent &&
		       (a->ncontent == 0 || memcmp(a->content, b->content, a->ncontent * TREE_ID_LEN) == 0);
	case NODE_DIR:
		return memcmp(a->subtree, b->subtree, TREE_ID_LEN) == 0;
	case NODE_SYMLINK:
		return a->target && b->target && strcmp(a->target, b->target) == 0;
	case NODE_CHARDEV:
	case NODE_BLOCKDEV:
		return a->rdev == b->rdev;
	default:
		return true;
	}
}

bool tree_equal(const struct tree *a, const struct tree *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!node_equal(&a->nodes[i], &b->nodes[i]))
			return false;
	return true;
}

bool node_unchanged(const struct node *old, const struct node *cur)
{
	return old && old->type == cur->type && old->type == NODE_FILE && old->size == cur->size &&
	       old->mtime_ns == cur->mtime_ns && old->ctime_ns == cur->ctime_ns && old->inode == cur->inode;
}

int tree_add(struct tree *t, struct node *n)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct node *nn = realloc(t->nodes, cap * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		t->nodes = nn;
		t->cap = cap;
	}
	t->nodes[t->n++] = *n;
	memset(n, 0, sizeof(*n));
	return 0;
}

static int node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->name, ((const struct node *)b)->name);
}

void tree_sort(struct tree *t)
{
	if (t->n > 1)
		qsort(t->nodes, t->n, sizeof(*t->nodes), node_cmp);
}

void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		node_free(&t->nodes[i]);
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}

/* --- encoding --- */

static json_t *b64(const unsigned char *data, size_t len)
{
	size_t sz = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(sz);
	if (!s)
		return NULL;
	sodium_bin2base64(s, sz, data, len, sodium_base64_VARIANT_ORIGINAL);
	json_t *j = json_string(s);
	free(s);
	return j;
}

static json_t *hex_id(const uint8_t id[TREE_ID_LEN])
{
	char hex[TREE_ID_LEN * 2 + 1];
	sodium_bin2hex(hex, sizeof(hex), id, TREE_ID_LEN);
	return json_string(hex);
}

static int set(json_t *o, const char *k, json_t *v)
{
	return v && json_object_set_new_nocheck(o, k, v) == 0 ? 0 : -ENOMEM;
}

static json_t *node_json(const struct node *n)
{
	json_t *o = json_object();
	int r = o ? 0 : -ENOMEM;
	json_t *name = json_string(n->name); /* NULL when not UTF-8 */
	if (r == 0)
		r = name ? set(o, "name", name) : set(o, "name_b64", b64((const unsigned char *)n->name, strlen(n->name)));
	r = r ? r : set(o, "type", json_string(type_names[n->type]));
	r = r ? r : set(o, "mode", json_integer(n->mode));
	r = r ? r : set(o, "uid", json_integer(n->uid));
	r = r ? r : set(o, "gid", json_integer(n->gid));
	r = r ? r : set(o, "user", json_string(n->user));
	r = r ? r : set(o, "group", json_string(n->group));
	r = r ? r : set(o, "mtime_ns", json_integer(n->mtime_ns));
	r = r ? r : set(o, "ctime_ns", json_integer(n->ctime_ns));
	r = r ? r : set(o, "atime_ns", json_integer(n->atime_ns));
	r = r ? r : set(o, "inode", json_integer((json_int_t)n->inode));
	r = r ? r : set(o, "device", json_integer((json_int_t)n->device));
	r = r ? r : set(o, "links", json_integer((json_int_t)n->links));
	r = r ? r : set(o, "size", json_integer((json_int_t)n->size));
	if (r == 0 && n->type == NODE_FILE) {
		json_t *c = json_array();
		for (size_t i = 0; c && i < n->ncontent; i++)
			if (json_array_append_new(c, hex_id(n->content[i])) < 0) {
				json_decref(c);
				c = NULL;
			}
		r = set(o, "content", c);
		if (r == 0 && n->sparse)
			r = set(o, "sparse", json_true());
	}
	if (r == 0 && n->type == NODE_DIR)
		r = set(o, "subtree", hex_id(n->subtree));
	if (r == 0 && n->type == NODE_SYMLINK) {
		json_t *tj = json_string(n->target); /* NULL when not UTF-8 */
		r = tj ? set(o, "target", tj) : set(o, "target_b64", b64((const unsigned char *)n->target, strlen(n->target)));
	}
	if (r == 0 && (n->type == NODE_CHARDEV || n->type == NODE_BLOCKDEV))
		r = set(o, "rdev", json_integer((json_int_t)n->rdev));
	if (r == 0 && n->nxattrs) {
		json_t *x = json_object();
		for (size_t i = 0; x && r == 0 && i < n->nxattrs; i++)
			r = set(x, n->xattrs[i].name, b64(n->xattrs[i].value, n->xattrs[i].len));
		r = r ? r : set(o, "xattrs", x);
	}
	if (r < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int tree_encode(const struct tree *t, char **ret, size_t *ret_len)
{
	json_t *nodes = json_array(), *root;
	for (size_t i = 0; nodes && i < t->n; i++) {
		json_t *nj = node_json(&t->nodes[i]);
		if (!nj || json_array_append_new(nodes, nj) < 0) {
			json_decref(nodes);
			return -ENOMEM;
		}
	}
	if (!nodes || !(root = json_pack("{s:o}", "nodes", nodes)))
		return -ENOMEM;
	char *text = json_canonical(root);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	*ret = text;
	*ret_len = strlen(text);
	return 0;
}

/* --- decoding --- */

static int bad(const char *what)
{
	return err_set(-EBADMSG, "damaged tree: %s", what);
}

static int get_u64(const json_t *o, const char *k, bool required, uint64_t *ret)
{
	json_t *v = json_object_get(o, k);
	if (!v) {
		*ret = 0;
		return required ? bad(k) : 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(k);
	*ret = (uint64_t)json_integer_value(v);
	return 0;
}

static int unb64(const json_t *v, unsigned char **ret, size_t *ret_len, size_t max)
{
	const char *s = json_string_value(v);
	if (!s)
		return -EBADMSG;
	size_t sl = strlen(s), len = 0;
	unsigned char *buf = malloc(sl + 1);
	if (!buf)
		return -ENOMEM;
	if (sodium_base642bin(buf, sl + 1, s, sl, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || len > max) {
		free(buf);
		return -EBADMSG;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* A name (or link target) from "key" or "key_b64": bytes, NUL-terminated, no NUL. */
static int get_bytes(const json_t *o, const char *key, const char *key_b64, char **ret)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (s)
		return (*ret = strdup(s)) ? 0 : -ENOMEM;
	unsigned char *b;
	size_t len;
	int r = unb64(json_object_get(o, key_b64), &b, &len, 65536);
	if (r < 0)
		return r == -ENOMEM ? r : bad(key);
	if (memchr(b, 0, len)) {
		free(b);
		return bad(key);
	}
	b[len] = '\0';
	*ret = (char *)b;
	return 0;
}

static int get_id(const json_t *v, uint8_t id[TREE_ID_LEN])
{
	const char *s = json_string_value(v);
	size_t len = 0;
	if (!s || strlen(s) != TREE_ID_LEN * 2 ||
	    sodium_hex2bin(id, TREE_ID_LEN, s, TREE_ID_LEN * 2, NULL, &len, NULL) != 0 || len != TREE_ID_LEN)
		return -EBADMSG;
	return 0;
}

static int node_parse(const json_t *o, struct node *n)
{
	uint64_t v;
	int r;
	if (!json_is_object(o))
		return bad("a node is not an object");
	if ((r = get_bytes(o, "name", "name_b64", &n->name)) < 0)
		return r;
	if (!*n->name || strchr(n->name, '/') || !strcmp(n->name, ".") || !strcmp(n->name, ".."))
		return bad("a node has a name that is not a file name");
	const char *type = json_string_value(json_object_get(o, "type"));
	size_t ti;
	for (ti = 0; type && ti < sizeof(type_names) / sizeof(type_names[0]) && strcmp(type, type_names[ti]); ti++)
		;
	if (!type || ti == sizeof(type_names) / sizeof(type_names[0]))
		return bad("a node has no known type");
	n->type = (enum node_type)ti;
	const char *keys[] = {"mode", "uid", "gid", "inode", "device", "links", "size"};
	uint64_t *dst[] = {NULL, NULL, NULL, &n->inode, &n->device, &n->links, &n->size};
	for (size_t i = 0; i < 7; i++) {
		if ((r = get_u64(o, keys[i], true, &v)) < 0)
			return r;
		if (i == 0) {
			if (v > 07777)
				return bad("mode");
			n->mode = (uint32_t)v;
		} else if (i == 1 || i == 2) {
			if (v > UINT32_MAX)
				return bad(keys[i]);
			*(i == 1 ? &n->uid : &n->gid) = (uint32_t)v;
		} else {
			*dst[i] = v;
		}
	}
	const char *tkeys[] = {"mtime_ns", "ctime_ns", "atime_ns"};
	int64_t *tdst[] = {&n->mtime_ns, &n->ctime_ns, &n->atime_ns};
	for (size_t i = 0; i < 3; i++) {
		json_t *tv = json_object_get(o, tkeys[i]);
		if (!json_is_integer(tv))
			return bad(tkeys[i]);
		*tdst[i] = json_integer_value(tv);
	}
	snprintf(n->user, sizeof(n->user), "%s", json_string_value(json_object_get(o, "user")) ?: "");
	snprintf(n->group, sizeof(n->group), "%s", json_string_value(json_object_get(o, "group")) ?: "");
	n->sparse = json_is_true(json_object_get(o, "sparse"));
	if (n->type == NODE_FILE) {
		json_t *c = json_object_get(o, "content"), *e;
		size_t i;
		if (!json_is_array(c))
			return bad("a file has no content list");
		n->content = malloc((json_array_size(c) ? json_array_size(c) : 1) * TREE_ID_LEN);
		if (!n->content)
			return -ENOMEM;
		json_array_foreach(c, i, e) {
			if (get_id(e, n->content[i]) < 0)
				return bad("a content id");
			n->ncontent++;
		}
	}
	if (n->type == NODE_DIR && get_id(json_object_get(o, "subtree"), n->subtree) < 0)
		return bad("a directory has no subtree");
	if (n->type == NODE_SYMLINK && (r = get_bytes(o, "target", "target_b64", &n->target)) < 0)
		return r;
	if ((n->type == NODE_CHARDEV || n->type == NODE_BLOCKDEV) && (r = get_u64(o, "rdev", true, &n->rdev)) < 0)
		return r;
	json_t *x = json_object_get(o, "xattrs"), *xv;
	const char *xk;
	if (x && (!json_is_object(x) || json_object_size(x) > TREE_XATTRS_MAX))
		return bad("xattrs");
	if (x && !(n->xattrs = calloc(json_object_size(x) + 1, sizeof(*n->xattrs))))
		return -ENOMEM;
	json_object_foreach(x, xk, xv) {
		struct xattr *a = &n->xattrs[n->nxattrs];
		if ((r = unb64(xv, &a->value, &a->len, TREE_XATTR_VALUE_MAX)) < 0)
			return r == -ENOMEM ? r : bad("an xattr value");
		n->nxattrs++;
		if (!(a->name = strdup(xk)))
			return -ENOMEM;
	}
	return 0;
}

int tree_decode(const char *text, size_t len, struct tree *ret)
{
	int r = tree_decode_fast(text, len, ret);
	return r == -EAGAIN ? tree_decode_json(text, len, ret) : r;
}

int tree_decode_json(const char *text, size_t len, struct tree *ret)
{
	json_error_t e;
	json_t *root = json_loadb(text, len, 0, &e), *nodes, *o;
	struct tree t = {0};
	size_t i;
	int r = 0;
	memset(ret, 0, sizeof(*ret));
	if (!root)
		return bad("not JSON");
	nodes = json_object_get(root, "nodes");
	if (!json_is_array(nodes)) {
		json_decref(root);
		return bad("no node list");
	}
	json_array_foreach(nodes, i, o) {
		struct node n = {0};
		if ((r = node_parse(o, &n)) < 0 || (r = tree_add(&t, &n)) < 0) {
			node_free(&n);
			break;
		}
		if (t.n > 1 && strcmp(t.nodes[t.n - 2].name, t.nodes[t.n - 1].name) >= 0) {
			r = bad("names not sorted or repeated");
			break;
		}
	}
	json_decref(root);
	if (r < 0) {
		tree_free(&t);
		return r;
	}
	*ret = t;
	return 0;
}

/* --- restoring metadata --- */

/* Floor division, so times before 1970 keep 0 <= tv_nsec < 10^9. */
static void node_times(const struct node *n, struct timespec ts[2])
{
	int64_t t2[2] = {n->atime_ns, n->mtime_ns};
	for (int i = 0; i < 2; i++) {
		int64_t sec = t2[i] / 1000000000, ns = t2[i] % 1000000000;
		if (ns < 0) {
			sec--;
			ns += 1000000000;
		}
		ts[i] = (struct timespec){.tv_sec = sec, .tv_nsec = ns};
	}
}

int node_apply_fd(int fd, const char *path, const struct node *n, bool as_root)
{
	struct timespec ts[2];
	if (as_root && fchown(fd, n->uid, n->gid) < 0)
		return err_set(-errno, "cannot set the owner of '%s': %s", path, strerror(errno));
	if (fchmod(fd, n->mode) < 0)
		return err_set(-errno, "cannot set the mode of '%s': %s", path, strerror(errno));
	for (size_t i = 0; i < n->nxattrs; i++)
		if (fsetxattr(fd, n->xattrs[i].name, n->xattrs[i].value, n->xattrs[i].len, 0) < 0 &&
		    !(errno == EPERM && !as_root) && errno != ENOTSUP)
			return err_set(-errno, "cannot set attribute '%s' on '%s': %s", n->xattrs[i].name, path,
				       strerror(errno));
	node_times(n, ts);
	if (futimens(fd, ts) < 0)
		return err_set(-errno, "cannot set the times of '%s': %s", path, strerror(errno));
	return 0;
}

int node_apply(int dirfd, const char *name, const struct node *n, bool as_root)
{
	char proc[64 + 4096];
	int r = 0;
	if (as_root && fchownat(dirfd, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(-errno, "cannot set the owner of '%s': %s", name, strerror(errno));
	if (n->type != NODE_SYMLINK && fchmodat(dirfd, name, n->mode, 0) < 0)
		return err_set(-errno, "cannot set the mode of '%s': %s", name, strerror(errno));
	/* Through /proc so the attribute goes on the entry in dirfd, not on a path. */
	if (dirfd == AT_FDCWD)
		snprintf(proc, sizeof(proc), "%s", name);
	else
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dirfd, name);
	for (size_t i = 0; i < n->nxattrs && r == 0; i++) {
		/* trusted.* and security.* need privileges; user.* and ACLs do not. */
		if (lsetxattr(proc, n->xattrs[i].name, n->xattrs[i].value, n->xattrs[i].len, 0) < 0 &&
		    !(errno == EPERM && !as_root) && errno != ENOTSUP)
			r = err_set(-errno, "cannot set attribute '%s' on '%s': %s", n->xattrs[i].name, name,
				    strerror(errno));
	}
	struct timespec ts[2];
	node_times(n, ts);
	if (r == 0 && utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		r = err_set(-errno, "cannot set the times of '%s': %s", name, strerror(errno));
	return r;
}
