/*
 * backup_query.c: reading snapshots without restoring them: listing their files, and
 * finding which snapshots and files a set of damaged blobs affects (for check).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"
#include "backup/tree.h"
#include "core/err.h"
#include "core/json.h"

/* Calls fn for every node below the tree id, depth first, with its path. */
typedef int (*visit_fn)(const struct node *n, const char *path, void *arg);

static int visit(struct repo *r, const uint8_t id[REPO_ID_LEN], const char *path, visit_fn fn, void *arg, int depth)
{
	uint8_t *text = NULL;
	size_t len = 0;
	struct tree t;
	if (depth > 4096)
		return err_set(-ELOOP, "the snapshot's folders nest too deep");
	int e = repo_blob_read(r, REPO_BLOB_TREE, id, &text, &len);
	if (e < 0)
		return e;
	e = tree_decode((const char *)text, len, &t);
	free(text);
	for (size_t i = 0; e == 0 && i < t.n; i++) {
		char p[PATH_MAX];
		if (snprintf(p, sizeof(p), "%s/%s", path, t.nodes[i].name) >= (int)sizeof(p)) {
			e = err_set(-ENAMETOOLONG, "a path in the snapshot is too long");
			break;
		}
		if ((e = fn(&t.nodes[i], p, arg)) == 0 && t.nodes[i].type == NODE_DIR)
			e = visit(r, t.nodes[i].subtree, p, fn, arg, depth + 1);
	}
	tree_free(&t);
	return e;
}

struct ls_ctx {
	const char *prefix;
	json_t *out;
};

static int ls_one(const struct node *n, const char *path, void *arg)
{
	struct ls_ctx *c = arg;
	size_t l = strlen(c->prefix);
	if (l && (strncmp(path, c->prefix, l) != 0 || (path[l] != '/' && path[l] != '\0')))
		return 0;
	json_t *j = json_pack("{s:s, s:s, s:I, s:i, s:I}", "path", path, "type", node_type_name(n->type), "size",
			      (json_int_t)n->size, "mode", (int)n->mode, "mtime", (json_int_t)(n->mtime_ns / 1000000000));
	return j && json_array_append_new(c->out, j) == 0 ? 0 : -ENOMEM;
}

int backup_ls(struct repo *r, const char *id, const char *path, json_t **ret)
{
	json_t *snap;
	char sid[REPO_HEX_LEN];
	uint8_t tree[REPO_ID_LEN];
	int e = snapshot_get(r, id, &snap, sid);
	if (e < 0)
		return e;
	struct ls_ctx c = {.prefix = path ? path : "", .out = json_array()};
	if ((e = repo_id_parse(json_string_value(json_object_get(snap, "tree")), tree)) == 0)
		e = c.out ? visit(r, tree, "", ls_one, &c, 0) : -ENOMEM;
	json_decref(snap);
	if (e < 0) {
		json_decref(c.out);
		return e;
	}
	*ret = c.out;
	return 0;
}

struct affected_ctx {
	const json_t *ids;
	json_t *files;
};

static int affected_one(const struct node *n, const char *path, void *arg)
{
	struct affected_ctx *c = arg;
	char hex[REPO_HEX_LEN];
	for (size_t i = 0; i < n->ncontent; i++) {
		repo_id_hex(n->content[i], hex);
		if (json_object_get(c->ids, hex))
			return json_array_append_new(c->files, json_string(path)) == 0 ? 0 : -ENOMEM;
	}
	if (n->type == NODE_DIR) {
		repo_id_hex(n->subtree, hex);
		if (json_object_get(c->ids, hex))
			return json_array_append_new(c->files, json_string(path)) == 0 ? 0 : -ENOMEM;
	}
	return 0;
}

int backup_affected(struct repo *r, const json_t *blob_ids, json_t **ret)
{
	json_t *all, *snap, *out = json_array();
	size_t i;
	int e = out ? snapshot_list(r, &all) : -ENOMEM;
	if (e < 0) {
		json_decref(out);
		return e;
	}
	json_array_foreach(all, i, snap) {
		uint8_t tree[REPO_ID_LEN];
		const char *tree_hex = json_string_value(json_object_get(snap, "tree"));
		struct affected_ctx c = {.ids = blob_ids, .files = json_array()};
		if (!c.files) {
			e = -ENOMEM;
			break;
		}
		int v = repo_id_parse(tree_hex, tree);
		/* The root tree itself damaged: the whole snapshot is. */
		if (v == 0 && json_object_get(blob_ids, tree_hex))
			json_array_append_new(c.files, json_string("/"));
		else if (v == 0)
			v = visit(r, tree, "", affected_one, &c, 0);
		if (v < 0 && v != -ENOMEM) /* an unreadable tree on the way: what is below it is affected too */
			json_array_append_new(c.files, json_pack("{s:s}", "unreadable", err_msg(v)));
		if (v == -ENOMEM) {
			json_decref(c.files);
			e = v;
			break;
		}
		if (json_array_size(c.files))
			json_array_append_new(out, json_pack("{s:O, s:O, s:o}", "snapshot", json_object_get(snap, "id"),
							     "time", json_object_get(snap, "time"), "files", c.files));
		else
			json_decref(c.files);
	}
	json_decref(all);
	if (e < 0) {
		json_decref(out);
		return e;
	}
	*ret = out;
	return 0;
}
