/*
 * catalog.h: the software catalogue and software requests. An admin lists approved
 * software (Debian packages, optionally pinned to versions), who may request each item
 * and whether a request needs approval. An employee requests an item for a machine
 * they own: that files a help-desk ticket (category "software request", the machine
 * linked) and a request row. Approval (or none needed) queues a signed "install" job
 * to the machine's agent; its result resolves the ticket with the installed versions,
 * or puts the output in an internal note and hands the ticket to tier 2.
 *
 * Items and requests are JSON objects in and out (the shapes in docs/software-requests.md);
 * every change is an activity-log entry in the same transaction, and a timeline event
 * on the request's ticket.
 */
#ifndef WARD_CATALOG_H
#define WARD_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"
#include "helpdesk/helpdesk.h"

#define CATALOG_NAME_MAX 64
#define CATALOG_DESCRIPTION_MAX 2048
#define CATALOG_PACKAGES_MAX 32 /* packages in one item */
#define CATALOG_PACKAGE_NAME_MAX 128
#define CATALOG_VERSION_MAX 128
#define CATALOG_USERS_MAX 256	     /* names in an item's allow_users */
#define CATALOG_REASON_MAX 4096	     /* a rejection's reason, a request's note */
#define CATALOG_INSTALL_TIMEOUT 1800 /* seconds apt-get may take on the machine */
#define CATALOG_PAGE_MAX 500
#define CATALOG_CATEGORY "software request"

/* --- items --- */

/* Adds an item from {"name", "description", "packages": ["pkg" | "pkg=version" |
 * {"name", "version"?}...], "allow"?: "all" | "role" | "users" (default "all"),
 * "allow_role"?: with "role", "allow_users"?: with "users", "approval"?: bool (default
 * true), "approver_role"?: "support" | "admin" (default "support")}. *ret is the item
 * as catalog_item_get gives it. -EEXIST when the name is taken. */
int catalog_item_add(struct store *s, const struct actor *a, const json_t *fields, json_t **ret);

/* Changes the fields given (as for add, name excepted). */
int catalog_item_edit(struct store *s, const struct actor *a, const char *name, const json_t *changes, json_t **ret);

/* Withdraws an item: it is no longer offered; its past requests keep naming it. */
int catalog_item_remove(struct store *s, const struct actor *a, const char *name);

/* The item by name; -ENOENT. Employees get -ENOENT for items not offered to them. */
int catalog_item_get(struct store *s, const struct actor *a, const char *name, json_t **ret);

/* Every item (staff), or those offered to the actor (employees), by name. */
int catalog_item_list(struct store *s, const struct actor *a, json_t **ret);

/* The machines a user owns (hosts' owner), by name: [{"name", "id"}]. */
int catalog_machines(struct store *s, const char *user, json_t **ret);

/* --- requests --- */

struct catalog_request_new {
	const char *item;      /* the item's name */
	const char *host;      /* a machine the requester owns; NULL: their only machine */
	const char *requester; /* staff filing for someone; NULL: the actor */
	const char *note;      /* why, for the ticket's description; or NULL */
};

/* Files a request and its ticket; queues the install at once when the item needs no
 * approval. -EPERM when the item is not offered to the requester, -ENOENT when the
 * machine is not theirs (or does not exist), -EINVAL when they own none or several and
 * named none. *ret is the request. */
int catalog_request(struct store *s, const struct actor *a, const struct catalog_request_new *in, json_t **ret);

struct catalog_request_filter {
	const char *status; /* one status, "open" (pending, installing, failed) or NULL: all */
	int64_t ticket;	    /* 0: any */
	int limit;	    /* 1..CATALOG_PAGE_MAX; 0: 100 */
};

/* Requests, newest first: staff see all, employees their own. */
int catalog_request_list(struct store *s, const struct actor *a, const struct catalog_request_filter *f, json_t **ret);

/* One request; employees get -ENOENT for another's. */
int catalog_request_get(struct store *s, const struct actor *a, int64_t id, json_t **ret);

/* Approves a pending request (or retries a failed one, or one whose install job expired
 * before its machine's agent fetched it) and queues the install job.
 * The actor needs the item's approver role (-EPERM). note is optional. */
int catalog_request_approve(struct store *s, const struct actor *a, int64_t id, const char *note, json_t **ret);

/* Rejects a pending request; the reason (required) becomes a public reply and the
 * ticket's resolution. */
int catalog_request_reject(struct store *s, const struct actor *a, int64_t id, const char *reason, json_t **ret);

/* For the jobs module: an install job finished; updates its request and ticket.
 * Registered through ward serve's jobs observer. Not a request's job: 0. */
int catalog_job_result(struct store *s, int64_t job_id, const char *status, const json_t *job_result,
		       const char *output);

/* Checks one Debian package name and an optional version (NULL). -EINVAL. */
int catalog_check_package(const char *name, const char *version);

#endif
