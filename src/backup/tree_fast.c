/*
 * tree_fast.c: decoding a tree as Ward writes it, without building a jansson value of
 * every node first. A backup with nothing changed decodes every tree of the parent
 * snapshot, and jansson's objects, one hash table and a dozen allocations per node,
 * were half of its CPU time. This decoder reads the common subset only: plain ASCII
 * strings (no escapes), integers, the keys of tree_encode (in any order, each once),
 * no extended attributes and no base64 names. For anything else it declines (-EAGAIN)
 * and tree_decode_json decides, so what it accepts decodes exactly as there (the unit
 * test and the fuzz target compare the two), and every error comes from there.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backup/tree.h"

#define DECLINE (-EAGAIN)

struct cur {
	const char *p, *end;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool eat(struct cur *c, char ch)
{
	ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* A string of printable ASCII without escapes: its bytes (not NUL-terminated). */
static bool str(struct cur *c, const char **ret, size_t *ret_len)
{
	ws(c);
	if (c->p >= c->end || *c->p != '"')
		return false;
	const char *s = ++c->p;
	while (c->p < c->end && *c->p != '"') {
		unsigned char b = (unsigned char)*c->p;
		if (b < 0x20 || b >= 0x7f || b == '\\')
			return false;
		c->p++;
	}
	if (c->p >= c->end)
		return false;
	*ret = s;
	*ret_len = (size_t)(c->p - s);
	c->p++;
	return true;
}

/* A JSON integer that fits int64_t: no fraction, no exponent, no leading zero, no -0. */
static bool integer(struct cur *c, int64_t *ret)
{
	ws(c);
	bool neg = c->p < c->end && *c->p == '-';
	if (neg)
		c->p++;
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return false;
	if (*c->p == '0' && (neg || (c->p + 1 < c->end && c->p[1] >= '0' && c->p[1] <= '9')))
		return false;
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p++ - '0');
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
		return false;
	*ret = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return true;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* 64 hex digits (either case, as sodium_hex2bin reads them) into id. */
static bool id(struct cur *c, uint8_t out[TREE_ID_LEN])
{
	const char *s;
	size_t len;
	if (!str(c, &s, &len) || len != TREE_ID_LEN * 2)
		return false;
	for (size_t i = 0; i < TREE_ID_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

enum key {
	K_NAME,
	K_TYPE,
	K_MODE,
	K_UID,
	K_GID,
	K_INODE,
	K_DEVICE,
	K_LINKS,
	K_SIZE,
	K_RDEV,
	K_MTIME,
	K_CTIME,
	K_ATIME,
	K_USER,
	K_GROUP,
	K_SPARSE,
	K_CONTENT,
	K_SUBTREE,
	K_TARGET,
	K_COUNT
};

static const char *const keys[K_COUNT] = {"name",  "type",   "mode",	"uid",	    "gid",	"inode",    "device",
					  "links", "size",   "rdev",	"mtime_ns", "ctime_ns", "atime_ns", "user",
					  "group", "sparse", "content", "subtree",  "target"};

/* The keys' lengths, as the compiler counts them (no strlen per key per node). */
#define L(s) (sizeof(s) - 1)
static const unsigned char key_len[K_COUNT] = {L("name"),     L("type"),     L("mode"),	    L("uid"),	L("gid"),
					       L("inode"),    L("device"),   L("links"),    L("size"),	L("rdev"),
					       L("mtime_ns"), L("ctime_ns"), L("atime_ns"), L("user"),	L("group"),
					       L("sparse"),   L("content"),  L("subtree"),  L("target")};
#undef L

static int key_of(const char *s, size_t len)
{
	for (int k = 0; k < K_COUNT; k++)
		if (key_len[k] == len && memcmp(keys[k], s, len) == 0)
			return k;
	return -1;
}

/* What one node's object holds, before the checks. */
struct raw {
	unsigned seen; /* 1 << enum key */
	const char *name, *type, *user, *group, *target;
	size_t name_len, type_len, user_len, group_len, target_len;
	int64_t num[K_COUNT]; /* the integer keys */
	bool sparse;
	uint8_t (*content)[TREE_ID_LEN];
	size_t ncontent, content_cap;
	uint8_t subtree[TREE_ID_LEN];
	bool subtree_ok;
};

static int content_list(struct cur *c, struct raw *r)
{
	if (!eat(c, '['))
		return DECLINE;
	if (eat(c, ']'))
		return 0;
	do {
		if (r->ncontent == r->content_cap) {
			size_t cap = r->content_cap ? r->content_cap * 2 : 8;
			void *p = realloc(r->content, cap * TREE_ID_LEN);
			if (!p)
				return -ENOMEM;
			r->content = p;
			r->content_cap = cap;
		}
		if (!id(c, r->content[r->ncontent]))
			return DECLINE;
		r->ncontent++;
	} while (eat(c, ','));
	return eat(c, ']') ? 0 : DECLINE;
}

static int raw_value(struct cur *c, struct raw *r, int k)
{
	switch (k) {
	case K_NAME: return str(c, &r->name, &r->name_len) ? 0 : DECLINE;
	case K_TYPE: return str(c, &r->type, &r->type_len) ? 0 : DECLINE;
	case K_USER: return str(c, &r->user, &r->user_len) ? 0 : DECLINE;
	case K_GROUP: return str(c, &r->group, &r->group_len) ? 0 : DECLINE;
	case K_TARGET: return str(c, &r->target, &r->target_len) ? 0 : DECLINE;
	case K_SPARSE:
		ws(c);
		if (c->end - c->p >= 4 && memcmp(c->p, "true", 4) == 0) {
			r->sparse = true;
			c->p += 4;
		} else if (c->end - c->p >= 5 && memcmp(c->p, "false", 5) == 0) {
			c->p += 5;
		} else {
			return DECLINE;
		}
		return 0;
	case K_CONTENT: return content_list(c, r);
	case K_SUBTREE:
		/* Read only for directories; a value that is no id is for the general path. */
		r->subtree_ok = id(c, r->subtree);
		return r->subtree_ok ? 0 : DECLINE;
	default: return integer(c, &r->num[k]) ? 0 : DECLINE;
	}
}

/* The checks of tree.c's node_parse, on what it would have read; any that fails
 * declines (the general path then says why). */
static int raw_node(struct raw *r, struct node *n)
{
	static const int required[] = {K_NAME,	 K_TYPE,  K_MODE, K_UID,   K_GID,   K_INODE,
				       K_DEVICE, K_LINKS, K_SIZE, K_MTIME, K_CTIME, K_ATIME};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!(r->seen & 1u << required[i]))
			return DECLINE;
	if (r->name_len == 0 || memchr(r->name, '/', r->name_len) || (r->name_len == 1 && r->name[0] == '.') ||
	    (r->name_len == 2 && r->name[0] == '.' && r->name[1] == '.'))
		return DECLINE;
	int type = -1;
	for (int t = 0; t <= NODE_BLOCKDEV && type < 0; t++)
		if (strlen(node_type_name((enum node_type)t)) == r->type_len &&
		    memcmp(node_type_name((enum node_type)t), r->type, r->type_len) == 0)
			type = t;
	if (type < 0)
		return DECLINE;
	for (int k = K_MODE; k <= K_RDEV; k++)
		if (r->num[k] < 0)
			return DECLINE;
	if (r->num[K_MODE] > 07777 || r->num[K_UID] > UINT32_MAX || r->num[K_GID] > UINT32_MAX)
		return DECLINE;
	if (type == NODE_FILE && !(r->seen & 1u << K_CONTENT))
		return DECLINE;
	if (type == NODE_DIR && !r->subtree_ok)
		return DECLINE;
	if (type == NODE_SYMLINK && !(r->seen & 1u << K_TARGET))
		return DECLINE;
	if ((type == NODE_CHARDEV || type == NODE_BLOCKDEV) && !(r->seen & 1u << K_RDEV))
		return DECLINE;
	memset(n, 0, sizeof(*n));
	n->type = (enum node_type)type;
	n->mode = (uint32_t)r->num[K_MODE];
	n->uid = (uint32_t)r->num[K_UID];
	n->gid = (uint32_t)r->num[K_GID];
	n->inode = (uint64_t)r->num[K_INODE];
	n->device = (uint64_t)r->num[K_DEVICE];
	n->links = (uint64_t)r->num[K_LINKS];
	n->size = (uint64_t)r->num[K_SIZE];
	n->mtime_ns = r->num[K_MTIME];
	n->ctime_ns = r->num[K_CTIME];
	n->atime_ns = r->num[K_ATIME];
	/* As snprintf into the 64 bytes does there: at most 63 kept. */
	size_t ul = r->user_len < sizeof(n->user) - 1 ? r->user_len : sizeof(n->user) - 1;
	size_t gl = r->group_len < sizeof(n->group) - 1 ? r->group_len : sizeof(n->group) - 1;
	if (r->user)
		memcpy(n->user, r->user, ul);
	if (r->group)
		memcpy(n->group, r->group, gl);
	n->sparse = r->sparse;
	if (!(n->name = strndup(r->name, r->name_len)))
		return -ENOMEM;
	if (type == NODE_FILE) {
		n->ncontent = r->ncontent;
		if (r->ncontent) {
			n->content = r->content; /* handed over */
			r->content = NULL;
		} else if (!(n->content = malloc(TREE_ID_LEN))) {
			return -ENOMEM;
		}
	}
	if (type == NODE_DIR)
		memcpy(n->subtree, r->subtree, TREE_ID_LEN);
	if (type == NODE_SYMLINK && !(n->target = strndup(r->target, r->target_len)))
		return -ENOMEM;
	if (type == NODE_CHARDEV || type == NODE_BLOCKDEV)
		n->rdev = (uint64_t)r->num[K_RDEV];
	return 0;
}

static int node_object(struct cur *c, struct node *n)
{
	struct raw r = {0};
	int e = DECLINE;
	if (!eat(c, '{') || eat(c, '}'))
		goto out;
	do {
		const char *k;
		size_t kl;
		if (!str(c, &k, &kl) || !eat(c, ':'))
			goto out;
		int key = key_of(k, kl);
		if (key < 0 || (r.seen & 1u << key)) /* unknown (xattrs, *_b64) or repeated */
			goto out;
		r.seen |= 1u << key;
		if ((e = raw_value(c, &r, key)) < 0)
			goto out;
		e = DECLINE;
	} while (eat(c, ','));
	if (eat(c, '}'))
		e = raw_node(&r, n);
out:
	free(r.content);
	if (e < 0)
		node_free(n);
	return e;
}

int tree_decode_fast(const char *text, size_t len, struct tree *ret)
{
	struct cur c = {text, text + len};
	struct tree t = {0};
	const char *k;
	size_t kl;
	int e = DECLINE;
	if (!eat(&c, '{') || !str(&c, &k, &kl) || kl != 5 || memcmp(k, "nodes", 5) != 0 || !eat(&c, ':') ||
	    !eat(&c, '['))
		goto out;
	if (!eat(&c, ']')) {
		do {
			struct node n = {0};
			if ((e = node_object(&c, &n)) < 0)
				goto out;
			if ((e = tree_add(&t, &n)) < 0) {
				node_free(&n);
				goto out;
			}
			if (t.n > 1 && strcmp(t.nodes[t.n - 2].name, t.nodes[t.n - 1].name) >= 0) {
				e = DECLINE;
				goto out;
			}
		} while (eat(&c, ','));
		e = DECLINE;
		if (!eat(&c, ']'))
			goto out;
	}
	if (!eat(&c, '}'))
		goto out;
	ws(&c);
	if (c.p != c.end)
		goto out;
	*ret = t;
	return 0;
out:
	tree_free(&t);
	return e;
}
