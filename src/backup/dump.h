/*
 * dump.h: database dumps taken just before a backup reads its files, so a snapshot holds
 * a consistent copy of each database instead of its files caught in mid-write: SQLite
 * through its online backup API, PostgreSQL with pg_dump, MariaDB/MySQL with
 * mariadb-dump (or mysqldump). No shell is ever involved: a spec's text reaches a dump
 * tool as one argv element, never as something to be split or interpreted.
 */
#ifndef WARD_BACKUP_DUMP_H
#define WARD_BACKUP_DUMP_H

#include <jansson.h>
#include <limits.h>

/* The limits of this part (kept here rather than in core/limits.h while the dump hooks
 * are new; they move there once the CLI options land). */
#define DUMP_SPEC_MAX 4096		 /* a spec's text, bytes */
#define DUMP_NAME_MAX 96		 /* <name> in a dump's file name, bytes */
#define DUMP_USER_MAX 33		 /* as=USER, with its NUL */
#define DUMP_MAX 64			 /* dumps in one dump_all() */
#define DUMP_STDERR_MAX 4096		 /* a dump tool's stderr kept for the error message, bytes */
#define DUMP_TIMEOUT_DEFAULT 3600	 /* postgres, mariadb: the whole dump, seconds */
#define DUMP_SQLITE_WAIT_DEFAULT 300	 /* sqlite: waiting for the application's locks, seconds */
#define DUMP_TIMEOUT_MAX (7 * 24 * 3600) /* timeout= at most */

enum dump_kind {
	DUMP_SQLITE,   /* a database file, copied with sqlite3_backup_*() */
	DUMP_POSTGRES, /* pg_dump --format=plain */
	DUMP_MARIADB,  /* mariadb-dump --single-transaction */
};

struct dump_spec {
	enum dump_kind kind;
	/* Borrowed: points into the text given to dump_parse(), which must outlive the spec.
	 * sqlite: the database file's path. postgres: a database name, a libpq key=value
	 * connection string ("dbname=app host=/run/postgresql") or a postgresql:// URI.
	 * mariadb: a database name, or key=value settings ("database=app socket=/run/x.sock"
	 * with database, host, port, socket, user, defaults-extra-file). */
	const char *source;
	char name[DUMP_NAME_MAX];   /* the database's name as the file name shows it: [A-Za-z0-9._-] */
	char run_as[DUMP_USER_MAX]; /* postgres, mariadb: run the tool as this system user; "" as ourselves */
	int timeout_s;		    /* postgres, mariadb: the whole dump; sqlite: waiting for locks */
};

/* Parses "KIND[,OPTION...]:SOURCE" into ret. KIND is sqlite, postgres (postgresql) or
 * mariadb (mysql); OPTIONs are as=USER (postgres, mariadb: run the dump tool as that
 * user, which needs root) and timeout=DURATION ("90s", "30m", "2h"). Examples:
 *   sqlite:/var/lib/app/app.db
 *   postgres:app   postgres,as=postgres:app   postgres:dbname=app host=/run/postgresql
 *   mariadb:app    mariadb,timeout=2h:database=app socket=/run/mysqld/mysqld.sock
 * A password in the spec is refused (it would show in ps and in the snapshot's report):
 * PostgreSQL reads one from ~/.pgpass or PGPASSFILE, MariaDB from an option file.
 * -EINVAL with a message naming what is wrong; ret is written only on success. */
int dump_parse(const char *arg, struct dump_spec *ret);

/* "sqlite", "postgres" or "mariadb". */
const char *dump_kind_name(enum dump_kind kind);

/* The file a spec's dump is written to, inside the dump folder: "sqlite-<name>.db",
 * "postgres-<name>.sql" or "mariadb-<name>.sql". -ENAMETOOLONG when it does not fit. */
int dump_file_name(const struct dump_spec *s, char *out, size_t size);

/* Dumps one database into out_dir (created 0700 when missing) as dump_file_name(),
 * written to a hidden temporary name, checked, fsynced and renamed over the previous
 * dump, then the folder fsynced; the file is 0600. On failure nothing is left behind and
 * the previous dump, if any, is untouched.
 *   sqlite: the online backup API copies the live database in one read transaction
 *     (consistent while the application writes; SQLITE_BUSY/LOCKED are retried for at
 *     most timeout_s), the copy is made a self-contained rollback-journal file and
 *     passes PRAGMA integrity_check.
 *   postgres: pg_dump --format=plain --no-password (from PATH, else the newest
 *     /usr/lib/postgresql/N/bin), consistent by pg_dump's own snapshot.
 *   mariadb: mariadb-dump (else mysqldump) --single-transaction --routines --events
 *     --triggers --hex-blob: consistent for transactional (InnoDB) tables.
 *   The tools' output streams straight into the file; they must exit 0 within
 *   timeout_s (else they are killed) and their output must end with its closing
 *   comment; what they said on stderr (at most DUMP_STDERR_MAX bytes) is in the error.
 * -ENOENT when the database file or the dump tool is missing, -ETIMEDOUT, -EIO when a
 * tool fails or the copy is damaged, -errno otherwise; always with a message. */
int dump_run(const struct dump_spec *s, const char *out_dir, char ret_path[PATH_MAX]);

/* Runs n (at most DUMP_MAX) dumps in order into out_dir and, once all succeeded, removes
 * the dumps of earlier runs that this run did not write (files named like a dump:
 * sqlite-*.db, postgres-*.sql, mariadb-*.sql) and leftover temporary files, so the
 * folder holds exactly this run's dumps. Two specs naming the same file are refused
 * before anything runs. The report, the caller's to free, is [{"kind", "name",
 * "source", "path", "bytes", "seconds"}...]. Stops at the first failure and returns it,
 * its message prefixed with the dump it belongs to. */
int dump_all(const struct dump_spec *specs, int n, const char *out_dir, json_t **ret_report);

#endif
