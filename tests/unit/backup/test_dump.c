/*
 * Unit tests for database dumps (dump.h): spec parsing, good and bad, with shell
 * metacharacters arriving as plain text; SQLite copies of a database another thread
 * keeps writing (WAL and rollback journal), which pass integrity_check and hold only
 * committed rows; locks waited for within the timeout; damaged sources refused with
 * nothing left behind; and pg_dump / mariadb-dump replaced by fake tools to check the
 * exact argv, streaming, exit status, stderr, closing line, timeout and as=USER.
 * Real servers are in test_dump_postgres.c and test_dump_mariadb.c.
 */
#include <dirent.h>
#include <glob.h>
#include <pthread.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "backup/dump.h"
#include "backup_test.h"
#include "core/fs.h"
#include "core/timeutil.h"

static char out_dir[300];  /* test_dir/out: where dumps go */
static char fake_dir[300]; /* test_dir/bin: the fake tools */
static char *saved_path;   /* PATH as the test started */

static int setup(void **state)
{
	if (test_setup(state) < 0)
		return -1;
	snprintf(out_dir, sizeof(out_dir), "%s/out", test_dir);
	snprintf(fake_dir, sizeof(fake_dir), "%s/bin", test_dir);
	const char *p = getenv("PATH");
	saved_path = strdup(p ? p : "/usr/bin:/bin");
	return mkdir(fake_dir, 0755);
}

static int teardown(void **state)
{
	free(saved_path);
	return test_teardown(state);
}

/* "<test_dir>/<rel>" */
static const char *tpath(const char *rel)
{
	static char buf[4][1024];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", test_dir, rel);
	return buf[i];
}

static struct dump_spec parse_ok(const char *arg)
{
	struct dump_spec s;
	int code = dump_parse(arg, &s);
	if (code < 0)
		fail_msg("dump_parse('%s'): %s", arg, err_msg(code));
	return s;
}

static void parse_bad(const char *arg, const char *needle)
{
	struct dump_spec s;
	memset(&s, 0x5a, sizeof(s));
	int code = dump_parse(arg, &s);
	if (code != -EINVAL)
		fail_msg("dump_parse('%s') gave %d, expected -EINVAL", arg, code);
	assert_msg_has(code, needle);
	assert_int_equal(s.timeout_s, 0x5a5a5a5a); /* ret untouched on failure */
}

static void test_parse_good(void **state)
{
	const char *arg = "sqlite:/var/lib/app/app.db";
	struct dump_spec s = parse_ok(arg);
	assert_int_equal(s.kind, DUMP_SQLITE);
	assert_ptr_equal(s.source, arg + 7); /* borrowed from the text */
	assert_string_equal(s.name, "app");
	assert_string_equal(s.run_as, "");
	assert_int_equal(s.timeout_s, DUMP_SQLITE_WAIT_DEFAULT);
	assert_string_equal(dump_kind_name(s.kind), "sqlite");

	s = parse_ok("sqlite:/srv/data:2026/my db.sqlite3"); /* ':' after the first belongs to the path */
	assert_string_equal(s.source, "/srv/data:2026/my db.sqlite3");
	assert_string_equal(s.name, "my_db");
	assert_string_equal(parse_ok("sqlite:relative/ward").name, "ward");
	assert_string_equal(parse_ok("sqlite:/x/.hidden.db").name, "_hidden");
	assert_string_equal(parse_ok("sqlite:/x/a.b.c").name, "a.b");
	assert_int_equal(parse_ok("sqlite,timeout=10s:/x/a.db").timeout_s, 10);

	s = parse_ok("postgres:app");
	assert_int_equal(s.kind, DUMP_POSTGRES);
	assert_string_equal(s.source, "app");
	assert_string_equal(s.name, "app");
	assert_int_equal(s.timeout_s, DUMP_TIMEOUT_DEFAULT);
	s = parse_ok("postgresql,as=postgres,timeout=2h:dbname=app host=/run/postgresql");
	assert_int_equal(s.kind, DUMP_POSTGRES);
	assert_string_equal(s.source, "dbname=app host=/run/postgresql");
	assert_string_equal(s.name, "app");
	assert_string_equal(s.run_as, "postgres");
	assert_int_equal(s.timeout_s, 7200);
	assert_string_equal(parse_ok("postgres:host=db port = 5433 dbname = 'my app' user=x").name, "my_app");
	assert_string_equal(parse_ok("postgres:dbname='it\\'s'").name, "it_s");
	assert_string_equal(parse_ok("postgres:postgresql://backup@db.example:5432/sales?sslmode=require").name,
			    "sales");
	assert_string_equal(parse_ok("postgres:postgres:///local").name, "local");
	assert_string_equal(parse_ok("postgres:postgresql://h/x?dbname=other&connect_timeout=5").name, "other");
	/* Shell metacharacters are just text: the name is made safe for a file name. */
	s = parse_ok("postgres:app; rm -rf / $(reboot) `id` | tee >x");
	assert_string_equal(s.source, "app; rm -rf / $(reboot) `id` | tee >x");
	assert_string_equal(s.name, "app__rm_-rf_____reboot___id____tee__x");

	s = parse_ok("mariadb:shop");
	assert_int_equal(s.kind, DUMP_MARIADB);
	assert_string_equal(s.name, "shop");
	s = parse_ok("mysql,as=mysql:database=shop socket=/run/mysqld/mysqld.sock user=backup port=3307");
	assert_int_equal(s.kind, DUMP_MARIADB);
	assert_string_equal(s.name, "shop");
	assert_string_equal(s.run_as, "mysql");
	assert_string_equal(parse_ok("mariadb:db=x host=127.0.0.1").name, "x");

	char long_name[300];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	char arg2[400];
	snprintf(arg2, sizeof(arg2), "postgres:%s", long_name);
	assert_int_equal(strlen(parse_ok(arg2).name), DUMP_NAME_MAX - 1); /* cut, not refused */
}

static void test_parse_bad(void **state)
{
	parse_bad("", "KIND:SOURCE");
	parse_bad("/var/lib/app/app.db", "KIND:SOURCE");
	parse_bad("oracle:x", "unknown kind of dump 'oracle'");
	parse_bad("SQLITE:/x.db", "unknown kind");
	parse_bad(":x", "unknown kind");
	parse_bad("sqlite:", "names no database");
	parse_bad("postgres:", "names no database");
	parse_bad("sqlite:/var/lib/", "names a folder");
	parse_bad("postgres:--file=/etc/passwd", "starts with '-'");
	parse_bad("mariadb:-x", "starts with '-'");
	parse_bad("postgres:app\n; reboot", "control character");
	parse_bad("postgres:a\tb", "control character");
	parse_bad("postgres,verbose:app", "unknown option 'verbose'");
	parse_bad("postgres,:app", "unknown option ''");
	parse_bad("postgres,as=:app", "not a user name");
	parse_bad("postgres,as=root;id:app", "not a user name");
	parse_bad("postgres,as=-r:app", "not a user name");
	parse_bad("sqlite,as=app:/x.db", "as= is for postgres and mariadb");
	parse_bad("postgres,timeout=soon:app", "timeout 'soon'");
	parse_bad("postgres,timeout=0:app", "timeout '0'");
	parse_bad("postgres,timeout=30d:app", "timeout '30d'");
	parse_bad("postgres:dbname=app password=secret", "~/.pgpass");
	parse_bad("postgres:postgresql://u:secret@h/app", "~/.pgpass");
	parse_bad("postgres:postgresql://h/app?password=secret", "~/.pgpass");
	parse_bad("postgres:host=/run/postgresql", "names no database");
	parse_bad("postgres:postgresql://h", "names no database");
	parse_bad("postgres:dbname='open", "unterminated quote");
	parse_bad("postgres:=x", "not a key=value");
	parse_bad("mariadb:database=shop password=secret", "defaults-extra-file");
	parse_bad("mariadb:database=shop colour=blue", "unknown setting 'colour'");
	parse_bad("mariadb:socket=/run/mysqld/mysqld.sock", "name no database");
	parse_bad("mariadb:database=shop port=http", "not a port");
	parse_bad("mariadb:database=shop user=--all", "starts with '-'");
	parse_bad("mariadb:database= x", "not key=value");

	char huge[DUMP_SPEC_MAX + 16];
	memset(huge, 'a', sizeof(huge) - 1);
	memcpy(huge, "postgres:", 9);
	huge[sizeof(huge) - 1] = '\0';
	parse_bad(huge, "longer than");
}

static void test_file_names(void **state)
{
	char name[256];
	struct dump_spec s = parse_ok("sqlite:/var/lib/ward/ward.db");
	assert_int_equal(dump_file_name(&s, name, sizeof(name)), 0);
	assert_string_equal(name, "sqlite-ward.db");
	s = parse_ok("postgres:dbname=app host=/run/postgresql");
	assert_int_equal(dump_file_name(&s, name, sizeof(name)), 0);
	assert_string_equal(name, "postgres-app.sql");
	s = parse_ok("mariadb:../../etc");
	assert_int_equal(dump_file_name(&s, name, sizeof(name)), 0);
	assert_string_equal(name, "mariadb-_._.._etc.sql"); /* never leaves the folder */
	assert_int_equal(dump_file_name(&s, name, 8), -ENAMETOOLONG);
}

/* --- SQLite --- */

static sqlite3 *db_open(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 20000);
	return db;
}

static void db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static int64_t db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#define BATCH 50 /* rows one writer transaction adds */

/* A database of rows in batches of BATCH, a counter that always equals the row count,
 * and an index, about 4 MiB. */
static void make_db(const char *path, bool wal)
{
	unlink(path);
	sqlite3 *db = db_open(path);
	db_exec(db, wal ? "PRAGMA journal_mode=WAL" : "PRAGMA journal_mode=DELETE");
	db_exec(db, "PRAGMA synchronous=OFF");
	db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, payload BLOB);"
		    "CREATE INDEX t_batch ON t(batch);"
		    "CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0);"
		    "BEGIN;"
		    "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 19999)"
		    "  INSERT INTO t (batch, payload) SELECT -1 - i / 50, randomblob(200) FROM k;"
		    "UPDATE counter SET n = 20000; COMMIT;");
	sqlite3_close(db);
}

struct writer {
	const char *path;
	atomic_bool stop;
	atomic_int committed; /* batches committed */
	atomic_int attempted; /* transactions finished either way */
	char error[256];
};

/* Keeps writing: each transaction adds BATCH rows and the counter; every fourth is
 * rolled back instead, after its rows were written. */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	if (sqlite3_open_v2(w->path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(db, 20000);
	sqlite3_exec(db, "PRAGMA synchronous=OFF", NULL, NULL, NULL); /* no fsync per commit: speed, not safety */
	if (sqlite3_prepare_v2(db, "INSERT INTO t (batch, payload) VALUES (?, randomblob(200))", -1, &ins, NULL))
		goto fail;
	for (int b = 1; !atomic_load(&w->stop); b++) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		for (int i = 0; i < BATCH; i++) {
			sqlite3_bind_int(ins, 1, b);
			if (sqlite3_step(ins) != SQLITE_DONE)
				goto fail;
			sqlite3_reset(ins);
		}
		if (sqlite3_exec(db, "UPDATE counter SET n = n + 50", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		bool keep = b % 4 != 0;
		if (sqlite3_exec(db, keep ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		if (keep)
			atomic_fetch_add(&w->committed, 1);
		atomic_fetch_add(&w->attempted, 1);
	}
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return NULL;
fail:
	snprintf(w->error, sizeof(w->error), "writer: %s", db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return NULL;
}

/* The copy holds whole committed batches only, and the counter agrees with the rows. */
static void check_copy(const char *path, int committed_before, int committed_after)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	int64_t rows = db_int(db, "SELECT count(*) FROM t");
	assert_int_equal(db_int(db, "SELECT n FROM counter"), rows);
	assert_int_equal(db_int(db, "SELECT count(*) FROM t WHERE batch > 0 AND batch % 4 = 0"), 0); /* rolled back */
	assert_int_equal(db_int(db, "SELECT count(*) FROM (SELECT batch FROM t GROUP BY batch HAVING count(*) != 50)"),
			 0);
	int64_t batches = db_int(db, "SELECT count(DISTINCT batch) FROM t WHERE batch > 0");
	assert_true(batches >= committed_before);
	assert_true(batches <= committed_after);
	assert_int_equal(rows, 20000 + batches * BATCH);
	/* One self-contained file: rollback-journal mode in the header, no -wal beside it. */
	sqlite3_close(db);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t hdr[100];
	assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	fclose(f);
	assert_int_equal(hdr[18], 1);
	assert_int_equal(hdr[19], 1);
	char wal[1100];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(access(wal, F_OK), -1);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static void concurrent(bool wal)
{
	const char *src = tpath(wal ? "wal.db" : "journal.db");
	char arg[1100], path[PATH_MAX];
	make_db(src, wal);
	snprintf(arg, sizeof(arg), "sqlite:%s", src);
	struct dump_spec s = parse_ok(arg);
	struct writer w = {.path = src};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, writer_main, &w), 0);
	while (atomic_load(&w.attempted) < 20 && !w.error[0])
		usleep(1000);
	int overlapped = 0; /* rounds during which the writer committed */
	for (int round = 0; round < 4; round++) {
		int before = atomic_load(&w.committed);
		int code = dump_run(&s, out_dir, path);
		if (code < 0)
			fail_msg("dump_run: %s", err_msg(code));
		int after = atomic_load(&w.committed);
		overlapped += after > before;
		assert_string_equal(path, tpath(wal ? "out/sqlite-wal.db" : "out/sqlite-journal.db"));
		check_copy(path, before, after);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	atomic_store(&w.stop, true);
	pthread_join(t, NULL);
	if (w.error[0])
		fail_msg("%s", w.error);
	assert_true(overlapped > 0);		     /* the dumps did run while it wrote */
	assert_int_equal(count_entries(out_dir), 1); /* no temporary files left */
	test_rm_rf(out_dir);
}

static void test_sqlite_wal_concurrent(void **state)
{
	concurrent(true);
}

static void test_sqlite_journal_concurrent(void **state)
{
	concurrent(false);
}

/* A WAL database nobody has open (no -wal or -shm yet) is read without being changed. */
static void test_sqlite_closed_wal(void **state)
{
	const char *src = tpath("closed.db");
	char arg[1100], path[PATH_MAX], side[1100];
	make_db(src, true);
	snprintf(side, sizeof(side), "%s-wal", src);
	assert_int_equal(access(side, F_OK), -1);
	struct stat before, after;
	assert_int_equal(stat(src, &before), 0);
	snprintf(arg, sizeof(arg), "sqlite:%s", src);
	struct dump_spec s = parse_ok(arg);
	int code = dump_run(&s, out_dir, path);
	if (code < 0)
		fail_msg("dump_run: %s", err_msg(code));
	check_copy(path, 0, 0);
	assert_int_equal(stat(src, &after), 0);
	assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	assert_int_equal(before.st_size, after.st_size);
	assert_int_equal(access(side, F_OK), -1); /* no -wal left beside it */
	snprintf(side, sizeof(side), "%s-shm", src);
	assert_int_equal(access(side, F_OK), -1);
	test_rm_rf(out_dir);
}

struct holder {
	const char *path;
	atomic_bool holding;
};

/* Holds an exclusive lock on the database for 300 ms. */
static void *holder_main(void *arg)
{
	struct holder *h = arg;
	sqlite3 *db = NULL;
	sqlite3_open_v2(h->path, &db, SQLITE_OPEN_READWRITE, NULL);
	sqlite3_exec(db, "BEGIN EXCLUSIVE; UPDATE counter SET n = n;", NULL, NULL, NULL);
	atomic_store(&h->holding, true);
	usleep(300000);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

/* An exclusive lock held past the timeout: -ETIMEDOUT after about that long, the
 * previous dump kept, nothing else left. Released in time: the dump goes through. */
static void test_sqlite_locked(void **state)
{
	const char *src = tpath("locked.db");
	char arg[1100], path[PATH_MAX];
	make_db(src, false);
	snprintf(arg, sizeof(arg), "sqlite,timeout=1s:%s", src);
	struct dump_spec s = parse_ok(arg);
	assert_int_equal(dump_run(&s, out_dir, path), 0);
	struct stat first;
	assert_int_equal(stat(path, &first), 0);

	sqlite3 *db = db_open(src);
	db_exec(db, "BEGIN EXCLUSIVE; UPDATE counter SET n = n;");
	int64_t t0 = time_mono_us();
	int code = dump_run(&s, out_dir, path);
	int64_t took = time_mono_us() - t0;
	assert_int_equal(code, -ETIMEDOUT);
	assert_msg_has(code, "cannot dump sqlite '");
	assert_msg_has(code, "locked for 1 s");
	assert_true(took >= 900000 && took < 5000000);
	struct stat again;
	assert_int_equal(stat(path, &again), 0);
	assert_int_equal(again.st_ino, first.st_ino); /* the previous dump is untouched */
	assert_int_equal(count_entries(out_dir), 1);

	db_exec(db, "COMMIT");
	sqlite3_close(db);

	/* Released after 300 ms, within the timeout: the dump waits for it and succeeds. */
	struct holder h = {.path = src};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, holder_main, &h), 0);
	while (!atomic_load(&h.holding))
		usleep(1000);
	s.timeout_s = 10;
	t0 = time_mono_us();
	code = dump_run(&s, out_dir, path);
	took = time_mono_us() - t0;
	pthread_join(t, NULL);
	if (code < 0)
		fail_msg("dump_run: %s", err_msg(code));
	assert_true(took >= 200000);
	test_rm_rf(out_dir);
}

static void test_sqlite_errors(void **state)
{
	char arg[1100], path[PATH_MAX] = "unchanged";
	struct dump_spec s;
	int code;

	snprintf(arg, sizeof(arg), "sqlite:%s", tpath("missing.db"));
	s = parse_ok(arg);
	code = dump_run(&s, out_dir, path);
	assert_int_equal(code, -ENOENT);
	assert_msg_has(code, "missing.db");
	assert_string_equal(path, "unchanged");
	assert_int_equal(access(tpath("missing.db"), F_OK), -1); /* not created */
	assert_int_equal(count_entries(out_dir), 0);

	const char *junk_text = "hello, this is not a database at all, just some words to fill the first page with";
	assert_int_equal(fs_write_atomic(tpath("text.db"), junk_text, strlen(junk_text), 0644), 0);
	snprintf(arg, sizeof(arg), "sqlite:%s", tpath("text.db"));
	s = parse_ok(arg);
	code = dump_run(&s, out_dir, path);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "not a database");
	assert_int_equal(count_entries(out_dir), 0);

	snprintf(arg, sizeof(arg), "sqlite:%s", test_dir);
	s = parse_ok(arg);
	assert_int_equal(dump_run(&s, out_dir, path), -EINVAL);

	/* Damage in an index page: the copy fails its integrity check and is dropped. */
	const char *bad = tpath("damaged.db");
	make_db(bad, false);
	sqlite3 *db = db_open(bad);
	int64_t root = db_int(db, "SELECT rootpage FROM sqlite_master WHERE name = 't_batch'");
	int64_t leaf = db_int(db, "PRAGMA page_size");
	sqlite3_close(db);
	/* A leaf page of the index: the root's first child is somewhere after it; scribble
	 * over the cell contents of a few pages past the root. */
	int fd = open(bad, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	uint8_t junk[512];
	memset(junk, 0xa5, sizeof(junk));
	for (int64_t pg = root; pg < root + 4; pg++)
		assert_int_equal(pwrite(fd, junk, sizeof(junk), (pg - 1) * leaf + 1024), (ssize_t)sizeof(junk));
	close(fd);
	snprintf(arg, sizeof(arg), "sqlite:%s", bad);
	s = parse_ok(arg);
	code = dump_run(&s, out_dir, path);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "damaged.db");
	if (!test_contains(err_msg(code), "integrity check") && !test_contains(err_msg(code), "malformed"))
		fail_msg("unexpected message: %s", err_msg(code));
	assert_int_equal(count_entries(out_dir), 0);
	assert_string_equal(path, "unchanged");
	test_rm_rf(out_dir);
}

/* --- pg_dump and mariadb-dump, faked --- */

/* A fake tool: prints its arguments and uid into the dump, then behaves as FAKE_MODE
 * says: fail, notrailer, sleep, noisy, big; else it closes with trailer. */
static void fake_tool(const char *name, const char *trailer)
{
	char path[400], script[2048];
	snprintf(path, sizeof(path), "%s/%s", fake_dir, name);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\n"
		 "for a in \"$@\"; do printf 'arg:%%s\\n' \"$a\"; done\n"
		 "printf 'uid:%%s\\n' \"$(/usr/bin/id -u)\"\n"
		 "printf 'home:%%s\\n' \"$HOME\"\n"
		 "printf 'secret:%%s\\n' \"$WARD_BACKUP_PASSWORD\"\n"
		 "case \"$FAKE_MODE\" in\n"
		 "fail) echo '%s: error: connection to server failed' >&2; echo 'second line' >&2; exit 1;;\n"
		 "notrailer) exit 0;;\n"
		 "sleep) exec /bin/sleep 30;;\n"
		 "noisy) /usr/bin/head -c 100000 /dev/zero | /usr/bin/tr '\\0' x >&2; exit 2;;\n"
		 "big) /usr/bin/head -c 52428800 /dev/zero;;\n"
		 "esac\n"
		 "printf -- '%s on today\\n\\n'\n",
		 name, trailer);
	assert_int_equal(fs_write_atomic(path, script, strlen(script), 0755), 0);
}

static char *read_dump(const char *path)
{
	char *text = NULL;
	size_t len;
	assert_int_equal(fs_read_file(path, 1 << 20, &text, &len), 0);
	return text;
}

static void path_set(const char *p)
{
	setenv("PATH", p, 1);
}

static void test_pg_fake(void **state)
{
	char p[1024], path[PATH_MAX];
	fake_tool("pg_dump", "-- PostgreSQL database dump complete");
	snprintf(p, sizeof(p), "%s:%s", fake_dir, saved_path);
	path_set(p);
	unsetenv("FAKE_MODE");

	setenv("WARD_BACKUP_PASSWORD", "hunter2", 1); /* never handed on */
	const char *spec = "postgres:app; touch /tmp/pwned-$$ $(touch pwned) `touch pwned2` | tee >pwned3";
	struct dump_spec s = parse_ok(spec);
	int code = dump_run(&s, out_dir, path);
	if (code < 0)
		fail_msg("dump_run: %s", err_msg(code));
	char *text = read_dump(path);
	char want[1024];
	snprintf(want, sizeof(want), "arg:--format=plain\narg:--no-password\narg:--dbname=%s\nuid:%d\n", s.source,
		 (int)geteuid());
	if (!test_contains(text, want))
		fail_msg("argv:\n%s\nwanted:\n%s", text, want);
	assert_true(test_contains(text, "\nsecret:\n"));
	free(text);
	unsetenv("WARD_BACKUP_PASSWORD");
	/* The tool runs in "/": a shell would have made these there or in /tmp. */
	assert_int_equal(access("/pwned", F_OK), -1);
	assert_int_equal(access("/pwned2", F_OK), -1);
	assert_int_equal(access("/pwned3", F_OK), -1);
	glob_t g;
	assert_int_equal(glob("/tmp/pwned-*", 0, NULL, &g), GLOB_NOMATCH);

	s = parse_ok("postgres:dbname=app host=/run/postgresql");
	assert_int_equal(dump_run(&s, out_dir, path), 0);
	assert_string_equal(path, tpath("out/postgres-app.sql"));
	text = read_dump(path);
	assert_true(test_contains(text, "arg:--dbname=dbname=app host=/run/postgresql\n"));
	free(text);

	/* Exit status, stderr (one line), nothing left. */
	setenv("FAKE_MODE", "fail", 1);
	s = parse_ok("postgres:gone");
	code = dump_run(&s, out_dir, path);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "cannot dump postgres 'gone': pg_dump exited with status 1: "
			     "pg_dump: error: connection to server failed second line");
	assert_int_equal(access(tpath("out/postgres-gone.sql"), F_OK), -1);
	assert_int_equal(access(tpath("out/.postgres-gone.sql.tmp"), F_OK), -1);

	/* A failed run keeps the previous good dump. */
	s = parse_ok("postgres:app");
	unsetenv("FAKE_MODE");
	assert_int_equal(dump_run(&s, out_dir, path), 0);
	setenv("FAKE_MODE", "notrailer", 1);
	code = dump_run(&s, out_dir, path);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "closing line");
	text = read_dump(tpath("out/postgres-app.sql"));
	assert_true(test_contains(text, "dump complete"));
	free(text);

	/* stderr kept bounded. */
	setenv("FAKE_MODE", "noisy", 1);
	code = dump_run(&s, out_dir, path);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "status 2: xxxx");
	assert_true(strlen(err_msg(code)) < DUMP_STDERR_MAX + 200);

	/* The timeout kills it, promptly. */
	setenv("FAKE_MODE", "sleep", 1);
	s = parse_ok("postgres,timeout=1s:app");
	int64_t t0 = time_mono_us();
	code = dump_run(&s, out_dir, path);
	int64_t took = time_mono_us() - t0;
	assert_int_equal(code, -ETIMEDOUT);
	assert_msg_has(code, "within 1 s");
	assert_true(took >= 900000 && took < 5000000);

	/* Output streams to the file: 50 MiB, whole. */
	setenv("FAKE_MODE", "big", 1);
	s = parse_ok("postgres:big");
	assert_int_equal(dump_run(&s, out_dir, path), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 52428800);
	assert_int_equal(st.st_mode & 0777, 0600);

	unsetenv("FAKE_MODE");
	path_set(saved_path);
	test_rm_rf(out_dir);
}

static void test_mariadb_fake(void **state)
{
	char p[1024], path[PATH_MAX];
	fake_tool("mariadb-dump", "-- Dump completed");
	snprintf(p, sizeof(p), "%s:%s", fake_dir, saved_path);
	path_set(p);
	unsetenv("FAKE_MODE");

	struct dump_spec s = parse_ok("mariadb:shop");
	int code = dump_run(&s, out_dir, path);
	if (code < 0)
		fail_msg("dump_run: %s", err_msg(code));
	assert_string_equal(path, tpath("out/mariadb-shop.sql"));
	char *text = read_dump(path);
	const char *want = "arg:--single-transaction\narg:--routines\narg:--events\narg:--triggers\narg:--hex-blob\n"
			   "arg:--default-character-set=utf8mb4\narg:--\narg:shop\nuid:";
	if (!test_contains(text, want))
		fail_msg("argv:\n%s", text);
	free(text);

	s = parse_ok("mariadb:database=shop;$(id) socket=/run/my.sock user=backup port=3307 "
		     "defaults-extra-file=/etc/ward/my.cnf host=db");
	assert_int_equal(dump_run(&s, out_dir, path), 0);
	text = read_dump(path);
	want = "arg:--defaults-extra-file=/etc/ward/my.cnf\narg:--single-transaction\narg:--routines\narg:--events\n"
	       "arg:--triggers\narg:--hex-blob\narg:--default-character-set=utf8mb4\narg:--host=db\narg:--port=3307\n"
	       "arg:--socket=/run/my.sock\narg:--user=backup\narg:--\narg:shop;$(id)\nuid:";
	if (!test_contains(text, want))
		fail_msg("argv:\n%s", text);
	free(text);

	/* Without mariadb-dump, mysqldump. */
	assert_int_equal(unlink(tpath("bin/mariadb-dump")), 0);
	fake_tool("mysqldump", "-- Dump completed");
	path_set(fake_dir);
	s = parse_ok("mysql:shop");
	assert_int_equal(dump_run(&s, out_dir, path), 0);
	setenv("FAKE_MODE", "fail", 1);
	code = dump_run(&s, out_dir, path);
	assert_msg_has(code, "mysqldump exited with status 1: mysqldump: error");
	unsetenv("FAKE_MODE");

	/* Neither: said so. */
	path_set(tpath("nothing"));
	code = dump_run(&s, out_dir, path);
	assert_int_equal(code, -ENOENT);
	assert_msg_has(code, "mariadb-dump is not installed");
	assert_int_equal(unlink(tpath("bin/mysqldump")), 0);
	path_set(saved_path);
	test_rm_rf(out_dir);
}

/* as=USER: the tool runs as that user, with its HOME (root only). */
static void test_run_as(void **state)
{
	char p[1024], path[PATH_MAX];
	fake_tool("pg_dump", "-- PostgreSQL database dump complete");
	snprintf(p, sizeof(p), "%s:%s", fake_dir, saved_path);
	path_set(p);
	unsetenv("FAKE_MODE");
	struct dump_spec s = parse_ok("postgres,as=no-such-user-here:app");
	int code = dump_run(&s, out_dir, path);
	assert_int_equal(code, -ENOENT);
	assert_msg_has(code, "no such user 'no-such-user-here'");
	if (geteuid() != 0) {
		s = parse_ok("postgres,as=nobody:app");
		code = dump_run(&s, out_dir, path);
		assert_int_equal(code, -EPERM);
		assert_msg_has(code, "needs root");
		path_set(saved_path);
		test_rm_rf(out_dir);
		skip();
	}
	struct passwd *pw = getpwnam("nobody");
	if (!pw) {
		path_set(saved_path);
		skip();
	}
	assert_int_equal(chmod(test_dir, 0755), 0); /* nobody must reach the fake tool */
	s = parse_ok("postgres,as=nobody:app");
	code = dump_run(&s, out_dir, path);
	if (code < 0)
		fail_msg("dump_run: %s", err_msg(code));
	char *text = read_dump(path);
	char want[128];
	snprintf(want, sizeof(want), "uid:%d\nhome:%s\n", (int)pw->pw_uid, pw->pw_dir);
	if (!test_contains(text, want))
		fail_msg("got:\n%s\nwanted:\n%s", text, want);
	free(text);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 0); /* the dump is ours, not theirs */
	assert_int_equal(chmod(test_dir, 0700), 0);
	path_set(saved_path);
	test_rm_rf(out_dir);
}

/* --- dump_all --- */

static void test_all(void **state)
{
	char p[1024], a1[1100], a2[1100];
	json_t *report = NULL;
	fake_tool("pg_dump", "-- PostgreSQL database dump complete");
	snprintf(p, sizeof(p), "%s:%s", fake_dir, saved_path);
	path_set(p);
	unsetenv("FAKE_MODE");
	make_db(tpath("one.db"), true);
	make_db(tpath("two.db"), false);
	snprintf(a1, sizeof(a1), "sqlite:%s", tpath("one.db"));
	snprintf(a2, sizeof(a2), "sqlite:%s", tpath("two.db"));
	struct dump_spec specs[3] = {parse_ok(a1), parse_ok("postgres:app"), parse_ok(a2)};

	/* Leftovers of earlier runs, and a file that is not a dump. */
	assert_int_equal(fs_mkdir_p(out_dir, 0700), 0);
	assert_int_equal(fs_write_atomic(tpath("out/postgres-old.sql"), "x", 1, 0600), 0);
	assert_int_equal(fs_write_atomic(tpath("out/.sqlite-one.db.tmp"), "x", 1, 0600), 0);
	assert_int_equal(fs_write_atomic(tpath("out/notes.txt"), "x", 1, 0600), 0);
	assert_int_equal(fs_write_atomic(tpath("out/sqlite-odd.sql"), "x", 1, 0600), 0);

	int code = dump_all(specs, 3, out_dir, &report);
	if (code < 0)
		fail_msg("dump_all: %s", err_msg(code));
	assert_int_equal(json_array_size(report), 3);
	const char *kinds[] = {"sqlite", "postgres", "sqlite"}, *names[] = {"one", "app", "two"};
	for (size_t i = 0; i < 3; i++) {
		json_t *e = json_array_get(report, i);
		struct stat st;
		const char *path = json_string_value(json_object_get(e, "path"));
		assert_string_equal(json_string_value(json_object_get(e, "kind")), kinds[i]);
		assert_string_equal(json_string_value(json_object_get(e, "name")), names[i]);
		assert_string_equal(json_string_value(json_object_get(e, "source")), specs[i].source);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(json_integer_value(json_object_get(e, "bytes")), st.st_size);
		assert_true(json_real_value(json_object_get(e, "seconds")) >= 0);
	}
	json_decref(report);
	assert_int_equal(access(tpath("out/postgres-old.sql"), F_OK), -1);
	assert_int_equal(access(tpath("out/.sqlite-one.db.tmp"), F_OK), -1);
	assert_int_equal(access(tpath("out/notes.txt"), F_OK), 0);
	assert_int_equal(access(tpath("out/sqlite-odd.sql"), F_OK), 0); /* not a name a dump has */
	assert_int_equal(count_entries(out_dir), 5);

	/* Two specs writing one file: refused before anything runs. */
	struct dump_spec dup[2] = {parse_ok("postgres:app"), parse_ok("postgres:dbname=app host=elsewhere")};
	report = NULL;
	code = dump_all(dup, 2, out_dir, &report);
	assert_int_equal(code, -EINVAL);
	assert_msg_has(code, "'postgres-app.sql'");
	assert_null(report);

	/* The first failure stops the run; nothing is pruned. */
	assert_int_equal(fs_write_atomic(tpath("out/postgres-old.sql"), "x", 1, 0600), 0);
	struct dump_spec failing[3] = {parse_ok(a1), parse_ok("postgres:gone"), parse_ok(a2)};
	setenv("FAKE_MODE", "fail", 1);
	code = dump_all(failing, 3, out_dir, &report);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "cannot dump postgres 'gone'");
	assert_null(report);
	assert_int_equal(access(tpath("out/postgres-old.sql"), F_OK), 0);
	unsetenv("FAKE_MODE");

	assert_int_equal(dump_all(specs, DUMP_MAX + 1, out_dir, &report), -EINVAL);
	path_set(saved_path);
	test_rm_rf(out_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_file_names),
	    cmocka_unit_test(test_sqlite_wal_concurrent),
	    cmocka_unit_test(test_sqlite_journal_concurrent),
	    cmocka_unit_test(test_sqlite_closed_wal),
	    cmocka_unit_test(test_sqlite_locked),
	    cmocka_unit_test(test_sqlite_errors),
	    cmocka_unit_test(test_pg_fake),
	    cmocka_unit_test(test_mariadb_fake),
	    cmocka_unit_test(test_run_as),
	    cmocka_unit_test(test_all),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
