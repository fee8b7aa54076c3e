/*
 * apt_read.c: reads an apt index file, plain or compressed the way apt may keep them
 * (lz4, gzip, zstd), and hands its content on in bounded chunks (see apt_index.h).
 * liblz4 and zlib are dlopened for the one file that needs them and closed after, as
 * librpm is (inventory_rpm.c): Debian keeps its lists plain, and the agent and every
 * other command then never carry them; zstd is linked anyway, for the backups.
 */
#include "software/apt_index.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "core/err.h"

enum apt_codec { APT_PLAIN, APT_LZ4, APT_GZ, APT_ZST, APT_OTHER };

/* The calls taken from liblz4 and zlib (inflateInit2 is a macro for inflateInit2_). */
#define APT_LZ4_CALLS(X)                                                                                         \
	X(LZ4F_createDecompressionContext)                                                                       \
	X(LZ4F_decompress)                                                                                       \
	X(LZ4F_freeDecompressionContext)                                                                         \
	X(LZ4F_isError)                                                                                          \
	X(LZ4F_getErrorName)
#define APT_ZLIB_CALLS(X)                                                                                        \
	X(inflateInit2_)                                                                                         \
	X(inflate)                                                                                               \
	X(inflateReset)                                                                                          \
	X(inflateEnd)

struct apt_libs {
	void *handle; /* from dlopen, for one file */
#define APT_MEMBER(f) __typeof__(f) *f;
	APT_LZ4_CALLS(APT_MEMBER)
	APT_ZLIB_CALLS(APT_MEMBER)
#undef APT_MEMBER
};

/* dlopen's error state is per process: one load or unload at a time. */
static pthread_mutex_t apt_libs_lock = PTHREAD_MUTEX_INITIALIZER;

/* Loads liblz4 (lz4) or zlib (!lz4) into *l; -ENOPKG with err_set() when missing. */
static int apt_libs_open(struct apt_libs *l, bool lz4, const char *path)
{
	const char *soname = lz4 ? WARD_LZ4_SONAME : WARD_ZLIB_SONAME;
	memset(l, 0, sizeof(*l));
	pthread_mutex_lock(&apt_libs_lock);
	l->handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	const char *why = l->handle ? NULL : dlerror();
	pthread_mutex_unlock(&apt_libs_lock);
	if (!l->handle)
		return err_set(-ENOPKG, "cannot read '%s': %s is not installed (%s)", path, soname, why ? why : "");
#define APT_LOAD(f)                                                                                              \
	if (!(*(void **)&l->f = dlsym(l->handle, #f)))                                                          \
		goto missing;
	if (lz4) {
		APT_LZ4_CALLS(APT_LOAD)
	} else {
		APT_ZLIB_CALLS(APT_LOAD)
	}
#undef APT_LOAD
	return 0;
missing:
	pthread_mutex_lock(&apt_libs_lock);
	dlclose(l->handle);
	pthread_mutex_unlock(&apt_libs_lock);
	l->handle = NULL;
	return err_set(-ENOPKG, "cannot read '%s': %s lacks a function Ward needs", path, soname);
}

static void apt_libs_close(struct apt_libs *l)
{
	if (!l->handle)
		return;
	pthread_mutex_lock(&apt_libs_lock);
	dlclose(l->handle);
	pthread_mutex_unlock(&apt_libs_lock);
	l->handle = NULL;
}

static bool apt_ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The codec by suffix; *ret_base_len is the name's length without it. */
static enum apt_codec apt_codec_of(const char *name, size_t *ret_base_len)
{
	static const struct {
		const char *suffix;
		enum apt_codec codec;
	} codecs[] = {{".lz4", APT_LZ4}, {".gz", APT_GZ},     {".zst", APT_ZST},
		      {".xz", APT_OTHER}, {".bz2", APT_OTHER}, {".lzma", APT_OTHER}};
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (apt_ends_with(name, n, codecs[i].suffix)) {
			*ret_base_len = n - strlen(codecs[i].suffix);
			return codecs[i].codec;
		}
	*ret_base_len = n;
	return APT_PLAIN;
}

bool apt_index_name(const char *name, const char *suffix)
{
	size_t base;
	enum apt_codec c = apt_codec_of(name, &base);
	return c != APT_OTHER && apt_ends_with(name, base, suffix);
}

struct apt_reader {
	const char *path;
	int fd;
	apt_chunk_fn fn;
	void *arg;
	size_t total; /* content bytes handed on */
	char *in, *out;
	struct apt_libs lib; /* liblz4 or zlib, while one of them is needed */
};

/* Reads the next piece of the file: bytes, 0 at the end, or -errno. */
static ssize_t apt_reader_read(struct apt_reader *rd)
{
	for (;;) {
		ssize_t n = read(rd->fd, rd->in, WARD_APT_CHUNK);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return err_set(-errno, "cannot read '%s': %s", rd->path, strerror(errno));
	}
}

static int apt_reader_emit(struct apt_reader *rd, const char *data, size_t len)
{
	if (len == 0)
		return 0;
	if (len > WARD_APT_INDEX_MAX - rd->total)
		return err_set(-EFBIG, "'%s' holds more than %d MiB", rd->path, WARD_APT_INDEX_MAX >> 20);
	rd->total += len;
	return rd->fn(rd->arg, data, len);
}

static int apt_damaged(const struct apt_reader *rd, const char *why)
{
	return err_set(-EBADMSG, "'%s' is damaged: %s", rd->path, why);
}

static int apt_read_plain(struct apt_reader *rd)
{
	ssize_t n;
	int r = 0;
	while (r == 0 && (n = apt_reader_read(rd)) > 0)
		r = apt_reader_emit(rd, rd->in, (size_t)n);
	return r < 0 ? r : n < 0 ? (int)n : 0;
}

static int apt_read_lz4(struct apt_reader *rd)
{
	const struct apt_libs *L = &rd->lib;
	LZ4F_dctx *dctx;
	if (L->LZ4F_isError(L->LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
		return -ENOMEM;
	bool frame_done = true; /* an empty file is an empty index */
	ssize_t n;
	int r = 0;
	while (r == 0 && (n = apt_reader_read(rd)) > 0) {
		const char *src = rd->in;
		size_t left = (size_t)n, dst_len;
		do {
			size_t src_len = left;
			dst_len = WARD_APT_CHUNK;
			size_t hint = L->LZ4F_decompress(dctx, rd->out, &dst_len, src, &src_len, NULL);
			if (L->LZ4F_isError(hint)) {
				r = apt_damaged(rd, L->LZ4F_getErrorName(hint));
				break;
			}
			src += src_len;
			left -= src_len;
			frame_done = hint == 0;
			r = apt_reader_emit(rd, rd->out, dst_len);
		} while (r == 0 && (left > 0 || dst_len == WARD_APT_CHUNK));
	}
	L->LZ4F_freeDecompressionContext(dctx);
	if (r == 0 && n < 0)
		r = (int)n;
	if (r == 0 && !frame_done)
		r = apt_damaged(rd, "the lz4 frame is cut short");
	return r;
}

static int apt_read_gz(struct apt_reader *rd)
{
	const struct apt_libs *L = &rd->lib;
	z_stream z = {0};
	if (L->inflateInit2_(&z, 15 + 32, ZLIB_VERSION, (int)sizeof(z_stream)) != Z_OK)
		return -ENOMEM;
	bool started = false, ended = false;
	ssize_t n;
	int r = 0;
	while (r == 0 && (n = apt_reader_read(rd)) > 0) {
		bool full = false;
		z.next_in = (unsigned char *)rd->in;
		z.avail_in = (unsigned)n;
		started = true;
		while (r == 0 && (z.avail_in > 0 || full)) {
			if (ended) {
				if (z.avail_in == 0)
					break;
				L->inflateReset(&z); /* another gzip member follows */
				ended = false;
			}
			z.next_out = (unsigned char *)rd->out;
			z.avail_out = WARD_APT_CHUNK;
			int zr = L->inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
				r = apt_damaged(rd, z.msg ? z.msg : "not gzip data");
				break;
			}
			full = z.avail_out == 0;
			r = apt_reader_emit(rd, rd->out, WARD_APT_CHUNK - z.avail_out);
			if (zr == Z_STREAM_END)
				ended = true;
			else if (zr == Z_BUF_ERROR && !full)
				break;
		}
	}
	L->inflateEnd(&z);
	if (r == 0 && n < 0)
		r = (int)n;
	if (r == 0 && started && !ended)
		r = apt_damaged(rd, "the gzip stream is cut short");
	return r;
}

static int apt_read_zst(struct apt_reader *rd)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	if (!ds)
		return -ENOMEM;
	size_t last = 0;
	ssize_t n;
	int r = 0;
	while (r == 0 && (n = apt_reader_read(rd)) > 0) {
		ZSTD_inBuffer in = {rd->in, (size_t)n, 0};
		ZSTD_outBuffer out;
		do {
			out = (ZSTD_outBuffer){rd->out, WARD_APT_CHUNK, 0};
			last = ZSTD_decompressStream(ds, &out, &in);
			if (ZSTD_isError(last)) {
				r = apt_damaged(rd, ZSTD_getErrorName(last));
				break;
			}
			r = apt_reader_emit(rd, rd->out, out.pos);
		} while (r == 0 && (in.pos < in.size || out.pos == out.size));
	}
	ZSTD_freeDStream(ds);
	if (r == 0 && n < 0)
		r = (int)n;
	if (r == 0 && last != 0)
		r = apt_damaged(rd, "the zstd frame is cut short");
	return r;
}

int apt_read_file(const char *path, apt_chunk_fn fn, void *arg)
{
	size_t base;
	enum apt_codec codec = apt_codec_of(path, &base);
	if (codec == APT_OTHER)
		return err_set(-EPROTONOSUPPORT, "'%s' is compressed in a way Ward does not read (lz4, gz and zst are read)",
			       path);
	struct apt_reader rd = {.path = path, .fn = fn, .arg = arg};
	rd.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (rd.fd < 0)
		return err_set(-errno, "cannot open '%s': %s", path, strerror(errno));
	rd.in = malloc(WARD_APT_CHUNK);
	rd.out = malloc(WARD_APT_CHUNK);
	int r;
	if (!rd.in || !rd.out)
		r = -ENOMEM;
	else if (codec == APT_LZ4)
		r = apt_libs_open(&rd.lib, true, path) ?: apt_read_lz4(&rd);
	else if (codec == APT_GZ)
		r = apt_libs_open(&rd.lib, false, path) ?: apt_read_gz(&rd);
	else if (codec == APT_ZST)
		r = apt_read_zst(&rd);
	else
		r = apt_read_plain(&rd);
	apt_libs_close(&rd.lib);
	free(rd.in);
	free(rd.out);
	close(rd.fd);
	return r;
}
