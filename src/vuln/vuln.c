/*
 * vuln.c: importing feeds into the store in one transaction, and matching machines
 * (this one, or the fleet's stored inventories) against what was imported.
 */
#include "vuln/vuln.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "actlog/actlog.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/timeutil.h"
#include "hosts/hosts.h"
#include "hosts/hosts_store.h"
#include "software/vercmp.h"
#include "vuln/vuln_store.h"

#define VULN_READ_CHUNK (1024 * 1024) /* bytes read from the tracker's file at a time */
#define VULN_DIR_DEPTH 8	      /* directory levels searched for OSV files */

/* --- import --- */

struct import {
	struct store *s;
	const char *feed;
	int64_t issues, entries;
	size_t skipped;
};

static int import_issue(void *arg, const struct vuln_issue *i)
{
	struct import *im = arg;
	bool added = false;
	int r = vuln_store_issue_put(im->s, im->feed, i, &added);
	im->issues += added;
	return r;
}

static int import_entry(void *arg, const struct vuln_entry *e)
{
	struct import *im = arg;
	im->entries++;
	return vuln_store_entry_put(im->s, im->feed, e);
}

/* The first member's key of the JSON object in p, or "" when there is none to see. */
static void first_key(const char *p, size_t n, char *out, size_t size)
{
	size_t i = 0, k = 0;
	out[0] = '\0';
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r' || (unsigned char)p[i] >= 0x80))
		i++;
	if (i >= n || p[i] != '{')
		return;
	for (i++; i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'); i++)
		;
	if (i >= n || p[i] != '"')
		return;
	for (i++; i < n && p[i] != '"' && k + 1 < size; i++)
		out[k++] = p[i];
	out[k] = '\0';
}

/* "tracker" or "osv" from a file's first bytes. */
static const char *sniff(const char *p, size_t n)
{
	static const char *const osv_fields[] = {"id",	       "schema_version", "modified",	     "published",
						 "withdrawn",  "aliases",	 "upstream",	     "related",
						 "summary",    "details",	 "severity",	     "affected",
						 "references", "credits",	 "database_specific"};
	char key[64];
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	if (i < n && p[i] == '[')
		return "osv";
	first_key(p, n, key, sizeof(key));
	for (size_t k = 0; k < sizeof(osv_fields) / sizeof(osv_fields[0]); k++)
		if (strcmp(key, osv_fields[k]) == 0)
			return "osv";
	return "tracker";
}

static int import_tracker_fd(struct import *im, int fd, const char *first, size_t first_len)
{
	struct vuln_sink sink = {import_issue, import_entry, im};
	struct vuln_tracker *t = vuln_tracker_new(&sink);
	char *buf = malloc(VULN_READ_CHUNK);
	int r = 0;
	if (!t || !buf) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = vuln_tracker_feed(t, first, first_len)) < 0)
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, VULN_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_set(-errno, "read error: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((r = vuln_tracker_feed(t, buf, (size_t)n)) < 0)
			goto out;
	}
	r = vuln_tracker_finish(t);
out:
	vuln_tracker_free(t);
	free(buf);
	return r;
}

static int import_osv_file(struct import *im, const char *path, const char *name)
{
	struct vuln_sink sink = {import_issue, import_entry, im};
	char *data = NULL;
	size_t len;
	int r = fs_read_file(path, WARD_VULN_OSV_FILE_MAX, &data, &len);
	if (r < 0)
		return err_set(r, "cannot read '%s': %s", name, r == -E2BIG ? "larger than the limit" : strerror(-r));
	r = vuln_osv_parse(data, len, &sink, &im->skipped);
	free(data);
	if (r < 0)
		return err_set(r, "cannot import '%s': %s", name, err_msg(r));
	return 0;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json below dir into *paths (sorted by the caller). */
static int osv_collect(const char *dir, int depth, char ***paths, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;
	if (!d)
		return err_set(-errno, "cannot open directory '%s': %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		char path[4096];
		struct stat st;
		size_t nl = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		if (fs_join(path, sizeof(path), dir, de->d_name) < 0 || stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < VULN_DIR_DEPTH) {
			if ((r = osv_collect(path, depth + 1, paths, n, cap)) < 0)
				break;
			continue;
		}
		if (!S_ISREG(st.st_mode) || nl < 6 || strcmp(de->d_name + nl - 5, ".json") != 0)
			continue;
		if (*n >= WARD_VULN_OSV_FILES_MAX) {
			r = err_set(-E2BIG, "more than %d OSV files below '%s'", WARD_VULN_OSV_FILES_MAX, dir);
			break;
		}
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 256;
			char **p = realloc(*paths, c * sizeof(*p));
			if (!p) {
				r = -ENOMEM;
				break;
			}
			*paths = p;
			*cap = c;
		}
		if (!((*paths)[*n] = strdup(path))) {
			r = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	return r;
}

static int import_osv_dir(struct import *im, const char *dir)
{
	char **paths = NULL;
	size_t n = 0, cap = 0;
	int r = osv_collect(dir, 0, &paths, &n, &cap);
	if (r == 0 && n == 0)
		r = err_set(-ENOENT, "no .json files below '%s'", dir);
	if (r == 0)
		qsort(paths, n, sizeof(*paths), path_cmp);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = import_osv_file(im, paths[i], paths[i]);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return r;
}

int vuln_import_origin(struct store *s, const char *actor, const char *path, const char *origin, const char *format,
		       const char *feed, json_t **ret)
{
	struct import im = {.s = s};
	struct stat st;
	struct timespec t0, t1;
	char first[4096];
	size_t first_len = 0;
	int fd = -1, r;
	const char *name = origin ? origin : path; /* what messages call it */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (format && strcmp(format, "tracker") != 0 && strcmp(format, "osv") != 0)
		return err_set(-EINVAL, "unknown feed format '%s' (tracker or osv)", format);
	if (stat(path, &st) < 0)
		return err_set(-errno, "cannot import '%s': %s", name, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (format && strcmp(format, "osv") != 0)
			return err_set(-EISDIR,
				       "cannot import '%s': a directory holds OSV files, not the tracker's JSON", name);
		format = "osv";
	} else {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return err_set(-errno, "cannot import '%s': %s", name, strerror(errno));
		ssize_t n;
		while ((n = read(fd, first, sizeof(first))) < 0 && errno == EINTR)
			;
		if (n < 0) {
			r = err_set(-errno, "cannot import '%s': %s", name, strerror(errno));
			goto out;
		}
		first_len = (size_t)n;
		if (!format)
			format = sniff(first, first_len);
	}
	if (!feed)
		feed = strcmp(format, "osv") == 0 ? "osv" : "debian-tracker";
	if (!*feed || strlen(feed) > WARD_VULN_FIELD_MAX) {
		r = err_set(-EINVAL, "a feed name must have 1 to %d bytes", WARD_VULN_FIELD_MAX);
		goto out;
	}
	im.feed = feed;
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	r = vuln_store_feed_reset(s, feed, format, origin ? origin : path, time_now());
	if (r == 0) {
		if (S_ISDIR(st.st_mode))
			r = import_osv_dir(&im, path);
		else if (strcmp(format, "osv") == 0)
			r = import_osv_file(&im, path, name);
		else if ((r = import_tracker_fd(&im, fd, first, first_len)) < 0)
			r = err_set(r, "cannot import '%s': %s; the previous data is kept", name, err_msg(r));
	}
	if (r == 0 && im.entries == 0 && im.issues == 0)
		r = err_set(-ENODATA,
			    "cannot import '%s': it holds no Debian or Ubuntu vulnerability; the previous data is "
			    "kept",
			    name);
	if (r == 0)
		r = vuln_store_feed_counts(s, feed, im.issues, im.entries);
	if (r == 0)
		r = actlog_appendf(s, actor, "vuln.import", feed, "{s:s, s:s, s:I, s:I}", "format", format, "origin",
				   origin ? origin : path, "issues", (json_int_t)im.issues, "entries", (json_int_t)im.entries);
	r = store_tx_end(s, r);
	if (r < 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ret && !(*ret = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f}", "feed", feed, "format", format, "issues",
				      (json_int_t)im.issues, "entries", (json_int_t)im.entries, "skipped",
				      (json_int_t)im.skipped, "seconds",
				      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9)))
		r = -ENOMEM;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

int vuln_import(struct store *s, const char *actor, const char *path, const char *format, const char *feed,
		json_t **ret)
{
	struct vuln_fetch_result fr;
	int r;
	if (!strstr(path, "://"))
		return vuln_import_origin(s, actor, path, NULL, format, feed, ret);
	if ((r = vuln_fetch(path, NULL, NULL, store_data_dir(), WARD_VULN_DOWNLOAD_MAX, &fr)) < 0)
		return r;
	r = vuln_import_origin(s, actor, fr.path, path, format, feed, ret);
	vuln_fetch_result_release(&fr);
	return r;
}

int vuln_feeds(struct store *s, json_t **ret)
{
	json_t *a = json_array();
	if (!a)
		return -ENOMEM;
	int r = vuln_store_feeds(s, a);
	if (r < 0) {
		json_decref(a);
		return r;
	}
	*ret = a;
	return 0;
}

int vuln_show(struct store *s, const char *cve, json_t **ret)
{
	json_t *obj = json_pack("{s:s}", "cve", cve), *entries = json_array();
	int r = obj && entries ? vuln_store_issue_get(s, cve, obj, entries) : -ENOMEM;
	if (r == 0 && json_object_set(obj, "entries", entries) < 0)
		r = -ENOMEM;
	json_decref(entries);
	if (r < 0) {
		json_decref(obj);
		return r;
	}
	*ret = obj;
	return 0;
}

/* --- an in-memory index of one release's entries --- */

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	char data[];
};

/* The JSON strings of an entry's finding, made when a fleet's index is loaded (else
 * the first time a finding needs them) and shared (by reference) by every finding of
 * every host matched with the index. */
struct vidx_json {
	json_t *cve, *urgency, *scope, *fixed, *nodsa_reason, *feed;
};

struct vidx_entry {
	const char *feed, *scope;
	struct vuln_entry e;
	struct vidx_json *j; /* NULL until made */
};

struct vidx {
	char r1[WARD_VULN_FIELD_MAX + 1], r2[WARD_VULN_FIELD_MAX + 1]; /* the releases it holds */
	struct vidx_entry *v;					       /* sorted by source, then cve */
	size_t n, cap;
	struct arena_block *blocks;
	json_t *status[VULN_END_OF_LIFE + 1]; /* the statuses' names, shared like vidx_json */
};

static const char *arena_dup(struct vidx *x, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	struct arena_block *b = x->blocks;
	if (!b || b->size - b->used < n) {
		size_t size = n > 1024 * 1024 ? n : 1024 * 1024;
		if (!(b = malloc(sizeof(*b) + size)))
			return NULL;
		b->next = x->blocks;
		b->used = 0;
		b->size = size;
		x->blocks = b;
	}
	char *p = b->data + b->used;
	memcpy(p, s, n);
	b->used += n;
	return p;
}

static void vidx_free(struct vidx *x)
{
	if (!x)
		return;
	while (x->blocks) {
		struct arena_block *b = x->blocks;
		x->blocks = b->next;
		free(b);
	}
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i].j) {
			json_t *const js[] = {x->v[i].j->cve,	      x->v[i].j->urgency,      x->v[i].j->scope,
					      x->v[i].j->fixed,	      x->v[i].j->nodsa_reason, x->v[i].j->feed};
			for (size_t k = 0; k < sizeof(js) / sizeof(js[0]); k++)
				json_decref(js[k]);
			free(x->v[i].j);
		}
	for (size_t i = 0; i < sizeof(x->status) / sizeof(x->status[0]); i++)
		json_decref(x->status[i]);
	free(x->v);
	free(x);
}

static int vidx_add(void *arg, const char *feed, const struct vuln_entry *e, const char *scope)
{
	struct vidx *x = arg;
	if (x->n == x->cap) {
		size_t c = x->cap ? x->cap * 2 : 4096;
		struct vidx_entry *v = realloc(x->v, c * sizeof(*v));
		if (!v)
			return -ENOMEM;
		x->v = v;
		x->cap = c;
	}
	struct vidx_entry *d = &x->v[x->n];
	d->j = NULL;
	const char *const *src[] = {&feed,	&scope,		 &e->release, &e->source,	 &e->cve,
				    &e->status, &e->introduced,	 &e->fixed,   &e->last_affected, &e->urgency,
				    &e->nodsa,	&e->nodsa_reason};
	const char **dst[] = {&d->feed,	    &d->scope,	       &d->e.release, &d->e.source,	   &d->e.cve,
			      &d->e.status, &d->e.introduced,  &d->e.fixed,   &d->e.last_affected, &d->e.urgency,
			      &d->e.nodsa,  &d->e.nodsa_reason};
	for (size_t k = 0; k < sizeof(src) / sizeof(src[0]); k++)
		if (*src[k] && !(*dst[k] = arena_dup(x, *src[k])))
			return -ENOMEM;
		else if (!*src[k])
			*dst[k] = NULL;
	x->n++;
	return 0;
}

static const struct vidx_json *entry_json(struct vidx_entry *d);
static json_t *status_json(struct vidx *x, enum vuln_status st);

/* Loads the entries of releases r1 and r2; shared: for matching several hosts (see
 * below). */
static int vidx_load(struct store *s, const char *r1, const char *r2, bool shared, struct vidx **ret)
{
	struct vidx *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	snprintf(x->r1, sizeof(x->r1), "%s", r1 ? r1 : "");
	snprintf(x->r2, sizeof(x->r2), "%s", r2 ? r2 : "");
	int r = r1 || r2 ? vuln_store_release_each(s, r1 ? r1 : r2, r2, vidx_add, x) : 0;
	/* for a fleet, the findings' shared strings are made now, together: made as hosts
	 * first need them, they would be strewn among the hosts' short-lived allocations,
	 * and the allocator then spends more time on a fragmented heap than the strings
	 * save. One host makes only those it needs. */
	for (size_t i = 0; shared && r == 0 && i < x->n; i++)
		if (!entry_json(&x->v[i]))
			r = -ENOMEM;
	for (int st = VULN_NOT_AFFECTED; r == 0 && st <= VULN_END_OF_LIFE; st++)
		if (!status_json(x, (enum vuln_status)st))
			r = -ENOMEM;
	if (r < 0) {
		vidx_free(x);
		return r;
	}
	*ret = x;
	return 0;
}

/* The first entry of source, or x->n. */
static size_t vidx_find(const struct vidx *x, const char *source)
{
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(x->v[mid].e.source, source) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* --- matching a machine --- */

/* How findings of one issue in several feeds (or OSV intervals) combine: the most
 * actionable wins. */
static int status_rank(enum vuln_status st)
{
	static const int rank[] = {[VULN_NOT_AFFECTED] = 0,
				   [VULN_WILL_NOT_FIX] = 1,
				   [VULN_UNFIXED] = 2,
				   [VULN_END_OF_LIFE] = 3,
				   [VULN_FIXED_AVAILABLE] = 4};
	return rank[st];
}

/* One installed binary package, its strings borrowed from the packages JSON. */
struct pkg_ref {
	const char *source, *version, *name;
};

static int pkg_cmp(const void *a, const void *b)
{
	const struct pkg_ref *x = a, *y = b;
	int c = strcmp(x->source, y->source);
	if (!c)
		c = strcmp(x->version, y->version);
	return c ? c : strcmp(x->name, y->name);
}

/* Whether an inventory item of these fields (NULL: missing, or not a string) is an
 * installed dpkg package, and if so its reference into *ret. */
static bool pkg_keep(const char *name, const char *src, const char *sver, const char *ver, const char *status,
		     const char *mgr, struct pkg_ref *ret)
{
	if (!name || (mgr && strcmp(mgr, "dpkg") != 0) || (status && strcmp(status, "installed") != 0))
		return false;
	if (!(ver = sver ? sver : ver))
		return false;
	*ret = (struct pkg_ref){src ? src : name, ver, name};
	return true;
}

/* The installed dpkg packages of the packages section (or its items array), sorted by
 * source, source version and name, into a new array (the caller frees). */
static int machine_packages(const json_t *packages, struct pkg_ref **ret, size_t *ret_n)
{
	const json_t *items = json_is_array(packages) ? packages : json_object_get(packages, "items");
	size_t i, n = 0;
	json_t *p;
	struct pkg_ref *v = malloc((json_array_size(items) + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	json_array_foreach(items, i, p)
	{
		n += pkg_keep(json_string_value(json_object_get(p, "name")), json_string_value(json_object_get(p, "source")),
			      json_string_value(json_object_get(p, "source_version")),
			      json_string_value(json_object_get(p, "version")),
			      json_string_value(json_object_get(p, "status")),
			      json_string_value(json_object_get(p, "manager")), &v[n]);
	}
	qsort(v, n, sizeof(*v), pkg_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

/*
 * The packages section's text read without building its JSON: what json_loads and
 * machine_packages would make of it, for the common text only. Parsing 3,000 items
 * into objects and freeing them was most of a host's matching time. The scanner
 * checks the whole text's syntax, and gives up (false: the caller parses it with
 * jansson, which decides) at anything whose meaning it does not reproduce exactly: a
 * backslash or a byte over 0x7f in a string, a control character, a number with an
 * exponent or of more than 15 characters (jansson's overflow errors), nesting deeper
 * than PKG_SCAN_DEPTH, or a top-level value that is not an object or array. Strings
 * are ended in place (the text is changed only when the scan succeeds).
 */
#define PKG_SCAN_DEPTH 32

enum { PF_NAME, PF_SOURCE, PF_SVER, PF_VERSION, PF_STATUS, PF_MANAGER, PF_N };

struct pkg_item {
	char *f[PF_N], *end[PF_N]; /* each field's string and its closing quote, or NULL */
};

struct pkg_scan {
	char *p;
	struct pkg_item *items; /* the items array's elements that are objects */
	size_t n, cap;
	bool bare; /* the text is the items array itself */
};

static void scan_ws(struct pkg_scan *sc)
{
	while (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' || *sc->p == '\r')
		sc->p++;
}

/* A string at sc->p: its first byte in *ret, its closing quote in *ret_end. */
static bool scan_string(struct pkg_scan *sc, char **ret, char **ret_end)
{
	char *q = sc->p;
	if (*q++ != '"')
		return false;
	*ret = q;
	for (; *q != '"'; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20 || (unsigned char)*q >= 0x80)
			return false; /* '\0' (the text's end) included */
	*ret_end = q;
	sc->p = q + 1;
	return true;
}

static bool scan_number(struct pkg_scan *sc)
{
	char *q = sc->p, *start = q;
	if (*q == '-')
		q++;
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (*q >= '0' && *q <= '9')
			q++;
	else
		return false;
	if (*q == '.') {
		if (!(*++q >= '0' && *q <= '9'))
			return false;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q == 'e' || *q == 'E' || q - start > 15)
		return false;
	sc->p = q;
	return true;
}

/* role: 0 any value, 1 the items array, 2 an element of it, 3 the top-level object */
static bool scan_value(struct pkg_scan *sc, int depth, int role)
{
	char *k, *kend, *v, *vend;
	if (depth > PKG_SCAN_DEPTH)
		return false;
	scan_ws(sc);
	switch (*sc->p) {
	case '"':
		return scan_string(sc, &v, &vend);
	case 't':
		return strncmp(sc->p, "true", 4) == 0 && (sc->p += 4);
	case 'f':
		return strncmp(sc->p, "false", 5) == 0 && (sc->p += 5);
	case 'n':
		return strncmp(sc->p, "null", 4) == 0 && (sc->p += 4);
	case '[':
		sc->p++;
		scan_ws(sc);
		if (*sc->p == ']')
			return sc->p++, true;
		for (;;) {
			scan_ws(sc);
			if (role == 1 && *sc->p == '{') {
				if (sc->n == sc->cap) {
					size_t c = sc->cap ? sc->cap * 2 : 1024;
					struct pkg_item *it = realloc(sc->items, c * sizeof(*it));
					if (!it)
						return false;
					sc->items = it;
					sc->cap = c;
				}
				sc->items[sc->n++] = (struct pkg_item){0};
			}
			if (!scan_value(sc, depth + 1, role == 1 ? 2 : 0))
				return false;
			scan_ws(sc);
			if (*sc->p == ']')
				return sc->p++, true;
			if (*sc->p++ != ',')
				return false;
		}
	case '{':
		sc->p++;
		scan_ws(sc);
		if (*sc->p == '}')
			return sc->p++, true;
		for (;;) {
			static const char *const names[PF_N] = {"name",    "source", "source_version",
								"version", "status", "manager"};
			int child = 0;
			scan_ws(sc);
			if (!scan_string(sc, &k, &kend))
				return false;
			scan_ws(sc);
			if (*sc->p++ != ':')
				return false;
			scan_ws(sc);
			if (role == 3 && (size_t)(kend - k) == 5 && memcmp(k, "items", 5) == 0) {
				sc->n = 0; /* a repeated member: the last one counts, as in jansson */
				child = 1;
			}
			if (role == 2) {
				struct pkg_item *it = &sc->items[sc->n - 1];
				int f = -1;
				for (int i = 0; i < PF_N && f < 0; i++)
					if ((size_t)(kend - k) == strlen(names[i]) && memcmp(k, names[i], kend - k) == 0)
						f = i;
				if (f >= 0) {
					if (*sc->p == '"') {
						if (!scan_string(sc, &v, &vend))
							return false;
						it->f[f] = v;
						it->end[f] = vend;
					} else {
						it->f[f] = it->end[f] = NULL; /* not a string: json_string_value's NULL */
						if (!scan_value(sc, depth + 1, 0))
							return false;
					}
					goto next;
				}
			}
			if (!scan_value(sc, depth + 1, child))
				return false;
		next:
			scan_ws(sc);
			if (*sc->p == '}')
				return sc->p++, true;
			if (*sc->p++ != ',')
				return false;
		}
	default:
		return scan_number(sc);
	}
}

/* The packages of a packages section's text, as machine_packages of its JSON; false
 * when the scanner gives up (nothing changed). */
static bool scan_packages(char *text, struct pkg_ref **ret, size_t *ret_n, int *ret_r)
{
	struct pkg_scan sc = {.p = text};
	struct pkg_ref *v = NULL;
	size_t n = 0;
	bool ok;
	*ret_r = 0;
	scan_ws(&sc);
	sc.bare = *sc.p == '[';
	ok = (*sc.p == '[' || *sc.p == '{') && scan_value(&sc, 1, sc.bare ? 1 : 3);
	if (ok) {
		scan_ws(&sc);
		ok = *sc.p == '\0';
	}
	if (ok && !(v = malloc((sc.n + 1) * sizeof(*v)))) {
		*ret_r = -ENOMEM;
		ok = false;
	}
	if (ok) {
		for (size_t i = 0; i < sc.n; i++)
			for (int f = 0; f < PF_N; f++)
				if (sc.items[i].end[f])
					*sc.items[i].end[f] = '\0';
		for (size_t i = 0; i < sc.n; i++) {
			char **f = sc.items[i].f;
			n += pkg_keep(f[PF_NAME], f[PF_SOURCE], f[PF_SVER], f[PF_VERSION], f[PF_STATUS], f[PF_MANAGER],
				      &v[n]);
		}
		qsort(v, n, sizeof(*v), pkg_cmp);
		*ret = v;
		*ret_n = n;
	}
	free(sc.items);
	return ok;
}

/* Whether an upgrade on hand brings one of the binaries p[0..n) to fixed or later.
 * cands is {binary: candidate} or NULL when the upgrades are not known. */
static json_t *upgrade_fixes(const json_t *cands, const struct pkg_ref *p, size_t n, const char *fixed)
{
	struct vercmp_version fx;
	if (!cands)
		return json_null();
	if (vercmp_parse(fixed, strlen(fixed), &fx, NULL) < 0)
		return json_false();
	for (size_t i = 0; i < n; i++) {
		const char *cand = json_string_value(json_object_get(cands, p[i].name));
		struct vercmp_version c;
		if (cand && vercmp_parse(cand, strlen(cand), &c, NULL) == 0 && vercmp_compare(&c, &fx) >= 0)
			return json_true();
	}
	return json_false();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string_nocheck(s) : json_null();
}

/* The shared JSON strings of d's finding (see vidx_json), NULL when out of memory. */
static const struct vidx_json *entry_json(struct vidx_entry *d)
{
	struct vidx_json *j = d->j;
	if (j)
		return j;
	if (!(j = calloc(1, sizeof(*j))))
		return NULL;
	j->cve = json_string_nocheck(d->e.cve);
	j->urgency = str_or_null(d->e.urgency);
	j->scope = str_or_null(d->scope);
	j->fixed = str_or_null(d->e.fixed);
	j->nodsa_reason = str_or_null(d->e.nodsa ? d->e.nodsa_reason : NULL);
	j->feed = json_string_nocheck(d->feed);
	if (!j->cve || !j->urgency || !j->scope || !j->fixed || !j->nodsa_reason || !j->feed) {
		json_t *const js[] = {j->cve, j->urgency, j->scope, j->fixed, j->nodsa_reason, j->feed};
		for (size_t k = 0; k < sizeof(js) / sizeof(js[0]); k++)
			json_decref(js[k]);
		free(j);
		return NULL;
	}
	return d->j = j;
}

/* The shared JSON string of a status's name, NULL when out of memory. */
static json_t *status_json(struct vidx *x, enum vuln_status st)
{
	if (!x->status[st])
		x->status[st] = json_string_nocheck(vuln_status_name(st));
	return x->status[st];
}

/*
 * The findings of one source at one version, whose binaries are p[0..n). A finding
 * holds its strings by reference: the index's (vidx_json) and this source's, so
 * building one costs an object, not a dozen strings. Nothing changes them (a caller
 * may add members to a finding, or drop it, but strings are not edited in place).
 */
static int match_source(struct vidx *x, const struct pkg_ref *p, size_t n, const json_t *cands, json_t *findings,
			int64_t counts[6])
{
	const char *name = p[0].source, *ver = p[0].version;
	struct vercmp_version parsed;
	json_t *bins = NULL, *jsrc = NULL, *jver = NULL;
	int r = 0;
	if (vercmp_parse(ver, strlen(ver), &parsed, NULL) < 0) {
		err_clear(); /* dpkg would not have installed it: nothing to say */
		return 0;
	}
	for (size_t i = vidx_find(x, name); i < x->n && strcmp(x->v[i].e.source, name) == 0;) {
		const char *cve = x->v[i].e.cve;
		struct vidx_entry *best = NULL;
		enum vuln_status best_st = VULN_NOT_AFFECTED;
		for (; i < x->n && strcmp(x->v[i].e.source, name) == 0 && strcmp(x->v[i].e.cve, cve) == 0; i++) {
			enum vuln_status st;
			if (vuln_match_entry(&x->v[i].e, ver, &st) < 0)
				continue; /* a version dpkg refuses in the feed: that entry says nothing */
			if (!best || status_rank(st) > status_rank(best_st)) {
				best = &x->v[i];
				best_st = st;
			}
		}
		err_clear();
		if (!best || best_st == VULN_NOT_AFFECTED)
			continue;
		counts[best_st]++;
		bool fa = best_st == VULN_FIXED_AVAILABLE;
		json_t *fixes = fa ? upgrade_fixes(cands, p, n, best->e.fixed) : json_null();
		counts[5] += json_is_true(fixes);
		if (!findings)
			continue; /* counting only */
		if (!bins) {
			if (!(bins = json_array()) || !(jsrc = json_string_nocheck(name)) ||
			    !(jver = json_string_nocheck(ver))) {
				r = -ENOMEM;
				break;
			}
			for (size_t k = 0; k < n; k++)
				if (k == 0 || strcmp(p[k].name, p[k - 1].name) != 0) /* one per architecture */
					json_array_append_new(bins, json_string_nocheck(p[k].name));
		}
		const struct vidx_json *j = entry_json(best);
		json_t *f = json_object(), *jst = status_json(x, best_st);
		if (!j || !jst || !f || json_array_append_new(findings, f) < 0) {
			r = -ENOMEM;
			break;
		}
		/* the strings come from the store and the inventory, already valid UTF-8 */
		json_object_set_nocheck(f, "source", jsrc);
		json_object_set_nocheck(f, "version", jver);
		json_object_set_nocheck(f, "binaries", bins);
		json_object_set_nocheck(f, "cve", j->cve);
		json_object_set_nocheck(f, "status", jst);
		json_object_set_nocheck(f, "urgency", j->urgency);
		json_object_set_nocheck(f, "scope", j->scope);
		json_object_set_nocheck(f, "fixed", fa ? j->fixed : json_null());
		json_object_set_nocheck(f, "nodsa_reason", j->nodsa_reason);
		json_object_set_nocheck(f, "feed", j->feed);
		json_object_set_new_nocheck(f, "upgrade_fixes", fixes);
	}
	json_decref(bins);
	json_decref(jsrc);
	json_decref(jver);
	return r;
}

/* Matches the packages section packages, or when it is NULL the packages p[0..n) (an
 * array match_with frees). */
static int match_with(struct vidx *x, const json_t *packages, struct pkg_ref *p, size_t n, const json_t *upgrades,
		      bool counts_only, json_t **ret)
{
	json_t *findings = counts_only ? NULL : json_array(), *res = NULL, *cands = NULL, *u;
	int64_t counts[6] = {0};
	size_t i;
	int r = findings || counts_only ? packages ? machine_packages(packages, &p, &n) : 0 : -ENOMEM;
	if (r < 0)
		goto out;
	if (upgrades) {
		if (!(cands = json_object())) {
			r = -ENOMEM;
			goto out;
		}
		json_array_foreach(json_object_get(upgrades, "upgrades"), i, u)
		{
			const char *name = json_string_value(json_object_get(u, "name"));
			json_t *cand = json_object_get(u, "candidate");
			if (name && json_is_string(cand))
				json_object_set(cands, name, cand);
		}
	}
	for (size_t a = 0, b; a < n && r == 0; a = b) {
		for (b = a + 1;
		     b < n && strcmp(p[b].source, p[a].source) == 0 && strcmp(p[b].version, p[a].version) == 0;)
			b++;
		r = match_source(x, p + a, b - a, cands, findings, counts);
	}
	if (r < 0)
		goto out;
	json_t *c = json_object();
	for (int st = VULN_FIXED_AVAILABLE; c && st <= VULN_END_OF_LIFE; st++)
		json_object_set_new(c, vuln_status_name((enum vuln_status)st), json_integer(counts[st]));
	if (c)
		json_object_set_new(c, "upgrade-fixes", json_integer(counts[5]));
	res = json_pack("{s:[s?s?], s:O?, s:o}", "release", x->r1[0] ? x->r1 : NULL, x->r2[0] ? x->r2 : NULL, "findings",
			findings, "counts", c);
	if (!res)
		r = -ENOMEM;
	else
		*ret = res;
out:
	free(p);
	json_decref(cands);
	json_decref(findings);
	return r;
}

static const char *os_field(const json_t *os, const char *k)
{
	const char *v = json_string_value(json_object_get(os, k));
	return v && *v ? v : NULL;
}

int vuln_match_machine(struct store *s, const json_t *packages, const json_t *os, const json_t *upgrades, json_t **ret)
{
	struct vidx *x = NULL;
	const char *codename = os_field(os, "codename"), *version = os_field(os, "version_id");
	if (!codename && !version)
		return err_set(-ENOENT, "the machine's os-release has neither VERSION_CODENAME nor VERSION_ID");
	int r = vidx_load(s, codename, version, false, &x);
	if (r == 0)
		r = match_with(x, packages, NULL, 0, upgrades, false, ret);
	vidx_free(x);
	return r;
}

/* --- the fleet --- */

#define FLEET_INDEXES 8 /* releases' indexes kept while matching the fleet */

struct fleet_host {
	int64_t id;
	char name[256];
};

struct fleet {
	struct fleet_host *v;
	size_t n, cap;
	const char *only; /* a host's name or uid, or NULL */
};

static int fleet_add(const struct host *h, void *arg)
{
	struct fleet *f = arg;
	if (f->only && strcmp(f->only, h->name) != 0 && strcmp(f->only, h->uid) != 0)
		return 0;
	if (f->n == f->cap) {
		size_t c = f->cap ? f->cap * 2 : 64;
		struct fleet_host *v = realloc(f->v, c * sizeof(*v));
		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = c;
	}
	f->v[f->n].id = h->id;
	snprintf(f->v[f->n].name, sizeof(f->v[f->n].name), "%s", h->name);
	f->n++;
	return 0;
}

static json_t *section(struct store *s, int64_t id, const char *name)
{
	char *text = NULL;
	json_t *v = NULL;
	if (hosts_store_section_get(s, id, name, &text) == 0 && text)
		v = json_loads(text, JSON_DECODE_ANY, NULL);
	free(text);
	if (json_is_null(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* A host's packages: scanned from the section's text (scan_packages), or when the
 * scanner gives up, parsed as JSON. 1 with the packages in *ret, which point into
 * *ret_text or *ret_json (the caller frees the three), 0 when the host has no
 * packages section to match (none, null, or not JSON), -ENOMEM. */
static int host_packages(struct store *s, int64_t id, struct pkg_ref **ret, size_t *ret_n, char **ret_text,
			 json_t **ret_json)
{
	char *text = NULL;
	json_t *v = NULL;
	int r;
	*ret_text = NULL;
	*ret_json = NULL;
	if (hosts_store_section_get(s, id, "packages", &text) < 0 || !text) {
		err_clear();
		free(text);
		return 0;
	}
	if (scan_packages(text, ret, ret_n, &r)) {
		*ret_text = text;
		return 1;
	}
	if (r == 0)
		v = json_loads(text, JSON_DECODE_ANY, NULL);
	free(text);
	if (r < 0 || !v || json_is_null(v)) {
		json_decref(v);
		return r;
	}
	if ((r = machine_packages(v, ret, ret_n)) < 0) {
		json_decref(v);
		return r;
	}
	*ret_json = v;
	return 1;
}

int vuln_match_fleet(struct store *s, const char *host, const char *distro_info_dir, int64_t now, bool counts_only,
		     int (*fn)(void *arg, json_t *result), void *arg)
{
	struct fleet f = {.only = host};
	struct vidx *idx[FLEET_INDEXES] = {0};
	size_t nidx = 0;
	int r = hosts_store_each(s, fleet_add, &f);
	if (r == 0 && host && f.n == 0)
		r = err_set(-ENOENT, "no host '%s'", host);
	for (size_t i = 0; r == 0 && i < f.n; i++) {
		struct pkg_ref *p = NULL;
		size_t n = 0;
		char *text = NULL;
		json_t *pkj = NULL, *sys = section(s, f.v[i].id, "system");
		json_t *up = section(s, f.v[i].id, "upgrades"), *os = json_object_get(sys, "os"), *res = NULL,
		       *eol = NULL;
		const char *cn = os_field(os, "codename"), *ver = os_field(os, "version_id");
		struct vidx *x = NULL;
		if (!cn && !ver)
			goto next;
		if ((r = host_packages(s, f.v[i].id, &p, &n, &text, &pkj)) <= 0)
			goto next;
		r = 0;
		for (size_t k = 0; k < nidx && !x; k++)
			if (strcmp(idx[k]->r1, cn ? cn : "") == 0 && strcmp(idx[k]->r2, ver ? ver : "") == 0)
				x = idx[k];
		if (!x) {
			if ((r = vidx_load(s, cn, ver, f.n > 1, &x)) < 0)
				goto next;
			if (nidx == FLEET_INDEXES) {
				vidx_free(idx[0]);
				memmove(idx, idx + 1, (FLEET_INDEXES - 1) * sizeof(*idx));
				nidx--;
			}
			idx[nidx++] = x;
		}
		r = match_with(x, NULL, p, n, up, counts_only, &res);
		p = NULL; /* match_with freed it */
		if (r < 0)
			goto next;
		if (distro_info_dir && vuln_eol(distro_info_dir, os_field(os, "id"), ver, cn, now, &eol) < 0)
			eol = NULL;
		err_clear();
		json_object_set_new(res, "host", json_string(f.v[i].name));
		json_object_set_new(res, "os", json_string(os_field(os, "pretty_name") ?: ""));
		json_object_set_new(res, "eol", eol ? eol : json_null());
		r = fn(arg, res);
		json_decref(res);
	next:
		free(p);
		free(text);
		json_decref(pkj);
		json_decref(sys);
		json_decref(up);
	}
	for (size_t k = 0; k < nidx; k++)
		vidx_free(idx[k]);
	free(f.v);
	return r;
}

void vuln_filter_findings(json_t *res, const char *cve, const char *urgency, const char *status)
{
	json_t *all = json_object_get(res, "findings"), *keep, *f;
	size_t i;
	if ((!cve && !urgency && !status) || !json_is_array(all))
		return;
	if (!(keep = json_array()))
		return;
	json_array_foreach(all, i, f)
	{
		const char *u = json_string_value(json_object_get(f, "urgency"));
		if (cve && strcmp(cve, json_string_value(json_object_get(f, "cve"))) != 0)
			continue;
		if (urgency && (!u || strncmp(u, urgency, strlen(urgency)) != 0))
			continue; /* "medium" also matches the tracker's "medium**" */
		if (status && strcmp(status, json_string_value(json_object_get(f, "status"))) != 0)
			continue;
		json_array_append(keep, f);
	}
	json_object_set_new(res, "findings", keep);
}
