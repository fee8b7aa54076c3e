/*
 * store.h: the SQLite store. One connection per thread (store_get), WAL, foreign keys,
 * a busy timeout, cached prepared statements, flat transactions, and the numbered
 * per-domain migrations embedded from src/<domain>/schema/NNNN_*.sql.
 *
 * SQL lives only in the *_store.c files; they reach the database through here.
 */
#ifndef WARD_STORE_H
#define WARD_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

struct store;

/* Names the data directory whose ward.db every later store_get() opens. Not thread-safe:
 * call once at start-up, before any thread uses the store. */
int store_setup(const char *data_dir);

/* The data directory given to store_setup. */
const char *store_data_dir(void);

/* True when the data directory holds a ward.db. */
bool store_exists(void);

/* Opens (creating with create) the database, applies pending migrations and returns the
 * calling thread's connection, which lives until store_release() or thread exit.
 * -ENOENT when it does not exist and !create; -EPROTO when its schema is newer than
 * this binary. */
int store_open(bool create, struct store **ret);

/* The calling thread's connection, opened on first use; NULL with err_msg() set when it
 * cannot be opened. */
struct store *store_get(void);

/* Closes the calling thread's connection. */
void store_release(void);

/* A cached statement for sql, which must be a string literal (it is cached by address),
 * reset and with bindings cleared. NULL (error message set) when it does not prepare.
 * Finish with store_done(). */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);

/* A statement for sql built at run time from fixed fragments (a filtered listing), not
 * cached: finish with sqlite3_finalize(). User input is never part of sql: bind it. */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);

/* Resets a statement from store_stmt() so its read transaction ends. NULL-safe. */
void store_done(sqlite3_stmt *st);

/* Steps a statement that returns no rows to completion and resets it; 0, or the
 * mapped error with "what" failed. */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what);

/* Maps the connection's last SQLite error to -errno with a message ("what" failed). */
int store_error(struct store *s, const char *what);

/* Runs fn(s, arg) as one change among others in a shared transaction (batched write):
 * concurrent callers queue their changes, one of them runs the queue on the batch
 * connection (the s fn is given) and commits once for all. So fn runs on whichever
 * thread leads: it must not use thread-local state of its caller, and it must not
 * commit side effects outside the database. It may run twice: should a change of the
 * batch fail, the batch is rolled back and run again with a savepoint around each
 * change, so a failing fn rolls back only its own change. Returns fn's result (with
 * its error message), or the commit's error. Inside a transaction, simply calls fn. */
int store_batch(struct store *s, int (*fn)(struct store *, void *), void *arg);

/* Commits are durable when store_tx_commit returns: the outermost commit waits for a
 * sync of the WAL that covers it, shared with the commits of other threads made
 * meanwhile (group commit). A statement run outside a transaction that changed the
 * database is durable after store_sync(). */
int store_sync(struct store *s);

/* Commits made and group syncs done by this process so far. */
void store_sync_stats(uint64_t *ret_commits, uint64_t *ret_syncs);

/* Registers fn to run (once per fn, process-wide) each time commits are synced, after
 * the WAL: it syncs a file that commit hooks wrote without syncing. 0 or -errno. */
int store_on_sync(int (*fn)(void));

/* Transactions nest by counting: only the outermost begin/commit talk to SQLite.
 * store_tx_begin takes the write lock at once (BEGIN IMMEDIATE). A rollback at any depth
 * marks the whole transaction failed; the outermost commit then rolls back and returns
 * -ECANCELED. */
int store_tx_begin(struct store *s);
int store_tx_commit(struct store *s);
void store_tx_rollback(struct store *s);

/* A read snapshot: the statements between store_read_begin and store_read_end see one
 * state of the database and share one read transaction (each statement outside a
 * transaction otherwise starts its own, taking the WAL's read lock and, when another
 * connection has written, dropping this connection's page cache). Nests by counting;
 * inside a write transaction both are no-ops. No write transaction may begin inside a
 * read (-EINVAL). */
int store_read_begin(struct store *s);
void store_read_end(struct store *s);

/* In an API handler: s is this thread's connection, or the handler returns -EIO. */
#define STORE_OR_FAIL(s)                                                                                               \
	struct store *s = store_get();                                                                                 \
	if (!s)                                                                                                        \
		return -EIO;

/* Ends a transaction by r: commit when r >= 0 (returning the commit's error if it
 * fails), rollback otherwise (returning r). */
int store_tx_end(struct store *s, int r);

/* Registers fn to run just before the outermost COMMIT, with the write lock held. If fn
 * fails the transaction rolls back; if COMMIT itself fails, undo (when set) runs.
 * Hooks are dropped after each transaction. At most 4 per transaction. Returns 1 when
 * the hook was added, 0 when this transaction already has it, or -errno. */
int store_on_commit(struct store *s, int (*fn)(void *), void (*undo)(void *), void *arg);

/* Convenience column readers: NULL/0 for SQL NULL. */
const char *store_col_text(sqlite3_stmt *st, int col);
int64_t store_col_int(sqlite3_stmt *st, int col);

/* Binds text (or NULL when text is NULL). */
int store_bind_text(sqlite3_stmt *st, int idx, const char *text);

/* For each migrated domain, its version; used by `ward version --json` and tests. */
int store_schema_version(struct store *s, const char *domain, int64_t *ret);

#endif
