/*
 * repo_prune.c: what prune needs of the repository beyond a backup's needs: every index
 * file read again as a list of packs (no damaged one tolerated), a blob's stored bytes
 * read by location, pack and temporary files removed, and the in-memory index reloaded
 * once the index files were rewritten.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/repo_internal.h"
#include "core/err.h"
#include "core/fs.h"

void repo_pack_infos_free(struct repo_pack_info *packs, size_t n)
{
	if (!packs)
		return;
	for (size_t i = 0; i < n; i++)
		free(packs[i].entries);
	free(packs);
}

struct gather {
	struct repo_pack_info *packs;
	size_t n, cap;
};

static int gather_pack(void *ctx, const uint8_t pack[REPO_ID_LEN], const struct repo_pack_entry *e, size_t n)
{
	struct gather *g = ctx;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		void *p = realloc(g->packs, cap * sizeof(*g->packs));
		if (!p)
			return -ENOMEM;
		g->packs = p;
		g->cap = cap;
	}
	struct repo_pack_info *pi = &g->packs[g->n];
	if (!(pi->entries = malloc(n * sizeof(*pi->entries))))
		return -ENOMEM;
	memcpy(pi->id, pack, REPO_ID_LEN);
	memcpy(pi->entries, e, n * sizeof(*e));
	pi->n = n;
	g->n++;
	return 0;
}

static int pack_info_cmp(const void *a, const void *b)
{
	return memcmp(((const struct repo_pack_info *)a)->id, ((const struct repo_pack_info *)b)->id, REPO_ID_LEN);
}

static bool same_listing(const struct repo_pack_info *a, const struct repo_pack_info *b)
{
	if (a->n != b->n)
		return false;
	for (size_t k = 0; k < a->n; k++) {
		const struct repo_pack_entry *x = &a->entries[k], *y = &b->entries[k];
		if (x->type != y->type || x->offset != y->offset || x->stored_len != y->stored_len ||
		    x->raw_len != y->raw_len || memcmp(x->id, y->id, REPO_ID_LEN) != 0)
			return false;
	}
	return true;
}

int repo_index_files_read(struct repo *r, struct repo_pack_info **ret_packs, size_t *ret_npacks,
			  char (**ret_files)[REPO_HEX_LEN], size_t *ret_nfiles)
{
	char dir[4096], label[80], hex[REPO_HEX_LEN], (*ids)[REPO_HEX_LEN] = NULL;
	struct gather g = {0};
	size_t n = 0;
	int code = repo_join(r, dir, sizeof(dir), "index");
	if (code < 0 || (code = repo_dir_ids(dir, WARD_BACKUP_FILES_MAX, &ids, &n)) < 0)
		return code;
	for (size_t i = 0; i < n; i++) {
		uint8_t *bytes = NULL, *plain = NULL;
		size_t len, plain_len;
		snprintf(label, sizeof(label), "index/%s", ids[i]);
		code = repo_file_load(dir, ids[i], WARD_BACKUP_FILE_MAX + REPO_BLOB_OVERHEAD, &bytes, &len);
		if (code == 0) {
			code = repo_file_open_bytes(r, label, bytes, len, REPO_AAD_INDEX, &plain, &plain_len);
			free(bytes);
		}
		if (code == 0) {
			code = repo_index_decode(plain, plain_len, gather_pack, &g);
			free(plain);
			if (code == -EBADMSG)
				code = err_set(code, "'%s' is damaged: %s", label, err_msg(code));
		}
		if (code < 0)
			goto out;
	}
	if (g.n > 1)
		qsort(g.packs, g.n, sizeof(*g.packs), pack_info_cmp);
	/* One listing per pack; two that disagree mean damage (check names it). */
	size_t kept = 0;
	code = 0;
	for (size_t i = 0; i < g.n; i++) {
		struct repo_pack_info *cur = &g.packs[i];
		if (kept > 0 && memcmp(g.packs[kept - 1].id, cur->id, REPO_ID_LEN) == 0) {
			if (code == 0 && !same_listing(&g.packs[kept - 1], cur)) {
				repo_id_hex(cur->id, hex);
				code = err_set(-EBADMSG, "two index files list pack %s differently", hex);
			}
			free(cur->entries);
			continue;
		}
		g.packs[kept++] = *cur;
	}
	g.n = kept;
	if (code < 0)
		goto out;
	*ret_packs = g.packs;
	*ret_npacks = g.n;
	*ret_files = ids;
	*ret_nfiles = n;
	g.packs = NULL;
	ids = NULL;
	code = 0;
out:
	repo_pack_infos_free(g.packs, g.n);
	free(ids);
	return code;
}

int repo_blob_read_stored(struct repo *r, const uint8_t pack[REPO_ID_LEN], const struct repo_pack_entry *e, bool verify,
			  uint8_t **ret)
{
	char path[4096], hex[REPO_HEX_LEN];
	uint8_t *stored = NULL;
	size_t got;
	int code = repo_pack_path(r, pack, path, sizeof(path)), fd;
	if (code < 0)
		return code;
	repo_id_hex(pack, hex);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return err_set(-ENOENT, "pack %s is missing", hex);
		return err_set(-errno, "cannot open pack %s: %s", hex, strerror(errno));
	}
	if (!(stored = malloc(e->stored_len ? e->stored_len : 1))) {
		code = -ENOMEM;
		goto out;
	}
	if ((code = repo_pread_all(fd, stored, e->stored_len, e->offset, &got)) < 0) {
		code = err_set(code, "cannot read pack %s: %s", hex, strerror(-code));
		goto out;
	}
	if (got != e->stored_len) {
		code = err_set(-EBADMSG, "pack %s is damaged: it is truncated", hex);
		goto out;
	}
	if (verify) {
		uint8_t *plain = NULL;
		size_t plain_len;
		code = repo_blob_open_expect(r, e->type, e->id, stored, got, e->raw_len, &plain, &plain_len);
		free(plain);
		if (code == -EBADMSG)
			code = err_set(-EBADMSG, "%s (in pack %s)", err_msg(code), hex);
		if (code < 0)
			goto out;
	}
	*ret = stored;
	stored = NULL;
	code = 0;
out:
	free(stored);
	close(fd);
	return code;
}

int repo_pack_remove(struct repo *r, const uint8_t pack[REPO_ID_LEN])
{
	char path[4096], hex[REPO_HEX_LEN];
	int code = repo_pack_path(r, pack, path, sizeof(path));
	if (code < 0)
		return code;
	repo_id_hex(pack, hex);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(-errno, "cannot remove pack %s: %s", hex, strerror(errno));
	*strrchr(path, '/') = '\0';
	return repo_sync_dir(path);
}

/* Whether name is what an interrupted writer leaves: "<hex>.tmp". */
static bool is_tmp(const char *name)
{
	size_t len = strlen(name);
	return len > 4 && len <= 2 * REPO_ID_LEN + 4 && strcmp(name + len - 4, ".tmp") == 0 &&
	       strspn(name, "0123456789abcdef") == len - 4;
}

int repo_tmp_clean(struct repo *r, unsigned *ret_removed)
{
	static const char *const dirs[] = {"data", "index", "snapshots"};
	unsigned removed = 0;
	int code = 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && code == 0; i++) {
		char dir[4096], file[4096];
		struct dirent *e;
		unsigned here = 0;
		if ((code = repo_join(r, dir, sizeof(dir), dirs[i])) < 0)
			break;
		DIR *d = opendir(dir);
		if (!d) {
			if (errno == ENOENT)
				continue;
			code = err_set(-errno, "cannot list '%s': %s", dir, strerror(errno));
			break;
		}
		while ((e = readdir(d)))
			if (is_tmp(e->d_name) && fs_join(file, sizeof(file), dir, e->d_name) == 0 && unlink(file) == 0)
				here++;
		closedir(d);
		if (here)
			code = repo_sync_dir(dir);
		removed += here;
	}
	if (code == 0 && ret_removed)
		*ret_removed = removed;
	return code;
}

int repo_index_reload(struct repo *r)
{
	struct repo_index *fresh = NULL, *old = r->index;
	int code = repo_index_new(&fresh);
	if (code < 0)
		return code;
	r->index = fresh;
	if ((code = repo_index_load(r)) < 0) {
		r->index = old;
		repo_index_free(fresh);
		return code;
	}
	repo_index_free(old);
	return 0;
}
