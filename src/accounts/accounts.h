/*
 * accounts.h: people and how they prove who they are: users with roles, argon2id
 * passwords, browser sessions, API tokens, and the throttling of failed logins.
 * Every change is written to the activity log in the same transaction.
 */
#ifndef WARD_ACCOUNTS_H
#define WARD_ACCOUNTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/role.h"
#include "core/store.h"

#define ACCOUNTS_TOKEN_LEN 69 /* "ward_" + 64 hex digits */
#define ACCOUNTS_SECRET_HEX 65

struct user {
	int64_t id;
	char name[WARD_NAME_MAX + 1];
	char email[WARD_EMAIL_MAX + 1]; /* "" when none */
	enum role role;
	bool disabled;
	int64_t created_at;
	int64_t last_login_at; /* 0: never */
};

/* -EINVAL with a message saying what is wrong. */
int accounts_check_name(const char *what, const char *name);
int accounts_check_email(const char *email);
int accounts_check_password(const char *name, const char *password);

/* The user as the API and `--json` show it. New reference; NULL on OOM. */
json_t *accounts_user_json(const struct user *u);

/* Creates a user (email may be NULL). -EEXIST when the name or e-mail is taken. */
int accounts_user_add(struct store *s, const char *actor, const char *name, enum role role, const char *email,
		      const char *password, struct user *ret);

/* -ENOENT when there is no such user. */
int accounts_user_get(struct store *s, const char *name, struct user *ret);

/* The user with this (lower-case) e-mail address; -ENOENT. */
int accounts_user_by_email(struct store *s, const char *email, struct user *ret);

/* A JSON array of all users, by name. */
int accounts_user_list(struct store *s, json_t **ret);

/* Changes the password (policy applied) and ends the user's sessions. */
int accounts_user_passwd(struct store *s, const char *actor, const char *name, const char *password);

/* Disabling also ends every session of the user; API tokens stop working while
 * disabled. */
int accounts_user_set_disabled(struct store *s, const char *actor, const char *name, bool disabled,
			       struct user *ret);

/* Clears the failed-login lock of a user name. */
int accounts_user_unlock(struct store *s, const char *actor, const char *name);

/* Counts for the dashboard: {"total", "admin", "support", "employee", "disabled"}. */
int accounts_user_counts(struct store *s, json_t **ret);

/* Checks a password and opens a session. -EACCES for a wrong name or password (or a
 * disabled user: the message does not tell them apart); -EAGAIN while the name or the
 * address is slowed down or locked, with *ret_retry_after in seconds. On success the
 * cookie token and CSRF token are written to ret_token and ret_csrf. */
int accounts_login(struct store *s, const char *name, const char *password, const char *address,
		   char ret_token[ACCOUNTS_SECRET_HEX], char ret_csrf[ACCOUNTS_SECRET_HEX], struct user *ret_user,
		   int64_t *ret_retry_after);

/* Ends the session whose token hash is given. */
int accounts_logout(struct store *s, const char *actor, const unsigned char token_hash[32]);

/* Authenticates a session cookie or an API token ("ward_..."); ret_user (may be NULL)
 * receives the user. -EACCES when it is not valid (unknown, expired, revoked, or its
 * user disabled). */
int accounts_auth_session(struct store *s, const char *token, struct auth *ret, struct user *ret_user);
int accounts_auth_token(struct store *s, const char *token, struct auth *ret, struct user *ret_user);

/* Creates an API token for user; the token (shown once) goes to ret_token. */
int accounts_token_create(struct store *s, const char *actor, const char *name, const char *user,
			  char ret_token[ACCOUNTS_TOKEN_LEN + 1]);

/* A JSON array of live tokens {name, user, created_by, created_at, last_used_at}. */
int accounts_token_list(struct store *s, json_t **ret);

int accounts_token_revoke(struct store *s, const char *actor, const char *name);

/* A password of 20 characters for `ward init` and `ward user add` without a file. */
void accounts_generate_password(char out[21]);

#endif
