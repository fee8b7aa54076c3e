/*
 * actlog_store.h: the activity log's SQL (actlog_store.c); used only by actlog.c.
 */
#ifndef WARD_ACTLOG_STORE_H
#define WARD_ACTLOG_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "core/crypto.h"
#include "core/store.h"

struct actlog_row {
	int64_t id, at;
	const char *actor, *action, *object, *details, *prev_hash, *hash; /* borrowed */
};

/* The newest entry's id and hash (0 and 64 zeros when empty). */
int actlog_store_tail(struct store *s, int64_t *ret_id, char ret_hash[CRYPTO_SHA256_HEX]);

int actlog_store_insert(struct store *s, const struct actlog_row *row);

/* Calls fn for every entry in id order until fn returns non-zero (which it returns). */
int actlog_store_walk(struct store *s, int (*fn)(const struct actlog_row *, void *), void *arg);

/* Appends matching entries (as actlog_list describes) to the array out. */
int actlog_store_list(struct store *s, int64_t since, const char *actor, const char *action_exact,
		      const char *action_prefix, int64_t before, int limit, json_t *out);

int actlog_store_count(struct store *s, int64_t *ret);

#endif
