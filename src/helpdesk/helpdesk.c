/*
 * helpdesk.c: what surrounds a ticket: attachments, canned responses, related and
 * merged tickets, articles written from resolutions, approved fixes run through the
 * agent's job channel, and their results coming back as internal notes.
 */
#include "helpdesk/helpdesk.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog/actlog.h"
#include "core/blob.h"
#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "helpdesk/helpdesk_internal.h"
#include "helpdesk/helpdesk_store.h"
#include "hosts/hosts.h"
#include "jobs/jobs.h"
#include "kb/kb.h"

#define FIX_NAME_MAX 64
#define FIX_COMMAND_MAX 4096
#define NOTE_OUTPUT_MAX 16384 /* bytes of a job's output copied into a note */

/* --- attachments --- */

/* The file name as given, without any directory part, control characters or quotes;
 * "attachment" when nothing is left. */
static void clean_filename(const char *in, char out[256])
{
	const char *base = in;
	for (const char *p = in; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)base; *p && n < 200; p++)
		if (*p >= 0x20 && *p != 0x7f && *p != '"' && *p != ';')
			out[n++] = (char)*p;
	out[n] = '\0';
	while (n > 0 && (out[0] == '.' || out[0] == ' '))
		memmove(out, out + 1, n--);
	if (n == 0)
		snprintf(out, 256, "attachment");
}

/* "type/subtype" in token characters, else application/octet-stream. */
static void clean_type(const char *in, char out[128])
{
	size_t n = in ? strcspn(in, ";") : 0, slash = 0;
	bool ok = n > 2 && n < 100;
	for (size_t i = 0; ok && i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '/')
			slash++;
		else if (!isalnum(c) && !strchr("!#$&^_.+-", c))
			ok = false;
	}
	if (ok && slash == 1)
		snprintf(out, 128, "%.*s", (int)n, in);
	else
		snprintf(out, 128, "application/octet-stream");
}

int ticket_attach(struct store *s, const struct actor *a, int64_t id, const char *filename,
		  const char *content_type, const void *data, size_t len, bool internal, json_t **ret)
{
	struct ticket_state t;
	char name[256], type[128], hex[CRYPTO_SHA256_HEX];
	int64_t att = 0, count = 0, now = time_now();
	int r;
	if (internal && !hd_is_staff(a))
		return err_set(-EPERM, "only support staff add internal attachments");
	if (len > TICKET_ATTACHMENT_MAX)
		return err_set(-E2BIG, "an attachment is at most %d MiB", TICKET_ATTACHMENT_MAX >> 20);
	if (len == 0)
		return err_set(-EINVAL, "the attachment is empty");
	clean_filename(filename ? filename : "", name);
	clean_type(content_type, type);
	/* Check before writing the blob, so a refused upload leaves nothing behind. */
	if ((r = hd_ticket_load(s, a, id, &t)) < 0)
		return r;
	if (strcmp(t.status, "closed") == 0)
		return err_set(-EINVAL, "ticket %lld is closed", (long long)id);
	if ((r = blob_put(data, len, hex)) < 0 || (r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hd_store_attachment_count(s, id, &count)) == 0 && count >= TICKET_ATTACHMENTS_MAX)
		r = err_set(-EINVAL, "ticket %lld has %d attachments already", (long long)id, TICKET_ATTACHMENTS_MAX);
	if (r == 0)
		r = hd_store_attachment_add(s, id, name, type, (int64_t)len, hex, internal, a->name, now, &att);
	if (r == 0)
		r = hd_event(s, a, id, now, "attach", !internal, NULL,
			     json_pack("{s:I, s:s, s:I, s:s}", "attachment", (json_int_t)att, "filename", name, "size",
				       (json_int_t)len, "sha256", hex),
			     NULL);
	if ((r = store_tx_end(s, r)) < 0)
		return r;
	*ret = json_pack("{s:I, s:s, s:s, s:I, s:s, s:b}", "id", (json_int_t)att, "filename", name, "content_type", type,
			 "size", (json_int_t)len, "sha256", hex, "internal", internal);
	return *ret ? 0 : -ENOMEM;
}

int ticket_attachment_open(struct store *s, const struct actor *a, int64_t id, int64_t att, int *ret_fd,
			   uint64_t *ret_size, char ret_filename[256], char ret_type[128])
{
	struct ticket_state t;
	char hex[65];
	bool internal;
	int r = hd_ticket_load(s, a, id, &t);
	if (r < 0 || (r = hd_store_attachment_get(s, id, att, ret_filename, ret_type, hex, &internal)) < 0)
		return r;
	if (internal && !hd_is_staff(a))
		return err_set(-ENOENT, "attachment %lld does not exist", (long long)att);
	return blob_open(hex, ret_fd, ret_size);
}

/* --- canned responses --- */

int canned_list(struct store *s, json_t **ret)
{
	return hd_store_canned_list(s, ret);
}

int canned_add(struct store *s, const struct actor *a, const char *title, const char *body, int64_t *ret_id)
{
	int r;
	if ((r = hd_check_text("title", title, TICKET_TITLE_MAX, true, false)) < 0 ||
	    (r = hd_check_text("body", body, TICKET_TEXT_MAX, true, true)) < 0 || (r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hd_store_canned_add(s, title, body, a->name, time_now(), ret_id)) == 0)
		r = actlog_appendf(s, a->name, "helpdesk.canned_add", "helpdesk:canned", "{s:I, s:s}", "id",
				   (json_int_t)*ret_id, "title", title);
	return store_tx_end(s, r);
}

int canned_remove(struct store *s, const struct actor *a, int64_t id)
{
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = hd_store_canned_remove(s, id)) == 0)
		r = actlog_appendf(s, a->name, "helpdesk.canned_remove", "helpdesk:canned", "{s:I}", "id", (json_int_t)id);
	return store_tx_end(s, r);
}

/* --- related and duplicate tickets --- */

int ticket_link(struct store *s, const struct actor *a, int64_t id, int64_t other, bool unlink)
{
	struct ticket_state t, u;
	int64_t now = time_now();
	int r;
	if (!hd_is_staff(a))
		return err_set(-EPERM, "only support staff link tickets");
	if (id == other)
		return err_set(-EINVAL, "a ticket is not related to itself");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hd_ticket_load(s, a, id, &t)) == 0 && (r = hd_ticket_load(s, a, other, &u)) == 0 &&
	    (r = hd_store_link(s, id, other, !unlink)) == 0 &&
	    (r = hd_event(s, a, id, now, unlink ? "unlink" : "link", false, NULL,
			  json_pack("{s:I}", "ticket", (json_int_t)other), NULL)) == 0)
		r = hd_event(s, a, other, now, unlink ? "unlink" : "link", false, NULL,
			     json_pack("{s:I}", "ticket", (json_int_t)id), NULL);
	return store_tx_end(s, r);
}

int ticket_merge(struct store *s, const struct actor *a, int64_t duplicate, int64_t id)
{
	struct ticket_state d, t;
	int64_t now = time_now();
	char note[128];
	int r;
	if (!hd_is_staff(a))
		return err_set(-EPERM, "only support staff merge tickets");
	if (duplicate == id)
		return err_set(-EINVAL, "a ticket cannot be merged into itself");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hd_ticket_load(s, a, duplicate, &d)) < 0 || (r = hd_ticket_load(s, a, id, &t)) < 0)
		goto out;
	if (strcmp(t.status, "closed") == 0) {
		r = err_set(-EINVAL, "ticket %lld is closed: merge into an open ticket", (long long)id);
		goto out;
	}
	snprintf(note, sizeof(note), "Merged into #%lld.", (long long)id);
	struct ticket_change close = {.status = "closed"};
	/* Closing runs through the usual rules (clocks stopped, events, log). */
	if ((r = ticket_change(s, a, duplicate, &close)) < 0 || (r = hd_store_set_merged(s, duplicate, id)) < 0 ||
	    (r = hd_store_link(s, duplicate, id, true)) < 0 ||
	    (r = hd_event(s, a, duplicate, now, "merge", true, note, json_pack("{s:I}", "into", (json_int_t)id), NULL)) <
		    0)
		goto out;
	snprintf(note, sizeof(note), "#%lld was merged into this ticket.", (long long)duplicate);
	r = hd_event(s, a, id, now, "merge", true, note, json_pack("{s:I}", "from", (json_int_t)duplicate), NULL);
out:
	return store_tx_end(s, r);
}

/* --- articles from resolutions --- */

int ticket_to_article(struct store *s, const struct actor *a, int64_t id, const char *title, const char *category,
		      const char *visibility, int64_t *ret_article)
{
	struct ticket_state t;
	char *resolution = NULL, *ticket_title = NULL;
	int64_t article = 0;
	int r;
	if (!hd_is_staff(a))
		return err_set(-EPERM, "only support staff write articles");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hd_ticket_load(s, a, id, &t)) < 0 || (r = hd_store_resolution(s, id, &resolution, &ticket_title)) < 0)
		goto out;
	if (!resolution || !*resolution) {
		r = err_set(-EINVAL, "ticket %lld has no resolution to turn into an article", (long long)id);
		goto out;
	}
	struct kb_fields f = {.title = title && *title ? title : ticket_title,
			      .body = resolution,
			      .category = category && *category ? category : "resolutions",
			      .visibility = visibility};
	if ((r = kb_article_create(s, a->name, &f, &article)) < 0 || (r = kb_article_cite(s, a->name, article, id)) < 0 ||
	    (r = hd_store_set_article(s, id, article, false)) < 0)
		goto out;
	r = hd_event(s, a, id, time_now(), "article", false, NULL, json_pack("{s:I}", "article", (json_int_t)article),
		     NULL);
out:
	free(resolution);
	free(ticket_title);
	r = store_tx_end(s, r);
	if (r == 0)
		*ret_article = article;
	return r;
}

/* --- approved fixes --- */

int fix_list(struct store *s, bool include_disabled, json_t **ret)
{
	return hd_store_fix_list(s, include_disabled, ret);
}

int fix_add(struct store *s, const struct actor *a, const char *name, const char *description, const char *command,
	    int64_t timeout_s, int64_t *ret_id)
{
	int r;
	if (!name || !*name || strlen(name) > FIX_NAME_MAX || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") !=
									 strlen(name))
		return err_set(-EINVAL, "a fix is named with 1 to %d of a-z 0-9 - _ .", FIX_NAME_MAX);
	if ((r = hd_check_text("description", description, 1024, true, true)) < 0 ||
	    (r = hd_check_text("command", command, FIX_COMMAND_MAX, true, true)) < 0)
		return r;
	if (timeout_s < 1 || timeout_s > 3600)
		return err_set(-EINVAL, "a fix's timeout is 1 s to 1 h");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hd_store_fix_add(s, name, description, command, timeout_s, a->name, time_now(), ret_id)) == 0)
		r = actlog_appendf(s, a->name, "helpdesk.fix_add", "helpdesk:fix", "{s:s, s:s, s:I}", "name", name,
				   "command", command, "timeout_s", (json_int_t)timeout_s);
	return store_tx_end(s, r);
}

int fix_set_disabled(struct store *s, const struct actor *a, const char *name, bool disabled)
{
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = hd_store_fix_disable(s, name, disabled)) == 0)
		r = actlog_appendf(s, a->name, disabled ? "helpdesk.fix_disable" : "helpdesk.fix_enable", "helpdesk:fix",
				   "{s:s}", "name", name);
	return store_tx_end(s, r);
}

int ticket_run_fix(struct store *s, const struct actor *a, int64_t id, const char *fix, int64_t *ret_job)
{
	struct ticket_state t;
	struct host h;
	char *command = NULL, purpose[80];
	int64_t timeout = 0, job = 0;
	int r;
	if (!hd_is_staff(a))
		return err_set(-EPERM, "only support staff run fixes");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = hd_ticket_load(s, a, id, &t)) < 0 || (r = hd_store_fix_get(s, fix, &command, &timeout)) < 0)
		goto out;
	if (!t.host_id) {
		r = err_set(-EINVAL, "ticket %lld names no machine to run the fix on", (long long)id);
		goto out;
	}
	snprintf(purpose, sizeof(purpose), "fix:%s", fix);
	json_t *params = json_pack("{s:s, s:I}", "command", command, "timeout", (json_int_t)timeout);
	/* The fix was vetted by an admin when added; support only picks it. */
	if ((r = hosts_get_id(s, t.host_id, &h)) == 0 && (r = jobs_queue(s, a->name, &h, "command", params, &job)) == 0 &&
	    (r = hd_store_ticket_job_add(s, job, id, purpose)) == 0)
		r = hd_event(s, a, id, time_now(), "fix", false, NULL,
			     json_pack("{s:s, s:I, s:s}", "fix", fix, "job", (json_int_t)job, "host", h.name), NULL);
	json_decref(params);
out:
	free(command);
	r = store_tx_end(s, r);
	if (r == 0)
		*ret_job = job;
	return r;
}

int helpdesk_job_result(struct store *s, int64_t job_id, const char *status, const json_t *job_result,
			const char *output)
{
	struct actor sys = {.name = "system", .role = ROLE_ADMIN};
	char purpose[80], *note = NULL;
	int64_t ticket = 0;
	int r = hd_store_ticket_job_take(s, job_id, &ticket, purpose);
	if (r == -ENOENT)
		return 0; /* not a ticket's job */
	if (r < 0)
		return r;
	char *res = job_result ? json_dumps(job_result, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	size_t out_len = output ? strlen(output) : 0;
	if (asprintf(&note, "%s (job %lld) %s.%s%.*s%s%s%s", purpose, (long long)job_id, status,
		     out_len ? "\n\nOutput:\n" : "", (int)(out_len > NOTE_OUTPUT_MAX ? NOTE_OUTPUT_MAX : out_len),
		     output ? output : "", out_len > NOTE_OUTPUT_MAX ? "\n[output cut]" : "", res ? "\n\nResult:\n" : "",
		     res ? res : "") < 0)
		note = NULL;
	free(res);
	if (!note)
		return -ENOMEM;
	int64_t ev = 0;
	struct ticket_state t;
	if ((r = tickets_store_get(s, ticket, &t)) == 0 &&
	    (r = hd_event(s, &sys, ticket, time_now(), "note", false, note,
			  json_pack("{s:I, s:s, s:s}", "job", (json_int_t)job_id, "purpose", purpose, "status", status),
			  &ev)) == 0)
		r = tickets_store_fts_put(s, ticket, ev, t.requester_id, true, NULL, note);
	free(note);
	return r;
}

int helpdesk_staff(struct store *s, json_t **ret)
{
	return hd_store_staff(s, ret);
}
