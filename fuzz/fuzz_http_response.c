/*
 * fuzz_http_response.c: httpc_response_parse on arbitrary bytes taken as a server's
 * reply: whole with and without eof, prefixes of it as a reader would see them, and
 * again with max_body just under and at the body it found, and with no limit at all.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SPLITS 8 /* prefixes tried besides the ones a reader would parse */

/* One parse of data[0..len) from a copy of exactly len bytes (so ASan sees a read past
 * the end, which a prefix of the input would hide), with the answer checked against the
 * contract. On 0 the body is copied out (owned by the caller) and the response freed. */
struct outcome {
	int ret;
	int status;
	size_t want;
	size_t body_len;
	char *body;
};

static struct outcome fuzz_parse(const uint8_t *data, size_t len, bool eof, size_t max_body)
{
	struct outcome o = {0};
	struct httpc_response r;
	char *buf = malloc(len ? len : 1);
	assert(buf);
	memcpy(buf, data, len);
	o.ret = httpc_response_parse(buf, len, eof, max_body, &r);
	assert(o.ret == 0 || o.ret == -EAGAIN || o.ret == -EBADMSG || o.ret == -E2BIG);
	if (o.ret == -EAGAIN) {
		assert(!eof);
		/* The hint never asks for fewer bytes than are there. */
		assert(r.want == 0 || r.want >= len);
		o.want = r.want;
	}
	if (o.ret == 0) {
		assert(r.status >= 200 && r.status <= 599);
		assert(r.body_len <= max_body);
		assert(r.body);
		if (r.decoded) {
			assert(r.body >= r.decoded);
		} else {
			assert(r.body >= buf && r.body <= buf + len);
			assert(r.body_len <= (size_t)(buf + len - r.body));
		}
		o.status = r.status;
		o.body_len = r.body_len;
		o.body = malloc(r.body_len ? r.body_len : 1);
		assert(o.body);
		memcpy(o.body, r.body, r.body_len); /* ASan checks a decoded body's size here */
		httpc_response_free(&r);
	}
	free(buf);
	return o;
}

static void fuzz_same(const struct outcome *a, const struct outcome *b)
{
	assert(a->ret == b->ret);
	if (a->ret == 0) {
		assert(a->status == b->status);
		assert(a->body_len == b->body_len);
		assert(memcmp(a->body, b->body, a->body_len) == 0);
	}
}

static void fuzz_done(struct outcome *o)
{
	free(o->body);
	o->body = NULL;
}

/* A prefix that answers (0 or an error) answers the same for the whole input: the
 * parser decides nothing from bytes it has not seen. A prefix that needs more, with a
 * hint, still needs more one byte before the hint. */
static void fuzz_prefix(const uint8_t *data, size_t size, size_t p, const struct outcome *whole)
{
	struct outcome o = fuzz_parse(data, p, false, HTTPC_REPLY_MAX);
	if (o.ret != -EAGAIN) {
		fuzz_same(&o, whole);
	} else if (o.want > p + 1 && o.want - 1 <= size) {
		struct outcome before = fuzz_parse(data, o.want - 1, false, HTTPC_REPLY_MAX);
		assert(before.ret == -EAGAIN);
		fuzz_done(&before);
	}
	fuzz_done(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;

	struct outcome more = fuzz_parse(data, size, false, HTTPC_REPLY_MAX);
	struct outcome eof = fuzz_parse(data, size, true, HTTPC_REPLY_MAX);
	if (more.ret != -EAGAIN)
		fuzz_same(&more, &eof); /* eof only matters when more bytes were wanted */

	/* A reader: reads of a few sizes, a parse whenever the hint is reached. */
	size_t len = 0, want = 0;
	uint64_t rng = h | 1;
	for (;;) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		static const size_t reads[] = {1, 2, 7, 64, 1000};
		size_t n = reads[rng % (sizeof(reads) / sizeof(reads[0]))];
		if (n > size - len)
			n = size - len;
		len += n;
		if (len < size && len < want)
			continue;
		struct outcome o = fuzz_parse(data, len, false, HTTPC_REPLY_MAX);
		want = o.want;
		if (o.ret != -EAGAIN || len == size) {
			fuzz_same(&o, &more);
			fuzz_done(&o);
			break;
		}
		fuzz_done(&o);
	}

	/* Prefixes: around the end of the first head, the middle, near the end, anywhere. */
	const uint8_t *head_end = size >= 4 ? memmem(data, size, "\r\n\r\n", 4) : NULL;
	size_t splits[FUZZ_SPLITS] = {size / 2, size > 0 ? size - 1 : 0, (size_t)(h % (size + 1)),
				      (size_t)((h >> 32) % (size + 1))};
	size_t nsplits = 4;
	if (head_end) {
		size_t e = (size_t)(head_end - data) + 4;
		splits[nsplits++] = e - 1;
		splits[nsplits++] = e;
		splits[nsplits++] = e + 1 <= size ? e + 1 : size;
	}
	for (size_t i = 0; i < nsplits; i++)
		fuzz_prefix(data, size, splits[i], &more);

	/* The limit: the body found fits in exactly its size and not in one byte less; no
	 * limit at all changes nothing but what the limit refused. */
	if (eof.ret == 0) {
		struct outcome at = fuzz_parse(data, size, true, eof.body_len);
		fuzz_same(&at, &eof);
		fuzz_done(&at);
		if (eof.body_len > 0) {
			struct outcome under = fuzz_parse(data, size, true, eof.body_len - 1);
			assert(under.ret == -E2BIG);
			fuzz_done(&under);
		}
	}
	struct outcome unlimited = fuzz_parse(data, size, true, SIZE_MAX);
	if (eof.ret != -E2BIG)
		fuzz_same(&unlimited, &eof);
	fuzz_done(&unlimited);

	fuzz_done(&more);
	fuzz_done(&eof);
	return 0;
}
