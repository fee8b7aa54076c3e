/*
 * fuzz_mail_parse.c: mail_parse (with GMime, loaded as in production) and
 * mail_parse_html on arbitrary bytes. Checks what mail_parse.h promises: on success
 * every string is valid UTF-8 within its limit, the text has no control characters but
 * "\n" and "\t", attachment names are safe; on failure *ret is untouched and the code is
 * one of the documented ones.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_EXPAND_RUN 1000	     /* copies of a line made by each 0x02 in expand mode */
#define FUZZ_EXPAND_MAX (320 * 1024) /* just past the 256 KiB limits; bigger is only slower */

/* Inputs starting with 0x01 are short descriptions of long ones, so the header, part and
 * text limits are reached within libFuzzer's -max_len: after the 0x01, each 0x02 stands
 * for FUZZ_EXPAND_RUN copies of the line before it (from the last '\n' on). */
static uint8_t *fuzz_expand(const uint8_t *data, size_t size, size_t *ret_len)
{
	if (size == 0 || data[0] != 0x01) {
		uint8_t *copy = malloc(size ? size : 1);
		assert(copy);
		memcpy(copy, data, size);
		*ret_len = size;
		return copy;
	}
	uint8_t *out = malloc(FUZZ_EXPAND_MAX);
	size_t len = 0, cur = 0, last = 0; /* where the current and the last whole line start */
	assert(out);
	for (size_t i = 1; i < size && len < FUZZ_EXPAND_MAX; i++) {
		if (data[i] != 0x02 || len == 0) {
			out[len++] = data[i];
			if (data[i] == '\n')
				last = cur, cur = len;
			continue;
		}
		bool whole = cur == len; /* right after a '\n': the last whole line, else the part line */
		size_t from = whole ? last : cur, n = len - from;
		for (int k = 0; k < FUZZ_EXPAND_RUN && len + n <= FUZZ_EXPAND_MAX; k++, len += n)
			memcpy(out + len, out + from, n);
		if (whole)
			last = len - n, cur = len;
	}
	/* an exact buffer, so ASan sees a read past its end */
	uint8_t *exact = malloc(len ? len : 1);
	assert(exact);
	memcpy(exact, out, len);
	free(out);
	*ret_len = len;
	return exact;
}

static void fuzz_utf8(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	assert(s && strlen(s) <= max);
	while (*u) {
		size_t n = *u < 0x80		      ? 1
			   : *u >= 0xc2 && *u <= 0xdf ? 2
			   : *u >= 0xe0 && *u <= 0xef ? 3
			   : *u >= 0xf0 && *u <= 0xf4 ? 4
						      : 0;
		assert(n > 0);
		uint32_t cp = n == 1 ? *u : (uint32_t)(*u & (0xff >> (n + 1)));
		for (size_t i = 1; i < n; i++) {
			assert((u[i] & 0xc0) == 0x80);
			cp = cp << 6 | (u[i] & 0x3f);
		}
		assert(!(n == 3 && cp < 0x800) && !(n == 4 && (cp < 0x10000 || cp > 0x10ffff)));
		assert(cp < 0xd800 || cp > 0xdfff);
		u += n;
	}
}

static void fuzz_text(const char *s)
{
	fuzz_utf8(s, MAIL_PARSE_TEXT_MAX);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		assert(*p >= 0x20 || *p == '\n' || *p == '\t');
}

static void fuzz_check(const struct mail_message *m)
{
	fuzz_utf8(m->from_addr, MAIL_PARSE_ADDR_MAX);
	assert(strchr(m->from_addr, '@'));
	if (m->from_name)
		fuzz_utf8(m->from_name, MAIL_PARSE_NAME_MAX);
	fuzz_utf8(m->subject, MAIL_PARSE_SUBJECT_MAX);
	assert(!strpbrk(m->subject, "\r\n"));
	if (m->message_id)
		fuzz_utf8(m->message_id, MAIL_PARSE_ID_MAX), assert(*m->message_id && !strpbrk(m->message_id, "<> "));
	if (m->in_reply_to)
		fuzz_utf8(m->in_reply_to, MAIL_PARSE_ID_MAX),
		    assert(*m->in_reply_to && !strpbrk(m->in_reply_to, "<> "));
	assert(m->nreferences <= MAIL_PARSE_REFERENCES_MAX);
	for (size_t i = 0; i < m->nreferences; i++)
		fuzz_utf8(m->references[i], MAIL_PARSE_ID_MAX), assert(*m->references[i]);
	fuzz_text(m->text);
	assert(m->automatic == (m->automatic_why[0] != '\0'));
	assert(memchr(m->automatic_why, '\0', sizeof(m->automatic_why)));
	for (const char *p = m->automatic_why; *p; p++)
		assert(*p >= 0x20 && *p < 0x7f);
	assert(m->nattachments <= MAIL_ATTACHMENTS_MAX && (m->nattachments == 0 || m->attachments));
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];
		fuzz_utf8(a->filename, MAIL_PARSE_FILENAME_MAX);
		assert(*a->filename && !strpbrk(a->filename, "/\\"));
		assert(strcmp(a->filename, ".") != 0 && strcmp(a->filename, "..") != 0);
		for (const unsigned char *p = (const unsigned char *)a->filename; *p; p++)
			assert(*p >= 0x20 && *p != 0x7f);
		assert(!strstr(a->filename, "\u202e") && !strstr(a->filename, "\u2067"));
		fuzz_utf8(a->content_type, 127);
		assert(strchr(a->content_type, '/'));
		assert(a->data && a->size <= MAIL_ATTACHMENT_MAX);
		if (a->size) { /* both ends there: ASan checks the reads */
			volatile unsigned char ends = a->data[0] ^ a->data[a->size - 1];
			(void)ends;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_expand(data, size, &len);

	struct mail_message m, sentinel;
	memset(&m, 0xa5, sizeof(m));
	memcpy(&sentinel, &m, sizeof(m));
	int r = mail_parse(msg, len, &m);
	if (r == 0) {
		fuzz_check(&m);
		mail_message_free(&m);
	} else {
		assert(r == -EBADMSG || r == -E2BIG); /* -ENOENT: GMime missing; -ENOMEM: none here */
		assert(memcmp(&m, &sentinel, sizeof(m)) == 0);
	}

	/* the reducer on the input as it is (expanded inputs only slow it down: its cut at
	 * MAIL_PARSE_TEXT_MAX is reached through mail_parse above and the unit tests) */
	char *text = NULL;
	assert(mail_parse_html((const char *)data, size, &text) == 0);
	fuzz_text(text);
	free(text);
	free(msg);
	return 0;
}
