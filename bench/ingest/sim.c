/*
 * bench/ingest/sim.c - a fleet of simulated Ward agents, for bench/ingest/run.sh.
 *
 *   sim enroll    --url URL --token TOKEN --hosts N --out CREDS [--conns C]
 *   sim first     --url URL --creds CREDS --template INV.json --packages P --out BODIES [--conns C]
 *   sim unchanged --url URL --bodies BODIES --duration S [--warmup S] [--conns C]
 *
 * enroll     POST /api/v1/agent/enroll N times with one token (made with --uses N);
 *            writes "index TAB hostname TAB host_id TAB credential" per host to CREDS.
 * first      builds each host's first report and POSTs it to /api/v1/agent/report: every
 *            section, with its digest (SHA-256 of the canonical JSON: jansson's
 *            JSON_COMPACT | JSON_SORT_KEYS, the same form the server checks). The small
 *            sections are the template's (`ward inventory --json` of a fixture tree),
 *            changed per host (hostname, uptime, hardware, disk usage, MAC and addresses,
 *            sockets, one more user); the packages section has P packages: a shared core
 *            (95 %), optional packages picked per host from a larger pool, 5 packages of
 *            the host's own, and versions that differ between hosts (patch level, a few
 *            backports). Every reply must be 200 with every section stored and none
 *            needed. Writes "credential TAB unchanged-report" per host to BODIES.
 * unchanged  POSTs the hosts' unchanged reports (digests only, "sections": {}) in a loop
 *            for --warmup then --duration seconds; every reply must be 200 with every
 *            section unchanged.
 *
 * Requests go over C keep-alive connections (one libcurl easy handle per thread, one
 * thread per connection), to 127.0.0.1 only (the URL must say so); with
 * --fresh-connections each request opens its own connection, as an agent does.
 * Results go to stdout as key=value lines; progress and errors go to stderr.
 * Reports are built inside the
 * timed phase, as agents would build them on their own machines; the time and CPU the
 * simulator spends building them is printed (gen_cpu_seconds), as is its whole CPU use
 * (sim_cpu_seconds), so that one can tell whether it was the bottleneck.
 *
 * Build: cc -O2 -pthread -o sim sim.c -lcurl -ljansson -lcrypto
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
#define MAX_ERRORS_KEPT 8

/* ------------------------------------------------------------ small helpers */

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("sim: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		die("out of memory");
	return p;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double process_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		die("out of memory");
	b->p = p;
	b->cap = cap;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = b->cap > b->len ? b->cap - b->len : 0;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("vsnprintf failed");
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		buf_reserve(b, (size_t)n);
	}
}

/* splitmix64: a fast, well-mixed, deterministic generator. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rnd(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ULL;
	return mix64(*state);
}

static unsigned rndn(uint64_t *state, unsigned n)
{
	return (unsigned)(rnd(state) % n);
}

static uint64_t hash2(uint64_t a, uint64_t b)
{
	return mix64(mix64(a) ^ (b * 0xff51afd7ed558ccdULL));
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char d[32];
	unsigned int dl = 0;
	if (!EVP_Digest(data, len, d, &dl, EVP_sha256(), NULL) || dl != 32)
		die("SHA-256 failed");
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static char *canonical(const json_t *v)
{
	char *s = json_dumps(v, CANON_FLAGS);
	if (!s)
		die("json_dumps failed");
	return s;
}

static void iso_time(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ------------------------------------------------------------- HTTP client */

static char g_url[512];
static int g_conns = 8;
static bool g_fresh; /* a new connection for every request (--fresh-connections) */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_errors[MAX_ERRORS_KEPT][700];
static int g_nerrors;
static long g_error_total;

static void note_error(const char *fmt, ...)
{
	char msg[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	pthread_mutex_lock(&g_lock);
	g_error_total++;
	bool seen = false;
	for (int i = 0; i < g_nerrors && !seen; i++)
		seen = strcmp(g_errors[i], msg) == 0;
	if (!seen && g_nerrors < MAX_ERRORS_KEPT)
		snprintf(g_errors[g_nerrors++], sizeof(g_errors[0]), "%s", msg);
	pthread_mutex_unlock(&g_lock);
}

static void print_errors(const char *phase)
{
	printf("%s_errors=%ld\n", phase, g_error_total);
	for (int i = 0; i < g_nerrors; i++)
		printf("%s_error=%s\n", phase, g_errors[i]);
	g_nerrors = 0;
	g_error_total = 0;
}

struct worker {
	pthread_t thread;
	int id;
	CURL *curl;
	struct buf resp;
	char errbuf[CURL_ERROR_SIZE];
	/* results */
	long ok;
	long status[600]; /* by HTTP status; 0 = no answer (transport error) */
	uint32_t *lat_us;
	size_t nlat, caplat;
	double gen_cpu;
	uint64_t bytes_sent;
	double last_done;
	bool counting;    /* count this request's status and bytes (not warm-up) */
	double cpu_start; /* thread CPU at the start of the measured part, or -1 */
	double cpu;       /* thread CPU over the measured part */
};

static size_t on_write(char *data, size_t size, size_t n, void *arg)
{
	struct worker *w = arg;
	buf_add(&w->resp, data, size * n);
	return size * n;
}

static void worker_init(struct worker *w, int id)
{
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->counting = true;
	w->cpu_start = -1;
	w->curl = curl_easy_init();
	if (!w->curl)
		die("curl_easy_init failed");
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(w->curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, w->errbuf);
	curl_easy_setopt(w->curl, CURLOPT_POST, 1L);
	if (g_fresh)
		curl_easy_setopt(w->curl, CURLOPT_FORBID_REUSE, 1L);
}

static void record_latency(struct worker *w, double seconds)
{
	if (w->nlat == w->caplat) {
		w->caplat = w->caplat ? 2 * w->caplat : 4096;
		w->lat_us = realloc(w->lat_us, w->caplat * sizeof(*w->lat_us));
		if (!w->lat_us)
			die("out of memory");
	}
	double us = seconds * 1e6;
	w->lat_us[w->nlat++] = us > 4e9 ? 4000000000u : (uint32_t)us;
}

/* POSTs body to g_url + path; returns the HTTP status (0 when there was no answer), the
 * reply in w->resp, and the time the request took. */
static long post(struct worker *w, const char *path, const char *auth, const char *body, size_t len,
		 double *ret_seconds)
{
	char url[700], authz[300];
	struct curl_slist *h = NULL;
	long status = 0;
	snprintf(url, sizeof(url), "%s%s", g_url, path);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	if (auth) {
		snprintf(authz, sizeof(authz), "Authorization: Bearer %s", auth);
		h = curl_slist_append(h, authz);
	}
	if (!h)
		die("out of memory");
	w->resp.len = 0;
	if (w->resp.p)
		w->resp.p[0] = '\0';
	w->errbuf[0] = '\0';
	curl_easy_setopt(w->curl, CURLOPT_URL, url);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	double t0 = now_s();
	CURLcode rc = curl_easy_perform(w->curl);
	*ret_seconds = now_s() - t0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	else
		note_error("%s: no answer: %s", path, w->errbuf[0] ? w->errbuf : curl_easy_strerror(rc));
	curl_slist_free_all(h);
	if (w->counting) {
		w->bytes_sent += len;
		if (status >= 0 && status < 600)
			w->status[status]++;
	}
	return status;
}

/* The server's error message from a reply body, for the report. */
static void note_bad_status(struct worker *w, const char *what, long status)
{
	if (status == 0)
		return; /* already noted */
	json_t *j = json_loads(w->resp.p ? w->resp.p : "", 0, NULL);
	const char *e = json_string_value(json_object_get(j, "error"));
	note_error("%s: HTTP %ld: %s", what, status, e ? e : (w->resp.p ? w->resp.p : "(empty body)"));
	json_decref(j);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Merges the workers' figures and prints them with the prefix. */
static void print_stats(const char *phase, struct worker *ws, int n, double seconds, double sim_cpu)
{
	size_t total = 0;
	long ok = 0, status[600] = {0};
	double gen = 0;
	uint64_t bytes = 0;
	for (int i = 0; i < n; i++) {
		total += ws[i].nlat;
		ok += ws[i].ok;
		gen += ws[i].gen_cpu;
		bytes += ws[i].bytes_sent;
		for (int s = 0; s < 600; s++)
			status[s] += ws[i].status[s];
	}
	uint32_t *all = xmalloc((total ? total : 1) * sizeof(*all));
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		memcpy(all + k, ws[i].lat_us, ws[i].nlat * sizeof(*all));
		k += ws[i].nlat;
	}
	qsort(all, total, sizeof(*all), cmp_u32);
#define PCT(p) (total ? all[(size_t)((double)(total - 1) * (p))] / 1000.0 : 0.0)
	printf("%s_requests=%zu\n", phase, total);
	printf("%s_ok=%ld\n", phase, ok);
	printf("%s_seconds=%.3f\n", phase, seconds);
	printf("%s_rate=%.1f\n", phase, seconds > 0 ? ok / seconds : 0.0);
	printf("%s_lat_p50_ms=%.2f\n%s_lat_p90_ms=%.2f\n%s_lat_p99_ms=%.2f\n%s_lat_max_ms=%.2f\n", phase, PCT(0.50),
	       phase, PCT(0.90), phase, PCT(0.99), phase, total ? all[total - 1] / 1000.0 : 0.0);
#undef PCT
	printf("%s_bytes_sent=%" PRIu64 "\n", phase, bytes);
	printf("%s_sim_cpu_seconds=%.3f\n", phase, sim_cpu);
	printf("%s_sim_cpu_percent=%.1f\n", phase, seconds > 0 ? 100.0 * sim_cpu / seconds : 0.0);
	printf("%s_gen_cpu_seconds=%.3f\n", phase, gen);
	printf("%s_statuses=", phase);
	bool first = true;
	for (int s = 0; s < 600; s++)
		if (status[s]) {
			printf("%s%d:%ld", first ? "" : ",", s, status[s]);
			first = false;
		}
	printf("\n");
	free(all);
}

/* ------------------------------------------------------------------ hosts */

struct host {
	char name[64];
	char host_id[64];
	char credential[200];
	char *unchanged; /* the unchanged report, built by the first phase */
	size_t unchanged_len;
};

static struct host *g_hosts;
static int g_nhosts;
static volatile long g_next;

static const char *host_kind(int i)
{
	static const char *const kinds[] = {"ws", "ws", "ws", "ws", "ws", "ws", "lt", "srv", "srv", "db"};
	return kinds[mix64((uint64_t)i) % 10];
}

static void host_name(int i, char out[64])
{
	snprintf(out, 64, "%s-%05d", host_kind(i), i);
}

/* ------------------------------------------------------------- enrollment */

static char g_token[256];

static void *enroll_worker(void *arg)
{
	struct worker *w = arg;
	char body[512];
	for (;;) {
		long i = __atomic_fetch_add(&g_next, 1, __ATOMIC_RELAXED);
		if (i >= g_nhosts)
			break;
		struct host *h = &g_hosts[i];
		host_name((int)i, h->name);
		int n = snprintf(body, sizeof(body), "{\"token\":\"%s\",\"hostname\":\"%s\"}", g_token, h->name);
		double secs;
		long status = post(w, "/api/v1/agent/enroll", NULL, body, (size_t)n, &secs);
		record_latency(w, secs);
		if (status != 201) {
			note_bad_status(w, "enroll", status);
			continue;
		}
		json_t *j = json_loads(w->resp.p, 0, NULL);
		const char *id = json_string_value(json_object_get(j, "host_id"));
		const char *cred = json_string_value(json_object_get(j, "credential"));
		if (!id || !cred || strlen(cred) >= sizeof(h->credential) || strlen(id) >= sizeof(h->host_id)) {
			note_error("enroll: reply without host_id or credential: %.200s", w->resp.p);
		} else {
			snprintf(h->host_id, sizeof(h->host_id), "%s", id);
			snprintf(h->credential, sizeof(h->credential), "%s", cred);
			w->ok++;
		}
		json_decref(j);
	}
	return NULL;
}

/* ----------------------------------------------------------- package pool */

struct pkg {
	char *name, *version, *arch, *source, *source_version;
	bool security; /* its version differs between hosts' patch levels */
	bool config_files;
	bool core;
};

static struct pkg *g_pool;
static int g_npool, g_ncore, g_nopt, g_opt_pick, g_unique;
static int *g_opt_index; /* pool indices of the optional packages */

static const char *const WORDS[] = {
	"acl", "archive", "attr", "audit", "avahi", "blk", "boost", "brotli", "bz", "cairo", "cap", "crypt", "cups",
	"curl", "db", "dbus", "drm", "edit", "egl", "event", "expat", "ffi", "flac", "fontconfig", "freetype",
	"fribidi", "fuse", "gcrypt", "gdbm", "geos", "gif", "gl", "glib", "gmp", "gnutls", "gpg", "gpgme", "gss",
	"harfbuzz", "heif", "icu", "idn", "iso", "jansson", "jpeg", "json", "kmod", "krb5", "lcms", "ldap", "lz",
	"lzma", "magic", "mount", "mpfr", "ncurses", "net", "nettle", "nghttp", "nspr", "nss", "ogg", "opus", "p11",
	"pam", "pango", "pcre", "pipewire", "png", "popt", "proc", "psl", "pulse", "readline", "rtmp", "sasl",
	"seccomp", "selinux", "semanage", "sepol", "slang", "smart", "sndfile", "sodium", "sqlite", "ssh", "ssl",
	"systemd", "tasn", "tiff", "tinfo", "uchardet", "udev", "unistring", "usb", "uuid", "uv", "va", "vorbis",
	"vpx", "wayland", "webp", "x11", "xau", "xcb", "xdmcp", "xext", "xml2", "xslt", "xxhash", "yaml", "zstd"};
static const char *const SYL[] = {"a",  "al", "am", "an", "ar", "ba", "be", "bi", "bo", "ca", "ce", "co",
				  "da", "de", "di", "el", "en", "er", "fa", "fi", "ga", "ge", "go", "ha",
				  "he", "ic", "in", "io", "ka", "ki", "la", "le", "li", "lo", "ma", "me",
				  "mi", "mo", "na", "ne", "no", "op", "or", "pa", "pe", "pi", "ra", "re",
				  "ri", "ro", "sa", "se", "si", "ta", "te", "ti", "to", "un", "va", "ve",
				  "vi", "xa", "xi", "ya", "za", "ze"};
#define NWORDS (sizeof(WORDS) / sizeof(WORDS[0]))
#define NSYL (sizeof(SYL) / sizeof(SYL[0]))

static void word(uint64_t *r, struct buf *b)
{
	if (rndn(r, 10) < 6) {
		buf_adds(b, WORDS[rndn(r, NWORDS)]);
		return;
	}
	for (unsigned k = 2 + rndn(r, 3); k > 0; k--)
		buf_adds(b, SYL[rndn(r, NSYL)]);
}

/* A package name and its source name, the way Debian spreads them. */
static void make_name(uint64_t *r, struct buf *name, struct buf *stem)
{
	static const char *const lib_sfx[] = {"0", "1", "1", "2", "3", "4", "6", "-1.0-0", "2.0-0", "c2", "t64", "1a"};
	static const char *const plain_sfx[] = {"", "", "", "-utils", "-bin", "-common", "-data", "-doc", "d", "-tools"};
	name->len = stem->len = 0;
	word(r, stem);
	if (rndn(r, 10) < 3) {
		if (rndn(r, 2))
			buf_adds(stem, "-");
		word(r, stem);
	}
	unsigned k = rndn(r, 100);
	if (k < 36)
		buf_printf(name, "lib%s%s", stem->p, lib_sfx[rndn(r, 12)]);
	else if (k < 45)
		buf_printf(name, "lib%s-dev", stem->p);
	else if (k < 53)
		buf_printf(name, "python3-%s", stem->p);
	else if (k < 59)
		buf_printf(name, "lib%s-perl", stem->p);
	else if (k < 61)
		buf_printf(name, "fonts-%s", stem->p);
	else if (k < 63)
		buf_printf(name, "gir1.2-%s-1.0", stem->p);
	else if (k < 67)
		buf_printf(name, "lib%s-java", stem->p);
	else if (k < 69)
		buf_printf(name, "golang-github-%s-dev", stem->p);
	else if (k < 72)
		buf_printf(name, "node-%s", stem->p);
	else
		buf_printf(name, "%s%s", stem->p, plain_sfx[rndn(r, 10)]);
}

static void make_version(uint64_t *r, struct buf *v, bool security_base)
{
	static const unsigned majors[] = {0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 7, 9, 12, 2023};
	v->len = 0;
	if (rndn(r, 100) < 14)
		buf_printf(v, "%u:", 1 + rndn(r, 3));
	if (rndn(r, 100) < 4) {
		buf_printf(v, "0.0~git2022%02u%02u.%07x", 1 + rndn(r, 12), 1 + rndn(r, 28), (unsigned)(rnd(r) & 0xfffffff));
	} else {
		buf_printf(v, "%u.%u", majors[rndn(r, 15)], rndn(r, 41));
		if (rndn(r, 10) < 7)
			buf_printf(v, ".%u", rndn(r, 31));
		if (rndn(r, 100) < 6)
			buf_adds(v, rndn(r, 2) ? "+dfsg" : "+ds");
	}
	static const unsigned revs[] = {1, 1, 1, 2, 2, 3, 4, 5, 7, 11};
	buf_printf(v, "-%u", revs[rndn(r, 10)]);
	if (rndn(r, 100) < 12)
		buf_printf(v, ".%u", 1 + rndn(r, 3));
	if (!security_base && rndn(r, 100) < 10)
		buf_printf(v, "+deb12u%u", 1 + rndn(r, 9));
}

struct strset {
	char **slot;
	size_t cap;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Adds s; false when it was already there. */
static bool strset_add(struct strset *set, const char *s)
{
	size_t i = fnv1a(s) & (set->cap - 1);
	while (set->slot[i]) {
		if (strcmp(set->slot[i], s) == 0)
			return false;
		i = (i + 1) & (set->cap - 1);
	}
	set->slot[i] = xstrdup(s);
	return true;
}

static int cmp_pkg(const void *a, const void *b)
{
	return strcmp(((const struct pkg *)a)->name, ((const struct pkg *)b)->name);
}

static void pool_build(int packages)
{
	uint64_t r = 0x5eed0000ULL + (uint64_t)packages;
	struct buf name = {0}, stem = {0}, ver = {0};
	g_unique = packages >= 100 ? 5 : 0;
	g_ncore = packages * 95 / 100;
	g_opt_pick = packages - g_ncore - g_unique;
	g_nopt = g_opt_pick * 11;
	g_npool = g_ncore + g_nopt;
	g_pool = calloc((size_t)g_npool, sizeof(*g_pool));
	struct strset set = {NULL, 1};
	while (set.cap < (size_t)g_npool * 4)
		set.cap *= 2;
	set.slot = calloc(set.cap, sizeof(char *));
	if (!g_pool || !set.slot)
		die("out of memory");
	for (int n = 0; n < g_npool;) {
		make_name(&r, &name, &stem);
		if (!strset_add(&set, name.p))
			continue;
		struct pkg *p = &g_pool[n++];
		p->name = xstrdup(name.p);
		p->security = rndn(&r, 100) < 5;
		p->config_files = rndn(&r, 1000) < 8;
		make_version(&r, &ver, p->security);
		unsigned arch = rndn(&r, 100);
		p->arch = xstrdup(strncmp(name.p, "python3-", 8) == 0 || strstr(name.p, "-perl") ||
					  strstr(name.p, "-java") || strncmp(name.p, "fonts-", 6) == 0 ||
					  strncmp(name.p, "node-", 5) == 0 || arch < 12
				      ? "all"
				      : "amd64");
		if (rndn(&r, 100) < 20) {
			p->source = xstrdup(name.p); /* no Source field: the package's own name */
			p->version = xstrdup(ver.p);
			p->source_version = xstrdup(ver.p);
		} else if (rndn(&r, 100) < 7) {
			/* a binNMU: the binary's version carries +bN, the source's does not */
			p->source = xstrdup(stem.p);
			p->source_version = xstrdup(ver.p);
			buf_printf(&ver, "+b%u", 1 + rndn(&r, 3));
			p->version = xstrdup(ver.p);
		} else {
			p->source = xstrdup(stem.p);
			p->version = xstrdup(ver.p);
			p->source_version = xstrdup(ver.p);
		}
	}
	qsort(g_pool, (size_t)g_npool, sizeof(*g_pool), cmp_pkg);
	/* Which are core (on every host) and which optional: a seeded shuffle. */
	int *idx = xmalloc((size_t)g_npool * sizeof(int));
	for (int i = 0; i < g_npool; i++)
		idx[i] = i;
	for (int i = g_npool - 1; i > 0; i--) {
		int j = (int)rndn(&r, (unsigned)i + 1), t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	for (int i = 0; i < g_ncore; i++)
		g_pool[idx[i]].core = true;
	g_opt_index = xmalloc((size_t)(g_nopt ? g_nopt : 1) * sizeof(int));
	for (int i = 0, k = 0; i < g_npool; i++)
		if (!g_pool[i].core)
			g_opt_index[k++] = i;
	free(idx);
	for (size_t i = 0; i < set.cap; i++)
		free(set.slot[i]);
	free(set.slot);
	free(name.p);
	free(stem.p);
	free(ver.p);
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

struct item {
	const char *name, *arch, *source, *source_version, *status;
	char version[96];
};

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->name, ((const struct item *)b)->name);
}

/* The packages section of host h, as canonical JSON (keys sorted, compact), built as
 * text: every string is plain ASCII without quotes, backslashes or control characters,
 * so it needs no escaping (checked against jansson for the first hosts). */
static void packages_section(int h, int packages, struct buf *out, struct item *items, char (*unique)[64])
{
	uint64_t hh = mix64((uint64_t)h * 7 + 1);
	unsigned level = (unsigned)(hh % 4); /* the host's patch level */
	int n = 0;
	for (int i = 0; i < g_npool; i++)
		if (g_pool[i].core)
			items[n++].name = g_pool[i].name;
	/* the optional packages: g_opt_pick of them, a walk through the pool with a
	 * host's own start and stride, so hosts share some and differ in others */
	if (g_nopt > 0) {
		uint64_t start = hash2(hh, 1) % (uint64_t)g_nopt, step = 1 + hash2(hh, 2) % (uint64_t)(g_nopt - 1 ? g_nopt - 1 : 1);
		while (gcd64(step, (uint64_t)g_nopt) != 1)
			step++;
		for (int k = 0; k < g_opt_pick; k++)
			items[n++].name = g_pool[g_opt_index[(start + (uint64_t)k * step) % (uint64_t)g_nopt]].name;
	}
	/* each one's fields, from the pool (sorted by name) and the host's patch level */
	for (int k = 0; k < n; k++) {
		const struct pkg *p = NULL;
		int lo = 0, hi = g_npool - 1;
		while (lo <= hi) {
			int mid = (lo + hi) / 2, c = strcmp(g_pool[mid].name, items[k].name);
			if (c == 0) {
				p = &g_pool[mid];
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
		if (!p)
			die("internal: package not in the pool");
		items[k].arch = p->arch;
		items[k].source = p->source;
		items[k].source_version = p->source_version;
		items[k].status = p->config_files ? "config-files" : "installed";
		uint64_t ph = hash2(hh, fnv1a(p->name));
		if (p->security && level > 0)
			snprintf(items[k].version, sizeof(items[k].version), "%s+deb12u%u", p->version, level);
		else if (ph % 200 == 0)
			snprintf(items[k].version, sizeof(items[k].version), "%s~bpo12+1", p->version);
		else
			snprintf(items[k].version, sizeof(items[k].version), "%s", p->version);
		if (p->security && level > 0 && strcmp(p->source_version, p->version) == 0)
			items[k].source_version = NULL; /* follows the version: set below */
	}
	static const char *const tools[] = {"agent", "backup", "certs", "monitoring", "vpn", "printer", "proxy", "scanner"};
	for (int u = 0; u < g_unique; u++) {
		snprintf(unique[u], 64, "site-%s-%05d", tools[hash2(hh, 10 + u) % 8], h * 10 + u);
		items[n].name = unique[u];
		items[n].arch = "amd64";
		items[n].source = unique[u];
		items[n].status = "installed";
		snprintf(items[n].version, sizeof(items[n].version), "1.%u.%u-1", (unsigned)(hash2(hh, 20 + u) % 9),
			 (unsigned)(hash2(hh, 30 + u) % 20));
		items[n].source_version = NULL;
		n++;
	}
	if (n != packages)
		die("internal: %d packages made for host %d, not %d", n, h, packages);
	qsort(items, (size_t)n, sizeof(*items), cmp_item);
	out->len = 0;
	buf_printf(out, "{\"count\":%d,\"items\":[", n);
	for (int k = 0; k < n; k++) {
		const struct item *it = &items[k];
		buf_printf(out,
			   "%s{\"architecture\":\"%s\",\"manager\":\"dpkg\",\"name\":\"%s\",\"source\":\"%s\","
			   "\"source_version\":\"%s\",\"status\":\"%s\",\"version\":\"%s\"}",
			   k ? "," : "", it->arch, it->name, it->source,
			   it->source_version ? it->source_version : it->version, it->status, it->version);
	}
	buf_adds(out, "]}");
}

/* ------------------------------------------------------- the other sections */

static json_t *g_template; /* the "sections" object of `ward inventory --json` */

static void set_int(json_t *o, const char *k, json_int_t v)
{
	if (json_is_object(o))
		json_object_set_new(o, k, json_integer(v));
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (json_is_object(o))
		json_object_set_new(o, k, json_string(v));
}

/* The template's section name, changed for host h (a new reference). */
static json_t *small_section(const char *name, int h, time_t now)
{
	json_t *v = json_deep_copy(json_object_get(g_template, name));
	uint64_t hh = mix64((uint64_t)h * 7 + 1);
	char s[160];
	if (!v)
		die("out of memory");
	if (strcmp(name, "system") == 0 && json_is_object(v)) {
		static const char *const kernels[] = {"6.1.0-18-amd64", "6.1.0-21-amd64", "6.1.0-23-amd64",
						      "6.1.0-25-amd64", "6.1.0-26-amd64"};
		json_int_t up = 3600 + (json_int_t)(hash2(hh, 1) % (90 * 86400));
		host_name(h, s);
		set_str(v, "hostname", s);
		set_int(v, "uptime_seconds", up);
		iso_time(now - (time_t)up, s);
		set_str(v, "boot_time", s);
		set_str(json_object_get(v, "kernel"), "release", kernels[hash2(hh, 2) % 5]);
	} else if (strcmp(name, "hardware") == 0 && json_is_object(v)) {
		static const char *const cpus[] = {"Intel(R) Core(TM) i5-1245U", "Intel(R) Core(TM) i7-1365U",
						   "AMD Ryzen 7 PRO 7840U w/ Radeon 780M Graphics",
						   "Intel(R) Xeon(R) E-2224 CPU @ 3.40GHz", "AMD EPYC 7313P 16-Core Processor"};
		static const json_int_t gib[] = {8, 16, 16, 32, 64, 128};
		json_t *cpu = json_object_get(v, "cpu"), *mem = json_object_get(v, "memory");
		unsigned c = (unsigned)(hash2(hh, 3) % 5), cores = 4u << (hash2(hh, 4) % 3);
		json_int_t total = gib[hash2(hh, 5) % 6] << 30;
		set_str(cpu, "model", cpus[c]);
		set_int(cpu, "cores", cores);
		set_int(cpu, "threads", cores * 2);
		set_int(mem, "total_bytes", total - (json_int_t)(hash2(hh, 6) % (1 << 28)));
		set_int(mem, "available_bytes", total / 2 + (json_int_t)(hash2(hh, 7) % (uint64_t)(total / 4)));
	} else if (strcmp(name, "filesystems") == 0 && json_is_array(v)) {
		size_t i;
		json_t *fs;
		json_array_foreach(v, i, fs) {
			const char *type = json_string_value(json_object_get(fs, "type"));
			json_int_t size = (json_int_t)(64 + hash2(hh, 40 + i) % 1900) << 30;
			if (type && strcmp(type, "tmpfs") == 0)
				size = (json_int_t)(1 + hash2(hh, 40 + i) % 16) << 28;
			json_int_t used = (json_int_t)((double)size * (double)(hash2(hh, 60 + i) % 950) / 1000.0);
			json_int_t avail = (size - used) * 95 / 100;
			set_int(fs, "size_bytes", size);
			set_int(fs, "used_bytes", used);
			set_int(fs, "available_bytes", avail);
			json_object_set_new(fs, "used_percent",
					    json_real((double)(json_int_t)(1000.0 * used / (double)(used + avail)) / 10.0));
		}
	} else if (strcmp(name, "network") == 0 && json_is_object(v)) {
		size_t i;
		json_t *ifc;
		char mac[32], ll[64];
		snprintf(mac, sizeof(mac), "52:54:%02x:%02x:%02x:%02x", (unsigned)(h >> 24) & 255, (unsigned)(h >> 16) & 255,
			 (unsigned)(h >> 8) & 255, (unsigned)h & 255);
		snprintf(ll, sizeof(ll), "fe80::5054:%xff:fe%02x:%x/64", (unsigned)(h >> 16) & 255, (unsigned)(h >> 8) & 255,
			 (unsigned)h & 255);
		json_array_foreach(json_object_get(v, "interfaces"), i, ifc) {
			const char *n = json_string_value(json_object_get(ifc, "name"));
			if (!n || strcmp(n, "lo") == 0)
				continue;
			json_t *addrs = json_array();
			set_str(ifc, "mac", mac);
			if (json_integer_value(json_object_get(ifc, "vlan_id")) > 0) {
				snprintf(s, sizeof(s), "10.%u.%u.%u/24", 100 + (unsigned)(h >> 16 & 63), (unsigned)(h >> 8) & 255,
					 (unsigned)h & 255);
			} else {
				snprintf(s, sizeof(s), "10.%u.%u.%u/16", (unsigned)(h >> 16) & 63, (unsigned)(h >> 8) & 255,
					 (unsigned)h & 255);
				json_array_append_new(addrs, json_string(s));
				snprintf(s, sizeof(s), "2001:db8:%x::%x/64", (unsigned)(h >> 8) & 0xffff, (unsigned)h & 0xffff);
			}
			json_array_append_new(addrs, json_string(s));
			json_array_append_new(addrs, json_string(ll));
			json_object_set_new(ifc, "addresses", addrs);
		}
	} else if (strcmp(name, "sockets") == 0 && json_is_array(v)) {
		size_t i;
		json_t *so;
		json_array_foreach(v, i, so) {
			set_int(so, "inode", 10000 + (json_int_t)(hash2(hh, 80 + i) % 900000));
			if (json_is_integer(json_object_get(so, "pid")))
				set_int(so, "pid", 300 + (json_int_t)(hash2(hh, 100 + json_integer_value(json_object_get(so, "pid"))) % 30000));
		}
		if (hash2(hh, 8) % 4 == 0) {
			json_array_append_new(v, json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:i, s:s}", "protocol", "tcp",
							   "family", "inet", "address", "0.0.0.0", "port", 9100, "user", 65534,
							   "inode", (json_int_t)(hash2(hh, 9) % 900000), "pid",
							   (int)(300 + hash2(hh, 10) % 30000), "process", "node_exporter"));
		}
	} else if (strcmp(name, "accounts") == 0 && json_is_object(v)) {
		json_t *users = json_object_get(v, "users");
		if (json_is_array(users)) {
			char home[200];
			snprintf(s, sizeof(s), "u%05d", h);
			snprintf(home, sizeof(home), "/home/%s", s);
			json_array_append_new(users, json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:b}", "name", s, "uid", 1100,
							       "gid", 100, "gecos", s, "home", home, "shell", "/bin/bash",
							       "login", 1));
		}
	}
	return v;
}

/* ----------------------------------------------------------- first reports */

static int g_packages;
static const char *const g_agent_version = "0.1.0";

/* Builds host h's first report (every section) into body and its unchanged report (a
 * new string) into h->unchanged. */
static void build_reports(int h, struct buf *body, struct buf *pk, struct item *items, char (*unique)[64])
{
	const char *names[32];
	char *texts[32];
	char digests[32][65], at[32];
	int n = 0;
	time_t now = time(NULL);
	const char *key;
	json_t *v;
	iso_time(now, at);
	json_object_foreach(g_template, key, v) {
		if (n == 32)
			die("template has too many sections");
		names[n] = key;
		if (strcmp(key, "packages") == 0) {
			packages_section(h, g_packages, pk, items, unique);
			texts[n] = NULL;
			sha256_hex(pk->p, pk->len, digests[n]);
		} else {
			json_t *sec = small_section(key, h, now);
			texts[n] = canonical(sec);
			json_decref(sec);
			sha256_hex(texts[n], strlen(texts[n]), digests[n]);
		}
		n++;
	}
	/* jansson's object iteration order is not sorted; the body's key order does not
	 * matter to the server, but keep it stable. */
	struct buf dg = {0};
	buf_adds(&dg, "{");
	for (int i = 0; i < n; i++)
		buf_printf(&dg, "%s\"%s\":\"%s\"", i ? "," : "", names[i], digests[i]);
	buf_adds(&dg, "}");
	body->len = 0;
	buf_printf(body, "{\"agent_version\":\"%s\",\"collected_at\":\"%s\",\"digests\":%s,\"interval\":900,\"sections\":{",
		   g_agent_version, at, dg.p);
	for (int i = 0; i < n; i++) {
		buf_printf(body, "%s\"%s\":", i ? "," : "", names[i]);
		if (texts[i])
			buf_adds(body, texts[i]);
		else
			buf_add(body, pk->p, pk->len);
		free(texts[i]);
	}
	buf_adds(body, "},\"warnings\":[]}");
	struct buf un = {0};
	buf_printf(&un, "{\"agent_version\":\"%s\",\"collected_at\":\"%s\",\"digests\":%s,\"interval\":900,\"sections\":{},"
			"\"warnings\":[]}",
		   g_agent_version, at, dg.p);
	g_hosts[h].unchanged = un.p;
	g_hosts[h].unchanged_len = un.len;
	free(dg.p);
}

static int g_nsections;

/* Checks that the text-built packages section is what jansson makes of it. */
static void self_check(int h)
{
	struct buf pk = {0};
	struct item *items = xmalloc((size_t)g_packages * sizeof(*items));
	char(*unique)[64] = xmalloc(8 * 64);
	packages_section(h, g_packages, &pk, items, unique);
	json_error_t e;
	json_t *j = json_loadb(pk.p, pk.len, 0, &e);
	if (!j)
		die("self-check: host %d's packages section is not JSON: %s", h, e.text);
	char *c = canonical(j);
	if (strcmp(c, pk.p) != 0)
		die("self-check: host %d's packages section is not canonical JSON", h);
	if (json_integer_value(json_object_get(j, "count")) != g_packages ||
	    json_array_size(json_object_get(j, "items")) != (size_t)g_packages)
		die("self-check: host %d has %zu packages, not %d", h, json_array_size(json_object_get(j, "items")),
		    g_packages);
	free(c);
	json_decref(j);
	free(pk.p);
	free(items);
	free(unique);
}

static void *first_worker(void *arg)
{
	struct worker *w = arg;
	struct buf body = {0}, pk = {0};
	struct item *items = xmalloc((size_t)g_packages * sizeof(*items));
	char(*unique)[64] = xmalloc(8 * 64);
	for (;;) {
		long i = __atomic_fetch_add(&g_next, 1, __ATOMIC_RELAXED);
		if (i >= g_nhosts)
			break;
		double c0 = thread_cpu_s();
		build_reports((int)i, &body, &pk, items, unique);
		w->gen_cpu += thread_cpu_s() - c0;
		double secs;
		long status = post(w, "/api/v1/agent/report", g_hosts[i].credential, body.p, body.len, &secs);
		record_latency(w, secs);
		w->last_done = now_s();
		if (status != 200) {
			note_bad_status(w, "first report", status);
			continue;
		}
		json_t *j = json_loads(w->resp.p, 0, NULL);
		size_t stored = json_array_size(json_object_get(j, "stored"));
		size_t need = json_array_size(json_object_get(j, "need"));
		if (!j || stored != (size_t)g_nsections || need != 0)
			note_error("first report: unexpected reply (%zu of %d sections stored, %zu needed): %.300s", stored,
				   g_nsections, need, w->resp.p);
		else
			w->ok++;
		json_decref(j);
	}
	free(body.p);
	free(pk.p);
	free(items);
	free(unique);
	return NULL;
}

/* ------------------------------------------------------- unchanged reports */

static double g_measure_from, g_measure_until;

/* Posts unchanged reports, host after host, until g_measure_until. A request started
 * before g_measure_from is warm-up: its errors are kept, nothing else. */
static void *unchanged_worker(void *arg)
{
	struct worker *w = arg;
	long k = w->id;
	for (;;) {
		double t = now_s();
		if (t >= g_measure_until)
			break;
		w->counting = t >= g_measure_from;
		if (w->counting && w->cpu_start < 0)
			w->cpu_start = thread_cpu_s();
		struct host *h = &g_hosts[k % g_nhosts];
		k += g_conns;
		double secs;
		long status = post(w, "/api/v1/agent/report", h->credential, h->unchanged, h->unchanged_len, &secs);
		if (w->counting) {
			record_latency(w, secs);
			w->last_done = now_s();
		}
		if (status != 200) {
			note_bad_status(w, "unchanged report", status);
			continue;
		}
		json_t *j = json_loads(w->resp.p, 0, NULL);
		json_int_t unchanged = json_integer_value(json_object_get(j, "unchanged"));
		size_t stored = json_array_size(json_object_get(j, "stored"));
		size_t need = json_array_size(json_object_get(j, "need"));
		if (!j || unchanged != g_nsections || stored != 0 || need != 0)
			note_error("unchanged report: unexpected reply (%lld unchanged, %zu stored, %zu needed): %.300s",
				   (long long)unchanged, stored, need, w->resp.p);
		else if (w->counting)
			w->ok++;
		json_decref(j);
	}
	if (w->cpu_start >= 0)
		w->cpu = thread_cpu_s() - w->cpu_start;
	return NULL;
}

/* ------------------------------------------------------------------- files */

static void read_creds(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int cap = 1024, n = 0;
	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	g_hosts = calloc((size_t)cap, sizeof(*g_hosts));
	while (g_hosts && fgets(line, sizeof(line), f)) {
		struct host h = {0};
		int idx;
		if (sscanf(line, "%d\t%63s\t%63s\t%199s", &idx, h.name, h.host_id, h.credential) != 4)
			die("%s: bad line: %s", path, line);
		if (n == cap) {
			cap *= 2;
			g_hosts = realloc(g_hosts, (size_t)cap * sizeof(*g_hosts));
			if (!g_hosts)
				break;
		}
		g_hosts[n++] = h;
	}
	if (!g_hosts)
		die("out of memory");
	fclose(f);
	g_nhosts = n;
	if (n == 0)
		die("%s holds no hosts", path);
}

static void read_bodies(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	int cap = 1024, n = 0;
	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	g_hosts = calloc((size_t)cap, sizeof(*g_hosts));
	while (g_hosts && (len = getline(&line, &lcap, f)) > 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab || (size_t)(tab - line) >= sizeof(g_hosts[0].credential))
			die("%s: bad line", path);
		if (n == cap) {
			cap *= 2;
			g_hosts = realloc(g_hosts, (size_t)cap * sizeof(*g_hosts));
			if (!g_hosts)
				break;
		}
		struct host *h = &g_hosts[n++];
		memset(h, 0, sizeof(*h));
		memcpy(h->credential, line, (size_t)(tab - line));
		h->unchanged = xstrdup(tab + 1);
		h->unchanged_len = strlen(h->unchanged);
	}
	if (!g_hosts)
		die("out of memory");
	free(line);
	fclose(f);
	g_nhosts = n;
	if (n == 0)
		die("%s holds no hosts", path);
	/* the number of sections, from the first body's digests */
	json_t *j = json_loads(g_hosts[0].unchanged, 0, NULL);
	g_nsections = (int)json_object_size(json_object_get(j, "digests"));
	json_decref(j);
	if (g_nsections == 0)
		die("%s: the first report has no digests", path);
}

/* --------------------------------------------------------------------- main */

static void run_workers(struct worker *ws, void *(*fn)(void *))
{
	for (int i = 0; i < g_conns; i++)
		if (pthread_create(&ws[i].thread, NULL, fn, &ws[i]) != 0)
			die("cannot start a thread");
	for (int i = 0; i < g_conns; i++)
		pthread_join(ws[i].thread, NULL);
}

static void usage(void)
{
	fputs("usage:\n"
	      "  sim enroll    --url URL --token TOKEN --hosts N --out CREDS [--conns C]\n"
	      "  sim first     --url URL --creds CREDS --template INV.json --packages P --out BODIES [--conns C]\n"
	      "  sim unchanged --url URL --bodies BODIES --duration S [--warmup S] [--conns C]\n"
	      "  (any of them: --fresh-connections, a new connection per request instead of keep-alive)\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *url = NULL, *token = NULL, *out = NULL, *creds = NULL, *bodies = NULL, *template = NULL;
	long hosts = 0, packages = 2000;
	double duration = 10, warmup = 2;
	static const struct option opts[] = {{"url", required_argument, NULL, 'u'},
					     {"token", required_argument, NULL, 't'},
					     {"hosts", required_argument, NULL, 'n'},
					     {"out", required_argument, NULL, 'o'},
					     {"conns", required_argument, NULL, 'c'},
					     {"creds", required_argument, NULL, 'C'},
					     {"bodies", required_argument, NULL, 'b'},
					     {"template", required_argument, NULL, 'T'},
					     {"packages", required_argument, NULL, 'p'},
					     {"duration", required_argument, NULL, 'd'},
					     {"warmup", required_argument, NULL, 'w'},
					     {"fresh-connections", no_argument, NULL, 'F'},
					     {NULL, 0, NULL, 0}};
	if (argc < 2)
		usage();
	const char *cmd = argv[1];
	optind = 2;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': url = optarg; break;
		case 't': token = optarg; break;
		case 'n': hosts = strtol(optarg, NULL, 10); break;
		case 'o': out = optarg; break;
		case 'c': g_conns = (int)strtol(optarg, NULL, 10); break;
		case 'C': creds = optarg; break;
		case 'b': bodies = optarg; break;
		case 'T': template = optarg; break;
		case 'p': packages = strtol(optarg, NULL, 10); break;
		case 'd': duration = strtod(optarg, NULL); break;
		case 'w': warmup = strtod(optarg, NULL); break;
		case 'F': g_fresh = true; break;
		default: usage();
		}
	}
	if (!url || strncmp(url, "http://127.0.0.1:", 17) != 0)
		die("--url must be http://127.0.0.1:PORT (the simulator talks to loopback only)");
	snprintf(g_url, sizeof(g_url), "%s", url);
	if (g_conns < 1 || g_conns > 256)
		die("--conns must be between 1 and 256");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("curl_global_init failed");
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct worker *ws = calloc((size_t)g_conns, sizeof(*ws));
	if (!ws)
		die("out of memory");
	for (int i = 0; i < g_conns; i++)
		worker_init(&ws[i], i);

	if (strcmp(cmd, "enroll") == 0) {
		if (!token || hosts < 1 || !out)
			usage();
		snprintf(g_token, sizeof(g_token), "%s", token);
		g_nhosts = (int)hosts;
		g_hosts = calloc((size_t)g_nhosts, sizeof(*g_hosts));
		if (!g_hosts)
			die("out of memory");
		double cpu0 = process_cpu_s(), t0 = now_s();
		run_workers(ws, enroll_worker);
		double secs = now_s() - t0;
		print_stats("enroll", ws, g_conns, secs, process_cpu_s() - cpu0);
		print_errors("enroll");
		FILE *f = fopen(out, "w");
		if (!f)
			die("cannot write %s: %s", out, strerror(errno));
		for (int i = 0; i < g_nhosts; i++)
			if (g_hosts[i].credential[0])
				fprintf(f, "%d\t%s\t%s\t%s\n", i, g_hosts[i].name, g_hosts[i].host_id, g_hosts[i].credential);
		if (fclose(f) != 0)
			die("cannot write %s", out);
	} else if (strcmp(cmd, "first") == 0) {
		if (!creds || !template || !out || packages < 10)
			usage();
		json_error_t e;
		json_t *inv = json_load_file(template, 0, &e);
		if (!inv)
			die("%s: %s (line %d)", template, e.text, e.line);
		g_template = json_incref(json_object_get(inv, "sections"));
		json_decref(inv);
		if (!json_is_object(g_template) || !json_object_get(g_template, "packages"))
			die("%s has no sections.packages: not the output of `ward inventory --json`", template);
		g_nsections = (int)json_object_size(g_template);
		g_packages = (int)packages;
		read_creds(creds);
		pool_build(g_packages);
		self_check(0);
		self_check(g_nhosts - 1);
		fprintf(stderr, "sim: %d hosts, %d packages each (%d shared, %d picked from %d optional, %d of their own), "
				"%d sections per report\n",
			g_nhosts, g_packages, g_ncore, g_opt_pick, g_nopt, g_unique, g_nsections);
		double cpu0 = process_cpu_s(), t0 = now_s();
		run_workers(ws, first_worker);
		double secs = now_s() - t0;
		print_stats("first", ws, g_conns, secs, process_cpu_s() - cpu0);
		print_errors("first");
		FILE *f = fopen(out, "w");
		if (!f)
			die("cannot write %s: %s", out, strerror(errno));
		for (int i = 0; i < g_nhosts; i++)
			fprintf(f, "%s\t%s\n", g_hosts[i].credential, g_hosts[i].unchanged);
		if (fclose(f) != 0)
			die("cannot write %s", out);
	} else if (strcmp(cmd, "unchanged") == 0) {
		if (!bodies || duration <= 0 || warmup < 0)
			usage();
		read_bodies(bodies);
		double t0 = now_s();
		g_measure_from = t0 + warmup;
		g_measure_until = g_measure_from + duration;
		run_workers(ws, unchanged_worker);
		/* the measured part ends with the last reply to a request started in it */
		double end = g_measure_from, cpu = 0;
		for (int i = 0; i < g_conns; i++) {
			if (ws[i].last_done > end)
				end = ws[i].last_done;
			cpu += ws[i].cpu;
		}
		print_stats("unchanged", ws, g_conns, end - g_measure_from, cpu);
		print_errors("unchanged");
	} else {
		usage();
	}
	for (int i = 0; i < g_conns; i++) {
		curl_easy_cleanup(ws[i].curl);
		free(ws[i].resp.p);
		free(ws[i].lat_us);
	}
	free(ws);
	curl_global_cleanup();
	return 0;
}
