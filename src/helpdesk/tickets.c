/*
 * tickets.c: the rules of tickets: who may see and do what, the status machine, the
 * timeline and the activity log. The SLA clocks are in sla_clock.c, the SQL in
 * tickets_store.c.
 */
#include "helpdesk/helpdesk.h"
#include "helpdesk/helpdesk_internal.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "helpdesk/sla.h"
#include "helpdesk/sla_clock.h"
#include "helpdesk/tickets_store.h"
#include "hosts/hosts.h"
#include "jobs/jobs.h"
#include "kb/kb.h"
#include "helpdesk/helpdesk_store.h"


static const char *const statuses[] = {"new", "open", "pending", "resolved", "closed", NULL};

int ticket_status_parse(const char *text)
{
	for (int i = 0; text && statuses[i]; i++)
		if (strcmp(text, statuses[i]) == 0)
			return i;
	return err_set(-EINVAL, "status must be one of new, open, pending, resolved, closed");
}

const char *ticket_priority_name(int priority)
{
	static const char *const names[] = {"critical", "high", "medium", "low", "planning"};
	return priority >= 1 && priority <= 5 ? names[priority - 1] : "unknown";
}

struct actor helpdesk_local_actor(void)
{
	return (struct actor){.user_id = 0, .name = actlog_local_actor(), .role = ROLE_ADMIN};
}

bool hd_is_staff(const struct actor *a)
{
	return a->role >= ROLE_SUPPORT;
}

/* --- checks --- */

static bool has_controls(const char *s, bool allow_newlines)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f)
			return true;
	}
	return false;
}

int hd_check_text(const char *what, const char *v, size_t max, bool required, bool multiline)
{
	if (!v)
		return required ? err_set(-EINVAL, "%s is required", what) : 0;
	size_t n = strlen(v);
	if (required && strspn(v, " \t\r\n") == n)
		return err_set(-EINVAL, "%s must not be empty", what);
	if (n > max)
		return err_set(-EINVAL, "%s is longer than %zu bytes", what, max);
	json_t *utf8 = json_string(v); /* jansson checks UTF-8 */
	json_decref(utf8);
	if (!utf8)
		return err_set(-EINVAL, "%s is not valid UTF-8", what);
	if (has_controls(v, multiline))
		return err_set(-EINVAL, "%s contains control characters", what);
	return 0;
}

static int check_tag(const char *tag)
{
	size_t n = strlen(tag);
	if (n == 0 || n > TICKET_TAG_MAX)
		return err_set(-EINVAL, "a tag has 1 to %d characters", TICKET_TAG_MAX);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)tag[i]) && !strchr("-_.:", tag[i]))
			return err_set(-EINVAL, "tag '%.40s' may use only letters, digits and - _ . :", tag);
	return 0;
}

static int check_level(const char *what, int v)
{
	return v >= 1 && v <= 3 ? 0 : err_set(-EINVAL, "%s must be 1 (high), 2 (medium) or 3 (low)", what);
}

/* --- the SLA clocks --- */

/* The parsed calendar of this thread, kept while the stored text is the same: parsing
 * it means reading a zoneinfo file, which every ticket change would otherwise do.
 * Freed when the thread ends (a pthread key's destructor). */
struct cal_cache {
	char *text;
	struct sla_calendar *cal;
};
static pthread_key_t cal_key;
static pthread_once_t cal_once = PTHREAD_ONCE_INIT;

static void cal_cache_free(void *p)
{
	struct cal_cache *cc = p;
	sla_calendar_free(cc->cal);
	free(cc->text);
	free(cc);
}

static void cal_key_make(void)
{
	pthread_key_create(&cal_key, cal_cache_free);
}

static int clocks_load(struct store *s, int priority, struct clocks *c)
{
	char *text = NULL;
	json_t *j = NULL;
	memset(c, 0, sizeof(*c));
	pthread_once(&cal_once, cal_key_make);
	struct cal_cache *cc = pthread_getspecific(cal_key);
	if (!cc) {
		if (!(cc = calloc(1, sizeof(*cc))))
			return -ENOMEM;
		pthread_setspecific(cal_key, cc);
	}
	int r = tickets_store_setting(s, "calendar", &text);
	if (r < 0)
		return r;
	if (!cc->text || strcmp(cc->text, text) != 0) {
		struct sla_calendar *cal = NULL;
		if (!(j = json_loads(text, 0, NULL)))
			r = err_set(-EIO, "the stored business calendar is not JSON");
		else
			r = sla_calendar_parse(j, &cal);
		json_decref(j);
		if (r < 0) {
			free(text);
			return r;
		}
		sla_calendar_free(cc->cal);
		free(cc->text);
		cc->cal = cal;
		cc->text = text;
		text = NULL;
	}
	free(text);
	c->cal = cc->cal;
	return tickets_store_target(s, priority, &c->response, &c->resolve);
}

static int clocks_retarget(struct store *s, struct clocks *c, int priority)
{
	return tickets_store_target(s, priority, &c->response, &c->resolve);
}

/* The calendar stays in the thread's cache. */
static void clocks_free(struct clocks *c)
{
	c->cal = NULL;
}

/* --- loading with visibility --- */

/* The ticket, if the actor may see it: employees only their own. */
int hd_ticket_load(struct store *s, const struct actor *a, int64_t id, struct ticket_state *t)
{
	int r = tickets_store_get(s, id, t);
	if (r == 0 && !hd_is_staff(a) && t->requester_id != a->user_id)
		return err_set(-ENOENT, "ticket %lld does not exist", (long long)id);
	return r;
}

static int user_by_name(struct store *s, const char *name, struct user *u)
{
	int r = accounts_user_get(s, name, u);
	if (r == -ENOENT)
		return err_set(-EINVAL, "user '%.64s' does not exist", name);
	return r;
}

/* One timeline event and its activity-log entry. */
int hd_event(struct store *s, const struct actor *a, int64_t id, int64_t now, const char *kind, bool public,
		 const char *body, json_t *data, int64_t *ret_event)
{
	char object[32], action[48];
	snprintf(object, sizeof(object), "ticket:%lld", (long long)id);
	snprintf(action, sizeof(action), "ticket.%s", kind);
	int r = tickets_store_event(s, id, now, a->name, kind, public, body, data, ret_event);
	if (r == 0)
		r = actlog_append(s, a->name, action, object, data);
	if (r == 0)
		r = hd_notify(s, a, id, kind, public, body, data);
	json_decref(data);
	return r;
}

/* --- create --- */

int ticket_create(struct store *s, const struct actor *a, const struct ticket_new *in, int64_t *ret_id)
{
	struct ticket_state t = {.impact = in->impact ? in->impact : 2, .urgency = in->urgency ? in->urgency : 2,
				 .tier = 1};
	struct clocks c = {0};
	struct user u;
	struct host h;
	int64_t now = time_now(), id = 0;
	int r;
	if ((r = hd_check_text("title", in->title, TICKET_TITLE_MAX, true, false)) < 0 ||
	    (r = hd_check_text("description", in->description, TICKET_TEXT_MAX, true, true)) < 0 ||
	    (r = hd_check_text("category", in->category, TICKET_CATEGORY_MAX, false, false)) < 0 ||
	    (r = check_level("impact", t.impact)) < 0 || (r = check_level("urgency", t.urgency)) < 0)
		return r;
	if (in->ntags > TICKET_TAGS_MAX)
		return err_set(-EINVAL, "at most %d tags", TICKET_TAGS_MAX);
	for (int i = 0; i < in->ntags; i++)
		if ((r = check_tag(in->tags[i])) < 0)
			return r;
	if (!hd_is_staff(a) || !in->requester) {
		if (!a->user_id)
			return err_set(-EINVAL, "give the requester (--requester USER)");
		t.requester_id = a->user_id;
	} else {
		if ((r = user_by_name(s, in->requester, &u)) < 0)
			return r;
		t.requester_id = u.id;
	}
	if (in->host && *in->host) {
		if ((r = hosts_get(s, in->host, &h)) < 0)
			return r == -ENOENT ? err_set(-EINVAL, "machine '%.64s' is not in the inventory", in->host) : r;
		t.host_id = h.id;
	}
	t.priority = t.impact + t.urgency - 1;
	snprintf(t.status, sizeof(t.status), "new");
	t.created_at = now;
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = clocks_load(s, t.priority, &c)) < 0)
		goto out;
	t.sla_since = now;
	t.response_due_at = sla_add_business(c.cal, now, c.response);
	t.resolve_due_at = sla_add_business(c.cal, now, c.resolve);
	if ((r = tickets_store_insert(s, in->title, in->description, in->category, &t, &id)) < 0 ||
	    (r = tickets_store_fts_put(s, id, 0, t.requester_id, false, in->title, in->description)) < 0)
		goto out;
	for (int i = 0; i < in->ntags && r == 0; i++)
		r = tickets_store_tag(s, id, in->tags[i], true);
	if (r == 0)
		r = hd_event(s, a, id, now, "create", true, NULL,
			  json_pack("{s:s, s:I, s:I}", "title", in->title, "priority", (json_int_t)t.priority,
				    "requester", (json_int_t)t.requester_id),
			  NULL);
out:
	clocks_free(&c);
	r = store_tx_end(s, r);
	if (r == 0)
		*ret_id = id;
	return r;
}

/* --- show --- */

static int ticket_show_snapshot(struct store *s, const struct actor *a, int64_t id, json_t **ret)
{
	struct ticket_state t;
	struct clocks c;
	json_t *j;
	int r = hd_ticket_load(s, a, id, &t);
	if (r < 0 || (r = tickets_store_json(s, id, true, !hd_is_staff(a), &j)) < 0)
		return r;
	if (clocks_load(s, t.priority, &c) == 0) {
		int flags = hd_sla_flags(&c, &t, time_now());
		json_object_set_new(j, "sla_flags", json_integer(flags));
		json_object_set_new(j, "sla", json_pack("{s:I, s:I, s:b, s:b, s:b, s:b}", "response_target_s",
							(json_int_t)c.response, "resolve_target_s", (json_int_t)c.resolve,
							"response_at_risk", !!(flags & SLA_RESPONSE_AT_RISK),
							"response_breached", !!(flags & SLA_RESPONSE_BREACHED),
							"resolve_at_risk", !!(flags & SLA_RESOLVE_AT_RISK),
							"resolve_breached", !!(flags & SLA_RESOLVE_BREACHED)));
		clocks_free(&c);
	}
	json_object_set_new(j, "priority_name", json_string(ticket_priority_name(t.priority)));
	json_t *atts = NULL, *links = NULL;
	if ((r = hd_store_attachments(s, id, !hd_is_staff(a), &atts)) < 0 || (r = hd_store_links(s, id, &links)) < 0) {
		json_decref(atts);
		json_decref(j);
		return r;
	}
	json_object_set_new(j, "attachments", atts);
	json_object_set_new(j, "links", links);
	*ret = j;
	return 0;
}

/* The ticket's parts are read in one snapshot: consistent, and one read transaction
 * instead of one per statement. */
int ticket_show(struct store *s, const struct actor *a, int64_t id, json_t **ret)
{
	int r = store_read_begin(s);
	if (r < 0)
		return r;
	r = ticket_show_snapshot(s, a, id, ret);
	store_read_end(s);
	return r;
}

/* --- status --- */

/* --- comments --- */

int ticket_comment(struct store *s, const struct actor *a, int64_t id, const char *body, bool internal,
		   int64_t *ret_event)
{
	struct ticket_state t;
	struct clocks c = {0};
	int64_t now = time_now(), ev = 0;
	int r;
	if ((r = hd_check_text("comment", body, TICKET_TEXT_MAX, true, true)) < 0)
		return r;
	if (internal && !hd_is_staff(a))
		return err_set(-EPERM, "only support staff write internal notes");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hd_ticket_load(s, a, id, &t)) < 0 || (r = clocks_load(s, t.priority, &c)) < 0)
		goto out;
	if (strcmp(t.status, "closed") == 0) {
		r = err_set(-EINVAL, "ticket %lld is closed; open a new ticket", (long long)id);
		goto out;
	}
	char old[16];
	snprintf(old, sizeof(old), "%s", t.status);
	if (!internal && t.requester_id == a->user_id && !hd_is_staff(a)) {
		/* The requester answers: a pending or resolved ticket is open again. */
		if (strcmp(t.status, "pending") == 0 || strcmp(t.status, "resolved") == 0)
			r = hd_set_status(&c, &t, 1, now);
	} else if (!internal) {
		if (!t.first_response_at) {
			t.first_response_at = now;
			t.sla_flags = hd_sla_flags(&c, &t, now) & SLA_STICKY;
			t.response_due_at = 0;
		}
		if (strcmp(t.status, "new") == 0)
			r = hd_set_status(&c, &t, 1, now);
	}
	if (r == 0)
		r = tickets_store_save(s, &t, now);
	if (r == 0)
		r = hd_event(s, a, id, now, internal ? "note" : "reply", !internal, body,
			  json_pack("{s:I}", "length", (json_int_t)strlen(body)), &ev);
	if (r == 0)
		r = tickets_store_fts_put(s, id, ev, t.requester_id, internal, NULL, body);
	if (r == 0 && strcmp(old, t.status) != 0)
		r = hd_event(s, a, id, now, "status", true, NULL, json_pack("{s:s, s:s}", "from", old, "to", t.status),
			  NULL);
out:
	clocks_free(&c);
	r = store_tx_end(s, r);
	if (r == 0 && ret_event)
		*ret_event = ev;
	return r;
}

/* --- changes --- */

static int change_assignee(struct store *s, const struct actor *a, struct ticket_state *t, const char *name,
			   int64_t now)
{
	struct user u = {0};
	int r;
	if (*name) {
		if (strcmp(name, "me") == 0 && a->user_id)
			name = a->name;
		if ((r = user_by_name(s, name, &u)) < 0)
			return r;
		if (u.role < ROLE_SUPPORT)
			return err_set(-EINVAL, "'%s' is not support staff: tickets are assigned to support or admins",
				       u.name);
		if (u.disabled)
			return err_set(-EINVAL, "user '%s' is disabled", u.name);
	}
	if (u.id == t->assignee_id)
		return 0;
	t->assignee_id = u.id;
	return hd_event(s, a, t->id, now, "assign", false, NULL, json_pack("{s:s?}", "assignee", *name ? u.name : NULL),
		     NULL);
}

static int change_tier(struct store *s, const struct actor *a, struct ticket_state *t, int tier, const char *note,
		       int64_t now)
{
	int r;
	if (tier == t->tier)
		return 0;
	if (tier != 1 && tier != 2)
		return err_set(-EINVAL, "tier must be 1 (first-level support) or 2 (the generalist)");
	if ((r = hd_check_text("note", note, TICKET_TEXT_MAX, true, true)) < 0)
		return err_set(-EINVAL, "%s a note saying why is required", tier == 2 ? "escalating:" : "de-escalating:");
	t->tier = tier;
	json_t *data = json_pack("{s:i, s:i}", "from", tier == 2 ? 1 : 2, "to", tier);
	if (tier == 2 && t->host_id) {
		/* A fresh diagnostics snapshot of the requester's machine, for the generalist. */
		struct host h;
		int64_t job = 0;
		if (hosts_get_id(s, t->host_id, &h) == 0 && jobs_queue(s, a->name, &h, "diagnostics", NULL, &job) == 0 &&
		    hd_store_ticket_job_add(s, job, t->id, "diagnostics") == 0)
			json_object_set_new(data, "diagnostics_job", json_integer(job));
	}
	int64_t ev = 0;
	r = hd_event(s, a, t->id, now, tier == 2 ? "escalate" : "deescalate", false, note, data, &ev);
	if (r == 0)
		r = tickets_store_fts_put(s, t->id, ev, t->requester_id, true, NULL, note);
	return r;
}

static int change_tags(struct store *s, const struct actor *a, int64_t id, const struct ticket_change *c, int64_t now)
{
	json_t *added = json_array(), *removed = json_array();
	int r = 0;
	for (int i = 0; i < c->nadd_tags && r == 0; i++)
		if ((r = check_tag(c->add_tags[i])) == 0 && (r = tickets_store_tag(s, id, c->add_tags[i], true)) == 0)
			json_array_append_new(added, json_string(c->add_tags[i]));
	for (int i = 0; i < c->nremove_tags && r == 0; i++)
		if ((r = tickets_store_tag(s, id, c->remove_tags[i], false)) == 0)
			json_array_append_new(removed, json_string(c->remove_tags[i]));
	int64_t n = 0;
	if (r == 0 && (r = tickets_store_tag_count(s, id, &n)) == 0 && n > TICKET_TAGS_MAX)
		r = err_set(-EINVAL, "at most %d tags", TICKET_TAGS_MAX);
	if (r == 0)
		return hd_event(s, a, id, now, "tags", false, NULL, json_pack("{s:o, s:o}", "added", added, "removed", removed),
			     NULL);
	json_decref(added);
	json_decref(removed);
	return r;
}

int ticket_change(struct store *s, const struct actor *a, int64_t id, const struct ticket_change *c)
{
	struct ticket_state t;
	struct clocks k = {0};
	int64_t now = time_now();
	int r, to = -1;
	bool only_close = c->status && strcmp(c->status, "closed") == 0 && !c->title && !c->category && !c->impact &&
			  !c->urgency && !c->assignee && !c->tier && !c->host && !c->nadd_tags && !c->nremove_tags;
	if (!hd_is_staff(a) && !only_close)
		return err_set(-EPERM, "employees may only close their own tickets");
	if ((r = hd_check_text("title", c->title, TICKET_TITLE_MAX, c->title != NULL, false)) < 0 ||
	    (r = hd_check_text("category", c->category, TICKET_CATEGORY_MAX, false, false)) < 0 ||
	    (r = hd_check_text("resolution", c->resolution, TICKET_TEXT_MAX, false, true)) < 0 ||
	    (c->impact && (r = check_level("impact", c->impact)) < 0) ||
	    (c->urgency && (r = check_level("urgency", c->urgency)) < 0) ||
	    (c->status && (to = ticket_status_parse(c->status)) < 0))
		return c->status && to < 0 ? to : r;
	if (c->nadd_tags > TICKET_TAGS_MAX || c->nremove_tags > TICKET_TAGS_MAX)
		return err_set(-EINVAL, "at most %d tags", TICKET_TAGS_MAX);
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hd_ticket_load(s, a, id, &t)) < 0 || (r = clocks_load(s, t.priority, &k)) < 0)
		goto out;
	if (strcmp(t.status, "closed") == 0) {
		r = err_set(-EINVAL, "ticket %lld is closed; open a new ticket", (long long)id);
		goto out;
	}
	if (c->title || c->category) {
		if ((r = tickets_store_set_text(s, id, c->title, c->category, NULL)) < 0 ||
		    (c->title && (r = tickets_store_fts_retitle(s, id, c->title)) < 0) ||
		    (r = hd_event(s, a, id, now, "update", true, NULL,
			       json_pack("{s:s?, s:s?}", "title", c->title, "category", c->category), NULL)) < 0)
			goto out;
	}
	if (c->host) {
		struct host h = {0};
		if (*c->host && (r = hosts_get(s, c->host, &h)) < 0) {
			r = r == -ENOENT ? err_set(-EINVAL, "machine '%.64s' is not in the inventory", c->host) : r;
			goto out;
		}
		t.host_id = h.id;
		if ((r = hd_event(s, a, id, now, "host", true, NULL, json_pack("{s:s?}", "host", *c->host ? h.name : NULL),
			       NULL)) < 0)
			goto out;
	}
	if (c->impact || c->urgency) {
		int impact = c->impact ? c->impact : t.impact, urgency = c->urgency ? c->urgency : t.urgency;
		int priority = impact + urgency - 1, old = t.priority;
		t.impact = impact;
		t.urgency = urgency;
		if (priority != old) {
			t.priority = priority;
			if ((r = clocks_retarget(s, &k, priority)) < 0)
				goto out;
			hd_clock_retarget(&k, &t);
			if ((r = hd_event(s, a, id, now, "priority", true, NULL,
				       json_pack("{s:i, s:i}", "from", old, "to", priority), NULL)) < 0)
				goto out;
		}
	}
	if (c->assignee && (r = change_assignee(s, a, &t, c->assignee, now)) < 0)
		goto out;
	if (c->assignee && *c->assignee && strcmp(t.status, "new") == 0 && to < 0)
		to = 1; /* picked up */
	if (c->tier && (r = change_tier(s, a, &t, c->tier, c->note, now)) < 0)
		goto out;
	if (to >= 0) {
		char old[16];
		snprintf(old, sizeof(old), "%s", t.status);
		if ((r = hd_set_status(&k, &t, to, now)) < 0)
			goto out;
		if (to == 3 && c->resolution && (r = tickets_store_set_text(s, id, NULL, NULL, c->resolution)) < 0)
			goto out;
		if (strcmp(old, t.status) != 0 &&
		    (r = hd_event(s, a, id, now, to == 3 ? "resolve" : "status", true, to == 3 ? c->resolution : NULL,
			       json_pack("{s:s, s:s}", "from", old, "to", t.status), NULL)) < 0)
			goto out;
	}
	if ((c->nadd_tags || c->nremove_tags) && (r = change_tags(s, a, id, c, now)) < 0)
		goto out;
	if (c->article) {
		/* The resolution cites an article: it "helped" once more. */
		if (to != 3 || !hd_is_staff(a)) {
			r = err_set(-EINVAL, "an article is cited when support resolves a ticket");
			goto out;
		}
		if ((r = kb_article_cite(s, a->name, c->article, id)) < 0 ||
		    (r = hd_store_set_article(s, id, c->article, false)) < 0)
			goto out;
	}
	if (c->deflected_by) {
		/* The requester closes it because an article answered the question. */
		if (to != 4 || t.requester_id != a->user_id) {
			r = err_set(-EINVAL, "only the requester closing a ticket names the article that helped");
			goto out;
		}
		if ((r = kb_article_deflected(s, a->name, a->role, c->deflected_by, id)) < 0 ||
		    (r = hd_store_set_article(s, id, c->deflected_by, true)) < 0)
			goto out;
	}
	t.sla_flags = hd_sla_flags(&k, &t, now);
	r = tickets_store_save(s, &t, now);
out:
	clocks_free(&k);
	return store_tx_end(s, r);
}

int ticket_rate(struct store *s, const struct actor *a, int64_t id, int rating, const char *comment)
{
	struct ticket_state t;
	int r;
	if (rating < 1 || rating > 5)
		return err_set(-EINVAL, "rating must be 1 to 5");
	if ((r = hd_check_text("comment", comment, 4096, false, true)) < 0 || (r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hd_ticket_load(s, a, id, &t)) < 0)
		goto out;
	if (t.requester_id != a->user_id) {
		r = err_set(-EPERM, "only the requester rates a ticket");
		goto out;
	}
	if (strcmp(t.status, "resolved") != 0 && strcmp(t.status, "closed") != 0) {
		r = err_set(-EINVAL, "ticket %lld is not resolved yet", (long long)id);
		goto out;
	}
	if ((r = tickets_store_set_rating(s, id, rating, comment)) == 0)
		r = hd_event(s, a, id, time_now(), "rate", true, comment, json_pack("{s:i}", "rating", rating), NULL);
out:
	return store_tx_end(s, r);
}

/* --- listing and search --- */

int ticket_list(struct store *s, const struct actor *a, const struct ticket_filter *f, json_t **ret,
		char ret_next[64])
{
	struct tickets_query q = {.tier = f->tier, .tag = f->tag && *f->tag ? f->tag : NULL, .by_due = f->by_due,
				  .limit = f->limit ? f->limit : 50};
	struct user u;
	int r;
	ret_next[0] = '\0';
	if (q.limit < 1 || q.limit > TICKET_PAGE_MAX)
		return err_set(-EINVAL, "limit must be 1 to %d", TICKET_PAGE_MAX);
	if (f->status && strcmp(f->status, "active") == 0) {
		q.active = true;
	} else if (f->status && *f->status) {
		int st = ticket_status_parse(f->status);
		if (st < 0)
			return st;
		q.status = statuses[st];
	}
	if (q.tier && q.tier != 1 && q.tier != 2)
		return err_set(-EINVAL, "tier must be 1 or 2");
	if (f->assignee && strcmp(f->assignee, "none") == 0) {
		q.unassigned = true;
	} else if (f->assignee && *f->assignee) {
		q.assignee_id = a->user_id;
		if (strcmp(f->assignee, "me") != 0) {
			if ((r = user_by_name(s, f->assignee, &u)) < 0)
				return r;
			q.assignee_id = u.id;
		}
		if (!q.assignee_id)
			return err_set(-EINVAL, "'me' needs a logged-in user");
	}
	if (!hd_is_staff(a)) {
		q.requester_id = a->user_id;
	} else if (f->requester && *f->requester) {
		if ((r = user_by_name(s, f->requester, &u)) < 0)
			return r;
		q.requester_id = u.id;
	}
	q.flags_any = (f->at_risk ? SLA_RESPONSE_AT_RISK | SLA_RESOLVE_AT_RISK : 0);
	q.flags_breached = (f->breached ? SLA_RESPONSE_BREACHED | SLA_RESOLVE_BREACHED : 0);
	if (f->after && *f->after) {
		char extra;
		long long due = 0, id = 0;
		bool ok = f->by_due ? sscanf(f->after, "%lld:%lld%c", &due, &id, &extra) == 2
				    : sscanf(f->after, "%lld%c", &id, &extra) == 1;
		if (!ok || id < 1)
			return err_set(-EINVAL, "'after' is not a cursor from this listing");
		q.after_due = due;
		q.after_id = id;
	}
	json_t *rows = json_array();
	if (!rows)
		return -ENOMEM;
	if ((r = tickets_store_query(s, &q, rows)) < 0) {
		json_decref(rows);
		return r;
	}
	if (json_array_size(rows) > (size_t)q.limit) {
		json_array_remove(rows, (size_t)q.limit);
		json_t *last = json_array_get(rows, (size_t)q.limit - 1);
		long long lid = (long long)json_integer_value(json_object_get(last, "number"));
		json_t *due = json_object_get(last, "resolve_due_at");
		if (f->by_due)
			snprintf(ret_next, 64, "%lld:%lld",
				 json_is_integer(due) ? (long long)json_integer_value(due) : 9223372036854775807LL, lid);
		else
			snprintf(ret_next, 64, "%lld", lid);
	}
	*ret = rows;
	return 0;
}

int helpdesk_fts_query(const char *text, char *out, size_t size)
{
	size_t n = 0;
	int terms = 0;
	const unsigned char *p = (const unsigned char *)text;
	if (size == 0)
		return -EINVAL;
	out[0] = '\0';
	while (*p && terms < 16) {
		while (*p && !(isalnum(*p) || *p >= 0x80))
			p++;
		const unsigned char *w = p;
		while (*p && (isalnum(*p) || *p >= 0x80))
			p++;
		size_t len = (size_t)(p - w);
		if (len == 0)
			break;
		bool prefix = *p == '*';
		/* Each word quoted: no FTS5 operator, column filter or syntax survives. */
		int k = snprintf(out + n, size - n, "%s\"%.*s\"%s", terms ? " " : "", (int)len, (const char *)w,
				 prefix ? "*" : "");
		if (k < 0 || (size_t)k >= size - n)
			break;
		n += (size_t)k;
		terms++;
	}
	return terms ? 0 : err_set(-EINVAL, "the search has no words");
}

int ticket_search(struct store *s, const struct actor *a, const char *query, int limit, json_t **ret)
{
	char q[1024];
	int r;
	if (!query || strlen(query) > 512)
		return err_set(-EINVAL, "a search of up to 512 characters is required");
	if (limit < 1 || limit > TICKET_SEARCH_MAX)
		limit = 20;
	if ((r = helpdesk_fts_query(query, q, sizeof(q))) < 0)
		return r;
	json_t *rows = json_array();
	if (!rows)
		return -ENOMEM;
	if ((r = tickets_store_search(s, q, hd_is_staff(a) ? 0 : a->user_id, hd_is_staff(a), limit, rows)) < 0) {
		json_decref(rows);
		return r;
	}
	*ret = rows;
	return 0;
}

/* --- the SLA sweep --- */

/* Whether ticket id has SLA flags not yet raised at now (false when it is gone). The
 * clocks of each priority are loaded once, into cl[priority], for the whole sweep (the
 * read snapshot keeps them current). */
static int sweep_due(struct store *s, int64_t id, int64_t now, struct clocks cl[6], bool *ret_due)
{
	struct ticket_state t;
	*ret_due = false;
	int r = tickets_store_get(s, id, &t);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (t.priority < 1 || t.priority > 5)
		return 0;
	if (!cl[t.priority].cal && (r = clocks_load(s, t.priority, &cl[t.priority])) < 0)
		return r;
	*ret_due = (hd_sla_flags(&cl[t.priority], &t, now) & ~t.sla_flags) != 0;
	return 0;
}

/* Raises ticket id's new SLA flags: its timeline, the activity log, and a first-level
 * ticket's escalation, in one transaction that looks again under the write lock. */
static int sweep_one(struct store *s, int64_t id, int64_t now, bool *ret_changed)
{
	struct ticket_state t;
	struct clocks c = {0};
	struct actor sys = {.name = "system", .role = ROLE_ADMIN};
	int r;
	*ret_changed = false;
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = tickets_store_get(s, id, &t)) < 0 || (r = clocks_load(s, t.priority, &c)) < 0) {
		if (r == -ENOENT)
			r = 0;
		goto out;
	}
	int flags = hd_sla_flags(&c, &t, now), fresh = flags & ~t.sla_flags;
	if (fresh == 0)
		goto out;
	t.sla_flags = flags;
	*ret_changed = true;
	r = hd_event(s, &sys, id, now, "sla", false, NULL,
		  json_pack("{s:b, s:b, s:b, s:b}", "response_at_risk", !!(flags & SLA_RESPONSE_AT_RISK),
			    "response_breached", !!(flags & SLA_RESPONSE_BREACHED), "resolve_at_risk",
			    !!(flags & SLA_RESOLVE_AT_RISK), "resolve_breached", !!(flags & SLA_RESOLVE_BREACHED)),
		  NULL);
	if (r == 0 && t.tier == 1 && !t.auto_escalated) {
		t.auto_escalated = 1;
		r = change_tier(s, &sys, &t, 2, "Escalated automatically: the SLA is at risk.", now);
	}
	if (r == 0)
		r = tickets_store_save(s, &t, now);
out:
	clocks_free(&c);
	return store_tx_end(s, r);
}

int helpdesk_sla_sweep(struct store *s, int64_t now, int *ret_changed)
{
	json_t *ids = json_array(), *due = json_array();
	size_t i;
	json_t *v;
	int r, changed = 0;
	if (!ids || !due) {
		r = -ENOMEM;
		goto out;
	}
	/* Most running clocks have nothing new: look at them all in one read snapshot,
	 * without the write lock (which the sweep would otherwise take once per running
	 * ticket, starving the requests) and without a read transaction each. */
	if ((r = store_read_begin(s)) < 0)
		goto out;
	struct clocks cl[6] = {0};
	r = tickets_store_running(s, ids);
	json_array_foreach(ids, i, v) {
		bool d;
		if (r < 0 || (r = sweep_due(s, json_integer_value(v), now, cl, &d)) < 0)
			break;
		if (d && json_array_append(due, v) < 0)
			r = -ENOMEM;
	}
	for (int p = 1; p <= 5; p++)
		clocks_free(&cl[p]);
	store_read_end(s);
	json_array_foreach(due, i, v) {
		bool ch;
		if (r < 0 || (r = sweep_one(s, json_integer_value(v), now, &ch)) < 0)
			break;
		changed += ch;
	}
out:
	json_decref(ids);
	json_decref(due);
	if (ret_changed)
		*ret_changed = changed;
	return r;
}

/* --- settings --- */

int helpdesk_settings_get(struct store *s, json_t **ret)
{
	char *text = NULL;
	json_t *cal = NULL, *targets = NULL;
	int r = tickets_store_setting(s, "calendar", &text);
	if (r == 0 && !(cal = json_loads(text, 0, NULL)))
		r = err_set(-EIO, "the stored business calendar is not JSON");
	if (r == 0)
		r = tickets_store_targets(s, &targets);
	free(text);
	if (r < 0) {
		json_decref(cal);
		return r;
	}
	*ret = json_pack("{s:o, s:o}", "calendar", cal, "sla_targets", targets);
	return *ret ? 0 : -ENOMEM;
}

int helpdesk_calendar_set(struct store *s, const struct actor *a, const json_t *calendar)
{
	struct sla_calendar *cal = NULL;
	json_t *canon = NULL;
	char *text = NULL;
	int r = sla_calendar_parse(calendar, &cal);
	if (r < 0)
		return r;
	if (!(canon = sla_calendar_json(cal)) || !(text = json_canonical(canon))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if ((r = tickets_store_setting_set(s, "calendar", text)) == 0)
		r = actlog_append(s, a->name, "helpdesk.calendar", "helpdesk:calendar", canon);
	r = store_tx_end(s, r);
out:
	sla_calendar_free(cal);
	json_decref(canon);
	free(text);
	return r;
}

int helpdesk_sla_target_set(struct store *s, const struct actor *a, int priority, int64_t response_s,
			    int64_t resolve_s)
{
	int r;
	if (priority < 1 || priority > 5)
		return err_set(-EINVAL, "priority must be 1 (critical) to 5 (planning)");
	if (response_s < 60 || resolve_s < 60 || response_s > resolve_s || resolve_s > 366LL * 86400)
		return err_set(-EINVAL, "targets run from 1 minute to a year, and response comes before resolution");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = tickets_store_target_set(s, priority, response_s, resolve_s)) == 0)
		r = actlog_appendf(s, a->name, "helpdesk.sla_target", "helpdesk:sla", "{s:i, s:I, s:I}", "priority",
				   priority, "response_s", (json_int_t)response_s, "resolve_s", (json_int_t)resolve_s);
	return store_tx_end(s, r);
}
