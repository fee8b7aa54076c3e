/*
 * training_store.c: the SQL behind training.c: courses and their lessons, rules,
 * assignments with their reads and quiz attempts, and reminders. Every statement is a
 * cached literal with bound parameters.
 */
#include "training/training_store.h"

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

static char *dup_or_null(sqlite3_stmt *st, int col, bool *oom)
{
	const char *v = store_col_text(st, col);
	if (!v)
		return NULL;
	char *d = strdup(v);
	if (!d)
		*oom = true;
	return d;
}

void training_store_course_release(struct training_course_row *c)
{
	if (!c)
		return;
	free(c->description);
	free(c->quiz);
	c->description = NULL;
	c->quiz = NULL;
}

/* --- courses --- */

#define COURSE_COLS                                                                                                    \
	"c.id, c.title, c.description, c.quiz, c.pass_mark, c.kind, c.package, c.created_by, c.created_at, "           \
	"c.updated_at, (SELECT count(*) FROM training_lessons l WHERE l.course_id = c.id)"

/* A row of COURSE_COLS; -ENOMEM with nothing owned on failure. */
static int course_read(sqlite3_stmt *st, struct training_course_row *c)
{
	bool oom = false;
	memset(c, 0, sizeof(*c));
	c->id = store_col_int(st, 0);
	copy(c->title, sizeof(c->title), store_col_text(st, 1));
	c->description = dup_or_null(st, 2, &oom);
	c->quiz = dup_or_null(st, 3, &oom);
	c->pass_mark = (int)store_col_int(st, 4);
	copy(c->kind, sizeof(c->kind), store_col_text(st, 5));
	copy(c->package, sizeof(c->package), store_col_text(st, 6));
	copy(c->created_by, sizeof(c->created_by), store_col_text(st, 7));
	c->created_at = store_col_int(st, 8);
	c->updated_at = store_col_int(st, 9);
	c->nlessons = (int)store_col_int(st, 10);
	if (!c->description && !oom)
		c->description = strdup("");
	if (oom || !c->description) {
		training_store_course_release(c);
		return -ENOMEM;
	}
	return 0;
}

int training_store_course_insert(struct store *s, const char *title, const char *description, const char *quiz,
				 int pass_mark, const char *kind, const char *package, const char *by, int64_t now,
				 int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO training_courses (title, description, quiz, pass_mark, kind, "
					 "package, created_by, created_at, updated_at) "
					 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, description, -1, SQLITE_STATIC);
	store_bind_text(st, 3, quiz);
	sqlite3_bind_int(st, 4, pass_mark);
	sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
	store_bind_text(st, 6, package);
	sqlite3_bind_text(st, 7, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	int r = store_step_done(s, st, "cannot add the course");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int training_store_course_update(struct store *s, int64_t id, const char *title, const char *description,
				 const char *quiz, int pass_mark, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE training_courses SET title = ?1, description = ?2, quiz = ?3, "
					 "pass_mark = ?4, updated_at = ?5 WHERE id = ?6");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, description, -1, SQLITE_STATIC);
	store_bind_text(st, 3, quiz);
	sqlite3_bind_int(st, 4, pass_mark);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, id);
	return store_step_done(s, st, "cannot change the course");
}

int training_store_course_get(struct store *s, int64_t id, struct training_course_row *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " COURSE_COLS " FROM training_courses c WHERE c.id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_ROW)
		r = course_read(st, ret);
	else if (rc == SQLITE_DONE)
		r = err_set(-ENOENT, "course %lld does not exist", (long long)id);
	else
		r = store_error(s, "cannot read courses");
	store_done(st);
	return r;
}

int training_store_courses(struct store *s, const char *user, int64_t after, int limit, training_store_course_fn fn,
			   void *arg)
{
	sqlite3_stmt *st;
	if (user)
		st = store_stmt(s,
				"SELECT " COURSE_COLS " FROM training_courses c WHERE c.id > ?1 AND EXISTS "
				"(SELECT 1 FROM training_assignments a WHERE a.course_id = c.id AND a.user_name = ?3) "
				"ORDER BY c.id LIMIT ?2");
	else
		st = store_stmt(s, "SELECT " COURSE_COLS
				   " FROM training_courses c WHERE c.id > ?1 ORDER BY c.id LIMIT ?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit);
	if (user)
		sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct training_course_row c;
		if ((r = course_read(st, &c)) < 0)
			break;
		r = fn(&c, arg);
		training_store_course_release(&c);
		if (r != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot read courses");
	store_done(st);
	return r < 0 ? r : 0;
}

/* --- lessons --- */

int training_store_lessons_set(struct store *s, int64_t course_id, const int64_t *ids, int n)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM training_lessons WHERE course_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, course_id);
	int r = store_step_done(s, st, "cannot change the lessons");
	for (int i = 0; r == 0 && i < n; i++) {
		st = store_stmt(s, "INSERT INTO training_lessons (course_id, position, article_id) VALUES (?, ?, ?)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, course_id);
		sqlite3_bind_int(st, 2, i + 1);
		sqlite3_bind_int64(st, 3, ids[i]);
		r = store_step_done(s, st, "cannot add a lesson");
	}
	return r;
}

int training_store_lessons(struct store *s, int64_t course_id, int64_t assignment_id, int64_t *ret_ids,
			   int64_t *ret_read_at, int max, int *ret_n)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT l.article_id, r.at FROM training_lessons l "
			  "LEFT JOIN training_reads r ON r.assignment_id = ?2 AND r.article_id = l.article_id "
			  "WHERE l.course_id = ?1 ORDER BY l.position");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, course_id);
	sqlite3_bind_int64(st, 2, assignment_id);
	int rc, n = 0, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		ret_ids[n] = store_col_int(st, 0);
		ret_read_at[n] = store_col_int(st, 1);
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = store_error(s, "cannot read lessons");
	store_done(st);
	if (r == 0)
		*ret_n = n;
	return r;
}

/* --- rules --- */

int training_store_rule_put(struct store *s, int64_t course_id, const char *kind, const char *value, int64_t period,
			    const char *by, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO training_rules (course_id, kind, value, period, created_by, "
					 "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
					 "ON CONFLICT (course_id, kind, value) DO UPDATE SET period = excluded.period");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, course_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	if (period < 0)
		sqlite3_bind_null(st, 4);
	else
		sqlite3_bind_int64(st, 4, period);
	sqlite3_bind_text(st, 5, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	return store_step_done(s, st, "cannot keep the assignment rule");
}

int training_store_rules(struct store *s, const char *user, int limit, training_store_rule_fn fn, void *arg)
{
	sqlite3_stmt *st;
	if (user)
		st = store_stmt(s, "SELECT r.id, r.course_id, r.kind, r.value, r.period FROM training_rules r "
				   "WHERE NOT EXISTS (SELECT 1 FROM training_assignments a "
				   "WHERE a.course_id = r.course_id AND a.user_name = ?2) ORDER BY r.id LIMIT ?1");
	else
		st = store_stmt(s, "SELECT r.id, r.course_id, r.kind, r.value, r.period FROM training_rules r "
				   "ORDER BY r.id LIMIT ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, limit);
	if (user)
		sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct training_rule_row row = {.id = store_col_int(st, 0), .course_id = store_col_int(st, 1)};
		copy(row.kind, sizeof(row.kind), store_col_text(st, 2));
		copy(row.value, sizeof(row.value), store_col_text(st, 3));
		row.period = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : store_col_int(st, 4);
		if ((r = fn(&row, arg)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot read assignment rules");
	store_done(st);
	return r < 0 ? r : 0;
}

/* --- assignments --- */

int training_store_assign(struct store *s, int64_t course_id, const char *user, const char *via, const char *by,
			  int64_t now, int64_t due_at, bool *ret_new)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO training_assignments (course_id, user_name, via, assigned_by, "
					 "assigned_at, due_at) VALUES (?, ?, ?, ?, ?, ?) "
					 "ON CONFLICT (course_id, user_name) DO NOTHING");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, course_id);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, via, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	if (due_at > 0)
		sqlite3_bind_int64(st, 6, due_at);
	else
		sqlite3_bind_null(st, 6);
	int r = store_step_done(s, st, "cannot assign the course");
	if (r == 0)
		*ret_new = sqlite3_changes(sqlite3_db_handle(st)) == 1;
	return r;
}

int training_store_assigned(struct store *s, int64_t course_id, const char *user, bool *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM training_assignments WHERE course_id = ? AND user_name = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, course_id);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		*ret = rc == SQLITE_ROW;
	else
		r = store_error(s, "cannot read assignments");
	store_done(st);
	return r;
}

#define ASSIGNMENT_COLS                                                                                                \
	"a.id, a.course_id, c.title, a.user_name, a.via, a.assigned_by, a.assigned_at, a.due_at, a.completed_at, "     \
	"a.completed_by, a.override, a.score, a.attempts, a.reminders, "                                               \
	"(SELECT count(*) FROM training_lessons l WHERE l.course_id = a.course_id), "                                  \
	"(SELECT count(*) FROM training_lessons l JOIN training_reads r ON r.article_id = l.article_id "               \
	"AND r.assignment_id = a.id WHERE l.course_id = a.course_id), "                                                \
	"c.quiz IS NOT NULL, (SELECT max(m.at) FROM training_reminders m WHERE m.assignment_id = a.id)"

/* The status of an assignment at time ?N, as training_status numbers it. */
#define STATUS_AT(n)                                                                                                   \
	"(CASE WHEN a.completed_at IS NOT NULL THEN 1 WHEN a.due_at IS NOT NULL AND a.due_at < ?" n " THEN 2 "         \
	"ELSE 0 END)"

static void assignment_read(sqlite3_stmt *st, struct training_assignment_row *a)
{
	memset(a, 0, sizeof(*a));
	a->id = store_col_int(st, 0);
	a->course_id = store_col_int(st, 1);
	copy(a->course_title, sizeof(a->course_title), store_col_text(st, 2));
	copy(a->user, sizeof(a->user), store_col_text(st, 3));
	copy(a->via, sizeof(a->via), store_col_text(st, 4));
	copy(a->assigned_by, sizeof(a->assigned_by), store_col_text(st, 5));
	a->assigned_at = store_col_int(st, 6);
	a->due_at = store_col_int(st, 7);
	a->completed_at = store_col_int(st, 8);
	copy(a->completed_by, sizeof(a->completed_by), store_col_text(st, 9));
	a->override = store_col_int(st, 10) != 0;
	a->score = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : (int)store_col_int(st, 11);
	a->attempts = (int)store_col_int(st, 12);
	a->reminders = (int)store_col_int(st, 13);
	a->lessons = (int)store_col_int(st, 14);
	a->lessons_read = (int)store_col_int(st, 15);
	a->has_quiz = store_col_int(st, 16) != 0;
	a->last_reminder_at = store_col_int(st, 17);
}

int training_store_assignment_get(struct store *s, int64_t course_id, const char *user,
				  struct training_assignment_row *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " ASSIGNMENT_COLS " FROM training_assignments a "
					 "JOIN training_courses c ON c.id = a.course_id "
					 "WHERE a.course_id = ?1 AND a.user_name = ?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, course_id);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		assignment_read(st, ret);
	else if (rc == SQLITE_DONE)
		r = err_set(-ENOENT, "course %lld is not assigned to '%s'", (long long)course_id, user);
	else
		r = store_error(s, "cannot read assignments");
	store_done(st);
	return r;
}

int training_store_assignments(struct store *s, int64_t course_id, const char *user, int status, int64_t now,
			       int64_t after, int limit, training_store_assignment_fn fn, void *arg)
{
	sqlite3_stmt *st;
	/* A user's own list walks their index; the others the ids. */
	if (user)
		st = store_stmt(s, "SELECT " ASSIGNMENT_COLS " FROM training_assignments a "
				   "JOIN training_courses c ON c.id = a.course_id "
				   "WHERE a.user_name = ?6 AND a.id > ?1 AND (?2 = 0 OR a.course_id = ?2) "
				   "AND (?3 < 0 OR " STATUS_AT("4") " = ?3) ORDER BY a.user_name, a.id LIMIT ?5");
	else
		st = store_stmt(s, "SELECT " ASSIGNMENT_COLS " FROM training_assignments a "
				   "JOIN training_courses c ON c.id = a.course_id "
				   "WHERE a.id > ?1 AND (?2 = 0 OR a.course_id = ?2) "
				   "AND (?3 < 0 OR " STATUS_AT("4") " = ?3) ORDER BY a.id LIMIT ?5");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, course_id);
	sqlite3_bind_int(st, 3, status);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int(st, 5, limit);
	if (user)
		sqlite3_bind_text(st, 6, user, -1, SQLITE_STATIC);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct training_assignment_row a;
		assignment_read(st, &a);
		if ((r = fn(&a, arg)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot read assignments");
	store_done(st);
	return r < 0 ? r : 0;
}

int training_store_progress(struct store *s, int64_t course_id, int64_t now, struct training_progress_row *ret)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*), count(a.completed_at), "
					 "coalesce(sum(CASE WHEN a.completed_at IS NULL AND a.due_at IS NOT NULL "
					 "AND a.due_at < ?2 THEN 1 ELSE 0 END), 0), "
					 "avg(CASE WHEN a.completed_at IS NOT NULL THEN a.score END) "
					 "FROM training_assignments a WHERE a.course_id = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, course_id);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		ret->assigned = store_col_int(st, 0);
		ret->completed = store_col_int(st, 1);
		ret->overdue = store_col_int(st, 2);
		ret->has_average = sqlite3_column_type(st, 3) != SQLITE_NULL;
		ret->average_score = ret->has_average ? sqlite3_column_double(st, 3) : 0;
	} else {
		r = store_error(s, "cannot read assignments");
	}
	store_done(st);
	return r;
}

/* --- taking a course --- */

int training_store_read_add(struct store *s, int64_t assignment_id, int64_t article_id, int64_t now, bool *ret_new)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO training_reads (assignment_id, article_id, at) VALUES (?, ?, ?) "
					 "ON CONFLICT (assignment_id, article_id) DO NOTHING");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, assignment_id);
	sqlite3_bind_int64(st, 2, article_id);
	sqlite3_bind_int64(st, 3, now);
	int r = store_step_done(s, st, "cannot record the lesson read");
	if (r == 0)
		*ret_new = sqlite3_changes(sqlite3_db_handle(st)) == 1;
	return r;
}

int training_store_attempt_add(struct store *s, int64_t assignment_id, int64_t now, const char *answers, int correct,
			       int total, int score, int pass_mark, bool passed)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO training_attempts (assignment_id, at, answers, correct, total, "
					 "score, pass_mark, passed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, assignment_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, answers, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, correct);
	sqlite3_bind_int(st, 5, total);
	sqlite3_bind_int(st, 6, score);
	sqlite3_bind_int(st, 7, pass_mark);
	sqlite3_bind_int(st, 8, passed);
	return store_step_done(s, st, "cannot record the quiz attempt");
}

int training_store_attempt_count(struct store *s, int64_t assignment_id, int score)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE training_assignments SET attempts = attempts + 1, "
					 "score = CASE WHEN score IS NULL OR score < ?2 THEN ?2 ELSE score END "
					 "WHERE id = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, assignment_id);
	sqlite3_bind_int(st, 2, score);
	return store_step_done(s, st, "cannot record the quiz attempt");
}

int training_store_complete(struct store *s, int64_t assignment_id, int64_t now, const char *by, bool override,
			    bool *ret_done)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE training_assignments SET completed_at = ?2, completed_by = ?3, "
					 "override = ?4 WHERE id = ?1 AND completed_at IS NULL");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, assignment_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, override);
	int r = store_step_done(s, st, "cannot complete the assignment");
	if (r == 0)
		*ret_done = sqlite3_changes(sqlite3_db_handle(st)) == 1;
	return r;
}

/* --- reminders --- */

int training_store_remind_candidates(struct store *s, int64_t now, int64_t ahead, int limit,
				     training_store_remind_fn fn, void *arg)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT a.id, a.course_id, a.due_at, c.title, a.user_name "
			  "FROM training_assignments a JOIN training_courses c ON c.id = a.course_id "
			  "WHERE a.completed_at IS NULL AND a.due_at IS NOT NULL AND a.due_at <= ?1 + ?2 "
			  "AND (a.remind_after IS NULL OR a.remind_after <= ?1) "
			  "ORDER BY a.due_at, a.id LIMIT ?3");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, ahead);
	sqlite3_bind_int(st, 3, limit);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct training_remind_row row = {
		    .id = store_col_int(st, 0), .course_id = store_col_int(st, 1), .due_at = store_col_int(st, 2)};
		copy(row.course_title, sizeof(row.course_title), store_col_text(st, 3));
		copy(row.user, sizeof(row.user), store_col_text(st, 4));
		if ((r = fn(&row, arg)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot read assignments");
	store_done(st);
	return r < 0 ? r : 0;
}

int training_store_remind_claim(struct store *s, int64_t assignment_id, int64_t now, int64_t next, bool *ret_claimed)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE training_assignments SET remind_after = ?3, reminders = reminders + 1 "
					 "WHERE id = ?1 AND completed_at IS NULL "
					 "AND (remind_after IS NULL OR remind_after <= ?2)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, assignment_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, next);
	int r = store_step_done(s, st, "cannot claim the reminder");
	if (r == 0)
		*ret_claimed = sqlite3_changes(sqlite3_db_handle(st)) == 1;
	return r;
}

int training_store_remind_after(struct store *s, int64_t assignment_id, int64_t next)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE training_assignments SET remind_after = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, next);
	sqlite3_bind_int64(st, 2, assignment_id);
	return store_step_done(s, st, "cannot schedule the next reminder");
}

int training_store_reminder_add(struct store *s, int64_t assignment_id, int64_t now, const char *kind, const char *to,
				const char *status, const char *reason, int64_t *ret_id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO training_reminders (assignment_id, at, kind, to_addr, status, "
					 "reason) VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, assignment_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	store_bind_text(st, 4, to);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
	store_bind_text(st, 6, reason);
	int r = store_step_done(s, st, "cannot record the reminder");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return r;
}

int training_store_reminder_done(struct store *s, int64_t reminder_id, const char *status, const char *reason,
				 const char *message_id)
{
	sqlite3_stmt *st =
	    store_stmt(s, "UPDATE training_reminders SET status = ?2, reason = ?3, message_id = ?4 WHERE id = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, reminder_id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	store_bind_text(st, 3, reason);
	store_bind_text(st, 4, message_id);
	return store_step_done(s, st, "cannot record the reminder");
}

int training_store_reminders(struct store *s, int64_t assignment_id, json_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT at, kind, to_addr, status, reason, message_id FROM training_reminders "
					 "WHERE assignment_id = ? ORDER BY id DESC LIMIT 100");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, assignment_id);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *j = json_pack("{s:o, s:s, s:o, s:s, s:o, s:o}", "at", json_time(store_col_int(st, 0)), "kind",
				      store_col_text(st, 1), "to", json_string_or_null(store_col_text(st, 2)), "status",
				      store_col_text(st, 3), "reason", json_string_or_null(store_col_text(st, 4)),
				      "message_id", json_string_or_null(store_col_text(st, 5)));
		if (!j || json_array_append_new(out, j) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s, "cannot read reminders");
	store_done(st);
	return r;
}
