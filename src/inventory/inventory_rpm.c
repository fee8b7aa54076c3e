/*
 * inventory_rpm.c: the RPM half of the "packages" section. The database below the root
 * (usr/lib/sysimage/rpm or var/lib/rpm) is read with librpm, opened at run time only
 * when there is one; without librpm (or with WARD_NO_LIBRPM=1) a live machine runs
 * `rpm -qa` without a shell instead. Both feed the same checked parser of tab-separated
 * NAME, EPOCH, VERSION, RELEASE, ARCH and SOURCERPM, so both give the same packages.
 */
#include "inventory/inventory_dpkg.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmts.h>

#include "core/err.h"
#include "inventory/inventory.h"

#define RPM_BIN "/usr/bin/rpm"
#define RPM_FIELDS 6
#define RPM_EXCERPT 40						 /* bytes of a bad line quoted in a warning */
#define RPM_LINE_MAX (RPM_FIELDS * (WARD_PACKAGE_FIELD_MAX + 1)) /* longer cannot be valid */

/* Warnings of one parse, capped at WARD_PACKAGE_WARNINGS_MAX. */
struct rpm_warnings {
	json_t *to;	/* the caller's array */
	size_t given;	/* appended by this parse */
	size_t dropped; /* past the cap */
	int error;	/* -ENOMEM once appending failed */
};

/* force: said even past the cap (the package cap). */
static void rpm_warn(struct rpm_warnings *w, bool force, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void rpm_warn(struct rpm_warnings *w, bool force, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!force && w->given >= WARD_PACKAGE_WARNINGS_MAX) {
		w->dropped++;
		return;
	}
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	json_t *j = json_pack("{s:s, s:o}", "section", "packages", "message", inv_string(msg));
	if (!j || json_array_append_new(w->to, j) < 0) {
		w->error = -ENOMEM;
		return;
	}
	w->given++;
}

/* Printable ASCII only, at most RPM_EXCERPT bytes, tabs shown as spaces. */
static const char *rpm_excerpt(const char *s, size_t n, char out[RPM_EXCERPT + 4])
{
	size_t take = n > RPM_EXCERPT ? RPM_EXCERPT : n, i;
	for (i = 0; i < take; i++)
		out[i] = s[i] == '\t' ? ' ' : s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'' ? s[i] : '?';
	if (take < n) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

static bool rpm_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool rpm_chars(const char *s, size_t n, const char *also)
{
	if (n == 0 || n > WARD_PACKAGE_FIELD_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!rpm_is_alnum(s[i]) && (s[i] == '\0' || !strchr(also, s[i])))
			return false;
	return true;
}

/* rpmbuild's rule for Name: alphanumerics and "._+-%{}", not starting with a sign. */
static bool rpm_name_valid(const char *s, size_t n)
{
	return rpm_chars(s, n, "._+-%{}") && (rpm_is_alnum(s[0]) || s[0] == '_');
}

/* Version and Release: alphanumerics and "._+~^" (no '-': it separates them). */
static bool rpm_version_valid(const char *s, size_t n)
{
	return rpm_chars(s, n, "._+~^");
}

/* rpm's epoch is a 32-bit unsigned number; it prints it without leading zeros. */
static bool rpm_epoch_valid(const char *s, size_t n)
{
	unsigned long long v = 0;
	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	return v <= 4294967295ULL;
}

static bool rpm_is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

static bool rpm_ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static const char *rpm_last_dash(const char *s, size_t n)
{
	while (n > 0)
		if (s[--n] == '-')
			return s + n;
	return NULL;
}

/* "glibc-2.34-60.el9.src.rpm": name "glibc", version-release "2.34-60.el9". */
static bool rpm_srpm_split(const char *s, size_t n, size_t *ret_name_len, const char **ret_vr, size_t *ret_vr_len)
{
	if (rpm_ends_with(s, n, ".src.rpm"))
		n -= strlen(".src.rpm");
	else if (rpm_ends_with(s, n, ".nosrc.rpm"))
		n -= strlen(".nosrc.rpm");
	else
		return false;
	const char *rel = rpm_last_dash(s, n);
	if (!rel)
		return false;
	const char *ver = rpm_last_dash(s, (size_t)(rel - s));
	if (!ver)
		return false;
	size_t name_len = (size_t)(ver - s), ver_len = (size_t)(rel - ver - 1), rel_len = n - (size_t)(rel - s) - 1;
	if (!rpm_name_valid(s, name_len) || !rpm_version_valid(ver + 1, ver_len) ||
	    !rpm_version_valid(rel + 1, rel_len))
		return false;
	*ret_name_len = name_len;
	*ret_vr = ver + 1;
	*ret_vr_len = ver_len + 1 + rel_len;
	return true;
}

/* One line split in fields; 0, -EINVAL with a warning already given, or -ENOMEM. The
 * warnings name the line as "<label> <line_no>". */
static int rpm_line(const char *line, size_t n, const char *label, size_t line_no, json_t *out, struct rpm_warnings *w)
{
	const char *f[RPM_FIELDS];
	size_t fl[RPM_FIELDS], nf = 0, start = 0;
	char ex[RPM_EXCERPT + 4], version[3 * WARD_PACKAGE_FIELD_MAX + 3];
	if (n > RPM_LINE_MAX) {
		rpm_warn(w, false, "%s %zu: '%s' is longer than %d bytes; left out", label, line_no,
			 rpm_excerpt(line, n, ex), RPM_LINE_MAX);
		return -EINVAL;
	}
	while (nf < RPM_FIELDS) {
		const char *tab = memchr(line + start, '\t', n - start);
		size_t end = tab ? (size_t)(tab - line) : n;
		f[nf] = line + start;
		fl[nf++] = end - start;
		if (!tab)
			break;
		start = end + 1;
		if (nf == RPM_FIELDS)
			nf++; /* a tab after the sixth field: too many */
	}
	if (nf != RPM_FIELDS) {
		rpm_warn(w, false, "%s %zu: '%s' is not %d tab-separated fields; left out", label, line_no,
			 rpm_excerpt(line, n, ex), RPM_FIELDS);
		return -EINVAL;
	}
	const char *what = NULL;
	bool no_epoch = rpm_is(f[1], fl[1], "(none)"), no_arch = rpm_is(f[4], fl[4], "(none)");
	bool no_srpm = rpm_is(f[5], fl[5], "(none)");
	size_t src_len = 0, src_vr_len = 0;
	const char *src_vr = NULL;
	if (!rpm_name_valid(f[0], fl[0]))
		what = "name";
	else if (!no_epoch && !rpm_epoch_valid(f[1], fl[1]))
		what = "epoch";
	else if (!rpm_version_valid(f[2], fl[2]))
		what = "version";
	else if (!rpm_version_valid(f[3], fl[3]))
		what = "release";
	else if (!no_arch && !rpm_chars(f[4], fl[4], "_"))
		what = "architecture";
	else if (!no_srpm && !rpm_srpm_split(f[5], fl[5], &src_len, &src_vr, &src_vr_len))
		what = "source rpm";
	if (what) {
		rpm_warn(w, false, "%s %zu: %s of '%s' is not valid; left out", label, line_no, what,
			 rpm_excerpt(line, n, ex));
		return -EINVAL;
	}
	int vn = no_epoch ? snprintf(version, sizeof(version), "%.*s-%.*s", (int)fl[2], f[2], (int)fl[3], f[3])
			  : snprintf(version, sizeof(version), "%.*s:%.*s-%.*s", (int)fl[1], f[1], (int)fl[2], f[2],
				     (int)fl[3], f[3]);
	if (vn < 0 || (size_t)vn >= sizeof(version))
		return -EINVAL; /* cannot happen: each part was checked to fit */
	if (no_srpm) {
		/* gpg-pubkey and the like: their own source */
		src_len = fl[0];
		src_vr = version;
		src_vr_len = (size_t)vn;
	}
	json_t *pkg = json_pack("{s:s%, s:s%, s:o, s:s%, s:s%, s:s, s:s}", "name", f[0], fl[0], "version", version,
				(size_t)vn, "architecture", no_arch ? json_null() : json_stringn(f[4], fl[4]), "source",
				no_srpm ? f[0] : f[5], src_len, "source_version", src_vr, src_vr_len, "status",
				"installed", "manager", "rpm");
	if (!pkg || json_array_append_new(out, pkg) < 0)
		return -ENOMEM;
	return 0;
}

int rpm_qa_parse(const char *text, size_t len, json_t *out, json_t *warnings)
{
	struct rpm_warnings w = {.to = warnings};
	size_t line_no = 0, added = 0;
	int r = 0;
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		line_no++;
		if (n > 0) {
			if (added == WARD_PACKAGES_MAX) {
				rpm_warn(&w, true, "rpm -qa line %zu: more than %d packages; the rest are left out",
					 line_no, WARD_PACKAGES_MAX);
				break;
			}
			r = rpm_line(text, n, "rpm -qa line", line_no, out, &w);
			if (r == -ENOMEM)
				goto out;
			if (r == 0)
				added++;
			r = 0;
		}
		if (!nl)
			break;
		text = nl + 1;
		len -= n + 1;
	}
	if (w.dropped > 0)
		rpm_warn(&w, true, "rpm -qa: %zu more warnings left out", w.dropped);
out:
	return r < 0 ? r : w.error;
}

/* --- librpm --- */

/*
 * librpm is opened for each reading and closed after it, not linked: it brings Lua,
 * libgcrypt, popt and the compressors, which the agent should not carry between reports
 * (about 4 MB resident) and a machine without RPM never needs. Every call goes through
 * this table; librpmio's are found through librpm. WARD_RPM_SONAME comes from the build
 * (meson.build reads it off the library).
 *
 * rpm's configuration files are not read (no rpmReadConfigFiles): they describe the
 * host, not the tree, Debian's runs bash to find %_dbpath, and they leave a few hundred
 * bytes in librpm's and libgcrypt's statics that nothing frees, lost at every dlclose.
 * Listing needs only %_dbpath and %_db_backend, which are set here; headers are not
 * verified (that needs the crypto the configuration sets up): the parser checks every
 * field instead.
 */
#define RPMLIB_CALLS(X)                                                                                          \
	X(rpmPushMacro) X(rpmFreeMacros) X(rpmlogSetCallback) X(rpmlogRecMessage) X(rpmlogRecPriority)          \
	X(rpmlogClose) X(rpmtsCreate) X(rpmtsFree) X(rpmtsSetRootDir) X(rpmtsSetVSFlags) X(rpmtsOpenDB)          \
	X(rpmtsInitIterator) X(rpmdbNextIterator) X(rpmdbFreeIterator) X(headerIsEntry) X(headerGetString)      \
	X(headerGetNumber)

static struct {
	void *handle; /* from dlopen; NULL outside rpmlib_read */
#define RPMLIB_MEMBER(f) __typeof__(f) *f;
	RPMLIB_CALLS(RPMLIB_MEMBER)
#undef RPMLIB_MEMBER
} rpmlib;

/* librpm keeps its macros and its log callback in globals, as rpmlib is: one reader at a time. */
static pthread_mutex_t rpmlib_lock = PTHREAD_MUTEX_INITIALIZER;

/* Where RPM keeps its database, newest layout first: Fedora 36+, openSUSE and RHEL 10 use
 * usr/lib/sysimage/rpm (var/lib/rpm is then a symlink to it), older ones var/lib/rpm. The
 * host's %_dbpath is not asked: it describes the host, not the tree (Debian's runs bash). */
static const char *const rpmdb_dirs[] = {"usr/lib/sysimage/rpm", "var/lib/rpm"};

/* The file that shows each backend's database, in rpm's own order of preference. Naming
 * the backend keeps librpm from guessing aloud ("Found BDB Packages database while..."). */
static const struct rpmdb_kind {
	const char *file;    /* in the database directory */
	const char *backend; /* %_db_backend that reads it */
	size_t magic_at;     /* where the file's magic number is */
	const char *magic;   /* 4 bytes; NULL: the whole SQLite header */
} rpmdb_kinds[] = {
	{"rpmdb.sqlite", "sqlite", 0, NULL},
	{"Packages.db", "ndb", 0, "RpmP"},
	{"Packages", "bdb_ro", 12, "\x00\x06\x15\x61"}, /* a Berkeley DB hash, either byte order */
};

/* A database found below the root. */
struct rpmdb_loc {
	char root[PATH_MAX];	       /* the root, resolved: librpm wants it absolute */
	size_t root_len;	       /* 0 for "/", so that root + dbpath is the full path */
	char dir[PATH_MAX];	       /* the database directory, resolved, inside root */
	const char *dbpath;	       /* dir below root, starting with '/': librpm's %_dbpath */
	const struct rpmdb_kind *kind; /* which file is there, so which backend */
	char file[PATH_MAX + 16];      /* dir and kind->file */
	struct stat st;		       /* of file */
};

/*
 * The last database librpm could not open, and why. librpm 4.18 keeps the SQLite
 * connection (100 kB and a descriptor) when opening fails, so the agent must not try an
 * unchanged broken database at every report; the magic number check catches most of
 * them before librpm sees them at all.
 */
static struct {
	bool set;  /* one failed */
	dev_t dev; /* its file, as stat saw it then */
	ino_t ino;
	off_t size;
	struct timespec mtime;
	char why[512]; /* the error message given then */
} rpmlib_failed;

/* One librpm session: where its log messages go. */
struct rpmlib_session {
	struct rpm_warnings *w; /* librpm's warnings and errors, once the database is open */
	bool open;		/* the database is open */
	size_t errors;		/* errors librpm logged (since the database opened) */
	char why[256];		/* librpm's first error, else its last warning: why a step failed */
};

/* Finds the database below ctx->root: 0, or -ENOENT when there is none. A directory that
 * resolves outside the root (an absolute symlink in a mounted image) is the host's, not
 * the tree's, and is passed over. */
static int rpmdb_find(const struct inv_ctx *ctx, struct rpmdb_loc *ret)
{
	char path[PATH_MAX];
	struct stat st;
	if (!realpath(ctx->root, ret->root))
		return -ENOENT;
	ret->root_len = strcmp(ret->root, "/") == 0 ? 0 : strlen(ret->root);
	for (size_t i = 0; i < sizeof(rpmdb_dirs) / sizeof(rpmdb_dirs[0]); i++) {
		if (inv_path(ctx, rpmdb_dirs[i], path, sizeof(path)) < 0 || !realpath(path, ret->dir))
			continue;
		if (strncmp(ret->dir, ret->root, ret->root_len) != 0 || ret->dir[ret->root_len] != '/')
			continue;
		if (stat(ret->dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		for (size_t k = 0; k < sizeof(rpmdb_kinds) / sizeof(rpmdb_kinds[0]); k++) {
			int n = snprintf(ret->file, sizeof(ret->file), "%s/%s", ret->dir, rpmdb_kinds[k].file);
			if (n < 0 || (size_t)n >= sizeof(ret->file) || stat(ret->file, &ret->st) < 0 ||
			    !S_ISREG(ret->st.st_mode))
				continue;
			ret->dbpath = ret->dir + ret->root_len;
			ret->kind = &rpmdb_kinds[k];
			return 0;
		}
	}
	return -ENOENT;
}

/* Whether loc->file starts as its kind of database does: 0, or -EIO with err_msg(). */
static int rpmdb_check_magic(const struct rpmdb_loc *loc)
{
	static const char sqlite_magic[16] = "SQLite format 3";
	unsigned char head[16];
	const struct rpmdb_kind *k = loc->kind;
	bool ok = false;
	int fd = open(loc->file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(-EIO, "cannot open '%s': %s", loc->file, strerror(errno));
	ssize_t n = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (n == (ssize_t)sizeof(head) && !k->magic)
		ok = memcmp(head, sqlite_magic, sizeof(sqlite_magic)) == 0;
	else if (n == (ssize_t)sizeof(head)) {
		const unsigned char *m = (const unsigned char *)k->magic, *h = head + k->magic_at;
		ok = memcmp(h, m, 4) == 0 || (h[0] == m[3] && h[1] == m[2] && h[2] == m[1] && h[3] == m[0]);
	}
	return ok ? 0 : err_set(-EIO, "'%s' is not a database rpm's %s backend reads", loc->file, k->backend);
}

static bool rpmlib_failed_before(const struct rpmdb_loc *loc)
{
	return rpmlib_failed.set && rpmlib_failed.dev == loc->st.st_dev && rpmlib_failed.ino == loc->st.st_ino &&
	       rpmlib_failed.size == loc->st.st_size && rpmlib_failed.mtime.tv_sec == loc->st.st_mtim.tv_sec &&
	       rpmlib_failed.mtime.tv_nsec == loc->st.st_mtim.tv_nsec;
}

/* Loads librpm into rpmlib; with rpmlib_lock held. */
static int rpmlib_load(void)
{
	void *h = dlopen(WARD_RPM_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return err_set(-ENOENT, "cannot load librpm: %s", dlerror());
#define RPMLIB_RESOLVE(f)                                                                                        \
	if (!(*(void **)&rpmlib.f = dlsym(h, #f))) {                                                             \
		dlclose(h);                                                                                      \
		memset(&rpmlib, 0, sizeof(rpmlib));                                                              \
		return err_set(-ENOENT, "%s has no %s: is it too old?", WARD_RPM_SONAME, #f);                    \
	}
	RPMLIB_CALLS(RPMLIB_RESOLVE)
#undef RPMLIB_RESOLVE
	rpmlib.handle = h;
	return 0;
}

static void rpmlib_unload(void)
{
	dlclose(rpmlib.handle);
	memset(&rpmlib, 0, sizeof(rpmlib));
}

/* librpm's log: never printed, never its exit. Errors and warnings become the reason a
 * step failed, or warnings once the database is open; notices and debug are dropped. */
static int rpmlib_log(rpmlogRec rec, rpmlogCallbackData data)
{
	struct rpmlib_session *s = data;
	rpmlogLvl pri = rpmlib.rpmlogRecPriority(rec);
	const char *msg = rpmlib.rpmlogRecMessage(rec);
	if (pri > RPMLOG_WARNING || !msg)
		return 0;
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	if (s->open)
		rpm_warn(s->w, false, "librpm: %.*s", (int)(n < 256 ? n : 256), msg);
	if (s->errors == 0) { /* the first error says most ("file is not a database") */
		if (n >= sizeof(s->why))
			n = sizeof(s->why) - 1;
		memcpy(s->why, msg, n);
		s->why[n] = '\0';
	}
	s->errors += pri <= RPMLOG_ERR;
	return 0;
}

static const char *rpmlib_str(Header h, rpmTagVal tag)
{
	const char *v = rpmlib.headerGetString(h, tag);
	return v ? v : "(none)"; /* as rpm's --queryformat prints an absent tag */
}

/* One header, as the line `rpm -qa --queryformat` would print for it, through the same
 * parser: 0, -EINVAL with a warning given, or -ENOMEM. */
static int rpmlib_header(Header h, size_t no, json_t *out, struct rpm_warnings *w)
{
	char epoch[24] = "(none)", line[RPM_LINE_MAX + 2];
	if (rpmlib.headerIsEntry(h, RPMTAG_EPOCH))
		snprintf(epoch, sizeof(epoch), "%" PRIu64, rpmlib.headerGetNumber(h, RPMTAG_EPOCH));
	int n = snprintf(line, sizeof(line), "%s\t%s\t%s\t%s\t%s\t%s", rpmlib_str(h, RPMTAG_NAME), epoch,
			 rpmlib_str(h, RPMTAG_VERSION), rpmlib_str(h, RPMTAG_RELEASE), rpmlib_str(h, RPMTAG_ARCH),
			 rpmlib_str(h, RPMTAG_SOURCERPM));
	if (n < 0)
		return -EINVAL;
	/* cut to RPM_LINE_MAX + 1 bytes, it is still refused as too long, with an excerpt */
	return rpm_line(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, "rpm database entry", no, out,
			w);
}

/* err_set(-EIO, ...), remembering loc as failed. */
static int rpmlib_fail(const struct rpmdb_loc *loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int rpmlib_fail(const struct rpmdb_loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(rpmlib_failed.why, sizeof(rpmlib_failed.why), fmt, ap);
	va_end(ap);
	if (n < 0)
		rpmlib_failed.why[0] = '\0';
	rpmlib_failed.set = true;
	rpmlib_failed.dev = loc->st.st_dev;
	rpmlib_failed.ino = loc->st.st_ino;
	rpmlib_failed.size = loc->st.st_size;
	rpmlib_failed.mtime = loc->st.st_mtim;
	return err_set(-EIO, "%s", rpmlib_failed.why);
}

/*
 * Reads the database at loc with librpm, appending its packages to out and librpm's
 * complaints to warnings; everything librpm allocated is freed and librpm unloaded
 * before returning. Fails (-ENOENT, -EIO, with err_msg() saying why) only before any
 * package was added: the database file not what its name says, librpm missing or too
 * old, the database not opening, or nothing read but errors (and then not tried again
 * while the file stays the same). 0, or -ENOMEM.
 */
static int rpmlib_read(const struct rpmdb_loc *loc, json_t *out, json_t *warnings)
{
	struct rpm_warnings w = {.to = warnings};
	struct rpmlib_session s = {.w = &w};
	rpmts ts = NULL;
	rpmdbMatchIterator mi = NULL;
	size_t no = 0, added = 0;
	int r;

	pthread_mutex_lock(&rpmlib_lock);
	if (rpmlib_failed_before(loc)) {
		r = err_set(-EIO, "%s", rpmlib_failed.why);
		goto unlock;
	}
	if ((r = rpmdb_check_magic(loc)) < 0 || (r = rpmlib_load()) < 0)
		goto unlock;
	rpmlib.rpmlogSetCallback(rpmlib_log, &s);
	if (rpmlib.rpmPushMacro(NULL, "_dbpath", NULL, loc->dbpath, RMIL_CMDLINE) != 0 ||
	    rpmlib.rpmPushMacro(NULL, "_db_backend", NULL, loc->kind->backend, RMIL_CMDLINE) != 0) {
		r = err_set(-EIO, "librpm cannot set %%_dbpath: %s", s.why[0] ? s.why : "no reason given");
		goto out;
	}
	if (!(ts = rpmlib.rpmtsCreate())) {
		r = -ENOMEM;
		goto out;
	}
	/* listing, not verifying: no keyring, no signature, no digest (see above) */
	rpmlib.rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES | RPMVSF_MASK_NODIGESTS | RPMVSF_NOHDRCHK);
	if (rpmlib.rpmtsSetRootDir(ts, loc->root_len ? loc->root : "/") != 0 || rpmlib.rpmtsOpenDB(ts, O_RDONLY) != 0) {
		r = rpmlib_fail(loc, "librpm cannot open it: %s", s.why[0] ? s.why : "no reason given");
		goto out;
	}
	s.open = true;
	s.errors = 0;
	s.why[0] = '\0';
	mi = rpmlib.rpmtsInitIterator(ts, RPMDBI_PACKAGES, NULL, 0);
	for (Header h; mi && (h = rpmlib.rpmdbNextIterator(mi));) {
		no++;
		if (added == WARD_PACKAGES_MAX) {
			rpm_warn(&w, true, "rpm database: more than %d packages; the rest are left out",
				 WARD_PACKAGES_MAX);
			break;
		}
		r = rpmlib_header(h, no, out, &w);
		if (r == -ENOMEM)
			goto out;
		if (r == 0)
			added++;
		r = 0;
	}
	if (no == 0 && s.errors > 0) {
		r = rpmlib_fail(loc, "librpm cannot read it: %s", s.why);
		goto out;
	}
	if (w.dropped > 0)
		rpm_warn(&w, true, "rpm database: %zu more warnings left out", w.dropped);
	r = w.error;
out:
	if (mi)
		rpmlib.rpmdbFreeIterator(mi);
	if (ts)
		rpmlib.rpmtsFree(ts); /* closes the database */
	rpmlib.rpmFreeMacros(NULL);
	rpmlib.rpmlogSetCallback(NULL, NULL);
	rpmlib.rpmlogClose();
	rpmlib_unload();
unlock:
	pthread_mutex_unlock(&rpmlib_lock);
	return r;
}

static bool rpmlib_disabled(void)
{
	const char *v = getenv("WARD_NO_LIBRPM");
	return v && *v && strcmp(v, "0") != 0;
}

/* `rpm -qa` on a live machine; dbpath (NULL for rpm's own) as found below "/". */
static int rpm_qa_run(struct inv_ctx *ctx, const char *dbpath, json_t *out, json_t *warnings)
{
	char *argv[] = {RPM_BIN, "-qa", "--queryformat",
			"%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n", NULL, NULL, NULL};
	char *text = NULL;
	if (!ctx->live)
		return 0;
	if (dbpath) {
		argv[4] = "--dbpath";
		argv[5] = (char *)dbpath;
	}
	int r = inv_run(ctx, argv, WARD_RPM_OUTPUT_MAX, WARD_RPM_TIMEOUT_MS, &text);
	if (r == -ENOENT)
		return 0; /* not an RPM machine */
	if (r < 0) {
		inv_warn(ctx, "packages", "cannot list rpm packages: %s", err_msg(r));
		return r == -ENOMEM ? r : 0;
	}
	size_t len = strlen(text);
	if (len == WARD_RPM_OUTPUT_MAX) {
		inv_warn(ctx, "packages", "'%s -qa' printed more than %d MiB; the rest is left out", RPM_BIN,
			 WARD_RPM_OUTPUT_MAX >> 20);
		while (len > 0 && text[len - 1] != '\n')
			len--; /* the last line is cut */
	}
	r = rpm_qa_parse(text, len, out, warnings);
	free(text);
	return r;
}

int inv_rpm_packages(struct inv_ctx *ctx, json_t *out, json_t *warnings)
{
	struct rpmdb_loc *loc = malloc(sizeof(*loc));
	const char *why = "WARD_NO_LIBRPM is set";
	int r;
	if (!loc)
		return -ENOMEM;
	if (rpmdb_find(ctx, loc) < 0) {
		r = rpm_qa_run(ctx, NULL, out, warnings); /* rpm may know a %_dbpath of its own */
		goto out;
	}
	if (!rpmlib_disabled()) {
		r = rpmlib_read(loc, out, warnings);
		if (r == 0 || r == -ENOMEM)
			goto out;
		why = err_msg(r);
	}
	inv_warn(ctx, "packages", "rpm database '%s' not read with librpm (%s); %s", loc->dir, why,
		 ctx->live ? "listing packages with rpm -qa instead"
			   : "its packages are left out (rpm -qa runs only on a live machine)");
	r = rpm_qa_run(ctx, loc->dbpath, out, warnings);
out:
	free(loc);
	return r;
}
