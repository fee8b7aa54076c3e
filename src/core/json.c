/*
 * json.c: see json.h.
 */
#include "core/json.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "core/err.h"
#include "core/timeutil.h"

int json_parse_object(const char *buf, size_t len, json_t **ret)
{
	json_error_t e;
	if (len == 0)
		return err_set(-EINVAL, "request body is empty; expected a JSON object");
	json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	if (!v)
		return err_set(-EINVAL, "malformed JSON at line %d column %d: %s", e.line, e.column, e.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return err_set(-EINVAL, "request body must be a JSON object");
	}
	*ret = v;
	return 0;
}

int json_check_fields(const json_t *obj, const char *const allowed[])
{
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)obj, key, val) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				ok = true;
		if (!ok)
			return err_set(-EINVAL, "field '%.64s' is not recognised", key);
	}
	return 0;
}

int json_get_string(const json_t *obj, const char *key, bool required, size_t max, const char **ret)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			return err_set(-EINVAL, "field '%s' is required", key);
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return err_set(-EINVAL, "field '%s' must be a string", key);
	if (json_string_length(v) > max)
		return err_set(-EINVAL, "field '%s' is longer than %zu bytes", key, max);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return err_set(-EINVAL, "field '%s' contains a NUL character", key);
	*ret = json_string_value(v);
	return 0;
}

#define JSON_CANONICAL_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

char *json_canonical(const json_t *v)
{
	return json_dumps(v, JSON_CANONICAL_FLAGS);
}

static int sha256_add(const char *buf, size_t len, void *state)
{
	crypto_hash_sha256_update(state, (const unsigned char *)buf, len);
	return 0;
}

int json_canonical_sha256(const json_t *v, unsigned char out[32])
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	if (json_dump_callback(v, sha256_add, &st, JSON_CANONICAL_FLAGS) != 0)
		return -ENOMEM;
	crypto_hash_sha256_final(&st, out);
	return 0;
}

json_t *json_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *json_time(long long t)
{
	if (t == 0)
		return json_null();
	char iso[TIME_ISO_LEN];
	time_iso(t, iso);
	return json_string(iso);
}
