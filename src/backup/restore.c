/*
 * restore.c: putting a snapshot back. The calling thread walks the snapshot's trees,
 * creating directories, links and special files, and hands regular files to worker
 * threads that fetch, check and write their chunks; a directory's own metadata is set
 * once everything in it is done, so its times stay as they were. Every chunk is
 * checked against its id before it is written: damaged data fails the file, which is
 * removed, never left holding garbage. Chunks of zeros in files that had holes are
 * skipped over, so sparse files come back sparse.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/backup.h"
#include "backup/tree.h"
#include "core/err.h"
#include "core/timeutil.h"

#define RESTORE_QUEUE_MAX 128
#define SPARSE_BLOCK 65536 /* zeros are looked for in pieces of this size */

struct rwait {
	pthread_mutex_t mu;
	pthread_cond_t done;
	int pending;
};

struct rjob {
	char *path; /* absolute, under the target */
	struct node node;
	struct rwait *wait;
	struct rjob *next;
};

/* Paths of files with several links, by (device, inode): the first one restored. */
struct link {
	uint64_t device, inode;
	char *path;
};

struct rctx {
	struct repo *r;
	const struct restore_opts *o;
	bool root;
	pthread_mutex_t mu;
	pthread_cond_t have, space;
	struct rjob *head, *tail;
	int queued;
	bool stop;
	struct link *links;
	size_t nlinks, caplinks;
	atomic_uint_fast64_t files, dirs, others, bytes, errors;
	atomic_int fatal;
};

static void rwarn(struct rctx *c, const char *path, int e)
{
	atomic_fetch_add(&c->errors, 1);
	fprintf(stderr, "ward: error: %s (restoring '%s')\n", err_msg(e), path);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		if (*p++)
			return false;
		n--;
	}
	const uint64_t *q = (const uint64_t *)(const void *)p;
	for (; n >= 8; n -= 8)
		if (*q++)
			return false;
	p = (const uint8_t *)q;
	while (n--)
		if (*p++)
			return false;
	return true;
}

static int write_all(int fd, const uint8_t *p, size_t n, const char *path)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return err_set(-errno, "cannot write '%s': %s", path, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int file_restore(struct rctx *c, const char *path, const struct node *n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(-errno, "cannot create '%s': %s", path, strerror(errno));
	uint64_t written = 0;
	int e = 0;
	for (size_t i = 0; i < n->ncontent && e == 0; i++) {
		uint8_t *data = NULL;
		size_t len = 0;
		if ((e = repo_blob_read(c->r, REPO_BLOB_DATA, n->content[i], &data, &len)) < 0)
			break;
		if (n->sparse) {
			/* Holes come back as holes: runs of zeros are skipped, not written. */
			for (size_t at = 0; at < len && e == 0; at += SPARSE_BLOCK) {
				size_t k = len - at < SPARSE_BLOCK ? len - at : SPARSE_BLOCK;
				if (!all_zero(data + at, k))
					e = write_all(fd, data + at, k, path);
				else if (lseek(fd, (off_t)k, SEEK_CUR) < 0)
					e = err_set(-errno, "cannot seek in '%s': %s", path, strerror(errno));
			}
		} else {
			e = write_all(fd, data, len, path);
		}
		written += len;
		free(data);
	}
	if (e == 0 && written != n->size)
		e = err_set(-EBADMSG, "the snapshot's chunks of '%s' add up to %llu bytes, not %llu", path,
			    (unsigned long long)written, (unsigned long long)n->size);
	/* Holes at the end are not written: the length makes them. */
	if (e == 0 && ftruncate(fd, (off_t)n->size) < 0)
		e = err_set(-errno, "cannot size '%s': %s", path, strerror(errno));
	close(fd);
	if (e < 0) {
		unlink(path); /* never leave a file holding part of the data */
		return e;
	}
	atomic_fetch_add(&c->bytes, written);
	return node_apply(AT_FDCWD, path, n, c->root);
}

static void *rworker(void *arg)
{
	struct rctx *c = arg;
	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (!c->head && !c->stop)
			pthread_cond_wait(&c->have, &c->mu);
		struct rjob *j = c->head;
		if (!j) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		c->head = j->next;
		if (!c->head)
			c->tail = NULL;
		c->queued--;
		pthread_cond_signal(&c->space);
		pthread_mutex_unlock(&c->mu);
		int e = file_restore(c, j->path, &j->node);
		if (e == -ENOSPC || e == -EDQUOT || e == -EROFS || e == -ENOMEM)
			atomic_store(&c->fatal, e);
		if (e < 0)
			rwarn(c, j->path, e);
		else
			atomic_fetch_add(&c->files, 1);
		pthread_mutex_lock(&j->wait->mu);
		if (--j->wait->pending == 0)
			pthread_cond_broadcast(&j->wait->done);
		pthread_mutex_unlock(&j->wait->mu);
		node_free(&j->node);
		free(j->path);
		free(j);
	}
	return NULL;
}

/* Hands a file to the workers; takes n's contents. */
static int rsubmit(struct rctx *c, const char *path, struct node *n, struct rwait *w)
{
	struct rjob *j = calloc(1, sizeof(*j));
	if (!j || !(j->path = strdup(path))) {
		free(j);
		return -ENOMEM;
	}
	j->node = *n;
	memset(n, 0, sizeof(*n));
	j->wait = w;
	pthread_mutex_lock(&w->mu);
	w->pending++;
	pthread_mutex_unlock(&w->mu);
	pthread_mutex_lock(&c->mu);
	while (c->queued >= RESTORE_QUEUE_MAX)
		pthread_cond_wait(&c->space, &c->mu);
	if (c->tail)
		c->tail->next = j;
	else
		c->head = j;
	c->tail = j;
	c->queued++;
	pthread_cond_signal(&c->have);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* The path of the first restored name of a multiply-linked file, or NULL (and it is
 * remembered as path). */
static const char *link_seen(struct rctx *c, const struct node *n, const char *path)
{
	for (size_t i = 0; i < c->nlinks; i++)
		if (c->links[i].device == n->device && c->links[i].inode == n->inode)
			return c->links[i].path;
	if (c->nlinks == c->caplinks) {
		size_t cap = c->caplinks ? c->caplinks * 2 : 64;
		struct link *nl = realloc(c->links, cap * sizeof(*nl));
		if (!nl)
			return NULL;
		c->links = nl;
		c->caplinks = cap;
	}
	char *p = strdup(path);
	if (p)
		c->links[c->nlinks++] = (struct link){n->device, n->inode, p};
	return NULL;
}

/* Whether anything at or below snap_path is wanted. */
static bool wanted(const struct rctx *c, const char *snap_path, bool dir)
{
	if (c->o->nincludes == 0)
		return true;
	size_t l = strlen(snap_path);
	for (int i = 0; i < c->o->nincludes; i++) {
		const char *pat = c->o->includes[i];
		if (fnmatch(pat, snap_path, 0) == 0)
			return true;
		/* A folder on the way to what a pattern names. */
		if (dir && strncmp(pat, snap_path, l) == 0 && pat[l] == '/')
			return true;
	}
	return false;
}

/* Whether snap_path is inside something an include names whole. */
static bool inside_include(const struct rctx *c, const char *snap_path)
{
	for (int i = 0; i < c->o->nincludes; i++) {
		size_t l = strlen(c->o->includes[i]);
		if (strncmp(c->o->includes[i], snap_path, l) == 0 && snap_path[l] == '/')
			return true;
	}
	return false;
}

static int restore_tree(struct rctx *c, const uint8_t id[REPO_ID_LEN], const char *dst, const char *snap_path,
			bool whole);

static int restore_node(struct rctx *c, struct node *n, const char *dst, const char *snap_path, struct rwait *w,
			bool whole)
{
	char path[PATH_MAX], sp[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", dst, n->name) >= (int)sizeof(path) ||
	    snprintf(sp, sizeof(sp), "%s/%s", snap_path, n->name) >= (int)sizeof(sp))
		return err_set(-ENAMETOOLONG, "a path in the snapshot is too long for this system");
	bool in = whole || inside_include(c, sp) || wanted(c, sp, false);
	if (!in && !(n->type == NODE_DIR && wanted(c, sp, true)))
		return 0;
	int e = 0;
	switch (n->type) {
	case NODE_DIR:
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return err_set(-errno, "cannot create '%s': %s", path, strerror(errno));
		atomic_fetch_add(&c->dirs, 1);
		if ((e = restore_tree(c, n->subtree, path, sp, in)) == 0)
			e = node_apply(AT_FDCWD, path, n, c->root);
		return e;
	case NODE_FILE:
		if (n->links > 1) {
			pthread_mutex_lock(&c->mu);
			const char *first = link_seen(c, n, path);
			pthread_mutex_unlock(&c->mu);
			if (first) {
				if (link(first, path) < 0)
					return err_set(-errno, "cannot link '%s' to '%s': %s", path, first, strerror(errno));
				atomic_fetch_add(&c->files, 1);
				return 0;
			}
			/* The first name of several: written here and now, so the others can link to it. */
			if ((e = file_restore(c, path, n)) == 0)
				atomic_fetch_add(&c->files, 1);
			return e;
		}
		return rsubmit(c, path, n, w);
	case NODE_SYMLINK:
		if (symlink(n->target, path) < 0)
			return err_set(-errno, "cannot create the link '%s': %s", path, strerror(errno));
		break;
	case NODE_FIFO:
		if (mkfifo(path, 0600) < 0)
			return err_set(-errno, "cannot create the FIFO '%s': %s", path, strerror(errno));
		break;
	case NODE_CHARDEV:
	case NODE_BLOCKDEV:
		if (!c->root) {
			fprintf(stderr, "ward: warning: device '%s' is restored only as root; left out\n", path);
			return 0;
		}
		if (mknod(path, (n->type == NODE_CHARDEV ? S_IFCHR : S_IFBLK) | 0600, (dev_t)n->rdev) < 0)
			return err_set(-errno, "cannot create the device '%s': %s", path, strerror(errno));
		break;
	case NODE_SOCKET:
		return 0; /* a socket is made by the program that listens on it */
	}
	atomic_fetch_add(&c->others, 1);
	return node_apply(AT_FDCWD, path, n, c->root);
}

static int restore_tree(struct rctx *c, const uint8_t id[REPO_ID_LEN], const char *dst, const char *snap_path, bool whole)
{
	uint8_t *text = NULL;
	size_t len = 0;
	struct tree t;
	struct rwait w = {.mu = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};
	int e = repo_blob_read(c->r, REPO_BLOB_TREE, id, &text, &len);
	if (e < 0)
		return e;
	e = tree_decode((const char *)text, len, &t);
	free(text);
	if (e < 0)
		return e;
	for (size_t i = 0; i < t.n && !atomic_load(&c->fatal); i++) {
		int ne = restore_node(c, &t.nodes[i], dst, snap_path, &w, whole);
		if (ne == -ENOMEM) {
			e = ne;
			break;
		}
		if (ne < 0) {
			char p[PATH_MAX];
			snprintf(p, sizeof(p), "%s/%s", dst, t.nodes[i].name);
			rwarn(c, p, ne);
		}
	}
	pthread_mutex_lock(&w.mu);
	while (w.pending > 0)
		pthread_cond_wait(&w.done, &w.mu);
	pthread_mutex_unlock(&w.mu);
	tree_free(&t);
	return e;
}

int backup_restore(struct repo *r, const char *id, const struct restore_opts *o, struct restore_summary *ret)
{
	struct rctx c = {.r = r, .o = o, .root = geteuid() == 0, .mu = PTHREAD_MUTEX_INITIALIZER,
			 .have = PTHREAD_COND_INITIALIZER, .space = PTHREAD_COND_INITIALIZER};
	json_t *snap = NULL;
	char sid[REPO_HEX_LEN], target[PATH_MAX];
	uint8_t tree[REPO_ID_LEN];
	int64_t start = time_mono_us();
	int e = snapshot_get(r, id, &snap, sid), n = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t *threads = NULL;
	int started = 0;
	memset(ret, 0, sizeof(*ret));
	if (e < 0)
		return e;
	if ((e = repo_id_parse(json_string_value(json_object_get(snap, "tree")), tree)) < 0)
		goto out;
	if (mkdir(o->target, 0700) < 0 && errno != EEXIST) {
		e = err_set(-errno, "cannot create '%s': %s", o->target, strerror(errno));
		goto out;
	}
	if (!realpath(o->target, target)) {
		e = err_set(-errno, "cannot use '%s': %s", o->target, strerror(errno));
		goto out;
	}
	if (n < 1)
		n = 1;
	if (!(threads = calloc((size_t)n, sizeof(*threads)))) {
		e = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (pthread_create(&threads[i], NULL, rworker, &c) == 0)
			started++;
	if (started == 0) {
		e = err_set(-EAGAIN, "cannot start restore threads");
		goto out;
	}
	e = restore_tree(&c, tree, target, "", false);
	pthread_mutex_lock(&c.mu);
	c.stop = true;
	pthread_cond_broadcast(&c.have);
	pthread_mutex_unlock(&c.mu);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (e == 0 && atomic_load(&c.fatal))
		e = atomic_load(&c.fatal);
	ret->files = atomic_load(&c.files);
	ret->dirs = atomic_load(&c.dirs);
	ret->others = atomic_load(&c.others);
	ret->bytes = atomic_load(&c.bytes);
	ret->errors = atomic_load(&c.errors);
	ret->seconds = (double)(time_mono_us() - start) / 1e6;
	if (e == 0 && ret->errors)
		e = err_set(-EBADMSG, "%llu file%s could not be restored (said above)", (unsigned long long)ret->errors,
			    ret->errors == 1 ? "" : "s");
out:
	for (size_t i = 0; i < c.nlinks; i++)
		free(c.links[i].path);
	free(c.links);
	free(threads);
	json_decref(snap);
	return e;
}
