/*
 * training_remind.c: reminders of training due soon or overdue: which assignments need
 * one, the e-mail (mail_compose, smtp_send) sent outside any transaction between a
 * claim and its outcome, and the record of each reminder, sent or not, with why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "mail/mail_compose.h"
#include "training/training.h"
#include "training/training_store.h"

static void course_object(int64_t id, char out[32])
{
	snprintf(out, 32, "course:%lld", (long long)id);
}

static int check_user_name(const char *user)
{
	if (!user || !*user || strlen(user) > WARD_NAME_MAX)
		return err_set(-EINVAL, "user name '%.64s' is not valid", user ? user : "");
	return 0;
}

struct remind_list {
	struct training_remind_row *rows;
	size_t n;
};

static int collect_remind(const struct training_remind_row *row, void *arg)
{
	struct remind_list *l = arg;
	if (l->n >= TRAINING_REMIND_BATCH)
		return 1;
	l->rows[l->n++] = *row;
	return 0;
}

/* "2026-11-26 23:19 UTC" */
static void when_text(int64_t t, char out[32])
{
	char iso[TIME_ISO_LEN];
	time_iso(t, iso);
	snprintf(out, 32, "%.10s %.5s UTC", iso, iso + 11);
}

/* Composes the reminder; the caller frees *ret_text. */
static int remind_compose(const struct training_remind_row *row, const struct user *u, const char *from_addr,
			  bool overdue, char **ret_text, size_t *ret_len, char ret_id[MAIL_MSGID_SIZE])
{
	char subject[TRAINING_TITLE_SIZE + 32], when[32], course[24], *text = NULL;
	when_text(row->due_at, when);
	snprintf(subject, sizeof(subject), "Training %s: %s", overdue ? "overdue" : "due", row->course_title);
	snprintf(course, sizeof(course), "%lld", (long long)row->course_id);
	int n = asprintf(&text,
			 "Hello %s,\n\n"
			 "the training course \"%s\" %s %s.\n\n"
			 "Open Ward and choose Training to read its lessons%s.\n\n"
			 "-- \nWard\n",
			 u->name, row->course_title, overdue ? "was due on" : "is due on", when,
			 overdue ? " and complete it as soon as you can" : " and complete it in time");
	if (n < 0)
		return -ENOMEM;
	struct mail_out m = {.from_addr = from_addr,
			     .from_name = "Ward",
			     .to_addr = u->email,
			     .to_name = u->name,
			     .subject = subject,
			     .text = text,
			     .extra_headers = {{"X-Ward-Course", course}}};
	int r = mail_compose(&m, ret_text, ret_len, ret_id);
	free(text);
	return r;
}

/* Claims the assignment and records the reminder: status "sending", or "unsent" with
 * reason. *ret_claimed false when another sweep took it first. */
static int remind_record(struct store *s, const struct training_remind_row *row, int64_t now, const char *kind,
			 const char *to, const char *reason, int64_t *ret_reminder, bool *ret_claimed)
{
	char object[32];
	const char *status = reason ? "unsent" : "sending";
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	if ((r = training_store_remind_claim(s, row->id, now, now + TRAINING_REMIND_EVERY, ret_claimed)) < 0 ||
	    !*ret_claimed)
		goto end;
	if ((r = training_store_reminder_add(s, row->id, now, kind, to, status, reason, ret_reminder)) < 0)
		goto end;
	course_object(row->course_id, object);
	r = actlog_appendf(s, TRAINING_SYSTEM_ACTOR, "training.remind", object, "{s:s, s:s, s:o, s:s, s:o, s:o}",
			   "user", row->user, "kind", kind, "due_at", json_time(row->due_at), "status", status, "to",
			   json_string_or_null(to), "reason", json_string_or_null(reason));
end:
	return store_tx_end(s, r);
}

/* Records how sending went. */
static int remind_outcome(struct store *s, const struct training_remind_row *row, int64_t reminder, int64_t now,
			  int sent, const char *message_id)
{
	char object[32], reason[512] = "";
	if (sent < 0)
		snprintf(reason, sizeof(reason), "%s", err_msg(sent));
	int r = store_tx_begin(s);
	if (r < 0)
		return r;
	r = training_store_reminder_done(s, reminder, sent == 0 ? "sent" : "failed", sent == 0 ? NULL : reason,
					 sent == 0 ? message_id : NULL);
	if (r == 0 && sent == -EAGAIN)
		r = training_store_remind_after(s, row->id, now + TRAINING_REMIND_RETRY);
	course_object(row->course_id, object);
	if (r == 0 && sent == 0)
		r = actlog_appendf(s, TRAINING_SYSTEM_ACTOR, "training.remind_sent", object, "{s:s, s:s}", "user",
				   row->user, "message_id", message_id);
	else if (r == 0)
		r = actlog_appendf(s, TRAINING_SYSTEM_ACTOR, "training.remind_failed", object, "{s:s, s:s, s:b}",
				   "user", row->user, "reason", reason, "retry_soon", sent == -EAGAIN);
	return store_tx_end(s, r);
}

int training_remind(struct store *s, int64_t now, const struct smtp_config *smtp, const char *from_addr,
		    struct training_remind_result *ret)
{
	struct training_remind_result res = {0};
	struct remind_list l = {calloc(TRAINING_REMIND_BATCH, sizeof(struct training_remind_row)), 0};
	int r;
	if (!l.rows)
		return -ENOMEM;
	if (smtp && (r = mail_addr_check(from_addr, "sender address")) < 0)
		goto out;
	if ((r = training_store_remind_candidates(s, now, TRAINING_REMIND_AHEAD, TRAINING_REMIND_BATCH, collect_remind,
						  &l)) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		const struct training_remind_row *row = &l.rows[i];
		const char *kind = now > row->due_at ? "overdue" : "due", *reason = NULL;
		struct user u;
		int64_t reminder = 0;
		bool claimed = false;
		if ((r = accounts_user_get(s, row->user, &u)) == -ENOENT)
			reason = "user does not exist";
		else if (r < 0)
			goto out;
		else if (u.disabled)
			reason = "user is disabled";
		else if (!u.email[0])
			reason = "user has no e-mail address";
		else if (!smtp)
			reason = "no mail server is configured";
		if ((r = remind_record(s, row, now, kind, reason ? NULL : u.email, reason, &reminder, &claimed)) < 0)
			goto out;
		if (!claimed)
			continue;
		if (reason) {
			res.unsent++;
			continue;
		}
		/* Outside any transaction: the mail server may take its time. */
		char *text = NULL, id[MAIL_MSGID_SIZE] = "";
		size_t len = 0;
		const char *rcpt[] = {u.email};
		int sent = remind_compose(row, &u, from_addr, now > row->due_at, &text, &len, id);
		if (sent == 0)
			sent = smtp_send(smtp, from_addr, rcpt, 1, text, len);
		free(text);
		if (sent == 0)
			res.sent++;
		else
			res.failed++;
		if ((r = remind_outcome(s, row, reminder, now, sent, id)) < 0)
			goto out;
	}
	r = 0;
	if (ret)
		*ret = res;
out:
	free(l.rows);
	return r;
}

int training_reminders(struct store *s, int64_t course_id, const char *user, json_t **ret)
{
	struct training_assignment_row a;
	int r = check_user_name(user);
	if (r < 0 || (r = training_store_assignment_get(s, course_id, user, &a)) < 0)
		return r;
	json_t *out = json_array();
	if (!out)
		return -ENOMEM;
	if ((r = training_store_reminders(s, a.id, out)) < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}
