/*
 * prune.c: what the snapshots reference, found by walking their trees: prune (delete
 * what nothing uses, repack what is mostly unused, in a crash-safe order), stats
 * (restore size, blobs referenced, dedup ratio) and diff (two snapshots compared,
 * subtrees with the same id skipped).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup.h"
#include "backup/tree.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/timeutil.h"

#define WALK_DEPTH_MAX 4096 /* folders nested deeper than this are refused, as restore does */

/* --- a set of blob keys (type, id), with an optional value per key --- */

#define KEY_LEN (1 + REPO_ID_LEN)
#define SET_CLAIMED 0x01 /* prune: a pack keeps this blob */

struct blobset {
	uint8_t (*keys)[KEY_LEN]; /* type, id; type 0 marks an empty slot */
	uint8_t *flags;
	void *vals; /* val_size bytes per slot, or NULL */
	size_t val_size;
	size_t mask, n;
};

static int set_init(struct blobset *s, size_t val_size)
{
	memset(s, 0, sizeof(*s));
	s->mask = 1023;
	s->val_size = val_size;
	s->keys = calloc(s->mask + 1, KEY_LEN);
	s->flags = calloc(s->mask + 1, 1);
	s->vals = val_size ? calloc(s->mask + 1, val_size) : NULL;
	if (!s->keys || !s->flags || (val_size && !s->vals))
		return -ENOMEM;
	return 0;
}

static void set_free(struct blobset *s)
{
	free(s->keys);
	free(s->flags);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}

/* The slot of (type, id) in keys, or the empty one where it would go. Ids are HMAC
 * outputs: their first bytes are a uniform hash. */
static size_t set_slot(uint8_t (*keys)[KEY_LEN], size_t mask, uint8_t type, const uint8_t *id)
{
	uint64_t h;
	memcpy(&h, id, sizeof(h));
	size_t i = (size_t)(h ^ type) & mask;
	while (keys[i][0] && (keys[i][0] != type || memcmp(keys[i] + 1, id, REPO_ID_LEN) != 0))
		i = (i + 1) & mask;
	return i;
}

static int set_grow(struct blobset *s)
{
	size_t mask = s->mask * 2 + 1;
	uint8_t(*keys)[KEY_LEN] = calloc(mask + 1, KEY_LEN), *flags = calloc(mask + 1, 1);
	void *vals = s->val_size ? calloc(mask + 1, s->val_size) : NULL;
	if (!keys || !flags || (s->val_size && !vals)) {
		free(keys);
		free(flags);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i <= s->mask; i++) {
		if (!s->keys[i][0])
			continue;
		size_t j = set_slot(keys, mask, s->keys[i][0], s->keys[i] + 1);
		memcpy(keys[j], s->keys[i], KEY_LEN);
		flags[j] = s->flags[i];
		if (vals)
			memcpy((uint8_t *)vals + j * s->val_size, (uint8_t *)s->vals + i * s->val_size, s->val_size);
	}
	free(s->keys);
	free(s->flags);
	free(s->vals);
	s->keys = keys;
	s->flags = flags;
	s->vals = vals;
	s->mask = mask;
	return 0;
}

/* 1 when added (at *ret_slot), 0 when it was there, -ENOMEM or -E2BIG. */
static int set_add(struct blobset *s, uint8_t type, const uint8_t *id, size_t *ret_slot)
{
	size_t i = set_slot(s->keys, s->mask, type, id);
	int e;
	if (s->keys[i][0]) {
		if (ret_slot)
			*ret_slot = i;
		return 0;
	}
	if (s->n >= WARD_BACKUP_INDEX_BLOBS_MAX)
		return err_set(-E2BIG, "the snapshots reference more than %u blobs", WARD_BACKUP_INDEX_BLOBS_MAX);
	if ((s->n + 1) * 4 > (s->mask + 1) * 3) { /* at most 3/4 full */
		if ((e = set_grow(s)) < 0)
			return e;
		i = set_slot(s->keys, s->mask, type, id);
	}
	s->keys[i][0] = type;
	memcpy(s->keys[i] + 1, id, REPO_ID_LEN);
	s->n++;
	if (ret_slot)
		*ret_slot = i;
	return 1;
}

static bool set_find(const struct blobset *s, uint8_t type, const uint8_t *id, size_t *ret_slot)
{
	size_t i = set_slot(s->keys, s->mask, type, id);
	if (!s->keys[i][0])
		return false;
	if (ret_slot)
		*ret_slot = i;
	return true;
}

static void *set_val(const struct blobset *s, size_t slot)
{
	return (uint8_t *)s->vals + slot * s->val_size;
}

/* Reads and decodes the tree blob id. */
static int tree_load(struct repo *r, const uint8_t id[REPO_ID_LEN], struct tree *ret)
{
	uint8_t *text = NULL;
	size_t len = 0;
	int e = repo_blob_read(r, REPO_BLOB_TREE, id, &text, &len);
	if (e < 0)
		return e;
	e = tree_decode((const char *)text, len, ret);
	free(text);
	return e;
}

static int snapshot_tree(const json_t *snap, uint8_t tree[REPO_ID_LEN])
{
	return repo_id_parse(json_string_value(json_object_get(snap, "tree")), tree);
}

/* --- marking --- */

/* Adds the tree id, and everything below it that is not marked yet, to used. */
static int mark_tree(struct repo *r, struct blobset *used, const uint8_t id[REPO_ID_LEN], int depth)
{
	struct tree t;
	int e;
	if (depth > WALK_DEPTH_MAX)
		return err_set(-ELOOP, "the snapshot's folders nest too deep");
	if ((e = set_add(used, REPO_BLOB_TREE, id, NULL)) <= 0)
		return e; /* seen: so is everything below it */
	if ((e = tree_load(r, id, &t)) < 0)
		return e;
	for (size_t i = 0; e == 0 && i < t.n; i++) {
		const struct node *n = &t.nodes[i];
		for (size_t k = 0; e >= 0 && k < n->ncontent; k++)
			e = set_add(used, REPO_BLOB_DATA, n->content[k], NULL);
		if (e >= 0 && n->type == NODE_DIR)
			e = mark_tree(r, used, n->subtree, depth + 1);
		if (e > 0)
			e = 0;
	}
	tree_free(&t);
	return e;
}

/* --- prune --- */

enum pack_action { PACK_KEEP, PACK_DELETE, PACK_REPACK };

struct packplan {
	const struct repo_pack_info *pi;
	uint64_t bytes, used_bytes, used_guess; /* used_guess: counting duplicates, for the order */
	size_t used;
	bool *keep; /* per entry: this copy is the one kept */
	enum pack_action action;
};

/* Test hook: WARD_BACKUP_PRUNE_CRASH=<point> kills the process there (SIGKILL), so the
 * crash test can show that each step leaves a sound repository. */
static void crash_point(const char *point)
{
	const char *want = getenv("WARD_BACKUP_PRUNE_CRASH");
	if (want && strcmp(want, point) == 0)
		kill(getpid(), SIGKILL);
}

/* Packs mostly used first: they claim the blobs several packs hold (an interrupted
 * prune leaves copies), so the others empty out. */
static int plan_order(const void *a, const void *b)
{
	const struct packplan *x = *(const struct packplan *const *)a, *y = *(const struct packplan *const *)b;
	double fx = x->bytes ? (double)x->used_guess / (double)x->bytes : 0;
	double fy = y->bytes ? (double)y->used_guess / (double)y->bytes : 0;
	if (fx != fy)
		return fx > fy ? -1 : 1;
	return memcmp(x->pi->id, y->pi->id, REPO_ID_LEN);
}

struct prune {
	struct repo *r;
	const struct prune_opts *o;
	struct prune_summary s;
	json_t *snaps;
	struct repo_pack_info *packs;
	size_t npacks;
	char (*ifiles)[REPO_HEX_LEN];
	size_t nifiles;
	uint8_t (*disk)[REPO_ID_LEN];
	size_t ndisk;
	uint8_t (*unindexed)[REPO_ID_LEN];
	size_t nunindexed;
	struct blobset used;
	struct packplan *plans;
};

static void prune_free(struct prune *p)
{
	for (size_t i = 0; p->plans && i < p->npacks; i++)
		free(p->plans[i].keep);
	free(p->plans);
	set_free(&p->used);
	json_decref(p->snaps);
	repo_pack_infos_free(p->packs, p->npacks);
	free(p->ifiles);
	free(p->disk);
	free(p->unindexed);
}

/* What is there: snapshots, index files, packs on disk; then every blob in use. */
static int prune_mark(struct prune *p)
{
	char hex[REPO_HEX_LEN];
	json_t *snap;
	size_t i, k;
	int e;
	if ((e = snapshot_list(p->r, &p->snaps)) < 0 ||
	    (e = repo_index_files_read(p->r, &p->packs, &p->npacks, &p->ifiles, &p->nifiles)) < 0 ||
	    (e = repo_pack_list(p->r, &p->disk, &p->ndisk)) < 0)
		return e;
	/* Both lists are sorted: indexed packs must exist; the others are leftovers. */
	if (!(p->unindexed = malloc((p->ndisk ? p->ndisk : 1) * sizeof(*p->unindexed))))
		return -ENOMEM;
	for (i = 0, k = 0; i < p->ndisk || k < p->npacks;) {
		int c = i == p->ndisk ? 1 : k == p->npacks ? -1 : memcmp(p->disk[i], p->packs[k].id, REPO_ID_LEN);
		if (c < 0) {
			memcpy(p->unindexed[p->nunindexed++], p->disk[i++], REPO_ID_LEN);
		} else if (c > 0) {
			repo_id_hex(p->packs[k].id, hex);
			return err_set(-ENOENT, "pack %s that the index names is missing: run 'ward backup check'",
				       hex);
		} else {
			i++;
			k++;
		}
	}
	if ((e = set_init(&p->used, 0)) < 0)
		return e;
	json_array_foreach(p->snaps, i, snap)
	{
		uint8_t tree[REPO_ID_LEN];
		const char *id = json_string_value(json_object_get(snap, "id")) ?: "";
		if (p->o->ignore && json_object_get(p->o->ignore, id))
			continue;
		if ((e = snapshot_tree(snap, tree)) < 0 || (e = mark_tree(p->r, &p->used, tree, 0)) < 0)
			return err_set(e, "cannot read snapshot %.16s: %s", id, err_msg(e));
		p->s.snapshots++;
	}
	return 0;
}

/* Which copy of each used blob stays, and what becomes of each pack. */
static int prune_plan(struct prune *p)
{
	struct packplan **order = NULL;
	char hex[REPO_HEX_LEN];
	size_t slot;
	int e = 0;
	if (!(p->plans = calloc(p->npacks ? p->npacks : 1, sizeof(*p->plans))) ||
	    !(order = malloc((p->npacks ? p->npacks : 1) * sizeof(*order)))) {
		free(order);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->npacks; i++) {
		struct packplan *pl = &p->plans[i];
		pl->pi = &p->packs[i];
		if (!(pl->keep = calloc(pl->pi->n, sizeof(*pl->keep)))) {
			free(order);
			return -ENOMEM;
		}
		for (size_t k = 0; k < pl->pi->n; k++) {
			const struct repo_pack_entry *en = &pl->pi->entries[k];
			pl->bytes += en->stored_len;
			if (set_find(&p->used, en->type, en->id, NULL))
				pl->used_guess += en->stored_len;
		}
		p->s.packs++;
		p->s.blobs += pl->pi->n;
		p->s.bytes += pl->bytes;
		order[i] = pl;
	}
	qsort(order, p->npacks, sizeof(*order), plan_order);
	for (size_t i = 0; i < p->npacks; i++) {
		struct packplan *pl = order[i];
		for (size_t k = 0; k < pl->pi->n; k++) {
			const struct repo_pack_entry *en = &pl->pi->entries[k];
			if (!set_find(&p->used, en->type, en->id, &slot) || (p->used.flags[slot] & SET_CLAIMED))
				continue;
			p->used.flags[slot] |= SET_CLAIMED;
			pl->keep[k] = true;
			pl->used++;
			pl->used_bytes += en->stored_len;
		}
		uint64_t unused = pl->bytes - pl->used_bytes;
		if (pl->used == 0)
			pl->action = PACK_DELETE;
		else if (unused > 0 && unused * 100 > (uint64_t)p->o->max_unused * pl->bytes)
			pl->action = PACK_REPACK;
		else
			pl->action = PACK_KEEP;
		p->s.used_blobs += pl->used;
		p->s.used_bytes += pl->used_bytes;
		switch (pl->action) {
		case PACK_DELETE:
			p->s.deleted_packs++;
			p->s.deleted_blobs += pl->pi->n;
			p->s.deleted_bytes += pl->bytes;
			break;
		case PACK_REPACK:
			p->s.repacked_packs++;
			p->s.repacked_blobs += pl->used;
			p->s.repacked_bytes += pl->used_bytes;
			p->s.dropped_blobs += pl->pi->n - pl->used;
			p->s.dropped_bytes += unused;
			break;
		case PACK_KEEP:
			p->s.kept_unused_blobs += pl->pi->n - pl->used;
			p->s.kept_unused_bytes += unused;
			break;
		}
	}
	free(order);
	/* Every blob a snapshot uses must be somewhere, or pruning would lose it for good. */
	for (size_t i = 0; i <= p->used.mask; i++) {
		if (!p->used.keys[i][0] || (p->used.flags[i] & SET_CLAIMED))
			continue;
		repo_id_hex(p->used.keys[i] + 1, hex);
		e = err_set(-ENOENT, "%s blob %s is used by a snapshot but in no pack: run 'ward backup check'",
			    p->used.keys[i][0] == REPO_BLOB_TREE ? "tree" : "data", hex);
		break;
	}
	for (size_t i = 0; e == 0 && i < p->nunindexed; i++) {
		struct repo_pack_entry *hdr = NULL;
		size_t n = 0;
		p->s.unindexed_packs++;
		if (repo_pack_read_header(p->r, p->unindexed[i], &hdr, &n) == 0)
			for (size_t k = 0; k < n; k++)
				p->s.unindexed_bytes += hdr[k].stored_len;
		free(hdr);
	}
	return e;
}

/* Copies the kept blobs of the packs to repack into new packs. */
static int prune_repack(struct prune *p)
{
	struct repo_pack_writer *w = NULL;
	int e = repo_pack_writer_new(p->r, &w);
	for (size_t i = 0; e == 0 && i < p->npacks; i++) {
		const struct packplan *pl = &p->plans[i];
		if (pl->action != PACK_REPACK)
			continue;
		for (size_t k = 0; e == 0 && k < pl->pi->n; k++) {
			const struct repo_pack_entry *en = &pl->pi->entries[k];
			uint8_t *stored = NULL;
			if (!pl->keep[k])
				continue;
			/* Opened before it is copied: prune never spreads damage into new packs. */
			if ((e = repo_blob_read_stored(p->r, pl->pi->id, en, true, &stored)) < 0)
				break;
			size_t before = repo_pack_writer_count(w);
			e = repo_pack_writer_add(w, en->type, en->id, stored, en->stored_len, en->raw_len);
			free(stored);
			if (e == 0 && repo_pack_writer_count(w) <= before)
				p->s.new_packs++; /* a full pack was finished */
		}
	}
	if (e == 0) {
		e = repo_pack_writer_finish(w, NULL);
		if (e == 0)
			p->s.new_packs++;
		else if (e == -ENODATA)
			e = 0;
	}
	repo_pack_writer_free(w);
	return e;
}

static int prune_apply(struct prune *p)
{
	char(*now)[REPO_HEX_LEN] = NULL;
	size_t nnow = 0;
	unsigned tmp = 0;
	int e;
	bool first = true;
	/* Nobody else writes under our exclusive lock: what interrupted runs left goes. */
	if ((e = repo_tmp_clean(p->r, &tmp)) < 0)
		return e;
	p->s.tmp_removed = tmp;
	if ((e = prune_repack(p)) < 0)
		return e;
	crash_point("repacked");
	/* A full index: the new packs (added as they were finished) and the packs kept. */
	for (size_t i = 0; i < p->npacks; i++)
		if (p->plans[i].action == PACK_KEEP &&
		    (e = repo_index_add(p->r, p->packs[i].id, p->packs[i].entries, p->packs[i].n)) < 0)
			return e;
	if ((e = repo_index_flush(p->r)) < 0)
		return e;
	crash_point("indexed");
	/* From here on files go: only while the lock is still ours. */
	if ((e = repo_lock_check(p->r)) < 0)
		return e;
	for (size_t i = 0; i < p->nifiles; i++) {
		if ((e = repo_file_remove(p->r, "index", p->ifiles[i])) < 0 && e != -ENOENT)
			return e;
		p->s.index_files_old++;
		crash_point("index-removed");
	}
	/* No index names the old packs any more: they can go. */
	for (size_t i = 0; i < p->npacks + p->nunindexed; i++) {
		const uint8_t *id = i < p->npacks ? p->packs[i].id : p->unindexed[i - p->npacks];
		if (i < p->npacks && p->plans[i].action == PACK_KEEP)
			continue;
		if ((e = repo_pack_remove(p->r, id)) < 0)
			return e;
		if (first)
			crash_point("pack-removed");
		first = false;
	}
	if ((e = repo_file_list(p->r, "index", &now, &nnow)) < 0)
		return e;
	free(now);
	p->s.index_files_new = nnow;
	return repo_index_reload(p->r);
}

int backup_prune(struct repo *r, const struct prune_opts *o, struct prune_summary *ret)
{
	struct prune p = {.r = r, .o = o};
	int64_t start = time_mono_us();
	int e;
	if (o->max_unused < 0 || o->max_unused > 100)
		return err_set(-EINVAL, "the unused share a pack may keep is 0 to 100%%, not %d", o->max_unused);
	if (!o->dry_run && (e = repo_lock_check(r)) < 0)
		return e;
	if ((e = prune_mark(&p)) < 0 || (e = prune_plan(&p)) < 0) {
		e = err_set(e, "nothing was pruned: %s", err_msg(e));
		goto out;
	}
	if (!o->dry_run && (e = prune_apply(&p)) < 0)
		goto out;
	p.s.seconds = (double)(time_mono_us() - start) / 1e6;
	*ret = p.s;
out:
	prune_free(&p);
	return e;
}

/* --- stats --- */

struct totals {
	uint64_t files, dirs, others, size;
};

struct stats {
	struct repo *r;
	enum stats_mode mode;
	struct blobset memo;  /* tree id -> struct totals of everything below it */
	struct blobset blobs; /* raw: the blobs counted */
	uint64_t tree_blobs, data_blobs, raw, stored, data_raw;
};

/* Counts a blob once: its stored and plain bytes from the index. */
static int stats_blob(struct stats *c, uint8_t type, const uint8_t id[REPO_ID_LEN])
{
	struct repo_blob_location loc;
	int e = set_add(&c->blobs, type, id, NULL);
	if (e <= 0)
		return e;
	if ((e = repo_index_lookup(c->r, (enum repo_blob_type)type, id, &loc)) < 0)
		return e;
	c->raw += loc.raw_len;
	c->stored += loc.stored_len;
	if (type == REPO_BLOB_TREE) {
		c->tree_blobs++;
	} else {
		c->data_blobs++;
		c->data_raw += loc.raw_len;
	}
	return 0;
}

static int stats_tree(struct stats *c, const uint8_t id[REPO_ID_LEN], struct totals *ret, int depth)
{
	struct totals t = {0}, sub;
	struct tree tr;
	size_t slot;
	int e;
	if (depth > WALK_DEPTH_MAX)
		return err_set(-ELOOP, "the snapshot's folders nest too deep");
	if (set_find(&c->memo, REPO_BLOB_TREE, id, &slot)) {
		memcpy(ret, set_val(&c->memo, slot), sizeof(*ret));
		return 0;
	}
	if (c->mode == STATS_RAW && (e = stats_blob(c, REPO_BLOB_TREE, id)) < 0)
		return e;
	if ((e = tree_load(c->r, id, &tr)) < 0)
		return e;
	for (size_t i = 0; e == 0 && i < tr.n; i++) {
		const struct node *n = &tr.nodes[i];
		if (n->type == NODE_FILE) {
			t.files++;
			t.size += n->size;
			for (size_t k = 0; c->mode == STATS_RAW && e == 0 && k < n->ncontent; k++)
				e = stats_blob(c, REPO_BLOB_DATA, n->content[k]);
		} else if (n->type == NODE_DIR) {
			t.dirs++;
			if ((e = stats_tree(c, n->subtree, &sub, depth + 1)) == 0) {
				t.files += sub.files;
				t.dirs += sub.dirs;
				t.others += sub.others;
				t.size += sub.size;
			}
		} else {
			t.others++;
		}
	}
	tree_free(&tr);
	if (e < 0)
		return e;
	if ((e = set_add(&c->memo, REPO_BLOB_TREE, id, &slot)) < 0)
		return e;
	memcpy(set_val(&c->memo, slot), &t, sizeof(t));
	*ret = t;
	return 0;
}

int backup_stats(struct repo *r, const char *id, enum stats_mode mode, json_t **ret)
{
	struct stats c = {.r = r, .mode = mode};
	struct totals all = {0}, t;
	json_t *list = NULL, *snap, *out = NULL;
	char sid[REPO_HEX_LEN];
	size_t i;
	int e;
	if ((e = set_init(&c.memo, sizeof(struct totals))) < 0 || (e = set_init(&c.blobs, 0)) < 0)
		goto out;
	if (id) {
		if ((e = snapshot_get(r, id, &snap, sid)) < 0)
			goto out;
		list = json_array();
		if (!list || json_array_append_new(list, snap) < 0) {
			e = -ENOMEM;
			goto out;
		}
	} else if ((e = snapshot_list(r, &list)) < 0) {
		goto out;
	}
	json_array_foreach(list, i, snap)
	{
		uint8_t tree[REPO_ID_LEN];
		if ((e = snapshot_tree(snap, tree)) < 0 || (e = stats_tree(&c, tree, &t, 0)) < 0)
			goto out;
		all.files += t.files;
		all.dirs += t.dirs;
		all.others += t.others;
		all.size += t.size;
	}
	out = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I}", "snapshots", (json_int_t)json_array_size(list), "mode",
			mode == STATS_RAW ? "raw" : "restore", "files", (json_int_t)all.files, "dirs",
			(json_int_t)all.dirs, "others", (json_int_t)all.others, "restore_size", (json_int_t)all.size);
	if (out && mode == STATS_RAW) {
		json_object_set_new(out, "blobs", json_integer((json_int_t)(c.tree_blobs + c.data_blobs)));
		json_object_set_new(out, "tree_blobs", json_integer((json_int_t)c.tree_blobs));
		json_object_set_new(out, "data_blobs", json_integer((json_int_t)c.data_blobs));
		json_object_set_new(out, "raw_size", json_integer((json_int_t)c.raw));
		json_object_set_new(out, "stored_size", json_integer((json_int_t)c.stored));
		json_object_set_new(out, "compression_ratio",
				    json_real(c.stored ? (double)c.raw / (double)c.stored : 0));
		json_object_set_new(out, "dedup_ratio",
				    json_real(c.data_raw ? (double)all.size / (double)c.data_raw : 0));
	}
	if (!out) {
		e = -ENOMEM;
		goto out;
	}
	*ret = out;
	e = 0;
out:
	json_decref(list);
	set_free(&c.memo);
	set_free(&c.blobs);
	return e;
}

/* --- diff --- */

struct diff {
	struct repo *r;
	diff_fn fn;
	void *arg;
	struct diff_summary s;
};

void diff_what_names(unsigned what, char *out, size_t size)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{DIFF_CONTENT, "content"}, {DIFF_TYPE, "type"},   {DIFF_MODE, "mode"},
		     {DIFF_OWNER, "owner"},	{DIFF_MTIME, "mtime"}, {DIFF_XATTRS, "xattrs"}};
	size_t at = 0;
	if (size)
		out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(what & names[i].bit) || at >= size)
			continue;
		int n = snprintf(out + at, size - at, "%s%s", at ? "," : "", names[i].name);
		if (n < 0)
			return;
		at += (size_t)n;
	}
}

static bool xattrs_equal(const struct node *a, const struct node *b)
{
	if (a->nxattrs != b->nxattrs)
		return false;
	for (size_t i = 0; i < a->nxattrs; i++) {
		bool found = false;
		for (size_t k = 0; k < b->nxattrs && !found; k++)
			found = strcmp(a->xattrs[i].name, b->xattrs[k].name) == 0 &&
				a->xattrs[i].len == b->xattrs[k].len &&
				memcmp(a->xattrs[i].value, b->xattrs[k].value, a->xattrs[i].len) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* What differs between two nodes of one type (times of access and change, inode and
 * link counts are not differences a user made). */
static unsigned node_diff(const struct node *a, const struct node *b)
{
	unsigned what = 0;
	if (a->type == NODE_FILE && (a->size != b->size || a->ncontent != b->ncontent ||
				     (a->ncontent && memcmp(a->content, b->content, a->ncontent * TREE_ID_LEN) != 0)))
		what |= DIFF_CONTENT;
	if (a->type == NODE_SYMLINK && strcmp(a->target ? a->target : "", b->target ? b->target : "") != 0)
		what |= DIFF_CONTENT;
	if ((a->type == NODE_CHARDEV || a->type == NODE_BLOCKDEV) && a->rdev != b->rdev)
		what |= DIFF_CONTENT;
	if (a->mode != b->mode)
		what |= DIFF_MODE;
	if (a->uid != b->uid || a->gid != b->gid || strcmp(a->user, b->user) != 0 || strcmp(a->group, b->group) != 0)
		what |= DIFF_OWNER;
	if (a->mtime_ns != b->mtime_ns)
		what |= DIFF_MTIME;
	if (!xattrs_equal(a, b))
		what |= DIFF_XATTRS;
	return what;
}

static int diff_trees(struct diff *c, const uint8_t *a, const uint8_t *b, const char *path, int depth);

static int diff_emit(struct diff *c, const char *path, char change, unsigned what, const struct node *n)
{
	switch (change) {
	case '+':
		c->s.added++;
		c->s.added_bytes += n->type == NODE_FILE ? n->size : 0;
		break;
	case '-':
		c->s.removed++;
		c->s.removed_bytes += n->type == NODE_FILE ? n->size : 0;
		break;
	case 'M': c->s.modified++; break;
	case 'U': c->s.metadata++; break;
	default: c->s.type_changed++; break;
	}
	return c->fn ? c->fn(path, change, what, node_type_name(n->type), c->arg) : 0;
}

/* One name: only in a, only in b, or in both. */
static int diff_node(struct diff *c, const struct node *a, const struct node *b, const char *parent, int depth)
{
	char path[PATH_MAX];
	const struct node *n = b ? b : a;
	int e;
	if (snprintf(path, sizeof(path), "%s/%s", parent, n->name) >= (int)sizeof(path))
		return err_set(-ENAMETOOLONG, "a path in the snapshot is too long");
	if (!a || !b) {
		if ((e = diff_emit(c, path, a ? '-' : '+', 0, n)) != 0)
			return e;
		if (n->type == NODE_DIR)
			return diff_trees(c, a ? a->subtree : NULL, b ? b->subtree : NULL, path, depth + 1);
		return 0;
	}
	if (a->type != b->type) {
		if ((e = diff_emit(c, path, 'T', DIFF_TYPE, b)) != 0)
			return e;
		return a->type == NODE_DIR || b->type == NODE_DIR
			   ? diff_trees(c, a->type == NODE_DIR ? a->subtree : NULL,
					b->type == NODE_DIR ? b->subtree : NULL, path, depth + 1)
			   : 0;
	}
	unsigned what = node_diff(a, b);
	if (what && (e = diff_emit(c, path, what & DIFF_CONTENT ? 'M' : 'U', what, b)) != 0)
		return e;
	if (a->type == NODE_DIR && memcmp(a->subtree, b->subtree, TREE_ID_LEN) != 0)
		return diff_trees(c, a->subtree, b->subtree, path, depth + 1);
	return 0;
}

/* Compares the trees a and b (either may be NULL: everything in the other is added or
 * removed), merging their sorted names. */
static int diff_trees(struct diff *c, const uint8_t *a, const uint8_t *b, const char *path, int depth)
{
	struct tree ta = {0}, tb = {0};
	int e = 0;
	if (depth > WALK_DEPTH_MAX)
		return err_set(-ELOOP, "the snapshot's folders nest too deep");
	if (a && b && memcmp(a, b, REPO_ID_LEN) == 0)
		return 0;
	if ((a && (e = tree_load(c->r, a, &ta)) < 0) || (b && (e = tree_load(c->r, b, &tb)) < 0))
		goto out;
	size_t i = 0, k = 0;
	while (e == 0 && (i < ta.n || k < tb.n)) {
		int cmp = i == ta.n ? 1 : k == tb.n ? -1 : strcmp(ta.nodes[i].name, tb.nodes[k].name);
		if (cmp < 0)
			e = diff_node(c, &ta.nodes[i++], NULL, path, depth);
		else if (cmp > 0)
			e = diff_node(c, NULL, &tb.nodes[k++], path, depth);
		else
			e = diff_node(c, &ta.nodes[i++], &tb.nodes[k++], path, depth);
	}
out:
	tree_free(&ta);
	tree_free(&tb);
	return e;
}

int backup_diff(struct repo *r, const char *a, const char *b, diff_fn fn, void *arg, struct diff_summary *ret)
{
	struct diff c = {.r = r, .fn = fn, .arg = arg};
	json_t *sa = NULL, *sb = NULL;
	char ida[REPO_HEX_LEN], idb[REPO_HEX_LEN];
	uint8_t ta[REPO_ID_LEN], tb[REPO_ID_LEN];
	int e;
	if ((e = snapshot_get(r, a, &sa, ida)) < 0 || (e = snapshot_get(r, b, &sb, idb)) < 0 ||
	    (e = snapshot_tree(sa, ta)) < 0 || (e = snapshot_tree(sb, tb)) < 0)
		goto out;
	if ((e = diff_trees(&c, ta, tb, "", 0)) == 0)
		*ret = c.s;
out:
	json_decref(sa);
	json_decref(sb);
	return e;
}
