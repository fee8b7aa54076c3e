/*
 * upgrades.c: available upgrades from the machine's own apt lists: what is installed,
 * every version the indexes offer for it, the pins, and apt's candidate policy (see
 * upgrades.h). The indexes are streamed; only versions of installed packages are kept.
 */
#include "software/upgrades.h"

#include <ctype.h>
#include <dirent.h>
#include <sodium.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/limits.h"
#include "software/apt_index.h"
#include "software/vercmp.h"

#define UPG_VER_FILES 8	      /* indexes remembered per version (for pins and the archives list) */
#define UPG_STATUS_PRIORITY 100 /* the installed version's, from dpkg's status file */
#define UPG_WARNINGS_MAX 50	      /* warnings given; the rest are counted in one more */
#define UPG_HOLD_ROUNDS 20	      /* rounds of "kept back because another was kept back" */

struct upg_ver {
	char *version;		       /* as the index writes it */
	int prio;		       /* the highest priority of the indexes offering it */
	bool installed;		       /* the installed version (in the status file) */
	bool security;		       /* offered by a security archive */
	uint16_t files[UPG_VER_FILES]; /* the indexes offering it (ctx->files) */
	uint8_t nfiles;
	char *depends;	/* Depends and Pre-Depends of a version newer than the installed one */
	char *provides; /* its Provides */
	char *breaks;	/* its Breaks */
	char *conflicts; /* its Conflicts */
};

struct upg_pkg {
	char *name;	      /* allocated with arch after it */
	const char *arch;     /* as the status file says: "amd64", "all" */
	const char *key_arch; /* what apt files it under: the native architecture for "all" */
	const char *installed; /* the installed version (in the allocation of name) */
	char *provides;	      /* the installed version's Provides, or NULL */
	char *breaks;	      /* the installed version's Breaks, or NULL */
	char *conflicts;      /* the installed version's Conflicts, or NULL */
	bool hold;	      /* selection "hold" (dpkg --set-selections, apt-mark hold) */
	struct upg_ver *vers; /* versions seen, the installed one included */
	size_t nvers, size;
	int cand;	    /* the candidate in vers, or -1 */
	int held;	    /* UPG_HELD_* */
	const char *needs; /* for UPG_HELD_NEW: the first dependency nothing satisfies (in a depends) */
	size_t needs_len;
	char conflict[300]; /* for UPG_HELD_CONFLICT: "libbar1 1.1-1 Breaks bar-utils 1.0-1" */
};

enum { UPG_HELD_NONE, UPG_HELD_HOLD, UPG_HELD_NEW, UPG_HELD_CONFLICT };

struct upg_file {
	char name[256];		/* the index's file name in the lists directory */
	struct apt_release rel; /* its archive */
	char site[128];		/* the host it came from ("deb.debian.org") */
	char component[64];	/* "main" */
	char arch[64];		/* "amd64" */
	int priority;
	bool security;
};

struct upg_ctx {
	const char *root;
	json_t *warnings;
	size_t warned, unwarned;
	struct upg_pkg *pkgs; /* installed, sorted by name and key_arch */
	size_t npkgs, size;
	char native[64];
	struct upg_file *files;
	size_t nfiles;
	uint16_t cur; /* the index being read */
	struct apt_prefs prefs;
	char default_release[WARD_APT_FIELD_MAX + 1];
	size_t bad_stanzas, versions_dropped;
	int error; /* -ENOMEM, sticky */
};

static void upg_warn(struct upg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void upg_warn(struct upg_ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (c->warned >= UPG_WARNINGS_MAX) {
		c->unwarned++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->warned++;
	json_array_append_new(c->warnings, json_pack("{s:s, s:s}", "section", "upgrades", "message", msg));
}

/* A path from a format; false (and an empty path) when it does not fit. */
static bool upg_pathf(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool upg_pathf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		return false;
	}
	return true;
}

static bool upg_name_valid(const char *s, size_t n)
{
	if (n == 0 || n > WARD_APT_FIELD_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-+._", s[i]))
			return false;
	return true;
}

static bool upg_arch_valid(const char *s, size_t n)
{
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static char *upg_strndup(struct upg_ctx *c, const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (!d)
		c->error = -ENOMEM;
	return d;
}

/* --- installed packages: dpkg's status file --- */

static int upg_status_stanza(void *arg, const struct apt_stanza *st)
{
	struct upg_ctx *c = arg;
	const char *status = st->value[APT_STATUS];
	size_t slen = st->len[APT_STATUS];
	if (!st->len[APT_PACKAGE] || !st->len[APT_STATUS])
		return 0;
	/* "want flag status": installed in any state but not-installed and config-files. */
	const char *w2 = memchr(status, ' ', slen), *w3 = w2 ? memchr(w2 + 1, ' ', slen - (size_t)(w2 + 1 - status)) : NULL;
	if (!w3)
		return 0;
	size_t s3 = slen - (size_t)(w3 + 1 - status);
	if ((s3 == 13 && memcmp(w3 + 1, "not-installed", 13) == 0) || (s3 == 12 && memcmp(w3 + 1, "config-files", 12) == 0))
		return 0;
	if (st->bad || !upg_name_valid(st->value[APT_PACKAGE], st->len[APT_PACKAGE]) ||
	    !upg_arch_valid(st->value[APT_ARCHITECTURE], st->len[APT_ARCHITECTURE]) || !st->len[APT_VERSION] ||
	    memchr(st->value[APT_VERSION], '\0', st->len[APT_VERSION])) {
		c->bad_stanzas++;
		return 0;
	}
	if (c->npkgs >= WARD_UPGRADES_PACKAGES_MAX) {
		c->bad_stanzas++;
		return 0;
	}
	if (c->npkgs == c->size) {
		size_t size = c->size ? c->size * 2 : 1024;
		struct upg_pkg *p = realloc(c->pkgs, size * sizeof(*p));
		if (!p)
			return c->error = -ENOMEM;
		c->pkgs = p;
		c->size = size;
	}
	struct upg_pkg *p = &c->pkgs[c->npkgs];
	memset(p, 0, sizeof(*p));
	/* One allocation: name, architecture and version, NUL-terminated each. */
	size_t nl = st->len[APT_PACKAGE], al = st->len[APT_ARCHITECTURE], vl = st->len[APT_VERSION];
	p->name = malloc(nl + 1 + al + 1 + vl + 1);
	if (st->len[APT_PROVIDES])
		p->provides = upg_strndup(c, st->value[APT_PROVIDES], st->len[APT_PROVIDES]);
	if (st->len[APT_BREAKS])
		p->breaks = upg_strndup(c, st->value[APT_BREAKS], st->len[APT_BREAKS]);
	if (st->len[APT_CONFLICTS])
		p->conflicts = upg_strndup(c, st->value[APT_CONFLICTS], st->len[APT_CONFLICTS]);
	if (!p->name || c->error) {
		free(p->name);
		free(p->provides);
		free(p->breaks);
		free(p->conflicts);
		return c->error = -ENOMEM;
	}
	memcpy(p->name, st->value[APT_PACKAGE], nl);
	p->name[nl] = '\0';
	memcpy(p->name + nl + 1, st->value[APT_ARCHITECTURE], al);
	p->name[nl + 1 + al] = '\0';
	memcpy(p->name + nl + 1 + al + 1, st->value[APT_VERSION], vl);
	p->name[nl + 1 + al + 1 + vl] = '\0';
	p->arch = p->name + nl + 1;
	p->installed = p->name + nl + 1 + al + 1;
	p->hold = slen >= 5 && memcmp(status, "hold ", 5) == 0;
	p->cand = -1;
	c->npkgs++;
	return 0;
}

static int upg_pkg_cmp(const void *a, const void *b)
{
	const struct upg_pkg *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : strcmp(x->key_arch, y->key_arch);
}

static int upg_chunk_to_parser(void *arg, const char *data, size_t len)
{
	return apt_parser_feed(arg, data, len);
}

static int upg_read_status(struct upg_ctx *c)
{
	char path[4096];
	int r;
	if (!upg_pathf(path, sizeof(path), "%s/var/lib/dpkg/status", c->root))
		return err_set(-ENAMETOOLONG, "root '%s' is too long", c->root);
	struct apt_parser *p = apt_parser_new(upg_status_stanza, c, true);
	if (!p)
		return -ENOMEM;
	r = apt_read_file(path, upg_chunk_to_parser, p);
	if (r == 0)
		r = apt_parser_finish(p);
	apt_parser_free(p);
	if (c->error)
		return c->error;
	if (r < 0)
		return r == -ENOMEM ? r : err_set(r, "%s", err_msg(r));
	if (c->bad_stanzas)
		upg_warn(c, "%zu package(s) in '%s' left out: malformed or too many", c->bad_stanzas, path);
	c->bad_stanzas = 0;
	/* The native architecture is dpkg's own; "all" packages are filed under it. */
	for (size_t i = 0; i < c->npkgs && !c->native[0]; i++)
		if (strcmp(c->pkgs[i].name, "dpkg") == 0 && strcmp(c->pkgs[i].arch, "all") != 0)
			snprintf(c->native, sizeof(c->native), "%s", c->pkgs[i].arch);
	for (size_t i = 0; i < c->npkgs && !c->native[0]; i++)
		if (strcmp(c->pkgs[i].arch, "all") != 0)
			snprintf(c->native, sizeof(c->native), "%s", c->pkgs[i].arch);
	for (size_t i = 0; i < c->npkgs; i++)
		c->pkgs[i].key_arch = strcmp(c->pkgs[i].arch, "all") == 0 && c->native[0] ? c->native : c->pkgs[i].arch;
	qsort(c->pkgs, c->npkgs, sizeof(*c->pkgs), upg_pkg_cmp);
	/* The same package and architecture twice: keep the first. */
	size_t out = 0;
	for (size_t i = 0; i < c->npkgs; i++) {
		if (out > 0 && upg_pkg_cmp(&c->pkgs[out - 1], &c->pkgs[i]) == 0) {
			free(c->pkgs[i].name);
			free(c->pkgs[i].provides);
			free(c->pkgs[i].breaks);
			free(c->pkgs[i].conflicts);
			continue;
		}
		c->pkgs[out++] = c->pkgs[i];
	}
	c->npkgs = out;
	return 0;
}

/* The installed package name:arch, or NULL. */
static struct upg_pkg *upg_find(struct upg_ctx *c, const char *name, size_t nlen, const char *arch, size_t alen)
{
	size_t lo = 0, hi = c->npkgs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct upg_pkg *p = &c->pkgs[mid];
		int r = strncmp(p->name, name, nlen);
		if (r == 0 && p->name[nlen] != '\0')
			r = 1;
		if (r == 0) {
			r = strncmp(p->key_arch, arch, alen);
			if (r == 0 && p->key_arch[alen] != '\0')
				r = 1;
		}
		if (r == 0)
			return p;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The first installed package called name (any architecture), or NULL. */
static struct upg_pkg *upg_find_name(struct upg_ctx *c, const char *name, size_t nlen, size_t *ret_index)
{
	size_t lo = 0, hi = c->npkgs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strncmp(c->pkgs[mid].name, name, nlen);
		if (r == 0 && c->pkgs[mid].name[nlen] != '\0')
			r = 1;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->npkgs && strncmp(c->pkgs[lo].name, name, nlen) == 0 && c->pkgs[lo].name[nlen] == '\0') {
		*ret_index = lo;
		return &c->pkgs[lo];
	}
	return NULL;
}

/* --- versions the indexes offer --- */

static struct upg_ver *upg_version(struct upg_ctx *c, struct upg_pkg *p, const char *v, size_t vlen)
{
	for (size_t i = 0; i < p->nvers; i++)
		if (strncmp(p->vers[i].version, v, vlen) == 0 && p->vers[i].version[vlen] == '\0')
			return &p->vers[i];
	if (p->nvers >= WARD_APT_VERSIONS_MAX) {
		c->versions_dropped++;
		return NULL;
	}
	if (p->nvers == p->size) {
		size_t size = p->size ? p->size * 2 : 2;
		struct upg_ver *vers = realloc(p->vers, size * sizeof(*vers));
		if (!vers) {
			c->error = -ENOMEM;
			return NULL;
		}
		p->vers = vers;
		p->size = size;
	}
	struct upg_ver *nv = &p->vers[p->nvers];
	memset(nv, 0, sizeof(*nv));
	if (!(nv->version = upg_strndup(c, v, vlen)))
		return NULL;
	nv->prio = INT16_MIN;
	p->nvers++;
	return nv;
}

/* The parser's filter: a stanza for a package not installed is skipped unread. */
static bool upg_index_keep(void *arg, const char *name, size_t len)
{
	size_t idx;
	return upg_find_name(arg, name, len, &idx) != NULL;
}

static int upg_index_stanza(void *arg, const struct apt_stanza *st)
{
	struct upg_ctx *c = arg;
	const char *arch = st->value[APT_ARCHITECTURE];
	size_t alen = st->len[APT_ARCHITECTURE];
	if (st->bad || !st->len[APT_PACKAGE] || !st->len[APT_VERSION] || !alen) {
		c->bad_stanzas++;
		return 0;
	}
	if (alen == 3 && memcmp(arch, "all", 3) == 0) {
		arch = c->native;
		alen = strlen(c->native);
	}
	struct upg_pkg *p = upg_find(c, st->value[APT_PACKAGE], st->len[APT_PACKAGE], arch, alen);
	if (!p)
		return 0;
	struct vercmp_version parsed;
	if (vercmp_parse(st->value[APT_VERSION], st->len[APT_VERSION], &parsed, NULL) < 0 ||
	    memchr(st->value[APT_VERSION], '\0', st->len[APT_VERSION])) {
		c->bad_stanzas++;
		return 0;
	}
	struct upg_ver *v = upg_version(c, p, st->value[APT_VERSION], st->len[APT_VERSION]);
	if (!v)
		return c->error;
	struct upg_file *f = &c->files[c->cur];
	if (v->nfiles < UPG_VER_FILES)
		v->files[v->nfiles++] = c->cur;
	if (f->priority > v->prio)
		v->prio = f->priority;
	v->security = v->security || f->security;
	if (!v->depends && !v->provides && !v->breaks && !v->conflicts && vercmp(v->version, p->installed) > 0) {
		/* What a newer version needs decides whether apt-get upgrade takes it. */
		size_t dl = st->len[APT_DEPENDS], pl = st->len[APT_PRE_DEPENDS];
		if (dl + pl > 0) {
			char *d = malloc(dl + 2 + pl + 1);
			size_t n = dl;
			if (!d)
				return c->error = -ENOMEM;
			memcpy(d, st->value[APT_DEPENDS], dl);
			if (dl && pl) {
				memcpy(d + n, ", ", 2);
				n += 2;
			}
			memcpy(d + n, st->value[APT_PRE_DEPENDS], pl);
			d[n + pl] = '\0';
			v->depends = d;
		}
		if (st->len[APT_PROVIDES] && !(v->provides = upg_strndup(c, st->value[APT_PROVIDES], st->len[APT_PROVIDES])))
			return c->error;
		if (st->len[APT_BREAKS] && !(v->breaks = upg_strndup(c, st->value[APT_BREAKS], st->len[APT_BREAKS])))
			return c->error;
		if (st->len[APT_CONFLICTS] &&
		    !(v->conflicts = upg_strndup(c, st->value[APT_CONFLICTS], st->len[APT_CONFLICTS])))
			return c->error;
	}
	return 0;
}

/* --- index files, their Release files and priorities --- */

/* Reads at most max bytes from the start of path. */
static int upg_read_head(const char *path, char *buf, size_t max, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	if (fd < 0)
		return -errno;
	while (len < max) {
		ssize_t n = read(fd, buf + len, max - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*ret_len = len;
	return 0;
}

/* apt's release pin language: "a=x,n=y,..." (all must hold), a bare version (a digit
 * first) or archive/codename, or empty (everything). */
static bool upg_release_match(const char *data, const struct upg_file *f)
{
	const char *p = data;
	if (!*data)
		return true;
	if (!strchr(data, '=')) {
		if (isdigit((unsigned char)data[0]))
			return apt_pattern_match(data, strlen(data), f->rel.version);
		return apt_pattern_match(data, strlen(data), f->rel.suite) ||
		       apt_pattern_match(data, strlen(data), f->rel.codename);
	}
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		const char *v = eq ? eq + 1 : p + n;
		size_t vn = (size_t)(p + n - v);
		while (vn > 0 && v[vn - 1] == ' ')
			vn--;
		while (n > 0 && *p == ' ')
			p++, n--;
		if (!eq || eq - p != 1)
			return false;
		const char *field;
		switch (*p) {
		case 'a': field = f->rel.suite; break;
		case 'n': field = f->rel.codename; break;
		case 'v': field = f->rel.version; break;
		case 'o': field = f->rel.origin; break;
		case 'l': field = f->rel.label; break;
		case 'c': field = f->component; break;
		case 'b': field = f->arch; break;
		default: return false;
		}
		if (!apt_pattern_match(v, vn, field))
			return false;
		p = end ? end + 1 : p + n;
	}
	return true;
}

static bool upg_pin_matches_file(const struct apt_pin *pin, const struct upg_file *f)
{
	if (pin->kind == APT_PIN_RELEASE)
		return upg_release_match(pin->data, f);
	if (pin->kind == APT_PIN_ORIGIN)
		return pin->data[0] && apt_pattern_match(pin->data, strlen(pin->data), f->site);
	return false;
}

static bool upg_is_security(const struct apt_release *rel)
{
	static const char *const ends[] = {"-security", "/updates"};
	const char *names[] = {rel->suite, rel->codename};
	for (size_t i = 0; i < 2; i++)
		for (size_t k = 0; k < 2; k++) {
			size_t n = strlen(names[i]), e = strlen(ends[k]);
			if (n > e && strcmp(names[i] + n - e, ends[k]) == 0)
				return true;
		}
	return strcmp(rel->label, "Debian-Security") == 0;
}

/* Finds the Release file of index name (its base name without "_Packages"): the
 * longest prefix of '_'-separated parts with a "_InRelease" or "_Release" beside it.
 * The parts after it are the component and "binary-ARCH". */
static void upg_file_setup(struct upg_ctx *c, const char *dir, struct upg_file *f, const char *base)
{
	char prefix[256], path[4400];
	char *head = malloc(WARD_APT_RELEASE_HEAD);
	size_t n = strlen(base);
	bool found = false;
	snprintf(prefix, sizeof(prefix), "%s", base);
	const char *us = strchr(base, '_');
	snprintf(f->site, sizeof(f->site), "%.*s", us ? (int)(us - base) : (int)n, base);
	for (int strip = 0; strip < 4 && !found; strip++) {
		for (const char *name = "_InRelease"; name; name = strcmp(name, "_InRelease") == 0 ? "_Release" : NULL) {
			size_t len = 0;
			if (head && upg_pathf(path, sizeof(path), "%s/%s%s", dir, prefix, name) &&
			    upg_read_head(path, head, WARD_APT_RELEASE_HEAD, &len) == 0) {
				apt_release_parse(head, len, &f->rel);
				found = true;
				break;
			}
		}
		if (found)
			break;
		char *cut = strrchr(prefix, '_');
		if (!cut)
			break;
		*cut = '\0';
	}
	free(head);
	if (!found)
		upg_warn(c, "no Release file for '%s' in '%s': its archive is unknown", f->name, dir);
	/* What followed the prefix: COMPONENT[_...]_binary-ARCH. */
	const char *rest = found && strlen(prefix) < n ? base + strlen(prefix) + 1 : "";
	const char *bin = strstr(rest, "binary-");
	if (bin) {
		snprintf(f->arch, sizeof(f->arch), "%s", bin + 7);
		snprintf(f->component, sizeof(f->component), "%.*s", bin > rest ? (int)(bin - rest - 1) : 0, rest);
		for (char *q = f->component; *q; q++)
			if (*q == '_')
				*q = '/';
	}
	f->security = upg_is_security(&f->rel);
	f->priority = 500;
	if (f->rel.not_automatic)
		f->priority = f->rel.but_automatic_upgrades ? 100 : 1;
	struct apt_pin dflt = {.kind = APT_PIN_RELEASE, .priority = 990, .generic = true};
	if (c->default_release[0]) {
		snprintf(dflt.data, sizeof(dflt.data), "%s", c->default_release);
		if (upg_pin_matches_file(&dflt, f)) {
			f->priority = 990;
			return;
		}
	}
	for (size_t i = 0; i < c->prefs.n; i++)
		if (c->prefs.pins[i].generic && upg_pin_matches_file(&c->prefs.pins[i], f)) {
			f->priority = c->prefs.pins[i].priority;
			return;
		}
}

static int upg_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir that pass keep(name); *ret NULL when dir is missing. */
static int upg_list_dir(const char *dir, bool (*keep)(const char *), size_t max, char ***ret, size_t *ret_n)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	*ret = NULL;
	*ret_n = 0;
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while ((e = readdir(d)) && n < max) {
		if (!keep(e->d_name))
			continue;
		char **more = realloc(names, (n + 1) * sizeof(*names));
		if (!more || !(more[n] = strdup(e->d_name))) {
			closedir(d);
			names = more ? more : names;
			for (size_t i = 0; i < n; i++)
				free(names[i]);
			free(names);
			return -ENOMEM;
		}
		names = more;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), upg_name_cmp);
	*ret = names;
	*ret_n = n;
	return 0;
}

static void upg_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Packages indexes, also those compressed in a way Ward does not read (apt_read_file
 * then says so in a warning rather than the index being passed over in silence). */
static bool upg_keep_packages(const char *name)
{
	const char *p = strstr(name, "_Packages.");
	return apt_index_name(name, "_Packages") ||
	       (p && (strcmp(p, "_Packages.xz") == 0 || strcmp(p, "_Packages.bz2") == 0 || strcmp(p, "_Packages.lzma") == 0));
}

/* apt reads preferences.d and apt.conf.d files whose names are made of letters,
 * digits, '_', '-' and '.', and for preferences.d with no extension or ".pref". */
static bool upg_keep_conf_name(const char *name)
{
	if (name[0] == '.')
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.", *p))
			return false;
	return true;
}

static bool upg_keep_prefs(const char *name)
{
	const char *dot = strrchr(name, '.');
	return upg_keep_conf_name(name) && (!dot || strcmp(dot, ".pref") == 0);
}

static bool upg_keep_conf(const char *name)
{
	return upg_keep_conf_name(name) && !strstr(name, ".dpkg-") && !strstr(name, ".ucf-");
}

static void upg_read_prefs_file(struct upg_ctx *c, const char *path)
{
	char *text;
	size_t len;
	int r = fs_read_file(path, WARD_APT_PREFS_MAX, &text, &len);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		upg_warn(c, "cannot read '%s': %s", path, err_msg(r));
		return;
	}
	size_t before = c->prefs.ignored;
	if (apt_prefs_parse(&c->prefs, text, len) < 0)
		c->error = -ENOMEM;
	if (c->prefs.ignored > before)
		upg_warn(c, "%zu stanza(s) of '%s' left out: not a pin Ward understands", c->prefs.ignored - before, path);
	free(text);
}

/* APT::Default-Release "X"; in apt.conf syntax, the flat form only. */
static void upg_scan_default_release(struct upg_ctx *c, const char *path)
{
	char *text;
	size_t len;
	if (fs_read_file(path, WARD_APT_PREFS_MAX, &text, &len) < 0)
		return;
	for (char *p = text; (p = strcasestr(p, "APT::Default-Release"));) {
		bool commented = false;
		for (char *q = p; q > text && q[-1] != '\n'; q--)
			if ((q[-1] == '/' && q - 1 > text && q[-2] == '/') || q[-1] == '#')
				commented = true;
		p += 20;
		char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (commented || *q != '"')
			continue;
		char *end = strchr(q + 1, '"');
		if (!end || end - q - 1 > WARD_APT_FIELD_MAX)
			continue;
		snprintf(c->default_release, sizeof(c->default_release), "%.*s", (int)(end - q - 1), q + 1);
	}
	free(text);
}

static int upg_read_config(struct upg_ctx *c)
{
	char path[4400], dir[4200];
	char **names;
	size_t n;
	int r;
	upg_pathf(path, sizeof(path), "%s/etc/apt/apt.conf", c->root);
	upg_scan_default_release(c, path);
	upg_pathf(dir, sizeof(dir), "%s/etc/apt/apt.conf.d", c->root);
	if ((r = upg_list_dir(dir, upg_keep_conf, 1000, &names, &n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		upg_pathf(path, sizeof(path), "%s/%s", dir, names[i]);
		upg_scan_default_release(c, path);
	}
	upg_free_names(names, n);
	upg_pathf(path, sizeof(path), "%s/etc/apt/preferences", c->root);
	upg_read_prefs_file(c, path);
	upg_pathf(dir, sizeof(dir), "%s/etc/apt/preferences.d", c->root);
	if ((r = upg_list_dir(dir, upg_keep_prefs, 1000, &names, &n)) < 0)
		return r;
	for (size_t i = 0; i < n && !c->error; i++) {
		upg_pathf(path, sizeof(path), "%s/%s", dir, names[i]);
		upg_read_prefs_file(c, path);
	}
	upg_free_names(names, n);
	return c->error;
}

static int upg_read_indexes(struct upg_ctx *c)
{
	char dir[4200], path[4400];
	char **names;
	size_t n;
	upg_pathf(dir, sizeof(dir), "%s/var/lib/apt/lists", c->root);
	int r = upg_list_dir(dir, upg_keep_packages, WARD_APT_LISTS_MAX, &names, &n);
	if (r < 0) {
		upg_warn(c, "cannot list '%s': %s", dir, strerror(-r));
		return r == -ENOMEM ? r : 0;
	}
	if (!(c->files = calloc(n ? n : 1, sizeof(*c->files)))) {
		upg_free_names(names, n);
		return -ENOMEM;
	}
	struct apt_parser *p = apt_parser_new(upg_index_stanza, c, true);
	if (!p) {
		upg_free_names(names, n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !c->error; i++) {
		char base[256];
		const char *cut = strstr(names[i], "_Packages");
		snprintf(base, sizeof(base), "%.*s", (int)(cut - names[i]), names[i]);
		/* One index per base name: a stale X_Packages beside X_Packages.lz4 is not read twice. */
		bool dup = false;
		for (size_t k = 0; k < c->nfiles && !dup; k++)
			dup = strncmp(c->files[k].name, names[i], strlen(base) + 9) == 0;
		if (dup)
			continue;
		struct upg_file *f = &c->files[c->nfiles];
		snprintf(f->name, sizeof(f->name), "%s", names[i]);
		upg_file_setup(c, dir, f, base);
		c->cur = (uint16_t)c->nfiles++;
		upg_pathf(path, sizeof(path), "%s/%s", dir, names[i]);
		c->bad_stanzas = 0;
		apt_parser_free(p);
		if (!(p = apt_parser_new(upg_index_stanza, c, true))) {
			r = -ENOMEM;
			break;
		}
		apt_parser_set_filter(p, upg_index_keep);
		r = apt_read_file(path, upg_chunk_to_parser, p);
		if (r == 0)
			r = apt_parser_finish(p);
		if (c->error)
			break;
		if (r < 0)
			upg_warn(c, "%s", err_msg(r));
		if (c->bad_stanzas)
			upg_warn(c, "%zu stanza(s) of '%s' left out: malformed", c->bad_stanzas, path);
		r = 0;
	}
	apt_parser_free(p);
	upg_free_names(names, n);
	if (c->versions_dropped)
		upg_warn(c, "%zu version(s) left out: more than %d for one package", c->versions_dropped,
			 WARD_APT_VERSIONS_MAX);
	return c->error ? c->error : r;
}

/* --- the policy --- */

/* Whether a package pin's Package line names this package. */
static bool upg_pin_names(const struct apt_pin *pin, const char *name)
{
	const char *p = pin->packages;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, " \t");
		if (n && apt_pattern_match(p, n, name))
			return true;
		p += n;
	}
	return false;
}

static int upg_priority(const struct upg_ctx *c, const struct upg_pkg *p, const struct upg_ver *v)
{
	for (size_t i = 0; i < c->prefs.n; i++) {
		const struct apt_pin *pin = &c->prefs.pins[i];
		if (pin->generic || !upg_pin_names(pin, p->name))
			continue;
		bool m = false;
		if (pin->kind == APT_PIN_VERSION)
			m = apt_pattern_match(pin->data, strlen(pin->data), v->version);
		else if (pin->kind == APT_PIN_ORIGIN && !pin->data[0])
			m = v->installed; /* origin "": the local status file */
		for (uint8_t k = 0; k < v->nfiles && !m; k++)
			m = upg_pin_matches_file(pin, &c->files[v->files[k]]);
		if (m)
			return pin->priority;
	}
	int prio = v->prio;
	if (v->installed && prio < UPG_STATUS_PRIORITY)
		prio = UPG_STATUS_PRIORITY;
	return prio;
}

static int upg_ver_desc(const void *a, const void *b)
{
	return vercmp(((const struct upg_ver *)b)->version, ((const struct upg_ver *)a)->version);
}

/* apt's pkgPolicy::GetCandidateVer: from the newest version down, a version wins when
 * its priority is not 0 and higher than the best so far; a version older than the
 * installed one only with a priority of 1000 or more (a downgrade). A package no
 * index offers keeps its installed version. */
static int upg_candidate(struct upg_ctx *c, struct upg_pkg *p)
{
	int best = -1, cand = -1;
	p->cand = -1;
	if (p->nvers == 0)
		return 0;
	struct upg_ver *iv = upg_version(c, p, p->installed, strlen(p->installed));
	if (!iv)
		return c->error ? c->error : 0;
	iv->installed = true;
	qsort(p->vers, p->nvers, sizeof(*p->vers), upg_ver_desc);
	for (size_t i = 0; i < p->nvers; i++) {
		int prio = upg_priority(c, p, &p->vers[i]);
		if (prio == 0 || prio <= best)
			continue;
		if (prio < 1000 && vercmp(p->vers[i].version, p->installed) < 0)
			continue;
		best = prio;
		cand = (int)i;
	}
	p->cand = cand;
	return 0;
}

static bool upg_upgrading(const struct upg_pkg *p)
{
	return p->cand >= 0 && !p->vers[p->cand].installed && p->held == UPG_HELD_NONE;
}

/* The version a package will have after the upgrade. */
static const struct upg_ver *upg_future(const struct upg_pkg *p)
{
	return upg_upgrading(p) ? &p->vers[p->cand] : NULL;
}

/* Whether version v (NULL: none given) satisfies "op want". */
static bool upg_rel_ok(const char *v, size_t vlen, const char *op, size_t oplen, const char *want, size_t wlen)
{
	if (!oplen)
		return true;
	if (!v)
		return false;
	int r = vercmp_n(v, vlen, want, wlen);
	if (oplen == 2 && op[0] == '<' && op[1] == '<')
		return r < 0;
	if (oplen == 2 && op[0] == '>' && op[1] == '>')
		return r > 0;
	if ((oplen == 2 && op[0] == '<' && op[1] == '=') || (oplen == 1 && op[0] == '<'))
		return r <= 0;
	if ((oplen == 2 && op[0] == '>' && op[1] == '=') || (oplen == 1 && op[0] == '>'))
		return r >= 0;
	return r == 0;
}

/* Whether a Provides list offers name (with a version satisfying op want). */
static bool upg_provides(const char *prov, const char *name, size_t nlen, const char *op, size_t oplen,
			 const char *want, size_t wlen)
{
	const char *p = prov;
	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t n = strcspn(p, " ,(:");
		const char *q = p + n, *end = p + strcspn(p, ",");
		if (n == nlen && memcmp(p, name, nlen) == 0) {
			const char *ver = NULL;
			size_t vlen = 0;
			const char *eq = memchr(q, '=', (size_t)(end - q));
			if (eq) {
				ver = eq + 1;
				while (*ver == ' ')
					ver++;
				vlen = strcspn(ver, " )");
			}
			if (upg_rel_ok(ver, vlen, op, oplen, want, wlen))
				return true;
		}
		p = end;
	}
	return false;
}

/* One relation, "name[:qualifier] [(op version)] [arch restrictions]". */
struct upg_rel {
	const char *name, *op, *want;
	size_t nlen, oplen, wlen; /* oplen 0: any version */
};

static void upg_rel_parse(const char *s, size_t n, struct upg_rel *r)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	memset(r, 0, sizeof(*r));
	r->name = s;
	while (r->nlen < n && !strchr(" \t(:[<", s[r->nlen]))
		r->nlen++;
	const char *paren = memchr(s, '(', n), *e = s + n;
	if (!paren)
		return;
	r->op = paren + 1;
	while (r->op < e && *r->op == ' ')
		r->op++;
	while (r->op + r->oplen < e && strchr("<>=", r->op[r->oplen]))
		r->oplen++;
	r->want = r->op + r->oplen;
	while (r->want < e && *r->want == ' ')
		r->want++;
	while (r->want + r->wlen < e && !strchr(" )", r->want[r->wlen]))
		r->wlen++;
}

/* The version package i will have after the upgrade. */
static const char *upg_future_version(const struct upg_ctx *c, size_t i)
{
	const struct upg_ver *f = upg_future(&c->pkgs[i]);
	return f ? f->version : c->pkgs[i].installed;
}

/* Whether one alternative is satisfied after the upgrade. */
static bool upg_alt_ok(struct upg_ctx *c, const char *s, size_t n)
{
	struct upg_rel r;
	size_t idx;
	upg_rel_parse(s, n, &r);
	if (upg_find_name(c, r.name, r.nlen, &idx)) {
		for (size_t i = idx; i < c->npkgs && strncmp(c->pkgs[i].name, r.name, r.nlen) == 0 && !c->pkgs[i].name[r.nlen];
		     i++) {
			const char *v = upg_future_version(c, i);
			if (upg_rel_ok(v, strlen(v), r.op, r.oplen, r.want, r.wlen))
				return true;
		}
	}
	for (size_t i = 0; i < c->npkgs; i++) {
		const struct upg_ver *f = upg_future(&c->pkgs[i]);
		const char *prov = f ? f->provides : c->pkgs[i].provides;
		if (prov && upg_provides(prov, r.name, r.nlen, r.op, r.oplen, r.want, r.wlen))
			return true;
	}
	return false;
}

/* Whether a Breaks or Conflicts list names package `name` at a version it rejects. */
static bool upg_rejects(const char *list, const char *name, size_t nlen, const char *version)
{
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ",");
		struct upg_rel r;
		upg_rel_parse(p, n, &r);
		if (r.nlen == nlen && memcmp(r.name, name, nlen) == 0 &&
		    upg_rel_ok(version, strlen(version), r.op, r.oplen, r.want, r.wlen))
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/* Whether upgrading package pi breaks another one (the new version's Breaks or
 * Conflicts reject the other's version after the upgrade), or another one's rejects
 * the new version: apt-get upgrade would have to remove a package, so it keeps this
 * one back. Says who and why in p->conflict. */
static bool upg_conflicts(struct upg_ctx *c, size_t pi)
{
	struct upg_pkg *p = &c->pkgs[pi];
	const struct upg_ver *cand = &p->vers[p->cand];
	const char *fields[2] = {cand->breaks, cand->conflicts}, *labels[2] = {"Breaks", "Conflicts"};
	size_t plen = strlen(p->name);
	for (size_t i = 0; i < c->npkgs; i++) {
		const struct upg_pkg *q = &c->pkgs[i];
		if (i == pi || strcmp(q->name, p->name) == 0) /* a package never conflicts with itself */
			continue;
		const char *qv = upg_future_version(c, i);
		for (int k = 0; k < 2; k++)
			if (fields[k] && upg_rejects(fields[k], q->name, strlen(q->name), qv)) {
				snprintf(p->conflict, sizeof(p->conflict), "%s %s %s %s %s", p->name, cand->version, labels[k],
					 q->name, qv);
				return true;
			}
		const struct upg_ver *qf = upg_future(q);
		const char *theirs[2] = {qf ? qf->breaks : q->breaks, qf ? qf->conflicts : q->conflicts};
		for (int k = 0; k < 2; k++)
			if (theirs[k] && strstr(theirs[k], p->name) && upg_rejects(theirs[k], p->name, plen, cand->version)) {
				snprintf(p->conflict, sizeof(p->conflict), "%s %s %s %s %s", q->name, qv, labels[k], p->name,
					 cand->version);
				return true;
			}
	}
	return false;
}

/* The first dependency group of depends nothing satisfies, or NULL. */
static const char *upg_unmet(struct upg_ctx *c, const char *depends, size_t *ret_len)
{
	const char *p = depends;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		bool ok = false;
		const char *alt = p, *end = p + n;
		while (alt < end && !ok) {
			const char *bar = memchr(alt, '|', (size_t)(end - alt));
			size_t an = bar ? (size_t)(bar - alt) : (size_t)(end - alt);
			ok = upg_alt_ok(c, alt, an);
			alt = bar ? bar + 1 : end;
		}
		if (!ok) {
			while (*p == ' ')
				p++, n--;
			*ret_len = n;
			return p;
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/* apt-get upgrade installs no new package: a candidate that needs one is kept back,
 * and so, in turn, is what needs a kept-back version. */
static void upg_hold_back(struct upg_ctx *c)
{
	for (size_t i = 0; i < c->npkgs; i++)
		if (c->pkgs[i].cand >= 0 && !c->pkgs[i].vers[c->pkgs[i].cand].installed && c->pkgs[i].hold)
			c->pkgs[i].held = UPG_HELD_HOLD;
	for (int round = 0; round < UPG_HOLD_ROUNDS; round++) {
		bool changed = false;
		for (size_t i = 0; i < c->npkgs; i++) {
			struct upg_pkg *p = &c->pkgs[i];
			if (!upg_upgrading(p) || !p->vers[p->cand].depends)
				continue;
			size_t n;
			const char *unmet = upg_unmet(c, p->vers[p->cand].depends, &n);
			if (unmet) {
				p->held = UPG_HELD_NEW;
				p->needs = unmet;
				p->needs_len = n;
				changed = true;
			}
		}
		for (size_t i = 0; i < c->npkgs; i++)
			if (upg_upgrading(&c->pkgs[i]) && upg_conflicts(c, i)) {
				c->pkgs[i].held = UPG_HELD_CONFLICT;
				changed = true;
			}
		if (!changed)
			break;
	}
}

/* --- the result --- */

/* Where the installed version can be had again for a rollback: "archive" when an index
 * still offers it, "cache" when apt's cache holds its .deb, else null. */
static json_t *upg_rollback(const struct upg_ctx *c, const struct upg_pkg *p)
{
	char ver[256], rel[600], path[4200];
	size_t n = 0;
	struct stat st;
	for (size_t i = 0; i < p->nvers; i++)
		if (p->vers[i].installed && p->vers[i].nfiles > 0)
			return json_string("archive");
	/* apt names cached files NAME_VERSION_ARCH.deb, with the epoch's colon as %3a. */
	for (const char *v = p->installed; *v && n + 4 < sizeof(ver); v++) {
		if (*v == ':') {
			memcpy(ver + n, "%3a", 3);
			n += 3;
		} else {
			ver[n++] = *v;
		}
	}
	ver[n] = '\0';
	int w = snprintf(rel, sizeof(rel), "var/cache/apt/archives/%s_%s_%s.deb", p->name, ver, p->arch);
	if (w > 0 && (size_t)w < sizeof(rel) && fs_join(path, sizeof(path), c->root, rel) == 0 && stat(path, &st) == 0 &&
	    S_ISREG(st.st_mode))
		return json_string("cache");
	return json_null();
}

static json_t *upg_entry(const struct upg_ctx *c, const struct upg_pkg *p)
{
	const struct upg_ver *v = &p->vers[p->cand];
	json_t *archives = json_array();
	for (uint8_t k = 0; archives && k < v->nfiles; k++) {
		const struct apt_release *rel = &c->files[v->files[k]].rel;
		const char *a = rel->codename[0] ? rel->codename : rel->suite;
		bool seen = false;
		size_t i;
		json_t *x;
		json_array_foreach(archives, i, x) seen = seen || strcmp(json_string_value(x), a) == 0;
		if (!seen && a[0])
			json_array_append_new(archives, json_string(a));
	}
	json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "name", p->name, "architecture", p->arch, "installed",
			      p->installed, "candidate", v->version, "security", v->security, "archives",
			      archives ? archives : json_array());
	if (e)
		json_object_set_new(e, "rollback", upg_rollback(c, p));
	if (e && p->held == UPG_HELD_HOLD)
		json_object_set_new(e, "reason", json_string("hold"));
	if (e && p->held == UPG_HELD_CONFLICT) {
		json_object_set_new(e, "reason", json_string("conflicts"));
		json_object_set_new(e, "breaks", json_pack("[s]", p->conflict));
	}
	if (e && p->held == UPG_HELD_NEW) {
		json_object_set_new(e, "reason", json_string("new-packages"));
		json_object_set_new(e, "needs", json_pack("[s%]", p->needs, p->needs_len));
	}
	return e;
}

static json_t *upg_result(struct upg_ctx *c)
{
	json_t *ups = json_array(), *held = json_array(), *sources = json_array();
	json_int_t security = 0;
	for (size_t i = 0; ups && held && i < c->npkgs; i++) {
		struct upg_pkg *p = &c->pkgs[i];
		if (p->cand < 0 || p->vers[p->cand].installed)
			continue;
		json_t *e = upg_entry(c, p);
		if (!e)
			break;
		if (p->held != UPG_HELD_NONE) {
			json_array_append_new(held, e);
		} else {
			security += p->vers[p->cand].security;
			json_array_append_new(ups, e);
		}
	}
	for (size_t i = 0; sources && i < c->nfiles; i++) {
		const struct upg_file *f = &c->files[i];
		json_array_append_new(sources, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:b}", "file", f->name, "origin",
							 f->rel.origin, "label", f->rel.label, "suite", f->rel.suite,
							 "codename", f->rel.codename, "priority", f->priority,
							 "security", f->security));
	}
	if (!ups || !held || !sources) {
		json_decref(ups);
		json_decref(held);
		json_decref(sources);
		return NULL;
	}
	return json_pack("{s:o, s:o, s:{s:I, s:I, s:I}, s:s, s:o}", "upgrades", ups, "held", held, "counts", "upgrades",
			 (json_int_t)json_array_size(ups), "security", security, "held", (json_int_t)json_array_size(held),
			 "native_architecture", c->native, "sources", sources);
}

static void upg_release(struct upg_ctx *c)
{
	for (size_t i = 0; i < c->npkgs; i++) {
		struct upg_pkg *p = &c->pkgs[i];
		for (size_t k = 0; k < p->nvers; k++) {
			free(p->vers[k].version);
			free(p->vers[k].depends);
			free(p->vers[k].provides);
			free(p->vers[k].breaks);
			free(p->vers[k].conflicts);
		}
		free(p->vers);
		free(p->name);
		free(p->provides);
		free(p->breaks);
		free(p->conflicts);
	}
	free(c->pkgs);
	free(c->files);
	apt_prefs_release(&c->prefs);
}

int upgrades_compute(const char *root, json_t *warnings, json_t **ret)
{
	struct upg_ctx c = {.root = strcmp(root, "/") == 0 ? "" : root, .warnings = warnings};
	int r;
	if ((r = upg_read_status(&c)) < 0 || (r = upg_read_config(&c)) < 0)
		goto out;
	if ((r = upg_read_indexes(&c)) < 0)
		goto out;
	for (size_t i = 0; i < c.npkgs && r == 0; i++)
		r = upg_candidate(&c, &c.pkgs[i]);
	if (r < 0)
		goto out;
	upg_hold_back(&c);
	if (c.unwarned)
		upg_warn(&c, "%zu more warning(s) not shown", c.unwarned);
	json_t *res = upg_result(&c);
	r = res ? 0 : -ENOMEM;
	if (res)
		*ret = res;
out:
	upg_release(&c);
	return r;
}

/* --- the fingerprint --- */

struct upg_fp {
	char *text; /* "path ino size mtime ctime" lines */
	size_t len, size;
	int error;
};

static void upg_fp_add(struct upg_fp *fp, const char *path)
{
	struct stat st;
	char line[4400];
	int n;
	if (stat(path, &st) < 0)
		n = snprintf(line, sizeof(line), "%s -\n", path);
	else
		n = snprintf(line, sizeof(line), "%s %llu %lld %lld.%09ld %lld.%09ld\n", path, (unsigned long long)st.st_ino,
			     (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			     (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
	if (n < 0 || (size_t)n >= sizeof(line) || fp->error)
		return;
	if (fp->len + (size_t)n > fp->size) {
		size_t size = (fp->size ? fp->size * 2 : 8192) + (size_t)n;
		char *t = realloc(fp->text, size);
		if (!t) {
			fp->error = -ENOMEM;
			return;
		}
		fp->text = t;
		fp->size = size;
	}
	memcpy(fp->text + fp->len, line, (size_t)n);
	fp->len += (size_t)n;
}

static bool upg_keep_any(const char *name)
{
	return name[0] != '.' && strcmp(name, "lock") != 0;
}

static void upg_fp_dir(struct upg_fp *fp, const char *dir, bool (*keep)(const char *), size_t max)
{
	char **names, path[4400];
	size_t n;
	upg_fp_add(fp, dir);
	int r = upg_list_dir(dir, keep, max, &names, &n);
	if (r == -ENOMEM)
		fp->error = r;
	if (r < 0)
		return; /* an unreadable directory: its own line above still says what it is */
	for (size_t i = 0; i < n; i++)
		if (upg_pathf(path, sizeof(path), "%s/%s", dir, names[i]))
			upg_fp_add(fp, path);
	upg_free_names(names, n);
}

int upgrades_fingerprint(const char *root, char ret_hex[65])
{
	struct upg_fp fp = {0};
	char path[4400];
	unsigned char digest[32];
	const char *r = strcmp(root, "/") == 0 ? "" : root;
	/* and of the answer's shape: "rollback" came in with upgrade runs, so a cached
	 * answer without it is computed again */
	upg_fp_add(&fp, "ward " WARD_VERSION " rollback");
	if (upg_pathf(path, sizeof(path), "%s/var/lib/dpkg/status", r))
		upg_fp_add(&fp, path);
	if (upg_pathf(path, sizeof(path), "%s/var/lib/apt/lists", r))
		upg_fp_dir(&fp, path, upg_keep_any, WARD_APT_LISTS_MAX * 4);
	if (upg_pathf(path, sizeof(path), "%s/etc/apt/preferences", r))
		upg_fp_add(&fp, path);
	if (upg_pathf(path, sizeof(path), "%s/etc/apt/preferences.d", r))
		upg_fp_dir(&fp, path, upg_keep_prefs, 1000);
	if (upg_pathf(path, sizeof(path), "%s/etc/apt/apt.conf", r))
		upg_fp_add(&fp, path);
	if (upg_pathf(path, sizeof(path), "%s/etc/apt/apt.conf.d", r))
		upg_fp_dir(&fp, path, upg_keep_conf, 1000);
	int e = fp.error;
	if (e == 0) {
		/* libsodium's SHA-256, as the agent's digests: OpenSSL's would set up its
		 * providers in an agent that otherwise never needs them (half a MiB). */
		crypto_hash_sha256(digest, (const unsigned char *)fp.text, fp.len);
		crypto_hex(digest, 32, ret_hex);
	}
	free(fp.text);
	return e;
}
