/*
 * helpdesk_store.c: the SQL behind helpdesk_store.h.
 */
#include "helpdesk/helpdesk_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

static void copy(char *out, size_t size, const char *v)
{
	snprintf(out, size, "%s", v ? v : "");
}

/* Rows of st into a new array, each made by row(). */
static int rows_json(struct store *s, sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *), const char *what,
		     json_t **ret)
{
	json_t *arr = json_array();
	int rc, r = 0;
	if (!arr) {
		store_done(st);
		return -ENOMEM;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = row(st);
		if (!o || json_array_append_new(arr, o) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, what);
	store_done(st);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}

int hd_store_attachment_add(struct store *s, int64_t ticket, const char *filename, const char *type, int64_t size,
			    const char *sha256, bool internal, const char *by, int64_t now, int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO ticket_attachments (ticket_id, filename, content_type, size, "
					 "sha256, internal, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, ticket);
	sqlite3_bind_text(st, 2, filename, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, size);
	sqlite3_bind_text(st, 5, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, internal);
	sqlite3_bind_text(st, 7, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	int r = store_step_done(s, st, "cannot record the attachment");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int hd_store_attachment_count(struct store *s, int64_t ticket, int64_t *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM ticket_attachments WHERE ticket_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, ticket);
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : store_error(s, "cannot count attachments");
	*ret = store_col_int(st, 0);
	store_done(st);
	return r;
}

int hd_store_attachment_get(struct store *s, int64_t ticket, int64_t id, char filename[256], char type[128],
			    char sha256[65], bool *internal)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT filename, content_type, sha256, internal FROM ticket_attachments "
					 "WHERE ticket_id = ? AND id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, ticket);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		copy(filename, 256, store_col_text(st, 0));
		copy(type, 128, store_col_text(st, 1));
		copy(sha256, 65, store_col_text(st, 2));
		*internal = store_col_int(st, 3) != 0;
	} else {
		r = rc == SQLITE_DONE ? err_set(-ENOENT, "attachment %lld does not exist", (long long)id)
				      : store_error(s, "cannot read the attachment");
	}
	store_done(st);
	return r;
}

static json_t *attachment_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:s, s:b, s:s, s:o}", "id", (json_int_t)store_col_int(st, 0), "filename",
			 store_col_text(st, 1), "content_type", store_col_text(st, 2), "size",
			 (json_int_t)store_col_int(st, 3), "sha256", store_col_text(st, 4), "internal",
			 (int)store_col_int(st, 5), "uploaded_by", store_col_text(st, 6), "created_at",
			 json_time(store_col_int(st, 7)));
}

int hd_store_attachments(struct store *s, int64_t ticket, bool public_only, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, filename, content_type, size, sha256, internal, uploaded_by, "
					 "created_at FROM ticket_attachments WHERE ticket_id = ? AND (internal = 0 OR "
					 "? = 0) ORDER BY id");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, ticket);
	sqlite3_bind_int(st, 2, public_only);
	return rows_json(s, st, attachment_row, "cannot list attachments", ret);
}

static json_t *canned_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)store_col_int(st, 0), "title", store_col_text(st, 1),
			 "body", store_col_text(st, 2), "created_by", store_col_text(st, 3));
}

int hd_store_canned_list(struct store *s, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, title, body, created_by FROM canned_responses ORDER BY title");
	if (!st)
		return -EIO;
	return rows_json(s, st, canned_row, "cannot list canned responses", ret);
}

int hd_store_canned_add(struct store *s, const char *title, const char *body, const char *by, int64_t now,
			int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO canned_responses (title, body, created_by, created_at) "
					 "VALUES (?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	int r = store_step_done(s, st, "cannot add the canned response");
	if (r == -EEXIST)
		return err_set(-EEXIST, "a canned response titled '%.80s' exists", title);
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int hd_store_canned_remove(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM canned_responses WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int r = store_step_done(s, st, "cannot remove the canned response");
	if (r == 0 && sqlite3_changes(sqlite3_db_handle(st)) == 0)
		return err_set(-ENOENT, "canned response %lld does not exist", (long long)id);
	return r;
}

int hd_store_link(struct store *s, int64_t a, int64_t b, bool add)
{
	sqlite3_stmt *st = add ? store_stmt(s, "INSERT OR IGNORE INTO ticket_links (a, b) VALUES (?, ?)")
			       : store_stmt(s, "DELETE FROM ticket_links WHERE a = ? AND b = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, a < b ? a : b);
	sqlite3_bind_int64(st, 2, a < b ? b : a);
	return store_step_done(s, st, "cannot link the tickets");
}

static json_t *link_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:s}", "number", (json_int_t)store_col_int(st, 0), "title", store_col_text(st, 1),
			 "status", store_col_text(st, 2));
}

int hd_store_links(struct store *s, int64_t ticket, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT t.id, t.title, t.status FROM ticket_links l JOIN tickets t ON t.id = "
					 "CASE WHEN l.a = ?1 THEN l.b ELSE l.a END WHERE l.a = ?1 OR l.b = ?1 ORDER BY t.id");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, ticket);
	return rows_json(s, st, link_row, "cannot list linked tickets", ret);
}

int hd_store_set_merged(struct store *s, int64_t duplicate, int64_t into)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE tickets SET merged_into = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, into);
	sqlite3_bind_int64(st, 2, duplicate);
	return store_step_done(s, st, "cannot merge the ticket");
}

int hd_store_set_article(struct store *s, int64_t ticket, int64_t article, bool deflected)
{
	sqlite3_stmt *st = deflected ? store_stmt(s, "UPDATE tickets SET deflected_by = ? WHERE id = ?")
				     : store_stmt(s, "UPDATE tickets SET article_id = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, article);
	sqlite3_bind_int64(st, 2, ticket);
	return store_step_done(s, st, "cannot record the article");
}

int hd_store_resolution(struct store *s, int64_t ticket, char **ret_resolution, char **ret_title)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT resolution, title FROM tickets WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, ticket);
	int rc = sqlite3_step(st), r = 0;
	*ret_resolution = *ret_title = NULL;
	if (rc == SQLITE_ROW) {
		const char *res = store_col_text(st, 0);
		*ret_resolution = res ? strdup(res) : NULL;
		*ret_title = strdup(store_col_text(st, 1));
		if ((res && !*ret_resolution) || !*ret_title)
			r = -ENOMEM;
	} else {
		r = rc == SQLITE_DONE ? err_set(-ENOENT, "ticket %lld does not exist", (long long)ticket)
				      : store_error(s, "cannot read the ticket");
	}
	store_done(st);
	return r;
}

int hd_store_message_add(struct store *s, const char *message_id, int64_t ticket, bool in, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO ticket_messages (message_id, ticket_id, direction, at) "
					 "VALUES (?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ticket);
	sqlite3_bind_text(st, 3, in ? "in" : "out", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	return store_step_done(s, st, "cannot record the message");
}

int hd_store_message_ticket(struct store *s, const char *message_id, int64_t *ret_ticket)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT ticket_id FROM ticket_messages WHERE message_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		*ret_ticket = store_col_int(st, 0);
	else
		r = rc == SQLITE_DONE ? -ENOENT : store_error(s, "cannot read mail threading");
	store_done(st);
	return r;
}

int hd_store_fix_add(struct store *s, const char *name, const char *description, const char *command,
		     int64_t timeout_s, const char *by, int64_t now, int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO fix_scripts (name, description, command, timeout_s, created_by, "
					 "created_at) VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, command, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, timeout_s);
	sqlite3_bind_text(st, 5, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	int r = store_step_done(s, st, "cannot add the fix");
	if (r == -EEXIST)
		return err_set(-EEXIST, "a fix named '%.64s' exists", name);
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

static json_t *fix_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:b}", "id", (json_int_t)store_col_int(st, 0), "name",
			 store_col_text(st, 1), "description", store_col_text(st, 2), "command", store_col_text(st, 3),
			 "timeout_s", (json_int_t)store_col_int(st, 4), "created_by", store_col_text(st, 5), "disabled",
			 (int)store_col_int(st, 6));
}

int hd_store_fix_list(struct store *s, bool include_disabled, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, name, description, command, timeout_s, created_by, disabled "
					 "FROM fix_scripts WHERE disabled = 0 OR ? ORDER BY name");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, include_disabled);
	return rows_json(s, st, fix_row, "cannot list fixes", ret);
}

int hd_store_fix_get(struct store *s, const char *name, char **ret_command, int64_t *ret_timeout)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT command, timeout_s FROM fix_scripts WHERE name = ? AND disabled = 0");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		*ret_timeout = store_col_int(st, 1);
		r = (*ret_command = strdup(store_col_text(st, 0))) ? 0 : -ENOMEM;
	} else {
		r = rc == SQLITE_DONE ? err_set(-ENOENT, "no approved fix named '%.64s'", name)
				      : store_error(s, "cannot read the fix");
	}
	store_done(st);
	return r;
}

int hd_store_fix_disable(struct store *s, const char *name, bool disabled)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE fix_scripts SET disabled = ? WHERE name = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, disabled);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int r = store_step_done(s, st, "cannot change the fix");
	if (r == 0 && sqlite3_changes(sqlite3_db_handle(st)) == 0)
		return err_set(-ENOENT, "no fix named '%.64s'", name);
	return r;
}

int hd_store_ticket_job_add(struct store *s, int64_t job, int64_t ticket, const char *purpose)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO ticket_jobs (job_id, ticket_id, purpose) VALUES (?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, ticket);
	sqlite3_bind_text(st, 3, purpose, -1, SQLITE_STATIC);
	return store_step_done(s, st, "cannot record the ticket's job");
}

int hd_store_ticket_job_take(struct store *s, int64_t job, int64_t *ret_ticket, char purpose[80])
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE ticket_jobs SET noted = 1 WHERE job_id = ? AND noted = 0 "
					 "RETURNING ticket_id, purpose");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, job);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		*ret_ticket = store_col_int(st, 0);
		copy(purpose, 80, store_col_text(st, 1));
		rc = sqlite3_step(st);
	} else {
		r = -ENOENT;
	}
	if (rc != SQLITE_DONE)
		r = store_error(s, "cannot read the ticket's job");
	store_done(st);
	return r;
}

static json_t *staff_row(sqlite3_stmt *st)
{
	return json_pack("{s:s, s:s}", "name", store_col_text(st, 0), "role", store_col_text(st, 1));
}

int hd_store_staff(struct store *s, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT name, role FROM users WHERE role IN ('support', 'admin') AND "
					 "disabled = 0 ORDER BY name");
	if (!st)
		return -EIO;
	return rows_json(s, st, staff_row, "cannot list staff", ret);
}

int hd_store_people(struct store *s, int64_t ticket, struct hd_people *p)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT t.title, t.requester_id, coalesce(t.assignee_id, 0), r.name, "
					 "coalesce(r.email, ''), coalesce(a.name, ''), coalesce(a.email, '') "
					 "FROM tickets t JOIN users r ON r.id = t.requester_id "
					 "LEFT JOIN users a ON a.id = t.assignee_id WHERE t.id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, ticket);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		copy(p->title, sizeof(p->title), store_col_text(st, 0));
		p->requester_id = store_col_int(st, 1);
		p->assignee_id = store_col_int(st, 2);
		copy(p->requester, sizeof(p->requester), store_col_text(st, 3));
		copy(p->requester_email, sizeof(p->requester_email), store_col_text(st, 4));
		copy(p->assignee, sizeof(p->assignee), store_col_text(st, 5));
		copy(p->assignee_email, sizeof(p->assignee_email), store_col_text(st, 6));
	} else {
		r = rc == SQLITE_DONE ? err_set(-ENOENT, "ticket %lld does not exist", (long long)ticket)
				      : store_error(s, "cannot read the ticket");
	}
	store_done(st);
	return r;
}

int hd_store_thread(struct store *s, int64_t ticket, char first[256], char last[256])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT (SELECT message_id FROM ticket_messages WHERE ticket_id = ?1 "
					 "ORDER BY at, direction, message_id LIMIT 1), (SELECT message_id FROM ticket_messages "
					 "WHERE ticket_id = ?1 ORDER BY at DESC, direction DESC, message_id DESC LIMIT 1)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, ticket);
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : store_error(s, "cannot read mail threading");
	copy(first, 256, r == 0 ? store_col_text(st, 0) : NULL);
	copy(last, 256, r == 0 ? store_col_text(st, 1) : NULL);
	store_done(st);
	return r;
}

int hd_store_outbox_add(struct store *s, const struct hd_outbox *m, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO mail_outbox (ticket_id, to_addr, to_name, subject, body, "
					 "message_id, in_reply_to, refs, created_at, next_at) "
					 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	if (m->ticket_id)
		sqlite3_bind_int64(st, 1, m->ticket_id);
	else
		sqlite3_bind_null(st, 1);
	store_bind_text(st, 2, m->to_addr);
	store_bind_text(st, 3, m->to_name);
	store_bind_text(st, 4, m->subject);
	store_bind_text(st, 5, m->body);
	store_bind_text(st, 6, m->message_id);
	store_bind_text(st, 7, m->in_reply_to);
	store_bind_text(st, 8, m->refs);
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_int64(st, 10, now);
	return store_step_done(s, st, "cannot queue the notification");
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const char *v = store_col_text(st, i);
	return v ? strdup(v) : NULL;
}

void hd_outbox_release(struct hd_outbox *m)
{
	char **fields[] = {&m->to_addr, &m->to_name, &m->subject, &m->body, &m->message_id, &m->in_reply_to, &m->refs};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}

int hd_store_outbox_due(struct store *s, int64_t now, struct hd_outbox *ret, int max, int *ret_n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, coalesce(ticket_id, 0), attempts, to_addr, to_name, subject, body, "
					 "message_id, in_reply_to, refs FROM mail_outbox WHERE status = 'queued' AND "
					 "next_at <= ? ORDER BY id LIMIT ?");
	int rc, n = 0, r = 0;
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		struct hd_outbox *m = &ret[n++];
		m->id = store_col_int(st, 0);
		m->ticket_id = store_col_int(st, 1);
		m->attempts = store_col_int(st, 2);
		m->to_addr = dup_col(st, 3);
		m->to_name = dup_col(st, 4);
		m->subject = dup_col(st, 5);
		m->body = dup_col(st, 6);
		m->message_id = dup_col(st, 7);
		m->in_reply_to = dup_col(st, 8);
		m->refs = dup_col(st, 9);
		if (!m->to_addr || !m->subject || !m->body || !m->message_id)
			r = -ENOMEM;
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = store_error(s, "cannot read the outbox");
	store_done(st);
	*ret_n = n;
	return r;
}

int hd_store_outbox_done(struct store *s, int64_t id, const char *status, int64_t now, int64_t next_at,
			 const char *error)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE mail_outbox SET status = ?, attempts = attempts + 1, next_at = ?, "
					 "sent_at = CASE WHEN ? = 'sent' THEN ? END, last_error = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, next_at);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	store_bind_text(st, 5, error);
	sqlite3_bind_int64(st, 6, id);
	return store_step_done(s, st, "cannot update the outbox");
}

static json_t *outbox_row(sqlite3_stmt *st)
{
	const char *err = store_col_text(st, 7);
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:o, s:s?}", "id", (json_int_t)store_col_int(st, 0), "ticket",
			 (json_int_t)store_col_int(st, 1), "to", store_col_text(st, 2), "subject", store_col_text(st, 3),
			 "status", store_col_text(st, 4), "attempts", (json_int_t)store_col_int(st, 5), "created_at",
			 json_time(store_col_int(st, 6)), "last_error", err);
}

int hd_store_outbox_list(struct store *s, int limit, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, coalesce(ticket_id, 0), to_addr, subject, status, attempts, "
					 "created_at, last_error FROM mail_outbox ORDER BY id DESC LIMIT ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, limit);
	return rows_json(s, st, outbox_row, "cannot list the outbox", ret);
}
