/*
 * store.c: SQLite connections, statement cache, transactions and migrations.
 */
#include "core/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/embed.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/fts.h"
#include "core/limits.h"
#include "core/timeutil.h"

struct store_hook {
	int (*fn)(void *);
	void (*undo)(void *);
	void *arg;
};

struct store {
	sqlite3 *db;
	struct {
		const char *sql; /* the literal's address is the key */
		sqlite3_stmt *st;
	} cache[WARD_STMT_CACHE];
	int ncache;
	int tx_depth;         /* nesting of store_tx_begin */
	bool tx_failed;       /* an inner level rolled back */
	int read_depth;       /* nesting of store_read_begin outside a write transaction */
	struct store_hook hooks[4];
	int nhooks;
	uint64_t unsynced;    /* the group sequence of this connection's newest commit not yet synced */
	int wal_pages;        /* the WAL's size after that commit, in pages */
	bool defer_sync;      /* store_tx_commit leaves the sync to its caller (store_batch) */
};

/* Writers in this process take turns here before BEGIN IMMEDIATE: a queue on a mutex,
 * where SQLite's busy handler would sleep and retry (and let one thread starve
 * another). Other processes still meet the busy timeout. */
static pthread_mutex_t store_write_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Group commit. COMMIT itself does not sync (synchronous = NORMAL, which in WAL mode
 * keeps the database consistent through a crash); instead each committing thread, once
 * it has let go of the write lock, waits until its commit is on disk. The first to wait
 * syncs the WAL (and the files registered with store_on_sync) for every commit made so
 * far, and the threads that committed meanwhile share that sync instead of each paying
 * for one: under load, one fdatasync covers many transactions, and no writer holds the
 * write lock while the disk works.
 */
static pthread_mutex_t sync_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sync_done = PTHREAD_COND_INITIALIZER;
static uint64_t commit_seq;  /* commits made in this process (under the write lock or wal hook) */
static uint64_t synced_seq;  /* commits known to be on disk */
static uint64_t failed_seq;  /* commits whose sync failed: their callers get -EIO */
static bool syncing;
static uint64_t syncs;       /* times the WAL was synced for a group */
static int (*sync_fns[4])(void);
static int nsync_fns;

/*
 * Batched writes (store_batch): callers queue their change; one of them, the leader,
 * runs a whole queue of them in one transaction on its connection, each under its own
 * savepoint, and commits once. The others wait for the outcome of theirs.
 */
struct batch_req {
	int (*fn)(struct store *, void *);
	void *arg;
	int r;
	bool taken, done; /* in a batch being run; finished (on disk, or failed) */
	char msg[512];
	struct batch_req *next;
};
static pthread_mutex_t batch_lock = PTHREAD_MUTEX_INITIALIZER;
/* The connection every batch runs on, whichever thread leads: only the leader uses it,
 * so it is never used by two threads at once, and as only batches write through it,
 * its page cache stays warm from one batch to the next (a connection's cache is
 * dropped whenever another connection has written). */
static struct store *batch_conn;

static pthread_cond_t batch_cond = PTHREAD_COND_INITIALIZER;
static struct batch_req *batch_head, **batch_tail = &batch_head;
static bool batch_leading;

static char store_dir[4096];
static char store_path[4096];
static char store_wal_path[4100];
static pthread_key_t store_key;
static pthread_once_t store_key_once = PTHREAD_ONCE_INIT;

static void store_free(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close(s->db);
	free(s);
}

static void store_key_destroy(void *p)
{
	store_free(p);
}

static void store_key_make(void)
{
	pthread_key_create(&store_key, store_key_destroy);
}

int store_setup(const char *data_dir)
{
	int r = snprintf(store_dir, sizeof(store_dir), "%s", data_dir);
	if (r < 0 || (size_t)r >= sizeof(store_dir))
		return err_set(-ENAMETOOLONG, "data directory '%s' is too long", data_dir);
	r = fs_join(store_path, sizeof(store_path), data_dir, "ward.db");
	if (r < 0)
		return r;
	snprintf(store_wal_path, sizeof(store_wal_path), "%s-wal", store_path);
	pthread_once(&store_key_once, store_key_make);
	return 0;
}

const char *store_data_dir(void)
{
	return store_dir;
}

bool store_exists(void)
{
	struct stat st;
	return store_path[0] && stat(store_path, &st) == 0;
}

int store_error(struct store *s, const char *what)
{
	int code = sqlite3_errcode(s->db);
	int r;
	switch (code) {
	case SQLITE_CONSTRAINT: r = -EEXIST; break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: r = -EBUSY; break;
	case SQLITE_NOMEM: r = -ENOMEM; break;
	case SQLITE_FULL: r = -ENOSPC; break;
	case SQLITE_READONLY: r = -EROFS; break;
	default: r = -EIO; break;
	}
	return err_set(r, "%s: %s", what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
	for (int i = 0; i < s->ncache; i++) {
		if (s->cache[i].sql == sql) {
			sqlite3_stmt *st = s->cache[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		store_error(s, "cannot prepare a statement");
		return NULL;
	}
	if (s->ncache == WARD_STMT_CACHE) {
		/* Full: drop the oldest. Statements are few and fixed, so this is rare. */
		sqlite3_finalize(s->cache[0].st);
		memmove(&s->cache[0], &s->cache[1], sizeof(s->cache[0]) * (WARD_STMT_CACHE - 1));
		s->ncache--;
	}
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache].st = st;
	s->ncache++;
	return st;
}

sqlite3_stmt *store_prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_error(s, "cannot prepare a statement");
		return NULL;
	}
	return st;
}

int store_step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : store_error(s, what);
	sqlite3_reset(st);
	return r;
}

void store_done(sqlite3_stmt *st)
{
	if (st)
		sqlite3_reset(st);
}

const char *store_col_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

int64_t store_col_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_int64(st, col);
}

int store_bind_text(sqlite3_stmt *st, int idx, const char *text)
{
	if (!text)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT);
}

static int store_exec(struct store *s, const char *sql, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int r = store_error(s, what);
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

void store_sync_stats(uint64_t *ret_commits, uint64_t *ret_syncs)
{
	pthread_mutex_lock(&sync_lock);
	*ret_commits = __atomic_load_n(&commit_seq, __ATOMIC_ACQUIRE);
	*ret_syncs = syncs;
	pthread_mutex_unlock(&sync_lock);
}

int store_on_sync(int (*fn)(void))
{
	int r = 0;
	pthread_mutex_lock(&sync_lock);
	for (int i = 0; i < nsync_fns; i++)
		if (sync_fns[i] == fn)
			goto out;
	if (nsync_fns == (int)(sizeof(sync_fns) / sizeof(sync_fns[0])))
		r = err_set(-ENOSPC, "too many sync hooks");
	else
		sync_fns[nsync_fns++] = fn;
out:
	pthread_mutex_unlock(&sync_lock);
	return r;
}

/* Syncs the WAL, through s's own handle on it (a connection that just committed has
 * it open), or else (s NULL) by name; then the registered files (store_on_sync). The WAL may be absent when
 * the last connection checkpointed it away, in which case the database file holds
 * everything and that checkpoint synced it. */
static int sync_files(struct store *s)
{
	int r = 0;
	sqlite3_file *wal = NULL;
	if (s && sqlite3_file_control(s->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) == SQLITE_OK && wal &&
	    wal->pMethods) {
		if (wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL | SQLITE_SYNC_DATAONLY) != SQLITE_OK)
			r = err_set(-EIO, "cannot sync '%s'", store_wal_path);
	} else {
		int fd = open(store_wal_path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (fdatasync(fd) < 0)
				r = err_set(-EIO, "cannot sync '%s': %s", store_wal_path, strerror(errno));
			close(fd);
		} else if (errno != ENOENT) {
			r = err_set(-errno, "cannot open '%s': %s", store_wal_path, strerror(errno));
		}
	}
	int n = __atomic_load_n(&nsync_fns, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n && r == 0; i++)
		r = sync_fns[i]();
	return r;
}

/* The WAL hook: runs after each commit on s, the write lock still held. Numbers the
 * commit for the group sync and notes whether the WAL wants a checkpoint. */
static int store_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	struct store *s = arg;
	s->unsynced = __atomic_add_fetch(&commit_seq, 1, __ATOMIC_ACQ_REL);
	s->wal_pages = pages;
	return SQLITE_OK;
}

/* Runs SQLite's auto-checkpoint's work, outside the write lock, once the WAL is long:
 * a passive checkpoint runs beside writers, and syncs the WAL before copying it. It
 * copies only what no reader still needs, so under steady reads the WAL stays long; it
 * is tried again only after another WARD_DB_CHECKPOINT_PAGES pages, not after every
 * commit (each try syncs the database file). */
static void checkpoint_if_long(sqlite3 *db, int wal_pages)
{
	static int next_at = WARD_DB_CHECKPOINT_PAGES; /* WAL length of the next try */
	int at = __atomic_load_n(&next_at, __ATOMIC_RELAXED);
	if (wal_pages < at - WARD_DB_CHECKPOINT_PAGES) {
		/* The WAL started over: count from its start again. */
		__atomic_compare_exchange_n(&next_at, &at, WARD_DB_CHECKPOINT_PAGES, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
		at = __atomic_load_n(&next_at, __ATOMIC_RELAXED);
	}
	if (wal_pages < at ||
	    !__atomic_compare_exchange_n(&next_at, &at, wal_pages + WARD_DB_CHECKPOINT_PAGES, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

/* Waits until commit number mine is on disk, syncing for the group when no other
 * thread is; s (or NULL) as for sync_files. */
static int sync_upto(struct store *s, uint64_t mine)
{
	int r = 0;
	pthread_mutex_lock(&sync_lock);
	while (synced_seq < mine && failed_seq < mine) {
		if (syncing) {
			pthread_cond_wait(&sync_done, &sync_lock);
			continue;
		}
		syncing = true;
		uint64_t upto = __atomic_load_n(&commit_seq, __ATOMIC_ACQUIRE);
		pthread_mutex_unlock(&sync_lock);
		r = sync_files(s);
		pthread_mutex_lock(&sync_lock);
		syncing = false;
		syncs++;
		if (r < 0) {
			if (upto > failed_seq)
				failed_seq = upto;
		} else if (upto > synced_seq) {
			synced_seq = upto;
		}
		pthread_cond_broadcast(&sync_done);
	}
	if (synced_seq < mine && r == 0)
		r = err_set(-EIO, "the database could not be synced to disk; the last change may be lost in a crash");
	pthread_mutex_unlock(&sync_lock);
	return r;
}

int store_sync(struct store *s)
{
	uint64_t mine = s->unsynced;
	if (mine == 0)
		return 0;
	s->unsynced = 0;
	checkpoint_if_long(s->db, s->wal_pages);
	s->wal_pages = 0;
	return sync_upto(s, mine);
}

static void store_hooks_clear(struct store *s)
{
	s->nhooks = 0;
	s->tx_failed = false;
}

int store_read_begin(struct store *s)
{
	if (s->tx_depth > 0 || s->read_depth++ > 0)
		return 0;
	int r = store_exec(s, "BEGIN", "cannot begin a read");
	if (r < 0)
		s->read_depth = 0;
	return r;
}

void store_read_end(struct store *s)
{
	if (s->tx_depth > 0 || s->read_depth == 0 || --s->read_depth > 0)
		return;
	/* A read-only transaction: COMMIT only ends the snapshot. */
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
}

int store_tx_begin(struct store *s)
{
	if (s->tx_depth++ > 0)
		return 0;
	if (s->read_depth > 0) {
		s->tx_depth = 0;
		return err_set(-EINVAL, "a write transaction cannot begin inside a read (store_read_begin)");
	}
	store_hooks_clear(s);
	pthread_mutex_lock(&store_write_lock);
	int r = store_exec(s, "BEGIN IMMEDIATE", "cannot begin a transaction");
	if (r < 0) {
		s->tx_depth = 0;
		pthread_mutex_unlock(&store_write_lock);
	}
	return r;
}

void store_tx_rollback(struct store *s)
{
	if (s->tx_depth == 0)
		return;
	if (--s->tx_depth > 0) {
		s->tx_failed = true;
		return;
	}
	store_exec(s, "ROLLBACK", "cannot roll back");
	store_hooks_clear(s);
	pthread_mutex_unlock(&store_write_lock);
}

int store_tx_commit(struct store *s)
{
	int r = 0, ran = 0;
	if (s->tx_depth == 0)
		return err_set(-EINVAL, "commit without a transaction");
	if (--s->tx_depth > 0)
		return 0;
	if (s->tx_failed) {
		r = err_set(-ECANCELED, "the transaction was rolled back");
		goto rollback;
	}
	for (; ran < s->nhooks; ran++) {
		r = s->hooks[ran].fn(s->hooks[ran].arg);
		if (r < 0)
			goto undo;
	}
	r = store_exec(s, "COMMIT", "cannot commit");
	if (r == 0) {
		store_hooks_clear(s);
		pthread_mutex_unlock(&store_write_lock);
		return s->defer_sync ? 0 : store_sync(s);
	}
undo:
	for (int i = ran - 1; i >= 0; i--)
		if (s->hooks[i].undo)
			s->hooks[i].undo(s->hooks[i].arg);
rollback:
	/* COMMIT may fail and leave the transaction open (SQLITE_BUSY); roll it back. */
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	store_hooks_clear(s);
	pthread_mutex_unlock(&store_write_lock);
	return r;
}

/* Runs one batched change under a savepoint; a failure rolls back only that change. */
static void batch_run_one(struct store *s, struct batch_req *q)
{
	s->tx_failed = false;
	q->r = store_exec(s, "SAVEPOINT batch", "cannot start a savepoint");
	if (q->r == 0) {
		q->r = q->fn(s, q->arg);
		if (q->r == 0 && s->tx_failed)
			q->r = err_set(-ECANCELED, "the change was rolled back");
		if (q->r < 0) {
			snprintf(q->msg, sizeof(q->msg), "%s", err_msg(q->r));
			sqlite3_exec(s->db, "ROLLBACK TO batch", NULL, NULL, NULL);
		}
		sqlite3_exec(s->db, "RELEASE batch", NULL, NULL, NULL);
	} else {
		snprintf(q->msg, sizeof(q->msg), "%s", err_msg(q->r));
	}
	s->tx_failed = false;
}

/* Fails every change of list that had not failed on its own with r. */
static void batch_fail(struct batch_req *list, int r)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", err_msg(r));
	for (struct batch_req *q = list; q; q = q->next) {
		if (q->r < 0)
			continue;
		q->r = r;
		snprintf(q->msg, sizeof(q->msg), "%s", msg);
	}
}

/* Runs the queued changes in list in one transaction on s and commits, leaving the
 * sync (and the checkpoint) to the caller: *ret_seq is the commit to wait for (0:
 * nothing to wait for). */
static int batch_run(struct store *s, struct batch_req *list, uint64_t *ret_seq)
{
	*ret_seq = 0;
	int r = store_tx_begin(s);
	/* First all together, with no savepoint between the changes: a savepoint makes
	 * FTS5 write what it has gathered as an index segment of its own, so each change
	 * of the batch would cost a segment (and its later merging). Should one fail, the
	 * batch starts over with a savepoint around each change, so it alone is undone. */
	bool failed = false;
	for (struct batch_req *q = list; r == 0 && q && !failed; q = q->next) {
		s->tx_failed = false;
		failed = q->fn(s, q->arg) < 0 || s->tx_failed;
	}
	if (r == 0 && failed) {
		s->tx_depth = 1;
		store_tx_rollback(s);
		r = store_tx_begin(s);
		for (struct batch_req *q = list; r == 0 && q; q = q->next)
			batch_run_one(s, q);
	}
	if (r == 0) {
		s->defer_sync = true;
		r = store_tx_commit(s);
		s->defer_sync = false;
	}
	if (r < 0) {
		/* Nothing of the batch is known to be on disk: every change in it failed. */
		batch_fail(list, r);
		return r;
	}
	*ret_seq = s->unsynced;
	s->unsynced = 0;
	return 0;
}

static int store_connect(bool create, struct store **ret);
static void store_free(struct store *s);

static void batch_conn_close(void)
{
	store_free(batch_conn);
	batch_conn = NULL;
}

int store_batch(struct store *s, int (*fn)(struct store *, void *), void *arg)
{
	if (s->tx_depth > 0)
		return fn(s, arg); /* already in a transaction: part of it */
	struct batch_req me = {.fn = fn, .arg = arg};
	pthread_mutex_lock(&batch_lock);
	*batch_tail = &me;
	batch_tail = &me.next;
	for (;;) {
		if (me.done)
			break;
		if (me.taken || batch_leading) {
			pthread_cond_wait(&batch_cond, &batch_lock);
			continue;
		}
		/* Lead: take the queue (at most WARD_DB_BATCH_MAX changes, and ours, which is
		 * queued as it is not taken), run and commit it, sync it, and only then hand
		 * the lead on: the changes arriving meanwhile gather into the next batch,
		 * which so holds every change that came during a commit and its sync. A
		 * batch shares its pages (each B-tree's rightmost leaf, the search index's
		 * segment) and its sync: at a million tickets, a third less CPU a ticket than
		 * handing the lead on before the sync, which made many batches of one or
		 * two changes. */
		batch_leading = true;
		struct batch_req *list = batch_head, *last = list;
		for (int n = 1; n < WARD_DB_BATCH_MAX && last->next; n++)
			last = last->next;
		bool mine_in = false;
		for (struct batch_req *q = list; q != last->next; q = q->next)
			mine_in |= q == &me;
		if (!mine_in) {
			/* Ours lies beyond the cap: run the queue up to and including it. */
			for (last = list; last != &me; last = last->next)
				;
		}
		batch_head = last->next;
		if (!batch_head)
			batch_tail = &batch_head;
		last->next = NULL;
		for (struct batch_req *q = list; q; q = q->next)
			q->taken = true;
		pthread_mutex_unlock(&batch_lock);
		if (!batch_conn && store_connect(false, &batch_conn) == 0)
			atexit(batch_conn_close);
		uint64_t seq = 0;
		struct store *conn = batch_conn ? batch_conn : s;
		int r = batch_run(conn, list, &seq), wal_pages = conn->wal_pages;
		conn->wal_pages = 0;
		if (r == 0 && seq && (r = sync_upto(conn, seq)) < 0)
			batch_fail(list, r);
		pthread_mutex_lock(&batch_lock);
		batch_leading = false;
		pthread_cond_broadcast(&batch_cond);
		pthread_mutex_unlock(&batch_lock);
		/* A long WAL is checkpointed on this thread's own connection, after the lead is
		 * handed on: a checkpoint syncs the database file, which may take a while. */
		checkpoint_if_long(s->db, wal_pages);
		pthread_mutex_lock(&batch_lock);
		for (struct batch_req *q = list; q; q = q->next)
			q->done = true;
		pthread_cond_broadcast(&batch_cond);
	}
	pthread_mutex_unlock(&batch_lock);
	if (me.r < 0)
		err_set(me.r, "%s", me.msg);
	return me.r;
}

int store_tx_end(struct store *s, int r)
{
	if (r < 0) {
		store_tx_rollback(s);
		return r;
	}
	return store_tx_commit(s);
}

int store_on_commit(struct store *s, int (*fn)(void *), void (*undo)(void *), void *arg)
{
	if (s->tx_depth == 0)
		return err_set(-EINVAL, "a commit hook needs a transaction");
	for (int i = 0; i < s->nhooks; i++)
		if (s->hooks[i].fn == fn && s->hooks[i].arg == arg)
			return 0;
	if (s->nhooks == (int)(sizeof(s->hooks) / sizeof(s->hooks[0])))
		return err_set(-ENOSPC, "too many commit hooks");
	s->hooks[s->nhooks++] = (struct store_hook){fn, undo, arg};
	return 1;
}

/* A migration's name is "<domain>/schema/NNNN_<what>.sql". */
static int migration_parse(const char *name, char *domain, size_t dsize, int64_t *version)
{
	const char *slash = strchr(name, '/');
	if (!slash || (size_t)(slash - name) >= dsize || strncmp(slash, "/schema/", 8) != 0)
		return -EINVAL;
	memcpy(domain, name, (size_t)(slash - name));
	domain[slash - name] = '\0';
	char num[5];
	memcpy(num, slash + 8, 4);
	num[4] = '\0';
	if (slash[12] != '_' || parse_int64(num, 1, 9999, version) < 0)
		return -EINVAL;
	return 0;
}

static int store_migrate(struct store *s)
{
	int r = store_exec(s,
			   "CREATE TABLE IF NOT EXISTS schema_migrations ("
			   " domain TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
			   " applied_at INTEGER NOT NULL, PRIMARY KEY (domain, version))",
			   "cannot create the migrations table");
	if (r < 0)
		return r;

	/* Refuse a database that a newer ward has migrated further. */
	sqlite3_stmt *st = store_stmt(s, "SELECT domain, max(version) FROM schema_migrations GROUP BY domain");
	if (!st)
		return -EIO;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *domain = store_col_text(st, 0);
		int64_t have = store_col_int(st, 1), known = 0;
		char d[64];
		int64_t v;
		for (const struct embed_file *f = schema_sql; f->name; f++)
			if (migration_parse(f->name, d, sizeof(d), &v) == 0 && strcmp(d, domain) == 0 && v > known)
				known = v;
		if (have > known) {
			r = err_set(-EPROTO,
				    "database '%s' is from a newer ward (schema '%s' at version %lld, this ward knows %lld); "
				    "upgrade ward",
				    store_path, domain, (long long)have, (long long)known);
			store_done(st);
			return r;
		}
	}
	store_done(st);
	if (r != SQLITE_DONE)
		return store_error(s, "cannot read the migrations table");

	for (const struct embed_file *f = schema_sql; f->name; f++) {
		char domain[64];
		int64_t version;
		if (migration_parse(f->name, domain, sizeof(domain), &version) < 0)
			return err_set(-EINVAL, "migration '%s' is misnamed", f->name);
		st = store_stmt(s, "SELECT 1 FROM schema_migrations WHERE domain = ? AND version = ?");
		if (!st)
			return -EIO;
		sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, version);
		r = sqlite3_step(st);
		store_done(st);
		if (r == SQLITE_ROW)
			continue;
		if (r != SQLITE_DONE)
			return store_error(s, "cannot read the migrations table");

		r = store_tx_begin(s);
		if (r < 0)
			return r;
		/* Another process may have applied it while we waited for the lock. */
		st = store_stmt(s, "SELECT 1 FROM schema_migrations WHERE domain = ? AND version = ?");
		sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, version);
		bool done = sqlite3_step(st) == SQLITE_ROW;
		store_done(st);
		if (!done) {
			char what[256];
			snprintf(what, sizeof(what), "migration '%s' failed", f->name);
			r = store_exec(s, (const char *)f->data, what);
			if (r == 0) {
				st = store_stmt(s, "INSERT INTO schema_migrations (domain, version, name, applied_at) "
						   "VALUES (?, ?, ?, ?)");
				sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 2, version);
				sqlite3_bind_text(st, 3, f->name, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 4, time_now());
				if (sqlite3_step(st) != SQLITE_DONE)
					r = store_error(s, "cannot record a migration");
				store_done(st);
			}
		}
		r = store_tx_end(s, r);
		if (r < 0)
			return r;
	}
	return 0;
}

int store_schema_version(struct store *s, const char *domain, int64_t *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT coalesce(max(version), 0) FROM schema_migrations WHERE domain = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : store_error(s, "cannot read the schema version");
	if (r == 0)
		*ret = store_col_int(st, 0);
	store_done(st);
	return r;
}

static int store_connect(bool create, struct store **ret)
{
	struct store *s = NULL;
	int r;
	if (!store_path[0])
		return err_set(-EINVAL, "no data directory was set");
	if (!create && !store_exists())
		return err_set(-ENOENT, "data directory '%s' is not initialised; run 'ward init'", store_dir);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	mode_t old = umask(077);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(store_path, &s->db, flags, NULL);
	umask(old);
	if (rc != SQLITE_OK) {
		r = err_set(-EIO, "cannot open database '%s': %s", store_path,
			    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, WARD_DB_BUSY_MS);
	sqlite3_extended_result_codes(s->db, 0);
	r = store_exec(s, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
		       " PRAGMA cache_size = " WARD_DB_CACHE_KIB ";",
		       "cannot configure the database");
	if (r < 0)
		goto fail;
	/* Replaces SQLite's auto-checkpoint, which store_sync does instead. */
	sqlite3_wal_hook(s->db, store_wal_hook, s);
	if ((r = fts_setup(s->db)) < 0)
		goto fail;
	r = store_migrate(s);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	store_free(s);
	return r;
}

int store_open(bool create, struct store **ret)
{
	struct store *s = pthread_getspecific(store_key);
	if (!s) {
		int r = store_connect(create, &s);
		if (r < 0)
			return r;
		pthread_setspecific(store_key, s);
	}
	*ret = s;
	return 0;
}

struct store *store_get(void)
{
	struct store *s = NULL;
	return store_open(false, &s) < 0 ? NULL : s;
}

void store_release(void)
{
	struct store *s = pthread_getspecific(store_key);
	if (s) {
		pthread_setspecific(store_key, NULL);
		store_free(s);
	}
}
