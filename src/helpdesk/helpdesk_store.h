/*
 * helpdesk_store.h: the SQL behind attachments, canned responses, links, mail
 * threading, approved fixes and ticket jobs (tickets themselves: tickets_store.h).
 */
#ifndef WARD_HELPDESK_STORE_H
#define WARD_HELPDESK_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"

int hd_store_attachment_add(struct store *s, int64_t ticket, const char *filename, const char *type, int64_t size,
			    const char *sha256, bool internal, const char *by, int64_t now, int64_t *ret_id);
int hd_store_attachment_count(struct store *s, int64_t ticket, int64_t *ret);
/* One attachment: filename, content type, sha256, internal. */
int hd_store_attachment_get(struct store *s, int64_t ticket, int64_t id, char filename[256], char type[128],
			    char sha256[65], bool *internal);
int hd_store_attachments(struct store *s, int64_t ticket, bool public_only, json_t **ret);

int hd_store_canned_list(struct store *s, json_t **ret);
int hd_store_canned_add(struct store *s, const char *title, const char *body, const char *by, int64_t now,
			int64_t *ret_id);
int hd_store_canned_remove(struct store *s, int64_t id);

int hd_store_link(struct store *s, int64_t a, int64_t b, bool add);
int hd_store_links(struct store *s, int64_t ticket, json_t **ret);
int hd_store_set_merged(struct store *s, int64_t duplicate, int64_t into);
int hd_store_set_article(struct store *s, int64_t ticket, int64_t article, bool deflected);
/* The ticket's resolution text (NULL when none; the caller frees). */
int hd_store_resolution(struct store *s, int64_t ticket, char **ret_resolution, char **ret_title);

int hd_store_message_add(struct store *s, const char *message_id, int64_t ticket, bool in, int64_t now);
/* The ticket a message id belongs to; -ENOENT. */
int hd_store_message_ticket(struct store *s, const char *message_id, int64_t *ret_ticket);

int hd_store_fix_add(struct store *s, const char *name, const char *description, const char *command,
		     int64_t timeout_s, const char *by, int64_t now, int64_t *ret_id);
int hd_store_fix_list(struct store *s, bool include_disabled, json_t **ret);
/* The enabled fix by name: its command and timeout; -ENOENT. */
int hd_store_fix_get(struct store *s, const char *name, char **ret_command, int64_t *ret_timeout);
int hd_store_fix_disable(struct store *s, const char *name, bool disabled);

int hd_store_ticket_job_add(struct store *s, int64_t job, int64_t ticket, const char *purpose);
/* The ticket and purpose of a job started from a ticket whose result is not noted yet;
 * -ENOENT otherwise. Marks it noted. */
int hd_store_ticket_job_take(struct store *s, int64_t job, int64_t *ret_ticket, char purpose[80]);

int hd_store_staff(struct store *s, json_t **ret);

/* --- mail --- */

/* Who to tell about ticket t: its title, the requester's and the assignee's names and
 * addresses ("" when none). */
struct hd_people {
	char title[256];
	int64_t requester_id, assignee_id;
	char requester[65], requester_email[255], assignee[65], assignee_email[255];
};
int hd_store_people(struct store *s, int64_t ticket, struct hd_people *ret);
/* The ticket's first and latest mail message ids ("" when none). */
int hd_store_thread(struct store *s, int64_t ticket, char first[256], char last[256]);

struct hd_outbox {
	int64_t id, ticket_id, attempts;
	char *to_addr, *to_name, *subject, *body, *message_id, *in_reply_to, *refs;
};
int hd_store_outbox_add(struct store *s, const struct hd_outbox *m, int64_t now);
/* Up to max queued messages due at now, oldest first; *ret_n of them. Free each with
 * hd_outbox_release. */
int hd_store_outbox_due(struct store *s, int64_t now, struct hd_outbox *ret, int max, int *ret_n);
void hd_outbox_release(struct hd_outbox *m);
int hd_store_outbox_done(struct store *s, int64_t id, const char *status, int64_t now, int64_t next_at,
			 const char *error);
int hd_store_outbox_list(struct store *s, int limit, json_t **ret);

#endif
