/*
 * backup_run.c: taking a snapshot. The calling thread walks the trees (reading each
 * directory whole, then its subdirectories depth first) while worker threads read,
 * chunk, hash, compress, encrypt and pack the files it hands them, each into its own
 * pack writer, so all cores stay busy. A file whose size, times and inode match the
 * parent snapshot's is not read again: its chunk list is reused. A directory's tree is
 * written once its files are done; the snapshot is written last, after the packs and
 * the index that hold everything it names.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup/backup.h"
#include "backup/chunker.h"
#include "backup/tree.h"
#include "backup/workq.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"

#define QUEUE_MAX 256		     /* files waiting for a worker */

struct ctx {
	struct repo *r;
	const struct backup_opts *o;
	struct chunker_params params;
	struct workq q;
	int nthreads;
	/* the progress line's wake-up: its own, so a worker's is never taken by it */
	pthread_mutex_t pmu;
	pthread_cond_t tick;
	bool stop; /* under pmu; read without it by the scanner, as a hint */
	/* counters, shared */
	atomic_uint_fast64_t files_new, files_changed, files_unchanged, dirs, others, bytes_read, bytes_total,
		blobs_new, bytes_stored, errors;
	atomic_int fatal; /* the first error that must stop the backup */
	char fatal_msg[512]; /* its message, from the thread that met it */
	pthread_mutex_t trees_mu; /* trees are stored by whichever thread finishes a directory */
	struct workq_group *files; /* every file job of the path being walked */
	struct repo_pack_writer *trees; /* the walking thread's writer, for trees */
	struct repo_pack_syncer *syncer; /* fsyncs and renames every writer's full packs */
	struct repo_reader *rd;		/* the walking thread's, for the parent snapshot's trees */
	atomic_uint_fast64_t scan_bytes;  /* the progress line's estimate of the total to read */
	atomic_bool scan_done;
	bool progress;
	int64_t start_us;
};

static void warn_file(struct ctx *c, const char *path, int e)
{
	atomic_fetch_add(&c->errors, 1);
	fprintf(stderr, "ward: warning: %s; '%s' is left out\n", err_msg(e), path);
}

/* Records e as the error that stops the backup, unless one came first; its message
 * (set in this thread) is kept for the thread that reports it. */
static void fatal_set(struct ctx *c, int e)
{
	int none = 0;
	if (e < 0 && atomic_compare_exchange_strong(&c->fatal, &none, e))
		snprintf(c->fatal_msg, sizeof(c->fatal_msg), "%s", err_msg(e));
}

/* The error that stops the backup, its message set again in the calling thread; 0. */
static int fatal_get(struct ctx *c)
{
	int e = atomic_load(&c->fatal);
	return e < 0 ? err_set(e, "%s", c->fatal_msg) : 0;
}

struct dir;
static void dir_put(struct ctx *c, struct dir *d);

/* --- workers --- */

struct worker {
	struct ctx *c;
	struct repo_pack_writer *w;
	struct repo_reader *rd; /* the parent snapshot's trees it decodes ahead; made at first use */
	uint8_t *bufs[2]; /* a file is read into one; chunks in flight point into it while the
			     rest of the file is read into the other */
	size_t cap;	  /* each one's size: twice the largest chunk */
	struct chunker ch;
	struct chunk_job *spare; /* chunk jobs done with, buffers and all: no malloc per chunk */
};

/* A file for a worker to read (a normal job). */
struct file_job {
	struct workq_job job;
	char *path;
	struct node *node;
	bool *dropped;	 /* set when the file could not be read */
	struct dir *dir; /* the directory waiting for it, or NULL */
};

#define CHUNK_JOB_MAX 4 /* chunks of a file in one job: named together (repo_blob_ids) */

/* Up to CHUNK_JOB_MAX chunks of a file being split among the workers (an urgent job),
 * one after the other in the file: their ids are computed together, two hashed in
 * about the time of one. The worker that reads the file owns it: the job only fills id
 * and e. */
struct chunk_job {
	struct workq_job job;
	struct chunk_job *next;	 /* the file's chunks in flight, in order; or the free ones */
	size_t n;			       /* chunks: 1 to CHUNK_JOB_MAX */
	const uint8_t *data[CHUNK_JOB_MAX];    /* each in one of the reading worker's buffers (the same one) */
	size_t len[CHUNK_JOB_MAX];	       /* their lengths */
	uint8_t id[CHUNK_JOB_MAX][REPO_ID_LEN]; /* and ids */
	int e;
	char msg[256];	  /* e's message: it was set in the thread that ran the job */
	atomic_bool done; /* id, e and msg are set */
};

/* Stores one chunk, whose id the caller computed, through wk's pack writer. */
static int chunk_store(struct worker *wk, const uint8_t *data, size_t len, const uint8_t id[REPO_ID_LEN])
{
	struct ctx *c = wk->c;
	bool fresh = false;
	uint64_t before = repo_pack_writer_size(wk->w);
	int level = c->o->zstd_level != BACKUP_ZSTD_AUTO ? c->o->zstd_level
		    : len < BACKUP_ZSTD_SMALL		 ? BACKUP_ZSTD_SMALL_LEVEL
							 : 1;
	int e = repo_blob_save_as(wk->w, REPO_BLOB_DATA, id, data, len, level, &fresh);
	if (e == 0 && fresh) {
		/* What the pack grew by (it may have been finished and started anew). */
		uint64_t after = repo_pack_writer_size(wk->w);
		atomic_fetch_add(&c->blobs_new, 1);
		atomic_fetch_add(&c->bytes_stored, after >= before ? after - before : after);
	}
	return e;
}

static void chunk_run(struct workq_job *job, void *worker)
{
	struct chunk_job *cj = (struct chunk_job *)job;
	struct worker *wk = worker;
	struct repo_id_job ids[CHUNK_JOB_MAX];
	cj->e = atomic_load(&wk->c->fatal) ? -ECANCELED : 0;
	for (size_t i = 0; i < cj->n; i++)
		ids[i] = (struct repo_id_job){cj->data[i], cj->len[i], cj->id[i]};
	if (cj->e == 0)
		repo_pack_writer_ids(wk->w, ids, cj->n);
	for (size_t i = 0; i < cj->n && cj->e == 0; i++)
		cj->e = chunk_store(wk, cj->data[i], cj->len[i], cj->id[i]);
	if (cj->e < 0)
		snprintf(cj->msg, sizeof(cj->msg), "%s", err_msg(cj->e));
	atomic_store_explicit(&cj->done, true, memory_order_release);
}

static int add_content(struct node *n, const uint8_t id[REPO_ID_LEN], size_t *cap)
{
	if (n->ncontent == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		void *p = realloc(n->content, nc * REPO_ID_LEN);
		if (!p)
			return -ENOMEM;
		n->content = p;
		*cap = nc;
	}
	memcpy(n->content[n->ncontent++], id, REPO_ID_LEN);
	return 0;
}

/* Takes the finished chunks at the head of the in-flight list into n's content list,
 * in order, and keeps their jobs as spares. Returns e, or the first chunk's error. */
static int chunks_collect(struct worker *wk, struct chunk_job **head, struct chunk_job ***tail, struct node *n,
			  size_t *cap, int e)
{
	struct chunk_job *cj;
	while ((cj = *head) && atomic_load_explicit(&cj->done, memory_order_acquire)) {
		if (e == 0 && cj->e < 0)
			e = err_set(cj->e, "%s", cj->msg); /* said again in this thread */
		for (size_t i = 0; i < cj->n && e == 0; i++)
			e = add_content(n, cj->id[i], cap);
		if (!(*head = cj->next))
			*tail = head;
		cj->next = wk->spare;
		wk->spare = cj;
	}
	return e;
}

/* Hands the job being filled, *hold (may be NULL), to the workers: its chunks are in
 * the buffer of group g. */
static void hold_submit(struct ctx *c, struct chunk_job **hold, struct workq_group *g)
{
	if (!*hold)
		return;
	workq_submit_urgent(&c->q, &(*hold)->job, g);
	*hold = NULL;
}

/*
 * Reads, chunks and stores one file into its node's content list. A file of one
 * chunk is stored here; the chunks of a longer one go to every worker as urgent jobs
 * of a few chunks (at most nthreads in flight from each buffer), so a large file does
 * not keep one core busy while the others wait. This worker runs them too when it is ahead.
 * The jobs point into the buffer they were cut from, not into copies: when the chunker
 * needs more of the file, the bytes not cut yet move to the other buffer and the
 * reading goes on there (a job half filled goes first), and a buffer is only written
 * again once its chunks are done.
 */
static int file_store(struct worker *wk, const char *path, struct node *n)
{
	struct ctx *c = wk->c;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(-errno, "cannot open '%s': %s", path, strerror(errno));
	size_t len = 0, off = 0, cap = 0;
	uint64_t total = 0;
	bool eof = false;
	int b = 0; /* the buffer being read and cut */
	struct workq_group g[2] = {{0}, {0}};
	struct chunk_job *first = NULL, **last = &first, *hold = NULL;
	int e = 0;
	n->ncontent = 0;
	chunker_reset(&wk->ch);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		if (!eof && len < wk->cap) {
			if (off > 0) {
				/* Chunks in flight point into this buffer: the rest moves to the other
				 * one, once the chunks cut from that one are done. */
				hold_submit(c, &hold, &g[b]);
				workq_wait(&c->q, &g[!b], 0, wk);
				memcpy(wk->bufs[!b], wk->bufs[b] + off, len - off);
				b = !b;
				len -= off;
				off = 0;
			}
			ssize_t got = read(fd, wk->bufs[b] + len, wk->cap - len);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				e = err_set(-errno, "cannot read '%s': %s", path, strerror(errno));
				break;
			}
			if (got == 0)
				eof = true;
			len += (size_t)got;
			total += (uint64_t)got;
			/* A short read of a regular file is its end: when it ends at the size
			 * stat gave, the read that would return 0 is saved (a file grown since
			 * is said below, as one changed while read). */
			if (got > 0 && len < wk->cap && total == n->size)
				eof = true;
			if (!eof && len < wk->cap)
				continue; /* fill the buffer before cutting */
		}
		if (off == len && eof)
			break;
		const uint8_t *buf = wk->bufs[b];
		size_t cut = chunker_next(&wk->ch, buf + off, len - off, eof);
		if (cut == 0) {
			if (eof) {
				e = err_set(-EIO, "the chunker stopped in '%s'", path);
				break;
			}
			if (off == 0 && len == wk->cap) {
				e = err_set(-EIO, "no cut point within the buffer in '%s'", path);
				break;
			}
			/* Needs more bytes: move the rest over (as above) and read on. */
			hold_submit(c, &hold, &g[b]);
			workq_wait(&c->q, &g[!b], 0, wk);
			memcpy(wk->bufs[!b], buf + off, len - off);
			b = !b;
			len -= off;
			off = 0;
			continue;
		}
		if (eof && !first && off + cut == len) {
			/* The whole file is one chunk: no hand-off. */
			uint8_t id[REPO_ID_LEN];
			repo_blob_id(c->r, buf + off, cut, id);
			if ((e = chunk_store(wk, buf + off, cut, id)) < 0 || (e = add_content(n, id, &cap)) < 0)
				break;
			off += cut;
			continue;
		}
		struct chunk_job *cj = hold;
		if (!cj) {
			if ((cj = wk->spare))
				wk->spare = cj->next;
			else if (!(cj = calloc(1, sizeof(*cj)))) {
				e = -ENOMEM;
				break;
			}
			cj->n = 0;
			cj->job.fn = chunk_run;
			cj->next = NULL;
			atomic_store(&cj->done, false);
			*last = cj;
			last = &cj->next;
			hold = cj;
		}
		cj->data[cj->n] = buf + off;
		cj->len[cj->n++] = cut;
		off += cut;
		if (cj->n < CHUNK_JOB_MAX)
			continue;
		hold_submit(c, &hold, &g[b]);
		workq_wait(&c->q, &g[b], (size_t)c->nthreads - 1, wk);
		e = chunks_collect(wk, &first, &last, n, &cap, e);
		if (e < 0)
			break;
	}
	hold_submit(c, &hold, &g[b]);
	workq_wait(&c->q, &g[0], 0, wk);
	workq_wait(&c->q, &g[1], 0, wk);
	e = chunks_collect(wk, &first, &last, n, &cap, e);
	struct stat st;
	if (e == 0 && fstat(fd, &st) == 0 &&
	    ((uint64_t)st.st_size != total ||
	     (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec != n->mtime_ns))
		fprintf(stderr, "ward: warning: '%s' changed while it was read; what was read is kept\n", path);
	close(fd);
	if (e == 0) {
		n->size = total;
		atomic_fetch_add(&c->bytes_read, total);
	}
	return e;
}

static void file_run(struct workq_job *job, void *worker)
{
	struct file_job *j = (struct file_job *)job;
	struct worker *wk = worker;
	struct ctx *c = wk->c;
	int e = atomic_load(&c->fatal) ? 0 : file_store(wk, j->path, j->node);
	int se = repo_pack_syncer_error(c->syncer);
	if (se < 0)
		fatal_set(c, se); /* a pack could not be stored: stop */
	else if (e == -ENOMEM || e == -ENOSPC || e == -EIO || e == -EROFS || e == -EDQUOT)
		fatal_set(c, e); /* the repository side failed: stop */
	else if (e < 0 && e != -ECANCELED) { /* cancelled: the backup is failing anyway */
		warn_file(c, j->path, e);
		*j->dropped = true;
	}
	dir_put(c, j->dir);
	free(j->path);
	free(j);
}

/* Hands the file n (at path) to the workers; dir (may be NULL) waits for it. */
static int submit(struct ctx *c, const char *path, struct node *n, bool *dropped, struct dir *dir,
		  struct workq_group *g);

/* --- the walk --- */

static bool excluded(const struct ctx *c, const char *path, const char *name)
{
	for (int i = 0; i < c->o->nexcludes; i++) {
		const char *pat = c->o->excludes[i];
		if (fnmatch(pat, strchr(pat, '/') ? path : name, 0) == 0)
			return true;
	}
	return false;
}

/* The node of the parent snapshot's tree with this name, or NULL. */
static const struct node *parent_node(const struct tree *pt, const char *name)
{
	size_t lo = 0, hi = pt ? pt->n : 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(pt->nodes[mid].name, name);
		if (cmp == 0)
			return &pt->nodes[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The parent snapshot's subtree of a directory node, or an empty tree, read with rd. */
static void subtree_read(struct repo_reader *rd, const struct node *old, struct tree *ret)
{
	const uint8_t *text = NULL;
	size_t len = 0;
	memset(ret, 0, sizeof(*ret));
	if (!old || old->type != NODE_DIR || !rd)
		return;
	if (repo_reader_read(rd, REPO_BLOB_TREE, old->subtree, &text, &len) == 0 &&
	    tree_decode((const char *)text, len, ret) == 0)
		ret->id = old->subtree;
}

static void parent_subtree(struct ctx *c, const struct node *old, struct tree *ret)
{
	subtree_read(c->rd, old, ret);
}

/*
 * Reading ahead. With nothing changed, a backup is the walk (readdir and stat) and the
 * parent snapshot's trees (read, decrypt, decompress, decode), one thread doing both
 * while the workers wait. So on entering a directory the walk hands the decoding of
 * its subdirectories' old trees to the workers, as urgent jobs (before any file), and
 * stats its entries meanwhile; going down, it takes the decoded tree, or decodes it
 * itself when no worker has started it yet. A tree decoded ahead is the same tree the
 * walk would have decoded: nothing is trusted that was not before.
 */
enum { AHEAD_QUEUED, AHEAD_TAKEN, AHEAD_DONE };

struct ahead {
	struct workq_job job;
	struct workq_group g; /* this job alone: waiting for it */
	const struct node *old; /* the parent snapshot's node of the directory */
	struct tree t;		/* its decoded subtree, or empty */
	atomic_int state;
};

static void ahead_run(struct workq_job *job, void *worker)
{
	struct ahead *a = (struct ahead *)job;
	struct worker *wk = worker;
	int want = AHEAD_QUEUED;
	if (!atomic_compare_exchange_strong(&a->state, &want, AHEAD_TAKEN))
		return; /* the walk got there first */
	if (!wk->rd && !atomic_load(&wk->c->fatal) && repo_reader_new(wk->c->r, &wk->rd) < 0)
		wk->rd = NULL; /* an empty tree: the files are read again, as without a parent */
	subtree_read(wk->rd, a->old, &a->t);
	atomic_store(&a->state, AHEAD_DONE);
}

/* The read-ahead of one directory: a slot per node of its old tree pt, at most
 * AHEAD_MAX handed out at a time (decoded trees wait in memory until the walk gets
 * there; a folder of many folders must not hold them all). */
#define AHEAD_MAX 32

struct aheads {
	struct ahead *a;
	const struct tree *pt;
	size_t next;	/* the next node of pt to hand out */
	size_t passed;	/* nodes before this one the walk is past (it goes in name order) */
	size_t pending; /* handed out, not passed yet */
};

/* Hands out the next directories of pt while fewer than AHEAD_MAX are out. */
static void ahead_fill(struct ctx *c, struct aheads *s)
{
	for (; s->next < s->pt->n && s->pending < AHEAD_MAX; s->next++) {
		struct ahead *x = &s->a[s->next];
		if (s->pt->nodes[s->next].type != NODE_DIR)
			continue;
		x->job.fn = ahead_run;
		s->pending++;
		workq_submit_urgent(&c->q, &x->job, &x->g);
	}
}

/* Starts the read-ahead of pt's directories; s->a stays NULL (nothing ahead) when
 * there are none or no memory, which only makes the walk decode them itself. */
static void ahead_start(struct ctx *c, const struct tree *pt, struct aheads *s)
{
	size_t dirs = 0;
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; pt && i < pt->n; i++)
		dirs += pt->nodes[i].type == NODE_DIR;
	if (dirs == 0 || !c->rd || c->nthreads < 1 || !(s->a = calloc(pt->n, sizeof(*s->a))))
		return;
	s->pt = pt;
	for (size_t i = 0; i < pt->n; i++) {
		s->a[i].old = &pt->nodes[i];
		atomic_init(&s->a[i].state, pt->nodes[i].type == NODE_DIR ? AHEAD_QUEUED : AHEAD_DONE);
	}
	ahead_fill(c, s);
}

/* The old subtree of the directory old (a node of pt), decoded ahead or now. */
static void ahead_take(struct ctx *c, struct aheads *s, const struct node *old, struct tree *ret)
{
	if (!s->a || !old || old->type != NODE_DIR) {
		parent_subtree(c, old, ret);
		return;
	}
	size_t i = (size_t)(old - s->pt->nodes);
	struct ahead *x = &s->a[i];
	/* This one and any skipped (gone since, another file system) leave the window. */
	for (; s->passed <= i && s->passed < s->next; s->passed++)
		if (s->pt->nodes[s->passed].type == NODE_DIR)
			s->pending--;
	ahead_fill(c, s);
	int want = AHEAD_QUEUED;
	if (atomic_compare_exchange_strong(&x->state, &want, AHEAD_TAKEN)) {
		parent_subtree(c, old, ret);
		atomic_store(&x->state, AHEAD_DONE);
		return;
	}
	workq_wait(&c->q, &x->g, 0, NULL);
	*ret = x->t;
	memset(&x->t, 0, sizeof(x->t));
}

/* Waits for every job handed out (the queue still holds pointers into s->a) and frees
 * what was not taken. */
static void ahead_end(struct ctx *c, struct aheads *s)
{
	if (!s->a)
		return;
	for (size_t i = 0; i < s->next; i++) {
		if (s->pt->nodes[i].type != NODE_DIR)
			continue;
		workq_wait(&c->q, &s->a[i].g, 0, NULL);
		tree_free(&s->a[i].t);
	}
	free(s->a);
	s->a = NULL;
}

/* Saves t as a tree blob; its id into id. Drops the nodes marked in dropped. When t
 * equals the parent snapshot's tree pt (nothing in the directory changed, the usual
 * case) it would encode the same: pt's id is taken without encoding, hashing or
 * sealing it again. Any thread: the trees' pack writer is shared under trees_mu. */
static int tree_store(struct ctx *c, struct tree *t, const bool *dropped, const struct tree *pt,
		      uint8_t id[REPO_ID_LEN])
{
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (dropped && dropped[i])
			node_free(&t->nodes[i]);
		else
			t->nodes[k++] = t->nodes[i];
	}
	t->n = k;
	if (pt && pt->id && tree_equal(t, pt)) {
		memcpy(id, pt->id, REPO_ID_LEN);
		return 0;
	}
	char *text = NULL;
	size_t len = 0;
	bool fresh = false;
	int e = tree_encode(t, &text, &len);
	if (e == 0) {
		pthread_mutex_lock(&c->trees_mu);
		uint64_t before = repo_pack_writer_size(c->trees);
		e = repo_blob_save(c->trees, REPO_BLOB_TREE, text, len, c->o->zstd_level ? 3 : 0, id, &fresh);
		uint64_t after = repo_pack_writer_size(c->trees);
		pthread_mutex_unlock(&c->trees_mu);
		if (e == 0 && fresh) {
			atomic_fetch_add(&c->blobs_new, 1);
			atomic_fetch_add(&c->bytes_stored, after >= before ? after - before : after);
		}
	}
	free(text);
	return e;
}

/*
 * A directory being backed up. The walk reads it, hands its files to the workers and
 * goes on into its subdirectories without waiting for them: its tree is stored by
 * whichever thread finishes the last thing it waits for (a file read, a subdirectory's
 * tree, or the walk leaving it), which then tells its parent. So the walk stays ahead
 * of the workers, and they never run dry at the end of each folder while the walk
 * stores its tree and reads the next one.
 */
struct dir {
	struct dir *parent;	 /* told when this one is stored; NULL for a path given */
	struct node *self;	 /* gets the subtree id: a node of the parent's tree, or the caller's */
	struct tree t;		 /* the entries, sorted; fixed once the walk has read them */
	bool *dropped;		 /* entries left out (could not be read) */
	const struct tree *old;	 /* the parent snapshot's tree of this directory (or empty) */
	struct tree old_own;	 /* old, when this one owns it (all but a path given) */
	atomic_size_t pending;	 /* files in flight, subdirectories not stored, and the walk's hold */
};

static void dir_free(struct dir *d)
{
	free(d->dropped);
	tree_free(&d->t);
	tree_free(&d->old_own);
	free(d);
}

/* Lets go of one of d's holds; the last stores its tree (unless the backup is failing)
 * and lets go of its parent's. */
static void dir_put(struct ctx *c, struct dir *d)
{
	while (d && atomic_fetch_sub_explicit(&d->pending, 1, memory_order_acq_rel) == 1) {
		struct dir *parent = d->parent;
		if (!atomic_load(&c->fatal)) {
			int e = tree_store(c, &d->t, d->dropped, d->old, d->self->subtree);
			if (e < 0)
				fatal_set(c, e);
		}
		dir_free(d);
		d = parent;
	}
}

static int submit(struct ctx *c, const char *path, struct node *n, bool *dropped, struct dir *dir,
		  struct workq_group *g)
{
	struct file_job *j = calloc(1, sizeof(*j));
	if (!j || !(j->path = strdup(path))) {
		free(j);
		return -ENOMEM;
	}
	j->job.fn = file_run;
	j->node = n;
	j->dropped = dropped;
	j->dir = dir;
	if (dir)
		atomic_fetch_add(&dir->pending, 1);
	workq_submit(&c->q, &j->job, g);
	return 0;
}

static void count_file(struct ctx *c, const struct node *old, const struct node *n)
{
	atomic_fetch_add(&c->bytes_total, n->size);
	atomic_fetch_add(old && old->type == NODE_FILE ? &c->files_changed : &c->files_new, 1);
}

/* Reads the directory open as dirfd (at path) into d->t, sorted. Nothing is handed out
 * yet: on failure the caller drops d. */
static int dir_read(struct ctx *c, struct dir *d, int dirfd, const char *path)
{
	const struct tree *pt = d->old;
	char sub[PATH_MAX];
	int e = 0, fd = dup(dirfd);
	DIR *dh = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dh) {
		if (fd >= 0)
			close(fd);
		return err_set(-errno, "cannot read the folder '%s': %s", path, strerror(errno));
	}
	for (struct dirent *de; (errno = 0, de = readdir(dh));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", strcmp(path, "/") ? path : "", de->d_name) >= (int)sizeof(sub)) {
			warn_file(c, de->d_name, err_set(-ENAMETOOLONG, "the path is too long"));
			continue;
		}
		if (excluded(c, sub, de->d_name))
			continue;
		struct node n = {0};
		int se = node_stat_since(dirfd, de->d_name, sub, parent_node(pt, de->d_name), &n);
		if (se == 0 && !(n.name = strdup(de->d_name)))
			se = -ENOMEM;
		if (se == -ENOMEM) {
			node_free(&n);
			e = se;
			break;
		}
		if (se < 0) {
			warn_file(c, sub, se);
			node_free(&n);
			continue;
		}
		if ((e = tree_add(&d->t, &n)) < 0) {
			node_free(&n);
			break;
		}
	}
	if (e == 0 && errno)
		e = err_set(-errno, "cannot read the folder '%s': %s", path, strerror(errno));
	closedir(dh);
	tree_sort(&d->t);
	if (e == 0 && !(d->dropped = calloc(d->t.n + 1, sizeof(*d->dropped))))
		e = -ENOMEM;
	return e;
}

/*
 * Backs up the directory open as dirfd (at path) into d, which holds one hold for the
 * walk. A negative return means d could not be read and nothing of it was handed out:
 * the caller drops d (and says why). 0 means the walk let go of its hold (d may be
 * gone); errors after that point are the backup's (fatal_set) and end it.
 */
static int walk_dir(struct ctx *c, struct dir *d, int dirfd, const char *path, dev_t root_dev)
{
	const struct tree *pt = d->old;
	struct tree *t = &d->t;
	char sub[PATH_MAX];
	int e = dir_read(c, d, dirfd, path);
	if (e < 0)
		return e;
	struct aheads ahead;
	ahead_start(c, pt, &ahead);
	/* Files first, to the workers; they work while the walk goes down. */
	for (size_t i = 0; e == 0 && i < t->n; i++) {
		struct node *n = &t->nodes[i];
		const struct node *old = parent_node(pt, n->name);
		if (n->type != NODE_FILE) {
			if (n->type != NODE_DIR)
				atomic_fetch_add(&c->others, 1);
			continue;
		}
		if (node_unchanged(old, n)) {
			if (!(n->content = malloc((old->ncontent ? old->ncontent : 1) * REPO_ID_LEN))) {
				e = -ENOMEM;
				break;
			}
			memcpy(n->content, old->content, old->ncontent * REPO_ID_LEN);
			n->ncontent = old->ncontent;
			atomic_fetch_add(&c->files_unchanged, 1);
			atomic_fetch_add(&c->bytes_total, n->size);
			continue;
		}
		count_file(c, old, n);
		snprintf(sub, sizeof(sub), "%s/%s", strcmp(path, "/") ? path : "", n->name);
		e = submit(c, sub, n, &d->dropped[i], d, c->files);
	}
	for (size_t i = 0; e == 0 && i < t->n && !atomic_load(&c->fatal); i++) {
		struct node *n = &t->nodes[i];
		if (n->type != NODE_DIR)
			continue;
		atomic_fetch_add(&c->dirs, 1);
		snprintf(sub, sizeof(sub), "%s/%s", strcmp(path, "/") ? path : "", n->name);
		if (c->o->one_file_system && n->device != root_dev) {
			/* Another file system: its mount point, empty. */
			struct tree empty = {0};
			e = tree_store(c, &empty, NULL, NULL, n->subtree);
			continue;
		}
		int sfd = openat(dirfd, n->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0) {
			warn_file(c, sub, err_set(-errno, "cannot open '%s': %s", sub, strerror(errno)));
			d->dropped[i] = true;
			continue;
		}
		struct dir *sd = calloc(1, sizeof(*sd));
		if (!sd) {
			close(sfd);
			e = -ENOMEM;
			break;
		}
		sd->parent = d;
		sd->self = n;
		sd->old = &sd->old_own;
		atomic_init(&sd->pending, 1);
		atomic_fetch_add(&d->pending, 1); /* the walk holds d too: this never stores it */
		ahead_take(c, &ahead, parent_node(pt, n->name), &sd->old_own);
		int se = walk_dir(c, sd, sfd, sub, root_dev);
		close(sfd);
		if (se < 0) {
			dir_free(sd);
			atomic_fetch_sub(&d->pending, 1);
			if (se == -ENOMEM)
				e = se;
			else if (!atomic_load(&c->fatal)) {
				warn_file(c, sub, se);
				d->dropped[i] = true;
			}
		}
	}
	ahead_end(c, &ahead);
	if (e < 0)
		fatal_set(c, e);
	dir_put(c, d);
	return 0;
}

/* Backs up the directory at path (open as fd), a path given or below one, into self:
 * walks it, then waits for every file of it, so self's subtree is set on success. */
static int walk_top(struct ctx *c, int fd, const char *path, const struct tree *pt, dev_t root_dev,
		    struct node *self)
{
	struct workq_group files = {0};
	struct dir *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->self = self;
	d->old = pt;
	atomic_init(&d->pending, 1);
	c->files = &files;
	int e = walk_dir(c, d, fd, path, root_dev);
	if (e < 0)
		dir_free(d); /* nothing was handed out */
	workq_wait(&c->q, &files, 0, NULL);
	c->files = NULL;
	if (e == 0)
		e = fatal_get(c);
	return e;
}

/* --- the paths given: a tree of their ancestors from "/" --- */

struct vdir {
	char *name;
	const char *path; /* set for a path given on the command line */
	struct vdir **kids;
	size_t nkids;
};

static void vdir_free(struct vdir *v)
{
	for (size_t i = 0; i < v->nkids; i++) {
		vdir_free(v->kids[i]);
		free(v->kids[i]);
	}
	free(v->kids);
	free(v->name);
}

static int vdir_add(struct vdir *root, const char *abs)
{
	struct vdir *v = root;
	char *copy = strdup(abs), *save = NULL;
	if (!copy)
		return -ENOMEM;
	for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		struct vdir *k = NULL;
		for (size_t i = 0; i < v->nkids && !k; i++)
			if (!strcmp(v->kids[i]->name, part))
				k = v->kids[i];
		if (!k) {
			struct vdir **nk = realloc(v->kids, (v->nkids + 1) * sizeof(*nk));
			if (!nk || !(k = calloc(1, sizeof(*k))) || !(k->name = strdup(part))) {
				if (nk)
					v->kids = nk;
				free(k);
				free(copy);
				return -ENOMEM;
			}
			v->kids = nk;
			v->kids[v->nkids++] = k;
		}
		v = k;
	}
	free(copy);
	v->path = abs;
	return 0;
}

/* Builds the node for v (whose absolute path is path) into n. */
static int vdir_store(struct ctx *c, struct vdir *v, const char *path, const struct tree *pt, struct node *n);

static int vdir_children(struct ctx *c, struct vdir *v, const char *path, const struct tree *pt, uint8_t id[REPO_ID_LEN])
{
	struct tree t = {0};
	char sub[PATH_MAX];
	int e = 0;
	for (size_t i = 0; e == 0 && i < v->nkids; i++) {
		struct node n = {0};
		snprintf(sub, sizeof(sub), "%s/%s", strcmp(path, "/") ? path : "", v->kids[i]->name);
		struct tree spt;
		const struct node *old = parent_node(pt, v->kids[i]->name);
		parent_subtree(c, old, &spt);
		e = vdir_store(c, v->kids[i], sub, &spt, &n);
		tree_free(&spt);
		if (e == 0)
			e = tree_add(&t, &n);
		node_free(&n);
	}
	tree_sort(&t);
	if (e == 0)
		e = tree_store(c, &t, NULL, pt, id);
	tree_free(&t);
	return e;
}

static int vdir_store(struct ctx *c, struct vdir *v, const char *path, const struct tree *pt, struct node *n)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", path);
	char *slash = strrchr(parent, '/');
	const char *base = slash ? slash + 1 : parent;
	if (slash == parent)
		parent[1] = '\0', base = path + 1;
	else if (slash)
		*slash = '\0';
	int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return err_set(-errno, "cannot open '%s': %s", parent, strerror(errno));
	int e = node_stat(pfd, base, path, n);
	if (e == 0 && !(n->name = strdup(v->name)))
		e = -ENOMEM;
	if (e == 0 && v->path && n->type == NODE_DIR) {
		/* A path given: everything below it. */
		int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			e = err_set(-errno, "cannot open '%s': %s", path, strerror(errno));
		else {
			atomic_fetch_add(&c->dirs, 1);
			e = walk_top(c, fd, path, pt, (dev_t)n->device, n);
			close(fd);
		}
	} else if (e == 0 && v->path && n->type == NODE_FILE) {
		struct workq_group dw = {0};
		bool dropped = false;
		count_file(c, NULL, n);
		if ((e = submit(c, path, n, &dropped, NULL, &dw)) == 0)
			workq_wait(&c->q, &dw, 0, NULL);
		if (e == 0 && dropped)
			e = err_set(-EIO, "'%s' could not be read", path);
		if (e == 0)
			e = fatal_get(c);
	} else if (e == 0 && n->type == NODE_DIR) {
		/* An ancestor of a path given: only the way down. */
		e = vdir_children(c, v, path, pt, n->subtree);
	} else if (e == 0 && !v->path) {
		e = err_set(-ENOTDIR, "'%s' is not a folder", path);
	}
	close(pfd);
	return e;
}

/* --- the run --- */

/* For the progress line's ETA: the bytes below path, counted the way the walk goes
 * (excludes, one file system), without reading anything. */
static void scan_dir(struct ctx *c, int dirfd, const char *path, dev_t root_dev, int depth)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char sub[PATH_MAX];
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct dirent *de; !__atomic_load_n(&c->stop, __ATOMIC_RELAXED) && (de = readdir(d));) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub) ||
		    excluded(c, sub, de->d_name) || fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode))
			atomic_fetch_add(&c->scan_bytes, (uint64_t)st.st_size);
		else if (S_ISDIR(st.st_mode) && depth < 4096 && (!c->o->one_file_system || st.st_dev == root_dev)) {
			int sfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sfd >= 0) {
				scan_dir(c, sfd, sub, root_dev, depth + 1);
				close(sfd);
			}
		}
	}
	closedir(d);
}

static void *scan_main(void *arg)
{
	struct ctx *c = arg;
	for (int i = 0; i < c->o->npaths && !__atomic_load_n(&c->stop, __ATOMIC_RELAXED); i++) {
		char abs[PATH_MAX];
		struct stat st;
		if (!realpath(c->o->paths[i], abs) || stat(abs, &st) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			atomic_fetch_add(&c->scan_bytes, (uint64_t)st.st_size);
			continue;
		}
		int fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			scan_dir(c, fd, abs, st.st_dev, 0);
			close(fd);
		}
	}
	atomic_store(&c->scan_done, true);
	return NULL;
}

static void *progress_main(void *arg)
{
	struct ctx *c = arg;
	pthread_t scanner;
	bool scanning = pthread_create(&scanner, NULL, scan_main, c) == 0;
	for (;;) {
		pthread_mutex_lock(&c->pmu);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&c->tick, &c->pmu, &until);
		bool stop = c->stop;
		pthread_mutex_unlock(&c->pmu);
		if (stop)
			break;
		double s = (double)(time_mono_us() - c->start_us) / 1e6;
		uint64_t files = atomic_load(&c->files_new) + atomic_load(&c->files_changed) +
				 atomic_load(&c->files_unchanged);
		/* Unchanged files count as done: they are not read. */
		uint64_t b = atomic_load(&c->bytes_read), done = atomic_load(&c->bytes_total);
		uint64_t total = atomic_load(&c->scan_bytes);
		double rate = s > 0 ? (double)done / s : 0;
		char eta[32] = "";
		if (atomic_load(&c->scan_done) && rate > 0 && total > done)
			snprintf(eta, sizeof(eta), ", ETA %.0f s", (double)(total - done) / rate);
		fprintf(stderr, "\r%llu files, %.1f MiB read (%.1f of %.1f MiB done), %.1f MiB/s, %.0f s%s   ",
			(unsigned long long)files, (double)b / 1048576.0, (double)done / 1048576.0,
			(double)total / 1048576.0, rate / 1048576.0, s, eta);
	}
	if (scanning)
		pthread_join(scanner, NULL);
	return NULL;
}

static int find_parent(struct repo *r, const struct backup_opts *o, const char *host, json_t *paths, json_t **ret)
{
	json_t *all = NULL, *s;
	size_t i;
	char id[REPO_HEX_LEN];
	*ret = NULL;
	if (o->parent)
		return snapshot_get(r, o->parent, ret, id);
	int e = snapshot_list(r, &all);
	if (e < 0)
		return e;
	json_array_foreach(all, i, s) {
		if (json_equal(json_object_get(s, "paths"), paths) &&
		    !strcmp(json_string_value(json_object_get(s, "hostname")) ?: "", host)) {
			json_decref(*ret);
			*ret = json_incref(s);
		}
	}
	json_decref(all);
	return 0;
}

int backup_run(struct repo *r, const struct backup_opts *o, struct backup_summary *ret, char ret_snapshot[REPO_HEX_LEN])
{
	struct ctx c = {.r = r, .o = o, .pmu = PTHREAD_MUTEX_INITIALIZER, .tick = PTHREAD_COND_INITIALIZER,
			.trees_mu = PTHREAD_MUTEX_INITIALIZER, .start_us = time_mono_us()};
	const struct repo_config *cfg = repo_config(r);
	struct worker *workers = NULL;
	struct vdir root = {0};
	json_t *paths = json_array(), *parent = NULL, *snap = NULL;
	char host[256] = "", abs[PATH_MAX], pid[REPO_HEX_LEN] = "";
	struct node rootnode = {0};
	struct tree pt = {0};
	uint8_t pt_id[REPO_ID_LEN];
	pthread_t prog;
	bool prog_started = false;
	int e = 0;
	memset(ret, 0, sizeof(*ret));
	c.params = (struct chunker_params){cfg->chunk_min, cfg->chunk_avg, cfg->chunk_max, cfg->chunk_norm};
	if (o->npaths < 1)
		return err_set(-EINVAL, "give at least one path to back up");
	gethostname(host, sizeof(host) - 1);
	for (int i = 0; i < o->npaths && e == 0; i++) {
		if (!realpath(o->paths[i], abs))
			e = err_set(-errno, "cannot back up '%s': %s", o->paths[i], strerror(errno));
		else if (!strcmp(abs, "/"))
			e = err_set(-EINVAL, "back up the folders below / by name, not / itself");
		else
			json_array_append_new(paths, json_string(abs));
	}
	if (e < 0)
		goto out;
	{
		size_t i;
		json_t *p;
		json_array_foreach(paths, i, p)
			if ((e = vdir_add(&root, json_string_value(p))) < 0)
				goto out;
	}
	if ((e = find_parent(r, o, host, paths, &parent)) < 0)
		goto out;
	if (parent) {
		const uint8_t *text = NULL;
		size_t len = 0;
		snprintf(pid, sizeof(pid), "%s", json_string_value(json_object_get(parent, "id")) ?: "");
		if (repo_id_parse(json_string_value(json_object_get(parent, "tree")), pt_id) == 0 &&
		    (e = repo_reader_new(r, &c.rd)) == 0 && repo_reader_read(c.rd, REPO_BLOB_TREE, pt_id, &text, &len) == 0 &&
		    tree_decode((const char *)text, len, &pt) == 0)
			pt.id = pt_id;
		if (e < 0)
			goto out;
	}
	c.nthreads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (c.nthreads < 1)
		c.nthreads = 1;
	void **ctxs = NULL;
	if (!(workers = calloc((size_t)c.nthreads, sizeof(*workers))) ||
	    !(ctxs = calloc((size_t)c.nthreads, sizeof(*ctxs)))) {
		free(ctxs);
		e = -ENOMEM;
		goto out;
	}
	if ((e = repo_pack_writer_new(r, &c.trees)) < 0) {
		free(ctxs);
		goto out;
	}
	for (int i = 0; i < c.nthreads && e == 0; i++) {
		struct worker *wk = &workers[i];
		wk->c = &c;
		wk->cap = 2 * (size_t)cfg->chunk_max;
		ctxs[i] = wk;
		if (!(wk->bufs[0] = malloc(wk->cap)) || !(wk->bufs[1] = malloc(wk->cap)))
			e = -ENOMEM;
		else if ((e = chunker_init(&wk->ch, repo_chunker_key(r), &c.params)) == 0)
			e = repo_pack_writer_new(r, &wk->w);
	}
	if (e == 0 && (e = repo_pack_syncer_start(r, &c.syncer)) == 0) {
		repo_pack_writer_set_syncer(c.trees, c.syncer);
		for (int i = 0; i < c.nthreads; i++)
			repo_pack_writer_set_syncer(workers[i].w, c.syncer);
	}
	if (e == 0)
		e = workq_start(&c.q, c.nthreads, QUEUE_MAX, ctxs);
	if (e == 0 && o->progress && isatty(STDERR_FILENO) && pthread_create(&prog, NULL, progress_main, &c) == 0)
		prog_started = true;
	if (e == 0) {
		uint8_t root_id[REPO_ID_LEN];
		e = vdir_children(&c, &root, "/", &pt, root_id);
		if (e == 0)
			memcpy(rootnode.subtree, root_id, REPO_ID_LEN);
	}
	workq_stop(&c.q);
	free(ctxs);
	pthread_mutex_lock(&c.pmu);
	__atomic_store_n(&c.stop, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&c.tick);
	pthread_mutex_unlock(&c.pmu);
	if (prog_started) {
		pthread_join(prog, NULL);
		fprintf(stderr, "\r\033[K");
	}
	if (e == 0)
		e = fatal_get(&c);
	/* Packs, then the index naming them, then the snapshot naming both. */
	for (int i = 0; i < c.nthreads && e == 0; i++) {
		int f = workers[i].w ? repo_pack_writer_finish(workers[i].w, NULL) : 0;
		if (f < 0 && f != -ENODATA)
			e = f;
	}
	if (e == 0) {
		int f = repo_pack_writer_finish(c.trees, NULL);
		if (f < 0 && f != -ENODATA)
			e = f;
	}
	{
		/* Every pack synced and named before the index that lists them. */
		int f = repo_pack_syncer_stop(c.syncer);
		c.syncer = NULL;
		if (e == 0)
			e = f;
	}
	if (e == 0)
		e = repo_index_flush(r);
	if (e == 0)
		e = repo_lock_check(r);
	ret->files_new = atomic_load(&c.files_new);
	ret->files_changed = atomic_load(&c.files_changed);
	ret->files_unchanged = atomic_load(&c.files_unchanged);
	ret->dirs = atomic_load(&c.dirs);
	ret->others = atomic_load(&c.others);
	ret->bytes_read = atomic_load(&c.bytes_read);
	ret->bytes_total = atomic_load(&c.bytes_total);
	ret->blobs_new = atomic_load(&c.blobs_new);
	ret->bytes_stored = atomic_load(&c.bytes_stored);
	ret->errors = atomic_load(&c.errors);
	ret->seconds = (double)(time_mono_us() - c.start_us) / 1e6;
	if (e == 0) {
		char tree_hex[REPO_HEX_LEN], user[64] = "";
		struct passwd pw, *pr = NULL;
		char pwbuf[1024];
		if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &pr) == 0 && pr)
			snprintf(user, sizeof(user), "%s", pr->pw_name);
		repo_id_hex(rootnode.subtree, tree_hex);
		json_t *tags = json_array(), *excl = json_array();
		for (int i = 0; i < o->ntags; i++)
			json_array_append_new(tags, json_string(o->tags[i]));
		for (int i = 0; i < o->nexcludes; i++)
			json_array_append_new(excl, json_string(o->excludes[i]));
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		snap = json_pack("{s:I, s:I, s:s, s:s, s:O, s:o, s:o, s:s, s:s?, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
				 "s:I, s:f}}",
				 "time", (json_int_t)now.tv_sec, "time_ns", (json_int_t)now.tv_sec * 1000000000 + now.tv_nsec,
				 "hostname", host, "username", user, "paths", paths, "tags",
				 tags, "excludes", excl, "tree", tree_hex, "parent", pid[0] ? pid : NULL, "summary",
				 "files_new", (json_int_t)ret->files_new, "files_changed", (json_int_t)ret->files_changed,
				 "files_unchanged", (json_int_t)ret->files_unchanged, "dirs", (json_int_t)ret->dirs, "others",
				 (json_int_t)ret->others, "bytes_read", (json_int_t)ret->bytes_read, "bytes_total",
				 (json_int_t)ret->bytes_total, "blobs_new", (json_int_t)ret->blobs_new, "bytes_stored",
				 (json_int_t)ret->bytes_stored, "errors", (json_int_t)ret->errors, "seconds", ret->seconds);
		e = snap ? snapshot_write(r, snap, ret_snapshot) : -ENOMEM;
	}
out:
	for (int i = 0; workers && i < c.nthreads; i++) {
		if (workers[i].w)
			repo_pack_writer_free(workers[i].w);
		repo_reader_free(workers[i].rd);
		free(workers[i].bufs[0]);
		free(workers[i].bufs[1]);
		chunker_release(&workers[i].ch);
		for (struct chunk_job *cj = workers[i].spare, *next; cj; cj = next) {
			next = cj->next;
			free(cj);
		}
	}
	if (c.trees)
		repo_pack_writer_free(c.trees);
	repo_pack_syncer_stop(c.syncer); /* on a failure: what was handed over is dropped or stored */
	repo_reader_free(c.rd);
	free(workers);
	vdir_free(&root);
	tree_free(&pt);
	json_decref(paths);
	json_decref(parent);
	json_decref(snap);
	return e;
}
