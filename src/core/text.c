/*
 * text.c: see text.h.
 */
#include "core/text.h"

#include <string.h>

/* Whether p[0..n) is well-formed UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF); *ret_chars gets the number of code points. */
bool utf8_valid(const char *p, size_t n, size_t *ret_chars)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;
	size_t chars = 0;
	while (s < end) {
		unsigned c = *s;
		size_t len;
		unsigned cp, min;
		if (c < 0x80) {
			s++;
			chars++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if ((size_t)(end - s) < len)
			return false;
		for (size_t i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += len;
		chars++;
	}
	if (ret_chars)
		*ret_chars = chars;
	return true;
}

bool text_is_name(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= max && strchr("._-", s[0]) == NULL &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}
