/*
 * bench/backup/gen.c: the backup benchmark's data set, the same for a seed on any run,
 * and the deterministic change of 1 % of its files between backups.
 *
 *   gen tree DIR [--size-gib X] [--seed S]   writes the tree into DIR (made, must be new)
 *   gen mutate DIR [--seed S] < LIST         changes the files LIST names (relative to DIR)
 *
 * The tree, for X GiB (default 2, the shares of the total bytes):
 *   - 12 %  source-like text files, log-normal sizes (median 3 KiB, mean 5 KiB, at most
 *           256 KiB), in a deep tree (depth up to 12, about 12 files a directory):
 *           about 25,000 files per GiB, 5 % of them copies of others (vendored code),
 *           1 % empty, and 0.5 % symbolic links to other files;
 *   - 48 %  medium binaries, 16 KiB to 8 MiB (log-uniform): half random (media,
 *           archives), half compressible (records, databases; zstd about 2.6:1), 3 % copies;
 *   - 40 %  large files (two per GiB) like disk images and dumps: segments of 256 KiB
 *           to 4 MiB, new random data, copies of earlier segments at any byte offset,
 *           zeros, and compressible records.
 * Every file's bytes come from its own generator seeded by (seed, file number), and the
 * files are written in one order, so the tree is the same byte for byte on every run.
 *
 * mutate, by file size: under 1 MiB a line is inserted near the middle and one near the
 * end is rewritten; up to 64 MiB three 4 KiB regions are overwritten; larger files get
 * 1 KiB inserted at a third (shifting the rest) and 64 KiB overwritten at two thirds.
 * The change of a file depends only on its path, size and the seed.
 *
 * Build: cc -O2 -o gen gen.c -lm
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KIB 1024ULL
#define MIB (1024ULL * 1024)
#define GIB (1024ULL * 1024 * 1024)
#define DEPTH_MAX 12
#define PATH_LEN 1024

/* ---------------------------------------------------------------- randomness */

struct rng {
	uint64_t s[4]; /* xoshiro256** */
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed * 0x2545f4914f6cdd1dULL ^ stream;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static uint64_t rng_u64(struct rng *r)
{
	uint64_t *s = r->s, res = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = s[3] << 45 | s[3] >> 19;
	return res;
}

static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_u64(r) % n : 0;
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) / 9007199254740992.0;
}

static void rng_fill(struct rng *r, uint8_t *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t v = rng_u64(r);
		memcpy(p + i, &v, 8);
	}
	if (i < n) {
		uint64_t v = rng_u64(r);
		memcpy(p + i, &v, n - i);
	}
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

/* ------------------------------------------------------------------ output */

static void die(const char *what, const char *path)
{
	fprintf(stderr, "gen: %s '%s': %s\n", what, path, strerror(errno));
	exit(1);
}

/* snprintf that stops the program rather than cut a path short. */
__attribute__((format(printf, 3, 4))) static void fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		die("path too long", out);
	}
}

struct out {
	int fd;
	const char *path;
	uint8_t buf[1 << 20];
	size_t len;
	uint64_t total;
};

static void out_flush(struct out *o)
{
	size_t off = 0;
	while (off < o->len) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("cannot write", o->path);
		off += (size_t)n;
	}
	o->len = 0;
}

static void out_put(struct out *o, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0) {
		size_t k = sizeof(o->buf) - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, b, k);
		o->len += k;
		o->total += k;
		b += k;
		n -= k;
		if (o->len == sizeof(o->buf))
			out_flush(o);
	}
}

static void out_open(struct out *o, const char *path)
{
	o->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (o->fd < 0)
		die("cannot create", path);
	o->path = path;
	o->len = 0;
	o->total = 0;
}

static void out_close(struct out *o)
{
	out_flush(o);
	if (close(o->fd) != 0)
		die("cannot write", o->path);
}

/* -------------------------------------------------------------------- text */

static const char *const words[] = {
    "the",	"int",	    "return",	 "if",	   "struct", "const",	"char",	    "size_t",  "for",	  "else",
    "void",	"static",   "uint8_t",	 "NULL",   "len",    "buf",	"err",	    "goto",    "out",	  "while",
    "break",	"ret",	    "self",	 "def",	   "import", "from",	"in",	    "not",     "and",	  "or",
    "None",	"True",	    "False",	 "value",  "key",    "name",	"path",	    "config",  "request", "response",
    "error",	"message",  "count",	 "index",  "offset", "data",	"list",	    "node",    "tree",	  "parse",
    "read",	"write",    "open",	 "close",  "init",   "free",	"alloc",    "copy",    "check",	  "update",
    "delete",	"create",   "get",	 "set",	   "add",    "remove",	"find",	    "load",    "save",	  "send",
    "recv",	"lock",	    "unlock",	 "user",   "host",   "time",	"date",	    "file",    "dir",	  "mode",
    "size",	"type",	    "flags",	 "state",  "status", "result",	"options",  "args",    "argv",	  "argc",
    "printf",	"fprintf",  "stderr",	 "assert", "memcpy", "strlen",	"sizeof",   "case",    "switch",  "default",
    "continue", "unsigned", "long",	 "double", "bool",   "true",	"false",    "class",   "public",  "private",
    "function", "var",	    "let",	 "async",  "await",  "try",	"catch",    "throw",   "new",	  "this",
    "package",	"module",   "test",	 "expect", "should", "when",	"then",	    "backup",  "restore", "snapshot",
    "chunk",	"blob",	    "pack",	 "repo",   "cache",  "hash",	"digest",   "cipher",  "nonce",	  "session",
    "token",	"ticket",   "inventory", "agent",  "server", "client",	"socket",   "timeout", "retry",	  "limit",
    "queue",	"worker",   "thread",	 "mutex",  "signal", "handler", "callback", "event",   "loop",	  "buffer",
    "stream",	"reader",   "writer",	 "encode", "decode", "format",	"version",  "schema",  "table",	  "column",
    "row",	"query",    "select",	 "insert", "where",  "order",	"group",    "join",    "begin",	  "commit",
    "rollback", "TODO",	    "FIXME",	 "note",   "see",    "because", "we",	    "it",      "is",	  "a",
    "to",	"of",	    "be",	 "this",   "that",   "with",	"on",	    "at",      "by",	  "as",
    "an",	"are",	    "was",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static double zipf_cdf[NWORDS];

static void zipf_init(void)
{
	double sum = 0;
	for (size_t i = 0; i < NWORDS; i++)
		sum += 1.0 / (double)(i + 1);
	double acc = 0;
	for (size_t i = 0; i < NWORDS; i++) {
		acc += 1.0 / (double)(i + 1) / sum;
		zipf_cdf[i] = acc;
	}
}

static const char *word(struct rng *r)
{
	double u = rng_unit(r);
	size_t lo = 0, hi = NWORDS - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return words[lo];
}

/* One line of code-like text (with its newline) into line; returns its length. */
static size_t text_line(struct rng *r, const char *module, char *line, size_t cap)
{
	static const char *const seps[] = {" ", " ", " ", "(", ", ", ") ", " = ", "->", ".", "_", "; ", " == "};
	size_t len = 0;
	unsigned indent = (unsigned)rng_below(r, 4);
	for (unsigned i = 0; i < indent; i++)
		line[len++] = '\t';
	unsigned kind = (unsigned)rng_below(r, 10), n = 2 + (unsigned)rng_below(r, 9);
	if (kind == 0) { /* blank */
		line[len++] = '\n';
		return len;
	}
	if (kind == 1)
		len += (size_t)snprintf(line + len, cap - len, "/* ");
	for (unsigned i = 0; i < n && len + 64 < cap; i++) {
		const char *w = rng_below(r, 12) == 0 ? module : word(r);
		len += (size_t)snprintf(line + len, cap - len, "%s%s", w, i + 1 < n ? seps[rng_below(r, 12)] : "");
	}
	if (kind == 1)
		len += (size_t)snprintf(line + len, cap - len, " */");
	else if (kind > 5)
		line[len++] = ';';
	line[len++] = '\n';
	return len;
}

static void write_text(struct out *o, struct rng *r, uint64_t size)
{
	char line[512], module[64];
	fmt(module, sizeof(module), "%s_%s", word(r), word(r));
	int n = snprintf(line, sizeof(line), "/* %s: generated for the backup benchmark */\n", module);
	out_put(o, line, (size_t)n);
	while (o->total < size) {
		size_t len = text_line(r, module, line, sizeof(line));
		if (o->total + len > size)
			len = (size_t)(size - o->total);
		out_put(o, line, len);
	}
}

/* ----------------------------------------------------------------- binaries */

/* Records like a database's or a log's: counters, small alphabets, zeros, some text. */
static void put_records(struct out *o, struct rng *r, uint64_t n)
{
	uint8_t rec[64];
	uint32_t id = (uint32_t)rng_below(r, 1u << 24);
	uint64_t end = o->total + n;
	while (o->total < end) {
		memset(rec, 0, sizeof(rec));
		id += 1 + (uint32_t)rng_below(r, 3);
		memcpy(rec, &id, 4);
		uint32_t ts = 1700000000u + id * 7;
		memcpy(rec + 4, &ts, 4);
		rec[8] = (uint8_t)rng_below(r, 8);
		for (int i = 9; i < 24; i++)
			rec[i] = (uint8_t)('a' + rng_below(r, 6));
		uint64_t v = rng_u64(r) & 0x0000ffff0000ffffULL;
		memcpy(rec + 24, &v, 8);
		const char *w = word(r);
		memcpy(rec + 40, w, strlen(w) < 24 ? strlen(w) : 24);
		size_t k = end - o->total < sizeof(rec) ? (size_t)(end - o->total) : sizeof(rec);
		out_put(o, rec, k);
	}
}

static void put_random(struct out *o, struct rng *r, uint64_t n)
{
	static uint8_t block[1 << 16];
	while (n > 0) {
		size_t k = n < sizeof(block) ? (size_t)n : sizeof(block);
		rng_fill(r, block, k);
		out_put(o, block, k);
		n -= k;
	}
}

static void write_binary(struct out *o, struct rng *r, uint64_t size, bool compressible)
{
	if (compressible)
		put_records(o, r, size);
	else
		put_random(o, r, size);
}

/* A disk image or dump: segments of new data, earlier segments again, zeros, records.
 * Copies are read back from the file written so far, at any byte offset. */
static void write_large(struct out *o, struct rng *r, uint64_t size)
{
	static uint8_t copy[4 * 1024 * 1024];
	while (o->total < size) {
		uint64_t seg = 256 * KIB + rng_below(r, 4 * MIB - 256 * KIB);
		if (seg > size - o->total)
			seg = size - o->total;
		unsigned kind = (unsigned)rng_below(r, 20);
		if (kind < 10 || o->total < 8 * MIB) {
			put_random(o, r, seg);
		} else if (kind < 15) {
			uint64_t from = rng_below(r, o->total - seg);
			out_flush(o);
			if (pread(o->fd, copy, (size_t)seg, (off_t)from) != (ssize_t)seg)
				die("cannot read back", o->path);
			out_put(o, copy, (size_t)seg);
		} else if (kind < 17) {
			memset(copy, 0, (size_t)seg);
			out_put(o, copy, (size_t)seg);
		} else {
			put_records(o, r, seg);
		}
	}
}

/* --------------------------------------------------------------------- tree */

struct dir {
	char path[PATH_LEN]; /* relative to the root, "" for the root */
	unsigned depth;
};

static struct dir *dirs;
static size_t ndirs, capdirs;

static size_t dir_add(struct rng *r, const char *root)
{
	if (ndirs == capdirs) {
		capdirs = capdirs ? 2 * capdirs : 256;
		dirs = realloc(dirs, capdirs * sizeof(*dirs));
		if (!dirs)
			die("out of memory for", "dirs");
	}
	struct dir *d = &dirs[ndirs];
	if (ndirs == 0) {
		d->path[0] = 0;
		d->depth = 0;
	} else {
		/* a child of a recent directory, mostly: trees grow deep */
		size_t parent = ndirs - 1 - rng_below(r, ndirs < 8 ? ndirs : 8);
		if (rng_below(r, 4) == 0)
			parent = rng_below(r, ndirs);
		while (dirs[parent].depth >= DEPTH_MAX)
			parent = rng_below(r, ndirs);
		fmt(d->path, sizeof(d->path), "%s%s%s_%zu", dirs[parent].path, dirs[parent].path[0] ? "/" : "", word(r),
		    ndirs);
		d->depth = dirs[parent].depth + 1;
	}
	char full[2 * PATH_LEN];
	fmt(full, sizeof(full), "%s/%s", root, d->path);
	if (ndirs > 0 && mkdir(full, 0755) != 0)
		die("cannot make directory", full);
	return ndirs++;
}

struct made {
	char path[2 * PATH_LEN + 64];
	uint64_t size;
};

static int cmd_tree(const char *root, double gib, uint64_t seed)
{
	static const char *const text_ext[] = {".c", ".h", ".py", ".js", ".go", ".md", ".json", ".txt", ".sh", ".rs"};
	static const char *const rand_ext[] = {".jpg", ".png", ".zip", ".gz", ".mp3", ".pdf"};
	static const char *const comp_ext[] = {".db", ".bin", ".log", ".tar", ".idx", ".dat"};
	struct rng tr;
	struct out *o = malloc(sizeof(*o));
	uint64_t total = (uint64_t)(gib * (double)GIB), text_budget = total * 12 / 100, bin_budget = total * 48 / 100;
	uint64_t nlarge = (uint64_t)(gib * 2 + 0.5), large_budget, files = 0, bytes = 0, links = 0, copies = 0;
	struct made *texts = NULL, *bins = NULL;
	size_t ntexts = 0, captexts = 0, nbins = 0, capbins = 0;
	char full[2 * PATH_LEN + 64];

	if (!o)
		die("out of memory for", "output");
	if (nlarge < 1)
		nlarge = 1;
	large_budget = total - text_budget - bin_budget;
	if (mkdir(root, 0755) != 0)
		die("cannot make directory", root);
	zipf_init();
	rng_seed(&tr, seed, 0);
	dir_add(&tr, root);

	/* text files, with directories made as they fill up (about 12 files each) */
	uint64_t written = 0, n = 0;
	while (written < text_budget) {
		if (ndirs < 2 || rng_below(&tr, 12) == 0)
			dir_add(&tr, root);
		struct dir *d = &dirs[ndirs - 1 - rng_below(&tr, ndirs < 40 ? ndirs : 40)];
		struct rng fr;
		rng_seed(&fr, seed, 1000000 + n);
		const char *ext = text_ext[rng_below(&fr, sizeof(text_ext) / sizeof(text_ext[0]))];
		fmt(full, sizeof(full), "%s/%s%s%s_%" PRIu64 "%s", root, d->path, d->path[0] ? "/" : "", word(&fr), n,
		    ext);
		n++;
		unsigned kind = (unsigned)rng_below(&fr, 200);
		if (kind == 0) {	  /* a symbolic link to an earlier text file */
			if (ntexts > 0) { /* relative, from the link's directory */
				char target[4 * PATH_LEN] = "";
				size_t tl = 0;
				for (unsigned k = 0; k < d->depth; k++)
					tl += (size_t)snprintf(target + tl, sizeof(target) - tl, "../");
				fmt(target + tl, sizeof(target) - tl, "%s",
				    texts[rng_below(&fr, ntexts)].path + strlen(root) + 1);
				if (symlink(target, full) != 0)
					die("cannot make link", full);
				links++;
			}
			continue;
		}
		out_open(o, full);
		if (kind <= 10 && ntexts > 0) { /* a copy (vendored code) */
			const struct made *m = &texts[rng_below(&fr, ntexts)];
			int in = open(m->path, O_RDONLY | O_CLOEXEC);
			if (in < 0)
				die("cannot open", m->path);
			ssize_t k;
			while ((k = read(in, o->buf + o->len, sizeof(o->buf) - o->len)) > 0) {
				o->len += (size_t)k;
				o->total += (uint64_t)k;
				if (o->len == sizeof(o->buf))
					out_flush(o);
			}
			close(in);
			copies++;
		} else if (kind > 197) { /* empty */
		} else {
			/* log-normal: median 3 KiB, sigma 1 (mean 5 KiB) */
			double u = rng_unit(&fr) + 1e-12, v = rng_unit(&fr);
			double size = 3072.0 * exp(sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v));
			if (size > 256 * KIB)
				size = 256 * KIB;
			write_text(o, &fr, (uint64_t)size + 64);
		}
		out_close(o);
		written += o->total;
		bytes += o->total;
		files++;
		if (ntexts == captexts) {
			captexts = captexts ? 2 * captexts : 1024;
			texts = realloc(texts, captexts * sizeof(*texts));
			if (!texts)
				die("out of memory for", "texts");
		}
		fmt(texts[ntexts].path, sizeof(texts[ntexts].path), "%s", full);
		texts[ntexts++].size = o->total;
	}

	/* medium binaries, into the existing directories */
	written = 0;
	n = 0;
	while (written < bin_budget) {
		struct rng fr;
		rng_seed(&fr, seed, 2000000 + n);
		struct dir *d = &dirs[rng_below(&fr, ndirs)];
		bool comp = rng_below(&fr, 2) == 0;
		const char *ext = comp ? comp_ext[rng_below(&fr, 6)] : rand_ext[rng_below(&fr, 6)];
		fmt(full, sizeof(full), "%s/%s%s%s_%" PRIu64 "%s", root, d->path, d->path[0] ? "/" : "", word(&fr), n,
		    ext);
		n++;
		uint64_t size = (uint64_t)(16.0 * KIB * pow(512.0, rng_unit(&fr)));
		if (size > bin_budget - written + 16 * KIB)
			size = bin_budget - written + 16 * KIB;
		out_open(o, full);
		if (rng_below(&fr, 33) == 0 && nbins > 0) { /* a copy */
			const struct made *m = &bins[rng_below(&fr, nbins)];
			int in = open(m->path, O_RDONLY | O_CLOEXEC);
			ssize_t k;
			if (in < 0)
				die("cannot open", m->path);
			while ((k = read(in, o->buf + o->len, sizeof(o->buf) - o->len)) > 0) {
				o->len += (size_t)k;
				o->total += (uint64_t)k;
				if (o->len == sizeof(o->buf))
					out_flush(o);
			}
			close(in);
			copies++;
		} else {
			write_binary(o, &fr, size, comp);
		}
		out_close(o);
		written += o->total;
		bytes += o->total;
		files++;
		if (nbins == capbins) {
			capbins = capbins ? 2 * capbins : 256;
			bins = realloc(bins, capbins * sizeof(*bins));
			if (!bins)
				die("out of memory for", "bins");
		}
		fmt(bins[nbins].path, sizeof(bins[nbins].path), "%s", full);
		bins[nbins++].size = o->total;
	}

	/* large files */
	static const char *const large_names[] = {"disk", "vm", "dump", "archive", "image", "volume"};
	for (uint64_t i = 0; i < nlarge; i++) {
		struct rng fr;
		rng_seed(&fr, seed, 3000000 + i);
		struct dir *d = &dirs[rng_below(&fr, ndirs < 20 ? ndirs : 20)];
		fmt(full, sizeof(full), "%s/%s%s%s-%" PRIu64 ".img", root, d->path, d->path[0] ? "/" : "",
		    large_names[i % 6], i);
		out_open(o, full);
		write_large(o, &fr, large_budget / nlarge);
		out_close(o);
		bytes += o->total;
		files++;
	}
	printf("files=%" PRIu64 " dirs=%zu links=%" PRIu64 " copies=%" PRIu64 " bytes=%" PRIu64 " text_files=%zu "
	       "binaries=%zu large=%" PRIu64 "\n",
	       files, ndirs, links, copies, bytes, ntexts, nbins, nlarge);
	free(texts);
	free(bins);
	free(dirs);
	free(o);
	return 0;
}

/* ------------------------------------------------------------------- mutate */

static uint8_t *read_all(const char *path, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		die("cannot open", path);
	size_t len = (size_t)st.st_size, off = 0;
	uint8_t *b = malloc(len + 2 * MIB);
	if (!b)
		die("out of memory for", path);
	while (off < len) {
		ssize_t k = read(fd, b + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			die("cannot read", path);
		off += (size_t)k;
	}
	close(fd);
	*ret_len = len;
	return b;
}

static void insert(uint8_t *b, size_t *len, size_t at, const uint8_t *p, size_t n)
{
	memmove(b + at + n, b + at, *len - at);
	memcpy(b + at, p, n);
	*len += n;
}

static int cmd_mutate(const char *root, uint64_t seed)
{
	char rel[PATH_LEN], full[2 * PATH_LEN + 8], line[512];
	unsigned changed = 0;
	uint64_t bytes = 0;
	zipf_init();
	while (fgets(rel, sizeof(rel), stdin)) {
		rel[strcspn(rel, "\n")] = 0;
		if (!rel[0])
			continue;
		fmt(full, sizeof(full), "%s/%s", root, rel);
		size_t len;
		uint8_t *b = read_all(full, &len);
		struct rng r;
		rng_seed(&r, seed ^ hash_str(rel), len);
		if (len < MIB) {
			size_t at = len / 2;
			while (at < len && b[at - (at > 0)] != '\n')
				at++;
			size_t n = text_line(&r, "changed", line, sizeof(line));
			insert(b, &len, at, (const uint8_t *)line, n);
			n = text_line(&r, "edited", line, sizeof(line));
			size_t end = len > n ? len - n : 0;
			memcpy(b + end, line, len - end < n ? len - end : n);
		} else if (len <= 64 * MIB) {
			for (int k = 1; k <= 3; k++)
				rng_fill(&r, b + len * (size_t)k / 4, 4096);
		} else {
			uint8_t ins[1024];
			rng_fill(&r, ins, sizeof(ins));
			insert(b, &len, len / 3, ins, sizeof(ins));
			rng_fill(&r, b + 2 * (len / 3), 64 * 1024);
		}
		int fd = open(full, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			die("cannot open", full);
		size_t off = 0;
		while (off < len) {
			ssize_t k = write(fd, b + off, len - off);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				die("cannot write", full);
			off += (size_t)k;
		}
		if (close(fd) != 0)
			die("cannot write", full);
		free(b);
		changed++;
		bytes += len;
	}
	printf("changed=%u bytes=%" PRIu64 "\n", changed, bytes);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: gen tree DIR [--size-gib X] [--seed S]\n"
			"       gen mutate DIR [--seed S] < LIST\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double gib = 2;
	uint64_t seed = 1;
	if (argc < 3)
		usage();
	for (int i = 3; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "--size-gib") == 0 && i + 1 < argc) {
			gib = strtod(argv[++i], &end);
			if (*end || !(gib > 0) || gib > 1024)
				usage();
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			seed = strtoull(argv[++i], &end, 10);
			if (*end)
				usage();
		} else {
			usage();
		}
	}
	if (strcmp(argv[1], "tree") == 0)
		return cmd_tree(argv[2], gib, seed);
	if (strcmp(argv[1], "mutate") == 0)
		return cmd_mutate(argv[2], seed);
	usage();
	return 2;
}
