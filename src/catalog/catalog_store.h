/*
 * catalog_store.h: the SQL behind the software catalogue (catalog_store.c); used only
 * by catalog.c. Items and requests come back as the JSON objects the faces show.
 */
#ifndef WARD_CATALOG_STORE_H
#define WARD_CATALOG_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"

/* An item's stored fields; packages and allow_users are JSON text. */
struct catalog_row {
	const char *name, *description, *packages, *allow, *allow_role, *allow_users, *approver_role;
	bool approval;
};

int catalog_store_item_insert(struct store *s, const struct catalog_row *row, const char *by, int64_t now,
			      int64_t *ret_id);
int catalog_store_item_update(struct store *s, int64_t id, const struct catalog_row *row, int64_t now);
int catalog_store_item_remove(struct store *s, int64_t id, int64_t now);

/* The offered item by name: {"id", "name", ...}; -ENOENT. */
int catalog_store_item_get(struct store *s, const char *name, json_t **ret);

/* Every offered item, by name, appended to out. */
int catalog_store_item_list(struct store *s, json_t *out);

/* The hosts a user owns, by name: [{"id", "name"}] appended to out. */
int catalog_store_owned_hosts(struct store *s, const char *owner, json_t *out);

struct catalog_request_row {
	int64_t item_id, ticket_id, requester_id, host_id;
	const char *item_name, *packages, *approver_role, *requester, *host_name;
};

int catalog_store_request_insert(struct store *s, const struct catalog_request_row *row, int64_t now, int64_t *ret_id);

/* The request {"id", "item", "packages", "status", "ticket", ...} with its requester's
 * user id in "requester_id"; -ENOENT. */
int catalog_store_request_get(struct store *s, int64_t id, json_t **ret);

/* The request an install job is for; -ENOENT. */
int catalog_store_request_by_job(struct store *s, int64_t job_id, int64_t *ret_id);

/* Newest first; requester_id 0: anyone's; status NULL: any, "open": not finished;
 * ticket 0: any. */
int catalog_store_request_list(struct store *s, int64_t requester_id, const char *status, int64_t ticket, int limit,
			       json_t *out);

/* Sets the status and, where not NULL / 0, the job, the decision and the result. */
int catalog_store_request_set(struct store *s, int64_t id, const char *status, int64_t job_id, const char *decided_by,
			      const char *reason, const char *result, int64_t now);

#endif
