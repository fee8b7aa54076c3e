/*
 * fuzz_passwd.c: the account file parsers behind the accounts inventory, each on the
 * same arbitrary bytes: passwd_parse, group_parse and sudoers_parse.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inventory/inventory_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_unset_marker;
#define FUZZ_UNSET ((json_t *)&fuzz_unset_marker)

static void fuzz_check_warnings(const json_t *warnings)
{
	assert(json_array_size(warnings) <= INV_PARSE_WARN_MAX);
	for (size_t i = 0; i < json_array_size(warnings); i++)
		assert(json_is_string(json_array_get(warnings, i)));
}

/* A name: a non-empty string without ':' , ',' or blanks (they split the files). */
static void fuzz_check_name(const json_t *v)
{
	assert(json_is_string(v));
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	assert(n > 0 && strlen(s) == n);
	assert(!strpbrk(s, ":, \t\n"));
}

static void fuzz_check_id(const json_t *v)
{
	assert(json_is_integer(v));
	assert(json_integer_value(v) >= 0 && json_integer_value(v) <= INV_ID_MAX);
}

static void fuzz_passwd(const char *text, size_t size)
{
	json_t *users = FUZZ_UNSET, *warnings = json_array(), *u;
	size_t i;
	if (!warnings)
		return;
	int r = passwd_parse(text, size, &users, warnings);
	if (r < 0) {
		assert(r == -ENOMEM && users == FUZZ_UNSET);
	} else {
		assert(json_is_array(users) && json_array_size(users) <= INV_ACCOUNTS_ENTRIES_MAX);
		json_array_foreach(users, i, u)
		{
			assert(json_object_size(u) == 7);
			fuzz_check_name(json_object_get(u, "name"));
			fuzz_check_id(json_object_get(u, "uid"));
			fuzz_check_id(json_object_get(u, "gid"));
			assert(json_is_string(json_object_get(u, "gecos")));
			assert(json_is_string(json_object_get(u, "home")));
			assert(json_is_string(json_object_get(u, "shell")));
			assert(json_is_boolean(json_object_get(u, "login")));
		}
		json_decref(users);
	}
	fuzz_check_warnings(warnings);
	json_decref(warnings);
}

static void fuzz_group(const char *text, size_t size)
{
	json_t *groups = FUZZ_UNSET, *warnings = json_array(), *g, *m;
	size_t i, k;
	if (!warnings)
		return;
	int r = group_parse(text, size, &groups, warnings);
	if (r < 0) {
		assert(r == -ENOMEM && groups == FUZZ_UNSET);
	} else {
		assert(json_is_array(groups) && json_array_size(groups) <= INV_ACCOUNTS_ENTRIES_MAX);
		json_array_foreach(groups, i, g)
		{
			assert(json_object_size(g) == 3);
			fuzz_check_name(json_object_get(g, "name"));
			fuzz_check_id(json_object_get(g, "gid"));
			assert(json_is_array(json_object_get(g, "members")));
			json_array_foreach(json_object_get(g, "members"), k, m)
			{
				fuzz_check_name(m);
			}
		}
		json_decref(groups);
	}
	fuzz_check_warnings(warnings);
	json_decref(warnings);
}

static void fuzz_sudoers(const char *text, size_t size)
{
	json_t *v = FUZZ_UNSET, *warnings = json_array(), *name;
	size_t i;
	if (!warnings)
		return;
	int r = sudoers_parse(text, size, &v, warnings);
	if (r < 0) {
		assert(r == -ENOMEM && v == FUZZ_UNSET);
	} else {
		assert(json_is_object(v) && json_object_size(v) == 2);
		json_t *users = json_object_get(v, "users"), *groups = json_object_get(v, "groups");
		assert(json_is_array(users) && json_is_array(groups));
		assert(json_array_size(users) + json_array_size(groups) <= INV_ACCOUNTS_ENTRIES_MAX);
		json_array_foreach(users, i, name)
		{
			fuzz_check_name(name);
			/* aliases, ALL, negations, netgroups, uids and quoted names never come out */
			const char *s = json_string_value(name);
			assert(!strchr("!+#\"%", s[0]) && !strchr(s, '\\'));
		}
		json_array_foreach(groups, i, name)
		{
			fuzz_check_name(name);
			assert(json_string_value(name)[0] != ':' && json_string_value(name)[0] != '#');
		}
		json_decref(v);
	}
	fuzz_check_warnings(warnings);
	json_decref(warnings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes, so AddressSanitizer sees any read past the end */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	fuzz_passwd(text, size);
	fuzz_group(text, size);
	fuzz_sudoers(text, size);
	free(text);
	return 0;
}
