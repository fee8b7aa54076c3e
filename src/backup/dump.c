/*
 * dump.c: see dump.h. Specs are parsed strictly; SQLite is copied in-process with the
 * online backup API; pg_dump and mariadb-dump run without a shell, their stdout going
 * straight into the dump file (never through memory) and their stderr kept, bounded,
 * for the error message. Every dump is written to a temporary name and renamed only
 * once it is known to be whole.
 *
 * The PRAGMAs here run on the copy of someone else's database, not on Ward's store, so
 * they live here and not in a *_store.c file.
 */
#include "backup/dump.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fs.h"
#include "core/timeutil.h"

extern char **environ;

#define ARGS_MAX 24	  /* argv entries of a dump tool */
#define GROUPS_MAX 256	  /* supplementary groups of an as=USER */
#define TRAILER_SCAN 1024 /* the end of a dump searched for the closing comment, bytes */
#define PG_TRAILER "-- PostgreSQL database dump complete"
#define MARIADB_TRAILER "-- Dump completed"

static const char *const kind_names[] = {
    [DUMP_SQLITE] = "sqlite", [DUMP_POSTGRES] = "postgres", [DUMP_MARIADB] = "mariadb"};
static const char *const kind_exts[] = {[DUMP_SQLITE] = ".db", [DUMP_POSTGRES] = ".sql", [DUMP_MARIADB] = ".sql"};

const char *dump_kind_name(enum dump_kind kind)
{
	return kind <= DUMP_MARIADB ? kind_names[kind] : "?";
}

/* --- parsing --- */

/* The name as a file name shows it: [A-Za-z0-9._-], others '_', never hidden. */
static void name_set(struct dump_spec *s, const char *name, size_t len)
{
	size_t n = len < DUMP_NAME_MAX - 1 ? len : DUMP_NAME_MAX - 1;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
			  c == '_' || (c == '.' && i > 0);
		s->name[i] = ok ? c : '_';
	}
	s->name[n] = '\0';
}

/* sqlite: the file's base name without its extension ("/var/lib/app/app.db": "app"). */
static int sqlite_name(struct dump_spec *s)
{
	const char *base = strrchr(s->source, '/');
	base = base ? base + 1 : s->source;
	if (!*base)
		return err_set(-EINVAL, "'%s' names a folder, not a database file", s->source);
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot > base ? (size_t)(dot - base) : strlen(base);
	name_set(s, base, len);
	return 0;
}

/* One value of a libpq key=value string into out (quotes and backslashes undone); the
 * position after it. */
static const char *pg_value(const char *p, char *out, size_t size, bool *bad)
{
	size_t n = 0;
	bool quoted = *p == '\'';
	if (quoted)
		p++;
	for (; *p; p++) {
		if (quoted && *p == '\'') {
			p++;
			quoted = false;
			break;
		}
		if (!quoted && (*p == ' ' || *p == '\t'))
			break;
		if (*p == '\\' && p[1])
			p++;
		if (n + 1 < size)
			out[n++] = *p;
	}
	out[n] = '\0';
	if (quoted)
		*bad = true; /* an unterminated quote */
	return p;
}

/* A libpq key=value connection string: its dbname; no password. */
static int pg_conninfo(struct dump_spec *s)
{
	char key[64], value[DUMP_SPEC_MAX], dbname[DUMP_SPEC_MAX] = "";
	const char *p = s->source;
	bool bad = false;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t k = 0;
		while (*p && *p != '=' && *p != ' ' && *p != '\t') {
			if (k + 1 < sizeof(key))
				key[k++] = *p;
			p++;
		}
		key[k] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=' || k == 0)
			return err_set(-EINVAL, "'%s' is not a key=value connection string", s->source);
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		p = pg_value(p, value, sizeof(value), &bad);
		if (bad)
			return err_set(-EINVAL, "'%s' has an unterminated quote", s->source);
		if (!strcmp(key, "password"))
			return err_set(-EINVAL, "a password in the spec would show in ps and in the report: "
						"put it in ~/.pgpass or the file PGPASSFILE names");
		if (!strcmp(key, "dbname"))
			snprintf(dbname, sizeof(dbname), "%s", value);
	}
	if (!*dbname)
		return err_set(-EINVAL, "'%s' names no database: add dbname=NAME", s->source);
	name_set(s, dbname, strlen(dbname));
	return 0;
}

/* A postgresql:// URI: the database is its path; no password. */
static int pg_uri(struct dump_spec *s)
{
	const char *rest = strstr(s->source, "://") + 3;
	size_t auth = strcspn(rest, "/?");
	const char *at = memchr(rest, '@', auth);
	if (at && memchr(rest, ':', (size_t)(at - rest)))
		return err_set(-EINVAL, "a password in the spec would show in ps and in the report: "
					"put it in ~/.pgpass or the file PGPASSFILE names");
	const char *query = strchr(rest, '?');
	const char *db = rest[auth] == '/' ? rest + auth + 1 : "";
	size_t dblen = strcspn(db, "?");
	for (const char *q = query; q; q = strchr(q + 1, '&')) {
		if (!strncmp(q + 1, "password=", 9))
			return err_set(-EINVAL, "a password in the spec would show in ps and in the report: "
						"put it in ~/.pgpass or the file PGPASSFILE names");
		if (!strncmp(q + 1, "dbname=", 7)) {
			db = q + 8;
			dblen = strcspn(db, "&");
		}
	}
	if (dblen == 0)
		return err_set(-EINVAL, "'%s' names no database: add /NAME after the host", s->source);
	name_set(s, db, dblen);
	return 0;
}

/* MariaDB key=value settings, parsed from source into buf (values point into it). */
struct maria {
	char buf[DUMP_SPEC_MAX];
	const char *database, *host, *port, *socket, *user, *extra_file;
};

static int maria_parse(const char *source, struct maria *m)
{
	memset(m, 0, sizeof(*m));
	if (!strchr(source, '=')) {
		m->database = source;
		return 0;
	}
	int n = snprintf(m->buf, sizeof(m->buf), "%s", source);
	if (n < 0 || (size_t)n >= sizeof(m->buf))
		return err_set(-EINVAL, "the settings are too long");
	struct {
		const char *key;
		const char **value;
	} keys[] = {{"database", &m->database},
		    {"db", &m->database},
		    {"host", &m->host},
		    {"port", &m->port},
		    {"socket", &m->socket},
		    {"user", &m->user},
		    {"defaults-extra-file", &m->extra_file}};
	for (char *save = NULL, *tok = strtok_r(m->buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1])
			return err_set(-EINVAL, "'%s' is not key=value", tok);
		*eq = '\0';
		if (!strcmp(tok, "password"))
			return err_set(-EINVAL, "a password in the spec would show in ps and in the report: put it "
						"in an option file and name it with defaults-extra-file=FILE");
		size_t i;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(tok, keys[i].key))
				break;
		if (i == sizeof(keys) / sizeof(keys[0]))
			return err_set(-EINVAL,
				       "unknown setting '%s' (database, host, port, socket, user, "
				       "defaults-extra-file)",
				       tok);
		if (eq[1] == '-')
			return err_set(-EINVAL, "the value of '%s' starts with '-'", tok);
		*keys[i].value = eq + 1;
	}
	if (!m->database)
		return err_set(-EINVAL, "the settings name no database: add database=NAME");
	if (m->port && parse_int64(m->port, 1, 65535, &(int64_t){0}) < 0)
		return err_set(-EINVAL, "port '%s' is not a port number", m->port);
	return 0;
}

/* The options between the kind and the ':': as=USER, timeout=DURATION. */
static int parse_option(const char *opt, size_t len, struct dump_spec *s)
{
	char text[64];
	if (len >= sizeof(text))
		return err_set(-EINVAL, "option '%.*s' is too long", (int)len, opt);
	memcpy(text, opt, len);
	text[len] = '\0';
	if (!strncmp(text, "as=", 3)) {
		const char *u = text + 3;
		size_t ulen = strlen(u);
		if (s->kind == DUMP_SQLITE)
			return err_set(-EINVAL, "as= is for postgres and mariadb dumps: SQLite is read by Ward itself");
		if (ulen == 0 || ulen >= DUMP_USER_MAX ||
		    strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != ulen || *u == '-' || *u == '.')
			return err_set(-EINVAL, "'%s' is not a user name", u);
		memcpy(s->run_as, u, ulen + 1);
		return 0;
	}
	if (!strncmp(text, "timeout=", 8)) {
		int64_t secs;
		if (time_parse_duration(text + 8, &secs) < 0 || secs < 1 || secs > DUMP_TIMEOUT_MAX)
			return err_set(-EINVAL, "timeout '%s' is not a duration from 1s to 7d (90s, 30m, 2h)",
				       text + 8);
		s->timeout_s = (int)secs;
		return 0;
	}
	return err_set(-EINVAL, "unknown option '%s' (as=USER, timeout=DURATION)", text);
}

int dump_parse(const char *arg, struct dump_spec *ret)
{
	struct dump_spec s = {0};
	const char *colon = arg ? strchr(arg, ':') : NULL;
	if (!colon)
		return err_set(-EINVAL,
			       "'%s' is not a dump: give KIND:SOURCE, e.g. sqlite:/var/lib/app/app.db, "
			       "postgres:app or mariadb:app",
			       arg ? arg : "");
	if (strlen(arg) >= DUMP_SPEC_MAX)
		return err_set(-EINVAL, "the dump spec is longer than %d bytes", DUMP_SPEC_MAX - 1);
	for (const char *p = arg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(-EINVAL, "the dump spec has a control character");
	size_t klen = strcspn(arg, ",:");
	if (klen == 6 && !strncmp(arg, "sqlite", 6))
		s.kind = DUMP_SQLITE;
	else if ((klen == 8 && !strncmp(arg, "postgres", 8)) || (klen == 10 && !strncmp(arg, "postgresql", 10)))
		s.kind = DUMP_POSTGRES;
	else if ((klen == 7 && !strncmp(arg, "mariadb", 7)) || (klen == 5 && !strncmp(arg, "mysql", 5)))
		s.kind = DUMP_MARIADB;
	else
		return err_set(-EINVAL, "unknown kind of dump '%.*s' (sqlite, postgres, mariadb)", (int)klen, arg);
	s.timeout_s = s.kind == DUMP_SQLITE ? DUMP_SQLITE_WAIT_DEFAULT : DUMP_TIMEOUT_DEFAULT;
	for (const char *o = arg + klen; o < colon;) {
		o++; /* the ',' */
		size_t olen = strcspn(o, ",:");
		int r = parse_option(o, olen, &s);
		if (r < 0)
			return r;
		o += olen;
	}
	s.source = colon + 1;
	if (!*s.source)
		return err_set(-EINVAL, "'%s' names no database after the ':'", arg);
	if (*s.source == '-')
		return err_set(-EINVAL, "'%s' starts with '-', which a dump tool would take for an option", s.source);
	int r = 0;
	switch (s.kind) {
	case DUMP_SQLITE: r = sqlite_name(&s); break;
	case DUMP_POSTGRES:
		if (!strncmp(s.source, "postgresql://", 13) || !strncmp(s.source, "postgres://", 11))
			r = pg_uri(&s);
		else if (strchr(s.source, '='))
			r = pg_conninfo(&s);
		else
			name_set(&s, s.source, strlen(s.source));
		break;
	case DUMP_MARIADB: {
		struct maria *m = malloc(sizeof(*m));
		if (!m)
			return -ENOMEM;
		r = maria_parse(s.source, m);
		if (r == 0)
			name_set(&s, m->database, strlen(m->database));
		free(m);
		break;
	}
	}
	if (r < 0)
		return r;
	*ret = s;
	return 0;
}

int dump_file_name(const struct dump_spec *s, char *out, size_t size)
{
	int n = snprintf(out, size, "%s-%s%s", dump_kind_name(s->kind), s->name, kind_exts[s->kind]);
	if (n < 0 || (size_t)n >= size)
		return err_set(-ENAMETOOLONG, "the dump's file name is too long");
	return 0;
}

/* --- files --- */

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(-errno, "cannot open '%s': %s", dir, strerror(errno));
	int r = fsync(fd) < 0 ? err_set(-errno, "cannot sync '%s': %s", dir, strerror(errno)) : 0;
	close(fd);
	return r;
}

/* Removes a temporary dump and what SQLite may have left beside it. */
static void tmp_remove(const char *tmp)
{
	static const char *const sfx[] = {"", "-journal", "-wal", "-shm"};
	char p[PATH_MAX + 16];
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", tmp, sfx[i]);
		unlink(p);
	}
}

/* Creates the temporary file afresh, 0600 (a dump holds all of a database). */
static int tmp_create(const char *tmp)
{
	tmp_remove(tmp);
	/* read-write: the end is read back for the tool's closing line */
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(-errno, "cannot create '%s': %s", tmp, strerror(errno));
	if (fd < 3) { /* never one of the standard descriptors a child is given */
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		if (high < 0)
			return err_set(-errno, "cannot duplicate a descriptor: %s", strerror(errno));
		fd = high;
	}
	return fd;
}

/* --- SQLite --- */

/* Runs one statement on the copy; 0 or -EIO with SQLite's message. */
static int sqlite_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	int r = err_set(-EIO, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return r;
}

/* PRAGMA integrity_check on the copy: 0 when it says "ok", else -EIO with its findings. */
static int sqlite_check(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	char found[512] = "";
	size_t used = 0;
	int rc, r = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(8)", -1, &st, NULL) != SQLITE_OK)
		return err_set(-EIO, "cannot check the copy: %s", sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		if (line && !strcmp(line, "ok"))
			continue;
		int n = snprintf(found + used, sizeof(found) - used, "%s%s", used ? "; " : "", line ? line : "?");
		if (n > 0)
			used = used + (size_t)n < sizeof(found) ? used + (size_t)n : sizeof(found) - 1;
	}
	if (rc != SQLITE_DONE)
		r = err_set(-EIO, "the copy fails its integrity check: %s", sqlite3_errmsg(db));
	else if (used)
		r = err_set(-EIO, "the copy fails its integrity check: %s", found);
	sqlite3_finalize(st);
	return r;
}

/* Copies s->source into tmp (an empty file we created) in one read transaction. */
static int sqlite_dump(const struct dump_spec *s, const char *tmp)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b = NULL;
	struct stat st;
	int rc, r = 0;
	if (stat(s->source, &st) < 0)
		return err_set(-errno, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(-EINVAL, "not a file");
	/* Read-write but never created, and query_only: a read-only connection can neither
	 * recover what a crash of the application left (a hot journal, a WAL to rebuild) nor
	 * remove the -wal and -shm it had to create beside a closed WAL database. As root,
	 * SQLite gives the files it creates the database file's owner. */
	if (sqlite3_open_v2(s->source, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		r = err_set(-EIO, "%s", src ? sqlite3_errmsg(src) : "out of memory");
		goto out;
	}
	if ((r = sqlite_exec(src, "PRAGMA query_only=ON")) < 0)
		goto out;
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		r = err_set(-EIO, "cannot open the copy '%s': %s", tmp, dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	/* No journal for a file nobody else sees yet: it is fsynced once, at the end. */
	if ((r = sqlite_exec(dst, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF")) < 0)
		goto out;
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		r = err_set(-EIO, "%s", sqlite3_errmsg(dst));
		goto out;
	}
	/* All pages in one step: one read transaction, so one consistent state, however much
	 * the application commits meanwhile (a step at a time would restart after each of its
	 * commits and might never finish). Busy and locked are retried with a growing pause. */
	int64_t deadline = time_mono_us() + (int64_t)s->timeout_s * 1000000;
	long pause_ms = 5;
	while ((rc = sqlite3_backup_step(b, -1)) != SQLITE_DONE) {
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
			r = err_set(rc == SQLITE_NOMEM ? -ENOMEM : -EIO, "%s", sqlite3_errstr(rc));
			goto out;
		}
		if (time_mono_us() >= deadline) {
			r = err_set(-ETIMEDOUT, "the database stayed locked for %d s (timeout=%ds)", s->timeout_s,
				    s->timeout_s);
			goto out;
		}
		struct timespec ts = {.tv_sec = pause_ms / 1000, .tv_nsec = (pause_ms % 1000) * 1000000};
		nanosleep(&ts, NULL);
		if (pause_ms < 200)
			pause_ms *= 2;
	}
	rc = sqlite3_backup_finish(b);
	b = NULL;
	if (rc != SQLITE_OK) {
		r = err_set(-EIO, "%s", sqlite3_errmsg(dst));
		goto out;
	}
	sqlite3_close(src);
	src = NULL;
	/* A copy of a WAL database is marked WAL too; make it one self-contained file. */
	if ((r = sqlite_exec(dst, "PRAGMA journal_mode=DELETE")) < 0 || (r = sqlite_check(dst)) < 0)
		goto out;
out:
	if (b)
		sqlite3_backup_finish(b);
	sqlite3_close(src);
	if (dst && sqlite3_close(dst) != SQLITE_OK && r == 0)
		r = err_set(-EIO, "cannot close the copy: %s", sqlite3_errmsg(dst));
	return r;
}

/* --- dump tools --- */

/* An executable regular file. */
static bool is_program(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* name in PATH; for pg_dump also the newest /usr/lib/postgresql/N/bin (Debian). */
static int find_program(const char *name, char ret[PATH_MAX])
{
	const char *path = getenv("PATH");
	char dirs[4096];
	snprintf(dirs, sizeof(dirs), "%s", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char p[PATH_MAX];
		if (*d == '/' && snprintf(p, sizeof(p), "%s/%s", d, name) < (int)sizeof(p) && is_program(p)) {
			snprintf(ret, PATH_MAX, "%s", p);
			return 0;
		}
	}
	if (strcmp(name, "pg_dump") != 0)
		return -ENOENT;
	glob_t g;
	int64_t best = -1;
	if (glob("/usr/lib/postgresql/*/bin/pg_dump", 0, NULL, &g) != 0)
		return -ENOENT;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char ver[32];
		const char *v = g.gl_pathv[i] + strlen("/usr/lib/postgresql/");
		size_t vlen = strcspn(v, "/");
		int64_t num;
		if (vlen >= sizeof(ver))
			continue;
		memcpy(ver, v, vlen);
		ver[vlen] = '\0';
		if (parse_int64(ver, 0, 1000, &num) == 0 && num > best && is_program(g.gl_pathv[i])) {
			best = num;
			snprintf(ret, PATH_MAX, "%s", g.gl_pathv[i]);
		}
	}
	globfree(&g);
	return best >= 0 ? 0 : -ENOENT;
}

/* argv built in one bounded buffer. */
struct args {
	char *argv[ARGS_MAX + 1];
	int n;
	char buf[2 * DUMP_SPEC_MAX + 2 * PATH_MAX];
	size_t used;
};

static int args_add(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int args_add(struct args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(a->buf + a->used, sizeof(a->buf) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->buf) - a->used || a->n == ARGS_MAX)
		return err_set(-E2BIG, "the dump tool's arguments are too long");
	a->argv[a->n++] = a->buf + a->used;
	a->argv[a->n] = NULL;
	a->used += (size_t)n + 1;
	return 0;
}

static int pg_args(const struct dump_spec *s, const char *program, struct args *a)
{
	int r;
	if ((r = args_add(a, "%s", program)) < 0 || (r = args_add(a, "--format=plain")) < 0 ||
	    (r = args_add(a, "--no-password")) < 0 || (r = args_add(a, "--dbname=%s", s->source)) < 0)
		return r;
	return 0;
}

static int maria_args(const struct dump_spec *s, const char *program, struct args *a)
{
	struct maria *m = malloc(sizeof(*m));
	int r;
	if (!m)
		return -ENOMEM;
	if ((r = maria_parse(s->source, m)) < 0 || (r = args_add(a, "%s", program)) < 0)
		goto out;
	/* An option file must come first, or the tools ignore it. */
	if (m->extra_file && (r = args_add(a, "--defaults-extra-file=%s", m->extra_file)) < 0)
		goto out;
	if ((r = args_add(a, "--single-transaction")) < 0 || (r = args_add(a, "--routines")) < 0 ||
	    (r = args_add(a, "--events")) < 0 || (r = args_add(a, "--triggers")) < 0 ||
	    (r = args_add(a, "--hex-blob")) < 0 || (r = args_add(a, "--default-character-set=utf8mb4")) < 0)
		goto out;
	if ((m->host && (r = args_add(a, "--host=%s", m->host)) < 0) ||
	    (m->port && (r = args_add(a, "--port=%s", m->port)) < 0) ||
	    (m->socket && (r = args_add(a, "--socket=%s", m->socket)) < 0) ||
	    (m->user && (r = args_add(a, "--user=%s", m->user)) < 0))
		goto out;
	/* "--" ends the options: a database name is never read as one. */
	if ((r = args_add(a, "--")) < 0 || (r = args_add(a, "%s", m->database)) < 0)
		goto out;
out:
	free(m);
	return r;
}

/* Who the child becomes, worked out before fork (the child may only make system calls). */
struct child_user {
	bool change;
	uid_t uid;
	gid_t gid;
	gid_t groups[GROUPS_MAX];
	int ngroups;
	char home[PATH_MAX], env_home[PATH_MAX + 8], env_user[DUMP_USER_MAX + 8], env_logname[DUMP_USER_MAX + 8];
};

static int child_user_get(const char *name, struct child_user *u)
{
	struct passwd pw, *found = NULL;
	char buf[16384];
	int e = getpwnam_r(name, &pw, buf, sizeof(buf), &found);
	if (e || !found)
		return err_set(e ? -e : -ENOENT, "no such user '%s' (as=%s)", name, name);
	if (pw.pw_uid == geteuid())
		return 0; /* already them */
	if (geteuid() != 0)
		return err_set(-EPERM, "running the dump as '%s' needs root (as=%s)", name, name);
	u->change = true;
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	u->ngroups = GROUPS_MAX;
	if (getgrouplist(name, pw.pw_gid, u->groups, &u->ngroups) < 0)
		u->ngroups = GROUPS_MAX; /* more than that: the first GROUPS_MAX */
	snprintf(u->home, sizeof(u->home), "%s", pw.pw_dir && *pw.pw_dir ? pw.pw_dir : "/");
	snprintf(u->env_home, sizeof(u->env_home), "HOME=%s", u->home);
	snprintf(u->env_user, sizeof(u->env_user), "USER=%s", name);
	snprintf(u->env_logname, sizeof(u->env_logname), "LOGNAME=%s", name);
	return 0;
}

/* The environment for the child: ours without Ward's own variables (the repository's
 * password must not reach a tool that as=USER makes readable to that user through
 * /proc), with HOME, USER and LOGNAME of as=USER. */
static char **child_env(const struct child_user *u)
{
	size_t n = 0;
	while (environ && environ[n])
		n++;
	char **env = calloc(n + 4, sizeof(char *));
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(environ[i], "WARD_", 5))
			continue;
		if (u->change && (!strncmp(environ[i], "HOME=", 5) || !strncmp(environ[i], "USER=", 5) ||
				  !strncmp(environ[i], "LOGNAME=", 8)))
			continue;
		env[k++] = environ[i];
	}
	if (u->change) {
		env[k++] = (char *)u->env_home;
		env[k++] = (char *)u->env_user;
		env[k++] = (char *)u->env_logname;
	}
	env[k] = NULL;
	return env;
}

/* In the forked child: only async-signal-safe calls until execve. */
__attribute__((noreturn)) static void child_exec(char *const argv[], char *const envp[], int in_fd, int out_fd,
						 int err_fd, int report_fd, const struct child_user *u)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int e;
	setpgid(0, 0); /* its own group, so a timeout kills whatever it started too */
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL); /* nothing ignored is inherited (SIGPIPE) */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		goto fail;
	if (u->change && (setgroups((size_t)u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0))
		goto fail;
	if (chdir(u->change ? u->home : "/") < 0 && chdir("/") < 0)
		goto fail;
	execve(argv[0], argv, envp);
fail:
	e = errno;
	if (write(report_fd, &e, sizeof(e)) < 0) {
		/* nothing more to do */
	}
	_exit(127);
}

/* What a tool run came to. */
struct tool_result {
	int exit_code; /* its exit status, or 128 + signal */
	bool timed_out;
	char err[DUMP_STDERR_MAX + 1]; /* the start of its stderr */
	size_t errlen;
};

/* Runs argv (argv[0] absolute) with stdin /dev/null, stdout out_fd and stderr captured,
 * as user u, for at most timeout_s. 0 once it ran, whatever its exit status. */
static int tool_run(char *const argv[], int out_fd, int timeout_s, const struct child_user *u, struct tool_result *res)
{
	int errp[2] = {-1, -1}, rep[2] = {-1, -1}, in_fd = -1, status = 0, r = 0, e = 0;
	char **envp = child_env(u);
	pid_t pid = -1;
	memset(res, 0, sizeof(*res));
	if (!envp)
		return -ENOMEM;
	in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in_fd < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		r = err_set(-errno, "cannot prepare to run '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = err_set(-errno, "cannot run '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
		child_exec(argv, envp, in_fd, out_fd, errp[1], rep[1], u);
	close(errp[1]);
	close(rep[1]);
	errp[1] = rep[1] = -1;
	/* The report pipe closes on execve; an errno on it means the child never got there. */
	ssize_t got;
	while ((got = read(rep[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (got == (ssize_t)sizeof(e)) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		r = err_set(-e, "cannot run '%s'%s%s: %s", argv[0], u->change ? " as " : "",
			    u->change ? u->env_user + 5 : "", strerror(e));
		goto out;
	}
	int64_t deadline = time_mono_us() + (int64_t)timeout_s * 1000000;
	for (;;) { /* stderr until it closes */
		int64_t left = (deadline - time_mono_us()) / 1000;
		if (left <= 0) {
			res->timed_out = true;
			break;
		}
		struct pollfd p = {.fd = errp[0], .events = POLLIN};
		int pr = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (pr < 0 && errno != EINTR) {
			r = err_set(-errno, "cannot wait for '%s': %s", argv[0], strerror(errno));
			res->timed_out = true; /* kill it below */
			break;
		}
		if (pr <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(errp[0], buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n < DUMP_STDERR_MAX - res->errlen ? (size_t)n : DUMP_STDERR_MAX - res->errlen;
		memcpy(res->err + res->errlen, buf, take);
		res->errlen += take;
	}
	/* Its stderr is closed: wait for it to exit, still within the deadline. */
	long pause_ms = 1;
	while (!res->timed_out) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			r = err_set(-errno, "cannot wait for '%s': %s", argv[0], strerror(errno));
			pid = -1;
			goto out;
		}
		if (time_mono_us() >= deadline) {
			res->timed_out = true;
			break;
		}
		struct timespec ts = {.tv_sec = 0, .tv_nsec = pause_ms * 1000000};
		nanosleep(&ts, NULL);
		if (pause_ms < 100)
			pause_ms *= 2;
	}
	if (res->timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	res->err[res->errlen] = '\0';
out:
	if (in_fd >= 0)
		close(in_fd);
	for (int i = 0; i < 2; i++) {
		if (errp[i] >= 0)
			close(errp[i]);
		if (rep[i] >= 0)
			close(rep[i]);
	}
	free(envp);
	return r;
}

/* The tool's stderr as one line for a message: newlines as "; ", no trailing space. */
static void one_line(char *text)
{
	size_t len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		text[--len] = '\0';
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

/* True when the file's last bytes hold the tool's closing comment. */
static bool has_trailer(int fd, const char *trailer)
{
	struct stat st;
	char tail[TRAILER_SCAN];
	if (fstat(fd, &st) < 0)
		return false;
	off_t from = st.st_size > TRAILER_SCAN ? st.st_size - TRAILER_SCAN : 0;
	ssize_t n = pread(fd, tail, sizeof(tail), from);
	return n > 0 && memmem(tail, (size_t)n, trailer, strlen(trailer)) != NULL;
}

/* pg_dump or mariadb-dump into fd. */
static int tool_dump(const struct dump_spec *s, int fd)
{
	const char *tool = s->kind == DUMP_POSTGRES ? "pg_dump" : "mariadb-dump";
	const char *trailer = s->kind == DUMP_POSTGRES ? PG_TRAILER : MARIADB_TRAILER;
	char program[PATH_MAX];
	struct args *a = calloc(1, sizeof(*a));
	struct child_user *u = calloc(1, sizeof(*u));
	struct tool_result *res = calloc(1, sizeof(*res));
	int r;
	if (!a || !u || !res) {
		r = -ENOMEM;
		goto out;
	}
	if (find_program(tool, program) < 0 && (s->kind != DUMP_MARIADB || find_program("mysqldump", program) < 0)) {
		r = err_set(-ENOENT, "%s is not installed (looked in PATH%s)", tool,
			    s->kind == DUMP_POSTGRES ? " and /usr/lib/postgresql/*/bin" : "; mysqldump neither");
		goto out;
	}
	tool = strrchr(program, '/') + 1;
	if ((r = s->kind == DUMP_POSTGRES ? pg_args(s, program, a) : maria_args(s, program, a)) < 0)
		goto out;
	if (*s->run_as && (r = child_user_get(s->run_as, u)) < 0)
		goto out;
	if ((r = tool_run(a->argv, fd, s->timeout_s, u, res)) < 0)
		goto out;
	one_line(res->err);
	if (res->timed_out)
		r = err_set(-ETIMEDOUT,
			    "%s did not finish within %d s and was stopped (timeout=DURATION gives it longer)", tool,
			    s->timeout_s);
	else if (res->exit_code != 0)
		r = err_set(-EIO, "%s exited with status %d%s%s", tool, res->exit_code, res->errlen ? ": " : "",
			    res->err);
	else if (!has_trailer(fd, trailer))
		r = err_set(-EIO, "%s's output lacks its closing line '%s'; the dump is incomplete%s%s", tool, trailer,
			    res->errlen ? ": " : "", res->err);
out:
	free(a);
	free(u);
	free(res);
	return r;
}

/* --- running --- */

int dump_run(const struct dump_spec *s, const char *out_dir, char ret_path[PATH_MAX])
{
	char file[DUMP_NAME_MAX + 32], tmp_name[DUMP_NAME_MAX + 40], path[PATH_MAX], tmp[PATH_MAX];
	const char *what = s->kind == DUMP_SQLITE ? s->source : s->name;
	int fd = -1, r;
	if ((r = dump_file_name(s, file, sizeof(file))) < 0)
		return r;
	snprintf(tmp_name, sizeof(tmp_name), ".%s.tmp", file);
	if ((r = fs_join(path, sizeof(path), out_dir, file)) < 0 ||
	    (r = fs_join(tmp, sizeof(tmp), out_dir, tmp_name)) < 0)
		return r;
	if ((r = fs_mkdir_p(out_dir, 0700)) < 0)
		return r;
	if ((fd = tmp_create(tmp)) < 0)
		return fd;
	if (s->kind == DUMP_SQLITE) {
		close(fd); /* SQLite opens it itself; made here so that it is 0600 */
		fd = -1;
		if ((r = sqlite_dump(s, tmp)) < 0)
			goto out;
		fd = open(tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			r = err_set(-errno, "cannot open '%s': %s", tmp, strerror(errno));
			goto out;
		}
	} else if ((r = tool_dump(s, fd)) < 0) {
		goto out;
	}
	if (fsync(fd) < 0) {
		r = err_set(-errno, "cannot sync '%s': %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = err_set(-errno, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto out;
	}
	if ((r = fsync_dir(out_dir)) < 0)
		goto out;
	snprintf(ret_path, PATH_MAX, "%s", path);
out:
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		tmp_remove(tmp);
		r = err_set(r, "cannot dump %s '%s': %s", dump_kind_name(s->kind), what, err_msg(r));
	}
	return r;
}

/* A dump's file name or one of its temporary files: "sqlite-*.db", ".postgres-*.sql.tmp". */
static bool is_dump_file(const char *name)
{
	bool hidden = name[0] == '.';
	const char *n = name + hidden;
	size_t len = strlen(n);
	if (hidden) {
		if (len < 4 || strcmp(n + len - 4, ".tmp") != 0)
			return false;
		len -= 4;
	}
	for (int k = DUMP_SQLITE; k <= DUMP_MARIADB; k++) {
		size_t pl = strlen(kind_names[k]), el = strlen(kind_exts[k]);
		if (len > pl + 1 + el && !strncmp(n, kind_names[k], pl) && n[pl] == '-' &&
		    !strncmp(n + len - el, kind_exts[k], el))
			return true;
	}
	return false;
}

/* Removes dump files in out_dir that are not among this run's (kept[0..n)). */
static void prune_old(const char *out_dir, char (*kept)[DUMP_NAME_MAX + 32], int n)
{
	DIR *d = opendir(out_dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!is_dump_file(de->d_name))
			continue;
		bool keep = false;
		for (int i = 0; i < n && !keep; i++)
			keep = !strcmp(de->d_name, kept[i]);
		if (!keep)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	fsync_dir(out_dir);
}

int dump_all(const struct dump_spec *specs, int n, const char *out_dir, json_t **ret_report)
{
	char(*files)[DUMP_NAME_MAX + 32] = NULL;
	json_t *report = NULL;
	int r = 0;
	if (n < 0 || n > DUMP_MAX)
		return err_set(-EINVAL, "at most %d dumps", DUMP_MAX);
	files = calloc((size_t)n + 1, sizeof(*files));
	report = json_array();
	if (!files || !report) {
		r = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if ((r = dump_file_name(&specs[i], files[i], sizeof(files[i]))) < 0)
			goto out;
		for (int j = 0; j < i; j++)
			if (!strcmp(files[i], files[j])) {
				r = err_set(-EINVAL, "two dumps would both write '%s': '%s' and '%s'", files[i],
					    specs[j].source, specs[i].source);
				goto out;
			}
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;
		int64_t start = time_mono_us();
		if ((r = dump_run(&specs[i], out_dir, path)) < 0)
			goto out;
		double seconds = (double)(time_mono_us() - start) / 1e6;
		if (stat(path, &st) < 0) {
			r = err_set(-errno, "cannot stat '%s': %s", path, strerror(errno));
			goto out;
		}
		json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:I, s:f}", "kind", dump_kind_name(specs[i].kind), "name",
				      specs[i].name, "source", specs[i].source, "path", path, "bytes",
				      (json_int_t)st.st_size, "seconds", seconds);
		if (!e || json_array_append_new(report, e) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	prune_old(out_dir, files, n);
	*ret_report = report;
	report = NULL;
out:
	json_decref(report);
	free(files);
	return r;
}
