/*
 * role.h: who may do what. Roles are ordered: each includes the ones below it.
 */
#ifndef WARD_ROLE_H
#define WARD_ROLE_H

#include <stdint.h>

enum role {
	ROLE_PUBLIC = 0,   /* a route anyone may call, logged in or not */
	ROLE_EMPLOYEE = 1, /* files and follows own tickets, takes assigned training */
	ROLE_SUPPORT = 2,  /* first-level support: works the queue, escalates */
	ROLE_ADMIN = 3,    /* the generalist: everything */
};

/* "employee", "support", "admin" ("public" for ROLE_PUBLIC). */
const char *role_name(enum role r);

/* -EINVAL (message set) when text names no role a user can have. */
int role_parse(const char *text, enum role *ret);

enum auth_via {
	AUTH_NONE = 0,
	AUTH_SESSION, /* the ward_session cookie: state changes need the CSRF token */
	AUTH_TOKEN,   /* Authorization: Bearer */
};

/* Who a request comes from, filled in by the server's authenticator. */
struct auth {
	enum auth_via via;
	int64_t user_id;
	char user[65];            /* user name */
	enum role role;
	char csrf[65];            /* the session's CSRF token (AUTH_SESSION only) */
	unsigned char secret_hash[32]; /* hash of the session or API token */
};

#endif
