/*
 * helpdesk.h: tickets. A ticket has a requester, a status, a tier (1: first-level
 * support, 2: the generalist), a priority from impact x urgency, an optional machine,
 * and two SLA clocks (first response, resolution) that run in the business hours of
 * the help desk's calendar and stop while the ticket is pending on its requester.
 * Every change is a timeline event and an activity-log entry, in one transaction.
 *
 * Who may do what: employees see, file and comment on only their own tickets (another
 * ticket is -ENOENT, as if it did not exist) and never see internal notes; support
 * works the queue; admins as support, plus settings.
 */
#ifndef WARD_HELPDESK_H
#define WARD_HELPDESK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/role.h"
#include "core/store.h"
#include "mail/smtp.h"

#define TICKET_TITLE_MAX 200
#define TICKET_TEXT_MAX (64 * 1024)  /* a description or a comment */
#define TICKET_CATEGORY_MAX 64
#define TICKET_TAG_MAX 32
#define TICKET_TAGS_MAX 16
#define TICKET_PAGE_MAX 200
#define TICKET_SEARCH_MAX 50
#define TICKET_SEARCH_WINDOW 2000 /* search ranks the newest this many matches */
#define TICKET_AT_RISK_PERCENT 80 /* of a clock's target used: at risk, and escalated */

/* Who acts: a logged-in user, or the local CLI (user_id 0, acting as admin). */
struct actor {
	int64_t user_id;
	const char *name;
	enum role role;
};

/* The actor for `ward ...` on the server's data directory. */
struct actor helpdesk_local_actor(void);

struct ticket_new {
	const char *title;
	const char *description;
	const char *requester; /* user name; NULL: the actor (employees: always the actor) */
	const char *host;      /* a host name or id from the inventory, or NULL */
	const char *category;  /* or NULL */
	int impact, urgency;   /* 1 high .. 3 low; 0: 2 */
	const char *tags[TICKET_TAGS_MAX];
	int ntags;
};

int ticket_create(struct store *s, const struct actor *a, const struct ticket_new *t, int64_t *ret_id);

/* The ticket with its tags, SLA state and timeline (employees: public events only). */
int ticket_show(struct store *s, const struct actor *a, int64_t id, json_t **ret);

/* A public reply, or an internal note (support only). A requester's reply reopens a
 * pending or resolved ticket; support's first public reply stops the response clock. */
int ticket_comment(struct store *s, const struct actor *a, int64_t id, const char *body, bool internal,
		   int64_t *ret_event);

/* The changes PATCH /tickets/{n} and `ward ticket ...` make, each optional. */
struct ticket_change {
	const char *title, *category;
	int impact, urgency;     /* 0: unchanged */
	const char *status;      /* "open", "pending", "resolved", "closed" */
	const char *assignee;    /* user name, or "" to unassign; NULL: unchanged */
	int tier;                /* 1 or 2 (escalate / de-escalate); 0: unchanged */
	const char *note;        /* required with a tier change; an internal note */
	const char *resolution;  /* with status "resolved" */
	const char *host;        /* "" to clear */
	const char *add_tags[TICKET_TAGS_MAX], *remove_tags[TICKET_TAGS_MAX];
	int nadd_tags, nremove_tags;
	int64_t article;      /* with "resolved": the knowledge-base article the resolution cites */
	int64_t deflected_by; /* with "closed" by the requester: the article that helped */
};

int ticket_change(struct store *s, const struct actor *a, int64_t id, const struct ticket_change *c);

/* The requester rates a resolved or closed ticket 1..5. */
int ticket_rate(struct store *s, const struct actor *a, int64_t id, int rating, const char *comment);

struct ticket_filter {
	const char *status;   /* one status, "active" (new, open, pending) or NULL: all */
	int tier;             /* 0: any */
	const char *assignee; /* user name, "me", "none", or NULL */
	const char *requester;/* user name or NULL (employees: always themselves) */
	const char *tag;
	bool at_risk, breached;
	bool by_due;          /* sort by resolution due time (soonest first), else newest first */
	const char *after;    /* the cursor of the previous page, or NULL */
	int limit;            /* 1..TICKET_PAGE_MAX; 0: 50 */
};

/* One page of ticket summaries; *ret_next is the cursor for the next page ("" at the
 * end). Keyset pagination: no OFFSET, the same cost for page 1 and page 10,000. */
int ticket_list(struct store *s, const struct actor *a, const struct ticket_filter *f, json_t **ret,
		char ret_next[64]);

/* Full-text search over tickets and comments (bm25, prefix terms, highlighted
 * snippets between \u0002 and \u0003), within what the actor may see. */
int ticket_search(struct store *s, const struct actor *a, const char *query, int limit, json_t **ret);

/* Turns free text into a safe FTS5 query (each word quoted; a trailing * kept for a
 * prefix). -EINVAL when no word remains. */
int helpdesk_fts_query(const char *text, char *out, size_t size);

/* --- the search index's merging (docs/helpdesk.md, The search index) ---
 * Writes add small segments to the search index and never merge them (automerge off,
 * 0007_helpdesk.sql); the server merges in the background (server_index.c), as
 * `ward ticket index --merge` does at once. */

#define HELPDESK_INDEX_MERGE 16      /* segments on one level that call for a merge ('usermerge') */
#define HELPDESK_INDEX_CRISIS 64     /* ... that FTS5 merges at once, inside a write ('crisismerge') */
#define HELPDESK_INDEX_LEVELS_MAX 64 /* levels read from the structure record */
#define HELPDESK_INDEX_BUSY_PAGES (64 * 1024) /* the largest merge done while others write */

struct helpdesk_index {
	int levels, segments;
	int64_t pages;      /* leaf pages */
	int first;          /* segments on the first level: the newest and smallest */
	int most_above;     /* the most segments on one level above the first */
	bool merging;       /* a merge is under way, on any level */
	int level_segs[HELPDESK_INDEX_LEVELS_MAX];
	int level_merge[HELPDESK_INDEX_LEVELS_MAX];         /* its oldest segments in a merge under way */
	int64_t level_pages[HELPDESK_INDEX_LEVELS_MAX];     /* leaf pages on the level */
	int64_t level_merge_pages[HELPDESK_INDEX_LEVELS_MAX]; /* ... left in its merge's input */
};

/* Reads FTS5's structure record (rec, len bytes) into *ret; -EBADMSG when it is not one. */
int helpdesk_index_parse(const uint8_t *rec, size_t len, struct helpdesk_index *ret);

/* The search index's shape now. */
int helpdesk_index_shape(struct store *s, struct helpdesk_index *ret);

/* Whether FTS5's next merge step has work (helpdesk_index_next_merge). */
bool helpdesk_index_needs_merge(const struct helpdesk_index *ix);

/* The level FTS5's next merge step works on (as fts5IndexMerge picks it: a merge under
 * way, else the level with the most segments, if it has HELPDESK_INDEX_MERGE), and the
 * pages that merge still has to read; -1 when there is none. */
int helpdesk_index_next_merge(const struct helpdesk_index *ix, int64_t *ret_pages);

/* The share of the time (0 to 1) merging may hold the write lock while others are
 * writing: none for the small segments of the first level (FTS5 merges 64 of them at
 * once, cheaply), then from 1/5 when a level above holds HELPDESK_INDEX_MERGE segments
 * to 4/5 well before one reaches HELPDESK_INDEX_CRISIS, whose all-at-once merge would
 * hold the lock for seconds. None either when the next merge reads more than
 * HELPDESK_INDEX_BUSY_PAGES: old, large segments wait for a quiet moment. */
double helpdesk_index_duty(const struct helpdesk_index *ix);

/* One merge step of about pages pages in its own transaction; *ret_worked false when
 * there was nothing to merge. With pages < 0, every segment of every level is merged
 * into one, -pages at a time (FTS5's incremental optimize). */
int helpdesk_index_merge(struct store *s, int pages, bool *ret_worked);

/* Looks at every running SLA clock at time now: flags tickets at risk and breached,
 * escalates tier-1 tickets at risk to tier 2 once, and logs each. *ret_changed counts
 * tickets changed. Run by the server every minute and by `ward ticket sla-check`. */
int helpdesk_sla_sweep(struct store *s, int64_t now, int *ret_changed);

/* The business calendar and the SLA targets. */
int helpdesk_settings_get(struct store *s, json_t **ret);
int helpdesk_calendar_set(struct store *s, const struct actor *a, const json_t *calendar);
int helpdesk_sla_target_set(struct store *s, const struct actor *a, int priority, int64_t response_s,
			    int64_t resolve_s);

/* --- attachments (content-addressed under the data directory) --- */

#define TICKET_ATTACHMENT_MAX (10 * 1024 * 1024)
#define TICKET_ATTACHMENTS_MAX 50 /* per ticket */

/* Stores data as an attachment of ticket id (employees: their own tickets; internal:
 * support only). filename is cleaned (no path, no control characters). */
int ticket_attach(struct store *s, const struct actor *a, int64_t id, const char *filename,
		  const char *content_type, const void *data, size_t len, bool internal, json_t **ret);

/* Opens attachment att of ticket id for download, if the actor may see it. */
int ticket_attachment_open(struct store *s, const struct actor *a, int64_t id, int64_t att, int *ret_fd,
			   uint64_t *ret_size, char ret_filename[256], char ret_type[128]);

/* --- canned responses --- */

int canned_list(struct store *s, json_t **ret);
int canned_add(struct store *s, const struct actor *a, const char *title, const char *body, int64_t *ret_id);
int canned_remove(struct store *s, const struct actor *a, int64_t id);

/* --- related and duplicate tickets --- */

int ticket_link(struct store *s, const struct actor *a, int64_t id, int64_t other, bool unlink);
/* Closes duplicate as merged into id, with a note in both. */
int ticket_merge(struct store *s, const struct actor *a, int64_t duplicate, int64_t id);

/* --- the knowledge base from a ticket --- */

/* A new article from the ticket's resolution (support); the ticket then cites it. */
int ticket_to_article(struct store *s, const struct actor *a, int64_t id, const char *title, const char *category,
		      const char *visibility, int64_t *ret_article);

/* --- approved fixes --- */

int fix_list(struct store *s, bool include_disabled, json_t **ret);
int fix_add(struct store *s, const struct actor *a, const char *name, const char *description, const char *command,
	    int64_t timeout_s, int64_t *ret_id);
int fix_set_disabled(struct store *s, const struct actor *a, const char *name, bool disabled);
/* Runs the fix on the ticket's machine through the agent's job channel; its output
 * comes back into the ticket as an internal note. */
int ticket_run_fix(struct store *s, const struct actor *a, int64_t id, const char *fix, int64_t *ret_job);

/* For the jobs module: a job finished; if it was started from a ticket, its result
 * becomes an internal note there. Registered with jobs_on_result by ward serve. */
int helpdesk_job_result(struct store *s, int64_t job_id, const char *status, const json_t *job_result,
			const char *output);

/* The support and admin users, for assignment pickers: [{"name", "role"}]. */
int helpdesk_staff(struct store *s, json_t **ret);

/* --- e-mail (helpdesk_mail.c) --- */

/* {"from_addr", "from_name"?, "smtp_host", "smtp_port"?, "tls"? (starttls,
 * require-starttls, implicit, none), "user"?, "password_file"?, "ca_file"?,
 * "unknown_senders"? ("create": a new unverified employee; "reject")}. */
int helpdesk_mail_settings_set(struct store *s, const struct actor *a, const json_t *settings);

/* One RFC 5322 message: a new ticket, a comment on the ticket it answers (by
 * In-Reply-To / References, or "[#N]" in the subject), or nothing for auto-replies,
 * bounces, list mail and a Message-ID seen before. *ret says which ({"action":
 * "created" | "comment" | "note" | "ignored" | "duplicate", "ticket"}). -EBADMSG or
 * -E2BIG for a message that cannot be taken, -EACCES for a stranger when strangers are
 * refused; nothing is written then. */
int helpdesk_mail_ingest(struct store *s, const void *data, size_t len, json_t **ret);

/* The SMTP side of the help desk's mail settings, for other modules' mail (training
 * reminders): the password is read from its file. -ENOENT when mail is not set up.
 * Free with helpdesk_mail_config_free. */
struct helpdesk_mail_config {
	struct smtp_config smtp;
	char from_addr[255];
	char password[512];
	json_t *settings; /* owns the strings in smtp */
};
int helpdesk_mail_config(struct store *s, struct helpdesk_mail_config *ret);
void helpdesk_mail_config_free(struct helpdesk_mail_config *c);

/* Sends the queued notifications that are due; retries later on temporary failures. */
int helpdesk_mail_send(struct store *s, int64_t now, int *ret_sent, int *ret_failed);
int helpdesk_mail_outbox(struct store *s, int limit, json_t **ret);

/* Helpers shared with the faces. */
int ticket_status_parse(const char *text);
const char *ticket_priority_name(int priority);

#endif
