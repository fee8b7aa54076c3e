/*
 * tickets_store.h: the SQL behind tickets.c.
 */
#ifndef WARD_TICKETS_STORE_H
#define WARD_TICKETS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"

/* The scalar state of a ticket that the rules work on. 0 stands for SQL NULL. */
struct ticket_state {
	int64_t id, requester_id, assignee_id, host_id;
	int64_t created_at, first_response_at, resolved_at, closed_at;
	int64_t sla_used, sla_since, response_due_at, resolve_due_at;
	int impact, urgency, priority, tier, sla_flags, auto_escalated;
	char status[16];
};

int tickets_store_insert(struct store *s, const char *title, const char *description, const char *category,
			 const struct ticket_state *t, int64_t *ret_id);
int tickets_store_get(struct store *s, int64_t id, struct ticket_state *ret);
/* Writes the state back (every field of struct ticket_state) and updated_at = now. */
int tickets_store_save(struct store *s, const struct ticket_state *t, int64_t now);
/* Sets the text fields that are not NULL. */
int tickets_store_set_text(struct store *s, int64_t id, const char *title, const char *category,
			   const char *resolution);
int tickets_store_set_rating(struct store *s, int64_t id, int rating, const char *comment);

int tickets_store_tag(struct store *s, int64_t id, const char *tag, bool add);
int tickets_store_tag_count(struct store *s, int64_t id, int64_t *ret);

int tickets_store_event(struct store *s, int64_t id, int64_t at, const char *actor, const char *kind, bool public,
			const char *body, const json_t *data, int64_t *ret_event);

/* The search index: one row per ticket (event 0: title and description) and one per
 * comment. */
int tickets_store_fts_put(struct store *s, int64_t id, int64_t event, int64_t requester_id, bool internal,
			  const char *title, const char *body);
int tickets_store_fts_retitle(struct store *s, int64_t id, const char *title);

/* The search index's structure record (FTS5's, in ticket_fts_data), as *ret (malloc'd). */
int tickets_store_index_record(struct store *s, uint8_t **ret, size_t *ret_len);

/* One merge step of about pages pages of the search index (FTS5 'merge': only a level
 * of 'usermerge' segments, or a merge under way). *ret_worked: whether there was any. */
int tickets_store_index_merge(struct store *s, int pages, bool *ret_worked);

/* The summary (and, when full, the description, resolution, rating, tags and
 * timeline; public_only drops internal events) of one ticket. */
int tickets_store_json(struct store *s, int64_t id, bool full, bool public_only, json_t **ret);

/* A listing (already resolved to ids): one page plus one row, to know if more follow. */
struct tickets_query {
	const char *status; /* one status, or NULL */
	bool active;        /* new, open or pending */
	int tier;           /* 0: any */
	bool unassigned;
	int64_t assignee_id, requester_id; /* 0: any */
	const char *tag;
	int flags_any, flags_breached; /* sla_flags bits, any of which must be set; 0: no filter */
	bool by_due;
	int64_t after_due, after_id; /* the cursor; after_id 0: first page */
	int limit;
};
int tickets_store_query(struct store *s, const struct tickets_query *q, json_t *out);

int tickets_store_search(struct store *s, const char *fts_query, int64_t requester_id, bool include_internal,
			 int limit, json_t *out);

/* Ids of tickets with a running SLA clock, for the sweep. */
int tickets_store_running(struct store *s, json_t *out);

int tickets_store_target(struct store *s, int priority, int64_t *ret_response, int64_t *ret_resolve);
int tickets_store_target_set(struct store *s, int priority, int64_t response, int64_t resolve);
int tickets_store_targets(struct store *s, json_t **ret);
int tickets_store_setting(struct store *s, const char *key, char **ret);
int tickets_store_setting_set(struct store *s, const char *key, const char *value);

#endif
