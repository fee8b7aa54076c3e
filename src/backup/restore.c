/*
 * restore.c: putting a snapshot back. The calling thread walks the snapshot's trees,
 * creating directories, links and special files, and hands regular files to worker
 * threads (workq.h) that fetch, check and write their chunks; a large file is cut
 * into ranges that several workers write at once. The walk never waits for the
 * workers: the directories' own metadata is set at the end, once every file is
 * written, so their times stay as they were. Every chunk is
 * checked against its id before it is written: damaged data fails the file, which is
 * removed, never left holding garbage. Chunks of zeros in files that had holes are
 * skipped over, so sparse files come back sparse. Nothing is fsynced: a restore that
 * is cut short is run again, and the caller syncs when it needs the files durable.
 * Large files go around the page cache (O_DIRECT, see file_direct), so a worker waits
 * for the disk at times: there are a few more workers than cores. The chunks of small
 * files are hinted to the kernel as their batch is handed out (batch_flush), and read
 * through the page cache by then. Large files, which the walk may reach only at its
 * end (and which then keep the disk busy while the cores wait), are found ahead by a
 * scout (scout_main) that walks the same trees at once, and written beside the small
 * files from the start.
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
#include <sys/types.h>
#include <unistd.h>

#include "backup/backup.h"
#include "backup/tree.h"
#include "backup/workq.h"
#include "core/err.h"
#include "core/timeutil.h"

#define RESTORE_QUEUE_MAX 128		   /* jobs waiting for a worker */
#define RESTORE_EXTRA_THREADS 6		   /* workers beyond one a core: most of the time a worker waits for a read */
#define SPARSE_BLOCK 65536		   /* zeros are looked for in pieces of this size */
#define RANGE_BYTES (8 * 1024 * 1024)	   /* a large file goes to the workers in pieces of about this */
#define SPLIT_MIN (2 * (uint64_t)RANGE_BYTES) /* files from this size on are split */
#define BATCH_FILES 24			   /* small files handed to a worker at once, at most (a job stays under 1 KiB) */
#define BATCH_BYTES (2 * 1024 * 1024)	   /* and about this many bytes of them */
#define HINT_IDS 128			   /* chunks of a batch hinted to the kernel, at most */
#define DIRECT_MIN (1024 * 1024)	   /* files from this size on are written around the page cache */
#define WBUF_BYTES (5 * 1024 * 1024)	   /* a worker's write buffer: nearly every chunk fits (see range_write) */
#define WBUF_CHUNKS 64			   /* chunks in a worker's buffer checked together at most */
#define SCOUT_RANGES 3			   /* ranges of the scout's files queued or being written at once */

/* Paths of files with several links, by (device, inode): the first one restored. */
struct link {
	uint64_t device, inode;
	char *path;
};

struct rctx {
	struct repo *r;
	const struct restore_opts *o;
	bool root;
	struct workq q;
	struct rworker *self; /* the walking thread's reader and buffer */
	pthread_mutex_t mu;	/* guards links and claims */
	struct link *links;
	size_t nlinks, caplinks;
	char **claims; /* the paths of the large files the walk or the scout took (scouted), hashed */
	size_t nclaims, capclaims;
	bool claims_lost; /* a claim could not be kept: the scout takes no more */
	struct workq_group fjobs; /* every file job of the walk */
	struct workq_group sjobs; /* the scout's */
	struct rdir *later;	  /* directories whose metadata waits for the end, innermost first */
	size_t nlater, caplater;
	struct rjob *batch; /* small files the walker has not handed out yet */
	atomic_uint_fast64_t files, dirs, others, bytes, errors;
	atomic_int fatal;
	atomic_bool walked; /* the walk is done: the scout's files need not leave room any more */
};

/* A directory restored, its metadata set once everything is written. */
struct rdir {
	char *path;
	struct node node;
};

/* A worker's context. */
struct rworker {
	struct rctx *c;
	struct repo_reader *rd;
	uint8_t *buf;		       /* WBUF_BYTES, aligned for direct I/O: chunks are decoded into it */
	struct repo_unchecked unchecked[WBUF_CHUNKS]; /* chunks in buf not checked against their ids yet */
	size_t nunchecked;			      /* how many */
};

/* Checks the chunks in w's buffer not checked yet: before any of it is written. */
static int wcheck(struct rworker *w)
{
	int e = repo_reader_check(w->rd, w->unchecked, w->nunchecked);
	w->nunchecked = 0;
	return e;
}

/* A file being written, by one job or (a large one) by several at once. */
struct rfile {
	char *path; /* absolute, under the target */
	struct node node;
	int fd;			      /* -1 until created */
	int dfd;		      /* the same file opened O_DIRECT, or -1: written through the page cache */
	size_t align;		      /* dfd's offsets, lengths and buffers are multiples of this */
	atomic_size_t left;	      /* jobs not yet done; the last one finishes the file */
	atomic_int e;		      /* the first error writing it (already said) */
	atomic_int nodirect;	      /* dfd turned a write down: the page cache from then on */
	atomic_uint_fast64_t written; /* bytes of content */
};

/* Chunks from..to-1 of a file, the first at offset. */
struct rpart {
	struct rfile *f;
	size_t from, to;
	uint64_t offset;
};

/* A worker's job: a range of a large file, or a batch of whole small files (one
 * hand-over, one wake-up, for up to BATCH_FILES of them). */
struct rjob {
	struct workq_job job;
	size_t n;
	uint64_t bytes;
	struct rpart parts[BATCH_FILES];
};

static void rwarn(struct rctx *c, const char *path, int e)
{
	atomic_fetch_add(&c->errors, 1);
	fprintf(stderr, "ward: error: %s (restoring '%s')\n", err_msg(e), path);
}

static void note_fatal(struct rctx *c, int e)
{
	if (e == -ENOSPC || e == -EDQUOT || e == -EROFS || e == -ENOMEM)
		atomic_store(&c->fatal, e);
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

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off, const char *path)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return err_set(-errno, "cannot write '%s': %s", path, strerror(errno));
		p += w;
		off += (uint64_t)w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes n bytes at off through the O_DIRECT descriptor (off, n and p aligned), or,
 * when the file system turns that down after all, through the page cache. */
static int pwrite_direct(struct rfile *f, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0 && !atomic_load(&f->nodirect)) {
		ssize_t w = pwrite(f->dfd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if ((w < 0 && errno == EINVAL) || w == 0)
			atomic_store(&f->nodirect, 1);
		else if (w < 0)
			return err_set(-errno, "cannot write '%s': %s", f->path, strerror(errno));
		else {
			p += w;
			off += (uint64_t)w;
			n -= (size_t)w;
		}
	}
	return n ? pwrite_all(f->fd, p, n, off, f->path) : 0;
}

/* Writes n bytes at off, directly or through the page cache; in a sparse file the
 * pieces of SPARSE_BLOCK (at multiples of it in the file) that are all zeros are
 * skipped, so holes come back as holes. */
static int put(struct rfile *f, const uint8_t *p, size_t n, uint64_t off, bool direct)
{
	if (!f->node.sparse)
		return direct ? pwrite_direct(f, p, n, off) : pwrite_all(f->fd, p, n, off, f->path);
	size_t run = 0; /* bytes before p not zeros and not written yet */
	int e = 0;
	while (n > 0 && e == 0) {
		size_t k = SPARSE_BLOCK - (size_t)(off % SPARSE_BLOCK);
		if (k > n)
			k = n;
		if (all_zero(p, k)) {
			if (run)
				e = direct ? pwrite_direct(f, p - run, run, off - run)
					   : pwrite_all(f->fd, p - run, run, off - run, f->path);
			run = 0;
		} else {
			run += k;
		}
		p += k;
		off += k;
		n -= k;
	}
	if (e == 0 && run)
		e = direct ? pwrite_direct(f, p - run, run, off - run) : pwrite_all(f->fd, p - run, run, off - run, f->path);
	return e;
}

/*
 * A large file is written around the page cache: its whole blocks go from the worker's
 * buffer straight to the disk (O_DIRECT). On a VM whose host takes back the guest's
 * free memory, the first touch of each fresh page-cache page costs far more than the
 * copy into it (writing 1 GiB: 2.6 s of system time through the page cache, 0.24 s
 * direct), and a restore writes gigabytes. The file is sized first (its blocks
 * allocated at once, or left holes when it is sparse) so every write lands inside it.
 * Needs the file system's alignment (statx STATX_DIOALIGN, Linux 6.1); otherwise, or
 * when anything here fails, the file goes through the page cache as before.
 */
static void file_direct(struct rfile *f)
{
#ifdef STATX_DIOALIGN
	struct statx sx;
	char proc[64];
	long page = sysconf(_SC_PAGESIZE);
	size_t a = page > 4096 ? (size_t)page : 4096;
	if (f->node.size < DIRECT_MIN ||
	    statx(f->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) < 0 || !(sx.stx_mask & STATX_DIOALIGN) ||
	    sx.stx_dio_offset_align == 0 || sx.stx_dio_mem_align == 0 || a % sx.stx_dio_offset_align ||
	    a % sx.stx_dio_mem_align)
		return;
	if (f->node.sparse || fallocate(f->fd, 0, 0, (off_t)f->node.size) < 0)
		if (ftruncate(f->fd, (off_t)f->node.size) < 0)
			return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
	if ((f->dfd = open(proc, O_WRONLY | O_DIRECT | O_CLOEXEC)) >= 0)
		f->align = a;
#else
	(void)f;
#endif
}

/* Creates the file with its own permission bits, less write for group and others (it
 * is not finished yet), so that usually nothing is left to change at the end. */
static int file_create(struct rfile *f)
{
	f->fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)(f->node.mode & 0755));
	if (f->fd < 0)
		return err_set(-errno, "cannot create '%s': %s", f->path, strerror(errno));
	file_direct(f);
	return 0;
}

/* A file's metadata: only its times when the owner and mode it was created with are
 * already the snapshot's (the usual case: a file system owner change and a mode change
 * each cost an inode update), else all of it through node_apply_fd. */
static int file_meta(struct rfile *f, bool as_root)
{
	const struct node *n = &f->node;
	struct stat st;
	if (n->nxattrs || fstat(f->fd, &st) < 0 || (st.st_mode & 07777) != n->mode ||
	    (as_root && (st.st_uid != n->uid || st.st_gid != n->gid)))
		return node_apply_fd(f->fd, f->path, n, as_root);
	/* As node_apply_fd: floor division, so times before 1970 keep 0 <= tv_nsec < 10^9. */
	int64_t t2[2] = {n->atime_ns, n->mtime_ns};
	struct timespec ts[2];
	for (int i = 0; i < 2; i++) {
		int64_t sec = t2[i] / 1000000000, ns = t2[i] % 1000000000;
		if (ns < 0) {
			sec--;
			ns += 1000000000;
		}
		ts[i] = (struct timespec){.tv_sec = sec, .tv_nsec = ns};
	}
	if (futimens(f->fd, ts) < 0)
		return err_set(-errno, "cannot set the times of '%s': %s", f->path, strerror(errno));
	return 0;
}

/* What a worker's buffer holds of a range: buf[0] is the file's byte base; bytes hoff
 * to pos-1 are the range's (the first hoff, the start of a block shared with the
 * previous range, are not). */
struct wpos {
	uint64_t base;
	size_t hoff, pos;
};

/*
 * Writes out the buffer: everything when final (the range is done), else its whole
 * blocks, the rest moved to its start. Directly: whole blocks go through O_DIRECT, the
 * partial blocks at the range's two ends through the page cache (the neighbouring
 * ranges write the other parts of those blocks, and the kernel merges them in the page).
 */
static int wflush(struct rworker *w, struct rfile *f, struct wpos *p, bool final)
{
	size_t a = f->dfd >= 0 ? f->align : 1, whole = p->pos - p->pos % a, s = p->hoff;
	int e = wcheck(w);
	if (e < 0)
		return e;
	if (a == 1 || (!final && whole <= p->hoff)) {
		if (a == 1 && p->pos > p->hoff)
			e = put(f, w->buf + p->hoff, p->pos - p->hoff, p->base + p->hoff, false);
		if (a == 1) {
			p->base += p->pos;
			p->pos = p->hoff = 0;
		}
		return e;
	}
	if (p->hoff) {
		s = p->pos < a ? p->pos : a;
		e = put(f, w->buf + p->hoff, s - p->hoff, p->base + p->hoff, false);
		p->hoff = 0;
	}
	if (e == 0 && whole > s)
		e = put(f, w->buf + s, whole - s, p->base + s, true);
	if (whole < s)
		whole = s;
	if (final) {
		if (e == 0 && p->pos > whole)
			e = put(f, w->buf + whole, p->pos - whole, p->base + whole, false);
		return e;
	}
	memmove(w->buf, w->buf + whole, p->pos - whole);
	p->base += whole;
	p->pos -= whole;
	return e;
}

/* Adds n bytes (a chunk too large for the buffer, decoded elsewhere) to the buffer,
 * writing it out as it fills. */
static int wappend(struct rworker *w, struct rfile *f, struct wpos *p, const uint8_t *data, size_t n)
{
	int e = 0;
	while (n > 0 && e == 0) {
		size_t k = WBUF_BYTES - p->pos < n ? WBUF_BYTES - p->pos : n;
		memcpy(w->buf + p->pos, data, k);
		p->pos += k;
		data += k;
		n -= k;
		if (p->pos == WBUF_BYTES)
			e = wflush(w, f, p, false);
	}
	return e;
}

/* Writes chunks from..to-1 of f at offset: each decoded into the worker's buffer and
 * checked against its id there (all those in the buffer together, just before it is
 * written: two are hashed in about the time of one), the buffer written out when full
 * and at the end. A chunk larger than the buffer's room even once it is written out
 * (chunks average 1 MiB; a few, runs of zeros above all, reach the 8 MiB maximum) is
 * decoded in the reader's own buffers and copied in: a smaller buffer a worker leaves
 * room for more workers, and a worker mostly waits for its reads. */
static int range_write(struct rctx *c, struct rworker *w, struct rfile *f, size_t from, size_t to, uint64_t off)
{
	const struct node *n = &f->node;
	int e = 0;
	if (f->fd < 0 && (e = file_create(f)) < 0)
		return e;
	size_t a = f->dfd >= 0 ? f->align : 1;
	struct wpos p = {.base = off - off % a, .hoff = (size_t)(off % a), .pos = (size_t)(off % a)};
	for (size_t i = from; i < to && e == 0; i++) {
		size_t len;
		if (atomic_load(&f->e) || atomic_load(&c->fatal)) {
			e = -ECANCELED;
			break;
		}
		e = repo_reader_read_to(w->rd, REPO_BLOB_DATA, n->content[i], w->buf + p.pos, WBUF_BYTES - p.pos, &len,
					&w->unchecked[w->nunchecked]);
		if (e == -ENOBUFS && (e = wflush(w, f, &p, false)) == 0)
			e = repo_reader_read_to(w->rd, REPO_BLOB_DATA, n->content[i], w->buf + p.pos,
						WBUF_BYTES - p.pos, &len, &w->unchecked[w->nunchecked]);
		if (e == -ENOBUFS) {
			const uint8_t *data;
			if ((e = repo_reader_read(w->rd, REPO_BLOB_DATA, n->content[i], &data, &len)) == 0)
				e = wappend(w, f, &p, data, len);
		} else if (e == 0) {
			p.pos += len;
			if (++w->nunchecked == WBUF_CHUNKS)
				e = wcheck(w);
		}
		if (e == 0)
			atomic_fetch_add(&f->written, len);
	}
	if (e == 0)
		e = wflush(w, f, &p, true);
	w->nunchecked = 0; /* after a failure: the file is removed unread */
	return e;
}

/* The last job of f: checks the length, sets the metadata, or removes the file when
 * its data could not be written (never left holding part of it). Frees f. */
static void file_finish(struct rctx *c, struct rfile *f)
{
	const struct node *n = &f->node;
	int e = atomic_load(&f->e), me = 0;
	uint64_t written = atomic_load(&f->written);
	if (e == 0 && written != n->size) {
		e = err_set(-EBADMSG, "the snapshot's chunks of '%s' add up to %llu bytes, not %llu", f->path,
			    (unsigned long long)written, (unsigned long long)n->size);
		rwarn(c, f->path, e);
	}
	/* Holes at the end are not written: the length makes them. */
	if (e == 0 && n->sparse && ftruncate(f->fd, (off_t)n->size) < 0) {
		e = err_set(-errno, "cannot size '%s': %s", f->path, strerror(errno));
		rwarn(c, f->path, e);
		note_fatal(c, e);
	}
	if (e == 0 && (me = file_meta(f, c->root)) < 0)
		rwarn(c, f->path, me);
	if (f->dfd >= 0)
		close(f->dfd);
	if (f->fd >= 0)
		close(f->fd);
	if (e < 0 && f->fd >= 0)
		unlink(f->path);
	if (e == 0 && me == 0) {
		atomic_fetch_add(&c->files, 1);
		atomic_fetch_add(&c->bytes, written);
	}
	node_free(&f->node);
	free(f->path);
	free(f);
}

/* The end of one of f's jobs, which came to e: the file's first error is said, and
 * the last job finishes the file. */
static void range_end(struct rctx *c, struct rfile *f, int e)
{
	int none = 0;
	if (e < 0 && atomic_compare_exchange_strong(&f->e, &none, e) && e != -ECANCELED) {
		rwarn(c, f->path, e); /* the first error of the file, said once */
		note_fatal(c, e);
	}
	if (atomic_fetch_sub(&f->left, 1) == 1)
		file_finish(c, f);
}

/* Runs one job's range and finishes the file when it was the last. */
static void range_do(struct rctx *c, struct rworker *w, struct rfile *f, size_t from, size_t to, uint64_t off)
{
	range_end(c, f, range_write(c, w, f, from, to, off));
}

/* How many of parts[0..n-1], from the first, smalls_do can take together: whole
 * files written through the page cache whose bytes and chunks all fit in the buffer. */
static size_t smalls_count(const struct rpart *parts, size_t n)
{
	uint64_t bytes = 0;
	size_t chunks = 0, k = 0;
	for (; k < n; k++) {
		const struct node *nd = &parts[k].f->node;
		if (parts[k].from != 0 || parts[k].to != nd->ncontent || parts[k].offset != 0 || nd->size >= DIRECT_MIN ||
		    bytes + nd->size > WBUF_BYTES || chunks + nd->ncontent > WBUF_CHUNKS)
			break;
		bytes += nd->size;
		chunks += nd->ncontent;
	}
	return k;
}

/*
 * Whole small files, parts[0..k-1] (smalls_count's): decoded one after another into
 * the worker's buffer, their chunks checked against their ids all together (most are
 * one chunk, and two are hashed in about the time of one), then each created and
 * written. A file whose chunks the index makes longer than the snapshot said goes
 * through range_do afterwards, which says what is wrong.
 */
static void smalls_do(struct rctx *c, struct rworker *w, const struct rpart *parts, size_t k)
{
	size_t pos[BATCH_FILES + 1], first[BATCH_FILES + 1];
	bool decoded[BATCH_FILES] = {false}, alone[BATCH_FILES] = {false};
	pos[0] = 0;
	w->nunchecked = 0;
	for (size_t i = 0; i < k; i++) {
		struct rfile *f = parts[i].f;
		size_t p = pos[i], len;
		int e = 0;
		first[i] = w->nunchecked;
		for (size_t ch = 0; ch < f->node.ncontent && e == 0; ch++) {
			if (atomic_load(&c->fatal))
				e = -ECANCELED;
			else if ((e = repo_reader_read_to(w->rd, REPO_BLOB_DATA, f->node.content[ch], w->buf + p,
							  WBUF_BYTES - p, &len, &w->unchecked[w->nunchecked])) == 0) {
				p += len;
				w->nunchecked++;
			}
		}
		if (e < 0) {
			w->nunchecked = first[i];
			p = pos[i];
			if (e == -ENOBUFS)
				alone[i] = true;
			else
				range_end(c, f, e); /* now, while its message is the last one said */
		} else {
			decoded[i] = true;
		}
		pos[i + 1] = p;
	}
	first[k] = w->nunchecked;
	/* A chunk that is not its id's: each file's checked alone, to say whose. */
	bool each = wcheck(w) < 0;
	for (size_t i = 0; i < k; i++) {
		struct rfile *f = parts[i].f;
		if (!decoded[i])
			continue;
		int e = each ? repo_reader_check(w->rd, &w->unchecked[first[i]], first[i + 1] - first[i]) : 0;
		if (e == 0)
			e = file_create(f);
		if (e == 0 && pos[i + 1] > pos[i])
			e = put(f, w->buf + pos[i], pos[i + 1] - pos[i], 0, false);
		if (e == 0)
			atomic_fetch_add(&f->written, pos[i + 1] - pos[i]);
		range_end(c, f, e);
	}
	for (size_t i = 0; i < k; i++)
		if (alone[i])
			range_do(c, w, parts[i].f, 0, parts[i].f->node.ncontent, 0);
}

static void rjob_run(struct workq_job *job, void *worker)
{
	struct rjob *j = (struct rjob *)job;
	struct rworker *w = worker;
	for (size_t i = 0; i < j->n;) {
		size_t k = smalls_count(j->parts + i, j->n - i);
		if (k >= 2) {
			smalls_do(w->c, w, j->parts + i, k);
			i += k;
		} else {
			range_do(w->c, w, j->parts[i].f, j->parts[i].from, j->parts[i].to, j->parts[i].offset);
			i++;
		}
	}
	free(j);
}

static struct rfile *rfile_new(const char *path, struct node *n)
{
	struct rfile *f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return NULL;
	}
	f->node = *n;
	memset(n, 0, sizeof(*n));
	f->fd = f->dfd = -1;
	return f;
}

static int rjob_submit(struct rctx *c, struct rfile *f, size_t from, size_t to, uint64_t off, struct workq_group *g)
{
	struct rjob *j = malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->job = (struct workq_job){.fn = rjob_run};
	j->n = 1;
	j->bytes = 0;
	j->parts[0] = (struct rpart){f, from, to, off};
	if (g == &c->sjobs) {
		/* Beside the small files, not instead of them: a few at a time, each taken
		 * by the next worker free; once the walk is done, all at once. */
		if (!atomic_load(&c->walked))
			workq_wait(&c->q, g, SCOUT_RANGES - 1, NULL);
		workq_submit_urgent(&c->q, &j->job, g);
	} else {
		workq_submit(&c->q, &j->job, g);
	}
	return 0;
}

/* Hands the walker's batch of small files to the workers, their chunks' stretches
 * of the packs hinted to the kernel first: read meanwhile, while the batch waits. */
static void batch_flush(struct rctx *c)
{
	if (c->batch && c->batch->n) {
		uint8_t ids[HINT_IDS][REPO_ID_LEN];
		size_t k = 0;
		for (size_t i = 0; i < c->batch->n; i++) {
			const struct node *n = &c->batch->parts[i].f->node;
			for (size_t j = 0; j < n->ncontent && k < HINT_IDS; j++)
				memcpy(ids[k++], n->content[j], REPO_ID_LEN);
		}
		repo_reader_willneed(c->self->rd, REPO_BLOB_DATA, (const uint8_t(*)[REPO_ID_LEN])ids, k);
		workq_submit(&c->q, &c->batch->job, &c->fjobs);
	} else {
		free(c->batch);
	}
	c->batch = NULL;
}

/* Adds a whole small file to the walker's batch, handing the batch out when full. */
static int batch_add(struct rctx *c, struct rfile *f)
{
	if (!c->batch) {
		if (!(c->batch = malloc(sizeof(*c->batch))))
			return -ENOMEM;
		c->batch->job = (struct workq_job){.fn = rjob_run};
		c->batch->n = 0;
		c->batch->bytes = 0;
	}
	c->batch->parts[c->batch->n++] = (struct rpart){f, 0, f->node.ncontent, 0};
	c->batch->bytes += f->node.size;
	if (c->batch->n == BATCH_FILES || c->batch->bytes >= BATCH_BYTES)
		batch_flush(c);
	return 0;
}

/*
 * Hands a file to the workers; takes n's contents. A small file is one job, which
 * creates it. A large one is created here and cut into ranges of about RANGE_BYTES,
 * their offsets from the index's lengths, so every worker writes part of it (pwrite)
 * and the last to finish sets its metadata.
 */
static int rsubmit(struct rctx *c, const char *path, struct node *n, struct workq_group *g)
{
	struct rfile *f = rfile_new(path, n);
	size_t nranges = 1, cut[64 + 1];
	uint64_t offs[64 + 1];
	int e;
	if (!f)
		return -ENOMEM;
	cut[0] = 0;
	offs[0] = 0;
	if (f->node.size >= SPLIT_MIN) {
		uint64_t off = 0, start = 0;
		struct repo_blob_location loc;
		size_t i;
		for (i = 0; i < f->node.ncontent; i++) {
			if (repo_index_lookup(c->r, REPO_BLOB_DATA, f->node.content[i], &loc) < 0)
				break; /* a job alone says what is wrong */
			off += loc.raw_len;
			if (off - start >= RANGE_BYTES && i + 1 < f->node.ncontent && nranges < 64) {
				cut[nranges] = i + 1;
				offs[nranges++] = off;
				start = off;
			}
		}
		if (i < f->node.ncontent)
			nranges = 1;
		else if (nranges > 1 && (e = file_create(f)) < 0) {
			rwarn(c, path, e);
			note_fatal(c, e);
			node_free(&f->node);
			free(f->path);
			free(f);
			return 0;
		}
	}
	cut[nranges] = f->node.ncontent;
	atomic_store(&f->left, nranges);
	if (nranges == 1 && g == &c->fjobs && batch_add(c, f) == 0)
		return 0;
	for (size_t k = 0; k < nranges; k++) {
		if ((e = rjob_submit(c, f, cut[k], cut[k + 1], offs[k], g)) < 0) {
			/* The ranges not handed out count as failed: the file goes. */
			int none = 0;
			atomic_compare_exchange_strong(&f->e, &none, e);
			for (; k < nranges; k++)
				if (atomic_fetch_sub(&f->left, 1) == 1)
					file_finish(c, f);
			return e;
		}
	}
	return 0;
}

/* A file written here and now by the walking thread (the first name of several links,
 * so the others can link to it). */
static int file_restore_now(struct rctx *c, const char *path, struct node *n)
{
	struct rfile *f = rfile_new(path, n);
	if (!f)
		return -ENOMEM;
	atomic_store(&f->left, 1);
	range_do(c, c->self, f, 0, f->node.ncontent, 0);
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

/* A thread walking the snapshot's trees: the walk itself, or the scout, which only
 * creates folders and hands out the large files (scouted) it finds. */
struct walker {
	struct rctx *c;
	struct repo_reader *rd;
	bool scout;
};

static int restore_tree(struct walker *wk, const uint8_t id[REPO_ID_LEN], const char *dst, const char *snap_path,
			bool whole);

/* The files the scout hands out: large ones, split into ranges, with one name. */
static bool scouted(const struct node *n)
{
	return n->type == NODE_FILE && n->links <= 1 && n->size >= SPLIT_MIN;
}

static uint64_t path_hash(const char *p)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */
	for (; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	return h;
}

/* The claims' table twice as large; false when out of memory. */
static bool claims_grow(struct rctx *c)
{
	size_t cap = c->capclaims ? 2 * c->capclaims : 64;
	char **t = calloc(cap, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i < c->capclaims; i++)
		if (c->claims[i]) {
			size_t k = path_hash(c->claims[i]) & (cap - 1);
			while (t[k])
				k = (k + 1) & (cap - 1);
			t[k] = c->claims[i];
		}
	free(c->claims);
	c->claims = t;
	c->capclaims = cap;
	return true;
}

/* Whether the caller (the walk, or the scout) is the first of the two to take the file
 * at path: both meet every scouted file, each at its own pace. Once a claim could not
 * be kept (out of memory) the walk takes the rest and the scout none: never both,
 * never neither. */
static bool claim(struct rctx *c, const char *path, bool scout)
{
	bool mine = false;
	pthread_mutex_lock(&c->mu);
	if (2 * (c->nclaims + 1) > c->capclaims && !claims_grow(c) && c->nclaims + 1 >= c->capclaims)
		c->claims_lost = true;
	if (c->capclaims) {
		size_t k = path_hash(path) & (c->capclaims - 1);
		while (c->claims[k] && strcmp(c->claims[k], path) != 0)
			k = (k + 1) & (c->capclaims - 1);
		if (c->claims[k])
			goto out; /* the other's */
		if (!c->claims_lost && !(c->claims[k] = strdup(path)))
			c->claims_lost = true;
		if (c->claims[k])
			c->nclaims++;
	}
	mine = !scout || !c->claims_lost;
out:
	pthread_mutex_unlock(&c->mu);
	return mine;
}

/* Keeps a restored directory for dir_finish; takes n's contents. */
static int dir_later(struct rctx *c, const char *path, struct node *n)
{
	if (c->nlater == c->caplater) {
		size_t cap = c->caplater ? c->caplater * 2 : 256;
		struct rdir *p = realloc(c->later, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->later = p;
		c->caplater = cap;
	}
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	c->later[c->nlater++] = (struct rdir){copy, *n};
	memset(n, 0, sizeof(*n));
	return 0;
}

/* Sets the directories' metadata once every file is written: creating the files in a
 * directory changes its times, and its mode may forbid writing in it. Innermost first,
 * though setting a directory's metadata changes nothing in its parent. */
static void dirs_finish(struct rctx *c)
{
	for (size_t i = 0; i < c->nlater; i++) {
		int e = node_apply(AT_FDCWD, c->later[i].path, &c->later[i].node, c->root);
		if (e < 0)
			rwarn(c, c->later[i].path, e);
		node_free(&c->later[i].node);
		free(c->later[i].path);
	}
	free(c->later);
	c->later = NULL;
	c->nlater = c->caplater = 0;
}

static int restore_node(struct walker *wk, struct node *n, const char *dst, const char *snap_path, bool whole)
{
	struct rctx *c = wk->c;
	char path[PATH_MAX], sp[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", dst, n->name) >= (int)sizeof(path) ||
	    snprintf(sp, sizeof(sp), "%s/%s", snap_path, n->name) >= (int)sizeof(sp))
		return err_set(-ENAMETOOLONG, "a path in the snapshot is too long for this system");
	bool in = whole || inside_include(c, sp) || wanted(c, sp, false);
	if (!in && !(n->type == NODE_DIR && wanted(c, sp, true)))
		return 0;
	int e = 0;
	if (wk->scout) {
		/* The walk says what goes wrong, and sets the folders' metadata. */
		if (n->type == NODE_DIR && (mkdir(path, 0700) == 0 || errno == EEXIST))
			restore_tree(wk, n->subtree, path, sp, in);
		else if (scouted(n) && claim(c, path, true))
			return rsubmit(c, path, n, &c->sjobs);
		return 0;
	}
	switch (n->type) {
	case NODE_DIR:
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return err_set(-errno, "cannot create '%s': %s", path, strerror(errno));
		atomic_fetch_add(&c->dirs, 1);
		/* Its files are still being written: its metadata comes at the end. */
		if ((e = restore_tree(wk, n->subtree, path, sp, in)) == 0)
			e = dir_later(c, path, n);
		return e;
	case NODE_FILE:
		if (scouted(n) && !claim(c, path, false))
			return 0; /* the scout's */
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
			return file_restore_now(c, path, n);
		}
		return rsubmit(c, path, n, &c->fjobs);
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

static int restore_tree(struct walker *wk, const uint8_t id[REPO_ID_LEN], const char *dst, const char *snap_path,
			bool whole)
{
	struct rctx *c = wk->c;
	const uint8_t *text = NULL;
	size_t len = 0;
	struct tree t;
	int e = repo_reader_read(wk->rd, REPO_BLOB_TREE, id, &text, &len);
	if (e < 0)
		return e;
	if ((e = tree_decode((const char *)text, len, &t)) < 0)
		return e;
	for (size_t i = 0; i < t.n && !atomic_load(&c->fatal); i++) {
		int ne = restore_node(wk, &t.nodes[i], dst, snap_path, whole);
		if (ne == -ENOMEM) {
			note_fatal(c, ne); /* the scout's ends the restore too */
			e = ne;
			break;
		}
		if (ne < 0) {
			char p[PATH_MAX];
			snprintf(p, sizeof(p), "%s/%s", dst, t.nodes[i].name);
			rwarn(c, p, ne);
		}
	}
	tree_free(&t);
	return e;
}

/* The scout: walks the snapshot's trees from the root, as the walk does, handing out
 * the large files (scouted) before the walk gets to them. */
struct scout {
	struct walker wk;
	const uint8_t *tree;
	const char *target;
};

static void *scout_main(void *arg)
{
	struct scout *s = arg;
	restore_tree(&s->wk, s->tree, s->target, "", false);
	return NULL;
}

int backup_restore(struct repo *r, const char *id, const struct restore_opts *o, struct restore_summary *ret)
{
	struct rctx c = {.r = r, .o = o, .root = geteuid() == 0, .mu = PTHREAD_MUTEX_INITIALIZER};
	json_t *snap = NULL;
	char sid[REPO_HEX_LEN], target[PATH_MAX];
	uint8_t tree[REPO_ID_LEN];
	int64_t start = time_mono_us();
	int e = snapshot_get(r, id, &snap, sid),
	    n = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN) + RESTORE_EXTRA_THREADS;
	struct rworker *workers = NULL;
	void **ctxs = NULL;
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
	if (n > 64)
		n = 64;
	/* workers[n] is the walking thread's. */
	if (!(workers = calloc((size_t)n + 1, sizeof(*workers))) || !(ctxs = calloc((size_t)n, sizeof(*ctxs)))) {
		e = -ENOMEM;
		goto out;
	}
	for (int i = 0; i <= n && e == 0; i++) {
		size_t cap;
		workers[i].c = &c;
		if (i < n)
			ctxs[i] = &workers[i];
		if ((e = repo_reader_new(r, &workers[i].rd)) == 0 && i < n)
			repo_reader_hinted(workers[i].rd);
		if (e == 0 && !(workers[i].buf = repo_huge_alloc(WBUF_BYTES, &cap)))
			e = -ENOMEM;
	}
	c.self = &workers[n];
	if (e == 0 && (e = workq_start(&c.q, n, RESTORE_QUEUE_MAX, ctxs)) < 0)
		e = err_set(e, "cannot start restore threads");
	/* Without a scout (no memory, no thread) the walk takes every file itself. */
	struct scout sc = {.wk = {.c = &c, .scout = true}, .tree = tree, .target = target};
	pthread_t scout;
	bool scouting = e == 0 && repo_reader_new(r, &sc.wk.rd) == 0 &&
			pthread_create(&scout, NULL, scout_main, &sc) == 0;
	if (e == 0) {
		struct walker wk = {.c = &c, .rd = c.self->rd};
		e = restore_tree(&wk, tree, target, "", false);
	}
	atomic_store(&c.walked, true);
	if (e < 0)
		note_fatal(&c, e); /* the scout stops too */
	if (scouting)
		pthread_join(scout, NULL);
	repo_reader_free(sc.wk.rd);
	batch_flush(&c);
	workq_stop(&c.q); /* every file written */
	dirs_finish(&c);
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
	for (size_t i = 0; i < c.capclaims; i++)
		free(c.claims[i]);
	free(c.claims);
	for (int i = 0; workers && i <= n; i++) {
		repo_reader_free(workers[i].rd);
		free(workers[i].buf);
	}
	free(workers);
	free(ctxs);
	json_decref(snap);
	return e;
}
