/*
 * httpc.c: see httpc.h. The response parser takes the whole buffer read so far and is
 * run again as bytes arrive; it is strict where a lenient reading could be fooled
 * (conflicting lengths, unknown transfer codings, folded headers) and bounded
 * everywhere else.
 */
#include "core/httpc.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conn.h"
#include "core/err.h"
#include "core/timeutil.h"

#define HTTPC_CHUNK_LINE_MAX 1024 /* a chunk-size line, extensions included */
#define HTTPC_READ 65536

/* The buffer is not NUL-terminated: messages quote at most 40 of the n bytes there. */
#define EXCERPT(n) ((int)((n) < 40 ? (n) : 40))

int httpc_pin_parse(const char *text, char *out, size_t size)
{
	unsigned char bin[32];
	size_t len = 0;
	if (strncmp(text, "sha256//", 8) == 0 && strlen(text) == 8 + 44 && size > 8 + 44 &&
	    sodium_base642bin(bin, sizeof(bin), text + 8, 44, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    len == 32) {
		snprintf(out, size, "%s", text);
		return 0;
	}
	if (strlen(text) == 64 && sodium_hex2bin(bin, sizeof(bin), text, 64, NULL, &len, NULL) == 0 && len == 32 &&
	    size >= 8 + sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)) {
		memcpy(out, "sha256//", 8);
		sodium_bin2base64(out + 8, size - 8, bin, 32, sodium_base64_VARIANT_ORIGINAL);
		return 0;
	}
	return err_set(-EINVAL, "fingerprint '%.80s' is not valid: give the SHA-256 of the server's public key as 64 hex "
				"digits or sha256//BASE64",
		       text);
}

/* --- the response parser --- */

static bool token_char(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", ch);
}

static bool ieq(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && strncasecmp(a, b, alen) == 0;
}

/* Digits only, no sign, no overflow. */
static bool parse_size(const char *s, size_t n, int base, uint64_t *ret)
{
	uint64_t v = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = isdigit((unsigned char)s[i])		       ? s[i] - '0'
			: base == 16 && isxdigit((unsigned char)s[i]) ? (tolower((unsigned char)s[i]) - 'a' + 10)
								       : -1;
		if (d < 0 || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*ret = v;
	return true;
}

struct head {
	size_t end; /* offset just past the blank line */
	int status;
	bool chunked, has_length;
	uint64_t length;
};

/* One response head starting at off. */
static int parse_head(const char *buf, size_t len, size_t off, bool eof, struct head *h)
{
	size_t avail = len - off, scan = avail < HTTPC_HEAD_MAX ? avail : HTTPC_HEAD_MAX;
	const char *p = buf + off, *end = memmem(p, scan, "\r\n\r\n", 4);
	memset(h, 0, sizeof(*h));
	if (!end) {
		if (avail >= HTTPC_HEAD_MAX)
			return err_set(-EBADMSG, "response headers are longer than %d bytes", HTTPC_HEAD_MAX);
		return eof ? err_set(-EBADMSG, "the connection closed before the response headers ended") : -EAGAIN;
	}
	h->end = (size_t)(end - buf) + 4;
	const char *line_end = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
	size_t n = (size_t)(line_end - p);
	/* "HTTP/1.1 200 OK": the reason phrase may be empty. */
	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
	    !isdigit((unsigned char)p[9]) || !isdigit((unsigned char)p[10]) || !isdigit((unsigned char)p[11]) ||
	    (n > 12 && p[12] != ' '))
		return err_set(-EBADMSG, "not an HTTP/1.x status line: '%.*s'", EXCERPT(n), p);
	for (size_t i = 12; i < n; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
			return err_set(-EBADMSG, "control character in the HTTP status line");
	h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (h->status < 100 || h->status > 599)
		return err_set(-EBADMSG, "HTTP status %d is out of range", h->status);
	for (p = line_end + 2; p < end + 2; p = line_end + 2) {
		line_end = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
		n = (size_t)(line_end - p);
		const char *colon = memchr(p, ':', n);
		if (!colon || colon == p)
			return err_set(-EBADMSG, "malformed response header line: '%.*s'", EXCERPT(n), p);
		for (const char *q = p; q < colon; q++)
			if (!token_char((unsigned char)*q))
				return err_set(-EBADMSG, "malformed response header name: '%.*s'", EXCERPT(n), p);
		const char *v = colon + 1, *ve = line_end;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *q = v; q < ve; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t')
				return err_set(-EBADMSG, "control character in a response header");
		if (ieq(p, (size_t)(colon - p), "content-length")) {
			uint64_t l;
			if (!parse_size(v, (size_t)(ve - v), 10, &l) || (h->has_length && l != h->length))
				return err_set(-EBADMSG, "bad Content-Length in the response");
			h->has_length = true;
			h->length = l;
		} else if (ieq(p, (size_t)(colon - p), "transfer-encoding")) {
			/* Only "chunked" (the last and only coding we take). */
			if (!ieq(v, (size_t)(ve - v), "chunked") || h->chunked)
				return err_set(-EBADMSG, "unsupported Transfer-Encoding '%.*s'", (int)(ve - v > 40 ? 40 : ve - v), v);
			h->chunked = true;
		}
	}
	return 0;
}

/* Walks the chunks from off. With out NULL, checks them and sums their sizes into
 * *total; with out, copies the data there. */
static int walk_chunks(const char *buf, size_t len, size_t off, bool eof, size_t max_body, char *out, size_t *total,
		       size_t *want)
{
	const char *more = "the connection closed in the middle of a chunked response";
	size_t sum = 0;
	for (;;) {
		size_t avail = len - off, scan = avail < HTTPC_CHUNK_LINE_MAX ? avail : HTTPC_CHUNK_LINE_MAX;
		const char *p = buf + off, *le = memmem(p, scan, "\r\n", 2);
		if (!le) {
			if (avail >= HTTPC_CHUNK_LINE_MAX)
				return err_set(-EBADMSG, "a chunk-size line is longer than %d bytes", HTTPC_CHUNK_LINE_MAX);
			return eof ? err_set(-EBADMSG, "%s", more) : -EAGAIN;
		}
		size_t digits = 0;
		while (p + digits < le && isxdigit((unsigned char)p[digits]))
			digits++;
		uint64_t size;
		if (!parse_size(p, digits, 16, &size) || (p + digits < le && p[digits] != ';' && p[digits] != ' ' && p[digits] != '\t'))
			return err_set(-EBADMSG, "malformed chunk size: '%.*s'", EXCERPT((size_t)(le - p)), p);
		off = (size_t)(le - buf) + 2;
		if (size == 0) {
			/* Trailer fields, then a blank line. */
			for (;;) {
				avail = len - off;
				scan = avail < HTTPC_CHUNK_LINE_MAX ? avail : HTTPC_CHUNK_LINE_MAX;
				le = memmem(buf + off, scan, "\r\n", 2);
				if (!le) {
					if (avail >= HTTPC_CHUNK_LINE_MAX)
						return err_set(-EBADMSG, "a trailer line is longer than %d bytes",
							       HTTPC_CHUNK_LINE_MAX);
					return eof ? err_set(-EBADMSG, "%s", more) : -EAGAIN;
				}
				if (le == buf + off) {
					*total = sum;
					return 0;
				}
				/* Ignored, but they must look like fields. */
				if (!memchr(buf + off, ':', (size_t)(le - (buf + off))))
					return err_set(-EBADMSG, "malformed trailer line in a chunked response");
				off = (size_t)(le - buf) + 2;
			}
		}
		if (size > max_body - sum)
			return err_set(-E2BIG, "the response body is larger than %zu bytes", max_body);
		/* Written so that no sum can wrap, whatever size the peer claims. */
		if (len - off < size || len - off - size < 2) {
			*want = size > SIZE_MAX - off - 2 ? SIZE_MAX : off + (size_t)size + 2;
			return eof ? err_set(-EBADMSG, "%s", more) : -EAGAIN;
		}
		if (memcmp(buf + off + size, "\r\n", 2) != 0)
			return err_set(-EBADMSG, "a chunk does not end where its size says");
		if (out)
			memcpy(out + sum, buf + off, (size_t)size);
		sum += (size_t)size;
		off += (size_t)size + 2;
	}
}

int httpc_response_parse(const char *buf, size_t len, bool eof, size_t max_body, struct httpc_response *ret)
{
	struct head h;
	size_t off = 0;
	int r;
	memset(ret, 0, sizeof(*ret));
	for (;;) {
		if ((r = parse_head(buf, len, off, eof, &h)) < 0)
			return r;
		if (h.status >= 200)
			break;
		if (h.status == 101)
			return err_set(-EBADMSG, "the server switched protocols");
		off = h.end; /* 100 Continue, 102, 103: another head follows */
	}
	ret->status = h.status;
	if (h.status == 204 || h.status == 304) {
		ret->body = buf + h.end;
		return 0;
	}
	if (h.chunked) {
		size_t total = 0;
		if ((r = walk_chunks(buf, len, h.end, eof, max_body, NULL, &total, &ret->want)) < 0)
			return r;
		if (!(ret->decoded = malloc(total + 1)))
			return -ENOMEM;
		walk_chunks(buf, len, h.end, eof, max_body, ret->decoded, &total, &ret->want);
		ret->decoded[total] = '\0';
		ret->body = ret->decoded;
		ret->body_len = total;
		ret->want = 0;
		return 0;
	}
	if (h.has_length) {
		if (h.length > max_body)
			return err_set(-E2BIG, "the response body is larger than %zu bytes", max_body);
		if (len - h.end < h.length) {
			ret->want = h.end + (size_t)h.length;
			return eof ? err_set(-EBADMSG, "the connection closed before the response body ended") : -EAGAIN;
		}
		ret->body = buf + h.end;
		ret->body_len = (size_t)h.length;
		return 0;
	}
	/* No framing: the body runs to the end of the connection. */
	if (len - h.end > max_body)
		return err_set(-E2BIG, "the response body is larger than %zu bytes", max_body);
	if (!eof)
		return -EAGAIN;
	ret->body = buf + h.end;
	ret->body_len = len - h.end;
	return 0;
}

void httpc_response_free(struct httpc_response *r)
{
	free(r->decoded);
	r->decoded = NULL;
}

/* --- requests --- */

struct url {
	bool tls;
	char host[256], port[8], authority[300];
	const char *prefix; /* path prefix (into the server string), without the trailing slashes */
	size_t prefix_len;
};

static int url_parse(const char *server, struct url *u)
{
	const char *p;
	memset(u, 0, sizeof(*u));
	if (strncmp(server, "https://", 8) == 0) {
		u->tls = true;
		p = server + 8;
	} else if (strncmp(server, "http://", 7) == 0) {
		p = server + 7;
	} else {
		return err_set(-EINVAL, "server URL '%.100s' must start with http:// or https://", server);
	}
	size_t alen = strcspn(p, "/?#");
	if (alen == 0 || alen >= sizeof(u->authority) || p[alen] == '?' || p[alen] == '#')
		goto bad;
	memcpy(u->authority, p, alen);
	const char *port = NULL, *host = u->authority;
	size_t hlen;
	if (u->authority[0] == '[') {
		const char *close = strchr(u->authority, ']');
		if (!close)
			goto bad;
		host = u->authority + 1;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			goto bad;
	} else {
		const char *colon = strchr(u->authority, ':');
		hlen = colon ? (size_t)(colon - u->authority) : alen;
		if (colon)
			port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(u->host) || strchr(u->authority, '@'))
		goto bad;
	memcpy(u->host, host, hlen);
	for (const char *q = u->host; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr(".-:_%", *q))
			goto bad;
	int64_t pn = u->tls ? 443 : 80;
	if (port && parse_int64(port, 1, 65535, &pn) < 0)
		goto bad;
	snprintf(u->port, sizeof(u->port), "%d", (int)pn);
	u->prefix = p + alen;
	u->prefix_len = strlen(u->prefix);
	while (u->prefix_len > 0 && u->prefix[u->prefix_len - 1] == '/')
		u->prefix_len--;
	for (size_t i = 0; i < u->prefix_len; i++)
		if ((unsigned char)u->prefix[i] <= 0x20 || u->prefix[i] == 0x7f)
			goto bad;
	return 0;
bad:
	return err_set(-EINVAL, "server URL '%.100s' is not valid", server);
}

static bool header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Reads one response into *buf: 0 with *ret parsed from it. */
static int read_response(struct conn *cn, const char *server, int64_t deadline, char **buf, struct httpc_response *ret)
{
	size_t len = 0, cap = 0, want = 0;
	const size_t limit = HTTPC_HEAD_MAX + 2 * (size_t)HTTPC_REPLY_MAX;
	int r;
	for (;;) {
		if (len > 0 && len >= want) {
			r = httpc_response_parse(*buf, len, false, HTTPC_REPLY_MAX, ret);
			if (r != -EAGAIN)
				return r;
			want = ret->want > len ? ret->want : len + 1;
		}
		if (len == limit)
			return err_set(-E2BIG, "reply from '%s' is larger than %zu bytes", server, limit);
		if (cap - len < HTTPC_READ) {
			size_t ncap = cap ? cap * 2 : HTTPC_READ;
			if (ncap > limit)
				ncap = limit;
			char *nb = realloc(*buf, ncap + 1);
			if (!nb)
				return -ENOMEM;
			*buf = nb;
			cap = ncap;
		}
		ssize_t n = conn_read(cn, *buf + len, cap - len, deadline);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return httpc_response_parse(*buf, len, true, HTTPC_REPLY_MAX, ret);
		len += (size_t)n;
	}
}

/* The request body is serialised twice, to count it and to send it, rather than held
 * whole in memory: an agent's first report is most of a megabyte of JSON. */
#define HTTPC_BODY_FLAGS JSON_COMPACT

static int body_count(const char *buf, size_t len, void *arg)
{
	*(size_t *)arg += len;
	return 0;
}

struct body_writer {
	struct conn *cn;
	int64_t deadline;
	size_t len, sent;
	int err;
	char buf[16384];
};

static int body_flush(struct body_writer *w)
{
	if (w->len > 0 && w->err == 0)
		w->err = conn_write(w->cn, w->buf, w->len, w->deadline);
	w->sent += w->len;
	w->len = 0;
	return w->err;
}

static int body_write(const char *buf, size_t len, void *arg)
{
	struct body_writer *w = arg;
	while (len > 0) {
		size_t n = sizeof(w->buf) - w->len < len ? sizeof(w->buf) - w->len : len;
		memcpy(w->buf + w->len, buf, n);
		w->len += n;
		buf += n;
		len -= n;
		if (w->len == sizeof(w->buf) && body_flush(w) < 0)
			return -1;
	}
	return 0;
}

/* Sends body as JSON of exactly len bytes. */
static int body_send(struct conn *cn, const json_t *body, size_t len, int64_t deadline)
{
	struct body_writer *w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct body_writer){.cn = cn, .deadline = deadline};
	int r = json_dump_callback(body, body_write, w, HTTPC_BODY_FLAGS);
	if (body_flush(w) < 0 || w->err < 0)
		r = w->err;
	else if (r != 0 || w->sent != len)
		r = err_set(-EIO, "the request body changed while it was sent");
	free(w);
	return r;
}

int httpc_json(const struct httpc_config *c, const char *method, const char *path, const json_t *body,
	       const char *authorization, long *ret_status, json_t **ret_body)
{
	struct url u;
	struct conn *cn = NULL;
	struct httpc_response resp = {0};
	unsigned char pin[CONN_PIN_LEN];
	char *head = NULL, *reply = NULL;
	size_t pin_len = 0, body_len = 0;
	int r;
	*ret_body = NULL;
	if ((r = url_parse(c->server, &u)) < 0)
		return r;
	if (!header_safe(path) || strchr(path, ' ') || path[0] != '/' || (authorization && !header_safe(authorization)))
		return err_set(-EINVAL, "request path or authorization has characters HTTP cannot carry");
	if (c->pubkey_sha256 &&
	    (strncmp(c->pubkey_sha256, "sha256//", 8) != 0 ||
	     sodium_base642bin(pin, sizeof(pin), c->pubkey_sha256 + 8, strlen(c->pubkey_sha256 + 8), NULL, &pin_len, NULL,
			       sodium_base64_VARIANT_ORIGINAL) != 0 ||
	     pin_len != sizeof(pin)))
		return err_set(-EINVAL, "public-key pin '%.80s' is not valid", c->pubkey_sha256);
	if (body && json_dump_callback(body, body_count, &body_len, HTTPC_BODY_FLAGS) != 0)
		return -ENOMEM;
	int hl = asprintf(&head,
			  "%s %.*s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ward-agent/" WARD_VERSION
			  "\r\nAccept: application/json\r\nConnection: close\r\n%s%s%s%s%zu%s\r\n",
			  method, (int)u.prefix_len, u.prefix, path, u.authority, authorization ? "Authorization: " : "",
			  authorization ? authorization : "", authorization ? "\r\n" : "",
			  body ? "Content-Type: application/json\r\nContent-Length: " : "Content-Length: ", body_len,
			  "\r\n");
	if (hl < 0) {
		head = NULL;
		r = -ENOMEM;
		goto out;
	}
	int64_t deadline = time_mono_us() + (c->timeout_s > 0 ? c->timeout_s : 60) * 1000000;
	struct conn_tls tls = {.ca_file = c->ca_file, .pin = c->pubkey_sha256 ? pin : NULL};
	r = conn_open(u.host, u.port, u.tls ? &tls : NULL, deadline, &cn);
	if (r == -EPERM) {
		r = err_set(-EPERM, "cannot trust server '%s': %s", c->server, err_msg(r));
		goto out;
	}
	if (r == 0 && (r = conn_write(cn, head, (size_t)hl, deadline)) == 0 && body)
		r = body_send(cn, body, body_len, deadline);
	if (r == 0)
		r = read_response(cn, c->server, deadline, &reply, &resp);
	if (r == -E2BIG) {
		r = err_set(-E2BIG, "reply from '%s': %s", c->server, err_msg(r));
		goto out;
	}
	if (r < 0) {
		r = err_set(-EHOSTUNREACH, "cannot reach server '%s': %s", c->server, err_msg(r));
		goto out;
	}
	*ret_status = resp.status;
	if (resp.body_len > 0)
		*ret_body = json_loadb(resp.body, resp.body_len, JSON_DECODE_ANY, NULL);
out:
	httpc_response_free(&resp);
	conn_close(cn);
	free(reply);
	free(head);
	return r;
}
