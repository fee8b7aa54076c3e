/*
 * text.h: checks on text from outside: UTF-8 validity, names of things.
 */
#ifndef WARD_TEXT_H
#define WARD_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether p[0..n) is well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * past U+10FFFF); *ret_chars (may be NULL) gets the number of characters. */
bool utf8_valid(const char *p, size_t n, size_t *ret_chars);

/* Whether s is a name as plans and windows are named: 1 to max bytes of a-z, 0-9, '.',
 * '_' and '-', starting with a letter or digit. */
bool text_is_name(const char *s, size_t max);

#endif
