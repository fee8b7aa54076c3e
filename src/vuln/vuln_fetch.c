/*
 * vuln_fetch.c: downloading a feed to a temporary file over HTTP(S) (core/conn, not
 * libcurl: see conn.h), with ETag / Last-Modified revalidation so an unchanged feed is
 * neither downloaded nor imported again; file:// names a local file or directory.
 * The response head and chunked bodies are parsed by a fed state machine
 * (vuln_fetch_parser), which the fuzz target drives directly.
 */
#include "vuln/vuln.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conn.h"
#include "core/err.h"
#include "core/timeutil.h"

#define FETCH_REDIRECTS 5     /* Location: hops followed */
#define FETCH_BUF (64 * 1024) /* bytes read from the connection at a time */

/* --- the response parser --- */

enum fp_state {
	FP_HEAD,       /* collecting the status line and headers */
	FP_BODY_LEN,   /* Content-Length bytes */
	FP_BODY_EOF,   /* until the connection closes */
	FP_CHUNK_SIZE, /* a chunk-size line */
	FP_CHUNK_DATA, /* chunk bytes */
	FP_CHUNK_CRLF, /* the CRLF after a chunk's data */
	FP_TRAILER,    /* trailer lines up to the empty one */
	FP_DONE,
	FP_ERROR,
};

struct vuln_fetch_parser {
	enum fp_state state;
	char head[VULN_FETCH_HEAD_MAX + 1]; /* the head, or a chunk-size / trailer line */
	size_t head_len;
	int status;
	int64_t length;	   /* Content-Length, or -1 */
	int64_t remaining; /* body bytes (FP_BODY_LEN) or chunk bytes left */
	int64_t body;	   /* body bytes delivered */
	int64_t body_max;
	bool no_body; /* 304, 204, 1xx, or a HEAD */
	char etag[VULN_FETCH_VALIDATOR_MAX + 1], last_modified[VULN_FETCH_VALIDATOR_MAX + 1];
	char location[VULN_FETCH_URL_MAX + 1];
	int (*sink)(void *arg, const char *data, size_t len);
	void *arg;
	int error;
};

struct vuln_fetch_parser *vuln_fetch_parser_new(int64_t body_max, int (*sink)(void *arg, const char *data, size_t len),
						void *arg)
{
	struct vuln_fetch_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->length = -1;
	p->body_max = body_max;
	p->sink = sink;
	p->arg = arg;
	return p;
}

void vuln_fetch_parser_free(struct vuln_fetch_parser *p)
{
	free(p);
}

int vuln_fetch_parser_status(const struct vuln_fetch_parser *p)
{
	return p->status;
}

const char *vuln_fetch_parser_header(const struct vuln_fetch_parser *p, const char *name)
{
	const char *v = strcasecmp(name, "etag") == 0		 ? p->etag
			: strcasecmp(name, "last-modified") == 0 ? p->last_modified
			: strcasecmp(name, "location") == 0	 ? p->location
								 : "";
	return *v ? v : NULL;
}

static int fp_fail(struct vuln_fetch_parser *p, int r, const char *msg)
{
	p->state = FP_ERROR;
	p->error = err_set(r, "%s", msg);
	return p->error;
}

/* Copies a header value, refusing control characters and over-long values. */
static int fp_value(struct vuln_fetch_parser *p, const char *v, size_t n, char *out, size_t size, const char *name)
{
	if (n >= size)
		return p->state = FP_ERROR, p->error = err_set(-EBADMSG, "the server's %s header is too long", name);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return p->state = FP_ERROR,
			       p->error = err_set(-EBADMSG, "the server's %s header holds a control character", name);
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static int fp_head_done(struct vuln_fetch_parser *p)
{
	char *line = p->head, *end = p->head + p->head_len;
	bool chunked = false;
	int r;
	/* status line: HTTP/1.x NNN reason */
	char *eol = memchr(line, '\n', (size_t)(end - line));
	if (!eol || (size_t)(eol - line) < 12 || strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ' || line[9] < '1' ||
	    line[9] > '5' || line[10] < '0' || line[10] > '9' || line[11] < '0' || line[11] > '9' ||
	    (line[12] != ' ' && line[12] != '\r' && line[12] != '\n'))
		return fp_fail(p, -EBADMSG, "the server's answer is not HTTP");
	p->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	for (line = eol + 1; line < end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			break;
		size_t n = (size_t)(eol - line);
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		char *colon = memchr(line, ':', n);
		if (!colon || colon == line)
			return fp_fail(p, -EBADMSG, "the server sent a malformed header line");
		size_t kn = (size_t)(colon - line);
		const char *v = colon + 1;
		size_t vn = n - kn - 1;
		while (vn && (*v == ' ' || *v == '\t'))
			v++, vn--;
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
			vn--;
#define IS(k) (kn == strlen(k) && strncasecmp(line, k, kn) == 0)
		if (IS("content-length")) {
			char num[24];
			int64_t len;
			if (vn == 0 || vn >= sizeof(num))
				return fp_fail(p, -EBADMSG, "the server sent a bad Content-Length");
			memcpy(num, v, vn);
			num[vn] = '\0';
			if (parse_int64(num, 0, INT64_MAX, &len) < 0 || (p->length >= 0 && p->length != len))
				return fp_fail(p, -EBADMSG, "the server sent a bad Content-Length");
			err_clear();
			p->length = len;
		} else if (IS("transfer-encoding")) {
			if (vn == 7 && strncasecmp(v, "chunked", 7) == 0)
				chunked = true;
			else if (!(vn == 8 && strncasecmp(v, "identity", 8) == 0))
				return fp_fail(p, -EBADMSG, "the server used a transfer encoding Ward does not read");
		} else if (IS("content-encoding")) {
			if (!(vn == 8 && strncasecmp(v, "identity", 8) == 0))
				return fp_fail(p, -EBADMSG,
					       "the server compressed the feed (Content-Encoding), which was not asked "
					       "for");
		} else if (IS("etag")) {
			if ((r = fp_value(p, v, vn, p->etag, sizeof(p->etag), "ETag")) < 0)
				return r;
		} else if (IS("last-modified")) {
			if ((r = fp_value(p, v, vn, p->last_modified, sizeof(p->last_modified), "Last-Modified")) < 0)
				return r;
		} else if (IS("location")) {
			if ((r = fp_value(p, v, vn, p->location, sizeof(p->location), "Location")) < 0)
				return r;
		}
#undef IS
	}
	p->head_len = 0;
	if (p->no_body || p->status == 304 || p->status == 204 || p->status < 200) {
		p->state = FP_DONE;
		return 0;
	}
	if (chunked) {
		p->length = -1;
		p->state = FP_CHUNK_SIZE;
	} else if (p->length >= 0) {
		if (p->length > p->body_max)
			return fp_fail(p, -E2BIG, "the feed is larger than the limit");
		p->remaining = p->length;
		p->state = p->length ? FP_BODY_LEN : FP_DONE;
	} else {
		p->state = FP_BODY_EOF;
	}
	return 0;
}

static int fp_deliver(struct vuln_fetch_parser *p, const char *d, size_t n)
{
	if (n == 0)
		return 0;
	if (p->body + (int64_t)n > p->body_max)
		return fp_fail(p, -E2BIG, "the feed is larger than the limit");
	p->body += (int64_t)n;
	int r = p->sink ? p->sink(p->arg, d, n) : 0;
	if (r < 0) {
		p->state = FP_ERROR;
		p->error = r;
	}
	return r;
}

/* Appends one byte to the line buffer; 1 when the line (ending in \n) is complete. */
static int fp_line_byte(struct vuln_fetch_parser *p, char c, size_t max)
{
	if (p->head_len >= max)
		return fp_fail(p, -EBADMSG, "the server sent a line that is too long");
	p->head[p->head_len++] = c;
	p->head[p->head_len] = '\0';
	return c == '\n';
}

int vuln_fetch_parser_feed(struct vuln_fetch_parser *p, const char *data, size_t len)
{
	size_t i = 0;
	int r;
	while (i < len) {
		switch (p->state) {
		case FP_ERROR: return p->error;
		case FP_DONE: return 0; /* bytes after the response are ignored */
		case FP_HEAD:
			if ((r = fp_line_byte(p, data[i++], VULN_FETCH_HEAD_MAX)) < 0)
				return r;
			if (p->head_len >= 2 && p->head[p->head_len - 1] == '\n' &&
			    (p->head[p->head_len - 2] == '\n' ||
			     (p->head_len >= 4 && memcmp(p->head + p->head_len - 4, "\r\n\r\n", 4) == 0))) {
				if ((r = fp_head_done(p)) < 0)
					return r;
				if (p->status >= 100 && p->status < 200 && p->state == FP_DONE) {
					p->state = FP_HEAD; /* 100 Continue: the real answer follows */
					p->status = 0;
				}
			}
			break;
		case FP_BODY_LEN:
		case FP_CHUNK_DATA: {
			size_t n = len - i;
			if ((int64_t)n > p->remaining)
				n = (size_t)p->remaining;
			if ((r = fp_deliver(p, data + i, n)) < 0)
				return r;
			i += n;
			p->remaining -= (int64_t)n;
			if (p->remaining == 0)
				p->state = p->state == FP_BODY_LEN ? FP_DONE : FP_CHUNK_CRLF;
			break;
		}
		case FP_BODY_EOF:
			if ((r = fp_deliver(p, data + i, len - i)) < 0)
				return r;
			i = len;
			break;
		case FP_CHUNK_CRLF:
			if ((r = fp_line_byte(p, data[i++], 2)) < 0)
				return r;
			if (r == 1) {
				if (strcmp(p->head, "\r\n") != 0 && strcmp(p->head, "\n") != 0)
					return fp_fail(p, -EBADMSG, "the server's chunked body is malformed");
				p->head_len = 0;
				p->state = FP_CHUNK_SIZE;
			}
			break;
		case FP_CHUNK_SIZE:
			if ((r = fp_line_byte(p, data[i++], 256)) < 0)
				return r;
			if (r == 1) {
				int64_t size = 0;
				size_t k = 0;
				for (; k < p->head_len; k++) {
					char c = p->head[k];
					int d = c >= '0' && c <= '9'   ? c - '0'
						: c >= 'a' && c <= 'f' ? c - 'a' + 10
						: c >= 'A' && c <= 'F' ? c - 'A' + 10
								       : -1;
					if (d < 0)
						break;
					if (size > (INT64_MAX >> 4))
						return fp_fail(p, -EBADMSG, "the server's chunk size is too large");
					size = size * 16 + d;
				}
				if (k == 0 || (p->head[k] != ';' && p->head[k] != '\r' && p->head[k] != '\n'))
					return fp_fail(p, -EBADMSG, "the server's chunked body is malformed");
				p->head_len = 0;
				p->remaining = size;
				p->state = size ? FP_CHUNK_DATA : FP_TRAILER;
			}
			break;
		case FP_TRAILER:
			if ((r = fp_line_byte(p, data[i++], VULN_FETCH_HEAD_MAX)) < 0)
				return r;
			if (r == 1) {
				bool empty = strcmp(p->head, "\r\n") == 0 || strcmp(p->head, "\n") == 0;
				p->head_len = 0;
				if (empty)
					p->state = FP_DONE;
			}
			break;
		}
	}
	return p->state == FP_ERROR ? p->error : 0;
}

int vuln_fetch_parser_finish(struct vuln_fetch_parser *p)
{
	switch (p->state) {
	case FP_ERROR: return p->error;
	case FP_DONE:
	case FP_BODY_EOF: return 0;
	case FP_HEAD: return fp_fail(p, -EBADMSG, "the server closed the connection before its answer was complete");
	default:
		return fp_fail(p, -EPIPE,
			       "the download is truncated: the connection closed before the whole feed arrived");
	}
}

/* --- URLs --- */

struct url {
	bool tls;
	char host[256];
	char port[8];
	char path[VULN_FETCH_URL_MAX + 1];
};

static int url_parse(const char *text, struct url *u)
{
	const char *p, *slash, *hend;
	memset(u, 0, sizeof(*u));
	if (strncmp(text, "http://", 7) == 0) {
		p = text + 7;
		snprintf(u->port, sizeof(u->port), "80");
	} else if (strncmp(text, "https://", 8) == 0) {
		p = text + 8;
		u->tls = true;
		snprintf(u->port, sizeof(u->port), "443");
	} else {
		return err_set(-EINVAL, "'%s' is not an http://, https:// or file:// URL", text);
	}
	slash = strchr(p, '/');
	if (!slash)
		slash = p + strlen(p);
	if (memchr(p, '@', (size_t)(slash - p)))
		return err_set(-EINVAL, "'%s': credentials in a feed URL are not supported", text);
	if (*p == '[') { /* [IPv6] */
		hend = memchr(p, ']', (size_t)(slash - p));
		if (!hend || (size_t)(hend - p - 1) >= sizeof(u->host) || hend == p + 1)
			return err_set(-EINVAL, "'%s' has a malformed host", text);
		memcpy(u->host, p + 1, (size_t)(hend - p - 1));
		hend++;
	} else {
		hend = p;
		while (hend < slash && *hend != ':')
			hend++;
		if (hend == p || (size_t)(hend - p) >= sizeof(u->host))
			return err_set(-EINVAL, "'%s' has no host", text);
		memcpy(u->host, p, (size_t)(hend - p));
	}
	if (hend < slash) {
		int64_t port;
		char num[8];
		if (*hend != ':' || (size_t)(slash - hend - 1) >= sizeof(num) || slash == hend + 1)
			return err_set(-EINVAL, "'%s' has a malformed port", text);
		memcpy(num, hend + 1, (size_t)(slash - hend - 1));
		num[slash - hend - 1] = '\0';
		if (parse_int64(num, 1, 65535, &port) < 0)
			return err_set(-EINVAL, "'%s' has a malformed port", text);
		snprintf(u->port, sizeof(u->port), "%d", (int)port);
	}
	if (snprintf(u->path, sizeof(u->path), "%s", *slash ? slash : "/") >= (int)sizeof(u->path))
		return err_set(-EINVAL, "the URL is longer than %d bytes", VULN_FETCH_URL_MAX);
	for (const char *c = u->path; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return err_set(-EINVAL, "'%s': a URL cannot hold spaces or control characters", text);
	char *frag = strchr(u->path, '#');
	if (frag)
		*frag = '\0';
	return 0;
}

/* --- downloading --- */

struct sink_file {
	int fd;
};

static int sink_write(void *arg, const char *data, size_t len)
{
	struct sink_file *f = arg;
	while (len) {
		ssize_t n = write(f->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(-errno, "cannot write the downloaded feed: %s", strerror(errno));
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One request; *ret_parser holds the answer (status, validators, location). */
static int fetch_once(const struct url *u, const char *etag, const char *last_modified, int fd, int64_t max,
		      int64_t deadline, struct vuln_fetch_parser **ret_parser)
{
	struct sink_file sf = {fd};
	struct vuln_fetch_parser *p = vuln_fetch_parser_new(max, sink_write, &sf);
	struct conn *c = NULL;
	char req[VULN_FETCH_URL_MAX + 2 * VULN_FETCH_VALIDATOR_MAX + 512], *buf = malloc(FETCH_BUF);
	int r, n;
	bool v6 = strchr(u->host, ':') != NULL;
	bool default_port = strcmp(u->port, u->tls ? "443" : "80") == 0;
	if (!p || !buf) {
		r = -ENOMEM;
		goto out;
	}
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nUser-Agent: ward/%s\r\nAccept: */*\r\n"
		     "Accept-Encoding: identity\r\nConnection: close\r\n%s%s%s%s%s%s\r\n",
		     u->path, v6 ? "[" : "", u->host, v6 ? "]" : "", default_port ? "" : ":",
		     default_port ? "" : u->port, WARD_VERSION, etag ? "If-None-Match: " : "", etag ? etag : "",
		     etag ? "\r\n" : "", last_modified ? "If-Modified-Since: " : "", last_modified ? last_modified : "",
		     last_modified ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(req)) {
		r = err_set(-EINVAL, "the request for '%s' is too long", u->path);
		goto out;
	}
	struct conn_tls tls = {0};
	if ((r = conn_open(u->host, u->port, u->tls ? &tls : NULL, deadline, &c)) < 0)
		goto out;
	if ((r = conn_write(c, req, (size_t)n, deadline)) < 0)
		goto out;
	for (;;) {
		ssize_t got = conn_read(c, buf, FETCH_BUF, deadline);
		if (got < 0) {
			r = (int)got;
			goto out;
		}
		if (got == 0) {
			r = vuln_fetch_parser_finish(p);
			break;
		}
		if ((r = vuln_fetch_parser_feed(p, buf, (size_t)got)) < 0)
			goto out;
		if (p->state == FP_DONE)
			break;
	}
out:
	conn_close(c);
	free(buf);
	if (r < 0) {
		vuln_fetch_parser_free(p);
		return r;
	}
	*ret_parser = p;
	return 0;
}

/* Resolves a Location against the URL it answered. */
static int location_resolve(const struct url *base, const char *loc, char *out, size_t size)
{
	int n;
	if (strncmp(loc, "http://", 7) == 0 || strncmp(loc, "https://", 8) == 0)
		n = snprintf(out, size, "%s", loc);
	else if (loc[0] == '/' && loc[1] != '/')
		n = strchr(base->host, ':') ? snprintf(out, size, "%s://[%s]:%s%s", base->tls ? "https" : "http",
						       base->host, base->port, loc)
					    : snprintf(out, size, "%s://%s:%s%s", base->tls ? "https" : "http",
						       base->host, base->port, loc);
	else
		return err_set(-EBADMSG, "the server redirected to '%s', which Ward does not follow", loc);
	if (n < 0 || (size_t)n >= size)
		return err_set(-EBADMSG, "the server redirected to a URL that is too long");
	return 0;
}

/* The validator of a local file: its size and modification time. */
static void file_validator(const struct stat *st, char *out, size_t size)
{
	snprintf(out, size, "\"file-%lld-%lld.%09ld\"", (long long)st->st_size, (long long)st->st_mtim.tv_sec,
		 st->st_mtim.tv_nsec);
}

int vuln_fetch(const char *url, const char *etag, const char *last_modified, const char *tmp_dir, int64_t max,
	       struct vuln_fetch_result *ret)
{
	struct vuln_fetch_result res = {0};
	char cur[VULN_FETCH_URL_MAX + 1];
	struct vuln_fetch_parser *p = NULL;
	int fd = -1, r = 0;
	if (strncmp(url, "file://", 7) == 0) {
		struct stat st;
		const char *path = url + 7;
		if (*path != '/')
			return err_set(-EINVAL, "'%s': a file:// URL needs an absolute path (file:///srv/feed.json)",
				       url);
		if (stat(path, &st) < 0)
			return err_set(-errno, "cannot fetch '%s': %s", url, strerror(errno));
		if (snprintf(res.path, sizeof(res.path), "%s", path) >= (int)sizeof(res.path))
			return err_set(-ENAMETOOLONG, "'%s' is too long", url);
		file_validator(&st, res.etag, sizeof(res.etag));
		res.status = etag && strcmp(etag, res.etag) == 0 ? 304 : 200;
		*ret = res;
		return 0;
	}
	if (strlen(url) > VULN_FETCH_URL_MAX)
		return err_set(-EINVAL, "the URL is longer than %d bytes", VULN_FETCH_URL_MAX);
	snprintf(cur, sizeof(cur), "%s", url);
	if (snprintf(res.path, sizeof(res.path), "%s/.ward-feed-XXXXXX", tmp_dir && *tmp_dir ? tmp_dir : "/tmp") >=
	    (int)sizeof(res.path))
		return err_set(-ENAMETOOLONG, "the temporary directory's name is too long");
	if ((fd = mkostemp(res.path, O_CLOEXEC)) < 0)
		return err_set(-errno, "cannot create a temporary file in '%s': %s", tmp_dir, strerror(errno));
	res.temporary = true;
	int64_t deadline = time_mono_us() + (int64_t)VULN_FETCH_TIMEOUT_S * 1000000;
	for (int hop = 0;; hop++) {
		struct url u;
		if ((r = url_parse(cur, &u)) < 0)
			goto out;
		if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
			r = err_set(-errno, "cannot write the downloaded feed: %s", strerror(errno));
			goto out;
		}
		if ((r = fetch_once(&u, etag, last_modified, fd, max, deadline, &p)) < 0) {
			r = err_set(r, "cannot download '%s': %s", cur, err_msg(r));
			goto out;
		}
		int st = p->status;
		if ((st == 301 || st == 302 || st == 303 || st == 307 || st == 308) && p->location[0]) {
			if (hop >= FETCH_REDIRECTS) {
				r = err_set(-ELOOP, "cannot download '%s': more than %d redirects", url,
					    FETCH_REDIRECTS);
				goto out;
			}
			char next[VULN_FETCH_URL_MAX + 1];
			if ((r = location_resolve(&u, p->location, next, sizeof(next))) < 0)
				goto out;
			snprintf(cur, sizeof(cur), "%s", next);
			vuln_fetch_parser_free(p);
			p = NULL;
			continue;
		}
		if (st != 200 && st != 304) {
			r = err_set(st == 404 || st == 410 ? -ENOENT : -EPROTO,
				    "cannot download '%s': the server answered %d", cur, st);
			goto out;
		}
		res.status = st;
		snprintf(res.etag, sizeof(res.etag), "%s", p->etag);
		snprintf(res.last_modified, sizeof(res.last_modified), "%s", p->last_modified);
		res.bytes = p->body;
		break;
	}
	if (res.status == 200 && fsync(fd) < 0) {
		r = err_set(-errno, "cannot write the downloaded feed: %s", strerror(errno));
		goto out;
	}
out:
	vuln_fetch_parser_free(p);
	if (fd >= 0)
		close(fd);
	if (r < 0 || res.status == 304) {
		unlink(res.path);
		res.temporary = false;
		res.path[0] = '\0';
	}
	if (r == 0)
		*ret = res;
	return r;
}

void vuln_fetch_result_release(struct vuln_fetch_result *r)
{
	if (r && r->temporary && r->path[0])
		unlink(r->path);
	if (r) {
		r->temporary = false;
		r->path[0] = '\0';
	}
}
