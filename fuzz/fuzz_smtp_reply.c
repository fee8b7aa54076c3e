/*
 * fuzz_smtp_reply.c: smtp_reply_parse on arbitrary bytes taken as what a mail server
 * sent, checked against its contract (bounds, the text it reports, outputs untouched
 * on failure, never waiting past SMTP_REPLY_MAX bytes) and against its own answers on
 * prefixes of the input; then smtp_ehlo_parse on each reply found.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_EXPAND_RUN 1000		     /* copies made by each 0x02 byte in expand mode */
#define FUZZ_EXPAND_MAX (4 * SMTP_REPLY_MAX) /* bytes an expanded input may reach */
#define FUZZ_PREFIXES 6			     /* prefixes tried besides the reply's own */

/* Inputs starting with 0x01 are short descriptions of long ones, so the SMTP_REPLY_MAX
 * limit is reached within libFuzzer's -max_len: after the 0x01, each 0x02 stands for
 * FUZZ_EXPAND_RUN copies of the byte before it. */
static uint8_t *fuzz_expand(const uint8_t *data, size_t size, size_t *ret_len)
{
	size_t len = 0, want = 0;
	if (size == 0 || data[0] != 0x01) {
		uint8_t *copy = malloc(size ? size : 1);
		assert(copy);
		memcpy(copy, data, size);
		*ret_len = size;
		return copy;
	}
	for (size_t i = 1; i < size; i++) /* the size first: an exact buffer for ASan */
		want += data[i] == 0x02 && want > 0 ? FUZZ_EXPAND_RUN : 1;
	if (want > FUZZ_EXPAND_MAX)
		want = FUZZ_EXPAND_MAX;
	uint8_t *out = malloc(want ? want : 1);
	assert(out);
	for (size_t i = 1; i < size && len < want; i++) {
		if (data[i] == 0x02 && len > 0) {
			size_t n = FUZZ_EXPAND_RUN < want - len ? FUZZ_EXPAND_RUN : want - len;
			memset(out + len, out[len - 1], n);
			len += n;
		} else {
			out[len++] = data[i];
		}
	}
	*ret_len = len;
	return out;
}

struct outcome {
	int ret;
	size_t used;
	struct smtp_reply *r; /* on 0 */
};

/* One parse of text[0..len) from a copy of exactly len bytes, checked. */
static struct outcome fuzz_parse(const uint8_t *text, size_t len)
{
	static const struct smtp_reply poison = {.code = -7, .nlines = 99999, .text = "poison", .text_len = 6};
	struct outcome o = {0};
	char *buf = malloc(len ? len : 1);
	o.r = malloc(sizeof(*o.r));
	assert(buf && o.r);
	memcpy(buf, text, len);
	memcpy(o.r, &poison, sizeof(poison));
	o.used = 424242;
	o.ret = smtp_reply_parse(buf, len, o.r, &o.used);
	assert(o.ret == 0 || o.ret == -EAGAIN || o.ret == -EBADMSG);
	if (o.ret == -EAGAIN)
		assert(len < SMTP_REPLY_MAX); /* it decides within SMTP_REPLY_MAX bytes */
	if (o.ret != 0) {
		assert(o.used == 424242);
		assert(memcmp(o.r, &poison, offsetof(struct smtp_reply, text) + 8) == 0);
		assert(o.r->text_len == 6);
		free(o.r);
		o.r = NULL;
	} else {
		const struct smtp_reply *r = o.r;
		assert(o.used > 0 && o.used <= len && o.used <= SMTP_REPLY_MAX);
		assert(buf[o.used - 1] == '\n');
		assert(r->code >= 200 && r->code <= 599);
		assert(r->nlines >= 1 && r->nlines <= SMTP_REPLY_LINES_MAX);
		assert(r->text_len < sizeof(r->text) && r->text[r->text_len] == '\0');
		assert(strlen(r->text) == r->text_len);
		size_t newlines = 0;
		for (size_t i = 0; i < r->text_len; i++) {
			unsigned char c = (unsigned char)r->text[i];
			assert(c >= 0x20 || c == '\t' || c == '\n');
			assert(c != 0x7f);
			newlines += c == '\n';
		}
		assert(newlines == r->nlines - 1);
		/* The reply's text came from the input's lines. */
		assert(r->text_len + 4 * r->nlines <= o.used);
		struct smtp_ehlo e;
		smtp_ehlo_parse(r, &e);
		assert(e.size || e.size_max == 0);
	}
	free(buf);
	return o;
}

static void fuzz_done(struct outcome *o)
{
	free(o->r);
	o->r = NULL;
}

static uint64_t fuzz_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *text = fuzz_expand(data, size, &len);
	struct outcome whole = fuzz_parse(text, len);

	if (whole.ret == 0) {
		/* The reply alone parses the same; every shorter prefix wants more. */
		struct outcome alone = fuzz_parse(text, whole.used);
		assert(alone.ret == 0 && alone.used == whole.used);
		assert(alone.r->code == whole.r->code && alone.r->nlines == whole.r->nlines);
		assert(alone.r->text_len == whole.r->text_len);
		assert(memcmp(alone.r->text, whole.r->text, whole.r->text_len) == 0);
		fuzz_done(&alone);
		struct outcome less = fuzz_parse(text, whole.used - 1);
		assert(less.ret == -EAGAIN);
		fuzz_done(&less);
	}
	/* Prefixes: what a prefix decides, the whole decides alike. */
	uint64_t rng = 0x9e3779b97f4a7c15ULL ^ size;
	for (size_t i = 0; i < size && i < 8; i++)
		rng = rng * 31 + data[i];
	if (rng == 0)
		rng = 1;
	for (int k = 0; k < FUZZ_PREFIXES && len > 0; k++) {
		size_t n = (size_t)(fuzz_rng(&rng) % len);
		struct outcome p = fuzz_parse(text, n);
		if (p.ret == 0) {
			assert(whole.ret == 0 && whole.used == p.used && whole.r->code == p.r->code);
		} else if (p.ret == -EBADMSG) {
			assert(whole.ret == -EBADMSG);
		} else if (whole.ret == 0) {
			assert(n < whole.used);
		}
		fuzz_done(&p);
	}
	fuzz_done(&whole);
	free(text);
	return 0;
}
