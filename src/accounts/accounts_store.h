/*
 * accounts_store.h: the accounts SQL (accounts_store.c); used only by accounts.c.
 */
#ifndef WARD_ACCOUNTS_STORE_H
#define WARD_ACCOUNTS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "accounts/accounts.h"
#include "core/store.h"

/* ret_hash (may be NULL) receives a malloc'd copy of the password hash. */
int accounts_store_user_get(struct store *s, const char *name, struct user *ret, char **ret_hash);
int accounts_store_email_taken(struct store *s, const char *email, bool *ret);
int accounts_store_user_by_email(struct store *s, const char *email, struct user *ret);
int accounts_store_user_insert(struct store *s, const char *name, const char *email, const char *role,
			       const char *hash, int64_t now, int64_t *ret_id);
int accounts_store_user_each(struct store *s, int (*fn)(const struct user *, void *), void *arg);
int accounts_store_user_set_password(struct store *s, int64_t id, const char *hash, int64_t now);
int accounts_store_user_set_disabled(struct store *s, int64_t id, bool disabled, int64_t now);
int accounts_store_user_set_login(struct store *s, int64_t id, int64_t now);

int accounts_store_session_insert(struct store *s, const unsigned char hash[32], int64_t user_id, const char *csrf,
				  const char *address, int64_t now);
/* -ENOENT when none; ret_user filled from the joined user row. */
int accounts_store_session_get(struct store *s, const unsigned char hash[32], struct user *ret_user,
			       char ret_csrf[65], int64_t *ret_created, int64_t *ret_seen);
int accounts_store_session_touch(struct store *s, const unsigned char hash[32], int64_t now);
int accounts_store_session_delete(struct store *s, const unsigned char hash[32]);
int accounts_store_session_delete_user(struct store *s, int64_t user_id);

int accounts_store_token_insert(struct store *s, const char *name, int64_t user_id, const unsigned char hash[32],
				const char *created_by, int64_t now);
int accounts_store_token_name_taken(struct store *s, const char *name, bool *ret);
/* -ENOENT when no live token has this hash. */
int accounts_store_token_get(struct store *s, const unsigned char hash[32], struct user *ret_user,
			     int64_t *ret_last_used);
int accounts_store_token_touch(struct store *s, const unsigned char hash[32], int64_t now);
int accounts_store_token_list(struct store *s, json_t *out);
/* -ENOENT when no live token has this name. */
int accounts_store_token_revoke(struct store *s, const char *name, int64_t now, char ret_user[WARD_NAME_MAX + 1]);

struct throttle {
	int64_t failures, last_failure_at, locked_until;
};
/* A missing key reads as all zeros. */
int accounts_store_throttle_get(struct store *s, const char *key, struct throttle *ret);
int accounts_store_throttle_put(struct store *s, const char *key, const struct throttle *t);
int accounts_store_throttle_clear(struct store *s, const char *key);

#endif
