/*
 * helpdesk_internal.h: what tickets.c shares with the rest of the help desk's code
 * (attachments, fixes, mail): loading a ticket as an actor may see it, timeline events
 * with their activity-log entries, and the text checks.
 */
#ifndef WARD_HELPDESK_INTERNAL_H
#define WARD_HELPDESK_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helpdesk/helpdesk.h"
#include "helpdesk/tickets_store.h"

bool hd_is_staff(const struct actor *a);

/* The ticket, if the actor may see it (employees: their own); -ENOENT otherwise. */
int hd_ticket_load(struct store *s, const struct actor *a, int64_t id, struct ticket_state *t);

/* One timeline event (kind, public or internal, optional body) and its activity-log
 * entry "ticket.<kind>" with data (stolen). */
int hd_event(struct store *s, const struct actor *a, int64_t id, int64_t now, const char *kind, bool public,
	     const char *body, json_t *data, int64_t *ret_event);

/* what: for messages; max bytes; required: not blank; multiline: newlines and tabs allowed. */
int hd_check_text(const char *what, const char *v, size_t max, bool required, bool multiline);

/* Queues the mail a timeline event calls for (helpdesk_mail.c); nothing when mail is
 * not set up. Called by hd_event in the event's transaction. */
int hd_notify(struct store *s, const struct actor *a, int64_t id, const char *kind, bool public, const char *body,
	      const json_t *data);

#endif
