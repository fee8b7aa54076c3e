/*
 * json.h: strict decoding of untrusted JSON (request bodies) on top of jansson, with
 * messages that name the problem, and the canonical encoding the activity log hashes.
 */
#ifndef WARD_JSON_H
#define WARD_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Parses len bytes that must hold one JSON object (duplicate keys rejected). On success
 * *ret owns a new reference. -EINVAL with a message giving line and column otherwise. */
int json_parse_object(const char *buf, size_t len, json_t **ret);

/* -EINVAL naming the first key of obj that is not in allowed (NULL-terminated). */
int json_check_fields(const json_t *obj, const char *const allowed[]);

/* The string field key of obj into *ret (borrowed from obj). A missing or null field
 * gives *ret = NULL when !required, -EINVAL when required; a non-string, or a string
 * longer than max bytes, is -EINVAL. */
int json_get_string(const json_t *obj, const char *key, bool required, size_t max, const char **ret);

/* Canonical text of v: compact, keys sorted, UTF-8 as is. Caller frees. NULL on OOM. */
char *json_canonical(const json_t *v);

/* SHA-256 of json_canonical(v), without holding the text in memory. 0, or -ENOMEM. */
int json_canonical_sha256(const json_t *v, unsigned char out[32]);

/* json_string(s), or json_null() when s is NULL. */
json_t *json_string_or_null(const char *s);

/* An ISO 8601 UTC string for t, or null when t is 0. */
json_t *json_time(long long t);

#endif
