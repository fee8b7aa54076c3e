/*
 * tickets_store.c: the SQL behind tickets.c.
 */
#include "helpdesk/tickets_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "helpdesk/helpdesk.h"

#define STATE_COLS                                                                                                     \
	"id, requester_id, assignee_id, host_id, created_at, first_response_at, resolved_at, closed_at, sla_used, "    \
	"sla_since, response_due_at, resolve_due_at, impact, urgency, priority, tier, sla_flags, auto_escalated, "     \
	"status"

static const char summary_cols[] =
	"t.id, t.title, t.status, t.tier, t.priority, t.impact, t.urgency, t.category, r.name, a.name, h.name, "
	"t.created_at, t.updated_at, t.first_response_at, t.response_due_at, t.resolve_due_at, t.resolved_at, "
	"t.sla_flags, t.sla_used, t.sla_since";
static const char summary_joins[] = " JOIN users r ON r.id = t.requester_id "
					  "LEFT JOIN users a ON a.id = t.assignee_id "
					  "LEFT JOIN hosts h ON h.id = t.host_id";

static void bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int tickets_store_insert(struct store *s, const char *title, const char *description, const char *category,
			 const struct ticket_state *t, int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(
		s, "INSERT INTO tickets (title, description, category, requester_id, host_id, impact, urgency, priority, "
		   "status, tier, created_at, updated_at, sla_used, sla_since, response_due_at, resolve_due_at) "
		   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, category ? category : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, t->requester_id);
	bind_opt(st, 5, t->host_id);
	sqlite3_bind_int(st, 6, t->impact);
	sqlite3_bind_int(st, 7, t->urgency);
	sqlite3_bind_int(st, 8, t->priority);
	sqlite3_bind_text(st, 9, t->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, t->tier);
	sqlite3_bind_int64(st, 11, t->created_at);
	sqlite3_bind_int64(st, 12, t->created_at);
	bind_opt(st, 13, t->sla_since);
	bind_opt(st, 14, t->response_due_at);
	bind_opt(st, 15, t->resolve_due_at);
	int r = store_step_done(s, st, "cannot create the ticket");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int tickets_store_get(struct store *s, int64_t id, struct ticket_state *t)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " STATE_COLS " FROM tickets WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		memset(t, 0, sizeof(*t));
		int64_t *nums[] = {&t->id,	   &t->requester_id,	&t->assignee_id, &t->host_id,
				   &t->created_at, &t->first_response_at, &t->resolved_at, &t->closed_at,
				   &t->sla_used,   &t->sla_since,	  &t->response_due_at, &t->resolve_due_at};
		for (int i = 0; i < 12; i++)
			*nums[i] = store_col_int(st, i);
		int *small[] = {&t->impact, &t->urgency, &t->priority, &t->tier, &t->sla_flags, &t->auto_escalated};
		for (int i = 0; i < 6; i++)
			*small[i] = (int)store_col_int(st, 12 + i);
		snprintf(t->status, sizeof(t->status), "%s", store_col_text(st, 18));
	} else if (rc == SQLITE_DONE) {
		r = err_set(-ENOENT, "ticket %lld does not exist", (long long)id);
	} else {
		r = store_error(s, "cannot read the ticket");
	}
	store_done(st);
	return r;
}

int tickets_store_save(struct store *s, const struct ticket_state *t, int64_t now)
{
	sqlite3_stmt *st = store_stmt(
		s, "UPDATE tickets SET assignee_id = ?, host_id = ?, first_response_at = ?, resolved_at = ?, "
		   "closed_at = ?, sla_used = ?, sla_since = ?, response_due_at = ?, resolve_due_at = ?, impact = ?, "
		   "urgency = ?, priority = ?, tier = ?, sla_flags = ?, auto_escalated = ?, status = ?, updated_at = ? "
		   "WHERE id = ?");
	if (!st)
		return -EIO;
	int64_t opt[] = {t->assignee_id,  t->host_id,   t->first_response_at, t->resolved_at,
			 t->closed_at};
	for (int i = 0; i < 5; i++)
		bind_opt(st, i + 1, opt[i]);
	sqlite3_bind_int64(st, 6, t->sla_used);
	bind_opt(st, 7, t->sla_since);
	bind_opt(st, 8, t->response_due_at);
	bind_opt(st, 9, t->resolve_due_at);
	int small[] = {t->impact, t->urgency, t->priority, t->tier, t->sla_flags, t->auto_escalated};
	for (int i = 0; i < 6; i++)
		sqlite3_bind_int(st, 10 + i, small[i]);
	sqlite3_bind_text(st, 16, t->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 17, now);
	sqlite3_bind_int64(st, 18, t->id);
	return store_step_done(s, st, "cannot update the ticket");
}

int tickets_store_set_text(struct store *s, int64_t id, const char *title, const char *category,
			   const char *resolution)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE tickets SET title = coalesce(?, title), category = coalesce(?, "
					 "category), resolution = coalesce(?, resolution) WHERE id = ?");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, title);
	store_bind_text(st, 2, category);
	store_bind_text(st, 3, resolution);
	sqlite3_bind_int64(st, 4, id);
	return store_step_done(s, st, "cannot update the ticket");
}

int tickets_store_set_rating(struct store *s, int64_t id, int rating, const char *comment)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE tickets SET rating = ?, rating_comment = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, rating);
	store_bind_text(st, 2, comment);
	sqlite3_bind_int64(st, 3, id);
	return store_step_done(s, st, "cannot rate the ticket");
}

int tickets_store_tag(struct store *s, int64_t id, const char *tag, bool add)
{
	sqlite3_stmt *st = add ? store_stmt(s, "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)")
			       : store_stmt(s, "DELETE FROM ticket_tags WHERE ticket_id = ? AND tag = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, tag, -1, SQLITE_STATIC);
	return store_step_done(s, st, "cannot tag the ticket");
}

int tickets_store_tag_count(struct store *s, int64_t id, int64_t *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM ticket_tags WHERE ticket_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : store_error(s, "cannot count tags");
	*ret = store_col_int(st, 0);
	store_done(st);
	return r;
}

int tickets_store_event(struct store *s, int64_t id, int64_t at, const char *actor, const char *kind, bool public,
			const char *body, const json_t *data, int64_t *ret_event)
{
	char *text = data ? json_canonical(data) : NULL;
	if (data && !text)
		return -ENOMEM;
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO ticket_events (ticket_id, at, actor, kind, public, body, data) "
					 "VALUES (?, ?, ?, ?, ?, ?, ?)");
	int r = -EIO;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, at);
		sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, public);
		store_bind_text(st, 6, body);
		store_bind_text(st, 7, text);
		r = store_step_done(s, st, "cannot add to the ticket's timeline");
		if (r == 0 && ret_event)
			*ret_event = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	}
	free(text);
	return r;
}

int tickets_store_fts_put(struct store *s, int64_t id, int64_t event, int64_t requester_id, bool internal,
			  const char *title, const char *body)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO ticket_fts (title, body, ticket_id, event_id, requester_id, "
					 "internal) VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	store_bind_text(st, 1, title ? title : "");
	store_bind_text(st, 2, body ? body : "");
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_int64(st, 4, event);
	sqlite3_bind_int64(st, 5, requester_id);
	sqlite3_bind_int(st, 6, internal);
	int r = store_step_done(s, st, "cannot index the ticket");
	if (r < 0 || event)
		return r;
	/* The ticket's own row: remembered, for a new title. */
	st = store_stmt(s, "UPDATE tickets SET fts_rowid = last_insert_rowid() WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return store_step_done(s, st, "cannot index the ticket");
}

int tickets_store_fts_retitle(struct store *s, int64_t id, const char *title)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE ticket_fts SET title = ? "
					 "WHERE rowid = (SELECT fts_rowid FROM tickets WHERE id = ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return store_step_done(s, st, "cannot index the ticket");
}

int tickets_store_index_record(struct store *s, uint8_t **ret, size_t *ret_len)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT block FROM ticket_fts_data WHERE id = 10");
	int r;
	if (!st)
		return -EIO;
	if ((r = sqlite3_step(st)) != SQLITE_ROW) {
		r = r == SQLITE_DONE ? err_set(-ENOENT, "the search index has no structure record")
				     : store_error(s, "cannot read the search index");
		store_done(st);
		return r;
	}
	size_t n = (size_t)sqlite3_column_bytes(st, 0);
	const void *p = sqlite3_column_blob(st, 0);
	*ret = malloc(n ? n : 1);
	if (!*ret) {
		store_done(st);
		return -ENOMEM;
	}
	if (n)
		memcpy(*ret, p, n);
	*ret_len = n;
	store_done(st);
	return 0;
}

int tickets_store_index_merge(struct store *s, int pages, bool *ret_worked)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('merge', ?)");
	if (!st)
		return -EIO;
	sqlite3 *db = sqlite3_db_handle(st);
	int before = sqlite3_total_changes(db);
	sqlite3_bind_int(st, 1, pages);
	int r = store_step_done(s, st, "cannot merge the search index");
	/* The command itself counts one change; any merging, more (FTS5's documentation). */
	*ret_worked = r == 0 && sqlite3_total_changes(db) - before >= 2;
	return r;
}

static json_t *col_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(st, i));
}

static json_t *text_or_null(sqlite3_stmt *st, int i)
{
	const char *v = store_col_text(st, i);
	return v ? json_string(v) : json_null();
}

/* One summary row from the columns of summary_cols. */
static json_t *summary_row(sqlite3_stmt *st)
{
	json_t *o = json_object();
	static const char *const names[] = {"number",	     "title",	       "status",	  "tier",
					    "priority",	     "impact",	       "urgency",	  "category",
					    "requester",     "assignee",       "host",		  "created_at",
					    "updated_at",    "first_response_at", "response_due_at", "resolve_due_at",
					    "resolved_at",   "sla_flags",      "sla_used",	  "sla_since"};
	for (int i = 0; o && i < 20; i++) {
		int type = sqlite3_column_type(st, i);
		json_t *v = type == SQLITE_INTEGER ? col_or_null(st, i) : text_or_null(st, i);
		if (!v || json_object_set_new(o, names[i], v) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

#define DUE_KEY "coalesce(t.resolve_due_at, 9223372036854775807)"

/* The WHERE clause is built from fixed fragments; every value is bound. */
int tickets_store_query(struct store *s, const struct tickets_query *q, json_t *out)
{
	char sql[2048];
	struct {
		const char *text;
		int64_t num;
	} p[12];
	int np = 0, rc, r = 0;
	/* The active queue by due time walks its own partial index (0004_helpdesk.sql); the
	 * planner, without statistics, would rather read every active ticket and sort. */
	size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT %s FROM tickets t%s%s WHERE 1", summary_cols,
				    q->active && q->by_due ? " INDEXED BY tickets_active_due" : "", summary_joins);
#define ADD(...) n += (size_t)snprintf(sql + n, n < sizeof(sql) ? sizeof(sql) - n : 0, __VA_ARGS__)
	if (q->active)
		ADD(" AND t.status IN ('new', 'open', 'pending')");
	if (q->status) {
		ADD(" AND t.status = ?");
		p[np++].text = q->status;
	}
	if (q->tier) {
		ADD(" AND t.tier = ?");
		p[np].text = NULL, p[np++].num = q->tier;
	}
	if (q->unassigned)
		ADD(" AND t.assignee_id IS NULL");
	if (q->assignee_id) {
		ADD(" AND t.assignee_id = ?");
		p[np].text = NULL, p[np++].num = q->assignee_id;
	}
	if (q->requester_id) {
		ADD(" AND t.requester_id = ?");
		p[np].text = NULL, p[np++].num = q->requester_id;
	}
	if (q->tag) {
		ADD(" AND EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)");
		p[np++].text = q->tag;
	}
	if (q->flags_any)
		ADD(" AND (t.sla_flags & %d) != 0", q->flags_any);
	if (q->flags_breached)
		ADD(" AND (t.sla_flags & %d) != 0", q->flags_breached);
	if (q->after_id) {
		if (q->by_due) {
			ADD(" AND (" DUE_KEY ", t.id) > (?, ?)");
			p[np].text = NULL, p[np++].num = q->after_due;
		} else {
			ADD(" AND t.id < ?");
		}
		p[np].text = NULL, p[np++].num = q->after_id;
	}
	ADD(q->by_due ? " ORDER BY " DUE_KEY ", t.id LIMIT ?" : " ORDER BY t.id DESC LIMIT ?");
	p[np].text = NULL, p[np++].num = q->limit + 1;
#undef ADD
	if (n >= sizeof(sql))
		return -ENAMETOOLONG;
	sqlite3_stmt *st = store_prepare(s, sql);
	if (!st)
		return -EIO;
	for (int i = 0; i < np; i++) {
		if (p[i].text)
			sqlite3_bind_text(st, i + 1, p[i].text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, i + 1, p[i].num);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = summary_row(st);
		if (!row || json_array_append_new(out, row) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot list tickets");
	sqlite3_finalize(st);
	return r;
}

static int events_json(struct store *s, int64_t id, bool public_only, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, at, actor, kind, public, body, data FROM ticket_events "
					 "WHERE ticket_id = ? AND (public OR ? = 0) ORDER BY id");
	int rc, r = 0;
	json_t *arr = json_array();
	if (!st || !arr) {
		json_decref(arr);
		return st ? -ENOMEM : -EIO;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, public_only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *data = store_col_text(st, 6);
		json_t *d = data ? json_loads(data, 0, NULL) : NULL;
		json_t *e = json_pack("{s:I, s:o, s:s, s:s, s:b, s:o, s:o}", "id", (json_int_t)store_col_int(st, 0), "time",
				      json_time(store_col_int(st, 1)), "actor", store_col_text(st, 2), "kind",
				      store_col_text(st, 3), "public", (int)store_col_int(st, 4), "body",
				      text_or_null(st, 5), "data", d ? d : json_null());
		if (!e || json_array_append_new(arr, e) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot read the timeline");
	store_done(st);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}

static int tags_json(struct store *s, int64_t id, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT tag FROM ticket_tags WHERE ticket_id = ? ORDER BY tag");
	json_t *arr = json_array();
	int rc;
	if (!st || !arr) {
		json_decref(arr);
		return st ? -ENOMEM : -EIO;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_string(store_col_text(st, 0)));
	store_done(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_error(s, "cannot read tags");
	}
	*ret = arr;
	return 0;
}

int tickets_store_json(struct store *s, int64_t id, bool full, bool public_only, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT t.id, t.title, t.status, t.tier, t.priority, t.impact, t.urgency, "
					 "t.category, r.name, a.name, h.name, t.created_at, t.updated_at, "
					 "t.first_response_at, t.response_due_at, t.resolve_due_at, t.resolved_at, "
					 "t.sla_flags, t.sla_used, t.sla_since, t.description, t.resolution, t.rating, "
					 "t.rating_comment, t.closed_at, t.merged_into, t.auto_escalated, t.article_id, t.deflected_by "
					 "FROM tickets t JOIN users r ON r.id = t.requester_id "
					 "LEFT JOIN users a ON a.id = t.assignee_id "
					 "LEFT JOIN hosts h ON h.id = t.host_id WHERE t.id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		int r = rc == SQLITE_DONE ? err_set(-ENOENT, "ticket %lld does not exist", (long long)id)
					  : store_error(s, "cannot read the ticket");
		store_done(st);
		return r;
	}
	json_t *o = summary_row(st), *tags = NULL, *events = NULL;
	if (o && full) {
		json_object_set_new(o, "description", text_or_null(st, 20));
		json_object_set_new(o, "resolution", text_or_null(st, 21));
		json_object_set_new(o, "rating", col_or_null(st, 22));
		json_object_set_new(o, "rating_comment", text_or_null(st, 23));
		json_object_set_new(o, "closed_at", col_or_null(st, 24));
		json_object_set_new(o, "merged_into", col_or_null(st, 25));
		json_object_set_new(o, "auto_escalated", json_boolean(store_col_int(st, 26)));
		json_object_set_new(o, "article", col_or_null(st, 27));
		json_object_set_new(o, "deflected_by", col_or_null(st, 28));
	}
	store_done(st);
	if (!o)
		return -ENOMEM;
	int r = tags_json(s, id, &tags);
	if (r == 0)
		json_object_set_new(o, "tags", tags);
	if (r == 0 && full && (r = events_json(s, id, public_only, &events)) == 0)
		json_object_set_new(o, "timeline", events);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*ret = o;
	return 0;
}

/* The number of rows holding term, estimated from its newest TICKET_SEARCH_WINDOW
 * matches: exact when there are fewer, else scaled by the share of all rows (by rowid,
 * which only grows) that those matches span. */
static int term_rows(struct store *s, const char *term, int64_t lo, int64_t hi, double *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*), min(r) FROM (SELECT rowid AS r FROM ticket_fts "
					 "WHERE ticket_fts MATCH ? ORDER BY rowid DESC LIMIT ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, term, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, TICKET_SEARCH_WINDOW);
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : store_error(s, "cannot search tickets");
	if (r == 0) {
		int64_t n = store_col_int(st, 0), last = store_col_int(st, 1);
		*ret = (double)n;
		if (n >= TICKET_SEARCH_WINDOW && hi >= last)
			*ret = (double)n * (double)(hi - lo + 1) / (double)(hi - last + 1);
	}
	store_done(st);
	return r;
}

/* The lowest and highest rowid of the index. */
static int rowid_bounds(struct store *s, int64_t *ret_lo, int64_t *ret_hi)
{
	sqlite3_stmt *lo = store_stmt(s, "SELECT rowid FROM ticket_fts ORDER BY rowid LIMIT 1");
	if (!lo)
		return -EIO;
	*ret_lo = *ret_hi = 0;
	int rc = sqlite3_step(lo);
	if (rc == SQLITE_ROW)
		*ret_lo = store_col_int(lo, 0);
	store_done(lo);
	sqlite3_stmt *hi = store_stmt(s, "SELECT rowid FROM ticket_fts ORDER BY rowid DESC LIMIT 1");
	if (!hi)
		return -EIO;
	rc = sqlite3_step(hi);
	if (rc == SQLITE_ROW)
		*ret_hi = store_col_int(hi, 0);
	store_done(hi);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_error(s, "cannot search tickets");
}

struct hit {
	int64_t rowid;
	double rank;
};

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->rowid > y->rowid ? -1 : x->rowid < y->rowid; /* then the newer first */
}

/* The document frequencies of the query's terms ("n1 n2 ..."), for ward_rank; "" for a
 * single term, whose weight changes no order. */
static int query_rows(struct store *s, const char *fts_query, char *out, size_t size)
{
	char term[600];
	int64_t lo, hi;
	size_t n = 0;
	out[0] = '\0';
	if (!strchr(fts_query, ' '))
		return 0;
	int r = rowid_bounds(s, &lo, &hi);
	for (const char *p = fts_query; r == 0 && *p;) {
		/* The builder joins quoted words with single spaces; no word holds one. */
		size_t len = strcspn(p, " ");
		if (len >= sizeof(term))
			return err_set(-EINVAL, "a search word is too long");
		memcpy(term, p, len);
		term[len] = '\0';
		p += len + (p[len] == ' ');
		double rows = 0;
		if ((r = term_rows(s, term, lo, hi, &rows)) < 0)
			break;
		int k = snprintf(out + n, size - n, "%s%.0f", n ? " " : "", rows);
		if (k < 0 || (size_t)k >= size - n)
			return err_set(-EINVAL, "the search has too many words");
		n += (size_t)k;
	}
	return r;
}

int tickets_store_search(struct store *s, const char *fts_query, int64_t requester_id, bool include_internal,
			 int limit, json_t *out)
{
	char rows[512], ids[24 * TICKET_SEARCH_MAX + 8];
	struct hit *hits = NULL;
	int nhits = 0, rc, r;
	if ((r = query_rows(s, fts_query, rows, sizeof(rows))) < 0)
		return r;
	/* First the newest TICKET_SEARCH_WINDOW matches, ranked (bm25 weights: a title match
	 * counts five times a body match) without touching their text. */
	sqlite3_stmt *st = store_stmt(
		s, "SELECT rowid, ward_rank(ticket_fts, 5.0, 1.0, ?1) FROM ticket_fts "
		   "WHERE ticket_fts MATCH ?2 AND (?3 = 0 OR requester_id = ?3) AND (?4 OR internal = 0) "
		   "ORDER BY rowid DESC LIMIT ?5");
	if (!st)
		return -EIO;
	hits = malloc(sizeof(*hits) * TICKET_SEARCH_WINDOW);
	if (!hits) {
		store_done(st);
		return -ENOMEM;
	}
	sqlite3_bind_text(st, 1, rows[0] ? rows : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, fts_query, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, requester_id);
	sqlite3_bind_int(st, 4, include_internal);
	sqlite3_bind_int(st, 5, TICKET_SEARCH_WINDOW);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && nhits < TICKET_SEARCH_WINDOW)
		hits[nhits++] = (struct hit){store_col_int(st, 0), sqlite3_column_double(st, 1)};
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_error(s, "cannot search tickets");
	store_done(st);
	if (r < 0 || nhits == 0)
		goto out;
	qsort(hits, (size_t)nhits, sizeof(*hits), hit_cmp);
	if (nhits > limit)
		nhits = limit;

	/* Then the best ones' tickets and snippets, in one pass over the matches between
	 * the oldest and newest of them. */
	int64_t lo = hits[0].rowid, hi = hits[0].rowid;
	size_t n = 0;
	for (int i = 0; i < nhits; i++) {
		lo = hits[i].rowid < lo ? hits[i].rowid : lo;
		hi = hits[i].rowid > hi ? hits[i].rowid : hi;
		n += (size_t)snprintf(ids + n, sizeof(ids) - n, "%s%lld", i ? "," : "[", (long long)hits[i].rowid);
	}
	snprintf(ids + n, sizeof(ids) - n, "]");
	st = store_stmt(s, "SELECT f.rowid, f.ticket_id, f.event_id, t.title, t.status, "
			   "snippet(ticket_fts, 1, char(2), char(3), '…', 16) "
			   "FROM ticket_fts f JOIN tickets t ON t.id = f.ticket_id "
			   "WHERE ticket_fts MATCH ?1 AND f.rowid BETWEEN ?2 AND ?3 "
			   "AND f.rowid + 0 IN (SELECT value FROM json_each(?4))");
	if (!st) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(st, 1, fts_query, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, lo);
	sqlite3_bind_int64(st, 3, hi);
	sqlite3_bind_text(st, 4, ids, -1, SQLITE_STATIC);
	json_t *found[TICKET_SEARCH_MAX] = {0};
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t rowid = store_col_int(st, 0);
		for (int i = 0; i < nhits; i++) {
			if (hits[i].rowid != rowid || found[i])
				continue;
			found[i] = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:f}", "kind",
					     store_col_int(st, 2) ? "comment" : "ticket", "number",
					     (json_int_t)store_col_int(st, 1), "event", (json_int_t)store_col_int(st, 2),
					     "title", store_col_text(st, 3), "status", store_col_text(st, 4), "snippet",
					     store_col_text(st, 5) ? store_col_text(st, 5) : "", "rank", hits[i].rank);
			if (!found[i])
				r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot search tickets");
	store_done(st);
	for (int i = 0; i < nhits; i++) {
		if (r == 0 && found[i] && json_array_append(out, found[i]) < 0)
			r = -ENOMEM;
		json_decref(found[i]);
	}
out:
	free(hits);
	return r;
}

int tickets_store_running(struct store *s, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM tickets WHERE status IN ('new', 'open') AND "
					 "(sla_since IS NOT NULL OR response_due_at IS NOT NULL)");
	int rc;
	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_integer(store_col_int(st, 0)));
	store_done(st);
	return rc == SQLITE_DONE ? 0 : store_error(s, "cannot list running SLA clocks");
}

int tickets_store_target(struct store *s, int priority, int64_t *ret_response, int64_t *ret_resolve)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT response, resolve FROM sla_targets WHERE priority = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, priority);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		*ret_response = store_col_int(st, 0);
		*ret_resolve = store_col_int(st, 1);
	} else {
		r = rc == SQLITE_DONE ? err_set(-ENOENT, "no SLA target for priority %d", priority)
				      : store_error(s, "cannot read SLA targets");
	}
	store_done(st);
	return r;
}

int tickets_store_target_set(struct store *s, int priority, int64_t response, int64_t resolve)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE sla_targets SET response = ?, resolve = ? WHERE priority = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, response);
	sqlite3_bind_int64(st, 2, resolve);
	sqlite3_bind_int(st, 3, priority);
	return store_step_done(s, st, "cannot set the SLA target");
}

int tickets_store_targets(struct store *s, json_t **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT priority, response, resolve FROM sla_targets ORDER BY priority");
	json_t *arr = json_array();
	int rc;
	if (!st || !arr) {
		json_decref(arr);
		return st ? -ENOMEM : -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:I, s:I}", "priority", (json_int_t)store_col_int(st, 0),
						     "response_s", (json_int_t)store_col_int(st, 1), "resolve_s",
						     (json_int_t)store_col_int(st, 2)));
	store_done(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_error(s, "cannot read SLA targets");
	}
	*ret = arr;
	return 0;
}

int tickets_store_setting(struct store *s, const char *key, char **ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT value FROM helpdesk_settings WHERE key = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		r = (*ret = strdup(store_col_text(st, 0))) ? 0 : -ENOMEM;
	else
		r = rc == SQLITE_DONE ? err_set(-ENOENT, "no help-desk setting '%s'", key)
				      : store_error(s, "cannot read help-desk settings");
	store_done(st);
	return r;
}

int tickets_store_setting_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO helpdesk_settings (key, value) VALUES (?, ?) "
					 "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return store_step_done(s, st, "cannot save the help-desk setting");
}
